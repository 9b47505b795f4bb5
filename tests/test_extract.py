"""monitor.ingest.extract on pages written for this project (tests/fixtures/pages) and bytes built here.

Golden files: every ``tests/fixtures/pages/NAME.html`` has ``NAME.expected.txt``, the exact text
extract_article must return. After a deliberate change, regenerate them with

    MONITOR_REGEN_GOLDEN=1 python -m pytest tests/test_extract.py -k golden

and review the diff before committing.

``korean_outlet_euckr.html`` is ``korean_outlet.html`` re-encoded as CP949 (it holds 똠, which EUC-KR
cannot), labelled ``euc-kr`` by a ``<meta http-equiv>`` placed after a 1.4 KB script, past the 1024 bytes
where HTML parsers look for it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import ExtractError
from monitor.ingest.extract import MIN_ARTICLE_CHARS, clean_article_text, decode_html, extract_article

PAGES = Path(__file__).parent / "fixtures" / "pages"
REGEN = os.environ.get("MONITOR_REGEN_GOLDEN") == "1"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# --------------------------------------------------------------------------------------------------
# Golden pages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("html", sorted(PAGES.glob("*.html")), ids=lambda p: p.stem)
def test_golden(html: Path) -> None:
    expected = html.with_suffix(".expected.txt")
    text = extract_article(html.read_bytes()).text
    if REGEN:
        expected.write_text(text + "\n", encoding="utf-8")
    assert expected.exists(), f"{expected.name} missing: run with MONITOR_REGEN_GOLDEN=1 and review it"
    assert text + "\n" == expected.read_text(encoding="utf-8")


def test_outlet_page_drops_the_furniture_around_the_story() -> None:
    text = extract_article(page("korean_outlet.html")).text
    assert text.startswith("한국과 미국, 일본이 핵심광물을")  # dateline "[세종=예시경제] 홍길동 기자 = " gone
    assert "▲공동비축 대상 광물 선정 ▲비상시 방출 절차" in text  # an inline ▲ list is prose
    assert '"한 나라 혼자서는 버티기 어렵다"' in text  # the subheading
    for junk in (
        "가장작게",
        "스크랩",
        "사진=",
        "gildong@",
        "무단전재",
        "좋아요",
        "주요 뉴스",
        "코스피",
        "1,352.40",
    ):
        assert junk not in text, junk


def test_outlet_page_metadata() -> None:
    extracted = extract_article(page("korean_outlet.html"), url="https://news.example.kr/a/101")
    assert extracted.title == '한미일, 핵심광물 공동비축 첫 논의…"공급망 충격 함께 막는다"'
    assert extracted.author == "홍길동 기자"
    assert extracted.published == datetime(2024, 3, 14, 0, 20, tzinfo=UTC)
    assert (extracted.charset, extracted.charset_source) == ("utf-8", "meta")


def test_euc_kr_variant_reads_its_late_meta_and_matches_the_utf8_page() -> None:
    content = page("korean_outlet_euckr.html")
    assert content.find(b"charset=euc-kr") > 1024  # the premise
    extracted = extract_article(content)
    assert (extracted.charset, extracted.charset_source) == ("cp949", "meta")
    assert extracted.text == extract_article(page("korean_outlet.html")).text
    assert "똠양산업" in extracted.text


def test_table_layout_page_is_read_from_its_cell() -> None:
    text = extract_article(page("table_layout.html")).text
    assert text.startswith("한국과 일본의 자동차 부품업체들이")  # "(부산=예시일보) 김철수 기자 = " gone
    assert text.count("\n\n") == 3  # four <br><br> paragraphs
    assert "로그인" not in text and "cskim@" not in text


def test_client_rendered_page_is_read_from_next_flight_data() -> None:
    extracted = extract_article(page("nextjs_shell.html"))
    assert extracted.text.startswith("미국 상무부가 한국산 대형 변압기에")
    assert "관세율이 낮아질 여지가 있다" in extracted.text  # <strong> inside a sentence stays glued
    assert "자료사진" not in extracted.text  # the caption div is not a paragraph
    assert extracted.title == "美 상무부, 한국산 변압기 관세 재검토 착수"


def test_json_ld_article_body_when_the_dom_has_no_text() -> None:
    body = "정부가 공급망 안정화 기금 운용 계획을 발표했다.\n기금은 핵심 품목 비축과 조달처 다변화에 쓰인다."
    ld = json.dumps(
        {"@type": "NewsArticle", "headline": "기금 운용", "articleBody": body}, ensure_ascii=False
    )
    script = f'<script type="application/ld+json">{ld}</script>'
    html = f'<html><head>{script}</head><body><div id="app"></div></body></html>'
    assert extract_article(html.encode()).text == body.replace("\n", "\n\n")


def test_a_trafilatura_crash_falls_back_to_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RecursionError("deep page")

    monkeypatch.setattr("trafilatura.bare_extraction", crash)
    monkeypatch.setattr("trafilatura.extract_metadata", crash)
    extracted = extract_article(page("korean_outlet.html"))
    assert extracted.text.startswith("한국과 미국, 일본이 핵심광물을")
    assert extracted.title is None


# --------------------------------------------------------------------------------------------------
# Charset
# --------------------------------------------------------------------------------------------------

KOREAN = "<html><head>{meta}</head><body><p>한미일 경제안보 협력이 강화된다.</p></body></html>"
PLAIN = KOREAN.format(meta="")


def content_type(charset: str) -> dict[str, str]:
    return {"Content-Type": f"text/html; charset={charset}"}


@pytest.mark.parametrize(
    ("content", "headers", "expected"),
    [
        (PLAIN.encode("cp949"), content_type("EUC-KR"), ("cp949", "header")),
        (PLAIN.encode("utf-8"), {"content-type": "text/html;charset=utf-8"}, ("utf-8", "header")),
        (b"\xef\xbb\xbf" + PLAIN.encode(), None, ("utf-8", "bom")),
        (PLAIN.encode("utf-16"), None, ("utf-16-le", "bom")),
        (KOREAN.format(meta='<meta charset="ks_c_5601-1987">').encode("cp949"), None, ("cp949", "meta")),
        # a header that contradicts the bytes gives way to the <meta>
        (
            KOREAN.format(meta='<meta charset="euc-kr">').encode("cp949"),
            content_type("utf-8"),
            ("cp949", "meta"),
        ),
        # a Latin-1 default on Korean bytes is overruled by detection
        (PLAIN.encode("cp949"), content_type("iso-8859-1"), ("cp949", "detected")),
        (PLAIN.encode("cp949"), None, ("cp949", "detected")),
        (PLAIN.encode("utf-8"), None, ("utf-8", "detected")),
    ],
)
def test_decode_html(content: bytes, headers: dict[str, str] | None, expected: tuple[str, str]) -> None:
    text, charset, source = decode_html(content, headers)
    assert (charset, source) == expected
    assert "한미일 경제안보 협력이 강화된다." in text
    assert not text.startswith("\ufeff")


def test_one_broken_sequence_does_not_overturn_a_declared_charset() -> None:
    """CMSes cut meta descriptions mid-character; the page is still UTF-8."""
    content = KOREAN.format(meta='<meta charset="utf-8">').encode().replace(b"<head>", b"<head>\xea\xb2")
    assert decode_html(content)[1:] == ("utf-8", "meta")


# --------------------------------------------------------------------------------------------------
# No article
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers", "reason"),
    [
        (b"", None, "empty page"),
        (
            b"%PDF-1.7 ...",
            {"Content-Type": "application/pdf"},
            "not an HTML page (content-type application/pdf)",
        ),
        (
            "<html><body><nav><a href='/'>홈</a> <a href='/news'>뉴스</a></nav></body></html>".encode(),
            None,
            "no article text found in 77 characters of HTML",
        ),
    ],
)
def test_no_article(content: bytes, headers: dict[str, str] | None, reason: str) -> None:
    with pytest.raises(ExtractError) as caught:
        extract_article(content, headers=headers)
    assert str(caught.value) == reason


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=400)
    | st.text(max_size=400).map(lambda t: f"<html><body><p>{t}</p></body></html>".encode())
)
def test_random_pages_raise_nothing_but_extract_error(content: bytes) -> None:
    try:
        extracted = extract_article(content)
    except ExtractError:
        return
    assert len(extracted.text) >= MIN_ARTICLE_CHARS


# --------------------------------------------------------------------------------------------------
# clean_article_text: junk goes
# --------------------------------------------------------------------------------------------------

STORY = "정부는 이날 회의에서 핵심 품목의 공급망 위험을 점검하고 대응 방안을 논의했다고 밝혔다."


@pytest.mark.parametrize(
    "junk",
    [
        "가장작게",
        "작게",
        "기본",
        "크게",
        "가장크게",
        "• 가장작게",
        "- 기사 스크랩",
        "공유",
        "프린트",
        "클린뷰",
        "-",
        ",",
        "기사 URL이 복사되었습니다.",
        "좋아요0",
        "• 화나요 0",
        "추가취재 원해요0",
        "96,808,000",
        "+5.07%",
        "-0.12%",
        "05.21 10:21 실시간",
        "입력 2023-10-24 16:30",
        "수정 2023.10.24 17:02",
        "기사입력 2019.11.20 14:05",
        "▲장영진 1차관이 24일 서울에서 차관과 면담을 하고 있다. (사진제공=산업통상자원부)",
        "참석자들이 기념촬영을 하고 있다. [사진=산업통상자원부] 2024.06.27 rang@newspim.com",
        "청사에서 열린 회의에 참석한 모습. /대통령실 제공",
        "장동혁 대표가 29일 국회에서 경례하고 있다. 연합뉴스",
        "직원들이 안내 책자를 점검하고 있다. 인천=연합뉴스",
        "시민들이 거리에서 행진하고 있다. AFP 연합뉴스",
        "rang@newspim.com",
        "홍길동 기자 gildong@example.com",
        "박준석 기자 외 1명",
        "[홍길동 기자]",
        "/연합뉴스",
        "ⓒ 예시경제 무단전재 및 재배포 금지",
        "<Copyright ⓒ 한국일보. All rights reserved. 무단 전재 및 재배포 금지>",
        "Copyright@더팩트(tf.co.kr) All right reserved.",
        "저작권자 © 뉴스핌 무단전재-재배포 금지",
    ],
)
def test_junk_line_is_dropped(junk: str) -> None:
    assert clean_article_text(f"{STORY}\n{junk}") == STORY


@pytest.mark.parametrize(
    ("dated", "sentence"),
    [
        ("[세종=뉴스핌] 김기랑 기자 = 한미일 산업장관이 모였다.", "한미일 산업장관이 모였다."),
        (
            "[더팩트ㅣ용산=박숙현 기자] 한국, 미국, 일본 3국 정부가 만났다.",
            "한국, 미국, 일본 3국 정부가 만났다.",
        ),
        ("(서울=연합뉴스) 홍길동·김철수 기자 = 수출이 늘었다.", "수출이 늘었다."),
        ("【워싱턴=뉴시스】 수출통제 협의가 열렸다.", "수출통제 협의가 열렸다."),
        ("[아시아경제 이영희 기자] 반도체 협력이 강화된다.", "반도체 협력이 강화된다."),
    ],
)
def test_dateline_is_stripped_and_the_sentence_kept(dated: str, sentence: str) -> None:
    assert clean_article_text(dated) == sentence


def test_list_heading_at_the_end_takes_everything_after_it() -> None:
    text = "\n".join(
        [
            STORY,
            "주요 뉴스",
            "코스피, 사흘째 상승",
            '"전세 대신 월세"…월세 비중 최고',
            "오늘의 상승종목",
            "실시간 암호화폐 시세",
            "종목",
            "현재가(원)",
            "변동률",
            "비트코인",
            "96,808,000",
            "+5.07%",
            "* 24시간 변동률 기준",
        ]
    )
    assert clean_article_text(text) == STORY


def test_related_articles_box_mid_story_is_dropped_and_the_story_resumes() -> None:
    after = "세 나라는 다음 달 도쿄에서 후속 회의를 열어 비축 목록과 방출 기준을 확정할 예정이다."
    text = "\n".join(
        [STORY, "관련기사", "한미, 배터리 소재 협의체 출범", "일본, 희토류 비축 예산 두 배로", after]
    )
    assert clean_article_text(text) == f"{STORY}\n\n{after}"


def test_english_list_headings() -> None:
    assert (
        clean_article_text(f"{STORY}\nMost Viewed News\nCold wave hits Seoul\nHeadline News\nRates held")
        == STORY
    )


def test_repeated_paragraph_is_kept_once() -> None:
    caption_like = "세 나라 장관이 공동선언문을 들고 기념촬영을 하고 있는 가운데 취재진이 몰렸다"
    assert clean_article_text(f"{caption_like}\n{caption_like}\n{STORY}") == f"{caption_like}\n\n{STORY}"


# --------------------------------------------------------------------------------------------------
# clean_article_text: real paragraphs stay
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keep",
    [
        "이와 함께 ▲첨단기술 수출통제 공조 강화 ▲공동 연구 증진 등을 추구하기로 했다.",
        "▲첨단기술 수출통제 공조 강화",  # a short ▲ list item, not a caption
        "▲인도·태평양경제 프레임워크(IPEF) 이행을 위한 파트너 간 장기 경제협력 지원",
        "관련 기사에 따르면 양국은 지난해부터 실무 협의를 이어왔고 올해 안에 결론을 낼 계획이다.",
        (
            "개정 저작권법은 기사의 무단 전재를 막기 위해 언론사의 권리를 넓히는 내용을 담았으며, "
            "업계는 재배포 금지 조항의 실효성을 두고 의견이 갈렸다. 정부는 하반기 시행령을 고친다."
        ),
        (
            "문의는 trade@example.go.kr 로 받으며, 신청 기간은 다음 달 말까지로 "
            "정부는 참여 기업 명단을 공개할 예정이라고 밝혔다."
        ),
        "공급망 다변화, 이제는 선택 아닌 생존",  # a subheading
        "[단독] 배터리 소재 탈중국 속도",
        "수출은 전년보다 5.2% 늘어난 632억 달러를 기록했다.",
        "2024년",
        '"경상도와 전라도로 나눠서 왜 싸우나."',
        (
            "실시간으로 바뀌는 환율 탓에 수출 기업들은 하루에도 몇 번씩 "
            "결제 시점을 다시 계산해야 한다고 호소했다."
        ),
        "주요 뉴스를 요약해 전하는 서비스가 인기를 끌고 있다는 조사 결과가 나와 눈길을 끌었다.",
    ],
)
def test_real_paragraph_is_kept(keep: str) -> None:
    assert clean_article_text(f"{STORY}\n{keep}") == f"{STORY}\n\n{keep}"


_LINES = st.lists(
    st.sampled_from(
        [STORY, "주요 뉴스", "좋아요0", "▲사진 설명이다.", "홍길동 기자", "1,234", "기본", "한 줄"]
    )
) | st.lists(st.text(max_size=80), max_size=10)


@settings(max_examples=200, deadline=None)
@given(_LINES)
def test_clean_article_text_is_idempotent(lines: list[str]) -> None:
    once = clean_article_text("\n".join(lines))
    assert clean_article_text(once) == once
