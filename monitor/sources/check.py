"""`monitor feeds check`: fetch every configured feed once, say whether it is usable and how to fix it.

Stores nothing in the database. Per feed, a :class:`FeedCheck` value (a failure is a value, as in a poll):
HTTP status and redirects, content type, whether it parses as a feed and how many items, the newest
item's date, the charset it was read with, the time taken, and a fix when there is one. It goes through
the same fetcher (monitor.ingest.fetch) and parser (monitor.ingest.parse) as a poll, so what it says holds for polls.

The verdicts are named rules (each with its example and a test in tests/test_feedcheck.py):

====================  ===========================================================================
problem               when
====================  ===========================================================================
``unreachable``       the fetch failed (connect, timeout, HTTP 4xx/5xx): ``HTTP 404``
``empty``             a 2xx answer with an empty body
``html``              an HTML page; its ``<link rel="alternate">`` feeds, if any, are the fix
``login``             an HTML page with a password field (a paywall or login wall)
``not_a_feed``        anything else the parser refuses (binary data, broken XML with no items)
``no_items``          a feed with no items
``zombie``            the newest item is older than :func:`zombie_after` (96 × the interval, at least
                      3 days), or the same items have been served for that long (the state file)
====================  ===========================================================================

A permanent redirect (301/308) is not a problem (the feed works) but has a fix: use the new URL.

The "same items" rule needs the previous check's item ids: they are kept in a small JSON file beside the
database (:data:`STATE_FILE`), written to a temporary file and renamed, so no schema change is needed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from monitor.clock import from_iso, to_iso, utcnow
from monitor.errors import FetchError, ParseError
from monitor.ingest import Fetcher, parse_feed
from monitor.models import FeedSpec, FetchResult, FetchSettings

#: A feed whose newest item is older than this many intervals has stopped (96 × 15 min = one day)...
ZOMBIE_INTERVALS = 96
#: ...but never less than this: ministries and English desks are quiet over a long weekend.
ZOMBIE_MIN_AGE = timedelta(days=3)
#: The file, beside the database, that keeps each feed's item ids from the last check.
STATE_FILE = "feeds-check.json"
#: Permanent redirects: the config should name where they lead.
PERMANENT_REDIRECTS = frozenset({301, 308})
#: Feed types an HTML page may name in <link rel="alternate" type="…">.
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/xml",
        "text/xml",
    }
)


@dataclass(frozen=True, slots=True)
class FeedCheck:
    """What one check of one feed found."""

    feed: str
    url: str
    enabled: bool
    usable: bool
    problem: str | None = None  # one of the rules above, None when usable
    detail: str | None = None  # the problem in words, naming the URL
    fix: str | None = None  # what to change in the config, when there is something to change
    http_status: int | None = None
    redirects: tuple[tuple[int, str], ...] = ()  # (status, target) per hop
    final_url: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    version: str | None = None  # feedparser's name: rss20, atom10...
    items: int = 0
    newest: datetime | None = None
    #: Feeds an HTML page names with <link rel="alternate">: the fix for an "html" problem.
    alternates: tuple[str, ...] = ()
    elapsed_s: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["redirects"] = [{"status": s, "url": u} for s, u in self.redirects]
        out["newest"] = to_iso(self.newest)
        out["alternates"] = list(self.alternates)
        out["elapsed_s"] = round(self.elapsed_s, 3)
        return out


def zombie_after(spec: FeedSpec) -> timedelta:
    """How long a feed may go without a new item before it counts as a zombie."""
    return max(timedelta(seconds=ZOMBIE_INTERVALS * spec.interval_s), ZOMBIE_MIN_AGE)


async def check_feeds(
    specs: Sequence[FeedSpec],
    settings: FetchSettings,
    *,
    state_path: Path | None = None,
    fetcher: Fetcher | None = None,
    now: datetime | None = None,
) -> list[FeedCheck]:
    """Check every feed in ``specs`` once, concurrently (the fetcher keeps per-host politeness)."""
    now = now or utcnow()
    state = load_state(state_path) if state_path else {}
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings)
    try:
        results = await asyncio.gather(*(_check(fetcher, spec, state.get(spec.name), now) for spec in specs))
    finally:
        if own:
            await fetcher.aclose()
    checks = [c for c, _ in results]
    if state_path:
        for spec, (_, seen) in zip(specs, results, strict=True):
            if seen is not None:
                state[spec.name] = seen
        save_state(state_path, state)
    return checks


def run_checks(specs: Sequence[FeedSpec], settings: FetchSettings, **kwargs: Any) -> list[FeedCheck]:
    return asyncio.run(check_feeds(specs, settings, **kwargs))


async def _check(
    fetcher: Fetcher, spec: FeedSpec, previous: dict[str, Any] | None, now: datetime
) -> tuple[FeedCheck, dict[str, Any] | None]:
    started = time.monotonic()
    base: dict[str, Any] = {"feed": spec.name, "url": spec.url, "enabled": spec.enabled}
    try:
        result = await fetcher.fetch(spec.url)
    except FetchError as exc:
        status = getattr(exc, "status", None)
        return FeedCheck(
            **base,
            usable=False,
            problem="unreachable",
            detail=str(exc),
            http_status=status,
            fix=_unreachable_fix(status),
            elapsed_s=time.monotonic() - started,
        ), None
    check, seen = inspect_result(spec, result, previous, now)
    return replace(check, elapsed_s=time.monotonic() - started), seen


def inspect_result(
    spec: FeedSpec, result: FetchResult, previous: dict[str, Any] | None, now: datetime
) -> tuple[FeedCheck, dict[str, Any] | None]:
    """The verdict on one fetched answer (pure: no I/O), and the state to keep for the next check."""
    redirects = tuple(
        zip(result.redirect_statuses or (302,) * len(result.redirects), result.redirects, strict=False)
    )
    common: dict[str, Any] = {
        "feed": spec.name,
        "url": spec.url,
        "enabled": spec.enabled,
        "http_status": result.status,
        "redirects": redirects,
        "final_url": result.final_url,
        "content_type": result.headers.get("content-type"),
    }
    fix = _redirect_fix(spec, redirects)
    if not result.content.strip():
        return FeedCheck(
            **common,
            usable=False,
            problem="empty",
            detail=f"{result.final_url} answered HTTP {result.status} with an empty body",
            fix=fix,
        ), None
    try:
        parsed = parse_feed(
            result.content, headers=result.headers, url=result.final_url, encoding_override=spec.encoding
        )
    except ParseError as exc:
        return _not_a_feed(common, result, str(exc.args[0]), fix), None
    common.update(encoding=parsed.encoding, version=parsed.version, items=len(parsed.entries))
    dates = [d for e in parsed.entries if (d := e.published or e.updated) is not None]
    newest = max(dates, default=None)
    common["newest"] = newest
    if not parsed.entries:
        return FeedCheck(
            **common,
            usable=False,
            problem="no_items",
            detail=f"{result.final_url} is a feed with no items",
            fix=fix,
        ), None
    ids = sorted(e.entry_id for e in parsed.entries)
    digest = hashlib.sha1("\n".join(ids).encode("utf-8")).hexdigest()
    since = now
    if previous and previous.get("items") == digest and previous.get("since"):
        since = from_iso(previous["since"]) or now
    seen = {"items": digest, "since": to_iso(since), "checked_at": to_iso(now)}
    limit = zombie_after(spec)
    zombie = None
    if newest is not None and now - newest > limit:
        zombie = f"newest item is from {to_iso(newest)}, {_days(now - newest)} ago (limit {_days(limit)})"
    elif now - since > limit:
        zombie = (
            f"the same {len(ids)} items since {to_iso(since)}, {_days(now - since)} (limit {_days(limit)})"
        )
    if zombie:
        return FeedCheck(
            **common,
            usable=False,
            problem="zombie",
            detail=f"{spec.url}: {zombie}",
            fix=fix
            or "the outlet may have moved or renamed its feed (a renamed ministry "
            "publishes under a new dept_ code): find the current one on its site",
        ), seen
    return FeedCheck(**common, usable=True, fix=fix), seen


def _not_a_feed(common: dict[str, Any], result: FetchResult, reason: str, fix: str | None) -> FeedCheck:
    if "HTML" not in reason:
        return FeedCheck(
            **common, usable=False, problem="not_a_feed", detail=f"{result.final_url}: {reason}", fix=fix
        )
    text = result.content[:200_000].decode("utf-8", "replace")
    alternates = tuple(discover_alternates(text, result.final_url))
    if alternates:
        return FeedCheck(
            **common,
            usable=False,
            problem="html",
            alternates=alternates,
            detail=f"{result.final_url} is an HTML page that names its feed",
            fix=f'url = "{alternates[0]}"',
        )
    if _PASSWORD.search(text):
        return FeedCheck(
            **common,
            usable=False,
            problem="login",
            detail=f"{result.final_url} is a login page, not a feed",
            fix="the feed needs an account, or moved: find its public RSS URL on the site",
        )
    return FeedCheck(
        **common,
        usable=False,
        problem="html",
        detail=f"{result.final_url} is an HTML page naming no feed",
        fix=fix or "use the outlet's RSS page, or a news-search feed for it (see config/monitor.toml)",
    )


_PASSWORD = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def discover_alternates(html: str, base_url: str) -> list[str]:
    """The feed URLs an HTML page names with ``<link rel="alternate" type="application/rss+xml">``,
    absolute, in page order, without repeats.

    A regular expression over ``<link>`` tags rather than an HTML parser: the tags sit in ``<head>``,
    their attributes are all that is read, and a page's broken body markup cannot hide them.
    """
    found: list[str] = []
    for tag in _LINK_TAG.findall(html):
        attrs = {
            m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(tag)
        }
        rels = attrs.get("rel", "").lower().split()
        kind = attrs.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and attrs.get("href"):
            url = urljoin(base_url, attrs["href"].strip())
            if url.startswith(("http://", "https://")) and url not in found:
                found.append(url)
    return found


def _redirect_fix(spec: FeedSpec, redirects: tuple[tuple[int, str], ...]) -> str | None:
    """A redirect chain that is permanent all the way: the config should say where it ends."""
    if redirects and all(status in PERMANENT_REDIRECTS for status, _ in redirects):
        return f'url = "{redirects[-1][1]}" (permanently moved from {spec.url})'
    return None


def _unreachable_fix(status: int | None) -> str | None:
    if status in (404, 410):
        return "the feed is gone: find its current URL on the outlet's site (`monitor feeds add SITE`)"
    if status in (401, 403):
        return (
            "the server refuses the monitor: it may block foreign or automated clients "
            "(try a news-search feed)"
        )
    return None


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.1f} days" if days >= 1 else f"{delta.total_seconds() / 3600:.1f} hours"


# --------------------------------------------------------------------------------------------------
# The state file
# --------------------------------------------------------------------------------------------------


def load_state(path: Path) -> dict[str, Any]:
    """The last check's per-feed state; an absent or unreadable file is an empty state (it is a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("feeds", {}) if isinstance(data, dict) else {}


def save_state(path: Path, feeds: dict[str, Any]) -> None:
    """Write the state to a temporary file in the same folder, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "feeds": feeds}, out, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def state_path_for(database: str) -> Path:
    return Path(database).parent / STATE_FILE


__all__ = ["FeedCheck", "check_feeds", "discover_alternates", "inspect_result", "run_checks", "zombie_after"]
