"""The health endpoint of `monitor run`: ``/metrics`` for Prometheus and ``/healthz`` for a probe.

- ``/metrics``: prometheus_client's WSGI app over the service's own registry (it negotiates the text or
  OpenMetrics format from ``Accept`` and gzips when asked);
- ``/healthz`` (also ``/health`` and ``/``): the JSON the health file holds, live; 200 while running, 503
  once stopping, so a load balancer stops sending work before the process goes;
- anything else: 404 naming the two paths.

Served by the standard library's WSGI server in a daemon thread, not on the service's event loop: the
loop runs the polls, and a scrape or probe must be answered even while a poll cycle keeps the loop busy
(parsing a large feed). The service's side of it (its health payload, its numbers) is read-only and
safe to read from another thread.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import CollectorRegistry, make_wsgi_app

from monitor.errors import ConfigError
from monitor.logs import ctx

log = logging.getLogger(__name__)

#: ``(running, payload)``: whether the service is running, and the JSON to answer with.
HealthSource = Callable[[], tuple[bool, dict[str, Any]]]

HEALTH_PATHS = ("/healthz", "/health")
#: A client that sends nothing for this long is dropped (one slow client must not hold a thread forever).
REQUEST_TIMEOUT_S = 5.0


def health_app(registry: CollectorRegistry, health: HealthSource) -> WSGIApplication:
    """The WSGI application: /metrics from the registry, /healthz from ``health``."""
    metrics = make_wsgi_app(registry)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path.startswith("/metrics"):
            return metrics(environ, start_response)
        if path.startswith(HEALTH_PATHS) or path == "/":
            running, payload = health()
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            status = "200 OK" if running else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        body = b"try /healthz or /metrics\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return app


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a client still connected never holds up the process's exit

    def server_bind(self) -> None:
        # WSGIServer → HTTPServer.server_bind asks socket.getfqdn() for the server's name: a reverse DNS
        # lookup that can stall start-up where DNS is unreachable (containers). The address will do.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()


class _QuietHandler(WSGIRequestHandler):
    """wsgiref writes every request to stderr; a scraper every 15 s would fill the service's log."""

    timeout = REQUEST_TIMEOUT_S

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        log.debug("health endpoint: " + format, *args, extra=ctx(stage="service"))


class HealthEndpoint:
    """``/metrics`` and ``/healthz`` on ``host:port`` (0: any free port) from :meth:`start` to :meth:`stop`."""

    def __init__(self, registry: CollectorRegistry, health: HealthSource, *, host: str, port: int) -> None:
        self._app = health_app(registry, health)
        self.host, self.port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen and serve in a thread; the URL of ``/healthz``. A port that can't be had is a clear error."""
        server_class = _server_class(self.host)
        try:
            server = make_server(
                self.host, self.port, self._app, server_class=server_class, handler_class=_QuietHandler
            )
        except OSError as exc:
            error = ConfigError(
                [f"service.health_port: cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"]
            )
            error.hint = "choose another port (service.health_port or --health-port), or stop what uses it"
            raise error from exc
        assert isinstance(server, _Server)
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="monitor-health", daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/healthz"

    def stop(self) -> None:
        """Stop answering (a request being answered completes) and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None


def _server_class(host: str) -> type[_Server]:
    """The server class for ``host``'s address family (WSGIServer is IPv4-only as it comes)."""
    try:
        family = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]
    except OSError:
        family = socket.AF_INET  # make_server will say what is wrong with the address
    if family == socket.AF_INET:
        return _Server
    return type("_Server6", (_Server,), {"address_family": family})
