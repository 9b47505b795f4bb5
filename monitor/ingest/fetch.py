"""The one place that speaks HTTP: one shared ``httpx.AsyncClient`` behind a small, defensive front.

One ``Fetcher.fetch(url)`` is a chain of exchanges (hops), each run the same way::

    [guard: resolve, refuse non-public, pin] ─▶ host slot (per-host + total concurrency, spacing)
        ─▶ GET under connect/read timeouts and a wall-clock deadline
        ─▶ 3xx: next hop (limit, loops, guard again) │ 304 │ 4xx/5xx: HTTPStatusError │ 2xx: capped body

Everything that goes wrong is a :class:`monitor.errors.FetchError` whose ``kind`` is short and stable:
``invalid_url``, ``connect``, ``timeout``, ``network``, ``decode``, ``bad_redirect`` (plain FetchError),
``blocked`` (BlockedAddress), ``http_status``/``rate_limited``/``unavailable`` (HTTPStatusError),
``too_large`` (ResponseTooLarge), ``redirects`` (TooManyRedirects).

The module also holds the retry arithmetic the pipeline schedules with (:func:`parse_retry_after`,
:func:`backoff_delay`, :func:`next_attempt_delay`), because Retry-After is an HTTP matter.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import re
import socket
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from monitor.errors import BlockedAddress, FetchError, HTTPStatusError, ResponseTooLarge, TooManyRedirects
from monitor.logs import ctx
from monitor.models import FetchResult, FetchSettings, Validators

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
#: Only what we can inflate with a bounded output buffer. ``br`` is not offered: no brotli decoder is a
#: dependency, and without one a br body could not be decoded (let alone size-capped while decoding).
ACCEPT_ENCODING = "gzip, deflate"

#: ``(host, port) -> IP address strings``; injectable so tests can pretend a name is public.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: Hosts that inet_aton would read as an IPv4 address in a legacy form (2130706433, 0x7f.1, 127.1).
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)
_RNG = random.Random()
#: Keep-alive for a host's idle connections: long enough for a burst of article pages from one site.
_KEEPALIVE_S = 5.0
#: Above this many per-host pools, pools idle for longer than the keep-alive are closed.
_MAX_IDLE_POOLS = 64


# --------------------------------------------------------------------------------------------------
# The fetcher
# --------------------------------------------------------------------------------------------------


@dataclass
class _Pool:
    """One host's httpx client, with what is needed to know when it may be closed."""

    client: httpx.AsyncClient
    last_used: float
    in_flight: int = 0

    @asynccontextmanager
    async def use(self, clock: Callable[[], float]) -> AsyncIterator[None]:
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self.last_used = clock()


@dataclass
class _HostGate:
    """Admission to one host: at most ``per_host_concurrency`` exchanges, starts spaced by the delay."""

    slots: asyncio.Semaphore
    spacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float | None = None


@dataclass(frozen=True, slots=True)
class _Hop:
    """One answered exchange: a redirect (``location`` set), a 304, or a 2xx with its decoded body."""

    status: int
    headers: httpx.Headers
    content: bytes = b""
    location: httpx.URL | None = None


