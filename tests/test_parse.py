"""monitor.ingest.parse on fixtures written for this project (tests/fixtures/feeds) and bytes built here.

Charset cases are built in code so that each test shows the exact bytes it is about.
"""

from __future__ import annotations

import contextlib
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import ParseError
from monitor.ingest.parse import entry_id_for, html_to_text, parse_feed
from monitor.models import ParsedFeed

FEEDS = Path(__file__).parent / "fixtures" / "feeds"

#: 똠, 햏 and 뷁 are outside KS X 1001: EUC-KR cannot hold them, CP949 can.
CP949_ONLY = "똠방 햏자 뷁"


def feed(name: str, **kwargs: object) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), **kwargs)  # type: ignore[arg-type]


def rss(title: str, *, declaration: str | None = "utf-8", channel: str = "한국어 채널") -> str:
    decl = f'<?xml version="1.0" encoding="{declaration}"?>\n' if declaration else ""
    return (
        f'{decl}<rss version="2.0"><channel><title>{channel}</title><link>https://k.example.kr/</link>'
        f"<item><title>{title}</title><link>https://k.example.kr/1</link>"
        f"<description>{title} 관련 소식</description></item></channel></rss>"
    )


# --------------------------------------------------------------------------------------------------
# Formats and fields
# --------------------------------------------------------------------------------------------------


def test_rss20_entry_fields() -> None:
    parsed = feed("rss20_korean.xml")
    assert (parsed.version, parsed.encoding) == ("rss20", "utf-8")
    assert parsed.title == "예시경제 > 산업"
    assert parsed.link == "https://news.example.kr/industry"
    first = parsed.entries[0]
    assert first.entry_id == "example-101" and first.id_source == "guid"
    assert first.link == "https://news.example.kr/a/101"
    assert first.author == "홍길동 기자"
    assert first.categories == ("산업", "통상")  # repeated category kept once
    assert first.published == datetime(2024, 3, 14, 0, 20, tzinfo=UTC)
    assert first.updated is None  # RSS says when it was published, not when it was updated


def test_titles_are_plain_text_even_when_double_escaped() -> None:
    titles = [e.title for e in feed("rss20_korean.xml").entries]
    assert titles[0] == '한미일 ↓ 관세 "완화" 논의 [책&생각]'
    assert titles[1] == "반도체 수출 석 달째 증가"  # whitespace and newlines collapsed
    assert titles[-1] == "<포토> 부산항 컨테이너 부두"  # "<포토>" is text, not a tag


def test_summary_prefers_the_longer_full_content() -> None:
    first, second = feed("rss20_korean.xml").entries[:2]
    assert first.summary == "한국과 미국, 일본이 관세 완화를 논의했다.\n\n세 나라는 다음 달 다시 만난다."
    assert second.summary == "반도체 수출이 석 달째 늘었다.\n\n정부는 <수출 동향> 자료를 냈다."


def test_atom() -> None:
    parsed = feed("atom_korean.xml", url="https://policy.example.kr/feed.xml")
    assert (parsed.version, parsed.title) == ("atom10", "정책 브리핑 예시")
    entry = parsed.entries[0]
    assert entry.link == "https://policy.example.kr/briefing/1"  # relative link resolved against url
    assert entry.author == "기획재정부" and entry.categories == ("경제안보",)
    assert entry.published == datetime(2024, 3, 14, 1, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 3, 15, 0, 0, tzinfo=UTC)
    assert entry.summary.startswith("정부는 14일 경제안보 점검회의를")


def test_rss10_and_rss091() -> None:
    rdf = feed("rss10_korean.xml")
    assert rdf.version == "rss10"
    assert rdf.entries[0].title == "수출통제 제도 정리"
    assert rdf.entries[0].published == datetime(2024, 3, 14, 3, 0, tzinfo=UTC)  # dc:date
    old = feed("rss091_korean.xml")
    assert old.version.startswith("rss091")
    assert [(e.title, e.id_source) for e in old.entries] == [("무역협회, 대미 수출 설명회", "link")]


