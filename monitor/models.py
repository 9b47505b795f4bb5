"""The values that travel between stages. Frozen, and importing nothing from the package.

    FeedSpec ─fetch─▶ FetchResult ─parse─▶ ParsedFeed(FeedEntry…) ─extract─▶ ExtractedPage
             ─pipeline─▶ Article ─store─▶ SQLite;   one poll ─▶ PollReport(FeedReport…)

Times are timezone-aware ``datetime`` in UTC everywhere in here; conversion to KST happens only where a
person reads a time (``monitor.clock.format_kst``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# --------------------------------------------------------------------------------------------------
# Settings the stages consume (built and validated by monitor.config)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One configured feed, as the user wrote it (after validation)."""

    name: str
    url: str
    interval_s: int = 900
    enabled: bool = True
    #: Override for a feed whose declared charset is wrong (e.g. "cp949"); None trusts the feed.
    encoding: str | None = None
    #: Fetch each entry's linked page and extract the article text.
    fetch_articles: bool = True
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchSettings:
    user_agent: str = "monitor/0.1 (+https://github.com/; Korea-US-Japan economic-security news monitor)"
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    #: Wall-clock limit for one whole exchange (defeats slow-drip bodies that keep a read timeout alive).
    total_timeout_s: float = 60.0
    #: Cap on the *decompressed* body, so a gzip bomb is cut off as early as a plain huge body.
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    #: Minimum delay between two requests to the same host (politeness).
    per_host_delay_s: float = 0.5
    total_concurrency: int = 32
    #: Concurrency for article pages (they are many and each is a full page).
    article_concurrency: int = 8
    allow_private_networks: bool = False
    backoff_base_s: float = 60.0
    backoff_max_s: float = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class StorageSettings:
    path: str  # absolute path to the SQLite file, resolved by config


# --------------------------------------------------------------------------------------------------
# Stage values
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional GET sends back to the server."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # what was asked for
    final_url: str  # after redirects
    status: int  # 200..299, or 304
    headers: dict[str, str]  # lower-cased names; the final response's
    content: bytes  # decoded transfer/content-encoding; b"" on 304
    etag: str | None = None
    last_modified: str | None = None
    elapsed_s: float = 0.0
    redirects: tuple[str, ...] = ()

    @property
    def not_modified(self) -> bool:
        return self.status == 304


IdSource = Literal["guid", "link", "hash"]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a feed, with the text already made plain (no HTML, entities decoded)."""

    entry_id: str
    id_source: IdSource
    title: str
    link: str | None
    summary: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    link: str | None
    version: str  # feedparser's name: "rss20", "atom10", "rss10", ... ("" when unknown)
    encoding: str | None  # the charset the bytes were finally read with
    entries: tuple[FeedEntry, ...]
    #: Set when the feed was ill-formed or mis-declared but still yielded entries (recorded on the feed).
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    text: str  # main article text, paragraphs separated by "\n\n"
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    charset: str | None = None  # what the HTML was decoded with
    charset_source: str | None = None  # "header" | "meta" | "detected" | "bom"


TextSource = Literal["page", "summary", "title"]


@dataclass(frozen=True, slots=True)
class Article:
    """An article as the monitor keeps it: one per canonical URL."""

    url: str  # canonical URL (the unique key)
    link: str  # the link as the feed gave it
    title: str
    text: str
    summary: str
    text_source: TextSource
    feed_name: str
    entry_id: str
    fetched_at: datetime
    published: datetime | None = None
    author: str | None = None
    #: Why the page text is not used (fetch/extract failure, fetching disabled), or None.
    extract_note: str | None = None
    final_url: str | None = None
    content_hash: str = ""


FeedStatus = Literal["ok", "not_modified", "error", "deferred"]


@dataclass(frozen=True, slots=True)
class FeedReport:
    """What happened to one feed in one poll. A failure is a value here, never an exception."""

    feed: str
    url: str
    status: FeedStatus
    http_status: int | None = None
    entries: int = 0
    new_articles: int = 0
    updated_articles: int = 0
    new_sources: int = 0  # an already-stored article seen in this feed for the first time
    articles_failed: int = 0  # entries whose page could not be fetched/extracted (summary kept)
    error_kind: str | None = None
    error: str | None = None
    parse_problem: str | None = None
    elapsed_s: float = 0.0
    next_attempt: datetime | None = None


@dataclass(frozen=True, slots=True)
class PollReport:
    started: datetime
    finished: datetime
    feeds: tuple[FeedReport, ...] = field(default_factory=tuple)

    @property
    def new_articles(self) -> int:
        return sum(f.new_articles for f in self.feeds)

    @property
    def failed(self) -> tuple[FeedReport, ...]:
        return tuple(f for f in self.feeds if f.status == "error")
