"""News-search feeds credit their items to the publishers, not to the aggregator.

A news-search feed (Google News today; Bing News and others use the same RSS shape) carries other
outlets' reports as items like::

    <item>
      <title>美, 삼성 中공장 VEU 지위 유지 - 연합뉴스</title>
      <link>https://news.google.com/rss/articles/CBMi…</link>
      <source url="https://www.yna.co.kr">연합뉴스</source>
    </item>

Three things follow, each a rule below with its example and a test (tests/test_aggregator.py):

- the outlet is the ``<source>`` element's publisher, so a story carried by five papers counts five outlets,
  not one ``news.google.com``; its URL names it the way the publisher's own feed does
  (:func:`monitor.ingest.urls.article_outlet`), so both copies count as one outlet;
- the headline loses the `` - 연합뉴스`` the aggregator appends, so the matcher and the clusterer read the
  publisher's headline;
- the link is fetched as the article page only when it is on the publisher's own host: an aggregator's
  redirect link (``news.google.com/rss/articles/…``) is not an article page and cannot be read offline.

Pure functions over :class:`~monitor.models.FeedEntry`: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.ingest.urls import article_outlet
from monitor.models import FeedEntry

#: The separators aggregators put between a headline and its publisher ("headline - 연합뉴스"); hyphen,
#: en dash, em dash and a vertical bar, with spaces around them.
SUFFIX_SEPARATORS = ("-", "–", "—", "|")
_SUFFIX = re.compile(r"\s+(?:" + "|".join(map(re.escape, SUFFIX_SEPARATORS)) + r")\s+(?P<name>[^-–—|]+?)\s*$")


@dataclass(frozen=True, slots=True)
class Credit:
    """Who an aggregated item belongs to, and what the pipeline does with it."""

    outlet: str  # the publisher: its host as article_outlet names it, else the <source> name
    publisher: str  # the <source> element's text ("연합뉴스"), for people
    title: str  # the headline without the aggregator's " - 연합뉴스"
    summary: str  # the summary without a trailing publisher name (Google's is "headline  연합뉴스")
    #: Whether the item's link is the publisher's own page (then it is fetched); else it is a redirect.
    fetch_link: bool
    #: The publisher's URL as the <source> element gives it (often its home page), or None.
    publisher_url: str | None


def credit(entry: FeedEntry) -> Credit | None:
    """The publisher an item credits, or None for an ordinary feed's own item (no ``<source>`` name)."""
    publisher = (entry.source_title or "").strip()
    if not publisher:
        return None
    source_url = entry.source_url if _is_http(entry.source_url) else None
    outlet = publisher
    if source_url:
        # The publisher's host names it as its own feed's articles are named (yna.co.kr); a host that
        # names no outlet (an address) leaves the publisher's name.
        outlet = article_outlet(source_url, publisher)[0] or publisher
    title = strip_publisher_suffix(entry.title, publisher)
    summary = _strip_trailing_name(entry.summary, publisher)
    if _fold(summary) == _fold(title):
        summary = ""  # Google's description repeats the headline (a link and the name): there is no text
    return Credit(
        outlet=outlet,
        publisher=publisher,
        title=title,
        summary=summary,
        fetch_link=bool(source_url and entry.link and _same_site(entry.link, source_url)),
        publisher_url=source_url,
    )


def strip_publisher_suffix(title: str, publisher: str) -> str:
    """``"美 반도체 규제 - 연합뉴스"`` → ``"美 반도체 규제"``: the publisher's name the aggregator appended.

    Only the publisher's own name goes (compared without spaces and case), so a headline that ends in
    ``- 上`` or ``- 현장`` keeps it; a headline that would be left empty is kept whole.
    """
    found = _SUFFIX.search(title)
    if found and _fold(found.group("name")) == _fold(publisher):
        cut = title[: found.start()].rstrip()
        return cut or title
    return title


def _strip_trailing_name(summary: str, publisher: str) -> str:
    text = summary.rstrip()
    if publisher and text.endswith(publisher):
        return text[: -len(publisher)].rstrip(" \u00a0-–—|")
    return summary


def _fold(name: str) -> str:
    return "".join(name.split()).casefold()


def _is_http(url: str | None) -> bool:
    return bool(url) and url.startswith(("http://", "https://"))  # type: ignore[union-attr]


def _site(url: str) -> str:
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return ""
    for prefix in ("www.", "m."):
        netloc = netloc.removeprefix(prefix)
    return netloc


def _same_site(link: str, publisher_url: str) -> bool:
    site = _site(publisher_url)
    return bool(site) and (_site(link) == site or _site(link).endswith("." + site))
