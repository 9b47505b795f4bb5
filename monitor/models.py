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
    #: "ko" or "en" as the user declared it; None: detected per article from its text (monitor.lang.detect).
    language: str | None = None


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
    #: The SQLite file; the config resolves a relative path against the config file's folder.
    path: str = "data/monitor.db"


@dataclass(frozen=True, slots=True)
class StorySettings:
    """[stories]: how articles are clustered into stories (the config's section, the tracker's options)."""

    enabled: bool = True
    #: How far apart in time two reports of one story can be.
    window_s: float = 72 * 3600.0
    #: Estimated body similarity (Jaccard of shingles) that makes a copy of the same article.
    near_duplicate: float = 0.6
    #: Combined headline/key-term score that makes another write-up of the same event.
    same_event: float = 0.5
    #: Hours after its last development that a story stops accepting members (issue 14).
    close_after_hours: float = 72.0


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
    #: The HTTP status of each redirect in ``redirects`` (301/308 are permanent: the config should follow).
    redirect_statuses: tuple[int, ...] = ()

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
    #: The RSS ``<source url="…">name</source>`` element: who published an item a news-search feed
    #: (Google News and its kind) carries. None for an ordinary feed's own items.
    source_title: str | None = None
    source_url: str | None = None


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
    #: The publisher credited by a news-search feed's item (monitor.ingest.aggregator); None: the outlet is
    #: read from the URL as for every other article (monitor.ingest.urls.article_outlet).
    outlet: str | None = None
    #: "ko" | "en": the feed's declared language, else detected from the text; None when undecidable.
    language: str | None = None


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


# --- digests (issue 5) ---
# DigestStory is built by the store from SQLite; Digest is built from those by monitor.digest and is
# what every renderer and channel reads; Receipt is what a channel hands back once it accepted a digest.

SmtpSecurity = Literal["starttls", "tls", "none"]


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """[delivery.email], validated by config, with the credentials already read from the environment."""

    host: str
    sender: str  # the `from` key
    recipients: tuple[str, ...]  # the `to` key
    port: int = 587
    security: SmtpSecurity = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """[delivery.slack], with the webhook URL read from the environment (it is a secret: never logged)."""

    webhook_url: str = field(repr=False)
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class DigestStory:
    """One story as a digest needs it; the store fills it in, monitor.digest decides how it reads.

    ``other_outlets`` names every other outlet that carried the story, so the "외 N개 매체" a reader sees
    is always ``len(other_outlets)``: the count is derived (``outlet_count``), never stored twice.
    """

    story_id: int
    title: str
    #: The lead article's link; None when there is none to give (the article was deleted).
    url: str | None
    lead_outlet: str
    first_seen: datetime
    other_outlets: tuple[str, ...] = ()
    published: datetime | None = None
    #: Most relevant first; the first is the topic the story is listed under.
    topics: tuple[str, ...] = ()
    #: The matcher's evidence for "why", e.g. "공급망(공급망 회복력)".
    matched_terms: tuple[str, ...] = ()
    snippet: str = ""
    score: float = 0.0
    #: Delivered before and grown materially since: shown once more, as an update.
    is_update: bool = False
    update_note: str | None = None
    #: outlet → the link of its own report in this story, for the outlets that have one stored (issue 15:
    #: every outlet a digest names links to its report, not only the lead's).
    outlet_links: tuple[tuple[str, str], ...] = ()
    #: The reason in one sentence (monitor.why), e.g. "한미일 + 핵심광물 in the title (core)"; shown
    #: instead of ``matched_terms`` when set.
    why: str = ""
    #: ``core``, or ``context`` when no member matched as core: listed in its own section below the core.
    tier: str = "core"

    @property
    def outlet_count(self) -> int:
        return 1 + len(self.other_outlets)

    @property
    def shown_at(self) -> datetime:
        """The time a reader is shown and recency is ranked by: publication if known, else first sight."""
        return self.published or self.first_seen


