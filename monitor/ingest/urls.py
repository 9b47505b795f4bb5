"""Canonical article URLs: one key per article, however a feed spells the link.

The same Korean news article reaches us under many URLs: desktop, mobile (``m.``, ``mobile.``) and AMP
variants, with tracking parameters (``utm_*`` on every 경향신문 RSS link, ``cloc`` on 중앙일보's), under
several section paths (경향 files one article under ``/world/japan/article/ID`` and
``/opinion/contribution/article/ID``), and behind news-search redirect links. :func:`canonical_url`
folds all of those into one string that ``articles.url`` can be unique on.

Design rules:

- Pure and idempotent: ``canonical_url(canonical_url(u)) == canonical_url(u)``; it never raises (an
  unusable input comes back stripped). The result is a *key*: it stays a working URL for the known
  outlets, but the pipeline keeps the feed's own link for people and fetching.
- Outlet knowledge is explicit: :data:`OUTLETS` lists each Korean outlet whose mobile/alternate hosts serve
  the *same article paths* as the desktop host, with the outlet's own tracking parameters and path forms.
  The only generic host rule is for the ndsoft CMS used by dozens of Korean outlets, whose article page
  ``/news/articleView.html?idxno=N`` is identical on ``m.X`` and ``www.X``. There is no blind
  ``m.X → www.X``: several outlets (국민일보, 세계일보) use different paths on their mobile host, and a
  rewritten host with a wrong path would be a key no other link ever produces.
- The scheme is kept (only lower-cased): an http-only outlet must stay reachable by its key, and the
  content fingerprint in :mod:`monitor.stories` catches the rare http/https twin.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus, unquote, unquote_to_bytes, urlsplit

import idna

Query = list[tuple[str, str]]  # encoded (key, value) pairs, in the URL's order

#: Parameters that only say where a click came from, on any site.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_",)

#: Query flags that select the AMP rendering of the same article.
_AMP_FLAGS = {"outputtype": {"amp"}, "amp": {"1", "true", "y", "yes", ""}, "_amp": {"1", "true", ""}}

# Characters kept literally in a path segment (RFC 3986 pchar minus the unreserved set quote() keeps anyway).
_PATH_SAFE = "!$&'()*+,;=:@"
_QUERY_SAFE = "!$'()*,:@/?"


# --------------------------------------------------------------------------------------------------
# Outlets
# --------------------------------------------------------------------------------------------------

PathRewrite = Callable[[str, Query], tuple[str, Query]]


@dataclass(frozen=True, slots=True)
class Outlet:
    """One outlet: its canonical host, the other hosts serving the same article paths, and its quirks."""

    host: str
    aliases: tuple[str, ...] = ()
    #: The outlet's own tracking or navigation parameters (they never select a different article).
    drop_params: frozenset[str] = frozenset()
    #: Maps the outlet's alternative path forms of one article to one form (applied after alias mapping).
    rewrite: PathRewrite | None = None
    #: A news agency: its own copy of a story is the story's natural lead.
    wire: bool = False


def _sub_path(pattern: str, repl: str) -> PathRewrite:
    compiled = re.compile(pattern)

    def rewrite(path: str, query: Query) -> tuple[str, Query]:
        return compiled.sub(repl, path), query

    return rewrite


def _khan(path: str, query: Query) -> tuple[str, Query]:
    # One article is filed under every section it belongs to: /world/japan/article/ID/ and
    # /opinion/contribution/article/ID/ are the same page (seen in the knews feeds). The old view page
    # carried the id as art_id/artid.
    match = re.fullmatch(r"/(?:[^?]*/)?article/(\d{12,})", path)
    if match:
        return f"/article/{match.group(1)}", query
    if path.endswith(("view.html", "khan_art_view.html")):
        ids = [v for k, v in query if k in ("art_id", "artid")]
        if ids:
            return f"/article/{ids[0]}", []
    return path, query


def _naver_news(path: str, query: Query) -> tuple[str, Query]:
    # Every Naver News article is (press id, article id); desktop, mobile and old .nhn pages all show it.
    match = re.fullmatch(r"/(?:mnews/)?article/(\d+)/(\d+)", path)
    if match:
        return f"/mnews/article/{match.group(1)}/{match.group(2)}", []
    if path.endswith(("/read.naver", "/read.nhn", "/read")):
        params = dict(query)
        if "oid" in params and "aid" in params:
            return f"/mnews/article/{params['oid']}/{params['aid']}", []
    return path, query


def _pressian(path: str, query: Query) -> tuple[str, Query]:
    # Pressian's RSS appends "&ref=rss" to the *path* (no "?"), and its mobile pages live under /m/.
    path = re.sub(r"^/m(?=/pages/)", "", path)
    return re.sub(r"(/pages/articles/\d+)&.*$", r"\1", path), query


OUTLETS: tuple[Outlet, ...] = (
    # News agencies (wires).
    Outlet("www.yna.co.kr", ("yna.co.kr", "m.yna.co.kr"), frozenset({"input", "site"}), wire=True),
    Outlet("www.newsis.com", ("newsis.com", "m.newsis.com", "mobile.newsis.com"), wire=True),
    Outlet("www.news1.kr", ("news1.kr", "m.news1.kr"), wire=True),
    # The knews-rss outlets and other national dailies, each checked for same-path mobile hosts.
    Outlet("www.khan.co.kr", ("khan.co.kr", "m.khan.co.kr"), rewrite=_khan),
    Outlet("www.chosun.com", ("chosun.com", "m.chosun.com")),
    Outlet(
        "www.joongang.co.kr",
        ("joongang.co.kr", "mobile.joongang.co.kr", "news.joins.com", "mnews.joins.com"),
        frozenset({"cloc"}),
        _sub_path(r"^/amparticle/(\d+)$", r"/article/\1"),
    ),
    Outlet(
        "www.donga.com",
        ("donga.com", "m.donga.com"),
        # The desktop path names the section (/news/Politics/article/all/...); mobile omits it.
        rewrite=_sub_path(r"^/news/[A-Za-z]+/article/all/", "/news/article/all/"),
    ),
    Outlet("www.hani.co.kr", ("hani.co.kr", "m.hani.co.kr")),
    Outlet(
        "news.kmib.co.kr",
        ("m.kmib.co.kr",),
        frozenset({"sid1", "sid2"}),
        _sub_path(r"^/view\.asp$", "/article/view.asp"),
    ),
    Outlet("www.hankookilbo.com", ("hankookilbo.com", "m.hankookilbo.com")),
    Outlet(
        "www.segye.com", ("segye.com", "m.segye.com"), rewrite=_sub_path(r"^/view/(\d+)$", r"/newsView/\1")
    ),
    Outlet("www.seoul.co.kr", ("seoul.co.kr", "m.seoul.co.kr")),
    Outlet("www.nocutnews.co.kr", ("nocutnews.co.kr", "m.nocutnews.co.kr")),
    Outlet("www.pressian.com", ("pressian.com", "m.pressian.com"), rewrite=_pressian),
    Outlet("www.hankyung.com", ("hankyung.com", "m.hankyung.com")),
    Outlet("www.mk.co.kr", ("mk.co.kr", "m.mk.co.kr")),
    Outlet("www.sedaily.com", ("sedaily.com", "m.sedaily.com")),
    Outlet("www.edaily.co.kr", ("edaily.co.kr", "m.edaily.co.kr"), frozenset({"mediacodeno"})),
    Outlet("www.newspim.com", ("newspim.com", "m.newspim.com")),
    Outlet("www.etnews.com", ("etnews.com", "m.etnews.com")),
    Outlet("v.daum.net", ("m.v.daum.net",), frozenset({"f"})),
    Outlet(
        "n.news.naver.com",
        ("news.naver.com", "m.news.naver.com"),
        frozenset({"sid", "sid1", "sid2", "mode", "mid", "rc", "ntype", "cds", "type"}),
        _naver_news,
    ),
)

_BY_HOST: dict[str, Outlet] = {h: o for o in OUTLETS for h in (o.host, *o.aliases)}

#: The ndsoft CMS article page, served on both m.X and www.X of every outlet that runs it.
_NDSOFT_ARTICLE = "/news/articleView.html"
_NDSOFT_KEEP = frozenset({"idxno"})


def outlet_for(url: str) -> Outlet | None:
    """The known outlet a URL belongs to (by host, aliases included), or None."""
    host = _url_host(url.strip())
    return None if host is None else _BY_HOST.get(host)


#: "scheme://authority" (or "//authority"): everything urlsplit reads a host from, up to the path.
_AUTHORITY_RE = re.compile(r"[^/?#]*//[^/?#]*")


def _url_host(url: str) -> str | None:
    """``urlsplit(url).hostname`` without trailing dots ("" when none), None when urlsplit rejects the URL.

    The clusterer asks it of every article (whose outlet?): parsed once per scheme and authority, which
    is all urlsplit reads a host from (the path starts at the first "/", "?" or "#" after "//")."""
    authority = _AUTHORITY_RE.match(url)
    if authority is None:
        return _parsed_host(url)
    return _authority_host(authority.group(0))


def _parsed_host(url: str) -> str | None:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return None


_authority_host = lru_cache(maxsize=1 << 12)(_parsed_host)


#: Feed or outlet names of news agencies (a feed named after one carries its wire copies).
WIRE_OUTLETS = frozenset({"연합뉴스", "뉴시스", "뉴스1", "yonhap", "yna", "newsis", "news1"})


def article_outlet(url: str, feed: str = "") -> tuple[str, bool]:
    """Who published an article, and whether that is a news agency, from its canonical URL.

    A known outlet's canonical host names it (m./www./AMP hosts fold into one); an unknown site's host
    (without ``www.``/``m.``) stands for it; an article without an http(s) URL is counted under the feed
    that brought it. Stories count outlets with this, so the store and the clusterer agree.
    """
    known = outlet_for(url) if url else None
    if known is not None:
        return known.host, known.wire or feed.strip().lower() in WIRE_OUTLETS
    host = ""
    if url.startswith(("http://", "https://")):
        host = _url_host(url) or ""
        for prefix in ("www.", "m."):
            host = host.removeprefix(prefix)
        if host.replace(".", "").isdigit() or ":" in host or host == "localhost":
            host = ""  # an address names a machine, not an outlet (a test or demo site): the feed does
    name = host or feed
    return name, feed.strip().lower() in WIRE_OUTLETS


# --------------------------------------------------------------------------------------------------
# Redirect links
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Redirector:
    host: re.Pattern[str]
    path: re.Pattern[str]
    params: tuple[str, ...]  # where the target may be, in order of preference


_REDIRECTORS: tuple[_Redirector, ...] = (
    _Redirector(re.compile(r"(?:www\.)?google\.[a-z.]+"), re.compile(r"/url"), ("q", "url")),
    _Redirector(re.compile(r"news\.google\.com"), re.compile(r"(?:/news)?/url"), ("url",)),
    _Redirector(re.compile(r"(?:www\.)?bing\.com"), re.compile(r"/news/apiclick\.aspx"), ("url",)),
    _Redirector(re.compile(r"l[m]?\.facebook\.com"), re.compile(r"/l\.php"), ("u",)),
    _Redirector(re.compile(r"search\.naver\.com"), re.compile(r"/p/crd/rd"), ("u",)),
    _Redirector(re.compile(r"link\.naver\.com"), re.compile(r"/bridge"), ("url",)),
    _Redirector(re.compile(r"(?:html\.)?duckduckgo\.com"), re.compile(r"/l"), ("uddg",)),
)


def unwrap_redirect(url: str) -> str | None:
    """The article a news-search redirect link points at, when the link itself carries it; else None.

    Handles redirectors that put the target in a query parameter (Google ``/url?q=``, old Google News
    ``/news/url?url=``, Bing News ``apiclick.aspx?url=``, Facebook ``l.php?u=``, Naver search
    ``/p/crd/rd?u=``, Naver ``link.naver.com/bridge?url=``, DuckDuckGo ``/l/?uddg=``).

    Google News RSS links (``news.google.com/rss/articles/CBMi…``) return None: the id is an opaque,
    versioned protobuf that current Google News only resolves server-side, so it cannot be decoded
    offline. Follow the redirect when fetching the page and canonicalise ``final_url`` instead.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    path = unquote(parts.path).rstrip("/") or "/"
    for redirector in _REDIRECTORS:
        if redirector.host.fullmatch(host) and redirector.path.fullmatch(path):
            params: dict[str, str] = {}
            for key, value in _split_query(parts.query):
                params.setdefault(_decode(key).lower(), _decode(value))
            for name in redirector.params:
                target = params.get(name, "").strip()
                if re.match(r"(?i)https?://[^/?#\s]", target):
                    return target
    return None


