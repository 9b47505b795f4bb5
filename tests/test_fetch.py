"""Unit tests for monitor.ingest.fetch through httpx.MockTransport (no sockets; see tests/integration for those)."""

from __future__ import annotations

import asyncio
import gzip
import logging
import random
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import BlockedAddress, FetchError, HTTPStatusError, ResponseTooLarge, TooManyRedirects
from monitor.ingest.fetch import (
    ACCEPT_ENCODING,
    FEED_ACCEPT,
    PAGE_ACCEPT,
    Fetcher,
    backoff_delay,
    next_attempt_delay,
    parse_retry_after,
)
from monitor.models import FetchResult, FetchSettings, Validators
from tests.servers import gzip_zeros

T = TypeVar("T")
Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)

SETTINGS = FetchSettings(
    connect_timeout_s=1.0, read_timeout_s=1.0, total_timeout_s=2.0, max_bytes=1_000_000, per_host_delay_s=0.0
)
PUBLIC_IP = "93.184.216.34"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def fetch(
    handler: Handler, url: str, settings: FetchSettings = SETTINGS, resolver: Any = None, **kw: Any
) -> FetchResult:
    """One fetch through a fresh Fetcher whose network is ``handler``."""

    async def go() -> FetchResult:
        async with Fetcher(settings, transport=httpx.MockTransport(handler), resolver=resolver) as fetcher:
            return await fetcher.fetch(url, **kw)

    return run(go())


def fails(handler: Handler, url: str, expected: type[FetchError] = FetchError, **kw: Any) -> FetchError:
    with pytest.raises(expected) as info:
        fetch(handler, url, **kw)
    return info.value


def ok(body: bytes = b"<rss/>", /, **headers: str) -> Handler:
    return lambda request: httpx.Response(200, content=body, headers=headers)


class Recorder:
    """A handler that answers from ``replies`` (path → response) and keeps every request."""

    def __init__(self, replies: dict[str, httpx.Response] | None = None) -> None:
        self.replies = replies or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.replies.get(request.url.path, httpx.Response(200, content=b"ok"))


class FakeResolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        if host not in self.table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return self.table[host]


async def chunks(data: bytes, size: int, pulled: list[int] | None = None) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        if pulled is not None:
            pulled.append(i)
        yield data[i : i + size]


def redirect(location: str, status: int = 302) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location})


# --------------------------------------------------------------------------------------------------
# Client and request headers
# --------------------------------------------------------------------------------------------------


def test_request_headers_say_who_we_are_and_what_we_take() -> None:
    rec = Recorder()
    fetch(rec, "http://feeds.example/rss")
    fetch(rec, "http://news.example/a", accept=PAGE_ACCEPT)
    feed, page = (r.headers for r in rec.requests)
    assert feed["User-Agent"] == SETTINGS.user_agent
    assert feed["Accept"] == FEED_ACCEPT and page["Accept"] == PAGE_ACCEPT
    assert feed["Accept-Encoding"] == ACCEPT_ENCODING == "gzip, deflate"  # no br: no bounded decoder for it
    assert "If-None-Match" not in feed and "If-Modified-Since" not in feed


def test_timeouts_come_from_settings() -> None:
    rec = Recorder()
    settings = FetchSettings(connect_timeout_s=3.0, read_timeout_s=7.0, per_host_delay_s=0)
    fetch(rec, "http://feeds.example/rss", settings)
    timeout = rec.requests[0].extensions["timeout"]
    assert timeout["connect"] == 3.0 and timeout["read"] == 7.0


def test_one_pool_per_host_reused_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[httpx.AsyncClient] = []

    class CountingClient(httpx.AsyncClient):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            made.append(self)

    monkeypatch.setattr(httpx, "AsyncClient", CountingClient)

    async def go() -> None:
        async with Fetcher(SETTINGS, transport=httpx.MockTransport(Recorder())) as fetcher:
            for n in range(3):
                await fetcher.fetch(f"http://h{n}.example/")
                await fetcher.fetch(f"http://h{n}.example/again")

    run(go())
    assert len(made) == 3 and all(c.is_closed for c in made)


