"""The one place where the stages meet: fetch → parse → article text → store, feed by feed.

A poll runs every due feed concurrently (the fetcher enforces per-host and total limits). Each feed ends
as a ``FeedReport`` value, success or failure alike, so one broken feed never stops the others; and each
feed's writes are one transaction, so a failure part-way leaves what was stored untouched.

Deciding what is new, per feed entry:
- entry id already stored for this feed, same title/summary/link  → nothing to do;
- entry id already stored but the entry changed                   → refetch, update the article;
- canonical URL already stored (another feed carried it)          → record this feed as a source only;
- otherwise                                                        → fetch the page, extract, store.

When the feeds are done, every new or updated article joins a story (monitor.stories.StoryTracker) in a
transaction of its own, in publication order; the same step picks up anything an earlier crash left
without a story (articles are committed first, so nothing is lost between the two).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from monitor.clock import utcnow
from monitor.config import MonitorConfig
from monitor.errors import ExtractError, FetchError, MonitorError, ParseError
from monitor.ingest import PAGE_ACCEPT, Fetcher, canonical_url, credit, next_attempt_delay, parse_feed
from monitor.lang import detect_language
from monitor.logs import ctx
from monitor.models import (
    Article,
    ExtractedPage,
    FeedEntry,
    FeedReport,
    FeedSpec,
    FetchResult,
    ParsedFeed,
    PollReport,
    TextSource,
    Validators,
)
from monitor.store import FeedState, MatchRow, SourceRef, Store
from monitor.stories import Normalised, StoryTracker, normalise

if TYPE_CHECKING:
    from monitor.match import Matcher

# monitor.ingest.extract (trafilatura, htmldate, courlan, bs4: ~20 MB) and monitor.match.matcher (ahocorasick, the
# topic loader) are imported where they are first used: a poll of summary-only feeds without topics needs
# neither, and the parser worker processes, which fork from a forkserver that preloads this module,
# should not carry them either.

log = logging.getLogger(__name__)

#: A feed date this far past the fetch time is a publisher's clock or typo, not the future.
FUTURE_TOLERANCE = timedelta(hours=1)

#: From this many feeds in one cycle, feeds are parsed in worker processes; None: never. They paid while
#: every feed went through feedparser (pure Python, ~17 ms for a 30-entry feed, holding the GIL). Since
#: parse.py reads plain RSS 2.0 with lxml (~4 ms), they cost more than they save: 1,000 loopback feeds
#: (bench_peer's farm, stories off) took 23.7 s wall / 20.1 CPU-s / 142 MB PSS in threads against
#: 32.6 s / 24.6 CPU-s / 203 MB with the workers (pickling every result back, a second copy of the
#: imports). The machinery stays for a deployment whose feeds mostly fall back to feedparser.
PARSE_IN_PROCESSES_FROM: int | None = None

#: Feeds parsed and keyed at once (see _FeedPoller.decide_slots): enough to keep the parse threads (or
#: processes) and the store thread busy, few enough that a 1,000-feed poll holds a few feeds' entries.
_DECIDE_SLOTS = 2 * (os.cpu_count() or 1) + 4
#: At most this many normalised articles are held for the story stage in one cycle: a larger batch is
#: clustered in worker processes, which normalise their own (monitor.stories.batch: 2 * FEATURE_CHUNK).
_NORMALISED_HELD = 1000

Progress = Callable[[FeedReport], None]
T = TypeVar("T")


async def poll_cycle(
    config: MonitorConfig,
    store: Store,
    *,
    fetcher: Fetcher | None = None,
    only: Sequence[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
    tracker: StoryTracker | None = None,
) -> PollReport:
    """Poll every enabled feed once (or the feeds named in ``only``).

    Feeds waiting out a backoff or a server's Retry-After are reported as ``deferred`` unless ``force``.
    ``tracker`` is the story stage; a long-running caller passes its own so the clusterer lives across
    polls; without one, a fresh tracker restores itself from the database (unless [stories] is off).
    """
    started = utcnow()
    store.sync_feeds(config.feeds)
    states = store.feed_states()
    specs = [f for f in config.feeds if f.enabled and (only is None or f.name in only)]
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(config.fetch)
    if tracker is None:
        tracker = StoryTracker.from_settings(config.stories)
    poller = _FeedPoller(
        config,
        store,
        fetcher,
        parse_in_processes=PARSE_IN_PROCESSES_FROM is not None and len(specs) >= PARSE_IN_PROCESSES_FROM,
        matcher=load_configured_matcher(config),
        tracker=tracker,
    )
    tasks = [asyncio.ensure_future(poller.poll(spec, states[spec.name], force=force)) for spec in specs]
    try:
        reports: list[FeedReport] = []
        for next_done in asyncio.as_completed(tasks):
            report = await next_done
            reports.append(report)
            if progress:
                progress(report)
        # Stories for every article this cycle stored or updated, plus any a crash left without one:
        # one batch in (published, id) order, so the stories do not depend on which feed answered first.
        await poller.db(poller.track_stories, None)
        await poller.db(store.index_pending)
    finally:
        # Cancelled (`monitor run` stopping): stop the feeds still in flight before closing their store
        # thread. A feed's transaction already running in that thread completes; the rest never start.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        poller.close()
        if own_fetcher:
            await fetcher.aclose()
    order = {spec.name: i for i, spec in enumerate(specs)}
    reports.sort(key=lambda r: order[r.feed])
    return PollReport(started=started, finished=utcnow(), feeds=tuple(reports))


def load_configured_matcher(config: MonitorConfig) -> Matcher | None:
    """The matcher the [matching] section asks for, or None when matching is off or has no topics file."""
    settings = config.matching
    if not settings.enabled:
        return None
    topics = Path(settings.topics)
    if not topics.is_file():
        # Said once per process and path, not at every poll of `monitor run` (every few seconds);
        # `monitor config check` warns about it too, naming the key.
        if str(topics) not in _MISSING_TOPICS:
            _MISSING_TOPICS.add(str(topics))
            log.warning(
                "no topics file at %s (matching.topics): articles are stored unmatched until it exists",
                topics,
                extra=ctx(stage="match"),
            )
        return None
    _MISSING_TOPICS.discard(str(topics))  # found again: should it go missing later, say so again
    # `monitor run` polls every few seconds: the matcher is rebuilt only when the topics file changed
    # (an analyst's edit still takes effect at the next poll, without a restart).
    stat = topics.stat()
    key = (
        str(topics.resolve()),
        stat.st_mtime_ns,
        stat.st_size,
        settings.threshold,
        settings.morphology,
    )
    cached = _MATCHERS.get(key)
    if cached is None:
        from monitor.match import load_matcher

        cached = load_matcher(topics, threshold=settings.threshold, morphology=settings.morphology)
        _MATCHERS.clear()  # one topics file is in use at a time; an edited one replaces it
        _MATCHERS[key] = cached
    return cached


#: The last matcher load_configured_matcher built, under (topics path, mtime, size, threshold, morphology).
_MATCHERS: dict[tuple[Any, ...], Matcher] = {}
#: Topics paths already reported missing by this process.
_MISSING_TOPICS: set[str] = set()


def run_poll(config: MonitorConfig, store: Store, **kwargs: object) -> PollReport:
    """Synchronous entry point for the CLI and the scheduler."""
    return asyncio.run(poll_cycle(config, store, **kwargs))  # type: ignore[arg-type]


class _FeedPoller:
    def __init__(
        self,
        config: MonitorConfig,
        store: Store,
        fetcher: Fetcher,
        *,
        parse_in_processes: bool,
        matcher: Matcher | None = None,
        tracker: StoryTracker | None = None,
    ) -> None:
        self.config = config
        self.matcher = matcher
        self.tracker = tracker
        self.store = store
        self.fetcher = fetcher
        self.page_slots = asyncio.Semaphore(config.fetch.article_concurrency)
        # Feeds between "fetched" and "decided what is new" at once. Fetching outruns parsing: without
        # a bound every feed of a big poll is fetched and parsed before the first is keyed and stored
        # (the executor queues are first come, first served), and the cycle holds all of its entries.
        self.decide_slots = asyncio.Semaphore(_DECIDE_SLOTS)
        #: The normalised form of each article this cycle built, by (title, text): computed for the content
        #: hash, and handed to the story stage so that it does not normalise the same text again. Held for
        #: one cycle, and only up to what the stage clusters in this process (add_all's in-process batch).
        self.normalised: dict[tuple[str, str], Normalised] = {}
        # All database calls go through one thread: SQLite releases the GIL while it works, so writes
        # overlap with parsing and network handling, and one thread means one writer at a time.
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-store")
        self._cpu: Executor | None = None
        if parse_in_processes:
            # forkserver, not fork: this process already runs threads (store, DNS), and forking a
            # threaded process can copy a held lock into the child.
            context = multiprocessing.get_context("forkserver")
            # The forkserver imports this module once and every worker forks from it: otherwise each
            # worker, in every cycle, imports the whole package afresh (~60 MB and a second or more of CPU
            # each; bench/bench_peer.py and bench_soak.py showed it), and shares none of those pages.
            context.set_forkserver_preload([__name__])
            self._cpu = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context)

    def close(self) -> None:
        self._db_thread.shutdown(wait=True)
        if self._cpu is not None:
            self._cpu.shutdown(wait=True, cancel_futures=True)

    async def db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._db_thread, functools.partial(fn, *args, **kwargs)
        )

    async def _off_loop(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run CPU work (parsing, keying) in the parser processes when there are some, else a thread."""
        call = functools.partial(fn, *args, **kwargs)
        if self._cpu is not None:
            try:
                return await asyncio.get_running_loop().run_in_executor(self._cpu, call)
            except BrokenProcessPool:
                # A worker died, or could not start (a script without an `if __name__ == "__main__"`
                # guard re-runs itself in forkserver workers). Parsing in this process is slower but
                # correct, so the poll goes on.
                log.warning("parser processes unavailable; parsing in this process", extra=ctx(stage="parse"))
                self._cpu.shutdown(wait=False, cancel_futures=True)
                self._cpu = None
        return await asyncio.to_thread(call)

    async def poll(self, spec: FeedSpec, state: FeedState, *, force: bool) -> FeedReport:
        now = utcnow()
        if not force and state.consecutive_failures and state.next_attempt_at and state.next_attempt_at > now:
            return FeedReport(spec.name, spec.url, "deferred", next_attempt=state.next_attempt_at)
        t0 = time.monotonic()
        try:
            return await self._poll(spec, state, now, t0)
        except (FetchError, ParseError) as exc:
            return await self._failed(spec, state, now, t0, exc)
        except MonitorError as exc:  # e.g. StoreError: recorded if the store still answers
            log.error("poll failed: %s", exc, extra=ctx(feed=spec.name, url=spec.url, stage="store"))
            return FeedReport(
                spec.name,
                spec.url,
                "error",
                error_kind=exc.kind,
                error=str(exc),
                elapsed_s=time.monotonic() - t0,
            )
        except Exception as exc:  # a bug must not stop the other feeds; say where it happened
            log.exception("unexpected error", extra=ctx(feed=spec.name, url=spec.url, stage="poll"))
            return await self._failed(spec, state, now, t0, exc)

    async def _poll(self, spec: FeedSpec, state: FeedState, started: datetime, t0: float) -> FeedReport:
        validators = Validators(state.etag, state.last_modified)
        result = await self.fetcher.fetch(spec.url, validators=validators)
        next_attempt = utcnow() + timedelta(seconds=spec.interval_s)
        if result.not_modified:
            report = FeedReport(
                spec.name, spec.url, "not_modified", http_status=304, elapsed_s=time.monotonic() - t0
            )
            await self.db(
                self.store.save_feed_success,
                state.id,
                report=report,
                started_at=started,
                result=result,
                parsed=None,
                articles=(),
                sources=(),
                next_attempt_at=next_attempt,
            )
            return report
        async with self.decide_slots:
            try:
                parsed, hashes = await self._off_loop(
                    parse_and_hash,
                    result.content,
                    headers=result.headers,
                    url=result.final_url,
                    encoding_override=spec.encoding,
                )
            except ParseError as exc:  # the parser saw bytes only: say which document they were
                raise ParseError(str(exc.args[0]), url=result.final_url) from exc
            if parsed.problem:
                log.warning(
                    "feed is ill-formed but readable: %s",
                    parsed.problem,
                    extra=ctx(feed=spec.name, url=spec.url, stage="parse"),
                )
            todo, fetch_for = await self._changed(spec, state, parsed.entries, hashes)
        # Outside the slot: fetching article pages waits on the network (and on their hosts' limits),
        # which must not hold up the parsing of other feeds.
        articles, sources, failed = await self._articles_for(spec, todo, fetch_for)
        report = FeedReport(
            spec.name,
            spec.url,
            "ok",
            http_status=result.status,
            entries=len(parsed.entries),
            articles_failed=failed,
            parse_problem=parsed.problem,
        )
        verdicts = {a.url: self._verdict(a) for a in articles} if self.matcher else None
        outcome = await self.db(
            self.store.save_feed_success,
            state.id,
            report=report,
            started_at=started,
            result=result,
            parsed=parsed,
            articles=articles,
            sources=sources,
            next_attempt_at=next_attempt,
            matches=verdicts,
        )
        report = replace(
            report,
            new_articles=outcome.new_articles,
            updated_articles=outcome.updated_articles,
            new_sources=outcome.new_sources,
            elapsed_s=time.monotonic() - t0,
        )
        log.info(
            "%d entries, %d new articles",
            report.entries,
            report.new_articles,
            extra=ctx(feed=spec.name, url=spec.url, stage="store"),
        )
        return report

    async def _failed(
        self, spec: FeedSpec, state: FeedState, started: datetime, t0: float, exc: Exception
    ) -> FeedReport:
        failures = state.consecutive_failures + 1
        delay = next_attempt_delay(exc, failures, self.config.fetch)
        next_attempt = utcnow() + timedelta(seconds=delay)
        kind = getattr(exc, "kind", "bug")
        message = str(exc) if isinstance(exc, MonitorError) else f"{type(exc).__name__}: {exc}"
        report = FeedReport(
            spec.name,
            spec.url,
            "error",
            http_status=getattr(exc, "status", None),
            error_kind=kind,
            error=message,
            elapsed_s=time.monotonic() - t0,
            next_attempt=next_attempt,
        )
        # in_poll_report: `monitor poll` shows this error in its report and leaves the line out.
        log.warning(
            "poll failed (%s, %d in a row, next try in %.0fs): %s",
            kind,
            failures,
            delay,
            message,
            extra=ctx(
                feed=spec.name,
                url=spec.url,
                stage="fetch" if isinstance(exc, FetchError) else "parse",
                in_poll_report=True,
            ),
        )
        await self.db(
            self.store.save_feed_failure,
            state.id,
            report=report,
            started_at=started,
            next_attempt_at=next_attempt,
        )
        return report

    # ---------------------------------------------------------------------------------------------

    async def _changed(
        self, spec: FeedSpec, state: FeedState, entries: Sequence[FeedEntry], hashes: Sequence[str]
    ) -> tuple[list[KeyedEntry], list[KeyedEntry]]:
        """The entries new to this feed or changed since stored, keyed, and those whose article must
        be built (fetched or taken from the summary)."""
        known = await self.db(self.store.known_sources, state.id, [e.entry_id for e in entries])
        changed = []
        for entry, entry_hash in zip(entries, hashes, strict=True):
            seen = known.get(entry.entry_id)
            if seen is None or seen.entry_hash != entry_hash:
                changed.append((entry, entry_hash))
        if not changed:
            # The usual poll of a feed that moved on by an item or two, or not at all: the entries
            # already stored cost no URL canonicalisation and no content hashing.
            return [], []
        todo = await self._off_loop(key_entries, changed, state.id, hash_summaries=not spec.fetch_articles)
        stored = await self.db(self.store.article_ids_by_url, [k.url for k in todo])
        # An entry new to this feed whose article another feed already brought is only a new source;
        # a changed entry (known id, new hash) is refetched so the article is updated.
        fetch_for: dict[str, KeyedEntry] = {}
        for keyed in todo:
            if (keyed.url not in stored or keyed.entry.entry_id in known) and keyed.url not in fetch_for:
                fetch_for[keyed.url] = keyed
        return todo, list(fetch_for.values())

    async def _articles_for(
        self, spec: FeedSpec, todo: Sequence[KeyedEntry], fetch_for: Sequence[KeyedEntry]
    ) -> tuple[list[Article], list[SourceRef], int]:
        built = await asyncio.gather(*(self._build_article(spec, k) for k in fetch_for))
        sources = [
            SourceRef(
                k.entry.entry_id,
                k.entry.id_source,
                k.url,
                k.entry.link,
                k.entry_hash,
                _credited_outlet(k.entry),
            )
            for k in todo
        ]
        failed = sum(1 for a in built if a.extract_note and spec.fetch_articles)
        return list(built), sources, failed

    async def _build_article(self, spec: FeedSpec, keyed: KeyedEntry) -> Article:
        entry = keyed.entry
        fetched_at = utcnow()
        # A news-search feed's item: the publisher's headline and outlet, and its redirect link is not
        # an article page (monitor.ingest.aggregator).
        credited = credit(entry)
        if credited is not None:
            entry = replace(entry, title=credited.title, summary=credited.summary)
        title, text, source = _summary_article(entry)
        normalised: Normalised | None = None
        note, final_url = None, None
        page_published = author = None
        if not spec.fetch_articles:
            note = "article fetching disabled for this feed"
        elif not entry.link or not entry.link.startswith(("http://", "https://")):
            note = "entry has no http(s) link"
        elif credited is not None and not credited.fetch_link:
            note = f"news-search item credited to {credited.publisher}: its link is a redirect, not the page"
        else:
            try:
                async with self.page_slots:
                    page = await self._fetch_page(entry.link)
                extracted, title, normalised = await asyncio.to_thread(
                    _extract_and_normalise,
                    page.content,
                    url=page.final_url,
                    headers=page.headers,
                    feed_title=entry.title,
                )
                text, source, final_url = extracted.text, "page", page.final_url
                page_published, author = extracted.published, extracted.author
            except (FetchError, ExtractError) as exc:
                note = f"{exc.kind}: {exc}"
                log.info(
                    "page text not used, keeping the feed summary: %s",
                    exc,
                    extra=ctx(feed=spec.name, url=entry.link, stage="extract"),
                )
        if normalised is None:  # the article keeps the feed's summary
            normalised = (keyed.summary if credited is None else None) or normalise(title, text)
        if len(self.normalised) < _NORMALISED_HELD:
            self.normalised[(title, text)] = normalised
        published = _plausible(entry.published or entry.updated or page_published, fetched_at)
        return Article(
            url=keyed.url,
            link=entry.link or keyed.url,
            title=title,
            text=text,
            summary=entry.summary,
            text_source=source,
            feed_name=spec.name,
            entry_id=entry.entry_id,
            fetched_at=fetched_at,
            published=published,
            author=entry.author or author,
            extract_note=note,
            final_url=final_url,
            content_hash=normalised.content_hash,
            outlet=credited.outlet if credited else None,
            language=spec.language or detect_language(f"{title}\n{text}"),
        )

    def track_stories(self, urls: Sequence[str] | None, *, feed: str | None = None) -> None:
        """Give stored articles their stories (all pending ones when ``urls`` is None); runs on the
        store thread. A failure is logged, not raised: the feed's articles are safely stored, and the
        next poll's catch-up clusters them."""
        if self.tracker is None:
            return
        try:
            ids = None if urls is None else list(self.store.article_ids_by_url(urls).values())
            self.tracker.track(self.store, ids, normalised=self.normalised)
            self.normalised = {}
        except Exception:
            log.exception(
                "clustering into stories failed; the next poll will retry",
                extra=ctx(feed=feed, stage="stories"),
            )

    def _verdict(self, article: Article) -> MatchRow:
        from monitor.match import verdict_row

        assert self.matcher is not None
        return verdict_row(self.matcher.match(article.title, article.text, language=article.language))

    async def _fetch_page(self, link: str) -> FetchResult:
        # Links come from feed content, which anyone can write: guard against private addresses.
        return await self.fetcher.fetch(link, guard=True, accept=PAGE_ACCEPT)


