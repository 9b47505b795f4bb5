"""Poll 1,000 loopback feeds × 30 entries with 50 ms added latency: wall time and peak memory of the
first cycle and of the second (all 304) cycle. Target: first cycle ≤ 10 s and ≤ 200 MB on 2 cores.

    python bench/bench_poll.py [--feeds 1000] [--entries 30] [--hosts 200] [--latency-ms 50]

The feed farm runs in its own process (bench/feed_farm.py) so it doesn't share the poller's GIL. The
feeds are spread over ``--hosts`` loopback addresses because the poller limits requests per host, as it
must with real outlets. Each cycle runs in a fresh process so its peak RSS is its own. Article pages
are not fetched here (fetch_articles = false): this measures polling; issue 6 measures end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from feed_farm import running_farm  # noqa: E402


def write_config(path: Path, port: int, hosts: list[str], feeds: int) -> None:
    lines = [
        '[storage]\npath = "bench.db"\n',
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
            f'name = "bench-{n}"',
            f'url = "http://{host}:{port}/feed/{n}.xml"',
            "fetch_articles = false",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def one_cycle(config: str) -> None:
    """Child mode: one poll cycle; print wall time, peak RSS and what was stored."""
    from monitor.config import load_config
    from monitor.pipeline import run_poll
    from monitor.store import Store

    cfg = load_config(Path(config))
    with Store.open(cfg.storage.path) as store:
        t0 = time.perf_counter()
        report = run_poll(cfg, store)
        wall = time.perf_counter() - t0
        counts = store.counts()
    statuses: dict[str, int] = {}
    for r in report.feeds:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "wall_s": wall,
                "peak_rss_mb": peak_self,
                "peak_child_rss_mb": peak_children,
                "statuses": statuses,
                "articles": counts["articles"],
                "new_articles": report.new_articles,
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--cycle", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.cycle:
        one_cycle(args.cycle)
        return

    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
    with (
        running_farm(args.feeds, args.entries, args.hosts, args.latency_ms) as ready,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = Path(tmp) / "monitor.toml"
        write_config(config, ready["port"], ready["hosts"], args.feeds)
        print(
            f"{args.feeds} feeds × {args.entries} entries on {args.hosts} loopback hosts, "
            f"{args.latency_ms:.0f} ms latency"
        )
        for label in ("first cycle (all new)", "second cycle (all 304)"):
            out = subprocess.run(
                [sys.executable, __file__, "--cycle", str(config)], check=True, capture_output=True, text=True
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{label}: {r['wall_s']:.2f} s wall, peak RSS {r['peak_rss_mb']:.0f} MB "
                f"(+ {r['peak_child_rss_mb']:.0f} MB largest child), feeds {r['statuses']}, "
                f"new articles {r['new_articles']}, stored {r['articles']}"
            )


if __name__ == "__main__":
    main()