def test_fetch_result_of_a_plain_200() -> None:
    result = fetch(ok(b"<rss/>", **{"Content-Type": "application/rss+xml"}), "http://feeds.example/rss")
    assert (result.status, result.content, result.url, result.final_url) == (
        200,
        b"<rss/>",
        "http://feeds.example/rss",
        "http://feeds.example/rss",
    )
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.redirects == () and not result.not_modified and result.elapsed_s >= 0


# --------------------------------------------------------------------------------------------------
# Conditional GET
# --------------------------------------------------------------------------------------------------


def test_validators_are_sent_and_304_is_empty() -> None:
    rec = Recorder({"/rss": httpx.Response(304)})
    sent = Validators(etag='"v1"', last_modified="Mon, 02 Mar 2026 01:00:00 GMT")
    result = fetch(rec, "http://feeds.example/rss", validators=sent)
    assert rec.requests[0].headers["If-None-Match"] == '"v1"'
    assert rec.requests[0].headers["If-Modified-Since"] == "Mon, 02 Mar 2026 01:00:00 GMT"
    assert result.not_modified and result.content == b""
    # The server left the validators out of its 304: the ones we hold stay valid.
    assert (result.etag, result.last_modified) == (sent.etag, sent.last_modified)


def test_304_with_new_validators_replaces_them() -> None:
    rec = Recorder({"/rss": httpx.Response(304, headers={"ETag": '"v2"'})})
    result = fetch(rec, "http://feeds.example/rss", validators=Validators(etag='"v1"', last_modified="x"))
    assert (result.etag, result.last_modified) == ('"v2"', "x")


def test_200_carries_its_validators_or_none() -> None:
    lm = "Tue, 03 Mar 2026 00:00:00 GMT"
    with_them = fetch(ok(ETag='"abc"', **{"Last-Modified": lm}), "http://f.example/")
    without = fetch(ok(), "http://f.example/", validators=Validators(etag='"old"'))
    assert (with_them.etag, with_them.last_modified) == ('"abc"', lm)
    assert (without.etag, without.last_modified) == (None, None)


# --------------------------------------------------------------------------------------------------
# Decoding and the size cap
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "packed"),
    [
        ("gzip", gzip.compress(b"<rss>hello</rss>")),
        ("x-gzip", gzip.compress(b"<rss>hello</rss>")),
        ("deflate", zlib.compress(b"<rss>hello</rss>")),
        ("deflate", zlib.compress(b"<rss>hello</rss>")[2:-4]),  # raw deflate, as some servers send
        ("identity", b"<rss>hello</rss>"),
    ],
)
def test_content_encodings_are_decoded(coding: str, packed: bytes) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(packed, 1), headers={"Content-Encoding": coding})

    assert fetch(handler, "http://f.example/").content == b"<rss>hello</rss>"


def test_corrupt_or_unsupported_encodings_fail_as_decode_errors() -> None:
    def streamed(body: bytes, coding: str) -> Handler:
        return lambda r: httpx.Response(200, content=chunks(body, 1024), headers={"Content-Encoding": coding})

    corrupt = streamed(b"\x1f\x8bnot gzip at all", "gzip")
    brotli = streamed(b"\x8b\x03\x80hello\x03", "br")
    stacked = streamed(gzip.compress(gzip.compress(b"x")), "gzip, gzip")
    for handler in (corrupt, brotli, stacked):
        assert fails(handler, "http://f.example/").kind == "decode"


def test_declared_length_over_cap_is_refused_before_reading() -> None:
    pulled: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = chunks(b"x" * 2_000_000, 65536, pulled)
        return httpx.Response(200, content=body, headers={"Content-Length": "2000000"})

    error = fails(handler, "http://f.example/big", ResponseTooLarge)
    assert pulled == [] and "2000000" in str(error) and error.kind == "too_large"


