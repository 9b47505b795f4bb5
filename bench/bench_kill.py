"""SIGKILL `monitor run` at random moments many times, restart it, and compare the database with one
uninterrupted poll of the same loopback feeds (the long form of tests/integration/test_service.py).

    python bench/bench_kill.py [--kills 30] [--feeds 12] [--entries 10] [--page-delay-ms 300] [--seed 6]

Prints how many kills landed mid-work (feeds partly stored), the time to finish after the last restart,
and whether articles, sources, matches and the FTS index agree (and the integrity checks passed).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.machine import cpu_name  # noqa: E402
from tests.integration import test_service as kt  # noqa: E402
from tests.integration.test_poll import BODY, RSS, page, rss  # noqa: E402
from tests.servers import LoopbackHTTPServer, Reply  # noqa: E402


def serve(srv: LoopbackHTTPServer, feeds: int, entries: int, delay_s: float) -> dict[str, str]:
    now = datetime.now(UTC).replace(microsecond=0)
    urls = {}
    for f in range(feeds):
        items = []
        for i in range(entries):
            path = f"/n/{f}/{i}.html"
            title = f"한미일 공급망 협력 {f}-{i}" if i % 2 else f"지역 소식 {f}-{i}"
            srv.route(
                path,
                Reply(
                    body=page(title, [*BODY, f"기사 {f}-{i}."]),
                    headers=kt.HTML,
                    delay_s=delay_s * (1 + f % 4),
                ),
            )  # feeds finish one after another
            items.append({"title": title, "link": srv.url(path), "date": now - timedelta(hours=i + f)})
        srv.route(f"/f{f}.xml", Reply(body=rss(items), headers={"Content-Type": RSS}))
        urls[f"feed{f}"] = srv.url(f"/f{f}.xml")
    return urls


def stored_sources(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM article_sources").fetchone()[0]
    except sqlite3.Error:
        return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--feeds", type=int, default=12)
    ap.add_argument("--entries", type=int, default=10)
    ap.add_argument("--page-delay-ms", type=int, default=150)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"machine: {platform.machine()} {cpu_name()} ×{os.cpu_count()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp, LoopbackHTTPServer() as srv:
        root = Path(tmp)
        urls = serve(srv, args.feeds, args.entries, args.page_delay_ms / 1000)
        (root / "ref").mkdir()
        (root / "killed").mkdir()
        ref = kt.service_config(root / "ref", urls)
        t0 = time.monotonic()
        done = kt.monitor(ref, "poll")
        assert done.returncode == 0, done.stderr
        span = time.monotonic() - t0
        print(f"uninterrupted poll: {span:.1f}s")
        config = kt.service_config(root / "killed", urls)
        db = kt.db_path(config)
        total = args.feeds * args.entries
        unfinished = progressed = 0
        for n in range(args.kills):
            before = stored_sources(db)
            seen = len(srv.requests)
            proc = kt.start(config)
            if n % 3 == 0:  # during start-up
                time.sleep(rng.uniform(0.0, 2.0))
            else:  # during the poll, from its first request on
                kt.wait_until(
                    lambda seen=seen, proc=proc: len(srv.requests) > seen or proc.poll() is not None,
                    timeout=15,
                )
                time.sleep(rng.uniform(0.0, span))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            after = stored_sources(db)
            unfinished += after < total  # killed with work left to do
            progressed += before < after < total  # ... after storing some feeds of it
        t1 = time.monotonic()
        proc = kt.start(config)
        kt.wait_ready(config, proc)
        while kt.feeds_done(config) < args.feeds:
            time.sleep(0.2)
            if time.monotonic() - t1 > 300:
                raise SystemExit("did not finish within 300 s after the last restart")
        finish_s = time.monotonic() - t1
        code, err = kt.stop(proc)
        expected, got = kt.snapshot(kt.db_path(ref)), kt.snapshot(db)
        same = {k: expected[k] == got[k] for k in expected}
        print(
            f"kills: {args.kills} (seed {args.seed}); with feeds left to store: {unfinished}; "
            f"of those, after storing some feeds in that run: {progressed}"
        )
        print(
            f"finished {args.feeds} feeds × {args.entries} entries {finish_s:.1f}s after the last restart; "
            f"SIGTERM exit code {code}"
        )
        print(
            f"articles {len(got['articles'])}/{len(expected['articles'])}, sources {len(got['sources'])}/"
            f"{len(expected['sources'])}, matches {len(got['matches'])}/{len(expected['matches'])}; "
            f"agree: {same}; integrity checks passed"
        )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0 if all(same.values()) and code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
