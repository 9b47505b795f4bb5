"""Ingest: from a feed's URL to clean articles.

The only package that speaks HTTP. Behind this face, one concern per module:

- ``fetch``: conditional GET, size and time caps, per-host limits, Retry-After and backoff, the
  private-address guard;
- ``parse``: feed bytes to entries (feedparser, with an lxml fast path for well-formed RSS) and charsets;
- ``extract``: an article page to its text (trafilatura, with the page's own metadata);
- ``urls``: canonical URLs, so one article has one key however an outlet links it;
- ``aggregator``: entries an aggregator carries for another outlet, credited to that outlet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.ingest.aggregator import credit
    from monitor.ingest.extract import extract_article
    from monitor.ingest.fetch import PAGE_ACCEPT, Fetcher, next_attempt_delay, parse_retry_after
    from monitor.ingest.parse import parse_feed
    from monitor.ingest.urls import WIRE_OUTLETS, article_outlet, canonical_url, outlet_for

__all__ = [
    "Fetcher",
    "PAGE_ACCEPT",
    "WIRE_OUTLETS",
    "article_outlet",
    "canonical_url",
    "credit",
    "extract_article",
    "next_attempt_delay",
    "outlet_for",
    "parse_feed",
    "parse_retry_after",
]

__getattr__ = lazy_names(
    __name__,
    {
        "credit": "aggregator",
        "extract_article": "extract",
        "Fetcher": "fetch",
        "PAGE_ACCEPT": "fetch",
        "next_attempt_delay": "fetch",
        "parse_retry_after": "fetch",
        "parse_feed": "parse",
        "WIRE_OUTLETS": "urls",
        "article_outlet": "urls",
        "canonical_url": "urls",
        "outlet_for": "urls",
    },
)
