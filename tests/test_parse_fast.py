"""The lxml fast path of monitor.ingest.parse against feedparser, on documents written here.

Every case is parsed twice, with the fast path and with feedparser only (``fast=False``), and the two
ParsedFeed values must be identical; the ``accepted`` cases must also really take the fast path, and the
``refused`` ones must fall back (each is something the fast path does not reproduce).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import monitor.ingest.parse as parse_module
from monitor.ingest.parse import _decode_feed, _fast_parse, parse_feed

URL = "https://news.example.kr/rss/economy.xml"
DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
ATOM = 'xmlns:atom="http://www.w3.org/2005/Atom"'
MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'


def rss(
    items: str,
    *,
    channel: str = "<title>경제 뉴스</title><link>https://news.example.kr/</link>",
    ns: str = "",
    decl: str = '<?xml version="1.0" encoding="utf-8"?>\n',
    version: str = "2.0",
) -> bytes:
    return (
        f'{decl}<rss version="{version}" {ns}><channel>{channel}'
        f"<description>경제 안보</description>{items}</channel></rss>"
    ).encode()


def item(body: str) -> str:
    return f"<item>{body}</item>"


ACCEPTED: dict[str, bytes] = {
    "plain": rss(
        item(
            "<title>반도체 수출통제 강화</title><link>https://news.example.kr/a/1</link>"
            "<guid>https://news.example.kr/a/1</guid>"
            "<pubDate>Mon, 23 Nov 2026 09:00:00 +0900</pubDate>"
            "<description>한미일 공급망 협의체가 회의를 열었다.</description>"
            "<author>reporter@news.example.kr (김기자)</author>"
        )
    ),
    "relative links": rss(
        item("<title>상대 링크</title><link>/a/2?x=1&amp;y=2</link>"),
        channel="<title>t</title><link>../home/</link>",
    ),
    "permalink guid is the link": rss(item("<title>guid</title><guid>/a/3</guid>")),
    "guid not a permalink": rss(item('<title>g</title><guid isPermaLink="false">id-4</guid>')),
    "link after guid wins": rss(
        item("<title>g</title><guid>https://x.example.kr/g</guid><link>https://x.example.kr/l</link>")
    ),
    "empty link after guid": rss(item("<title>g</title><guid>https://x.example.kr/g</guid><link></link>")),
    "escaped html": rss(
        item(
            "<title>&lt;b&gt;굵은&lt;/b&gt; 제목 &amp;amp; R&amp;D</title>"
            "<description><![CDATA[<p>첫 문단</p><p>둘째 <a href='/x'>문단</a></p>]]>"
            "</description>"
        )
    ),
    "content longer than description": rss(
        item(
            "<title>c</title><description>짧은 요약</description>"
            "<content:encoded><![CDATA[<p>훨씬 긴 본문이 여기에 있다. 공급망과 수출통제.</p>]]></content:encoded>"
        ),
        ns=CONTENT,
    ),
    "dc creator and date": rss(
        item("<title>d</title><dc:creator>이기자</dc:creator><dc:date>2026-11-23T09:00:00+09:00</dc:date>"),
        ns=DC,
    ),
    "naive local date": rss(item("<title>d</title><pubDate>2026-11-23 09:30</pubDate>")),
    "dotted local date": rss(item("<title>d</title><dc:date>2026.11.23 09:30:00</dc:date>"), ns=DC),
    "bad date": rss(item("<title>d</title><pubDate>어제 오후</pubDate>")),
    "categories": rss(
        item(
            '<title>c</title><category domain="x"></category><category>경제</category>'
            "<category>경제</category><category> 안보 </category>"
        )
    ),
    "cp1252 controls": rss(item("<title>\u0093따옴표\u0094 \u0085</title>")),
    "double-encoded utf-8": rss(item("<title>cafÃ©</title>")),
    "comments and cdata in text": rss(item("<title>앞<!-- 주석 -->뒤 <![CDATA[R&D]]></title>")),
    "atom self link and unknown namespace": rss(
        item(
            '<title>n</title><ext:score xmlns:ext="https://ext.example/ns">3</ext:score>'
            '<media:thumbnail url="https://x.example.kr/t.jpg"/>'
        ),
        channel=f"<title>t</title><link>https://news.example.kr/</link>"
        f'<atom:link href="{URL}" rel="self" type="application/rss+xml"/>',
        ns=f"{ATOM} {MEDIA}",
    ),
    "image block before the title": rss(
        item("<title>i</title>"),
        channel="<image><title>로고</title><url>https://x.example.kr/l.png</url>"
        "<link>https://x.example.kr/img</link>"
        "</image><title>진짜 제목</title><link>https://news.example.kr/</link>",
    ),
    "repeated guid": rss(item("<title>1</title><guid>https://x.example.kr/1</guid>") * 2),
    "no title, no link": rss(item("<description>요약만 있는 항목</description>")),
    "no items": rss(""),
    "euc-kr": rss(
        item("<title>원화 약세</title><link>https://x.example.kr/w</link>"),
        decl='<?xml version="1.0" encoding="euc-kr"?>\n',
    )
    .decode()
    .encode("euc-kr"),
    "whitespace around values": rss(
        item("<title>\n  공백  \n</title><link>\n https://x.example.kr/s \n</link>")
    ),
    "query that looks like an entity": rss(
        item("<title>q</title><link>https://x.example.kr/?a=1&amp;amp;b=2</link>")
    ),
    # news-search feeds (issue 15): the publisher in <source>, before or after the title
    "news-search source": rss(
        item(
            "<title>공급망 점검 - 연합뉴스</title>"
            "<link>https://news.google.com/rss/articles/CBMi1?oc=5</link>"
            '<source url="https://www.yna.co.kr">연합뉴스</source>'
        )
        + item('<source url="https://www.newsis.com"> 뉴시스 </source><title>수출통제 - 뉴시스</title>')
    ),
    "source without url or name": rss(
        item("<title>a</title><source>AT&amp;T 뉴스</source>")
        + item('<title>b</title><source url="/relative"></source>')
    ),
}

REFUSED: dict[str, bytes] = {
    "doctype": rss(item("<title>x</title>"), decl='<?xml version="1.0"?>\n<!DOCTYPE rss>\n'),
    "xml:base": rss(item('<title xml:base="https://other.example/">x</title><link>a</link>')),
    "markup inside description": rss(item("<title>x</title><description><p>unescaped</p></description>")),
    "second title": rss(item("<title>one</title><title>two</title>")),
    "alternate atom link": rss(item('<title>x</title><atom:link href="https://x.example.kr/alt"/>'), ns=ATOM),
    "media group": rss(
        item("<title>x</title><media:group><media:title>m</media:title></media:group>"), ns=MEDIA
    ),
    "dc subject": rss(item("<title>x</title><dc:subject>경제</dc:subject>"), ns=DC),
    "unknown plain element": rss(item("<title>x</title><summary>other</summary>")),
    "second source": rss(
        item(
            '<title>x</title><source url="https://a.example">A</source>'
            '<source url="https://b.example">B</source>'
        )
    ),
    "rss 0.91": rss(item("<title>x</title>"), version="0.91"),
    "not well-formed": rss(item("<title>R&D 투자</title>")),
    "atom": (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><entry><title>e</title></entry></feed>'
    ),
    "rss 1.0": (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns="http://purl.org/rss/1.0/">'
        b'<channel rdf:about="x"><title>r</title></channel>'
        b'<item rdf:about="i"><title>i</title></item>'
        b"</rdf:RDF>"
    ),
    "base64 mode": rss(item('<title mode="base64">7ZWc</title>')),
    "item attributes": rss(
        '<item rdf:about="urn:x" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        "<title>x</title></item>"
    ),
    "known prefix, unknown namespace": rss(
        item('<title>x</title><content:encoded xmlns:content="urn:other">길고 긴 다른 본문</content:encoded>')
    ),
}


def takes_fast_path(content: bytes) -> bool:
    return _fast_parse(_decode_feed(content, None, None).text, URL) is not None


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_fast_path_equals_feedparser(name: str) -> None:
    content = ACCEPTED[name]
    assert takes_fast_path(content), name
    assert parse_feed(content, url=URL) == parse_feed(content, url=URL, fast=False)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unusual_documents_fall_back(name: str) -> None:
    content = REFUSED[name]
    assert not takes_fast_path(content), name
    fast, slow = _both(content)
    assert fast == slow


def _both(content: bytes) -> tuple[object, object]:
    out = []
    for fast in (True, False):
        try:
            out.append(parse_feed(content, url=URL, fast=fast))
        except parse_module.ParseError as exc:
            out.append(("ParseError", str(exc)))
    return out[0], out[1]


def test_fast_path_values() -> None:
    """What the fast path gives, spelled out (the equality tests only say it agrees with feedparser)."""
    parsed = parse_feed(ACCEPTED["plain"], url=URL)
    assert (parsed.title, parsed.link, parsed.version, parsed.encoding) == (
        "경제 뉴스",
        "https://news.example.kr/",
        "rss20",
        "utf-8",
    )
    (entry,) = parsed.entries
    assert entry.title == "반도체 수출통제 강화"
    assert (entry.entry_id, entry.id_source) == ("https://news.example.kr/a/1", "guid")
    assert entry.published == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    assert entry.author == "reporter@news.example.kr (김기자)"
    relative = parse_feed(ACCEPTED["relative links"], url=URL)
    assert relative.link == "https://news.example.kr/home/"
    assert relative.entries[0].link == "https://news.example.kr/a/2?x=1&y=2"
    naive = parse_feed(ACCEPTED["naive local date"], url=URL).entries[0]
    assert naive.published == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 09:30 KST
    content = parse_feed(ACCEPTED["content longer than description"], url=URL).entries[0]
    assert content.summary.startswith("훨씬 긴 본문")
    dup = parse_feed(ACCEPTED["repeated guid"], url=URL)
    assert len(dup.entries) == 1 and dup.problem and "repeated id" in dup.problem


def test_fast_path_does_not_call_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser called for a document the fast path accepts")

    monkeypatch.setattr(parse_module.feedparser, "parse", refuse)
    assert parse_feed(ACCEPTED["plain"], url=URL).entries[0].title == "반도체 수출통제 강화"
    with pytest.raises(parse_module.ParseError):  # refused documents still go to feedparser
        parse_feed(REFUSED["atom"], url=URL)


def test_fast_path_reads_the_news_search_source() -> None:
    first, second = parse_feed(ACCEPTED["news-search source"], url=URL).entries
    assert (first.source_title, first.source_url) == ("연합뉴스", "https://www.yna.co.kr")
    assert (second.source_title, second.source_url) == ("뉴시스", "https://www.newsis.com")
