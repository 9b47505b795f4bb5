"""Sources (issue 15): what the per-article rules cost, and how long `monitor feeds check` takes.

    python bench/bench_sources.py [--feeds 66] [--items 30]

Prints: detect_language per article (Korean and English, 2,500 characters), the aggregator credit per
news-search entry, parsing a 100-item news-search feed (its <source> elements send it to feedparser,
not the lxml fast path) against the same feed without them, and the wall time of a check of ``--feeds``
loopback feeds (the shipped list's size), a fifth of them broken (HTML page, zombie, 404, redirect).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import describe  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.ingest.aggregator import credit  # noqa: E402
from monitor.ingest.parse import parse_feed  # noqa: E402
from monitor.lang.detect import detect_language  # noqa: E402
from monitor.models import FeedEntry  # noqa: E402
from monitor.sources.check import run_checks  # noqa: E402
from tests.servers import LoopbackHTTPServer, Reply  # noqa: E402

KO = ("정부는 한미일 공급망 협력 강화를 위해 반도체와 배터리 분야 실무 협의를 이어가기로 했다. " * 40)[:2500]
EN = ("The three governments agreed to deepen supply chain cooperation on chips and batteries. " * 40)[:2500]


def per_call_us(fn, arg, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn(arg)
    return (time.perf_counter() - start) / n * 1e6


def news_search_feed(n: int, *, with_source: bool) -> bytes:
    now = datetime.now(UTC)
    items = []
    for i in range(n):
        src = '<source url="https://www.yna.co.kr">연합뉴스</source>' if with_source else ""
        items.append(
            f"<item><title>공급망 점검 회의 {i} - 연합뉴스</title>"
            f"<link>https://news.google.com/rss/articles/CBMi{i:06d}?oc=5</link>"
            f'<guid isPermaLink="false">CBMi{i:06d}</guid>'
            f"<pubDate>{format_datetime(now - timedelta(minutes=i))}</pubDate>"
            f"<description>공급망 점검 회의 {i}</description>{src}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>검색</title>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def best_of(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=66)
    parser.add_argument("--items", type=int, default=30)
    args = parser.parse_args()
    print(describe())

    print(
        f"detect_language, 2,500 chars: ko {per_call_us(detect_language, KO, 20000):.1f} µs, "
        f"en {per_call_us(detect_language, EN, 20000):.1f} µs per article"
    )
    entry = FeedEntry(
        "g",
        "guid",
        "美 상무부, 삼성 VEU 유지 - 연합뉴스",
        "https://news.google.com/rss/articles/x",
        "美 상무부, 삼성 VEU 유지  연합뉴스",
        source_title="연합뉴스",
        source_url="https://www.yna.co.kr",
    )
    print(f"aggregator credit: {per_call_us(credit, entry, 20000):.1f} µs per news-search entry")

    with_src, without = news_search_feed(100, with_source=True), news_search_feed(100, with_source=False)
    url = "https://news.google.com/rss/search?q=x"
    a = best_of(lambda: parse_feed(with_src, headers={}, url=url))
    b = best_of(lambda: parse_feed(without, headers={}, url=url))
    c = best_of(lambda: parse_feed(with_src, headers={}, url=url, fast=False))
    print(
        f"parse a 100-item news-search feed: {a * 1000:.1f} ms with <source> (fast path), "
        f"{b * 1000:.1f} ms without, {c * 1000:.1f} ms through feedparser"
    )

    now = datetime.now(UTC)
    fresh = news_search_feed(args.items, with_source=False)
    zombie = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>z</title><item><title>old</title>'
        f"<link>https://n.example/1</link><pubDate>{format_datetime(now - timedelta(days=200))}</pubDate>"
        "</item></channel></rss>"
    ).encode()
    html = b"<html><head><link rel='alternate' type='application/rss+xml' href='/rss.xml'></head></html>"
    with LoopbackHTTPServer() as srv, tempfile.TemporaryDirectory() as tmp:
        srv.route("/ok.xml", Reply(body=fresh, headers={"Content-Type": "application/rss+xml"}))
        srv.route("/zombie.xml", Reply(body=zombie, headers={"Content-Type": "application/rss+xml"}))
        srv.route("/page", Reply(body=html, headers={"Content-Type": "text/html"}))
        srv.route("/moved", Reply(status=301, headers={"Location": srv.url("/ok.xml")}))
        kinds = ["/ok.xml"] * 16 + ["/zombie.xml", "/page", "/gone", "/moved"]
        lines = [
            '[storage]\npath = "data/monitor.db"\n[fetch]\nallow_private_networks = true\n'
            'per_host_concurrency = 8\nper_host_delay = "0s"\n'
        ]
        for i in range(args.feeds):
            lines.append(f'[[feeds]]\nname = "f{i}"\nurl = "{srv.url(kinds[i % len(kinds)])}?n={i}"\n')
        cfg = Path(tmp) / "monitor.toml"
        cfg.write_text("\n".join(lines), encoding="utf-8")
        config = load_config(cfg)
        start = time.perf_counter()
        checks = run_checks(config.feeds, config.fetch, state_path=Path(tmp) / "state.json")
        wall = time.perf_counter() - start
    bad = sum(not c.usable for c in checks)
    print(
        f"feeds check of {args.feeds} loopback feeds ({args.items} items each, {bad} not usable): "
        f"{wall:.2f} s wall (per_host_concurrency 8, no delay; one host)"
    )


if __name__ == "__main__":
    main()
