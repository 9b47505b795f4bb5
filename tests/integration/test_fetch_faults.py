"""monitor.ingest.fetch against a real loopback server (tests/servers.py): sockets, faults, timing, limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import httpx
import pytest

from monitor.errors import BlockedAddress, FetchError, HTTPStatusError, ResponseTooLarge, TooManyRedirects
from monitor.ingest.fetch import PAGE_ACCEPT, Fetcher
from monitor.models import FetchResult, FetchSettings, Validators
from tests.servers import LoopbackHTTPServer, Reply, Request, closed_port, gzip_zeros

T = TypeVar("T")

SETTINGS = FetchSettings(
    connect_timeout_s=0.5,
    read_timeout_s=0.4,
    total_timeout_s=1.0,
    max_bytes=1_000_000,
    max_redirects=5,
    per_host_delay_s=0.0,
)
PUBLIC_IP = "93.184.216.34"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def fetch(url: str, settings: FetchSettings = SETTINGS, **kw: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, **kw)

    return run(go())


def fails(url: str, expected: type[FetchError] = FetchError, **kw: Any) -> FetchError:
    with pytest.raises(expected) as info:
        fetch(url, **kw)
    return info.value


# --------------------------------------------------------------------------------------------------
# Network faults
# --------------------------------------------------------------------------------------------------


def test_connection_refused() -> None:
    error = fails(f"http://127.0.0.1:{closed_port()}/feed.xml")
    assert error.kind == "connect" and type(error) is FetchError


def test_stalled_server_times_out(http_server: LoopbackHTTPServer) -> None:
    url = http_server.route("/stall", Reply(body=b"<rss/>", delay_s=3))
    started = time.monotonic()
    assert fails(url).kind == "timeout"
    assert time.monotonic() - started < 2


def test_slow_drip_is_cut_at_the_total_deadline(http_server: LoopbackHTTPServer) -> None:
    # A byte every 0.05 s never lets the 0.4 s read timeout fire; only the 1 s deadline stops it.
    url = http_server.route("/drip", Reply(body=b"x" * 10_000, chunk=1, drip_s=0.05))
    started = time.monotonic()
    error = fails(url)
    took = time.monotonic() - started
    assert error.kind == "timeout" and "within 1s" in str(error)
    assert SETTINGS.total_timeout_s - 0.1 <= took < SETTINGS.total_timeout_s + 1.5


def test_reset_mid_body(http_server: LoopbackHTTPServer) -> None:
    url = http_server.route("/reset", Reply(body=b"<rss>" + b"x" * 100_000, reset_after=1000))
    assert fails(url).kind == "network"


# --------------------------------------------------------------------------------------------------
# Statuses
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500])
def test_error_statuses(http_server: LoopbackHTTPServer, status: int) -> None:
    url = http_server.route("/x", Reply(status=status, body=b"no"))
    error = fails(url, HTTPStatusError)
    assert isinstance(error, HTTPStatusError)
    assert (error.status, error.kind, error.retry_after) == (status, "http_status", None)


def test_429_with_retry_after_seconds(http_server: LoopbackHTTPServer) -> None:
    url = http_server.route("/x", Reply(status=429, headers={"Retry-After": "90"}))
    error = fails(url, HTTPStatusError)
    assert isinstance(error, HTTPStatusError) and (error.kind, error.retry_after) == ("rate_limited", 90)


def test_429_with_retry_after_date(http_server: LoopbackHTTPServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)
    url = http_server.route("/x", Reply(status=429, headers={"Retry-After": when}))
    error = fails(url, HTTPStatusError)
    assert isinstance(error, HTTPStatusError) and error.retry_after is not None
    assert 290 <= error.retry_after <= 300


def test_503(http_server: LoopbackHTTPServer) -> None:
    url = http_server.route("/x", Reply(status=503, headers={"Retry-After": "30"}))
    error = fails(url, HTTPStatusError)
    assert isinstance(error, HTTPStatusError) and (error.kind, error.retry_after) == ("unavailable", 30)


def test_conditional_get_round_trip(http_server: LoopbackHTTPServer) -> None:
    etag, modified = '"r42"', "Mon, 02 Mar 2026 01:00:00 GMT"

    def feed(req: Request) -> Reply:
        if req.headers.get("If-None-Match") == etag and req.headers.get("If-Modified-Since") == modified:
            return Reply(status=304)  # and no validators repeated
        return Reply(body=b"<rss/>", headers={"ETag": etag, "Last-Modified": modified})

    url = http_server.route("/feed.xml", feed)

    async def go() -> tuple[FetchResult, FetchResult]:
        async with Fetcher(SETTINGS) as fetcher:
            first = await fetcher.fetch(url)
            again = await fetcher.fetch(url, validators=Validators(first.etag, first.last_modified))
            return first, again

    first, again = run(go())
    assert (first.status, first.content, first.etag, first.last_modified) == (200, b"<rss/>", etag, modified)
    assert (again.status, again.content, again.etag, again.last_modified) == (304, b"", etag, modified)
    assert http_server.hits("/feed.xml") == 2


def test_html_page_is_fetched_as_is(http_server: LoopbackHTTPServer) -> None:
    page = "<html><head><meta charset=utf-8></head><body><p>한미일 경제안보 협력</p></body></html>".encode()
    url = http_server.route("/news/1", Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"}))
    for accept in (PAGE_ACCEPT, None):
        result = fetch(url, accept=accept) if accept else fetch(url)
        assert result.content == page and result.headers["content-type"].startswith("text/html")
    assert http_server.requests[0].headers["Accept"] == PAGE_ACCEPT
    assert http_server.requests[0].headers["User-Agent"] == SETTINGS.user_agent


# --------------------------------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------------------------------


def test_redirect_chain_is_followed_and_recorded(http_server: LoopbackHTTPServer) -> None:
    http_server.route("/old", Reply(status=301, headers={"Location": "/mid"}))
    http_server.route("/mid", Reply(status=302, headers={"Location": "final.xml"}))
    http_server.route("/final.xml", Reply(body=b"<rss/>"))
    result = fetch(http_server.url("/old"))
    assert result.redirects == (http_server.url("/mid"), http_server.url("/final.xml"))
    assert result.final_url == http_server.url("/final.xml") and result.content == b"<rss/>"


def test_redirect_loop(http_server: LoopbackHTTPServer) -> None:
    http_server.route("/a", Reply(status=302, headers={"Location": "/b"}))
    http_server.route("/b", Reply(status=302, headers={"Location": "/a"}))
    error = fails(http_server.url("/a"), TooManyRedirects)
    assert "redirect loop" in str(error) and f"{http_server.url('/a')} → {http_server.url('/b')}" in str(
        error
    )


def test_redirect_chain_over_the_limit(http_server: LoopbackHTTPServer) -> None:
    for n in range(10):
        http_server.route(f"/r{n}", Reply(status=307, headers={"Location": f"/r{n + 1}"}))
    error = fails(http_server.url("/r0"), TooManyRedirects)
    assert "more than 5 redirects" in str(error) and http_server.url("/r6") in str(error)
    assert http_server.hits("/r6") == 0


# --------------------------------------------------------------------------------------------------
# Size caps
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_50mb_response_is_capped(http_server: LoopbackHTTPServer, declared: bool) -> None:
    body = b"x" * 50_000_000
    url = http_server.route("/huge", Reply(body=body, content_length=None if declared else -1))
    started = time.monotonic()
    error = fails(url, ResponseTooLarge)
    assert error.kind == "too_large" and time.monotonic() - started < 2


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_gzip_bomb_is_capped(http_server: LoopbackHTTPServer, declared: bool) -> None:
    bomb = gzip_zeros(200_000_000)  # ~200 KB on the wire
    reply = Reply(body=bomb, headers={"Content-Encoding": "gzip"}, content_length=None if declared else -1)
    url = http_server.route("/bomb", reply)
    assert "decoded" in str(fails(url, ResponseTooLarge))


# --------------------------------------------------------------------------------------------------
# Private-address guard
# --------------------------------------------------------------------------------------------------


def test_article_link_to_loopback_is_refused_by_default(http_server: LoopbackHTTPServer) -> None:
    http_server.route("/secret", Reply(body=b"internal"))
    for url in (
        http_server.url("/secret"),
        f"http://localhost:{http_server.port}/secret",
        f"http://2130706433:{http_server.port}/secret",
    ):
        error = fails(url, BlockedAddress, guard=True)
        assert url in str(error) and ("127.0.0.1" in str(error) or "(::1)" in str(error))  # localhost: either
    assert http_server.hits("/secret") == 0
    # The same URL as a configured feed is trusted, and allow_private_networks lifts the guard.
    allowed = replace(SETTINGS, allow_private_networks=True)
    assert fetch(http_server.url("/secret")).content == b"internal"
    assert fetch(http_server.url("/secret"), allowed, guard=True).content == b"internal"


class ToLoopback(httpx.AsyncBaseTransport):
    """The internet, played by the loopback server: every request goes there, whatever its URL names."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()
        self.hosts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_metadata_address_is_refused_by_default_and_allowed_on_request(
    http_server: LoopbackHTTPServer,
) -> None:
    # The real 169.254.169.254 is never contacted: ToLoopback stands in for the network.
    http_server.route("/latest/meta-data/", Reply(body=b"ami-id"))
    url = "http://169.254.169.254/latest/meta-data/"

    async def go(settings: FetchSettings) -> FetchResult:
        async with Fetcher(settings, transport=ToLoopback(http_server.port)) as fetcher:
            return await fetcher.fetch(url, guard=True)

    with pytest.raises(BlockedAddress, match="169.254.169.254"):
        run(go(SETTINGS))
    assert http_server.hits("/latest/meta-data/") == 0
    assert run(go(replace(SETTINGS, allow_private_networks=True))).content == b"ami-id"