def test_knews_style_feed_without_declaration() -> None:
    parsed = feed("knews_style.xml")
    assert parsed.problem is None and parsed.encoding == "utf-8"
    first, empty = parsed.entries
    assert first.title == "[단독] 배터리 소재 ‘탈중국’ 속도"
    assert first.link == "https://paper.example.kr/article/1/?utm_source=rss&utm_medium=rss"
    assert first.published == datetime(2024, 3, 14, 7, 55, tzinfo=UTC)
    assert (
        first.summary
        == "배터리 업계가 소재 조달처를 넓히고 있다. 예시사진\n\n업계 관계자는 '속도가 붙었다'고 했다···"
    )
    assert empty.summary == ""


# --------------------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------------------


def test_entry_id_falls_back_from_guid_to_link_to_hash() -> None:
    assert entry_id_for(" g-1 ", "https://x/1", "t", "s") == ("g-1", "guid")
    assert entry_id_for("  ", "https://x/1", "t", "s") == ("https://x/1", "link")
    entry_id, source = entry_id_for(None, None, "제목", "요약")
    assert source == "hash" and entry_id.startswith("sha1:") and len(entry_id) == 45
    assert entry_id_for(None, "", "제목", "요약")[0] == entry_id  # stable
    assert entry_id_for(None, None, "제목", "다른 요약")[0] != entry_id


def test_entry_ids_in_a_feed() -> None:
    sources = {e.title: e.id_source for e in feed("rss20_korean.xml").entries}
    assert sources["반도체 수출 석 달째 증가"] == "link"
    assert sources["날짜도 링크도 없는 단신"] == "hash"


def test_duplicate_guids_keep_the_first_and_say_so() -> None:
    parsed = feed("rss20_korean.xml")
    ids = [e.entry_id for e in parsed.entries]
    assert ids.count("example-101") == 1
    assert parsed.entries[0].link == "https://news.example.kr/a/101"
    assert parsed.problem == "1 entry with a repeated id dropped"


# --------------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thu, 14 Mar 2024 09:20:00 +0900", datetime(2024, 3, 14, 0, 20, tzinfo=UTC)),
        ("2022-07-29T07:55:00.000Z", datetime(2022, 7, 29, 7, 55, tzinfo=UTC)),
        ("2024-03-14T10:00:00+09:00", datetime(2024, 3, 14, 1, 0, tzinfo=UTC)),
        # no offset: Korean outlets write local time (feedparser would say UTC, or misread the dots)
        ("2024-03-14 18:30:00", datetime(2024, 3, 14, 9, 30, tzinfo=UTC)),
        ("2024.03.14 10:30", datetime(2024, 3, 14, 1, 30, tzinfo=UTC)),
        ("2024/03/14", datetime(2024, 3, 13, 15, 0, tzinfo=UTC)),
        ("2099-01-01T00:00:00Z", datetime(2099, 1, 1, tzinfo=UTC)),  # future: kept as is
        ("2024-13-45 10:00", None),
        ("어제 오후", None),
    ],
)
def test_entry_dates_are_aware_utc(raw: str, expected: datetime | None) -> None:
    body = rss("날짜").replace(
        "</title><link>https://k.example.kr/1", f"</title><pubDate>{raw}</pubDate><link>x"
    )
    (entry,) = parse_feed(body.encode()).entries
    assert entry.published == expected
    if entry.published is not None:
        assert entry.published.tzinfo is UTC


def test_entry_without_any_date() -> None:
    entry = next(e for e in feed("rss20_korean.xml").entries if e.id_source == "hash")
    assert (entry.published, entry.updated) == (None, None)


