"""End to end: articles per second through fetch → parse → extract → match → cluster → store, with every
article page served on loopback.

    python bench/bench_e2e.py [--feeds 100] [--entries 30] [--hosts 50] [--latency-ms 50] [--no-morphology]

bench/feed_farm.py serves the feeds and, for each entry, its article page (a Korean news page with
navigation, a related-news box and twelve paragraphs). One poll cycle in a fresh process and database,
with ``fetch_articles`` on for every feed and matching on against config/topics.toml (the Korean
analyser too, unless ``--no-morphology``), as a user runs it. Prints wall time, articles/s, what each
stage produced (pages extracted, articles matched and relevant, stories) and peak memory.

Clustering into stories is part of every poll cycle (monitor.stories), so its time is inside the figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from feed_farm import running_farm  # noqa: E402
from machine import children_rss_mb, describe  # noqa: E402


def write_config(path: Path, farm: dict, feeds: int, morphology: bool) -> None:
    lines = [
        '[storage]\npath = "e2e.db"\n',
        "[fetch]",
        "allow_private_networks = true",
        "total_concurrency = 64",
        "per_host_concurrency = 4",
        'per_host_delay = "0s"',
        "article_concurrency = 16",
        "",
        "[matching]",
        f'topics = "{ROOT / "config" / "topics.toml"}"',
        f"morphology = {'true' if morphology else 'false'}",
        "",
    ]
    for n in range(feeds):
        host = farm["hosts"][n % len(farm["hosts"])]
        lines += [
            "[[feeds]]",
            f'name = "e2e-{n}"',
            f'url = "http://{host}:{farm["port"]}/feed/{n}.xml"',
            "fetch_articles = true",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def one_run(config_path: str) -> None:
    """Child mode: one cycle; print a JSON line of figures."""
    from monitor.config import load_config
    from monitor.pipeline import run_poll
    from monitor.store import Store

    t_import = time.perf_counter()
    config = load_config(Path(config_path))
    with Store.open(config.storage.path) as store:
        t0 = time.perf_counter()
        report = run_poll(config, store)
        poll_s = time.perf_counter() - t0
        db = store.db
        pages = db.execute("SELECT count(*) FROM articles WHERE text_source = 'page'").fetchone()[0]
        relevant = db.execute("SELECT count(*) FROM matches WHERE relevant = 1").fetchone()[0]
        stories = db.execute("SELECT count(*) FROM stories").fetchone()[0]
        counts = store.counts()
    print(
        json.dumps(
            {
                "wall_s": poll_s,
                "poll_s": poll_s,
                "setup_s": t0 - t_import,
                "articles": counts["articles"],
                "pages": pages,
                "matched": counts["matches"],
                "relevant": relevant,
                "stories": stories,
                "failed_pages": sum(r.articles_failed for r in report.feeds),
                "feed_errors": sum(r.status == "error" for r in report.feeds),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "children_rss_mb": max(
                    children_rss_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                ),
            }
        )
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--feeds", type=int, default=100)
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--hosts", type=int, default=50)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--no-morphology", action="store_true", help="match without the Korean analyser")
    p.add_argument("--run", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.run:
        one_run(args.run)
        return 0
    print("machine:", describe())
    with (
        running_farm(args.feeds, args.entries, args.hosts, args.latency_ms) as farm,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config = Path(tmp) / "monitor.toml"
        write_config(config, farm, args.feeds, not args.no_morphology)
        print(
            f"{args.feeds} feeds × {args.entries} entries on {args.hosts} loopback hosts, "
            f"{args.latency_ms:.0f} ms latency, every article page fetched and extracted, matching on "
            f"({'without' if args.no_morphology else 'with'} the Korean analyser)"
        )
        out = subprocess.run(
            [sys.executable, __file__, "--run", str(config)], check=True, capture_output=True, text=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{r['articles']} articles in {r['wall_s']:.1f} s: {r['articles'] / r['wall_s']:.0f} articles/s "
        f"(start-up and config {r['setup_s']:.1f} s not counted)"
    )
    print(
        f"  pages extracted {r['pages']}, page failures {r['failed_pages']}, "
        f"feed errors {r['feed_errors']}, "
        f"matched {r['matched']} (relevant {r['relevant']}), "
        f"stories {r['stories']}"
    )
    print(f"  peak RSS {r['peak_rss_mb']:.0f} MB (+ {r['children_rss_mb']:.0f} MB largest parser worker)")
    print("load average at the end:", describe().rsplit("load average ", 1)[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
