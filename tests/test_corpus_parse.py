"""monitor.ingest.parse on real feeds from ../shared/corpus (skipped when it is absent; see SOURCES.md there)."""

from __future__ import annotations

import html
import re
from datetime import UTC

import pytest

from monitor.errors import ParseError
from monitor.ingest.parse import parse_feed
from tests.conftest import CORPUS, corpus_path

pytestmark = pytest.mark.corpus

HANGUL = re.compile("[가-힣]")
LEFTOVER_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def hangul_text(parsed_title: str | None, *texts: str) -> None:
    joined = " ".join(filter(None, (parsed_title, *texts)))
    assert HANGUL.search(joined), joined[:80]
    assert "\ufffd" not in joined


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (CORPUS / "feeds/korean/chardet-tests/EUC-KR").glob("*.xml"))
)
def test_chardet_euc_kr_feeds(name: str) -> None:
    content = corpus_path("feeds", "korean", "chardet-tests", "EUC-KR", name).read_bytes()
    parsed = parse_feed(content)
    assert parsed.entries
    assert parsed.encoding == "euc-kr" and parsed.problem is None
    hangul_text(parsed.title, *(e.title + e.summary for e in parsed.entries))


def test_ricanet_declares_euc_kr_but_is_cp949() -> None:
    content = corpus_path("feeds", "korean", "chardet-tests", "CP949", "ricanet.com.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("euc_kr")
    parsed = parse_feed(content)
    assert len(parsed.entries) == 10
    assert parsed.title == "리카넷"
    assert parsed.entries[0].title == "구라치다 걸리면"
    assert parsed.encoding == "cp949"
    assert parsed.problem is not None and "CP949-only characters" in parsed.problem
    for entry in parsed.entries:
        hangul_text(entry.title, entry.summary)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("euc-kr.xml", lambda parsed: parsed.title == "\ub144"),
        ("euc-kr-item.xml", lambda parsed: parsed.entries[0].summary == "\ub144"),
        ("euc-kr-attribute.xml", lambda parsed: len(parsed.entries) == 1),  # the Hangul is in an <img alt>
    ],
)
def test_feedparser_euc_kr_cases(name: str, check: object) -> None:
    parsed = parse_feed(corpus_path("feeds", "feedparser-tests", "encoding", name).read_bytes())
    assert (parsed.encoding, parsed.problem) == ("euc-kr", None)
    assert check(parsed)  # type: ignore[operator]


def test_feedparser_undeclared_euc_kr() -> None:
    parsed = parse_feed(
        corpus_path("feeds", "feedparser-tests", "illformed", "chardet", "euckr.xml").read_bytes()
    )
    assert parsed.entries[0].title == "EUC-KR 에서 TypeKey 한글닉네임 표시하기"
    assert parsed.encoding == "cp949"
    assert parsed.problem is not None and parsed.problem.startswith("no charset declared")


@pytest.mark.parametrize("day", ["2022-07-29", "2022-07-30"])
def test_knews_feeds(day: str) -> None:
    directory = corpus_path("feeds", "korean", "knews-rss", day)
    total = 0
    for path in sorted(directory.glob("*.xml")):
        parsed = parse_feed(path.read_bytes())
        assert parsed.version == "rss20" and parsed.encoding == "utf-8", path.name
        assert parsed.problem is None or parsed.problem.endswith("with a repeated id dropped"), parsed.problem
        ids = [e.entry_id for e in parsed.entries]
        assert len(ids) == len(set(ids))
        for entry in parsed.entries:
            assert not LEFTOVER_ENTITY.search(entry.title), (path.name, entry.title)
            assert entry.published is not None and entry.published.tzinfo is UTC
            assert entry.id_source == "guid"
        total += len(parsed.entries)
    assert total > 5000


def test_knews_double_escaped_titles_are_decoded() -> None:
    """The derived headline table keeps feedparser's raw titles: the &amp; ones are the double-escaped."""
    table = corpus_path("news", "knews-rss-headlines", "headlines-2022-07-30.tsv")
    raw = [line.split("\t") for line in table.read_text(encoding="utf-8").splitlines()[1:]]
    escaped = {(row[2], row[5]) for row in raw if "&amp;" in row[5] or "&#" in row[5]}
    assert len(escaped) > 50
    directory = corpus_path("feeds", "korean", "knews-rss", "2022-07-30")
    by_file: dict[str, list[str]] = {}
    for feed_file, title in escaped:
        by_file.setdefault(feed_file, []).append(title)
    for feed_file, titles in by_file.items():
        ours = {e.title for e in parse_feed((directory / feed_file).read_bytes()).entries}
        for title in titles:
            assert " ".join(html.unescape(html.unescape(title)).split()) in ours, title


@pytest.mark.slow
def test_every_feedparser_test_file_parses_or_says_why() -> None:
    """2,100 feeds, many built to break parsers: the only exception allowed is ParseError."""
    root = corpus_path("feeds", "feedparser-tests")
    refused = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".xml", ".json"):
            try:
                parse_feed(path.read_bytes())
            except ParseError as exc:
                assert str(exc).startswith("not a feed: ")
                refused.append(path.name)
    # 7 CDF channels (a 1997 Microsoft format), a comment-only document and a JSON test file
    assert len(refused) == 9, refused
