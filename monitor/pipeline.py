"""The one place where the stages meet: fetch → parse → article text → store, feed by feed.

A poll runs every due feed concurrently (the fetcher enforces per-host and total limits). Each feed ends
as a ``FeedReport`` value, success or failure alike, so one broken feed never stops the others; and each
feed's writes are one transaction, so a failure part-way leaves what was stored untouched.

Deciding what is new, per feed entry:
- entry id already stored for this feed, same title/summary/link  → nothing to do;
- entry id already stored but the entry changed                   → refetch, update the article;
- canonical URL already stored (another feed carried it)          → record this feed as a source only;
- otherwise                                                        → fetch the page, extract, store.
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
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from monitor.clock import utcnow
from monitor.config import MonitorConfig
from monitor.dedupe import content_hash
from monitor.errors import ExtractError, FetchError, MonitorError, ParseError
from monitor.extract import extract_article
from monitor.fetch import PAGE_ACCEPT, Fetcher, next_attempt_delay
from monitor.logs import ctx
from monitor.models import (
    Article,
    FeedEntry,
    FeedReport,
    FeedSpec,
    FetchResult,
    PollReport,
    Validators,
)
from monitor.parse import parse_feed
from monitor.store import FeedState, SourceRef, Store
from monitor.urls import canonical_url

log = logging.getLogger(__name__)

#: A feed date this far past the fetch time is a publisher's clock or typo, not the future.
FUTURE_TOLERANCE = timedelta(hours=1)

#: From this many feeds in one cycle, feeds are parsed in worker processes: feedparser is pure Python
#: and holds the GIL (~10 ms for a 30-entry feed), so threads can't spread it over the cores; below it,
#: starting the processes costs more than it saves.
PARSE_IN_PROCESSES_FROM = 64

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
) -> PollReport:
    """Poll every enabled feed once (or the feeds named in ``only``).

    Feeds waiting out a backoff or a server's Retry-After are reported as ``deferred`` unless ``force``.
    """
    started = utcnow()
    store.sync_feeds(config.feeds)
    states = store.feed_states()
    specs = [f for f in config.feeds if f.enabled and (only is None or f.name in only)]
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(config.fetch)
    poller = _FeedPoller(config, store, fetcher, parse_in_processes=len(specs) >= PARSE_IN_PROCESSES_FROM)
    try:
        tasks = [poller.poll(spec, states[spec.name], force=force) for spec in specs]
        reports: list[FeedReport] = []
        for next_done in asyncio.as_completed(tasks):
            report = await next_done
            reports.append(report)
            if progress:
                progress(report)
        await poller.db(store.index_pending)
    finally:
        poller.close()
        if own_fetcher:
            await fetcher.aclose()
    order = {spec.name: i for i, spec in enumerate(specs)}
    reports.sort(key=lambda r: order[r.feed])
    return PollReport(started=started, finished=utcnow(), feeds=tuple(reports))


def run_poll(config: MonitorConfig, store: Store, **kwargs: object) -> PollReport:
    """Synchronous entry point for the CLI and the scheduler."""
    return asyncio.run(poll_cycle(config, store, **kwargs))  # type: ignore[arg-type]


class _FeedPoller:
    def __init__(
        self, config: MonitorConfig, store: Store, fetcher: Fetcher, *, parse_in_processes: bool
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.page_slots = asyncio.Semaphore(config.fetch.article_concurrency)
        # All database calls go through one thread: SQLite releases the GIL while it works, so writes
        # overlap with parsing and network handling, and one thread means one writer at a time.
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-store")
        self._cpu: Executor | None = None
        if parse_in_processes:
            # forkserver, not fork: this process already runs threads (store, DNS), and forking a
            # threaded process can copy a held lock into the child.
            self._cpu = ProcessPoolExecutor(max_workers=os.cpu_count() or 1,
                                            mp_context=multiprocessing.get_context("forkserver"))

    def close(self) -> None:
        self._db_thread.shutdown(wait=True)
        if self._cpu is not None:
            self._cpu.shutdown(wait=True, cancel_futures=True)

    async def db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(
            self._db_thread, functools.partial(fn, *args, **kwargs))

    async def _parse(self, *args: Any, **kwargs: Any) -> Any:
        call = functools.partial(parse_feed, *args, **kwargs)
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
            return FeedReport(spec.name, spec.url, "error", error_kind=exc.kind, error=str(exc),
                              elapsed_s=time.monotonic() - t0)
        except Exception as exc:  # a bug must not stop the other feeds; say where it happened
            log.exception("unexpected error", extra=ctx(feed=spec.name, url=spec.url, stage="poll"))
            return await self._failed(spec, state, now, t0, exc)

    async def _poll(self, spec: FeedSpec, state: FeedState, started: datetime, t0: float) -> FeedReport:
        validators = Validators(state.etag, state.last_modified)
        result = await self.fetcher.fetch(spec.url, validators=validators)
        next_attempt = utcnow() + timedelta(seconds=spec.interval_s)
        if result.not_modified:
            report = FeedReport(spec.name, spec.url, "not_modified", http_status=304,
                                elapsed_s=time.monotonic() - t0)
            await self.db(self.store.save_feed_success, state.id, report=report, started_at=started,
                           result=result, parsed=None, articles=(), sources=(), next_attempt_at=next_attempt)
            return report
        parsed = await self._parse(result.content, headers=result.headers, url=result.final_url,
                                   encoding_override=spec.encoding)
        if parsed.problem:
            log.warning("feed is ill-formed but readable: %s", parsed.problem,
                        extra=ctx(feed=spec.name, url=spec.url, stage="parse"))
        articles, sources, failed = await self._articles_for(spec, state, parsed.entries)
        report = FeedReport(spec.name, spec.url, "ok", http_status=result.status,
                            entries=len(parsed.entries), articles_failed=failed,
                            parse_problem=parsed.problem)
        outcome = await self.db(
            self.store.save_feed_success, state.id, report=report, started_at=started, result=result,
            parsed=parsed,
            articles=articles, sources=sources, next_attempt_at=next_attempt,
        )
        report = replace(report, new_articles=outcome.new_articles, updated_articles=outcome.updated_articles,
                         new_sources=outcome.new_sources, elapsed_s=time.monotonic() - t0)
        log.info("%d entries, %d new articles", report.entries, report.new_articles,
                 extra=ctx(feed=spec.name, url=spec.url, stage="store"))
        return report

    async def _failed(self, spec: FeedSpec, state: FeedState, started: datetime, t0: float,
                      exc: Exception) -> FeedReport:
        failures = state.consecutive_failures + 1
        delay = next_attempt_delay(exc, failures, self.config.fetch)
        next_attempt = utcnow() + timedelta(seconds=delay)
        kind = getattr(exc, "kind", "bug")
        message = str(exc) if isinstance(exc, MonitorError) else f"{type(exc).__name__}: {exc}"
        report = FeedReport(spec.name, spec.url, "error", http_status=getattr(exc, "status", None),
                            error_kind=kind, error=message, elapsed_s=time.monotonic() - t0,
                            next_attempt=next_attempt)
        log.warning("poll failed (%s, %d in a row, next try in %.0fs): %s", kind, failures, delay, message,
                    extra=ctx(feed=spec.name, url=spec.url, stage="fetch" if isinstance(exc, FetchError)
                              else "parse"))
        await self.db(self.store.save_feed_failure, state.id, report=report, started_at=started,
                       next_attempt_at=next_attempt)
        return report

    # ---------------------------------------------------------------------------------------------

    async def _articles_for(
        self, spec: FeedSpec, state: FeedState, entries: Sequence[FeedEntry]
    ) -> tuple[list[Article], list[SourceRef], int]:
        known = await self.db(self.store.known_sources, state.id, [e.entry_id for e in entries])
        todo: list[tuple[FeedEntry, str, str]] = []  # (entry, canonical url, entry hash)
        for entry in entries:
            entry_hash = _entry_hash(entry)
            seen = known.get(entry.entry_id)
            if seen is not None and seen.entry_hash == entry_hash:
                continue
            todo.append((entry, _article_url(entry, state.id), entry_hash))
        stored = await self.db(self.store.article_ids_by_url, [url for _, url, _ in todo])
        # An entry new to this feed whose article another feed already brought is only a new source;
        # a changed entry (known id, new hash) is refetched so the article is updated.
        fetch_for: dict[str, FeedEntry] = {}
        for entry, url, _ in todo:
            if (url not in stored or entry.entry_id in known) and url not in fetch_for:
                fetch_for[url] = entry
        built = await asyncio.gather(*(self._build_article(spec, url, e) for url, e in fetch_for.items()))
        sources = [SourceRef(e.entry_id, e.id_source, url, e.link, h) for e, url, h in todo]
        failed = sum(1 for a in built if a.extract_note and spec.fetch_articles)
        return list(built), sources, failed

    async def _build_article(self, spec: FeedSpec, url: str, entry: FeedEntry) -> Article:
        fetched_at = utcnow()
        text, source, note, final_url = entry.summary, "summary", None, None
        page_published = page_title = author = None
        if not spec.fetch_articles:
            note = "article fetching disabled for this feed"
        elif not entry.link or not entry.link.startswith(("http://", "https://")):
            note = "entry has no http(s) link"
        else:
            try:
                async with self.page_slots:
                    page = await self._fetch_page(entry.link)
                extracted = await asyncio.to_thread(
                    extract_article, page.content, url=page.final_url, headers=page.headers
                )
                text, source, final_url = extracted.text, "page", page.final_url
                page_published, page_title, author = extracted.published, extracted.title, extracted.author
            except (FetchError, ExtractError) as exc:
                note = f"{exc.kind}: {exc}"
                log.info("page text not used, keeping the feed summary: %s", exc,
                         extra=ctx(feed=spec.name, url=entry.link, stage="extract"))
        if not text.strip():
            text, source = entry.summary or entry.title, "summary" if entry.summary else "title"
        title = entry.title or page_title or "(제목 없음)"
        published = _plausible(entry.published or entry.updated or page_published, fetched_at)
        return Article(
            url=url, link=entry.link or url, title=title, text=text, summary=entry.summary,
            text_source=source, feed_name=spec.name, entry_id=entry.entry_id, fetched_at=fetched_at,
            published=published, author=entry.author or author, extract_note=note, final_url=final_url,
            content_hash=content_hash(title, text),
        )

    async def _fetch_page(self, link: str) -> FetchResult:
        # Links come from feed content, which anyone can write: guard against private addresses.
        return await self.fetcher.fetch(link, guard=True, accept=PAGE_ACCEPT)


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
