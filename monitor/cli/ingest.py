"""`monitor poll`, `monitor status`, `monitor search`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from monitor.cli.common import config_from, open_store, print_json, table
from monitor.clock import format_kst, from_iso, to_iso, utcnow
from monitor.config import MonitorConfig
from monitor.models import FeedReport, PollReport
from monitor.pipeline import run_poll
from monitor.plural import counted
from monitor.service import ProcessLock, feed_rhythm
from monitor.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("poll", help="poll every enabled feed once and store new articles")
    p.add_argument(
        "--once",
        action="store_true",
        help="one cycle over all enabled feeds (the default; `monitor run` keeps polling)",
    )
    p.add_argument("--feed", action="append", metavar="NAME", help="poll only this feed (repeatable)")
    p.add_argument(
        "--force", action="store_true", help="also poll feeds waiting out a backoff or Retry-After"
    )
    p.add_argument("--json", action="store_true", help="print the per-feed results as JSON")
    p.set_defaults(func=cmd_poll)

    s = sub.add_parser(
        "status",
        help="feed health (last success/error, failures, next poll, silent feeds) and the service's jobs",
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    q = sub.add_parser("search", help="full-text search over stored articles, newest first")
    q.add_argument("query", help='words that must all occur, e.g. "공급망" or "한미일 반도체"')
    q.add_argument("-n", "--limit", type=int, default=20)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_search)


# ---------------------------------------------------------------------------------------------------


def cmd_poll(args: argparse.Namespace) -> int:
    config = config_from(args)
    # One writer per database: refused (naming the pid) while `monitor run` or another poll holds it.
    with ProcessLock(config.storage.path, "poll"), open_store(config) as store:
        names = {f.name for f in config.feeds}
        unknown = [n for n in args.feed or () if n not in names]
        if unknown:
            from monitor.errors import ConfigError

            raise ConfigError(
                [f"--feed {n!r}: no feed of that name in the config" for n in unknown],
                str(config.path),
                hint=_feed_names_hint(config),
            )
        enabled = [f for f in config.feeds if f.enabled and (not args.feed or f.name in args.feed)]
        progress = _Progress(len(enabled)) if sys.stderr.isatty() and not args.json else None
        # The report below shows each failed feed's error; its log line would say it a second time.
        once = _ShownInReport() if not args.json and not args.verbose else None
        with _log_filter(once):
            report = run_poll(config, store, only=args.feed, force=args.force, progress=progress)
        if progress:
            progress.done()
    if args.json:
        print_json(_report_json(report))
    else:
        print(_report_text(report, config.storage.path))
    return 0


def _feed_names_hint(config: MonitorConfig) -> str:
    names = [f.name for f in config.feeds]
    if not names:
        return f"{config.path} has no [[feeds]]; add one with `monitor feeds add URL`"
    shown = ", ".join(repr(n) for n in names[:10])
    if len(names) > 10:
        shown += f" and {len(names) - 10} more (`monitor feeds export` lists them)"
    return f"--feed takes a feed's name as written in the config: {shown}"


class _ShownInReport(logging.Filter):
    """Drops the log lines that repeat a failed feed's error (``poll failed ...``): the poll's report
    prints that error in its row."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "in_poll_report", False)


@contextmanager
def _log_filter(flt: logging.Filter | None) -> Iterator[None]:
    handlers = logging.getLogger("monitor").handlers if flt else []
    for h in handlers:
        h.addFilter(flt)  # type: ignore[arg-type]
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(flt)  # type: ignore[arg-type]


