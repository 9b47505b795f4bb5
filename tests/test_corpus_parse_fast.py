"""Differential test of the lxml fast path on every file of ../shared/corpus/feeds (skipped when absent).

Whenever the fast path accepts a document, parse_feed must give exactly the ParsedFeed that feedparser's
path gives. The files are feedparser's own test suite (the odd corners of RSS and Atom) and Korean news
feeds (what the monitor reads every day); the share of files taking the fast path is printed with -s.
"""

from __future__ import annotations

import pytest

from monitor.errors import ParseError
from monitor.ingest.parse import _decode_feed, _fast_parse, parse_feed
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

URL = "http://corpus.example/feeds/feed.xml"


def _slow(content: bytes) -> object:
    try:
        return parse_feed(content, url=URL, fast=False)
    except ParseError as exc:
        return ("ParseError", str(exc))


def _accepted(content: bytes) -> bool:
    try:
        text = _decode_feed(content, None, None).text
    except Exception:  # parse_feed refuses these before either parser runs
        return False
    return _fast_parse(text, URL) is not None


@pytest.mark.parametrize("group", ["feedparser-tests", "korean"])
def test_fast_path_agrees_with_feedparser(group: str) -> None:
    root = corpus_path("feeds", group)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    accepted, differing = 0, []
    for path in files:
        content = path.read_bytes()
        if not _accepted(content):
            continue
        accepted += 1
        if parse_feed(content, url=URL) != _slow(content):
            differing.append(str(path.relative_to(root)))
    print(f"\n{group}: {accepted} of {len(files)} files take the fast path; {len(differing)} differ")
    assert not differing, differing[:10]
    assert accepted > 0  # a fast path that never fires would pass vacuously


def test_korean_news_feeds_mostly_take_the_fast_path() -> None:
    """The feeds the monitor actually polls are plain RSS 2.0: if most of them stopped qualifying (a new
    restriction too broad), the speed-up would silently vanish."""
    files = [p for p in corpus_path("feeds", "korean", "knews-rss").rglob("*") if p.is_file()]
    taken = sum(_accepted(p.read_bytes()) for p in files)
    assert taken >= 0.9 * len(files), f"{taken} of {len(files)}"