# --------------------------------------------------------------------------------------------------
# Canonical form
# --------------------------------------------------------------------------------------------------


#: A substring every redirect link's host holds (see _REDIRECTORS): most links skip unwrap_redirect, a
#: second parse of the URL that was a fifth of canonical_url's time.
_MAYBE_REDIRECT_RE = re.compile(r"google\.|bing\.com|facebook\.com|naver\.com|duckduckgo\.com")


@lru_cache(maxsize=1 << 14)  # a poll sees each link more than once (feed entry, stored row, page's final URL)
def canonical_url(url: str) -> str:
    """The one key for an article URL (see the module docstring); the stripped input if unusable.

    Lower-cases scheme and host, IDNA-encodes the host, drops userinfo, default ports, fragments, tracking
    and AMP parameters, sorts the remaining query parameters, normalises percent-encoding and dot
    segments, maps known mobile/AMP/alternate forms to the outlet's canonical form, removes a trailing
    slash, and unwraps redirect links that carry their target (:func:`unwrap_redirect`).
    """
    current = url.strip()
    try:
        while True:
            canonical = _canonical_once(current)
            target = unwrap_redirect(canonical) if _MAYBE_REDIRECT_RE.search(canonical) else None
            if target is None:
                return canonical
            current = target  # strictly shorter than the redirect link, so this ends
    except (ValueError, UnicodeError, idna.IDNAError):
        return url.strip()


