"""Changing the feed list in the config file: `monitor feeds add` and `monitor feeds import`.

The file is the user's: its comments, blank lines, key order and inline tables stay as they are (tomlkit
edits the document, it does not re-serialise a dict), and new ``[[feeds]]`` entries go after the last one.
The new text is written to a temporary file beside the config, checked with the same validation as
`monitor config check`, and only then renamed over the config: a crash, a full disk or a bad entry never
leaves the file half-written or invalid.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import tomlkit
from tomlkit.items import AoT, Array, Table

from monitor.config import MonitorConfig, check_config
from monitor.errors import ConfigError, FetchError, ParseError
from monitor.ingest import Fetcher
from monitor.models import FeedSpec, FetchResult
from monitor.sources.check import inspect_result
from monitor.sources.opml import read_opml

#: Where sites keep their feed when their pages do not say (tried in order after the page's own
#: rel="alternate" links): WordPress and most blogs, ndsoft's CMS (many Korean outlets), generic names.
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/rss/allArticle.xml",
    "/rss/S1N1.xml",
)


@dataclass(frozen=True, slots=True)
class Added:
    name: str
    url: str
    items: int
    how: str  # "the URL is a feed", "named by the page", "found at /rss"


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    added: tuple[str, ...]
    skipped: tuple[str, ...]  # one line each: "FILE:LINE: why"


# --------------------------------------------------------------------------------------------------
# feeds add
# --------------------------------------------------------------------------------------------------


def add_feed(
    config: MonitorConfig, url: str, *, name: str | None = None, language: str | None = None
) -> Added:
    """Find the feed ``url`` is or names, check it, and append it to the config file."""
    if not url.startswith(("http://", "https://")):
        raise ConfigError([f"{url!r}: not an http(s) URL"], str(config.path))
    for feed in config.feeds:
        if feed.url == url:
            raise ConfigError([f"{url} is already configured as feed {feed.name!r}"], str(config.path))
    found_url, title, items, how = asyncio.run(_discover(config, url))
    for feed in config.feeds:
        if feed.url == found_url:
            raise ConfigError(
                [f"{found_url} ({how}) is already configured as feed {feed.name!r}"], str(config.path)
            )
    chosen = (name or title or urlsplit(found_url).netloc).strip()
    if any(f.name == chosen for f in config.feeds):
        raise ConfigError(
            [f"a feed named {chosen!r} exists already; give another with --name"], str(config.path)
        )
    entry: dict[str, Any] = {"name": chosen, "url": found_url}
    if language:
        entry["language"] = language
    append_feeds(config.path, [entry], comment=f"added by `monitor feeds add` ({how})")
    return Added(chosen, found_url, items, how)


async def _discover(config: MonitorConfig, url: str) -> tuple[str, str | None, int, str]:
    """(feed URL, its title, item count, how it was found); a ConfigError saying what was tried."""
    tried: list[str] = []
    async with Fetcher(config.fetch) as fetcher:
        result, why = await _fetch(fetcher, url)
        if result is None:
            raise ConfigError([f"{url}: {why}"], str(config.path))
        spec = FeedSpec(name="new", url=url)
        check, _ = inspect_result(spec, result, None, _now())
        if check.usable or check.problem == "zombie":
            # A permanent redirect's target is what to keep; a temporary one's is not.
            moved = check.fix is not None and check.fix.startswith("url =")
            how = "the URL is a feed" + (
                ", but its newest item is old: see `monitor feeds check`" if check.problem else ""
            )
            return result.final_url if moved else url, _title(result), check.items, how
        tried.append(f"{url}: {check.detail}")
        candidates = [(u, "named by the page") for u in check.alternates]
        root = f"{urlsplit(result.final_url).scheme}://{urlsplit(result.final_url).netloc}"
        candidates += [(urljoin(root, p), f"found at {p}") for p in COMMON_PATHS]
        for candidate, how in candidates:
            if candidate == url:
                continue
            found, why = await _fetch(fetcher, candidate)
            if found is None:
                tried.append(f"{candidate}: {why}")
                continue
            check, _ = inspect_result(FeedSpec(name="new", url=candidate), found, None, _now())
            if check.usable:
                return candidate, _title(found), check.items, how
            tried.append(f"{candidate}: {check.detail}")
    raise ConfigError(
        [f"no usable feed found for {url}; tried:", *(f"  {t}" for t in tried)], str(config.path)
    )


async def _fetch(fetcher: Fetcher, url: str) -> tuple[FetchResult | None, str]:
    try:
        return await fetcher.fetch(url), ""
    except FetchError as exc:
        return None, str(exc)


def _title(result: FetchResult) -> str | None:
    from monitor.ingest import parse_feed

    try:
        return parse_feed(result.content, headers=result.headers, url=result.final_url).title
    except ParseError:
        return None


def _now() -> Any:
    from monitor.clock import utcnow

    return utcnow()


# --------------------------------------------------------------------------------------------------
# feeds import
# --------------------------------------------------------------------------------------------------


def import_opml(config: MonitorConfig, path: Path) -> ImportOutcome:
    """Append an OPML file's subscriptions; skip (and say why, with the line) duplicates and non-http URLs."""
    feeds = read_opml(path)
    if not feeds:
        raise ConfigError([f"{path}: no <outline xmlUrl=…> subscriptions in the file"])
    urls = {f.url: f.name for f in config.feeds}
    names = {f.name for f in config.feeds}
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    for feed in feeds:
        where = f"{path}:{feed.line}"
        if not feed.url.lower().startswith(("http://", "https://")):
            skipped.append(f"{where}: {feed.url!r} is not an http(s) URL")
            continue
        if feed.url in urls:
            skipped.append(f"{where}: {feed.url} is already configured as feed {urls[feed.url]!r}")
            continue
        name = _unique(feed.title or urlsplit(feed.url).netloc, names)
        names.add(name)
        urls[feed.url] = name
        entry: dict[str, Any] = {"name": name, "url": feed.url}
        if feed.language in ("ko", "en"):
            entry["language"] = feed.language
        tags = list(dict.fromkeys([*(f for f in feed.folders if f), *feed.categories]))
        if tags:
            entry["tags"] = tags
        entries.append(entry)
    if entries:
        append_feeds(config.path, entries, comment=f"imported from {path.name} by `monitor feeds import`")
    return ImportOutcome(tuple(e["name"] for e in entries), tuple(skipped))


