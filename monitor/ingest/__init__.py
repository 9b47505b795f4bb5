"""Ingest: from a feed's URL to clean articles.

The only package that speaks HTTP. Behind this face, one concern per module:

- ``fetch``: conditional GET, size and time caps, per-host limits, Retry-After and backoff, the
  private-address guard;
- ``parse``: feed bytes to entries (feedparser, with an lxml fast path for well-formed RSS) and charsets;
- ``extract``: an article page to its text (trafilatura, with the page's own metadata);
- ``urls``: canonical URLs, so one article has one key however an outlet links it;
- ``aggregator``: entries an aggregator carries for another outlet, credited to that outlet.
"""