# --------------------------------------------------------------------------------------------------
# CPU work done off the event loop: parse_and_hash and key_entries run in a worker process when the poll
# uses them, so they must be picklable module-level functions returning picklable values.
# --------------------------------------------------------------------------------------------------

NO_TITLE = "(제목 없음)"


@dataclass(frozen=True, slots=True)
class KeyedEntry:
    """A new or changed feed entry with the keys the pipeline decides by."""

    entry: FeedEntry
    url: str  # canonical article URL (or a urn for an entry without a link)
    entry_hash: str  # tells an edited entry from the one stored
    #: the normalised form (and so the content hash) of the article if it keeps the feed's summary; None
    #: when not computed up front (a feed whose articles are fetched needs it only when a page fails)
    summary: Normalised | None

    @property
    def summary_hash(self) -> str | None:
        return None if self.summary is None else self.summary.content_hash


def parse_and_hash(
    content: bytes, *, headers: dict[str, str], url: str, encoding_override: str | None
) -> tuple[ParsedFeed, tuple[str, ...]]:
    """Parse a feed and hash each entry (what tells an entry already stored from a new or edited one)."""
    parsed = parse_feed(content, headers=headers, url=url, encoding_override=encoding_override)
    return parsed, tuple(_entry_hash(entry) for entry in parsed.entries)