class _Progress:
    """One line per finished feed on a terminal, so a long first poll shows it is alive."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0

    def __call__(self, r: FeedReport) -> None:
        self.count += 1
        mark = {"ok": "✓", "not_modified": "·", "deferred": "…", "error": "✗"}[r.status]
        detail = r.error_kind if r.status == "error" else f"{r.new_articles} new"  # "new" takes no plural
        sys.stderr.write(f"\r\x1b[K[{self.count}/{self.total}] {mark} {r.feed}: {detail}")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


_STATUS_WORDS = {"ok": "ok", "not_modified": "unchanged", "deferred": "deferred", "error": "FAILED"}


def _report_text(report: PollReport, db_path: str) -> str:
    rows = []
    for r in report.feeds:
        if r.status == "error":
            detail = f"{r.error_kind}: {r.error}"
        elif r.status == "deferred":
            detail = f"waiting until {format_kst(r.next_attempt)}"
        else:
            parts = [counted(r.entries, "entry"), f"{r.new_articles} new"]
            if r.updated_articles:
                parts.append(f"{r.updated_articles} updated")
            # new_sources counts every feed entry recorded or changed, the new articles' own included;
            # what is news beyond them is an entry pointing at an article stored before.
            linked = r.new_sources - r.new_articles
            if linked > 0:
                parts.append(f"{counted(linked, 'entry')} for stored articles")
            if r.articles_failed:
                parts.append(f"{r.articles_failed} kept summary")
            if r.parse_problem:
                parts.append("ill-formed")
            detail = ", ".join(parts)
        rows.append([r.feed, _STATUS_WORDS[r.status], f"{r.elapsed_s:.1f}s", detail])
    counts: dict[str, int] = {}
    for r in report.feeds:
        counts[r.status] = counts.get(r.status, 0) + 1
    took = (report.finished - report.started).total_seconds()
    summary = (
        f"polled {counted(len(report.feeds), 'feed')} in {took:.1f}s: "
        + ", ".join(f"{n} {_STATUS_WORDS[s]}" for s, n in counts.items())
        + f"; {counted(report.new_articles, 'new article')} stored in {db_path}"
    )
    return table(rows, ["feed", "result", "time", "detail"]) + "\n\n" + summary


def _report_json(report: PollReport) -> dict[str, Any]:
    return {
        "started": report.started.isoformat(),
        "finished": report.finished.isoformat(),
        "new_articles": report.new_articles,
        "feeds": [asdict(r) for r in report.feeds],
    }


# ---------------------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_store(config) as store:
        view = status_view(config, store, now=utcnow())
    if args.json:
        print_json(view)
        return 0
    print(_status_text(view))
    return 0


#: A service whose heartbeat is older than this is not running any more (killed, or the host died).
STALE_HEARTBEAT = timedelta(minutes=3)


def status_view(config: MonitorConfig, store: Store, *, now: datetime) -> dict[str, Any]:
    """Everything `monitor status` shows, read from the database (UTC ISO times, as stored)."""
    rows = store.feed_health()
    times = store.feed_entry_times()
    jobs = {j["id"]: j for j in store.service_jobs()}
    run = store.last_service_run()
    service_state = "never run"
    if run:
        beat = from_iso(run["heartbeat_at"])
        if run["stopped_at"]:
            service_state = "stopped"
        elif beat and now - beat <= STALE_HEARTBEAT:
            service_state = "running"
        else:
            service_state = "not responding (killed or crashed?)"
    factor = config.service.silent_factor
    feeds = []
    for r in rows:
        rhythm = feed_rhythm(times.get(r["name"], []), now=now, interval_s=r["interval_s"], factor=factor)
        job = jobs.get(f"poll:{r['name']}")
        next_poll = r["next_attempt_at"]
        if service_state == "running" and job and job["next_run_at"]:
            # The scheduler's next run, unless a backoff defers the feed past it.
            backoff = r["next_attempt_at"] if r["consecutive_failures"] else None
            next_poll = max(job["next_run_at"], backoff) if backoff else job["next_run_at"]
        feeds.append(
            {
                **r,
                "next_poll_at": next_poll if r["enabled"] else None,
                "last_entry_at": to_iso(rhythm.last_entry),
                "usual_gap_s": int(rhythm.usual_gap.total_seconds()) if rhythm.usual_gap else None,
                "silent": rhythm.silent and bool(r["enabled"]),
                "silent_for_s": int(rhythm.silent_for.total_seconds()) if rhythm.silent_for else None,
            }
        )
    last_digests = store.last_digests() if hasattr(store, "last_digests") else None
    return {
        "database": config.storage.path,
        "now": to_iso(now),
        "service": {"state": service_state, **(run or {})},
        "feeds": feeds,
        "jobs": [{k: v for k, v in j.items() if k != "created_at"} for j in jobs.values()],
        "last_digests": last_digests,
    }


def _status_text(view: dict[str, Any]) -> str:
    now = from_iso(view["now"])
    assert now is not None
    out = []
    for r in view["feeds"]:
        state = r["last_status"] or "never polled"
        if not r["in_config"]:
            state = "not in config"
        elif not r["enabled"]:
            state = "disabled"
        elif r["consecutive_failures"]:
            state = f"FAILING ×{r['consecutive_failures']}"
        elif r["silent"]:
            state = f"SILENT {_ago(r['silent_for_s'])}"
        next_at = from_iso(r["next_poll_at"])
        next_text = (
            "-"
            if not r["enabled"]
            else ("due now" if next_at is None or next_at <= now else format_kst(next_at, seconds=True))
        )
        error = f"{r['last_error_kind']}: {r['last_error']}" if r["last_error"] else ""
        if r["last_error_at"] and not r["consecutive_failures"]:
            error = f"(recovered) {error}" if error else ""
        out.append(
            [
                r["name"],
                state,
                format_kst(r["last_success_at"]),
                next_text,
                str(r["entries_24h"]),
                str(r["consecutive_failures"]),
                error,
            ]
        )
    text = table(out, ["feed", "state", "last success", "next poll", "24h", "fails", "last error"])
    rows = view["feeds"]
    failing = sum(1 for r in rows if r["consecutive_failures"] and r["enabled"])
    silent = sum(1 for r in rows if r["silent"])
    text += (
        f"\n\n{counted(len(rows), 'feed')}, {failing} failing, {silent} silent; database {view['database']}"
    )
    svc = view["service"]
    line = f"\nservice: {svc['state']}"
    if svc.get("pid"):
        line += (
            f" (pid {svc['pid']} on {svc['host']}, started {format_kst(svc['started_at'])}, "
            f"last heartbeat {format_kst(svc['heartbeat_at'], seconds=True)}"
        )
        line += f", stopped by {svc['stop_reason']})" if svc.get("stop_reason") else ")"
    text += "\n" + line
    other = [j for j in view["jobs"] if j["kind"] != "poll"]
    if other:
        jobs = [
            [
                j["id"],
                j["schedule"],
                format_kst(j["next_run_at"]),
                format_kst(j["last_finished_at"]),
                j["last_outcome"] or "-",
                j["last_detail"] or "",
            ]
            for j in other
        ]
        text += "\n\n" + table(jobs, ["job", "schedule", "next run", "last run", "outcome", "detail"])
    if view["last_digests"]:
        rows = []
        for channel, info in view["last_digests"].items():
            when = info["last_attempt_at"]
            sent = info["last_success_at"]
            problem = ""
            if info["last_status"] == "failed":
                problem = f"×{info['consecutive_failures']}: {info['last_error'] or ''}"
                if info["next_attempt_at"]:
                    problem += f" (retry after {format_kst(info['next_attempt_at'])})"
            rows.append(
                [
                    channel,
                    format_kst(when) if when else "-",
                    f"{info['last_status'] or '-'} ({counted(info['last_story_count'], 'story')})",
                    format_kst(sent) if sent else "never",
                    str(info["delivered_total"]),
                    problem,
                ]
            )
        text += "\n\n" + table(
            rows, ["digest channel", "last run", "outcome", "last sent", "stories sent", "failing"]
        )
    return text


def _ago(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds >= 86400:
        return f"{seconds / 86400:.1f}d"
    return f"{seconds / 3600:.1f}h"


# ---------------------------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_store(config) as store:
        hits = store.search(args.query, limit=args.limit)
    if args.json:
        print_json([{k: v for k, v in h.items() if k != "text"} for h in hits])
        return 0
    if not hits:
        print(f"no stored article contains {args.query!r}")
        return 0
    for h in hits:
        when = format_kst(h["published_at"] or h["first_seen_at"])
        print(f"[{h['id']}] {when}  {h['title']}")
        print(f"      {h['feeds'] or '-'} · {h['url']}")
        snippet = _snippet(h["text"], args.query.split()[0])
        if snippet:
            print(f"      {snippet}")
    return 0


def _snippet(text: str, word: str, span: int = 60) -> str:
    at = text.find(word)
    if at < 0:
        return ""
    start, end = max(0, at - span), min(len(text), at + len(word) + span)
    body = " ".join(text[start:end].split())
    return ("…" if start else "") + body + ("…" if end < len(text) else "")