async def _news_resolver(host: str, port: int) -> list[str]:
    table = {"news.example": [PUBLIC_IP], "intranet.example": ["10.20.30.40"]}
    if host not in table:
        raise OSError(f"unknown host {host}")
    return table[host]


@pytest.mark.parametrize(
    ("location", "address"),
    [
        ("http://127.0.0.1:{port}/secret", "127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]:{port}/secret", "::1"),
        ("http://intranet.example/secret", "10.20.30.40"),
    ],
)
def test_redirect_to_private_is_refused(http_server: LoopbackHTTPServer, location: str, address: str) -> None:
    target = location.format(port=http_server.port)
    http_server.route("/story", Reply(status=302, headers={"Location": target}))
    http_server.route("/secret", Reply(body=b"internal"))
    transport = ToLoopback(http_server.port)

    async def go() -> FetchError:
        async with Fetcher(SETTINGS, transport=transport, resolver=_news_resolver) as fetcher:
            with pytest.raises(BlockedAddress) as info:
                await fetcher.fetch("http://news.example/story", guard=True, accept=PAGE_ACCEPT)
            return info.value

    error = run(go())
    assert address in str(error) and target in str(error)
    assert transport.hosts == [PUBLIC_IP]  # the first hop went out (pinned), the second never did
    assert http_server.hits("/story") == 1 and http_server.hits("/secret") == 0
    assert http_server.requests[0].headers["Host"] == "news.example"