def test_undeclared_body_is_cut_at_the_cap() -> None:
    pulled: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(b"x" * 5_000_000, 65536, pulled))

    fails(handler, "http://f.example/big", ResponseTooLarge)
    assert len(pulled) <= SETTINGS.max_bytes // 65536 + 1


def test_body_of_exactly_the_cap_is_fine() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(b"x" * SETTINGS.max_bytes, 65536))

    assert len(fetch(handler, "http://f.example/").content) == SETTINGS.max_bytes


def test_a_response_the_transport_already_read_is_measured_too() -> None:
    # httpx.MockTransport reads bytes content up front; the cap still applies to what it holds.
    assert (
        fails(ok(b"x" * (SETTINGS.max_bytes + 1)), "http://f.example/", ResponseTooLarge).kind == "too_large"
    )
    assert (
        fetch(ok(gzip.compress(b"<rss/>"), **{"Content-Encoding": "gzip"}), "http://f.example/").content
        == b"<rss/>"
    )


def test_gzip_bomb_is_cut_early_without_inflating_it() -> None:
    bomb = gzip_zeros(50_000_000)
    pulled: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(bomb, 65536, pulled), headers={"Content-Encoding": "gzip"})

    tracemalloc.start()
    try:
        fails(handler, "http://f.example/bomb", ResponseTooLarge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(pulled) == 1  # 64 KiB of this bomb is ~64 MB: the first chunk already passes the cap
    assert peak < 8 * SETTINGS.max_bytes  # httpx's own decoder would have inflated the chunk whole


# --------------------------------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------------------------------


def test_redirect_chain_with_relative_locations() -> None:
    rec = Recorder(
        {
            "/old": redirect("/mid", 301),
            "/mid": redirect("new/feed.xml#top", 308),
            "/new/feed.xml": httpx.Response(200, content=b"<rss/>"),
        }
    )
    result = fetch(rec, "http://f.example/old")
    assert result.redirects == ("http://f.example/mid", "http://f.example/new/feed.xml")
    assert result.final_url == "http://f.example/new/feed.xml" and result.url == "http://f.example/old"
    assert result.content == b"<rss/>"


def test_redirect_across_hosts_and_303() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":
            return redirect("https://b.example/feed", 303)
        return httpx.Response(200, content=b"b")

    result = fetch(handler, "http://a.example/feed")
    assert result.final_url == "https://b.example/feed" and result.content == b"b"


def test_redirect_loop_is_named_with_its_chain() -> None:
    rec = Recorder({"/a": redirect("/b"), "/b": redirect("/a")})
    error = fails(rec, "http://f.example/a", TooManyRedirects)
    assert "redirect loop" in str(error) and error.kind == "redirects"
    assert "http://f.example/a → http://f.example/b → http://f.example/a" in str(error)
    assert len(rec.requests) <= SETTINGS.max_redirects


def test_self_redirect_loop() -> None:
    error = fails(lambda r: redirect(str(r.url)), "http://f.example/x", TooManyRedirects)
    assert str(error).startswith(
        "redirect loop: http://f.example/x → http://f.example/x → http://f.example/x"
    )


def test_bounce_back_once_is_not_a_loop() -> None:
    # The cookie check some news sites do: /article → /check (sets a cookie) → /article.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/check":
            return httpx.Response(302, headers={"Location": "/article", "Set-Cookie": "seen=1; Path=/"})
        if "seen=1" in request.headers.get("Cookie", ""):
            return httpx.Response(200, content=b"article")
        return redirect("/check")

    result = fetch(handler, "http://f.example/article")
    assert result.content == b"article" and len(result.redirects) == 2


def test_redirect_limit_comes_from_settings() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/"))
        return redirect(f"/{n + 1}") if n < 10 else httpx.Response(200)

    settings = FetchSettings(max_redirects=3, per_host_delay_s=0)
    error = fails(handler, "http://f.example/0", TooManyRedirects, settings=settings)
    assert "more than 3 redirects" in str(error) and "http://f.example/4" in str(error)
    assert fetch(handler, "http://f.example/7", settings).final_url == "http://f.example/10"


def test_broken_redirects() -> None:
    assert fails(lambda r: httpx.Response(302), "http://f.example/").kind == "bad_redirect"
    assert fails(lambda r: redirect("ftp://f.example/x"), "http://f.example/").kind == "invalid_url"
    garbled = fails(lambda r: redirect("http://[::1/"), "http://f.example/")
    assert garbled.kind == "network" and "Invalid URL in location header" in str(garbled)  # httpx's verdict


# --------------------------------------------------------------------------------------------------
# Failures
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, "http_status"),
        (410, "http_status"),
        (500, "http_status"),
        (429, "rate_limited"),
        (503, "unavailable"),
    ],
)
def test_error_statuses(status: int, kind: str) -> None:
    error = fails(lambda r: httpx.Response(status), "http://f.example/x", HTTPStatusError)
    assert isinstance(error, HTTPStatusError)
    assert (error.status, error.kind, error.retry_after) == (status, kind, None)
    assert str(error).startswith(f"HTTP {status}") and "http://f.example/x" in str(error)


