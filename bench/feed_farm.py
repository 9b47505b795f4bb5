"""A farm of RSS feeds on loopback, in its own process, for benchmarks.

    python bench/feed_farm.py --feeds 1000 --entries 30 --hosts 200 --latency-ms 50

Each of ``--hosts`` loopback addresses (127.0.1.1, 127.0.1.2, …; Linux routes all of 127/8 to lo)
listens on one port and serves ``/feed/N.xml`` for its share of the feeds, after ``--latency-ms``, with an
ETag so a second poll gets 304s. Article pages ``/article/N/M.html`` are served too. It prints one JSON
line {"port": P, "hosts": [...]} when ready and runs until killed. Only loopback addresses are used.

``GET /_next`` (any host) moves every feed on by ``--new-per-cycle`` items: the newest items appear at the
top and as many old ones fall off the bottom, as on a live news feed (bench/bench_soak.py calls it
between cycles; without it the feeds never change).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

TOPICS = [
    "반도체 공급망",
    "배터리 핵심광물",
    "수출통제",
    "청정에너지",
    "바이오 공급망",
    "날씨",
    "증시",
    "축구",
]


ANCHOR = datetime(2026, 11, 23, tzinfo=UTC)


def feed_xml(
    base: str, n: int, entries: int, first: int = 0, *, anchor: datetime = ANCHOR, step_minutes: float = 1.0
) -> bytes:
    """Feed ``n`` with items ``first + entries - 1`` (newest, on top) down to ``first``; item ``m`` of a
    moved-on feed is dated ``anchor + m × step_minutes`` (less ``n`` minutes, so feeds differ)."""
    items = []
    for m in range(first + entries - 1, first - 1, -1) if first else range(entries):
        topic = TOPICS[(n + m) % len(TOPICS)]
        if first:
            when = format_datetime(anchor + timedelta(minutes=m * step_minutes - n))
        else:
            when = format_datetime(anchor - timedelta(minutes=n + m * step_minutes))
        items.append(
            f"<item><title>{topic} 관련 기사 {n}-{m}: 정부와 업계가 대응책을 논의했다</title>"
            f'<link>{base}/article/{n}/{m}.html</link><guid isPermaLink="false">feed{n}-item{m}</guid>'
            f"<pubDate>{when}</pubDate><description>{topic}에 관한 {n}번 피드의 {m}번째 기사 요약이다. "
            "관계 부처는 후속 조치를 이어가기로 했으며 업계는 영향을 주시하고 있다.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>벤치마크 피드 {n}</title><link>{base}/</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def article_html(n: int, m: int) -> bytes:
    topic = TOPICS[(n + m) % len(TOPICS)]
    paras = "".join(
        f"<p>{topic}와 관련해 정부와 업계는 {k}번째 대응 방안을 논의했다. 관계자는 협력을 강화하겠다고 밝혔다.</p>"
        for k in range(12)
    )
    return (
        f"<html lang='ko'><head><meta charset='utf-8'><title>{topic} {n}-{m}</title></head><body>"
        f"<nav>홈 경제 정치</nav><article><h1>{topic} 관련 기사 {n}-{m}</h1>{paras}</article>"
        "<aside><h3>주요 뉴스</h3><ul><li>다른 기사</li></ul></aside></body></html>"
    ).encode()


async def serve(args: argparse.Namespace) -> None:
    hosts = [f"127.0.1.{i + 1}" for i in range(args.hosts)]
    cache: dict[str, tuple[bytes, str, str]] = {}
    state = {"first": 0}
    anchor = datetime.fromisoformat(args.anchor) if args.anchor else ANCHOR

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                host = headers.get("host", "127.0.1.1")
                await asyncio.sleep(args.latency_ms / 1000)
                if path == "/_next":
                    state["first"] += args.new_per_cycle
                    cache.clear()
                    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                key = host + path
                if key not in cache:
                    base = f"http://{host}"
                    if path.startswith("/feed/"):
                        body, ctype = (
                            feed_xml(
                                base,
                                int(path[6:].split(".")[0]),
                                args.entries,
                                state["first"],
                                anchor=anchor,
                                step_minutes=args.minutes_per_item,
                            ),
                            "application/rss+xml; charset=utf-8",
                        )
                    elif path.startswith("/article/"):
                        _, _, n, m = path.split("/")
                        body, ctype = article_html(int(n), int(m.split(".")[0])), "text/html; charset=utf-8"
                    else:
                        body, ctype = b"not found", "text/plain"
                    cache[key] = (body, ctype, '"' + hashlib.md5(body).hexdigest() + '"')
                body, ctype, etag = cache[key]
                if headers.get("if-none-match") == etag:
                    writer.write(
                        f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode()
                    )
                else:
                    writer.write(
                        f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nETag: {etag}\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, hosts[0], 0)]
    port = servers[0].sockets[0].getsockname()[1]
    for host in hosts[1:]:
        servers.append(await asyncio.start_server(handle, host, port))
    print(json.dumps({"port": port, "hosts": hosts}), flush=True)
    await asyncio.Event().wait()


@contextlib.contextmanager
def running_farm(feeds: int, entries: int, hosts: int, latency_ms: float, *extra: str) -> Iterator[dict]:
    """The farm in its own process (so it doesn't share the poller's GIL), for a benchmark's duration:
    yields {"port", "hosts", "pid"} once it listens; ``extra`` are more of its command-line options."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__)),
            "--feeds",
            str(feeds),
            "--entries",
            str(entries),
            "--hosts",
            str(hosts),
            "--latency-ms",
            str(latency_ms),
            *extra,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield {**json.loads(proc.stdout.readline()), "pid": proc.pid}  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--feeds", type=int, default=1000)
    p.add_argument("--entries", type=int, default=30)
    p.add_argument("--hosts", type=int, default=200)
    p.add_argument("--latency-ms", type=float, default=50)
    p.add_argument("--new-per-cycle", type=int, default=1, help="items each feed gains on GET /_next")
    p.add_argument(
        "--minutes-per-item",
        type=float,
        default=1.0,
        help="news time between a feed's consecutive items (bench_soak moves an hour a cycle, so "
        "the 72 h story window fills and then evicts)",
    )
    p.add_argument(
        "--anchor",
        help="ISO time items are dated from (default 2026-11-23T00:00Z); keep it "
        "far enough in the past that no item is dated in the future (they would be clamped)",
    )
    args = p.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