def test_redirect_between_public_hops_is_followed(http_server: LoopbackHTTPServer) -> None:
    http_server.route("/story", Reply(status=301, headers={"Location": "/story/amp"}))
    http_server.route("/story/amp", Reply(body=b"<html>ok</html>"))

    async def go() -> FetchResult:
        transport = ToLoopback(http_server.port)
        async with Fetcher(SETTINGS, transport=transport, resolver=_news_resolver) as fetcher:
            return await fetcher.fetch("http://news.example/story", guard=True)

    result = run(go())
    assert result.final_url == "http://news.example/story/amp" and result.content == b"<html>ok</html>"


# --------------------------------------------------------------------------------------------------
# Per-host limits
# --------------------------------------------------------------------------------------------------


def _fetch_many(srv: LoopbackHTTPServer, n: int, settings: FetchSettings) -> None:
    async def go() -> None:
        async with Fetcher(settings) as fetcher:
            await asyncio.gather(*(fetcher.fetch(srv.url(f"/slow?n={i}")) for i in range(n)))

    run(go())


def test_per_host_concurrency_of_one_is_never_exceeded(http_server: LoopbackHTTPServer) -> None:
    http_server.route("/slow", Reply(body=b"<rss/>", delay_s=0.1))
    _fetch_many(http_server, 5, replace(SETTINGS, per_host_concurrency=1))
    assert http_server.max_in_flight == 1 and http_server.hits("/slow") == 0  # paths carry ?n=
    assert len(http_server.requests) == 5


def test_server_does_see_overlap_when_allowed(http_server: LoopbackHTTPServer) -> None:
    # The control for the test above: the same load with three slots does overlap.
    http_server.route("/slow", Reply(body=b"<rss/>", delay_s=0.3))
    _fetch_many(http_server, 3, replace(SETTINGS, per_host_concurrency=3))
    assert http_server.max_in_flight >= 2


def test_politeness_spacing_is_kept(http_server: LoopbackHTTPServer) -> None:
    http_server.route("/slow", Reply(body=b"<rss/>"))
    _fetch_many(http_server, 4, replace(SETTINGS, per_host_concurrency=4, per_host_delay_s=0.2))
    arrivals = sorted(r.received_at for r in http_server.requests)
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    # Arrival is stamped in a server thread, a little after the client started, so allow for scheduling
    # jitter; without spacing all four would arrive within a few milliseconds.
    assert len(gaps) == 3 and min(gaps) >= 0.1 and arrivals[-1] - arrivals[0] >= 3 * 0.2 - 0.05
