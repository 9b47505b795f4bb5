"""A real HTTP server on 127.0.0.1, port 0, for integration tests (feeds, pages, faults).

    with LoopbackHTTPServer() as srv:
        srv.route("/feed.xml", Reply(body=b"<rss>...</rss>", headers={"Content-Type": "application/rss+xml"}))
        srv.route("/slow", Reply(body=b"x" * 100, drip_s=0.5, chunk=10))
        srv.route("/dyn", lambda req: Reply(status=304) if req.headers.get("If-None-Match") else Reply(...))
        url = srv.url("/feed.xml")

Every request is logged in ``srv.requests`` (method, path, headers, arrival time, and the body of a POST)
so tests can check what was sent and when; ``srv.max_in_flight`` is the most requests the server was ever
handling at once. A POST is answered by the same routes as a GET (a webhook sink: ``srv.posted(path)``
gives the JSON bodies received, in order).
"""

from __future__ import annotations

import functools
import json
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before sending anything (a stalled server).
    delay_s: float = 0.0
    #: Send the body in chunks of this size with ``drip_s`` between them (a slow drip).
    chunk: int = 0
    drip_s: float = 0.0
    #: Close the connection with a TCP RST after this many body bytes (a reset mid-body).
    reset_after: int | None = None
    #: Declare this Content-Length instead of the true one (None: the true length; -1: none at all).
    content_length: int | None = None


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    #: ``time.monotonic()`` when the server started handling the request (for spacing checks).
    received_at: float = 0.0
    #: The request body (POST); read in full before the route's handler runs.
    body: bytes = b""


Handler = Reply | Callable[[Request], Reply]


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a poll that opens dozens of connections at once could see
    # refused or stalled connects on a loaded machine, and a test would fail for the server's sake.
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (size caps, timeouts, resets) are what fault tests are about: no traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackHTTPServer:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_POST(self) -> None:
                self.do_GET(method="POST")

            def do_GET(self, method: str = "GET") -> None:
                body = b""
                if method == "POST":
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                req = Request(method, self.path, headers, time.monotonic(), body)
                with server._lock:
                    server.requests.append(req)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    handler = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                try:
                    if handler is None:
                        reply = Reply(status=404, body=b"not found")
                    elif callable(handler):
                        reply = handler(req)
                    else:
                        reply = handler
                    self._send(reply)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, reply: Reply) -> None:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                try:
                    self.send_response(reply.status)
                    headers = dict(reply.headers)
                    if reply.content_length is None:
                        headers.setdefault("Content-Length", str(len(reply.body)))
                    elif reply.content_length >= 0:
                        headers["Content-Length"] = str(reply.content_length)
                    else:
                        headers["Connection"] = "close"
                        self.close_connection = True
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if self.command == "HEAD" or reply.status in (204, 304):
                        return
                    body = reply.body
                    if reply.reset_after is not None:
                        self.wfile.write(body[: reply.reset_after])
                        self.wfile.flush()
                        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                        self.connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                        self.close_connection = True
                        return
                    if reply.chunk:
                        for i in range(0, len(body), reply.chunk):
                            self.wfile.write(body[i : i + reply.chunk])
                            self.wfile.flush()
                            if reply.drip_s:
                                time.sleep(reply.drip_s)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), _Handler)
        # A short poll interval: shutdown() waits for it, and the default 0.5 s adds up over a test run.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> str:
        with self._lock:
            self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def posted(self, path: str) -> list[Any]:
        """The JSON bodies POSTed to ``path``, in the order they arrived (whatever the reply was)."""
        with self._lock:
            return [json.loads(r.body) for r in self.requests if r.method == "POST" and r.path == path]

    def start(self) -> LoopbackHTTPServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackHTTPServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A loopback port nothing listens on (for connection-refused tests)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


@functools.cache
def gzip_zeros(size: int) -> bytes:
    """A gzip body that expands to ``size`` zero bytes (a "gzip bomb"): 200 MB packs into ~200 KB.

    Built in 1 MiB steps so the expanded data never sits in memory; cached because level-9 deflate of
    200 MB takes about a second.
    """
    step = bytes(1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(step[: min(len(step), size - done)]) for done in range(0, size, len(step))]
    return b"".join(parts) + packer.flush()