class Fetcher:
    """Fetches feeds and pages politely and defensively; one instance (one connection pool) per process.

    ``transport`` replaces the network (``httpx.MockTransport`` in tests), ``resolver`` the DNS lookup the
    private-address guard does, ``clock`` the monotonic clock used for spacing and ``elapsed_s``.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._resolver = resolver or system_resolver
        self._clock = clock
        self._transport = transport
        # Loading the CA bundle costs ~1 MB and a few ms; every per-host client shares this one.
        self._ssl = httpx.create_ssl_context()
        # One small pool per host (see _client_for), closed when idle so a cycle over a thousand hosts
        # doesn't keep a thousand sockets open.
        self._clients: dict[tuple[str, str, int | None], _Pool] = {}
        self._total = asyncio.Semaphore(settings.total_concurrency)
        self._hosts: dict[str, _HostGate] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for pool in clients.values():
            await pool.client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        guard: bool = False,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET ``url`` (conditionally when ``validators`` are given), following redirects by hand.

        ``guard=True`` is for links taken from feed content: every hop must resolve to public addresses
        only (unless ``allow_private_networks``). Configured feed URLs are trusted and not guarded.
        Raises a :class:`FetchError` subclass; returns only 2xx and 304 answers. ``elapsed_s`` is the
        wall time of the whole call, waiting for a host slot included.
        """
        started = self._clock()
        try:
            start = _checked_url(url)
            headers = _request_headers(accept, validators)
            guarded = guard and not self._settings.allow_private_networks
            chain: list[httpx.URL] = []
            statuses: list[int] = []
            hop = await self._exchange(start, headers, guarded)
            while hop.location is not None:
                chain.append(self._next_hop(start, chain, hop.location))
                statuses.append(hop.status)
                hop = await self._exchange(chain[-1], headers, guarded)
        except FetchError as exc:
            log.debug("failed (%s): %s", exc.kind, exc, extra=ctx(url=url, stage="fetch"))
            raise
        result = _result(url, chain, hop, validators, self._clock() - started)
        return replace(result, redirect_statuses=tuple(statuses)) if statuses else result

    # -- one hop ---------------------------------------------------------------------------------

    async def _exchange(self, url: httpx.URL, headers: dict[str, str], guarded: bool) -> _Hop:
        """One request/response under the host slot and the wall-clock deadline.

        The deadline runs per hop, from the moment the slot is held, so time spent queueing behind a
        busy host is not held against the server; a whole fetch is bounded by
        ``(max_redirects + 1) * total_timeout_s`` plus queueing.
        """
        connect_url = await self._vet(url) if guarded else url
        if connect_url != url:  # pinned to a vetted address: the server still needs the real name
            headers = {**headers, "Host": url.netloc.decode("ascii")}
        pool = await self._pool_for(connect_url)
        request = pool.client.build_request("GET", connect_url, headers=headers)
        async with self._slot(url.host), pool.use(self._clock):
            log.debug("GET", extra=ctx(url=str(url), stage="fetch"))
            try:
                # A read timeout restarts with every byte, so a slow drip would never trip it.
                async with asyncio.timeout(self._settings.total_timeout_s):
                    response = await pool.client.send(request, stream=True)
                    try:
                        return await self._answer(url, response)
                    finally:
                        await response.aclose()
            except TimeoutError:
                raise FetchError(
                    f"no complete answer within {self._settings.total_timeout_s:g}s",
                    url=str(url),
                    kind="timeout",
                ) from None
            except httpx.TransportError as exc:
                raise _transport_error(url, exc) from exc

    async def _pool_for(self, url: httpx.URL) -> _Pool:
        """The connection pool for ``url``'s host.

        One pool shared by hundreds of hosts made httpcore rescan every connection against every
        waiting request on each event (measured at ~7 ms a scan with 64 connections: the largest cost
        of a 1,000-feed poll). The host gate already bounds concurrency per host, so a per-host pool
        holds at most that many connections and its bookkeeping stays trivial.
        """
        key = (url.scheme, url.host, url.port)
        pool = self._clients.get(key)
        if pool is None:
            await self._close_idle_pools()
            pool = self._clients[key] = _Pool(self._new_client(), self._clock())
        return pool

    def _new_client(self) -> httpx.AsyncClient:
        s = self._settings
        return httpx.AsyncClient(
            transport=self._transport,
            verify=self._ssl,
            limits=httpx.Limits(
                max_connections=s.per_host_concurrency,
                max_keepalive_connections=s.per_host_concurrency,
                keepalive_expiry=_KEEPALIVE_S,
            ),
            timeout=httpx.Timeout(
                connect=s.connect_timeout_s,
                read=s.read_timeout_s,
                write=s.read_timeout_s,
                pool=s.connect_timeout_s,
            ),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            # Followed by hand: each hop must pass the guard, and loops should be named.
            follow_redirects=False,
        )

    async def _close_idle_pools(self) -> None:
        """Close the pools of hosts idle for longer than the keep-alive, once there are many pools."""
        if len(self._clients) < _MAX_IDLE_POOLS:
            return
        now = self._clock()
        for key, pool in list(self._clients.items()):
            if pool.in_flight == 0 and now - pool.last_used > _KEEPALIVE_S:
                del self._clients[key]
                await pool.client.aclose()

    async def _answer(self, url: httpx.URL, response: httpx.Response) -> _Hop:
        status = response.status_code
        log.debug("HTTP %d", status, extra=ctx(url=str(url), stage="fetch"))
        if status in _REDIRECTS:
            return _Hop(status, response.headers, location=_location(url, response))
        if status == 304:
            return _Hop(status, response.headers)
        if 200 <= status < 300:
            return _Hop(status, response.headers, await self._read_capped(url, response))
        retry_after = parse_retry_after(response.headers.get("retry-after"), datetime.now(UTC))
        message = f"HTTP {status} {response.reason_phrase}".rstrip()
        raise HTTPStatusError(message, url=str(url), status=status, retry_after=retry_after)

    async def _read_capped(self, url: httpx.URL, response: httpx.Response) -> bytes:
        """The decoded body, refused as soon as it passes ``max_bytes`` (decoded bytes count)."""
        cap = self._settings.max_bytes
        if response.is_stream_consumed:
            # A transport that hands over a response already read and decoded (httpx.MockTransport
            # with bytes content, as tests use): nothing left to bound, only to measure.
            if len(response.content) > cap:
                raise ResponseTooLarge(f"body is over the {cap}-byte cap", url=str(url))
            return response.content
        decoder = _decoder_for(url, response.headers.get("content-encoding"))
        declared = response.headers.get("content-length", "")
        if isinstance(decoder, _Identity) and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"Content-Length {declared} is over the {cap}-byte cap", url=str(url))
        parts: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            part = decoder.decode(raw, limit=cap - size + 1)
            size += len(part)
            if size > cap:
                raise ResponseTooLarge(f"body is over the {cap}-byte cap (decoded)", url=str(url))
            parts.append(part)
        return b"".join(parts)

    def _next_hop(self, start: httpx.URL, chain: list[httpx.URL], location: httpx.URL) -> httpx.URL:
        """Accept a redirect target, or name the loop / the overlong chain.

        A URL may come round once more (a site sets a cookie and bounces back to where it came from);
        reaching it a third time is a loop.
        """
        visited = [start, *chain]
        path = " → ".join(str(u) for u in [*visited, location])
        if visited.count(location) >= 2:
            raise TooManyRedirects(f"redirect loop: {path}", url=str(start))
        if len(chain) >= self._settings.max_redirects:
            raise TooManyRedirects(
                f"more than {self._settings.max_redirects} redirects: {path}", url=str(start)
            )
        log.debug("redirected to %s", location, extra=ctx(url=str(visited[-1]), stage="fetch"))
        return location

    # -- politeness --------------------------------------------------------------------------------

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's slots and one of the total slots for the whole exchange.

        The host slot is taken first so that requests queued for one slow host do not sit on total
        slots other hosts could use; the spacing lock is held until the start is stamped, so two
        requests cannot both measure the delay from the same previous start.
        """
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = _HostGate(asyncio.Semaphore(self._settings.per_host_concurrency))
        async with gate.slots:
            async with gate.spacing:
                if gate.last_start is not None:
                    wait = gate.last_start + self._settings.per_host_delay_s - self._clock()
                    if wait > 0:
                        await asyncio.sleep(wait)
                await self._total.acquire()
                gate.last_start = self._clock()
            try:
                yield
            finally:
                self._total.release()

    # -- private-address guard -----------------------------------------------------------------------

    async def _vet(self, url: httpx.URL) -> httpx.URL:
        """Refuse a URL whose host is, or resolves to, any non-public address; return what to connect to.

        DNS rebinding: httpx resolves the name again when it connects, and a hostile DNS server can
        answer differently the second time. For ``http`` we close that window by connecting to the
        address we vetted (the URL is pinned to it and the Host header keeps the name). For ``https``
        the name must stay in the URL for SNI and certificate checks, so the window remains open
        there; it is narrow in effect, because an internal service reached that way would have to
        present a valid certificate for the attacker's name, which the TLS handshake verifies.
        """
        host = url.raw_host.decode("ascii")
        literal = _literal_ip(host)
        addresses = [literal] if literal else await self._resolve(url, host)
        for address in addresses:
            if not _is_public(address):
                log.info("refused non-public address %s", address, extra=ctx(url=str(url), stage="fetch"))
                raise BlockedAddress(f"{host} is a non-public address ({address})", url=str(url))
        return url.copy_with(host=addresses[0]) if url.scheme == "http" else url

    async def _resolve(self, url: httpx.URL, host: str) -> list[str]:
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            async with asyncio.timeout(self._settings.connect_timeout_s):
                addresses = await self._resolver(host, port)
        except TimeoutError:
            raise FetchError(f"looking up {host} timed out", url=str(url), kind="timeout") from None
        except OSError as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", url=str(url), kind="connect") from exc
        if not addresses:
            raise FetchError(f"{host} resolves to no address", url=str(url), kind="connect")
        return addresses


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system gives for ``host`` (the same lookup httpx's connect does)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _literal_ip(host: str) -> str | None:
    """The address a host names without DNS, in canonical form, including the legacy IPv4 spellings."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return str(ipaddress.IPv4Address(socket.inet_aton(host)))
        except OSError:
            return None
    return None