def test_retry_after_in_seconds_and_as_a_date() -> None:
    in_seconds = fails(lambda r: httpx.Response(429, headers={"Retry-After": "120"}), "http://f.example/")
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=600), usegmt=True)
    as_date = fails(lambda r: httpx.Response(503, headers={"Retry-After": soon}), "http://f.example/")
    any_status = fails(lambda r: httpx.Response(500, headers={"Retry-After": "5"}), "http://f.example/")
    garbage = fails(lambda r: httpx.Response(429, headers={"Retry-After": "soon"}), "http://f.example/")
    assert isinstance(in_seconds, HTTPStatusError) and in_seconds.retry_after == 120
    assert isinstance(as_date, HTTPStatusError) and as_date.retry_after is not None
    assert 590 <= as_date.retry_after <= 600
    assert isinstance(any_status, HTTPStatusError) and any_status.retry_after == 5
    assert isinstance(garbage, HTTPStatusError) and garbage.retry_after is None


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connect"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "connect"),
        (httpx.ConnectTimeout("timed out"), "timeout"),
        (httpx.ReadTimeout("timed out"), "timeout"),
        (httpx.PoolTimeout("timed out"), "timeout"),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), "network"),
        (httpx.RemoteProtocolError("peer closed connection"), "network"),
        (httpx.ReadError(""), "network"),
    ],
)
def test_transport_errors_map_to_short_kinds(exc: httpx.TransportError, kind: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    error = fails(handler, "http://f.example/x")
    assert type(error) is FetchError and error.kind == kind and error.url == "http://f.example/x"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://f.example/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "/relative",
        "",
        "http://",
        "http://[::1/",
    ],
)
def test_invalid_urls_never_reach_the_network(url: str) -> None:
    rec = Recorder()
    assert fails(rec, url).kind == "invalid_url"
    assert rec.requests == []


def test_total_deadline_cuts_a_slow_drip() -> None:
    async def drip() -> AsyncIterator[bytes]:
        while True:  # each byte keeps any read timeout happy
            await asyncio.sleep(0.02)
            yield b"x"

    settings = FetchSettings(total_timeout_s=0.3, per_host_delay_s=0)
    started = time.monotonic()
    error = fails(lambda r: httpx.Response(200, content=drip()), "http://f.example/", settings=settings)
    assert error.kind == "timeout" and "0.3s" in str(error)
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------------------------------------
# Private-address guard
# --------------------------------------------------------------------------------------------------

