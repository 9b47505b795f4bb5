"""A few hundred faulty and healthy loopback feeds polled for several cycles: errors by kind, crashes,
memory and file descriptors.

    python bench/bench_faults.py [--copies 15] [--healthy 90] [--cycles 8]

Every fault of tests/faults.py (resets, stalls mid-body, slow drips, truncated, oversized and gzip-bomb
bodies, redirect loops, 429/503 storms with Retry-After, refused and flapping ports, flapping DNS) is
served ``--copies`` times next to ``--healthy`` good feeds that publish new items every cycle. The farm
runs in its own process so the poller's RSS is its own. Each cycle is forced (failed feeds are retried
at once instead of waiting out their backoff), so every cycle meets every fault.

A crash is an exception escaping poll_cycle or a feed failing with kind "bug"; there must be none.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from machine import describe, open_fds, rss_mb  # noqa: E402


def serve_farm(copies: int, healthy: int) -> None:
    """Child mode: run the farm, print the feeds, flip on each line read from stdin."""
    from tests.faults import FaultFarm

    with FaultFarm() as farm:
        feeds = farm.add_all(copies=copies, healthy=healthy)
        print(json.dumps({"port": farm.server.port, "feeds": feeds}), flush=True)
        for _ in sys.stdin:
            farm.flip()
            print("flipped", flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--copies", type=int, default=15, help="instances of each fault")
    p.add_argument("--healthy", type=int, default=90)
    p.add_argument("--cycles", type=int, default=8)
    p.add_argument("--farm", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.farm:
        serve_farm(args.copies, args.healthy)
        return 0

    from monitor.config import load_config
    from monitor.ingest.fetch import Fetcher
    from monitor.pipeline import poll_cycle
    from monitor.store import Store
    from tests.faults import FAULTS, FlappingDNS, fault_config, fault_kind

    logging.getLogger("monitor").setLevel(logging.CRITICAL)  # thousands of expected failures
    print("machine:", describe())
    farm = subprocess.Popen(
        [sys.executable, __file__, "--farm", "--copies", str(args.copies), "--healthy", str(args.healthy)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert farm.stdin is not None and farm.stdout is not None
    crashes = 0
    try:
        ready = json.loads(farm.stdout.readline())
        feeds: dict[str, str] = ready["feeds"]
        dns_up = {"value": False}
        with tempfile.TemporaryDirectory() as tmp:
            config_path = Path(tmp) / "monitor.toml"
            text = fault_config(feeds).replace("per_host_concurrency = 8", "per_host_concurrency = 32")
            config_path.write_text(text, encoding="utf-8")
            config = load_config(config_path)
            print(
                f"{len(feeds)} feeds: {len(FAULTS)} faults × {args.copies} + {args.healthy} healthy; "
                f"{args.cycles} forced cycles"
            )
            kinds: collections.Counter[str] = collections.Counter()
            statuses: collections.Counter[str] = collections.Counter()
            wrong_kind = 0
            polled = 0
            samples: list[tuple[float, int]] = []
            with Store.open(config.storage.path) as store:
                for cycle in range(args.cycles):

                    async def one() -> object:
                        transport = FlappingDNS(ready["port"], lambda: dns_up["value"])
                        async with Fetcher(config.fetch, transport=transport) as fetcher:
                            return await poll_cycle(config, store, fetcher=fetcher, force=True)

                    t0 = time.perf_counter()
                    try:
                        report = asyncio.run(one())
                    except Exception as exc:  # noqa: BLE001 - counting exactly this is the point
                        crashes += 1
                        print(f"CRASH in cycle {cycle}: {type(exc).__name__}: {exc}")
                        continue
                    wall = time.perf_counter() - t0
                    for r in report.feeds:  # type: ignore[attr-defined]
                        polled += 1
                        statuses[r.status] += 1
                        if r.status == "error":
                            kinds[r.error_kind or "?"] += 1
                            crashes += r.error_kind == "bug"
                        kind = fault_kind(r.feed)
                        flapping_up = kind in ("flap_port", "flap_dns") and cycle % 2 == 1
                        expected = "ok" if kind is None or flapping_up else FAULTS[kind]
                        got = "ok" if r.status == "ok" else r.error_kind
                        wrong_kind += got != expected
                    samples.append((rss_mb(), open_fds()))
                    print(
                        f"  cycle {cycle + 1}: {wall:5.1f} s, RSS {samples[-1][0]:.0f} MB, "
                        f"fds {samples[-1][1]}, articles {store.counts()['articles']}"
                    )
                    farm.stdin.write("flip\n")
                    farm.stdin.flush()
                    farm.stdout.readline()
                    dns_up["value"] = not dns_up["value"]
    finally:
        farm.terminate()
        farm.wait()
    print(f"feeds polled: {polled} ({dict(statuses)})")
    print("errors by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print(f"feeds whose outcome was not the fault's expected kind: {wrong_kind}")
    if len(samples) >= 2:
        (rss0, fd0), (rss1, fd1) = samples[0], samples[-1]
        print(
            f"memory: RSS after cycle 1 {rss0:.0f} MB → after cycle {len(samples)} {rss1:.0f} MB "
            f"({rss1 - rss0:+.1f} MB); open fds {fd0} → {fd1} ({fd1 - fd0:+d})"
        )
    print(f"crashes: {crashes}")
    print("load average at the end:", describe().rsplit("load average ", 1)[1])
    return 1 if crashes or wrong_kind else 0


if __name__ == "__main__":
    raise SystemExit(main())