def _is_public(address: str) -> bool:
    """True only for globally routable unicast; anything unparseable counts as not public."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return _is_public(str(ip.ipv4_mapped))
        embedded = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None and not _is_public(str(embedded)):
            return False
    # is_global excludes loopback, private, link-local, reserved, unspecified and 100.64/10 (CGNAT);
    # multicast ranges count as global, hence the second test.
    return ip.is_global and not ip.is_multicast


# --------------------------------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------------------------------


class _Decoder(Protocol):
    def decode(self, data: bytes, *, limit: int) -> bytes:
        """Decode the next raw chunk; may stop after ``limit`` bytes (the caller then refuses the body)."""
        ...


class _Identity:
    def decode(self, data: bytes, *, limit: int) -> bytes:
        return data


class _Inflate:
    """gzip/deflate with a bounded output per call, unlike httpx's decoders, which inflate a whole
    network chunk at once (64 KiB of a gzip bomb is 64 MB)."""

    def __init__(self, url: httpx.URL, coding: str) -> None:
        self._url = url
        self._coding = coding
        self._inflater: zlib._Decompress | None = None
        self._head = b""

    def decode(self, data: bytes, *, limit: int) -> bytes:
        if self._inflater is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            self._inflater = zlib.decompressobj(self._wbits(self._head))
            data, self._head = self._head, b""
        try:
            return self._inflater.decompress(data, limit)
        except zlib.error as exc:
            raise FetchError(
                f"corrupt {self._coding} body: {exc}", url=str(self._url), kind="decode"
            ) from exc

    def _wbits(self, head: bytes) -> int:
        """gzip framing; for "deflate", zlib framing as the RFC says, or raw deflate as some servers send."""
        if self._coding != "deflate":
            return 16 + zlib.MAX_WBITS
        zlib_header = head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] << 8 | head[1]) % 31 == 0
        return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS


def _decoder_for(url: httpx.URL, content_encoding: str | None) -> _Decoder:
    """One layer of gzip/deflate, or none; anything else is refused rather than passed on undecoded."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return _Identity()
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflate(url, codings[0])
    raise FetchError(f"unsupported Content-Encoding {content_encoding!r}", url=str(url), kind="decode")


