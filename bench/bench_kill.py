"""SIGKILL `monitor run` at random moments many times, restart it, and compare the database with one
uninterrupted poll of the same loopback feeds (the long form of tests/integration/test_service.py).

    python bench/bench_kill.py [--kills 30] [--feeds 12] [--entries 10] [--page-delay-ms 300] [--seed 6]

Every kill lands with work left: once a database has every feed stored, a new round starts on a fresh
one. Prints the kills, how many left feeds partly stored, the time to finish after each round's last
kill, the SIGTERM exit codes, and whether each round's articles, sources, matches and FTS index agree
with the uninterrupted poll (SQLite integrity, foreign-key and FTS checks must pass).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.machine import describe  # noqa: E402
from tests.integration import test_service as kt  # noqa: E402
from tests.servers import LoopbackHTTPServer  # noqa: E402


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
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as tmp, LoopbackHTTPServer() as srv:
        root = Path(tmp)
        urls = kt.serve_feeds(
            srv, feeds=args.feeds, entries=args.entries, page_delay_s=args.page_delay_ms / 1000
        )  # feeds finish one after another
        (root / "ref").mkdir()
        ref = kt.service_config(root / "ref", urls)
        t0 = time.monotonic()
        done = kt.monitor(ref, "poll")
        assert done.returncode == 0, done.stderr
        span = time.monotonic() - t0
        print(f"uninterrupted poll: {span:.1f}s")
        total = args.feeds * args.entries
        expected = kt.snapshot(kt.db_path(ref))
        kills = progressed = rounds = 0
        finishes: list[float] = []
        exit_codes: list[int] = []
        disagree: list[str] = []
        # Rounds on fresh databases: once every feed is stored a restart has nothing to do until the
        # feeds' interval, so a kill then would test nothing. Every kill counted lands with work left.
        while kills < args.kills:
            rounds += 1
            (root / f"killed{rounds}").mkdir()
            config = kt.service_config(root / f"killed{rounds}", urls)
            db = kt.db_path(config)
            while kills < args.kills and stored_sources(db) < total:
                before = stored_sources(db)
                seen = len(srv.requests)
                proc = kt.start(config)
                if kills % 3 == 0:  # during start-up: imports, migrations, the lock, scheduling
                    time.sleep(rng.uniform(0.0, 2.0))
                else:  # during the poll, from its first request on
                    kt.wait_until(
                        lambda seen=seen, proc=proc: len(srv.requests) > seen or proc.poll() is not None,
                        timeout=15,
                    )
                    time.sleep(rng.uniform(0.0, span))
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=30)
                kills += 1
                progressed += before < stored_sources(db) < total  # stored some feeds, not all
            t1 = time.monotonic()
            proc = kt.start(config)
            kt.wait_ready(config, proc)
            while kt.feeds_done(config) < args.feeds:
                time.sleep(0.2)
                if time.monotonic() - t1 > 300:
                    raise SystemExit("did not finish within 300 s after the last restart")
            finishes.append(time.monotonic() - t1)
            code, _ = kt.stop(proc)
            exit_codes.append(code)
            got = kt.snapshot(db)  # also runs the integrity checks (asserts)
            disagree += [f"round {rounds}: {k}" for k in expected if expected[k] != got[k]]
        print(
            f"kills: {kills} (seed {args.seed}), every one with feeds left to store, over {rounds} fresh "
            f"database(s); kills after which some but not all feeds were stored: {progressed}"
        )
        print(
            f"after the last kill of a round, finishing took {min(finishes):.1f}–{max(finishes):.1f}s; "
            f"SIGTERM exit codes {sorted(set(exit_codes))}"
        )
        print(
            f"each round vs the uninterrupted poll ({len(expected['articles'])} articles, "
            f"{len(expected['sources'])} sources, {len(expected['matches'])} matches): "
            f"{'all agree' if not disagree else 'DISAGREE: ' + ', '.join(disagree)}; integrity checks passed"
        )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0 if not disagree and set(exit_codes) == {0} else 1


if __name__ == "__main__":
    raise SystemExit(main())
