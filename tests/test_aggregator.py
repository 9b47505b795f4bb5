"""News-search items credited to their publishers (monitor.ingest.aggregator), and <source> read by the parser."""

from __future__ import annotations

import sqlite3

import pytest

from monitor.ingest.aggregator import credit, strip_publisher_suffix
from monitor.ingest.parse import parse_feed
from monitor.models import FeedEntry
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS
from monitor.store.stories import stored_outlet


def entry(
    title: str,
    *,
    link: str = "https://news.google.com/rss/articles/CBMi1?oc=5",
    source: str | None = None,
    source_url: str | None = None,
    summary: str = "",
) -> FeedEntry:
    return FeedEntry("g1", "guid", title, link, summary, source_title=source, source_url=source_url)


@pytest.mark.parametrize(
    ("title", "publisher", "expected"),
    [
        ("美 반도체 수출통제 강화 - 연합뉴스", "연합뉴스", "美 반도체 수출통제 강화"),
        (
            "Korea, US discuss chip supply - The Korea Herald",
            "The Korea Herald",
            "Korea, US discuss chip supply",
        ),
        ("공급망 점검 회의 – 뉴시스", "뉴시스", "공급망 점검 회의"),  # en dash
        ("공급망 점검 회의 | 디지털타임스", "디지털 타임스", "공급망 점검 회의"),  # spacing differs
        ("핵심광물 협력 - 上", "연합뉴스", "핵심광물 협력 - 上"),  # not the publisher's name: kept
        (" - 연합뉴스", "연합뉴스", " - 연합뉴스"),  # nothing would be left: kept whole
    ],
)
def test_strip_publisher_suffix(title, publisher, expected):
    assert strip_publisher_suffix(title, publisher) == expected


def test_an_ordinary_item_is_not_credited():
    assert credit(entry("한미일 공급망 협력", link="https://www.yna.co.kr/view/AKR1")) is None


def test_a_news_search_item_is_credited_to_its_publisher_and_not_fetched():
    found = credit(
        entry(
            "美 상무부, 삼성 VEU 유지 - 연합뉴스",
            source="연합뉴스",
            source_url="https://www.yna.co.kr",
            summary="美 상무부, 삼성 VEU 유지\u00a0\u00a0연합뉴스",
        )
    )
    assert found is not None
    assert found.outlet == "www.yna.co.kr"  # as the publisher's own feed's articles are counted
    assert found.title == "美 상무부, 삼성 VEU 유지"
    assert found.summary == ""  # the description only repeated the headline and the name
    assert found.fetch_link is False  # the link is news.google.com's redirect


def test_an_item_linking_to_the_publishers_own_page_is_fetched():
    found = credit(
        entry(
            "IRA 지침 발표 - 머니투데이",
            link="https://news.mt.co.kr/mtview.php?no=1",
            source="머니투데이",
            source_url="https://mt.co.kr",
        )
    )
    assert found is not None and found.fetch_link


def test_a_source_without_url_credits_its_name():
    found = credit(entry("핵심광물 협정 서명 - 뉴스1", source="뉴스1"))
    assert found is not None and found.outlet == "뉴스1" and not found.fetch_link


def test_a_credited_outlet_keeps_its_wire_status():
    assert stored_outlet("https://news.google.com/rss/articles/x", "검색", "www.yna.co.kr") == (
        "www.yna.co.kr",
        True,
    )
    assert stored_outlet("https://news.google.com/rss/articles/x", "검색", None)[0] == "news.google.com"


def test_the_parser_reads_the_source_element():
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>검색</title>'
        "<item><title>제목 - 뉴시스</title><link>https://news.google.com/rss/articles/CBMi2</link>"
        '<source url="https://www.newsis.com">뉴시스</source></item>'
        "<item><title>자체 기사</title><link>https://www.newsis.com/view/1</link></item>"
        "</channel></rss>"
    ).encode()
    first, second = parse_feed(
        doc, headers={}, url="https://news.google.com/rss/search?q=x", encoding_override=None
    ).entries
    assert (first.source_title, first.source_url) == ("뉴시스", "https://www.newsis.com")
    assert (second.source_title, second.source_url) == (None, None)


def test_migration_9_adds_outlet_and_language_to_an_old_database(tmp_path):
    path = tmp_path / "m.db"
    with Store.open(path, migrate=False) as s:
        s.migrate(target=7)
        s.db.execute(
            "INSERT INTO feeds (name, url, interval_s, created_at) VALUES ('A', 'http://a/', 900, 'x')"
        )
        s.db.execute(
            "INSERT INTO articles (url, link, title, text, text_source, first_seen_at, fetched_at, "
            "content_hash, feed_id) VALUES ('https://n.example/1', 'https://n.example/1', '제목', '본문', "
            "'page', 'x', 'x', 'h', 1)"
        )
        s.db.conn.commit()
    with Store.open(path) as s:
        assert s.schema_version() == MIGRATIONS[-1].version
        row = s.db.execute("SELECT title, outlet, language FROM articles").fetchone()
        assert row == ("제목", None, None)  # kept, and NULL means "outlet from the URL", as before
        cols = {r[1] for r in s.db.execute("PRAGMA table_info(article_sources)").fetchall()}
        assert "outlet" in cols
    with pytest.raises(sqlite3.OperationalError):  # the columns are there once, not twice
        sqlite3.connect(path).execute("ALTER TABLE articles ADD COLUMN outlet TEXT")