NEVER = FakeResolver({})


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
        ("[::1]", "::1"),
        ("0.0.0.0", "0.0.0.0"),
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f.1", "127.0.0.1"),  # hex, short form
        ("127.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("10.1.2.3", "10.1.2.3"),
        ("172.16.0.1", "172.16.0.1"),
        ("192.168.0.1", "192.168.0.1"),
        ("100.64.0.1", "100.64.0.1"),  # CGNAT
        ("224.0.0.1", "224.0.0.1"),  # multicast
        ("240.0.0.1", "240.0.0.1"),  # reserved
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),  # IPv4-mapped
        ("[::ffff:a9fe:a9fe]", "::ffff:a9fe:a9fe"),
        ("[64:ff9b::a9fe:a9fe]", "64:ff9b::a9fe:a9fe"),  # NAT64 of 169.254.169.254
        ("[2002:7f00:1::]", "2002:7f00:1::"),  # 6to4 of 127.0.0.1
        ("[fe80::1]", "fe80::1"),
        ("[fc00::1]", "fc00::1"),
        ("[::]", "::"),
        ("[ff02::1]", "ff02::1"),
    ],
)
def test_literal_private_addresses_are_refused(host: str, address: str) -> None:
    rec = Recorder()
    url = f"http://{host}/latest/meta-data/"
    error = fails(rec, url, BlockedAddress, guard=True, resolver=NEVER)
    assert rec.requests == [] and NEVER.asked == []
    assert error.kind == "blocked" and address in str(error) and "/latest/meta-data/" in str(error)


def test_a_name_is_refused_if_any_of_its_addresses_is_private() -> None:
    rec = Recorder()
    resolver = FakeResolver({"news.example": [PUBLIC_IP, "10.0.0.7"]})
    error = fails(rec, "https://news.example/a", BlockedAddress, guard=True, resolver=resolver)
    assert "10.0.0.7" in str(error) and "https://news.example/a" in str(error)
    assert resolver.asked == [("news.example", 443)] and rec.requests == []


def test_public_http_is_pinned_to_the_vetted_address() -> None:
    rec = Recorder()
    resolver = FakeResolver({"news.example": [PUBLIC_IP]})
    result = fetch(rec, "http://news.example:8080/a?id=1", guard=True, resolver=resolver)
    (sent,) = rec.requests
    assert (sent.url.host, sent.url.port, sent.url.path, sent.url.query) == (PUBLIC_IP, 8080, "/a", b"id=1")
    assert sent.headers["Host"] == "news.example:8080"
    assert result.final_url == "http://news.example:8080/a?id=1" and resolver.asked == [
        ("news.example", 8080)
    ]


def test_public_https_keeps_its_name_for_tls() -> None:
    rec = Recorder()
    fetch(rec, "https://news.example/a", guard=True, resolver=FakeResolver({"news.example": [PUBLIC_IP]}))
    assert rec.requests[0].url.host == "news.example"


def test_public_literal_addresses_pass() -> None:
    rec = Recorder()
    fetch(rec, "http://134744072/x", guard=True, resolver=NEVER)  # 8.8.8.8 in decimal
    fetch(rec, "http://[2001:4860:4860::8888]/x", guard=True, resolver=NEVER)
    assert [r.url.host for r in rec.requests] == ["8.8.8.8", "2001:4860:4860::8888"]


def test_every_redirect_hop_is_guarded() -> None:
    rec = Recorder({"/go": redirect("http://intranet.example/admin")})
    resolver = FakeResolver({"news.example": [PUBLIC_IP], "intranet.example": ["192.168.1.10"]})
    error = fails(rec, "http://news.example/go", BlockedAddress, guard=True, resolver=resolver)
    assert "192.168.1.10" in str(error) and "http://intranet.example/admin" in str(error)
    assert len(rec.requests) == 1


def test_unresolvable_names_are_connect_errors() -> None:
    resolver = FakeResolver({"empty.example": []})
    assert fails(Recorder(), "http://nx.example/", guard=True, resolver=resolver).kind == "connect"
    assert fails(Recorder(), "http://empty.example/", guard=True, resolver=resolver).kind == "connect"


