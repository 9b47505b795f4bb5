"""Backtest and rematch on a large stored database: time, articles/s and peak memory.

    python bench/bench_rematch.py                  # 20,000 generated articles
    python bench/bench_rematch.py --articles 100000

A child process fills a fresh database with generated Korean news (bench/gen_articles.py), matched as a
poll would store them; this process then runs a backtest (against the shipped topics file with a higher
threshold and one more term) and `rematch --all`, so its peak RSS shows what streaming in batches costs,
not what building the database did. Times are CPU seconds of this process; wall time is printed too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe, loadavg, peak_rss_mb  # noqa: E402  (bench/ is on sys.path as a script)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(db: Path, n: int) -> None:
    """Fill ``db`` with ``n`` generated articles and their verdicts, 1,000 per poll-sized transaction."""
    from gen_articles import generate

    from monitor.match.matcher import load_matcher, verdict_row
    from monitor.models import Article, FeedReport, FeedSpec, FetchResult, ParsedFeed
    from monitor.store import SourceRef, Store

    matcher = load_matcher(ROOT / "config" / "topics.toml")
    with Store.open(db) as store:
        store.sync_feeds([FeedSpec("gen", "http://gen.example/rss")])
        state = store.feed_states()["gen"]
        generated = generate(n)
        for i in range(0, n, 1000):
            chunk = generated[i : i + 1000]
            articles = [
                Article(url=f"http://gen.example/{a.article_id}", link=a.url, title=a.title, text=a.text,
                        summary="", text_source="page", feed_name="gen", entry_id=str(a.article_id),
                        fetched_at=a.published, published=a.published, content_hash=f"h{a.article_id}")
                for a in chunk
            ]  # fmt: skip
            store.save_feed_success(
                state.id, report=FeedReport("gen", state.url, "ok", http_status=200, entries=len(chunk)),
                started_at=chunk[0].published, result=FetchResult(state.url, state.url, 200, {}, b""),
                parsed=ParsedFeed("gen", None, "rss20", "utf-8", ()), articles=articles,
                sources=[SourceRef(a.entry_id, "guid", a.url, a.link, "e") for a in articles],
                next_attempt_at=chunk[0].published,
                matches={a.url: verdict_row(matcher.match(a.title, a.text)) for a in articles},
            )  # fmt: skip


def changed_topics(tmp: Path) -> Path:
    text = (ROOT / "config" / "topics.toml").read_text(encoding="utf-8")
    text = text.replace("threshold = 0.5 ", "threshold = 0.8 ", 1)
    text = text.replace(
        '{ term = "조선 협력", weight = 0.6 },',
        '{ term = "조선 협력", weight = 0.6 },\n  { term = "수출 실적", weight = 1.0 },',
        1,
    )
    path = tmp / "changed_topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def timed(label: str, n: int, fn):  # type: ignore[no-untyped-def]
    c, w = time.process_time(), time.perf_counter()
    result = fn()
    cpu, wall = time.process_time() - c, time.perf_counter() - w
    rate = f" ({n / cpu:,.0f} articles/s)" if n else ""
    print(f"{label}: {cpu:.2f}s CPU{rate}, {wall:.2f}s wall; peak RSS {peak_rss_mb():.0f} MB")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument(
        "--no-morphology",
        action="store_true",
        help="never load kiwipiepy (~330 MB): peak RSS then shows what the batches cost",
    )
    parser.add_argument("--build", metavar="DB", help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.build:
        build(Path(args.build), args.articles)
        return 0
    print(describe())
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "bench.db"
        w = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--build", str(db), "--articles", str(args.articles)],
                       check=True)  # fmt: skip
        size = sum(p.stat().st_size for p in tmp.glob("bench.db*")) / 1e6
        print(f"built {args.articles:,} articles ({size:.0f} MB) in {time.perf_counter() - w:.1f}s (child)")

        from monitor.match.matcher import load_matcher
        from monitor.match.rescoring import backtest, rematch
        from monitor.store import Store

        morphology = not args.no_morphology
        current = load_matcher(ROOT / "config" / "topics.toml", morphology=morphology)
        new = load_matcher(changed_topics(tmp), morphology=morphology)
        print(
            f"after start-up: peak RSS {peak_rss_mb():.0f} MB"
            " (kiwipiepy, ~330 MB, loads if morphology decides)"
        )
        with Store.open(db) as store:
            report = timed("backtest (two configs)", args.articles, lambda: backtest(store, current, new))
            print(f"  relevant {report.relevant_before} → {report.relevant_after}: "
                  f"{len(report.newly_relevant)} newly, "
                  f"{len(report.no_longer_relevant)} no longer")  # fmt: skip
            again = timed("rematch (nothing stale)", 0, lambda: rematch(store, current))
            print(f"  re-scored {again.scanned}")
            everything = timed("rematch --all", args.articles, lambda: rematch(store, new, all_articles=True))
            print(f"  re-scored {everything.scanned} in {everything.batches} batches; "
                  f"{everything.changed_decision} changed decision")  # fmt: skip
    print(f"load average at the end {loadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