# --------------------------------------------------------------------------------------------------
# Requests, redirects, results, errors
# --------------------------------------------------------------------------------------------------


def _checked_url(url: str | httpx.URL) -> httpx.URL:
    """``url`` parsed, absolute, http(s) and with a host, or FetchError(kind="invalid_url")."""
    try:
        target = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(f"invalid URL: {exc}", url=str(url), kind="invalid_url") from exc
    if target.scheme not in ("http", "https"):
        scheme = f"{target.scheme}:" if target.scheme else "a relative URL"
        raise FetchError(
            f"only http and https URLs are fetched, not {scheme}", url=str(url), kind="invalid_url"
        )
    if not target.host:
        raise FetchError("URL has no host", url=str(url), kind="invalid_url")
    return target


def _request_headers(accept: str, validators: Validators | None) -> dict[str, str]:
    headers = {"Accept": accept}
    if validators is not None and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators is not None and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _location(url: httpx.URL, response: httpx.Response) -> httpx.URL:
    """The redirect target, resolved against the URL asked for (Location may be relative)."""
    value = response.headers.get("location", "").strip()
    if not value:
        message = f"HTTP {response.status_code} redirect without a Location header"
        raise FetchError(message, url=str(url), kind="bad_redirect")
    # httpx has parsed Location already (to offer response.next_request) and raised RemoteProtocolError,
    # our "network", if it could not; what is left to refuse here is a scheme we do not fetch.
    return _checked_url(url.join(value).copy_with(fragment=None))


