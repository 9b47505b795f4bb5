"""Story clustering benchmark: speed, memory and pairwise quality; and the real knews-rss days.

    python bench/bench_cluster.py                 # 10k and 100k synthetic articles, then the knews days
    python bench/bench_cluster.py --sizes 10000   # one size
    python bench/bench_cluster.py --knews-only
    python bench/bench_cluster.py --farm          # a first poll's story stage: 1,000 feeds × 30 new items

Each synthetic size runs in its own process, so peak memory (ru_maxrss) is that run's alone; the
clustering's own share is reported as the peak minus the resident size before clustering started.
``main_cpu_seconds`` is the CPU time of the
deciding process: on a shared machine it varies less than wall time, so compare before/after with it. Wall
time covers canonical URLs and clustering (generation is not timed). Quality is pairwise precision/recall
against the generator's gold events.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_articles import generate  # noqa: E402
from machine import describe, loadavg, peak_rss_mb, rss_mb  # noqa: E402  (bench/ is on sys.path as a script)

from monitor.ingest.urls import canonical_url  # noqa: E402
from monitor.models import Assignment, ClusterItem  # noqa: E402
from monitor.stories import StoryClusterer, add_all, pairwise_cluster_metrics  # noqa: E402

KNEWS = ROOT.parent / "shared" / "corpus" / "feeds" / "korean" / "knews-rss"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(n: int, workers: int = 0) -> dict[str, object]:
    """Generate n articles, cluster them, return figures (runs inside its own process).

    With ``workers`` > 1 the per-article features are computed in that many worker processes
    (dedupe.add_all); their peak memory is reported separately (workers_peak_rss_mb, the largest one).
    """
    articles = generate(n)
    rss_before = rss_mb()
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    urls = [canonical_url(a.url) for a in articles]
    url_seconds = time.perf_counter() - start
    clusterer = StoryClusterer()
    items = [
        ClusterItem(a.article_id, a.title, a.text, url, a.published, outlet=a.outlet)
        for a, url in zip(articles, urls, strict=True)
    ]
    assignments: dict[int, Assignment] = {
        i.article_id: s for i, s in zip(items, add_all(clusterer, items, workers=workers), strict=True)
    }
    elapsed = time.perf_counter() - start
    main_cpu = _cpu_seconds() - cpu_before
    peak = peak_rss_mb()
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    predicted = {i: s.story_key for i, s in assignments.items()}
    gold = {a.article_id: a.event for a in articles}
    metrics = pairwise_cluster_metrics(predicted, gold)
    return {
        "articles": n,
        "events": len(set(gold.values())),
        "stories": len(set(predicted.values())),
        "seconds": round(elapsed, 2),
        "canonical_url_seconds": round(url_seconds, 2),
        "distinct_canonical_urls": len(set(urls)),
        "per_article_us": round(elapsed / n * 1e6, 1),
        # CPU time of this (the deciding) process: less sensitive than wall time to other jobs on a
        # shared machine, so before/after comparisons read it first.
        "main_cpu_seconds": round(main_cpu, 2),
        "peak_rss_mb": round(peak, 1),
        "clustering_rss_mb": round(peak - rss_before, 1),
        "workers": workers,
        "workers_peak_rss_mb": round(workers_peak, 1),
        "in_window_at_end": len(clusterer),
        "reasons": dict(Counter(s.reason for s in assignments.values())),
        **metrics,
        "by_kind": _by_kind(articles, predicted),
    }


def _by_kind(articles: list, predicted: dict[int, int]) -> dict[str, dict[str, float]]:
    """Pairwise figures per event kind (a story counts for the kind of its members' events)."""
    kinds = sorted({a.event.split("-")[0] for a in articles})
    out = {}
    for kind in kinds:
        ids = {a.article_id for a in articles if a.event.startswith(kind)}
        gold = {a.article_id: a.event for a in articles if a.article_id in ids}
        m = pairwise_cluster_metrics({i: predicted[i] for i in ids}, gold)
        out[kind] = {
            k.replace("cluster_", ""): v
            for k, v in m.items()
            if k in ("cluster_precision", "cluster_recall", "cluster_mixed_stories")
        }
    return out


def farm_items(feeds: int = 1000, entries: int = 30, hosts: int = 200) -> list[ClusterItem]:
    """The items a first poll of bench/feed_farm.py stores (titles and summaries, no article pages), in the
    (published, id) order the story tracker clusters them in; ids in feed order, as a poll stores them."""
    import feedparser
    from feed_farm import feed_xml

    items = []
    for n in range(feeds):
        base = f"http://127.0.1.{n % hosts + 1}:8080"
        for entry in feedparser.parse(feed_xml(base, n, entries)).entries:
            items.append(
                ClusterItem(
                    len(items) + 1,
                    entry.title,
                    entry.get("summary", ""),
                    canonical_url(entry.link),
                    _parsed_time(entry),
                    outlet=f"bench-{n}",
                )
            )
    return sorted(items, key=lambda i: (i.published, i.article_id))


def run_farm(feeds: int, entries: int) -> dict[str, object]:
    """The story stage of a first poll of ``feeds`` × ``entries`` new articles: one clusterer, one
    ``add`` per article in order, as monitor.stories.StoryTracker does (runs inside its own process)."""
    items = farm_items(feeds, entries)
    rss_before = rss_mb()
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    clusterer = StoryClusterer()
    assignments = [clusterer.add(item) for item in items]
    elapsed = time.perf_counter() - start
    return {
        "farm_articles": len(items),
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
        "per_article_us": round(elapsed / len(items) * 1e6, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "clustering_rss_mb": round(peak_rss_mb() - rss_before, 1),
        "stories": len({a.story_key for a in assignments}),
        "reasons": dict(Counter(a.reason for a in assignments)),
    }


def knews_items() -> list[ClusterItem]:
    """Both knews-rss days as ClusterItems, one per canonical URL (the second poll's duplicates dropped)."""
    import feedparser

    items: dict[str, ClusterItem] = {}
    for day in ("2022-07-29", "2022-07-30"):
        for path in sorted((KNEWS / day).glob("*.xml")):
            feed = feedparser.parse(str(path))
            outlet = path.name.split("-", 1)[0]
            for entry in feed.entries:
                url = canonical_url(entry.get("link", ""))
                if url in items:
                    continue
                content = entry.get("content", [{}])[0].get("value", "") if entry.get("content") else ""
                text = html.unescape(re.sub(r"<[^>]+>", "\n", content))
                published = _parsed_time(entry)
                items[url] = ClusterItem(
                    len(items) + 1, html.unescape(entry.get("title", "")), text, url, published, outlet=outlet
                )
    return list(items.values())


def _parsed_time(entry: dict) -> object:
    from datetime import UTC, datetime

    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*parsed[:6], tzinfo=UTC) if parsed else None


def run_knews() -> None:
    if not KNEWS.exists():
        print(f"knews-rss corpus not found at {KNEWS}; skipped")
        return
    from monitor.stories import cluster_items

    raw = sum(
        1
        for day in ("2022-07-29", "2022-07-30")
        for p in (KNEWS / day).glob("*.xml")
        for _ in re.finditer(r"<item>", p.read_text(encoding="utf-8"))
    )
    items = knews_items()
    start = time.perf_counter()
    assignments = cluster_items(items)
    elapsed = time.perf_counter() - start
    members: dict[int, list[ClusterItem]] = defaultdict(list)
    by_id = {i.article_id: i for i in items}
    for article_id, a in assignments.items():
        members[a.story_key].append(by_id[article_id])
    multi = [m for m in members.values() if len(m) > 1]
    print(
        f"\nknews-rss 2022-07-29 + 07-30: {raw} feed items → {len(items)} canonical URLs → "
        f"{len(members)} stories ({len(multi)} with 2+ articles, {sum(len(m) for m in multi)} articles "
        f"in them); "
        f"{elapsed:.2f} s"
    )
    print("reasons:", dict(Counter(a.reason for a in assignments.values())))
    print("cross-outlet stories:", sum(1 for m in multi if len({i.outlet for i in m}) > 1))
    for rank, story in enumerate(sorted(members.values(), key=lambda m: (-len(m), m[0].article_id))[:10], 1):
        outlets = Counter(i.outlet for i in story)
        print(f"\n#{rank}: {len(story)} articles, outlets {dict(outlets)}")
        for item in story[:12]:
            a = assignments[item.article_id]
            print(f"   [{a.reason:>14} {a.similarity:.2f}] {item.outlet:<11} {item.title[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size, JSON out
    parser.add_argument("--knews-only", action="store_true")
    parser.add_argument(
        "--farm",
        action="store_true",
        help="only the story stage of a first poll of bench/feed_farm.py's feeds",
    )
    parser.add_argument("--farm-feeds", type=int, default=1000)
    parser.add_argument("--farm-entries", type=int, default=30)
    parser.add_argument("--farm-one", action="store_true", help=argparse.SUPPRESS)  # internal: JSON out
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes computing article features (default: one per CPU; 0: none)",
    )
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.workers), ensure_ascii=False))
        return
    if args.farm_one:
        print(json.dumps(run_farm(args.farm_feeds, args.farm_entries), ensure_ascii=False))
        return
    import numpy

    print(f"machine: {describe()}, numpy {numpy.__version__}")
    if args.farm:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--farm-one",
                "--farm-feeds",
                str(args.farm_feeds),
                "--farm-entries",
                str(args.farm_entries),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        print("first poll's story stage:", out.stdout.strip())
        print(f"load average after: {loadavg()}")
        return
    if not args.knews_only:
        results = []
        for n in args.sizes:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--workers", str(args.workers)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(out.stdout)
            results.append(result)
            by_kind = result.pop("by_kind")
            print(json.dumps(result, ensure_ascii=False))
            print("   by kind:", json.dumps(by_kind, ensure_ascii=False))
        if len(results) == 2:
            small, large = results
            print(
                f"ratio {large['articles'] / small['articles']:.0f}× articles: time ×"
                f"{large['seconds'] / small['seconds']:.1f}, "
                f"peak RSS ×{large['peak_rss_mb'] / small['peak_rss_mb']:.1f}"
            )
    run_knews()


if __name__ == "__main__":
    main()