@dataclass(frozen=True, slots=True)
class DigestItem:
    """A story placed in a digest with every value a reader sees already worded, so that the text, HTML,
    Markdown and Slack forms differ only in layout and escaping, never in facts."""

    story: DigestStory
    number: int  # 1-based position in reading order
    title: str  # whitespace collapsed, cut if absurdly long
    link: str | None  # http(s) only; None renders the title unlinked
    outlets: str  # "연합뉴스 외 3개 매체"
    other_outlets: str  # "뉴시스, 뉴스1, 서울경제" (the first few, then "등"); "" for a single outlet
    when: str  # "2026-11-23 07:41 KST"
    topics: str  # "공급망 · 반도체"
    terms: str  # "공급망(공급망 회복력), 반도체"
    snippet: str  # about two lines, cut with "…"
    note: str  # the update note, "" for a new story
    #: The outlets of ``other_outlets`` (the same first few) with their own report's link (None: none
    #: stored); empty when the story has no per-outlet links, and the plain ``other_outlets`` is shown.
    other_outlet_links: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class DigestSection:
    topic: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """One digest for one channel: new core stories grouped by primary topic, then the new context stories,
    then updates, then "외 N건 더"."""

    digest_id: str  # stable for the same channel, time and stories (used in Message-IDs and file names)
    channel: str
    generated_at: datetime
    since: datetime | None
    subject: str  # "[한미일 경제안보] 새 소식 5건 — 2026-11-23 (월) 08:00 KST"
    heading: str  # "한미일 경제안보 브리핑"
    dateline: str  # "2026-11-23 (월) 08:00 KST · 2026-11-22 (일) 17:00 KST 이후"
    summary: str  # "새 소식 25건 · 업데이트 2건 — 상위 20건"
    sections: tuple[DigestSection, ...]
    updates: tuple[DigestItem, ...]
    new_total: int  # new stories selected, shown or not
    update_total: int  # updated stories selected, shown or not
    more: str  # "외 7건 더 — `monitor stories`로 전체 보기", or "" when nothing was cut
    omitted_story_ids: tuple[int, ...] = ()
    #: New stories of the context tier (../RELEVANCE.md): one section below the core sections.
    context: tuple[DigestItem, ...] = ()

    @property
    def items(self) -> tuple[DigestItem, ...]:
        """Every shown item in reading order (core sections, then context, then updates)."""
        return tuple(i for s in self.sections for i in s.items) + self.context + self.updates

    @property
    def story_ids(self) -> tuple[int, ...]:
        """The stories this digest shows: what a channel accepting it has delivered."""
        return tuple(i.story.story_id for i in self.items)

    @property
    def is_empty(self) -> bool:
        return self.new_total + self.update_total == 0


@dataclass(frozen=True, slots=True)
class Receipt:
    """A channel's proof that it accepted a digest; the ledger records it, then marks ``story_ids`` sent."""

    channel: str
    message_id: str  # Message-ID for email, "<digest_id>.<k>of<n>@slack" for Slack, the file name for files
    accepted_at: datetime
    messages: int  # emails sent, Slack messages posted, files written
    story_ids: tuple[int, ...]
    paths: tuple[str, ...] = ()  # files written (file channel)
    #: Recipients the SMTP server refused while it accepted the others (logged; not retried).
    refused: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------
# --- matching (issue 3) ---
# What monitor.match.matcher produces for one article. Offsets are into the *normalised* text the matcher saw
# (``title + "\n\n" + text`` after monitor.lang.text.normalize), so a snippet can always be cut from them.
# Every field is a str/int/float/bool/None or a tuple of those dataclasses: ``dataclasses.asdict`` of a
# MatchResult is JSON-serialisable as it stands, which is how the evidence is stored with a match.
# --------------------------------------------------------------------------------------------------

HitKind = Literal["actor", "topic", "cue", "exclusion"]
Decision = Literal["relevant", "irrelevant"]
#: Where a relevant article stands in the policy (../RELEVANCE.md): ``core`` is the three governments'
#: cooperation or decisions on the agenda; ``context`` one actor's measure that shapes it.
Tier = Literal["core", "context"]


@dataclass(frozen=True, slots=True)
class TermHit:
    """One occurrence of a configured term, and what it did to the score.

    ``term`` is the configured term (the canonical one when an alias matched); ``matched`` the text that
    matched. ``score`` is the weight this occurrence added (0.0 for repeats beyond the best one, whose
    diminishing share is folded into the best occurrence, and for hits that did not count). ``note`` says
    why a hit did not count ("excluded by 한미반도체", "needs 상무부 within 60 chars", "morphology: part of
    한미글로벌") and is None for a hit that counted.
    """

    term: str
    matched: str
    kind: HitKind
    group: str  # topic id, actor group id or exclusion group id
    weight: float
    score: float
    start: int
    end: int
    in_title: bool
    snippet: str
    standalone: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TopicScore:
    """One topic's evidence: ``raw`` is the weighted sum, ``score`` the same mapped into [0, 1)."""

    topic: str
    label: str
    raw: float
    score: float
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's verdict on one article, with everything needed to say why."""

    decision: Decision
    #: Relevance in [0, 1] for ranking; "relevant" means an actor is present and score >= threshold.
    score: float
    threshold: float
    #: One line for people: which rule decided ("actor 한미일 + topics 1.9 ≥ 1.0", "no actor", ...).
    reason: str
    actor_ok: bool
    actor_mass: float
    countries: tuple[str, ...]  # of "kr", "us", "jp", covered by counted actor hits
    topic_mass: float
    topics: tuple[TopicScore, ...]  # best first; topics without counted hits are left out
    hits: tuple[TermHit, ...]  # counted actor and topic hits, in text order
    dropped: tuple[TermHit, ...]  # hits that did not count, each with its note
    exclusions: tuple[TermHit, ...]  # exclusion phrases that fired
    standalone: tuple[str, ...]  # standalone-specific terms that decided on their own
    morphology_used: bool  # kiwipiepy was consulted for this article
    truncated: bool  # the text was cut to the matcher's size cap before matching
    config_digest: str  # which topics file produced this (sha256 prefix), for backtests
    #: ``core`` or ``context`` for a relevant article, None for an irrelevant one.
    tier: Tier | None = None
    #: Where the title ends in the normalised ``title + "\n\n" + text`` the offsets point into.
    title_end: int = 0

    @property
    def relevant(self) -> bool:
        return self.decision == "relevant"

    @property
    def top_topics(self) -> tuple[str, ...]:
        return tuple(t.topic for t in self.topics)