def _canonical_once(url: str) -> str:
    parts = urlsplit(_undouble_prefix(url))
    scheme = parts.scheme.lower()
    hostname = parts.hostname  # a property that parses the netloc on every read
    if scheme not in ("http", "https") or not hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = _host(hostname)
    port = parts.port  # raises ValueError on a bad port
    path = _strip_trailing_slash(_strip_amp(_normalise_path(parts.path)))
    query = [(k, v) for k, v in _normalise_query(parts.query) if not _is_dropped(k, v)]
    outlet = _BY_HOST.get(host)
    if outlet is not None:
        host = outlet.host
        query = [(k, v) for k, v in query if _decode(k).lower() not in outlet.drop_params]
        if outlet.rewrite is not None:
            path, query = outlet.rewrite(path, query)
    elif path == _NDSOFT_ARTICLE:
        host = re.sub(r"^(?:m|mobile)\.", "www.", host)
    if path == _NDSOFT_ARTICLE:
        query = [(k, v) for k, v in query if _decode(k).lower() in _NDSOFT_KEEP]
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    query_text = "&".join(f"{k}={v}" if v else k for k, v in sorted(query))
    return f"{scheme}://{netloc}{path}" + (f"?{query_text}" if query_text else "")


_DOUBLED_PREFIX_RE = re.compile(r"(?i)https?://[^/?#]*?(https?://[^/?#]+.*)$")