def _unique(name: str, taken: set[str]) -> str:
    name = " ".join(name.split()) or "feed"
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


# --------------------------------------------------------------------------------------------------
# Writing the config file
# --------------------------------------------------------------------------------------------------


def append_feeds(config_path: Path, entries: Sequence[dict[str, Any]], *, comment: str | None = None) -> None:
    """Append ``[[feeds]]`` entries to the config file, keeping everything else as written.

    The result is validated before it replaces the file; an invalid result raises ConfigError (naming
    each problem's key) and leaves the file untouched.
    """
    text = config_path.read_text(encoding="utf-8")
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(
            [f"{config_path}:{exc.line}: cannot edit a file that is not valid TOML: {exc}"], str(config_path)
        ) from None
    feeds = doc.get("feeds")
    if isinstance(feeds, Array):  # feeds = [{ name = …, url = … }, …] written inline: keep that form
        for entry in entries:
            inline = tomlkit.inline_table()
            inline.update(entry)
            feeds.append(inline)
    else:
        if feeds is None:
            feeds = tomlkit.aot()
            doc.append("feeds", feeds)
        elif not isinstance(feeds, AoT):
            raise ConfigError([f"{config_path}: `feeds` is not a list of [[feeds]] tables"], str(config_path))
        for i, entry in enumerate(entries):
            table: Table = tomlkit.table()
            if comment and i == 0:
                table.add(tomlkit.comment(comment))
            for key, value in entry.items():
                table.add(key, value)
            feeds.append(table)
    _replace_checked(config_path, tomlkit.dumps(doc))


def _replace_checked(config_path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{config_path.name}.", suffix=".tmp", dir=config_path.parent)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        errors = [p for p in check_config(tmp_path) if p.severity == "error"]
        if errors:
            raise ConfigError([f"{p.where}: {p.message}" for p in errors], str(config_path))
        os.replace(tmp_path, config_path)
    finally:
        tmp_path.unlink(missing_ok=True)
