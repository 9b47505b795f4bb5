"""Fault injection for the polling core: a catalogue of broken servers, on loopback, next to healthy feeds.

    with FaultFarm() as farm:
        urls = farm.add_all(copies=1)             # {"reset-0": url, "healthy-0": url, ...}
        transport = farm.transport()              # for Fetcher(transport=...), one per fetcher
        farm.flip()                               # flapping endpoints change state (call between cycles)

Built on :class:`tests.servers.LoopbackHTTPServer` (real sockets, port 0) and shared by
``tests/integration/test_faults.py`` and ``bench/bench_faults.py``. Each fault names the error ``kind``
the pipeline must record for it (``FAULTS``); a healthy feed next to it must be stored all the same.

The faults:

- ``reset``: TCP RST after 200 body bytes.       ``stall``: half the body, then silence (read timeout).
- ``drip``: one byte at a time, never idle long enough for the read timeout; only the total deadline
  stops it.                                       ``truncated``: Content-Length promises more than is sent.
- ``oversized``: a body over ``max_bytes`` (declared, and undeclared until close: ``oversized_stream``).
- ``bomb``: a gzip body that inflates to 50 MB.   ``redirect_loop``: /a → /b → /a.
- ``storm429`` / ``storm503``: every request is refused with Retry-After (seconds / an HTTP date).
- ``refused``: a port nobody listens on.          ``not_a_feed``: an HTML error page with status 200.
- ``flap_port``: a port that alternately listens (serving a good feed) and refuses, on :meth:`flip`.
- ``flap_dns``: a host name that alternately resolves to the farm and fails to resolve, on :meth:`flip`.
  The fetcher resolves feed hosts inside httpx, so the name is played by an httpx transport that maps
  it to loopback or raises the ``ConnectError`` httpx raises when getaddrinfo fails.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.servers import LoopbackHTTPServer, Reply, Request, closed_port, gzip_zeros

#: The fetch limits fault runs use: tight, so stalls and drips end in about a second.
FAULT_FETCH_TOML = """[fetch]
allow_private_networks = true
connect_timeout = "500ms"
read_timeout = "500ms"
total_timeout = "1500ms"
max_bytes = "1MB"
max_redirects = 5
per_host_concurrency = 8
per_host_delay = "0s"
total_concurrency = 64
"""

#: fault name → the FeedReport.error_kind the pipeline must record (flapping ones: when down).
FAULTS: dict[str, str] = {
    "reset": "network",
    "stall": "timeout",
    "drip": "timeout",
    "truncated": "network",
    "oversized": "too_large",
    "oversized_stream": "too_large",
    "bomb": "too_large",
    "redirect_loop": "redirects",
    "storm429": "rate_limited",
    "storm503": "unavailable",
    "refused": "connect",
    "not_a_feed": "parse",
    "flap_port": "connect",
    "flap_dns": "connect",
}

FLAP_HOST = "flap.feeds.test"


def feed_bytes(name: str, entries: int = 5, version: int = 0) -> bytes:
    """A small valid RSS feed whose items are unique to ``name`` (and to ``version``, for changing feeds)."""
    items = "".join(
        f"<item><title>{name} 공급망 기사 {m} (v{version})</title>"
        f"<link>http://articles.test/{name}/{version}/{m}</link><guid>{name}-{version}-{m}</guid>"
        f"<description>{name} 피드의 {m}번째 기사: 반도체 수출통제 대응을 논의했다.</description></item>"
        for m in range(entries)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
        f"<link>http://articles.test/{name}/</link>{items}</channel></rss>"
    ).encode()


_RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def _fault_reply(kind: str, name: str) -> Reply | Callable[[Request], Reply]:
    body = feed_bytes(name, entries=40)
    if kind == "reset":
        return Reply(body=body, headers=_RSS, reset_after=200)
    if kind == "stall":
        # Half the feed, then a pause far longer than the read timeout (the thread sleeps it out alone).
        return Reply(body=body, headers=_RSS, chunk=len(body) // 2 + 1, drip_s=20)
    if kind == "drip":
        return Reply(body=body, headers=_RSS, chunk=1, drip_s=0.05)
    if kind == "truncated":
        return Reply(
            body=body[: len(body) // 2], headers={**_RSS, "Connection": "close"}, content_length=len(body)
        )
    if kind == "oversized":
        return Reply(body=b"<rss>" + b" " * 3_000_000, headers=_RSS)
    if kind == "oversized_stream":
        return Reply(body=b"<rss>" + b" " * 3_000_000, headers=_RSS, content_length=-1)
    if kind == "bomb":
        return Reply(body=gzip_zeros(50_000_000), headers={**_RSS, "Content-Encoding": "gzip"})
    if kind == "storm429":
        return Reply(status=429, body=b"slow down", headers={"Retry-After": "120"})
    if kind == "storm503":
        when = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
        return Reply(status=503, body=b"maintenance", headers={"Retry-After": when})
    if kind == "not_a_feed":
        return Reply(
            body=b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            headers={"Content-Type": "text/html"},
        )
    raise ValueError(f"no reply for fault {kind!r}")


class FlappingPort:
    """A loopback port that listens (serving ``route`` → feed) only while up; refused while down.

    The port number stays the same across flips (SO_REUSEADDR), as a restarting server's would.
    """

    def __init__(self, body: Callable[[], bytes]) -> None:
        self._body = body
        self.port = closed_port()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def is_up(self) -> bool:
        return self._httpd is not None

    def up(self) -> None:
        if self._httpd is not None:
            return
        body = self._body

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                data = body()
                self.send_response(200)
                for k, v in {**_RSS, "Content-Length": str(len(data))}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        class _Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256

        self._httpd = _Server(("127.0.0.1", self.port), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def down(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def flip(self) -> None:
        self.down() if self.is_up else self.up()


class FlappingDNS(httpx.AsyncBaseTransport):
    """An httpx transport where ``FLAP_HOST`` resolves to the farm only while ``resolves()`` is true.

    Other hosts pass through untouched. Down, it raises what httpcore raises when getaddrinfo fails
    (``httpx.ConnectError: [Errno -2] Name or service not known``), so the fetcher's own mapping of
    that error is what is tested.
    """

    def __init__(self, port: int, resolves: Callable[[], bool]) -> None:
        self._port = port
        self._resolves = resolves
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == FLAP_HOST:
            if not self._resolves():
                raise httpx.ConnectError(
                    f"[Errno {socket.EAI_NONAME}] Name or service not known", request=request
                )
            request.url = request.url.copy_with(host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class FaultFarm:
    """Healthy feeds and every fault of :data:`FAULTS` on one loopback server (plus flapping endpoints)."""

    def __init__(self) -> None:
        self.server = LoopbackHTTPServer()
        # socketserver listens with a backlog of 5: a poll opening dozens of connections at once would
        # see SYNs dropped and retried a second later, i.e. connect timeouts we did not inject. Listening
        # again on the bound socket raises the backlog (Linux), without touching the shared server class.
        self.server._httpd.socket.listen(256)
        self.version = 0  # bumped by flip(): healthy feeds change content between cycles
        self._flapping: list[FlappingPort] = []
        self.dns_resolves = False  # flap_dns starts down, like flap_port
        self._refused = closed_port()

    def __enter__(self) -> FaultFarm:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for port in self._flapping:
            port.down()
        self.server.stop()

    def healthy(self, name: str, entries: int = 5) -> str:
        def reply(req: Request) -> Reply:
            return Reply(body=feed_bytes(name, entries, self.version), headers=_RSS)

        return self.server.route(f"/healthy/{name}.xml", reply)

    def fault(self, kind: str, name: str) -> str:
        """Route one instance of a fault; return the feed URL to configure."""
        if kind == "refused":
            return f"http://127.0.0.1:{self._refused}/{name}.xml"
        if kind == "redirect_loop":
            self.server.route(f"/loop/{name}/a", Reply(status=302, headers={"Location": f"/loop/{name}/b"}))
            self.server.route(f"/loop/{name}/b", Reply(status=302, headers={"Location": f"/loop/{name}/a"}))
            return self.server.url(f"/loop/{name}/a")
        if kind == "flap_port":
            port = FlappingPort(lambda: feed_bytes(name, 5, self.version))
            self._flapping.append(port)  # starts down: the first cycle sees it refused
            return f"http://127.0.0.1:{port.port}/{name}.xml"
        if kind == "flap_dns":
            self.server.route(
                f"/dns/{name}.xml", lambda req: Reply(body=feed_bytes(name, 5, self.version), headers=_RSS)
            )
            return f"http://{FLAP_HOST}:{self.server.port}/dns/{name}.xml"
        return self.server.route(f"/fault/{kind}/{name}.xml", _fault_reply(kind, name))

    def add_all(self, copies: int = 1, healthy: int = 1, entries: int = 5) -> dict[str, str]:
        """``copies`` of every fault and ``healthy`` good feeds: feed name → URL (names say the fault)."""
        feeds = {f"healthy-{n}": self.healthy(f"healthy-{n}", entries) for n in range(healthy)}
        for kind in FAULTS:
            for n in range(copies):
                feeds[f"{kind}-{n}"] = self.fault(kind, f"{kind}-{n}")
        return feeds

    def transport(self) -> FlappingDNS:
        """A transport for one Fetcher (closing the fetcher closes it): needed for ``flap_dns`` feeds, and
        it carries all other traffic unchanged."""
        return FlappingDNS(self.server.port, lambda: self.dns_resolves)

    def flip(self) -> None:
        """Between cycles: flapping endpoints change state and healthy feeds publish new items."""
        self.version += 1
        for port in self._flapping:
            port.flip()
        self.dns_resolves = not self.dns_resolves


def fault_kind(feed_name: str) -> str | None:
    """The fault a feed name from :meth:`FaultFarm.add_all` stands for (None for a healthy feed)."""
    kind = feed_name.rsplit("-", 1)[0]
    return kind if kind in FAULTS else None


def fault_config(feeds: dict[str, str], db: str = "faults.db") -> str:
    """Config text polling ``feeds`` with the tight fault limits, summaries only (no article pages)."""
    lines = [f'[storage]\npath = "{db}"\n', FAULT_FETCH_TOML]
    for name, url in feeds.items():
        lines += ["[[feeds]]", f'name = "{name}"', f'url = "{url}"', "fetch_articles = false", ""]
    return "\n".join(lines)