def test_slow_resolver_times_out() -> None:
    async def hang(host: str, port: int) -> list[str]:
        await asyncio.sleep(10)
        return [PUBLIC_IP]

    settings = FetchSettings(connect_timeout_s=0.1, per_host_delay_s=0)
    assert (
        fails(Recorder(), "http://slow.example/", guard=True, resolver=hang, settings=settings).kind
        == "timeout"
    )


def test_guard_is_off_for_trusted_urls_and_when_private_networks_are_allowed() -> None:
    rec = Recorder()
    fetch(rec, "http://127.0.0.1/feed", resolver=NEVER)
    allowed = FetchSettings(allow_private_networks=True, per_host_delay_s=0)
    fetch(rec, "http://169.254.169.254/x", allowed, resolver=NEVER, guard=True)
    fetch(rec, "http://intranet.example/x", allowed, resolver=NEVER, guard=True)
    assert len(rec.requests) == 3 and NEVER.asked == []
    assert rec.requests[2].url.host == "intranet.example"  # no pinning either


def test_system_resolver_sees_localhost_as_loopback() -> None:
    error = fails(Recorder(), "http://localhost:8080/", BlockedAddress, guard=True)
    assert "localhost" in str(error)


# --------------------------------------------------------------------------------------------------
# Per-host and total limits
# --------------------------------------------------------------------------------------------------


class Overlap:
    """An async handler that takes ``hold_s`` and records how many requests were ever in flight."""

    def __init__(self, hold_s: float = 0.05) -> None:
        self.hold_s = hold_s
        self.now = 0
        self.most = 0
        self.starts: dict[str, list[float]] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.starts.setdefault(request.url.host, []).append(time.monotonic())
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.hold_s)
        self.now -= 1
        return httpx.Response(200)


def fetch_all(handler: Overlap, urls: list[str], settings: FetchSettings) -> None:
    async def go() -> None:
        async with Fetcher(settings, transport=httpx.MockTransport(handler)) as fetcher:
            await asyncio.gather(*(fetcher.fetch(u) for u in urls))

    run(go())


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_per_host_concurrency(limit: int) -> None:
    handler = Overlap()
    fetch_all(
        handler,
        [f"http://one.example/{n}" for n in range(6)],
        FetchSettings(per_host_concurrency=limit, per_host_delay_s=0),
    )
    assert handler.most == limit


def test_total_concurrency_across_hosts() -> None:
    handler = Overlap()
    fetch_all(
        handler,
        [f"http://h{n}.example/" for n in range(8)],
        FetchSettings(total_concurrency=3, per_host_delay_s=0),
    )
    assert handler.most == 3


def test_politeness_spacing_between_starts_on_one_host() -> None:
    handler = Overlap(hold_s=0.0)
    urls = [f"http://one.example/{n}" for n in range(4)] + [f"http://two.example/{n}" for n in range(2)]
    fetch_all(handler, urls, FetchSettings(per_host_concurrency=4, per_host_delay_s=0.1))
    one = handler.starts["one.example"]
    assert all(b - a >= 0.1 - 0.02 for a, b in zip(one, one[1:], strict=False))  # 0.02: scheduling
    # Spacing is per host: the second host does not queue behind the first.
    assert handler.starts["two.example"][0] - one[0] < 0.1


# --------------------------------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------------------------------