def _result(
    url: str, chain: list[httpx.URL], hop: _Hop, validators: Validators | None, elapsed_s: float
) -> FetchResult:
    """The final hop as a FetchResult; a 304 that omits validators keeps the ones we sent."""
    etag = hop.headers.get("etag")
    last_modified = hop.headers.get("last-modified")
    if hop.status == 304 and validators is not None:
        etag = etag or validators.etag
        last_modified = last_modified or validators.last_modified
    return FetchResult(
        url=url,
        final_url=str(chain[-1]) if chain else url,
        status=hop.status,
        headers={name.lower(): value for name, value in hop.headers.items()},
        content=hop.content,
        etag=etag,
        last_modified=last_modified,
        elapsed_s=elapsed_s,
        redirects=tuple(str(u) for u in chain),
    )


_TRANSPORT_KINDS: tuple[tuple[type[httpx.TransportError], str, str], ...] = (
    (httpx.TimeoutException, "timeout", "timed out"),
    (httpx.ConnectError, "connect", "cannot connect"),
    (httpx.TransportError, "network", "connection failed"),
)


def _transport_error(url: httpx.URL, exc: httpx.TransportError) -> FetchError:
    kind, phrase = next((k, p) for t, k, p in _TRANSPORT_KINDS if isinstance(exc, t))
    detail = str(exc) or type(exc).__name__
    return FetchError(f"{phrase}: {detail}", url=str(url), kind=kind)


# --------------------------------------------------------------------------------------------------
# Retry arithmetic for the pipeline
# --------------------------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if absent or garbage.

    Never negative: a date in the past means "now" (0.0). ``now`` should be aware; naive means UTC.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        try:
            return float(int(text))
        except (ValueError, OverflowError):  # thousands of digits: not a usable delay
            return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(failures: int, *, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after ``failures`` consecutive failures (0 for none); ``base_s``, ``max_s`` >= 0.

    ``ceiling = min(max_s, base_s * 2 ** (failures - 1))`` and the delay is uniform in
    ``[ceiling / 2, ceiling]`` ("equal jitter"). Jitter spreads feeds that failed together (a network
    outage) so they do not retry in lockstep; unlike full jitter (``[0, ceiling]``) it never retries a
    failing server almost at once, and the floor keeps growing with each failure.
    """
    if failures <= 0:
        return 0.0
    ceiling = min(max_s, base_s * 2.0 ** min(failures - 1, 64))
    return (rng or _RNG).uniform(ceiling / 2, ceiling)


def next_attempt_delay(error: Exception, failures: int, settings: FetchSettings) -> float:
    """The pipeline's wait before trying a failed feed again: our backoff, or longer if the server says so.

    A Retry-After is honoured up to ``backoff_max_s``: a server may slow us down, but a bogus far-future
    date must not silence a feed for months.
    """
    delay = backoff_delay(failures, base_s=settings.backoff_base_s, max_s=settings.backoff_max_s)
    if isinstance(error, HTTPStatusError) and error.retry_after is not None:
        delay = max(delay, min(error.retry_after, settings.backoff_max_s))
    return delay
