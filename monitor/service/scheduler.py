"""`monitor run`: the long-running service. APScheduler jobs that call the pipeline; no business logic.

Shape, and why:

- **One asyncio loop, an AsyncIOScheduler.** ``poll_cycle`` is async and the store is one SQLite
  connection used from one thread at a time, so threads per job would need a lock around every store call
  anyway. Here every feed has its own interval job (its ``feeds.interval`` plus a random jitter, so feeds
  on one host don't fire together), but the job only hands its feed to the *poll lane*: one task that
  polls whatever feeds came due together in one ``poll_cycle(only=…)`` — concurrently, over one shared
  fetcher (per-host limits and politeness hold across jobs) — and never two cycles at once. A feed job
  awaits its own result, so APScheduler's ``max_instances=1`` really means "a feed's poll never overlaps
  itself", and ``coalesce`` + ``misfire_grace_time`` make a job that was late (the machine slept) run once.
- **Other connections for the other writers.** The job table/heartbeat and digests each use their own
  connection (SQLite serialises writers; the poll commits per feed, so they get in between feeds).
  Retention runs in the poll lane: it is the one job that writes a lot.
- **Stopping.** SIGTERM/SIGINT stop the scheduler, let the poll in progress finish for up to
  ``service.stop_timeout``, then cancel it: a feed whose transaction is running completes, the others
  roll back whole and are polled again after a restart. A second signal skips the wait. Exit 0.
- **Restarting.** Feeds are scheduled from their stored ``next_attempt_at`` (a restart neither hammers
  feeds polled a minute ago nor forgets overdue ones); a digest whose time passed while the service was
  down (≤ ``service.digest_grace`` ago) runs once at start.
- **One process per database**: :class:`monitor.service.lock.ProcessLock`, held for the process's life.

Digests come from :mod:`monitor.deliver.dispatch`: ``digest_schedules``, ``run_digest`` and ``run_alerts`` (after
each poll that stored new articles).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import os
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobEvent
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor import __version__
from monitor.clock import KST, format_kst, to_iso, utcnow
from monitor.config import MonitorConfig
from monitor.deliver import dispatch
from monitor.ingest import Fetcher
from monitor.logs import ctx
from monitor.models import FeedReport, PollReport
from monitor.pipeline import poll_cycle
from monitor.service.endpoint import HealthEndpoint
from monitor.service.health import default_health_file, write_health
from monitor.service.jobs import (
    missed_digests,
    plan_digest_jobs,
    plan_poll_jobs,
    plan_retention_job,
    poll_job_id,
    span,
)
from monitor.service.lock import ProcessLock
from monitor.service.metrics import MetricsSnapshot, exposition, service_registry
from monitor.store import JobRow, Store
from monitor.stories import StoryTracker

log = logging.getLogger(__name__)


class _NoSkippedRunWarnings(logging.Filter):
    """Drops APScheduler's warning for a run skipped because the job's previous run is still going.

    With ``max_instances=1`` that is the plan, not a fault: a feed whose poll outlasts its interval
    (a slow host, a long backoff) would otherwise write that warning at every tick, for every such
    feed (41 % of a soak's log lines). :meth:`Service._on_job_event` says it at most hourly per job
    instead, with the feed, and counts every skipped run in the metrics."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in str(record.msg)


_SKIPPED_RUN_FILTER = _NoSkippedRunWarnings()  # one instance: addFilter ignores a filter already added
T = TypeVar("T")

HEARTBEAT_S = 60
#: A job whose runs are skipped (its previous run still going) is logged at most this often.
SKIP_LOG_EVERY_S = 3600.0
#: How long the poll lane waits after a feed comes due for others to join its cycle.
GATHER_S = 0.5


class Service:
    """`monitor run`. ``Service(config).run()`` returns the exit code once stopped by a signal."""

    def __init__(
        self,
        config: MonitorConfig,
        *,
        health_port: int | None = None,
        health_host: str | None = None,
        health_file: str | None = None,
        early_signals: list[int] | None = None,
    ) -> None:
        self.config = config
        #: Signals that arrived before the loop's handlers were installed (appended to by the CLI).
        self._early_signals = early_signals if early_signals is not None else []
        self.db_path = config.storage.path
        self.settings = config.service
        self.retention = config.retention
        self._health_port_given = health_port is not None
        if health_port is not None:
            self.settings = replace(self.settings, health_port=health_port)
        if health_host is not None:
            self.settings = replace(self.settings, health_host=health_host)
        self.health_file = Path(health_file or self.settings.health_file or default_health_file(self.db_path))
        self.stop_reason: str | None = None
        self.started_at = utcnow()
        self.health_url: str | None = None
        self.counters: Counter[tuple[str, ...]] = Counter()
        self.gauges: dict[str, float] = {}
        #: This service's own metrics registry (never prometheus_client's global one).
        self.registry = service_registry(self._metrics_snapshot)
        self.last_poll: dict[str, Any] | None = None
        self._pending: dict[str, asyncio.Future[FeedReport | None]] = {}
        self._batches: set[asyncio.Task[None]] = set()
        self._in_flight: dict[str, asyncio.Future[FeedReport | None]] = {}
        self._side: set[asyncio.Future[Any]] = set()
        self._alerts_again = False
        self._alerts: asyncio.Task[None] | None = None
        #: Per job: when a skipped run was last logged (monotonic), and the skips since then.
        self._skip_said_at: dict[str, float] = {}
        self._skips_unsaid: dict[str, int] = {}

    # ---------------------------------------------------------------------------------------------
    # Running and stopping
    # ---------------------------------------------------------------------------------------------

    def run(self) -> int:
        with ProcessLock(self.db_path, "run"):
            return asyncio.run(self._main())

    async def _open(self) -> None:
        """Events, connections, threads and the fetcher; inside the running loop."""
        self._stop = asyncio.Event()
        self._force = asyncio.Event()
        self._wake = asyncio.Event()
        # One connection per poll lane (the first also migrates); a lane's connection is used by one
        # poll cycle at a time. The job table has its own (one thread); digests open their own.
        self.stores = [Store.open(self.db_path)]
        self.stores += [Store.open(self.db_path, migrate=False) for _ in range(self.settings.poll_lanes - 1)]
        self.store = self.stores[0]
        self._free: asyncio.Queue[Store] = asyncio.Queue()
        for store in self.stores:
            self._free.put_nowait(store)
        self.ops = Store.open(self.db_path, migrate=False)
        self._ops_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-ops")
        self._side_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="monitor-digest")
        self._lane_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-retention")
        self.fetcher = Fetcher(self.config.fetch)
        # One story clusterer for the process's life, shared by the lanes (it serialises its own work):
        # restoring its window from the database once, not at every poll of every feed.
        self.tracker = StoryTracker.from_settings(self.config.stories)

    async def _close(self) -> None:
        await self.fetcher.aclose()
        self._side_threads.shutdown(wait=True)  # a digest mid-send finishes and records its ledger
        self._ops_thread.shutdown(wait=True)
        self._lane_thread.shutdown(wait=True)  # a retention batch or VACUUM in progress completes
        for store in self.stores:
            store.close()
        self.ops.close()

    async def _main(self) -> int:
        loop = asyncio.get_running_loop()
        await self._open()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        for signum in self._early_signals:
            self._on_signal(signal.Signals(signum))
        self.run_id = await self._ops(self.ops.service_started, pid=os.getpid(), host=socket.gethostname())
        endpoint = None
        try:
            self.scheduler = self._new_scheduler(loop)
            # Before scheduling: a port that can't be had stops the start before any job runs.
            endpoint = self._start_health_endpoint()
            await self._schedule()
            self._lane = asyncio.create_task(self._poll_lane(), name="poll-lane")
            await self._heartbeat()
            log.info(
                "monitor run %s: pid %d, %d jobs, database %s, health file %s%s",
                __version__,
                os.getpid(),
                len(self.scheduler.get_jobs()),
                self.db_path,
                self.health_file,
                f", health endpoint {self.health_url}" if self.health_url else "",
                extra=ctx(stage="service"),
            )
            await self._stop.wait()
            await self._shutdown()
        finally:
            if endpoint is not None:
                endpoint.stop()
            self._side_threads.shutdown(wait=True)  # a digest mid-send finishes and records its ledger
            await self._ops(self.ops.service_stopped, self.run_id, self.stop_reason or "error")
            self._write_health("stopped")
            await self._close()
        log.info("monitor run stopped (%s)", self.stop_reason, extra=ctx(stage="service"))
        return 0

    def _new_scheduler(self, loop: asyncio.AbstractEventLoop) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(event_loop=loop, timezone=KST)
        logging.getLogger("apscheduler.scheduler").addFilter(_SKIPPED_RUN_FILTER)
        scheduler.add_listener(self._on_job_event, EVENT_JOB_MAX_INSTANCES)
        return scheduler

    def _on_job_event(self, event: JobEvent) -> None:
        """A run skipped because the job's previous run is still going: counted every time, logged at
        most once an hour per job (a feed polled every few seconds that flaps around its interval
        would otherwise write a line per flap), with how many were skipped since the last line."""
        job_id = event.job_id
        kind, _, target = job_id.partition(":")
        feed = target if kind == "poll" else None
        self.counters["job_skipped", kind] += 1
        self._skips_unsaid[job_id] = self._skips_unsaid.get(job_id, 0) + 1
        now = time.monotonic()
        if now - self._skip_said_at.get(job_id, -math.inf) < SKIP_LOG_EVERY_S:
            return
        self._skip_said_at[job_id] = now
        log.info(
            "%s run skipped: the previous run is still going (%d skipped since this was last said; "
            "said at most hourly, every skip is counted in monitor_job_runs_skipped_total)",
            "poll" if feed else job_id,
            self._skips_unsaid.pop(job_id),
            extra=ctx(feed=feed, stage="service"),
        )

    def _on_signal(self, sig: signal.Signals) -> None:
        if self._stop.is_set():
            log.warning("%s again: stopping now", sig.name, extra=ctx(stage="service"))
            self._force.set()
            return
        self.stop_reason = sig.name
        log.warning(
            "%s: stopping after the work in progress (at most %s; send it again to stop now)",
            sig.name,
            span(self.settings.stop_timeout_s),
            extra=ctx(stage="service"),
        )
        self._stop.set()

    async def _shutdown(self) -> None:
        self._write_health("stopping")
        self.scheduler.shutdown(wait=False)
        # No new cycle starts from here on; the ones running get the grace period.
        self._lane.cancel()
        await asyncio.gather(self._lane, return_exceptions=True)
        busy: list[asyncio.Future[Any]] = [t for t in (*self._batches, self._alerts) if t and not t.done()]
        busy += [f for f in self._side if not f.done()]
        if busy:
            everything: asyncio.Future[Any] = asyncio.gather(*busy, return_exceptions=True)
            force: asyncio.Future[Any] = asyncio.ensure_future(self._force.wait())
            await asyncio.wait(
                {everything, force},
                timeout=self.settings.stop_timeout_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            force.cancel()
            late = [t for t in busy if not t.done()]
            if late:
                log.warning(
                    "cancelling %d unfinished job(s): feeds not yet stored are polled again at the next "
                    "start",
                    len(late),
                    extra=ctx(stage="service"),
                )
                for t in late:
                    t.cancel()
                await asyncio.gather(*late, return_exceptions=True)
        for fut in self._pending.values():
            fut.cancel()

    # ---------------------------------------------------------------------------------------------
    # Scheduling
    # ---------------------------------------------------------------------------------------------

    async def _schedule(self) -> None:
        await self._in_lane(self.store.sync_feeds, self.config.feeds)
        states = await self._in_lane(self.store.feed_states)
        now = utcnow()
        jobs = plan_poll_jobs(self.config.feeds, states, now=now, jitter_s=self.settings.jitter_s)
        schedules = dispatch.digest_schedules(self.config)
        jobs += plan_digest_jobs(schedules, grace_s=self.settings.digest_grace_s)
        jobs.append(plan_retention_job(self.retention))
        known = {r["id"]: r for r in await self._ops(self.ops.service_jobs)}
        runners: dict[str, Callable[..., Any]] = {
            "poll": self._poll_job,
            "digest": self._digest_job,
            "retention": self._retention_job,
        }
        for job in jobs:
            kwargs: dict[str, Any] = {}
            if job.first_run is not None:
                kwargs["next_run_time"] = job.first_run
            self.scheduler.add_job(
                runners[job.kind],
                job.trigger,
                args=(job.target,) if job.target else (),
                id=job.id,
                name=job.id,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=job.misfire_grace_s,
                **kwargs,
            )
        self.scheduler.start()
        for job_id in missed_digests(jobs, known, now=now, grace_s=self.settings.digest_grace_s):
            log.warning(
                "%s: its time passed while the service was down; running it once now",
                job_id,
                extra=ctx(stage="digest"),
            )
            self.scheduler.modify_job(job_id, next_run_time=utcnow())
        rows = [JobRow(j.id, j.kind, j.target, j.schedule, self._next_run(j.id)) for j in jobs]
        await self._ops(self.ops.sync_jobs, rows)

    def _next_run(self, job_id: str) -> datetime | None:
        job: Job | None = self.scheduler.get_job(job_id)
        return job.next_run_time if job else None

    # ---------------------------------------------------------------------------------------------
    # Polling: feed jobs hand their feed to the lane and wait for its result
    # ---------------------------------------------------------------------------------------------

    async def _poll_job(self, feed: str) -> None:
        # A feed already waiting or being polled is joined, never polled twice at once.
        fut = self._pending.get(feed) or self._in_flight.get(feed)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._pending[feed] = fut
            self._wake.set()
        try:
            await asyncio.shield(fut)
        except asyncio.CancelledError:
            # Stopping cancels the feeds still waiting or in flight (they are polled at the next start);
            # that is the plan, not a failure for APScheduler to log with a traceback per feed.
            if not self._stop.is_set():
                raise

    async def _poll_lane(self) -> None:
        """Start a poll cycle for the feeds that came due, on a free lane; up to ``poll_lanes`` at once,
        so one feed stalling until its timeout holds back only the feeds of its own cycle."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(GATHER_S)  # let feeds that came due together share a cycle
            if not self._pending:
                continue
            store = await self._free.get()
            batch, self._pending = self._pending, {}  # including feeds due while waiting for a lane
            self._in_flight.update(batch)
            task = asyncio.create_task(self._poll_batch(batch, store), name="poll-batch")
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _poll_batch(self, batch: dict[str, asyncio.Future[FeedReport | None]], store: Store) -> None:
        try:
            await self._poll_batch_on(batch, store)
        finally:
            for name in batch:
                self._in_flight.pop(name, None)
            self._free.put_nowait(store)

    async def _poll_batch_on(self, batch: dict[str, asyncio.Future[FeedReport | None]], store: Store) -> None:
        names = sorted(batch)
        t0 = time.monotonic()
        report: PollReport | None = None
        try:
            report = await poll_cycle(
                self.config, store, fetcher=self.fetcher, only=names, tracker=self.tracker
            )
        except asyncio.CancelledError:
            for fut in batch.values():
                fut.cancel()
            raise
        except Exception as exc:  # a bug in a cycle must not stop the service; the next one tries again
            log.exception("poll cycle failed: %s", exc, extra=ctx(stage="poll"))
            self.counters["poll_cycle_error",] += 1
            outcomes = {
                poll_job_id(n): ("error", f"{type(exc).__name__}: {exc}", self._next_run(poll_job_id(n)))
                for n in names
            }
            await self._ops(self.ops.jobs_finished, outcomes)
            for fut in batch.values():
                if not fut.done():
                    fut.set_result(None)
            return
        elapsed = time.monotonic() - t0
        by_feed = {r.feed: r for r in report.feeds}
        outcomes = {}
        for name in names:
            r = by_feed.get(name)
            if r is None:  # disabled or gone from the config since it was scheduled
                outcomes[poll_job_id(name)] = (
                    "skipped",
                    "not an enabled feed",
                    self._next_run(poll_job_id(name)),
                )
                continue
            self.counters["poll", r.status] += 1
            outcomes[poll_job_id(name)] = (_outcome(r), _detail(r), self._next_run(poll_job_id(name)))
        self.counters["articles_new",] += report.new_articles
        self.counters["poll_cycles",] += 1
        self.gauges["poll_cycle_seconds_sum"] = self.gauges.get("poll_cycle_seconds_sum", 0.0) + elapsed
        self.last_poll = {
            "finished_at": to_iso(report.finished),
            "feeds": len(report.feeds),
            "new_articles": report.new_articles,
            "seconds": round(elapsed, 2),
        }
        await self._ops(self.ops.jobs_finished, outcomes)
        failed = sum(1 for r in report.feeds if r.status == "error")
        log.info(
            "polled %d feed(s) in %.1fs: %d new article(s), %d failed",
            len(report.feeds),
            elapsed,
            report.new_articles,
            failed,
            extra=ctx(stage="poll"),
        )
        for name, fut in batch.items():
            if not fut.done():
                fut.set_result(by_feed.get(name))
        if report.new_articles:
            self._kick_alerts()

    # ---------------------------------------------------------------------------------------------
    # Digests and alerts (monitor.deliver.dispatch), retention
    # ---------------------------------------------------------------------------------------------

    async def _digest_job(self, channel: str) -> None:
        job_id = f"digest:{channel}"
        await self._ops(self.ops.job_started, job_id)
        try:
            outcomes = await self._side_call(self._run_digest, channel)
            outcome, detail = _digest_outcome(outcomes), _summarise(outcomes)
        except Exception as exc:
            log.exception("digest failed: %s", exc, extra=ctx(stage="digest", feed=None))
            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
        self.counters["job", "digest", outcome] += 1
        await self._ops(self.ops.jobs_finished, {job_id: (outcome, detail, self._next_run(job_id))})

    def _run_digest(self, channel: str) -> list[Any]:
        with Store.open(self.db_path, migrate=False) as store:
            return list(dispatch.run_digest(self.config, store, channel))

    def _kick_alerts(self) -> None:
        """Run alerts after a poll stored new articles; one run at a time, one more if more arrived."""
        if self._alerts is not None and not self._alerts.done():
            self._alerts_again = True
            return
        self._alerts = asyncio.create_task(self._alerts_loop(), name="alerts")

    async def _alerts_loop(self) -> None:
        while True:
            self._alerts_again = False
            try:
                outcomes = await self._side_call(self._run_alerts)
                if outcomes:
                    log.info("alerts: %s", _summarise(outcomes), extra=ctx(stage="alerts"))
                self.counters["job", "alerts", "ok"] += 1
            except Exception as exc:
                log.exception("alerts failed: %s", exc, extra=ctx(stage="alerts"))
                self.counters["job", "alerts", "error"] += 1
            if not self._alerts_again or self._stop.is_set():
                return

    def _run_alerts(self) -> list[Any]:
        with Store.open(self.db_path, migrate=False) as store:
            return list(dispatch.run_alerts(self.config, store))

    async def _retention_job(self) -> None:
        await self._ops(self.ops.job_started, "retention")
        try:
            detail = await self._in_lane(self._run_retention)
            outcome = "ok"
        except Exception as exc:
            log.exception("retention failed: %s", exc, extra=ctx(stage="retention"))
            outcome, detail = "error", f"{type(exc).__name__}: {exc}"
        self.counters["job", "retention", outcome] += 1
        await self._ops(self.ops.jobs_finished, {"retention": (outcome, detail, self._next_run("retention"))})

    def _run_retention(self) -> str:
        now = utcnow()
        text_s, log_s = self.retention.article_text_s, self.retention.fetch_log_s
        pruned = self.store.prune(
            text_before=now - timedelta(seconds=text_s) if text_s else None,
            fetch_log_before=now - timedelta(seconds=log_s) if log_s else None,
        )
        detail = (
            f"emptied {pruned.article_texts} article text(s), {pruned.revisions} revision(s); "
            f"deleted {pruned.fetch_log_rows} fetch-log row(s)"
        )
        if self.retention.vacuum and (pruned.article_texts or pruned.fetch_log_rows):
            self.store.vacuum()
            detail += "; vacuumed"
        log.info("retention: %s", detail, extra=ctx(stage="retention"))
        return detail

    # ---------------------------------------------------------------------------------------------
    # Heartbeat, health file, health endpoint
    # ---------------------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        next_runs = {j.id: j.next_run_time for j in self.scheduler.get_jobs()}
        try:
            await self._ops(self.ops.service_heartbeat, self.run_id, next_runs)
            health = await self._ops(self.ops.feed_health)
            self.gauges["feeds"] = sum(1 for r in health if r["enabled"])
            self.gauges["feeds_failing"] = sum(
                1 for r in health if r["enabled"] and r["consecutive_failures"]
            )
            totals = await self._ops(self.ops.article_totals)
            self.gauges["articles"] = totals["articles"]
        except Exception as exc:  # the DB is busy or full: the health file still says we are alive
            log.warning("heartbeat not recorded in the database: %s", exc, extra=ctx(stage="service"))
        self._write_health("running")
        if not any(j.id == "heartbeat" for j in self.scheduler.get_jobs()):
            self.scheduler.add_job(
                self._heartbeat,
                IntervalTrigger(seconds=HEARTBEAT_S, timezone=KST),
                id="heartbeat",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=HEARTBEAT_S,
            )

    def health_payload(self, state: str) -> dict[str, Any]:
        jobs = self.scheduler.get_jobs() if state == "running" else []
        upcoming = min((j.next_run_time for j in jobs if j.next_run_time), default=None)
        return {
            "state": state,
            "pid": os.getpid(),
            "version": __version__,
            "database": self.db_path,
            "started_at": to_iso(self.started_at),
            "heartbeat_at": to_iso(utcnow()),
            "heartbeat_kst": format_kst(utcnow(), seconds=True),
            "jobs": len(jobs),
            "next_job_at": to_iso(upcoming),
            "last_poll": self.last_poll,
            "feeds": int(self.gauges.get("feeds", 0)),
            "feeds_failing": int(self.gauges.get("feeds_failing", 0)),
            "health_url": self.health_url,
            "stop_reason": self.stop_reason,
        }

    def _write_health(self, state: str) -> None:
        try:
            write_health(self.health_file, self.health_payload(state))
        except OSError as exc:
            log.warning("cannot write health file %s: %s", self.health_file, exc, extra=ctx(stage="service"))

    def metrics(self) -> str:
        """What /metrics serves, as text (tests, and a look from a debugger)."""
        return exposition(self.registry)

    def _metrics_snapshot(self) -> MetricsSnapshot:
        """The numbers behind /metrics (read from the endpoint's thread: copies, taken at once)."""
        counters: dict[tuple[str, ...], float] = dict(self.counters)
        gauges = dict(self.gauges)
        counters["poll_cycle_seconds",] = gauges.pop("poll_cycle_seconds_sum", 0.0)
        gauges.update(up=1, started_at=self.started_at.timestamp())
        return MetricsSnapshot(counters, gauges)

    def _health_answer(self) -> tuple[bool, dict[str, Any]]:
        """What /healthz answers: running until a stop signal, then "stopping" (HTTP 503)."""
        running = not self._stop.is_set()
        return running, self.health_payload("running" if running else "stopping")

    def _start_health_endpoint(self) -> HealthEndpoint | None:
        port = int(self.settings.health_port or 0)
        if not port and not self._health_port_given:
            return None  # 0 in the config is "off"; --health-port 0 asks for any free port (tests)
        endpoint = HealthEndpoint(
            self.registry, self._health_answer, host=self.settings.health_host, port=port
        )
        self.health_url = endpoint.start()
        return endpoint

    # ---------------------------------------------------------------------------------------------
    # Where store calls run
    # ---------------------------------------------------------------------------------------------

    async def _in_lane(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """On the first lane's connection, with every lane idle (retention writes a lot: it waits for
        the cycles in progress, and no cycle starts until it is done)."""
        held = [await self._free.get() for _ in self.stores]
        try:
            fut = asyncio.get_running_loop().run_in_executor(
                self._lane_thread, functools.partial(fn, *args, **kwargs)
            )
            self._side.add(fut)  # stopping waits for it (retention) like for a digest
            fut.add_done_callback(self._side.discard)
            return await fut
        finally:
            for store in held:
                self._free.put_nowait(store)

    async def _ops(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """On the job table's connection, always from the same thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._ops_thread, functools.partial(fn, *args, **kwargs)
        )

    async def _side_call(self, fn: Callable[..., T], *args: Any) -> T:
        fut = asyncio.get_running_loop().run_in_executor(self._side_threads, fn, *args)
        self._side.add(fut)
        fut.add_done_callback(self._side.discard)
        return await fut


def _outcome(r: FeedReport) -> str:
    return {"ok": "ok", "not_modified": "ok", "deferred": "deferred", "error": "error"}[r.status]


def _detail(r: FeedReport) -> str:
    if r.status == "error":
        return f"{r.error_kind}: {r.error}"
    if r.status == "deferred":
        return f"backing off until {format_kst(r.next_attempt)}"
    if r.status == "not_modified":
        return "not modified"
    return f"{r.entries} entries, {r.new_articles} new"


def _summarise(outcomes: list[Any]) -> str:
    """One line from DigestOutcome values: "email: sent 5 stories; slack: failed (…)"."""
    if not outcomes:
        return "no channel had anything to do"
    parts = []
    for o in outcomes:
        text = f"{getattr(o, 'channel', '?')}: {getattr(o, 'status', o)}"
        if getattr(o, "stories", 0):
            text += f" {o.stories} stories"
        if getattr(o, "error", None):
            text += f" ({str(o.error)[:120]})"
        parts.append(text)
    return "; ".join(parts)


def _digest_outcome(outcomes: list[Any]) -> str:
    """The job's outcome: "error" when a channel failed (the ledger retries it), else "ok"."""
    return "error" if any(getattr(o, "status", None) == "failed" for o in outcomes) else "ok"