def key_entries(
    changed: Sequence[tuple[FeedEntry, str]], feed_id: int, *, hash_summaries: bool
) -> list[KeyedEntry]:
    """Canonical URL (and, with ``hash_summaries``, the summary's content hash) of the entries a poll
    found new or changed: only those, since URL canonicalisation and content hashing cost as much as
    the parsing itself."""
    keyed = []
    for entry, entry_hash in changed:
        summary = None
        if hash_summaries:
            title, text, _ = _summary_article(entry)
            summary = normalise(title, text)
        keyed.append(KeyedEntry(entry, _article_url(entry, feed_id), entry_hash, summary))
    return keyed


def _extract_and_normalise(
    content: bytes, *, url: str, headers: dict[str, str], feed_title: str
) -> tuple[ExtractedPage, str, Normalised]:
    """The page's article, its title, and their normalised form (the content hash and the story stage's
    starting point)."""
    from monitor.ingest import extract_article  # only when a page is extracted: see the imports above

    page = extract_article(content, url=url, headers=headers)
    title = feed_title or page.title or NO_TITLE
    return page, title, normalise(title, page.text)


def _credited_outlet(entry: FeedEntry) -> str | None:
    credited = credit(entry)
    return credited.outlet if credited else None


def _summary_article(entry: FeedEntry) -> tuple[str, str, TextSource]:
    """Title, text and text source of an article that keeps what the feed gave."""
    title = entry.title or NO_TITLE
    if entry.summary.strip():
        return title, entry.summary, "summary"
    return title, entry.title, "title"


def _article_url(entry: FeedEntry, feed_id: int) -> str:
    if entry.link and entry.link.startswith(("http://", "https://")):
        return canonical_url(entry.link)
    # No usable link: the article is known only through this feed entry.
    return f"urn:monitor:feed:{feed_id}:{entry.entry_id}"


def _entry_hash(entry: FeedEntry) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    for part in (entry.title, entry.summary, entry.link or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _plausible(published: datetime | None, fetched_at: datetime) -> datetime | None:
    """A date far in the future is clamped to when we saw the entry, so it can't pin itself on top."""
    if published is not None and published > fetched_at + FUTURE_TOLERANCE:
        return fetched_at
    return published
