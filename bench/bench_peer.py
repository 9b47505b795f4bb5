"""Our poll cycle against a peer's, in one run on the same loopback feeds: wall time and peak memory.

    pip install -e ".[bench]"     # the peer, lemon24/reader; not a dependency of the monitor
    python bench/bench_peer.py [--feeds 1000] [--entries 30] [--latency-ms 50] [--workers 1,4,16,32]

One feed farm (bench/feed_farm.py: 1,000 feeds × 30 entries on 200 loopback hosts, 50 ms added latency)
serves both. Each measurement runs in its own fresh process with a fresh database, so its peak memory is
its own: ours is one ``run_poll`` (fetch, parse, key, store, cluster into stories; summaries only, as
bench_poll.py), reader's one ``update_feeds(workers=N)`` after ``add_feed`` for every URL (fetch, parse,
store). ``--ours auto,stories-off`` also runs ours without story clustering and prints how much of ours
clustering is. Peak memory is sampled every 100 ms over the whole process tree (reading PSS is not
free), so our worker processes (parsing, story features) and the forkserver count in our figure;
reader's workers are threads and count anyway.
The ratio uses PSS, which counts a page shared between processes once; summed RSS (which counts it in
every process) is printed too. The issue's target: at least 5× faster than reader's best worker
setting, at no more than its memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from feed_farm import running_farm  # noqa: E402
from machine import describe  # noqa: E402


class TreePeak:
    """Peak memory of this process plus all its descendants, sampled in a thread: the sum of RSS, and the
    sum of PSS (proportional set size: a page shared by the forkserver and its workers counts once in
    total, split between them, where summed RSS counts it in each)."""

    def __init__(self, every_s: float = 0.1) -> None:
        import psutil

        self._proc = psutil.Process()
        self._psutil = psutil
        self._every = every_s
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        # CPU seconds per process as last sampled: the parser workers are the forkserver's children, not
        # ours, so getrusage(RUSAGE_CHILDREN) never sees them; sampling misses at most their last 0.1 s.
        self._cpu: dict[int, float] = {}
        self._cpu_start = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rss = pss = 0
        for proc in (self._proc, *self._proc.children(recursive=True)):
            try:
                info = proc.memory_full_info()
            except self._psutil.Error:
                continue
            rss += info.rss
            pss += info.pss
            with contextlib.suppress(self._psutil.Error):
                times = proc.cpu_times()
                self._cpu[proc.pid] = times.user + times.system
        self.peak_mb = max(self.peak_mb, rss / (1024 * 1024))
        self.peak_pss_mb = max(self.peak_pss_mb, pss / (1024 * 1024))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self._every)

    @property
    def cpu_s(self) -> float:
        """CPU seconds used by the process tree since ``__enter__``."""
        return sum(self._cpu.values()) - self._cpu_start

    def __enter__(self) -> TreePeak:
        times = self._proc.cpu_times()
        self._cpu_start = times.user + times.system
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()


def child_ours(farm: dict, feeds: int, tmp: Path, parsing: str = "auto") -> dict:
    from bench_poll import write_config

    from monitor import pipeline
    from monitor.config import load_config
    from monitor.pipeline import run_poll
    from monitor.store import Store

    if parsing == "threads":  # never start parser worker processes (the default since the lxml fast path)
        pipeline.PARSE_IN_PROCESSES_FROM = None
    elif parsing == "processes":
        pipeline.PARSE_IN_PROCESSES_FROM = 1

    config_path = tmp / "monitor.toml"
    write_config(config_path, farm["port"], farm["hosts"], feeds)
    if parsing == "stories-off":  # everything but the story clustering: how much of ours it is
        with config_path.open("a", encoding="utf-8") as f:
            f.write("\n[stories]\nenabled = false\n")
    config = load_config(config_path)
    with Store.open(config.storage.path) as store, TreePeak() as peak:
        t0 = time.perf_counter()
        report = run_poll(config, store)  # its parser workers have exited when it returns
        wall = time.perf_counter() - t0
        stored = store.counts()["article_sources"]
    return {
        "wall_s": wall,
        "cpu_s": peak.cpu_s,
        "peak_mb": peak.peak_mb,
        "peak_pss_mb": peak.peak_pss_mb,
        "entries": stored,
        "errors": sum(r.status == "error" for r in report.feeds),
    }


def child_reader(farm: dict, feeds: int, tmp: Path, workers: int) -> dict:
    import logging

    from reader import make_reader

    logging.getLogger("reader").setLevel(logging.CRITICAL)
    reader = make_reader(str(tmp / "reader.sqlite"), search_enabled=False)
    for n in range(feeds):
        reader.add_feed(f"http://{farm['hosts'][n % len(farm['hosts'])]}:{farm['port']}/feed/{n}.xml")
    with TreePeak() as peak:
        t0 = time.perf_counter()
        reader.update_feeds(workers=workers)
        wall = time.perf_counter() - t0
    counts = reader.get_entry_counts()
    errors = sum(1 for f in reader.get_feeds() if f.last_exception)
    reader.close()
    return {
        "wall_s": wall,
        "cpu_s": peak.cpu_s,
        "peak_mb": peak.peak_mb,
        "peak_pss_mb": peak.peak_pss_mb,
        "entries": counts.total,
        "errors": errors,
    }


def run_child(what: str, farm: dict, feeds: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, "--farm", json.dumps(farm), "--feeds", str(feeds)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--workers", default="1,4,16,32", help="reader worker settings to try")
    p.add_argument(
        "--ours",
        default="auto",
        help="our settings to try, comma-separated: auto (the pipeline's own choice), "
        "threads (never parser processes), processes (always), stories-off (no story "
        "clustering: the rest of the poll; not a candidate for the ratio)",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--farm", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        farm = json.loads(args.farm)
        with tempfile.TemporaryDirectory() as tmp:
            if args.child.startswith("ours"):
                result = child_ours(farm, args.feeds, Path(tmp), args.child.partition(":")[2] or "auto")
            else:
                result = child_reader(farm, args.feeds, Path(tmp), int(args.child.split(":")[1]))
        print(json.dumps(result))
        return 0

    import reader

    print("machine:", describe())
    with running_farm(args.feeds, args.entries, args.hosts, args.latency_ms) as farm:
        print(
            f"{args.feeds} feeds × {args.entries} entries on {args.hosts} loopback hosts, "
            f"{args.latency_ms:.0f} ms latency; reader {reader.__version__}"
        )
        results: dict[str, dict] = {}
        ours_runs = [f"ours:{o}" if o != "auto" else "ours" for o in args.ours.split(",")]
        for what in [*ours_runs, *(f"reader:{w}" for w in args.workers.split(","))]:
            r = results[what] = run_child(what, farm, args.feeds)
            print(
                f"  {what:15s} {r['wall_s']:6.2f} s wall, {r['cpu_s']:6.2f} s CPU, "
                f"peak memory of the process tree: PSS "
                f"{r['peak_pss_mb']:6.1f} MB, RSS {r['peak_mb']:6.1f} MB; "
                f"entries stored {r['entries']}, feed errors {r['errors']}",
                flush=True,
            )
    # stories-off does less work than the other two, so it is shown but never compared with reader.
    candidates = [(k, v) for k, v in results.items() if k.startswith("ours") and k != "ours:stories-off"]
    ours_name, ours = min(candidates, key=lambda kv: kv[1]["wall_s"])
    best_name, best = min(
        ((k, v) for k, v in results.items() if k.startswith("reader")), key=lambda kv: kv[1]["wall_s"]
    )
    speed = best["wall_s"] / ours["wall_s"]
    memory = ours["peak_pss_mb"] / best["peak_pss_mb"]
    memory_rss = ours["peak_mb"] / best["peak_mb"]
    print(
        f"reader's best: {best_name}; ours ({ours_name}) is {speed:.1f}× faster (target ≥ 5×) at "
        f"{memory:.2f}× its peak memory by PSS, {memory_rss:.2f}× by summed RSS (target ≤ 1)"
    )
    if "ours:stories-off" in results and ours_name == "ours":
        rest = results["ours:stories-off"]
        print(
            f"story clustering in ours: about {ours['wall_s'] - rest['wall_s']:.1f} s wall, "
            f"{ours['cpu_s'] - rest['cpu_s']:.1f} CPU-s and "
            f"{ours['peak_pss_mb'] - rest['peak_pss_mb']:.0f} MB "
            f"PSS (the poll without it: {rest['wall_s']:.1f} s, {rest['cpu_s']:.1f} CPU-s, "
            f"{rest['peak_pss_mb']:.0f} MB; {best['wall_s'] / rest['wall_s']:.1f}× reader's speed)"
        )
    print("load average at the end:", describe().rsplit("load average ", 1)[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
