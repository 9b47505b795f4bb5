"""Serve every feed of ../shared/corpus/feeds over loopback and poll them all in one cycle.

    python bench/bench_corpus_poll.py

Prints feeds polled and stored, entries stored, errors by kind, crashes (a crash is an exception that
escaped the pipeline, or a feed failing with kind "bug"), the wall time and the machine; then, for the
files that declare feedparser's ``Expect:``, how many agree with what was stored on title, link and
encoding (tests/corpus_expect.py) and each disagreement by category (``-v``: each file).
"""

from __future__ import annotations

import collections
import logging
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.config import load_config  # noqa: E402
from monitor.pipeline import run_poll  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.corpus_expect import check_corpus  # noqa: E402
from tests.corpus_feeds import corpus_config, corpus_files, serve_corpus  # noqa: E402
from tests.servers import LoopbackHTTPServer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "feeds"


def main() -> int:
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}: nothing to measure")
        return 1
    logging.getLogger("monitor").setLevel(logging.ERROR)  # ill-formed feeds are expected here
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    files = corpus_files(CORPUS)
    crashes = 0
    with LoopbackHTTPServer() as server, tempfile.TemporaryDirectory() as tmp:
        feeds = serve_corpus(server, CORPUS, files)
        config = load_config(corpus_config(Path(tmp) / "monitor.toml", feeds))
        with Store.open(config.storage.path) as store:
            t0 = time.perf_counter()
            try:
                report = run_poll(config, store)
            except Exception as exc:  # noqa: BLE001 - counting exactly this is the point
                print(f"CRASH: {type(exc).__name__}: {exc}")
                return 1
            wall = time.perf_counter() - t0
            counts = store.counts()
            by_group: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
            kinds: collections.Counter[str] = collections.Counter()
            for r in report.feeds:
                group = "/".join(r.feed.split("/")[:2])
                by_group[group][r.status] += 1
                if r.status == "error":
                    kinds[r.error_kind or "?"] += 1
                    crashes += r.error_kind == "bug"
            ill_formed = sum(1 for r in report.feeds if r.parse_problem)
            verdicts = check_corpus(store, CORPUS, files, server.url("").rstrip("/"))
    print(
        f"{len(files)} corpus files served, polled in {wall:.1f} s "
        f"(peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )
    ok = sum(1 for r in report.feeds if r.status == "ok")
    print(f"feeds stored OK: {ok}, failed: {len(report.feeds) - ok}, read despite problems: {ill_formed}")
    print(f"entries stored: {counts['article_sources']} (articles: {counts['articles']})")
    print("errors by kind: " + (", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "none"))
    for group, c in sorted(by_group.items()):
        print(f"  {group}: " + ", ".join(f"{k} {n}" for k, n in sorted(c.items())))
    outcomes = collections.Counter(v.outcome for v in verdicts.values())
    applicable = len(verdicts) - outcomes["n/a"]
    print(
        f"Expect: {len(verdicts)} files declare one; {applicable} are about title, link or encoding; "
        f"agree {outcomes['agree']}, agree as plain text {outcomes['agree as plain text']}, "
        f"disagree {outcomes['disagree']}"
    )
    categories = collections.Counter(v.category for v in verdicts.values() if v.outcome == "disagree")
    for category, n in categories.most_common():
        print(f"  {n:3d}  {category}")
        if "-v" in sys.argv:
            for name, v in sorted(verdicts.items()):
                if v.category == category:
                    print(f"         {name}: {v.detail[:160]}")
    print(f"crashes: {crashes}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