@dataclass(frozen=True, slots=True)
class MatchRow:
    """A matcher verdict as stored; the evidence arrives as JSON (the store doesn't know the matcher)."""

    decision: str
    relevant: bool
    score: float
    threshold: float
    topics: tuple[str, ...]
    reason: str
    evidence_json: str
    config_digest: str
    #: ``core`` / ``context`` for a relevant verdict, None for an irrelevant one (``matches.tier``).
    tier: str | None = None


# --- stories (issue 4) ---

AssignReason = Literal["exact", "near_duplicate", "same_event", "new", "updated"]


@dataclass(frozen=True, slots=True)
class ClusterItem:
    """What the story clusterer needs to know about one stored article."""

    article_id: int
    title: str
    text: str = ""  # empty when only the title is known: the item clusters on title and URL
    url: str = ""  # canonical URL
    #: When it happened (UTC); items further apart than the clusterer's window never share a story.
    published: datetime | None = None
    first_seen: datetime | None = None  # used when ``published`` is None
    outlet: str = ""  # feed or outlet name; counted per story, and a wire outlet's copy leads its story
    score: float | None = None  # the matcher's relevance score, kept as the story's best score
    #: The matcher's entities and topic terms; None lets the clusterer extract its own key terms.
    key_terms: tuple[str, ...] | None = None
    #: "ko" / "en" as the feed declared it (or detected); None: the clusterer reads the script.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The clusterer's decision for one article (store it to restore the clusterer after a restart)."""

    article_id: int
    #: The article id of the story's first member: stable for the story's whole life.
    story_key: int
    reason: AssignReason
    #: 1.0 for exact copies and updates, estimated Jaccard for near-duplicates, the same-event score for
    #: same-event joins, 0.0 for a new story.
    similarity: float
    matched_article_id: int | None = None  # the member it was matched against
    #: The pair features that carried a same-event join, as (name, value) pairs best first, so that
    #: `monitor story ID` can say why a member joined; empty for other reasons.
    evidence: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class StoryState:
    """A story as the clusterer currently knows it (members in or restored into its window)."""

    story_key: int
    lead_article_id: int  # the earliest wire copy if there is one, else the earliest member
    article_ids: tuple[int, ...]  # in the order they joined
    outlets: tuple[str, ...]  # distinct, in first-seen order
    first_seen: datetime | None
    last_updated: datetime | None
    best_score: float | None


# --- digest runs (issue 5) ---
# What one digest or alert run did for one channel: the value monitor.deliver.dispatch hands to the CLI and to the
# scheduler (issue 6). A failure is a value here, as in FeedReport, so one broken channel never stops the
# others.

DigestStatus = Literal["sent", "empty", "skipped", "failed", "quiet", "busy"]


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """One channel's result.

    ``sent``: the channel accepted it (``stories`` delivered, possibly 0 with send_empty); ``empty``:
    nothing new, nothing sent; ``skipped``: the channel is backing off after a failure until
    ``next_retry``; ``failed``: not (or only partly) accepted, see ``error`` and ``next_retry``;
    ``quiet``: inside quiet hours, held for later; ``busy``: another run holds the channel's claim.
    With ``dry_run`` nothing was sent or recorded and ``stories`` is what would have gone out.
    """

    channel: str
    status: DigestStatus
    stories: int = 0  # stories delivered (for "failed": the ones accepted before the failure)
    message_ids: tuple[str, ...] = ()
    #: Why it failed; with "sent", a warning (recipients the SMTP server refused while taking the rest).
    error: str | None = None
    next_retry: datetime | None = None
    kind: Literal["digest", "alert"] = "digest"
    dry_run: bool = False
    updates: int = 0  # of ``stories``, how many were updates of stories sent before
    pending: int = 0  # stories selected but not delivered (cut by the cap, or left by a failure)
    paths: tuple[str, ...] = ()  # files written (file channel)