def _undouble_prefix(url: str) -> str:
    # 데일리한국's feed writes links as "http://daily.hankooki.comhttp://daily.hankooki.com/news/...":
    # a scheme+host glued in front of a complete URL. Keep the last complete URL.
    while True:
        if url.count("://") < 2:  # the pattern needs two: most links skip it
            return url
        match = _DOUBLED_PREFIX_RE.match(url)
        if not match:
            return url
        url = match.group(1)


_PLAIN_HOST_RE = re.compile(r"[a-z0-9.-]*")


def _host(hostname: str) -> str:
    host = hostname.rstrip(".").lower()
    if ":" in host or (host.isascii() and _PLAIN_HOST_RE.fullmatch(host) and "xn--" not in host):
        return host  # IPv6 literal, or a plain ASCII name: nothing to encode
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        # Not a valid IDN (underscores, odd labels): the standard library's IDNA 2003 codec is laxer.
        return host.encode("idna").decode("ascii").lower()


#: A path whose every character quote() keeps and that has no dot segment is already normal (most
#: article paths): quoting it segment by segment was a fifth of canonical_url's time.
_PLAIN_PATH_RE = re.compile(r"(?:/[A-Za-z0-9_~!$&'()*+,;=:@.-]*)*")


def _normalise_path(path: str) -> str:
    if "/." not in path and _PLAIN_PATH_RE.fullmatch(path):
        return path or "/"
    segments = [quote(unquote_to_bytes(s), safe=_PATH_SAFE) for s in path.split("/")]
    out: list[str] = []
    for segment in segments[1:] if path.startswith("/") else segments:
        if segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
            continue
        out.append(segment)
    if segments and segments[-1] in (".", ".."):
        out.append("")  # "/a/b/.." names the directory "/a/"
    return "/" + "/".join(out)


def _split_query(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.replace(";", "&").split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((key, value))
    return pairs


def _decode(component: str) -> str:
    return unquote(component.replace("+", " "))


def _encode_component(component: str) -> str:
    return quote_plus(unquote_to_bytes(component.replace("+", " ")), safe=_QUERY_SAFE)


def _normalise_query(query: str) -> Query:
    pairs = [(_encode_component(k), _encode_component(v)) for k, v in _split_query(query)]
    return [(k, v) for k, v in pairs if k or v]


def _is_dropped(key: str, value: str) -> bool:
    name = _decode(key).lower()
    if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
        return True
    amp_values = _AMP_FLAGS.get(name)
    return amp_values is not None and _decode(value).lower() in amp_values


_AMP_SUFFIX_RE = re.compile(r"(?i)(?:\.amp)+(\.html?)?$")


def _strip_amp(path: str) -> str:
    # /amp/article/1, /article/1/amp and /article/1.amp(.html) are AMP renderings of /article/1(.html).
    if "amp" not in path.lower():  # nothing to strip (the path is ASCII: _normalise_path quoted it)
        return path.rstrip("/") or "/"
    segments = path.rstrip("/").split("/")
    kept = [s for s in segments[1:] if s.lower() != "amp"]
    while kept and not kept[-1]:
        kept.pop()
    if kept:
        kept[-1] = _AMP_SUFFIX_RE.sub(r"\1", kept[-1]) or kept[-1]
    return "/" + "/".join(kept)


def _strip_trailing_slash(path: str) -> str:
    return path.rstrip("/") or "/"