def test_log_lines_carry_url_and_stage(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("monitor.ingest.fetch")
    logger.addHandler(caplog.handler)  # "monitor" may not propagate once setup_logging ran
    caplog.handler.setLevel(logging.DEBUG)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        fetch(Recorder(), "http://f.example/rss")
        fails(lambda r: httpx.Response(404), "http://f.example/gone")
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(old_level)
    records = [r for r in caplog.records if r.name == "monitor.ingest.fetch"]
    assert records and all(
        getattr(r, "stage", None) == "fetch" and getattr(r, "url", "").startswith("http://f.example/")
        for r in records
    )
    assert {r.levelno for r in records} == {logging.DEBUG}
    assert any("http_status" in r.getMessage() for r in records)


# --------------------------------------------------------------------------------------------------
# Retry arithmetic
# --------------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 0, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 0 ", 0.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("٣", None),  # a non-ASCII digit is not delta-seconds
        ("Mon, 02 Mar 2026 00:10:00 GMT", 600.0),
        ("Sun, 01 Mar 2026 00:00:00 GMT", 0.0),  # in the past: now
        ("Monday, 02-Mar-26 00:01:00 GMT", 60.0),  # RFC 850 form
        ("9" * 5000, None),
    ],
)
def test_parse_retry_after_examples(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@given(
    st.one_of(
        st.none(),
        st.text(),
        st.from_regex(r"\A[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{1,5} \d\d:\d\d:\d\d [A-Z+\-0-9]{1,5}\Z"),
    ),
    st.datetimes(timezones=st.sampled_from([UTC, None])),
)
def test_parse_retry_after_never_raises_never_negative(value: str | None, now: datetime) -> None:
    seconds = parse_retry_after(value, now)
    assert seconds is None or seconds >= 0


@given(st.integers(min_value=0, max_value=10**20))
def test_parse_retry_after_reads_any_delta(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == float(seconds)


class Extreme(random.Random):
    """An rng whose uniform() always picks the top (or bottom) of the range."""

    def __init__(self, top: bool) -> None:
        super().__init__()
        self.top = top

    def uniform(self, a: float, b: float) -> float:
        return b if self.top else a


def test_backoff_examples() -> None:
    top, bottom = Extreme(True), Extreme(False)
    assert backoff_delay(0, base_s=60, max_s=3600) == 0.0
    assert [backoff_delay(n, base_s=60, max_s=3600, rng=top) for n in range(1, 8)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert backoff_delay(3, base_s=60, max_s=3600, rng=bottom) == 120
    assert backoff_delay(10_000, base_s=60, max_s=3600, rng=top) == 3600


@given(st.integers(min_value=-5, max_value=5000), st.floats(0, 1e6), st.floats(0, 1e9), st.integers())
def test_backoff_is_bounded(failures: int, base_s: float, max_s: float, seed: int) -> None:
    delay = backoff_delay(failures, base_s=base_s, max_s=max_s, rng=random.Random(seed))
    ceiling = min(max_s, base_s * 2.0 ** min(max(failures - 1, 0), 64))
    assert 0 <= delay <= max_s
    if failures > 0:
        assert ceiling / 2 <= delay <= ceiling


@given(st.integers(min_value=1, max_value=500), st.floats(0.001, 1e4), st.floats(0.001, 1e7))
def test_backoff_cap_is_monotone(failures: int, base_s: float, max_s: float) -> None:
    for rng in (Extreme(True), Extreme(False)):
        now = backoff_delay(failures, base_s=base_s, max_s=max_s, rng=rng)
        later = backoff_delay(failures + 1, base_s=base_s, max_s=max_s, rng=rng)
        assert now <= later <= max_s


def test_next_attempt_delay_honours_retry_after_up_to_the_max() -> None:
    settings = FetchSettings(backoff_base_s=60, backoff_max_s=3600)

    def limited(retry_after: float | None) -> HTTPStatusError:
        return HTTPStatusError("HTTP 429", url="http://f.example/", status=429, retry_after=retry_after)

    assert next_attempt_delay(limited(1800), 1, settings) == 1800
    assert 30 <= next_attempt_delay(limited(1), 1, settings) <= 60
    assert next_attempt_delay(limited(10**9), 1, settings) == 3600
    assert 30 <= next_attempt_delay(limited(None), 1, settings) <= 60
    assert 240 <= next_attempt_delay(FetchError("x", url="u", kind="connect"), 4, settings) <= 480
    assert 30 <= next_attempt_delay(ValueError("a bug"), 1, settings) <= 60