def test_future_dated_atom_entry_keeps_its_date() -> None:
    entry = feed("atom_korean.xml").entries[1]
    assert entry.published == entry.updated == datetime(2099, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------------------------------
# Charsets
# --------------------------------------------------------------------------------------------------


def test_declared_euc_kr_feed() -> None:
    parsed = parse_feed(rss("한미 통상 협의", declaration="euc-kr").encode("euc_kr"))
    assert parsed.entries[0].title == "한미 통상 협의"
    assert (parsed.encoding, parsed.problem) == ("euc-kr", None)


def test_feed_declaring_euc_kr_but_holding_cp949_syllables() -> None:
    content = rss(CP949_ONLY, declaration="euc-kr").encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        content.decode("euc_kr")  # the premise: strict EUC-KR cannot read it
    parsed = parse_feed(content)
    assert parsed.entries[0].title == CP949_ONLY
    assert parsed.encoding == "cp949"
    assert parsed.problem == "declared euc-kr but contains CP949-only characters (똠, 햏, 뷁); read as cp949"


def test_undeclared_euc_kr_bytes_are_read_as_korean() -> None:
    parsed = parse_feed(rss("경제안보 대화 개최", declaration=None).encode("euc_kr"))
    assert parsed.entries[0].title == "경제안보 대화 개최"
    assert parsed.encoding == "cp949"
    assert "no charset declared" in (parsed.problem or "")


def test_http_charset_wins_over_the_xml_declaration() -> None:
    content = rss("공급망 점검", declaration="iso-8859-1").encode("utf-8")
    parsed = parse_feed(content, headers={"Content-Type": "application/rss+xml; charset=UTF-8"})
    assert parsed.entries[0].title == "공급망 점검"
    assert (parsed.encoding, parsed.problem) == ("utf-8", None)


def test_wrong_http_charset_falls_back_to_the_declaration_and_says_so() -> None:
    content = rss("반도체 협력", declaration="euc-kr").encode("euc_kr")
    parsed = parse_feed(content, headers={"content-type": "text/xml; charset=utf-8"})
    assert parsed.entries[0].title == "반도체 협력"
    assert parsed.encoding == "euc-kr"
    assert parsed.problem == "HTTP header says utf-8 but the bytes are not utf-8; read as euc-kr"


def test_latin1_label_on_korean_bytes_is_overruled() -> None:
    """Servers that default to ISO-8859-1 would otherwise store Hangul as mojibake without any error."""
    content = rss("수출규제 해제", declaration=None).encode("cp949")
    parsed = parse_feed(content, headers={"content-type": "text/xml; charset=ISO-8859-1"})
    assert parsed.entries[0].title == "수출규제 해제"
    assert parsed.encoding == "cp949"
    assert "ISO-8859-1" in (parsed.problem or "")


def test_text_xml_without_charset_is_not_a_problem() -> None:
    parsed = parse_feed(rss("관세 협상").encode(), headers={"content-type": "text/xml"})
    assert parsed.problem is None and parsed.entries[0].title == "관세 협상"


def test_encoding_override_forces_the_charset() -> None:
    content = rss("핵심광물 협력", declaration="utf-8").encode("cp949")  # lies about being UTF-8
    parsed = parse_feed(content, encoding_override="cp949")
    assert parsed.entries[0].title == "핵심광물 협력"
    assert (parsed.encoding, parsed.problem) == ("cp949", None)


def test_unknown_encoding_override_is_ignored() -> None:
    parsed = parse_feed(rss("기술 보호").encode(), encoding_override="no-such-charset")
    assert parsed.entries[0].title == "기술 보호" and parsed.encoding == "utf-8"


@pytest.mark.parametrize("codec", ["utf-16", "utf-8-sig"])
def test_byte_order_marks(codec: str) -> None:
    parsed = parse_feed(rss("인공지능 규범", declaration=codec.replace("-sig", "")).encode(codec))
    assert parsed.entries[0].title == "인공지능 규범"


def test_feed_served_as_text_html_still_parses() -> None:
    parsed = parse_feed(rss("공동성명 채택").encode(), headers={"content-type": "text/html; charset=utf-8"})
    assert parsed.entries[0].title == "공동성명 채택"


# --------------------------------------------------------------------------------------------------
# Broken input
# --------------------------------------------------------------------------------------------------


def test_ill_formed_feed_yields_what_it_can() -> None:
    parsed = feed("illformed_korean.xml")
    assert [e.title for e in parsed.entries] == ["R&D 예산 늘린다", "두 번째 기사"]
    assert parsed.entries[0].summary == "연구개발 예산이 늘어난다"
    assert parsed.problem is not None and parsed.problem.startswith("ill-formed feed: ")
    assert len(parsed.problem) <= 200


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a feed: empty body"),
        (b"  \r\n\t ", "not a feed: empty body"),
        (
            b"<!DOCTYPE html><html><head><title>x</title></head><body><p>hi</p></body></html>",
            "not a feed: looks like an HTML page",
        ),
        (
            "<html lang='ko'><body><h1>로그인이 필요합니다</h1></body></html>".encode(),
            "not a feed: looks like an HTML page",
        ),
        (
            gzip.compress(rss("압축").encode()),
            "not a feed: gzip-compressed bytes (the body was not decompressed)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a feed: binary data"),
        (b'{"error": "rate limited"}', "not a feed: looks like JSON (JSON Feed is not supported)"),
        (b"Service Unavailable", "not a feed: no XML markup (starts with 'Service Unavailable')"),
        (
            b"<?xml version='1.0'?><!-- nothing here -->",
            "not a feed: no elements (only a prolog or comments)",
        ),
        (
            b"<?xml version='1.0'?><error><code>404</code></error>",
            "not a feed: no RSS, RDF or Atom element (root element <error>)",
        ),
    ],
)
def test_not_a_feed(content: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_feed(content)
    assert str(caught.value) == reason


def test_empty_but_valid_feed_is_a_feed() -> None:
    parsed = parse_feed(
        b'<rss version="2.0"><channel><title>\xeb\xb9\x88 \xec\xb1\x84\xeb\x84\x90</title></channel></rss>'
    )
    assert (parsed.title, parsed.entries, parsed.problem) == ("빈 채널", (), None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_random_bytes_raise_nothing_but_parse_error(content: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_feed(content)


_XMLISH = st.lists(
    st.sampled_from(
        [
            "<rss version='2.0'>",
            "<channel>",
            "<item>",
            "<title>",
            "</title>",
            "</item>",
            "<feed>",
            "&amp;",
            "&#",
            "<![CDATA[",
            "]]>",
            "<!--",
            "-->",
            "<?xml version='1.0' encoding='euc-kr'?>",
            "한글",
            "\x00",
            "\ud7a3",
            "<guid>",
            "</guid>",
            "<pubDate>2024-99-99</pubDate>",
            "<link>",
            "</link>",
            "&lt;b&gt;",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(_XMLISH, st.sampled_from(["utf-8", "cp949", "utf-16"]))
def test_feed_shaped_garbage_raises_nothing_but_parse_error(text: str, codec: str) -> None:
    with contextlib.suppress(ParseError):
        parse_feed(text.encode(codec, errors="replace"))


# --------------------------------------------------------------------------------------------------
# html_to_text
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>첫 문단</p><p>둘째   문단</p>", "첫 문단\n\n둘째 문단"),
        ("줄<br>바꿈", "줄\n바꿈"),
        ("&amp;#8595; 하락", "↓ 하락"),
        ("[책&amp;생각]", "[책&생각]"),
        ("&lt;p&gt;이중 &amp;quot;이스케이프&amp;quot;&lt;/p&gt;", '이중 "이스케이프"'),
        ("<포토> 2 < 3", "<포토> 2 < 3"),
        ("R&D 예산, AT&T", "R&D 예산, AT&T"),
        ("<script>alert(1)</script><style>p{}</style>본문", "본문"),
        ("<!-- 주석 -->본문<?php echo 1; ?>", "본문"),
        ("<table><tr><td>종목</td><td>현재가</td></tr></table>", "종목 현재가"),
        ("  \u00a0공백\u3000정리\t ", "공백 정리"),
        ("<div><p>a</p>\n\n\n<p>b</p></div>", "a\n\nb"),
    ],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | _XMLISH)
def test_html_to_text_never_fails_and_leaves_no_tags(fragment: str) -> None:
    import re

    text = html_to_text(fragment)
    assert not re.search(r"<[A-Za-z/!?][^<>]*>", text)
    assert html_to_text(text) == html_to_text(html_to_text(text))  # settles after one more pass
