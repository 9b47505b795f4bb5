"""Soak: many poll cycles over hundreds of loopback feeds that change between cycles; RSS and open file
descriptors must stay flat.

    python bench/bench_soak.py [--cycles 200] [--feeds 500] [--every 10] [--article-feeds 25]
    python bench/bench_soak.py --target run --run-cmd "monitor --config {config} run" --cycle-s 60

Default target ("pipeline"): the poll cycle runs in this process (monitor.pipeline.run_poll, the call
the scheduler makes), cycle after cycle on one Store, as a long-running service would. Between cycles
every feed gains a new item at the top (bench/feed_farm.py ``/_next``), so each cycle parses, keys and
stores new entries; ``--article-feeds`` of the feeds also fetch and extract their new article pages.
Every ``--every`` cycles it prints this process's RSS and open fds, and the RSS of the forkserver the
parser workers fork from (they exit with each cycle); at the end the growth from the first sample to the
last.

News time moves ``--hours-per-cycle`` (an hour) per cycle, so after 72 cycles the 72 h story window is full
and evicts as fast as it fills: flat memory then means no leak. (Item dates end at the present: dates in
the future would be clamped to the fetch time.)

``--target run`` soaks the scheduler service (`monitor run`) instead: it starts ``--run-cmd`` with the
same config (feeds on a short interval), moves the feeds on
every ``--cycle-s`` seconds, and samples that process (and its children) from /proc instead.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from feed_farm import running_farm  # noqa: E402
from machine import children_rss_mb, describe, open_fds, rss_mb  # noqa: E402


def write_config(
    path: Path, port: int, hosts: list[str], feeds: int, article_feeds: int, interval: str | None
) -> None:
    lines = [
        '[storage]\npath = "soak.db"\n',
        "[fetch]",
        "allow_private_networks = true",
        "total_concurrency = 64",
        "per_host_concurrency = 2",
        'per_host_delay = "100ms"',
        "",
    ]
    for n in range(feeds):
        host = hosts[n % len(hosts)]
        lines += [
            "[[feeds]]",
            f'name = "soak-{n}"',
            f'url = "http://{host}:{port}/feed/{n}.xml"',
            f"fetch_articles = {'true' if n < article_feeds else 'false'}",
        ]
        if interval:
            lines.append(f'interval = "{interval}"')
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def next_round(port: int, host: str) -> None:
    urllib.request.urlopen(f"http://{host}:{port}/_next", timeout=10).read()  # noqa: S310 - loopback


def soak_pipeline(args: argparse.Namespace, config_path: Path, farm: dict) -> list[tuple[int, float, int]]:
    from monitor.config import load_config
    from monitor.pipeline import run_poll
    from monitor.store import Store
    from monitor.stories import StoryTracker

    config = load_config(config_path)
    # One story tracker for every cycle, as `monitor run` keeps one: without it each cycle would restore
    # the 72 h window from SQLite again (what a one-off `monitor poll` does), which is not the service.
    tracker = StoryTracker.from_settings(config.stories)
    samples: list[tuple[int, float, int]] = []
    totals = {"new": 0, "errors": 0, "crashes": 0, "cycles": 0}
    t_start = time.perf_counter()
    with Store.open(config.storage.path) as store:
        for cycle in range(1, args.cycles + 1):
            if args.max_minutes and time.perf_counter() - t_start > args.max_minutes * 60:
                print(f"stopping after {cycle - 1} cycles: the --max-minutes budget is spent")
                break
            t0 = time.perf_counter()
            try:
                report = run_poll(config, store, tracker=tracker)
            except Exception as exc:  # noqa: BLE001 - a crash is a finding, keep soaking
                totals["crashes"] += 1
                print(f"CRASH in cycle {cycle}: {type(exc).__name__}: {exc}", flush=True)
                continue
            wall = time.perf_counter() - t0
            totals["cycles"] += 1
            totals["new"] += report.new_articles
            errors = [r for r in report.feeds if r.status == "error"]
            totals["errors"] += len(errors)
            totals["crashes"] += sum(r.error_kind == "bug" for r in errors)
            next_round(farm["port"], farm["hosts"][0])
            budget_spent = args.max_minutes and time.perf_counter() - t_start > args.max_minutes * 60
            if cycle == 1 or cycle % args.every == 0 or cycle == args.cycles or budget_spent:
                rss, fds = rss_mb(), open_fds()
                # The workers have exited when run_poll returns; what stays is the forkserver (the feed
                # farm is our child too, and not counted).
                forkserver = children_rss_mb() - rss_mb(farm["pid"])
                samples.append((cycle, rss, fds))
                print(
                    f"cycle {cycle:4d}: {wall:5.1f} s, new articles {report.new_articles:4d}, errors "
                    f"{len(errors)}, RSS {rss:6.1f} MB, fds {fds:3d}, forkserver RSS {forkserver:.0f} MB, "
                    f"stored {store.counts()['articles']}",
                    flush=True,
                )
    print(
        f"{totals['cycles']} cycles in {time.perf_counter() - t_start:.0f} s; "
        f"new articles {totals['new']}, feed errors {totals['errors']}, crashes {totals['crashes']}"
    )
    return samples


def soak_service(args: argparse.Namespace, config_path: Path, farm: dict) -> list[tuple[int, float, int]]:
    cmd = shlex.split(args.run_cmd.format(config=config_path))
    # The service's own log (one line per event) is kept when asked for: it says what ran when.
    log = open(args.service_log, "ab") if args.service_log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=config_path.parent, stderr=log)
    db = config_path.parent / "soak.db"
    samples: list[tuple[int, float, int]] = []
    try:
        for cycle in range(1, args.cycles + 1):
            time.sleep(args.cycle_s)
            if proc.poll() is not None:
                print(f"`{args.run_cmd}` exited with {proc.returncode} in cycle {cycle}")
                break
            next_round(farm["port"], farm["hosts"][0])
            if cycle == 1 or cycle % args.every == 0 or cycle == args.cycles:
                own, children = rss_mb(proc.pid), children_rss_mb(proc.pid)
                rss = own + children
                samples.append((cycle, rss, open_fds(proc.pid)))
                done = service_progress(db)
                # Children (the forkserver and, during a large batch, its feature workers) come and go:
                # their share is printed apart so a batch caught mid-way is not mistaken for growth.
                print(
                    f"cycle {cycle:4d}: RSS {rss:6.1f} MB (service {own:.1f} + children {children:.1f}), "
                    f"fds {samples[-1][2]}; "
                    f"poll runs {done['poll_runs']}, stored articles {done['articles']}, "
                    f"feeds in error {done['feeds_failing']}",
                    flush=True,
                )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if log is not subprocess.DEVNULL:
            log.close()
    done = service_progress(db)
    print(
        f"`monitor run` exited with {proc.returncode} after SIGTERM; its database: {done['poll_runs']} "
        f"poll job runs, {done['articles']} articles, {done['feeds_failing']} feeds in error at the end, "
        f"run stopped by {done['stop_reason']!r}"
    )
    return samples


def service_progress(db: Path) -> dict:
    """What the service has done so far, read from its own database (read-only, WAL: never blocks it)."""
    import sqlite3

    if not db.exists():
        return {"poll_runs": 0, "articles": 0, "feeds_failing": 0, "stop_reason": None}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        runs = con.execute("SELECT coalesce(sum(runs), 0) FROM service_jobs WHERE kind = 'poll'").fetchone()[
            0
        ]
        articles = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        failing = con.execute("SELECT count(*) FROM feeds WHERE consecutive_failures > 0").fetchone()[0]
        stop = con.execute("SELECT stop_reason FROM service_runs ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    return {
        "poll_runs": runs,
        "articles": articles,
        "feeds_failing": failing,
        "stop_reason": stop[0] if stop else None,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cycles", type=int, default=200)
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--hosts", type=int, default=100)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--every", type=int, default=10, help="print a sample every N cycles")
    p.add_argument("--article-feeds", type=int, default=25, help="feeds that also fetch article pages")
    p.add_argument(
        "--max-minutes",
        type=float,
        default=0,
        help="stop (and still print the growth) after this long; 0: run all cycles",
    )
    p.add_argument(
        "--hours-per-cycle",
        type=float,
        default=1.0,
        help="news time per cycle (the feeds' item dates move this much each cycle)",
    )
    p.add_argument("--target", choices=["pipeline", "run"], default="pipeline")
    p.add_argument("--run-cmd", default="monitor --config {config} run")
    p.add_argument("--cycle-s", type=float, default=60, help="--target run: seconds per cycle")
    p.add_argument("--service-log", help="--target run: append the service's stderr log to this file")
    p.add_argument(
        "--news-ends",
        type=float,
        default=0.0,
        metavar="HOURS",
        help="the last cycle's items are dated this many hours before now (default 0: news time "
        "ends at the present; a large value keeps every date far from the wall clock)",
    )
    args = p.parse_args()
    logging.getLogger("monitor").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` stops the feed farm
    print("machine:", describe())
    # News time moves --hours-per-cycle a cycle, ending now: with the default hour the 72 h story window
    # fills in 72 cycles and then evicts as fast as it fills, as in months of service. (With a minute a
    # cycle, 200 cycles stay inside the window and the clusterer's memory grows by design, not by a leak.)
    # A feed's newest item after k rounds is number k + entries - 1 (feed_farm dates item m at anchor +
    # m steps): the anchor leaves room for all of them. (It once left room for the cycles only, so the
    # last `entries` cycles served items dated past the present; the pipeline clamps those to the fetch
    # time, which moves seconds a cycle, so they never left the story window and RSS rose at the end.)
    anchor = datetime.now(UTC) - timedelta(
        hours=args.hours_per_cycle * (args.cycles + args.entries + 2) + args.news_ends
    )
    dated = ("--minutes-per-item", str(args.hours_per_cycle * 60), "--anchor", anchor.isoformat())
    with (
        running_farm(args.feeds, args.entries, args.hosts, args.latency_ms, *dated) as farm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = Path(tmp) / "monitor.toml"
        interval = f"{max(1, int(args.cycle_s // 2))}s" if args.target == "run" else None
        write_config(config, farm["port"], farm["hosts"], args.feeds, args.article_feeds, interval)
        print(
            f"{args.feeds} feeds × {args.entries} entries on {args.hosts} loopback hosts, "
            f"{args.latency_ms:.0f} ms latency, one new item per feed per cycle, "
            f"{args.article_feeds} feeds fetch article pages; target: {args.target}"
        )
        run = soak_pipeline if args.target == "pipeline" else soak_service
        samples = run(args, config, farm)
    if len(samples) >= 2:
        (c0, rss0, fd0), (c1, rss1, fd1) = samples[0], samples[-1]
        # The first cycle fills SQLite's page cache and imports everything: growth is counted from the
        # second sample when there is one past it.
        if len(samples) >= 3:
            c0, rss0, fd0 = samples[1]
        print(
            f"growth from cycle {c0} to cycle {c1}: RSS {rss0:.1f} → {rss1:.1f} MB ({rss1 - rss0:+.1f} MB, "
            f"{(rss1 - rss0) / max(1, c1 - c0) * 100:+.2f} MB per 100 cycles), fds {fd0} → {fd1} "
            f"({fd1 - fd0:+d})"
        )
        # Until the story window is full the clusterer's memory grows by design; a leak is growth after
        # it. The first sample taken a cycle or more past that point is the baseline.
        from monitor.stories import DEFAULT_WINDOW_HOURS  # the soak's config keeps the default window

        full_at = DEFAULT_WINDOW_HOURS / args.hours_per_cycle + 1
        steady = [s for s in samples if s[0] >= full_at]
        if len(steady) >= 2:
            (c0, rss0, fd0), (c1, rss1, fd1) = steady[0], steady[-1]
            fds = [s[2] for s in steady]
            print(
                f"with the story window full (cycle {c0} on): RSS {rss0:.1f} → {rss1:.1f} MB "
                f"({rss1 - rss0:+.1f} MB, {(rss1 - rss0) / max(1, c1 - c0) * 100:+.2f} MB per 100 cycles; "
                f"highest {max(s[1] for s in steady):.1f}), fds {min(fds)}–{max(fds)}"
            )
    print("load average at the end:", describe().rsplit("load average ", 1)[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
