"""The relevance policy (../shared/RELEVANCE.md) as the shipped topics file encodes it: one example per
class of case, written for these tests (no third-party text).

Each class is a mechanism, not a phrase: English sources, Korean firms standing for Korea, the context
tier of one actor's measure, supporting topics, lists that are not compounds, and items without a
headline. `tests/test_relevance_real.py` holds the figures on the real labelled news."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.lang import ENGLISH_INFLECTIONS, english_inflections
from monitor.lang.text import normalize
from monitor.match.matcher import Matcher, headline_or_first_sentence, lede_length, load_matcher

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(ROOT / "config" / "topics.toml")


def verdict(matcher: Matcher, title: str | None, text: str | None = None) -> str | None:
    """The tier of a relevant verdict, or None for an irrelevant one."""
    result = matcher.match(title, text)
    assert (result.tier is not None) == result.relevant, result
    return result.tier


# --- English-language sources -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("South Korea, the United States and Japan held talks", "한미일 held talks"),
        ("Japan, South Korea and the U.S. agreed", "한미일 agreed"),
        ("S. Korea, US, Japan discuss", "한미일 discuss"),
        ("Seoul, Washington and Tokyo", "한미일"),
        ("South Korea and the United States signed", "한미 signed"),
        ("talks between Seoul and Tokyo", "talks between 한일"),
        # a list of markets, and North Korea, are not the actors
        ("exports to the U.S. and Japan rose", "exports to the U.S. and Japan rose"),
        ("North Korea, the US and Japan", "North Korea, the US and Japan"),
    ],
)
def test_english_lists_of_the_three_become_the_actor(spelling: str, canonical: str) -> None:
    assert normalize(spelling) == canonical


@pytest.mark.parametrize(
    ("title", "text", "tier"),
    [
        ("Seoul, Washington and Tokyo agree to link supply chain early warning systems", None, "core"),
        (None, "Officials of Japan, South Korea and the United States met on Friday to discuss critical "
               "minerals. They will meet again in spring.", "core"),
        ("S. Korea, US discuss chip export controls at economic security dialogue", None, "core"),
        ("US Commerce Department extends waiver for Samsung Electronics' China chip plants", None, "core"),
        ("Japan tightens export controls on chipmaking equipment", None, "context"),
        ("China's commerce ministry announces export curbs on gallium and germanium", None, "context"),
        ("North Korea fires missile as the US and Japan hold drills", None, None),
        ("Samsung shares jump as memory chip prices rise", None, None),
        ("Korea beat Japan 2-1 in the Asian Cup semi-final", None, None),
    ],
)  # fmt: skip
def test_english_articles_are_judged_like_korean_ones(
    matcher: Matcher, title: str | None, text: str | None, tier: str | None
) -> None:
    assert verdict(matcher, title, text) == tier


def test_english_terms_match_plurals_and_possessives_on_word_boundaries(matcher: Matcher) -> None:
    hits = {
        h.matched for h in matcher.match("Korea's critical minerals and Japan's export controls", None).hits
    }
    assert {"critical minerals", "export controls"} <= hits
    # a word that merely starts like a term is not the term (chip / chipset is fine, chips are chips)
    assert not {
        h.term for h in matcher.match("Chipotle sales rise in Korea and Japan", None, full=True).hits
    } & {"반도체"}


@pytest.mark.parametrize("rule", ENGLISH_INFLECTIONS, ids=lambda r: r.name)
def test_each_english_inflection_rule_finds_its_example(rule) -> None:
    """The rules are data; each one's example is found, and its stem alone is not a word."""
    term, form = rule.example
    forms = english_inflections(term)
    assert any(form == stem + ending for stem, endings, _ in forms for ending in endings)
    assert all(bare == (stem == term) for stem, _, bare in forms)


# --- Korea named through its companies ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "tier"),
    [
        ("美 상무부, 삼성전자에 반도체 보조금 지급 확정", "core"),  # a US measure that hits a Korean firm
        ("美하원 반도체지원법 통과에 삼성·SK 세제혜택 전망", "core"),
        ("美, 삼성·SK하이닉스 中공장 수출통제 1년 유예", "core"),  # a bare name in the title, with a measure
        ("US extends export control waiver for Samsung's China chip plant", "core"),
        ("삼성전자, 美 텍사스 반도체 공장 가동", None),  # a bare name and the firm's own plant: no measure
        ("삼성전자 반도체 신공장 착공…2년 뒤 양산", None),  # the firm's own plant: no government acts
        ("SK하이닉스, HBM 공급 계약에 주가 급등", None),  # a market
        ("LG에너지솔루션 배터리 영업이익 3배 증가", None),  # earnings
    ],
)
def test_a_korean_firm_stands_for_korea_only_beside_a_foreign_measure(
    matcher: Matcher, title: str, tier: str | None
) -> None:
    assert verdict(matcher, title) == tier


# --- the context tier ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "tier"),
    [
        ("中 상무부, 희토류 수출통제 강화 발표", "context"),
        ("미 의회, 반도체 지원법 처리…대통령 서명만 남아", "context"),  # 미 alone is the US in a headline
        ("日 정부, 반도체 장비 수출규제 시행", "context"),
        ("한국 반도체 수출 석 달째 감소", None),  # no measure named
        ("中 희토류 관련주 급등", None),  # a market
    ],
)
def test_one_governments_measure_is_context(matcher: Matcher, title: str, tier: str | None) -> None:
    assert verdict(matcher, title) == tier


def test_context_items_say_why_and_core_wins_when_both_apply(matcher: Matcher) -> None:
    context = matcher.match("中 상무부, 갈륨 수출통제 발표", None)
    assert context.tier == "context" and context.reason.startswith("context: one actor (cn)")
    core = matcher.match("한미, 中 갈륨 수출통제에 공급망 공동 대응", None)
    assert core.tier == "core"


# --- supporting topics and lists ---------------------------------------------------------------------


def test_a_supporting_topic_counts_only_beside_another(matcher: Matcher) -> None:
    assert verdict(matcher, "한미 조선 협력 마스가 본격화") is None
    assert verdict(matcher, "한미, 관세 협상서 반도체 공급망 협력 합의") == "core"
    dropped = matcher.match("한미 조선 협력 마스가 본격화", None, full=True).dropped
    assert any(d.note and "supporting topic" in d.note for d in dropped)


def test_a_dotted_list_of_three_is_not_a_compound(matcher: Matcher) -> None:
    terms = {h.term for h in matcher.match("한미 산업·안보·경제 협력 강화", None, full=True).hits}
    assert "산업 안보" not in terms
    assert "산업 안보" in {h.term for h in matcher.match("한미 산업·안보 협력 강화", None, full=True).hits}


def test_long_terms_match_in_mixed_spacing(matcher: Matcher) -> None:
    # 재외 공관 조기 경보 시스템 has four gaps: every mix of glued and spaced words is found
    result = matcher.match("재외공관 조기경보시스템 점검…공급망 교란 대비", None)
    assert result.tier == "core" and "재외 공관 조기 경보 시스템" in result.standalone


# --- items without a headline --------------------------------------------------------------------------


def test_an_item_without_a_headline_is_judged_with_its_first_sentence(matcher: Matcher) -> None:
    text = "정부가 칩4 예비회의에 참여하겠다는 뜻을 미국에 전달했다. 회의는 다음 달 열린다."
    assert headline_or_first_sentence(None, text) == (
        "정부가 칩4 예비회의에 참여하겠다는 뜻을 미국에 전달했다.",
        "회의는 다음 달 열린다.",
    )
    assert headline_or_first_sentence("제목", text) == ("제목", text)
    assert verdict(matcher, None, text) == "core"
    assert verdict(matcher, "", text) == "core"


def test_the_lede_is_the_first_sentence_within_its_limit() -> None:
    assert lede_length("첫 문장은 여기서 끝난다. 둘째 문장.", 200) == len("첫 문장은 여기서 끝난다.")
    assert lede_length("마침표 없이 길게 이어지는 문장" * 20, 50) == 50
    assert lede_length("아무 문장", 0) == 0


# --- a headline alone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "美 '반도체법' 상하원 통과… 삼성-SK 등 25% 세액공제",  # the policy's own example
        "한미일 산업장관, 핵심광물 공급망 공동성명",
        "韓, 핵심광물안보파트너십 의장국 수임",
        "한미일 재무장관회의 첫 개최",  # a framework the policy names
    ],
)
def test_a_headline_alone_is_enough(matcher: Matcher, title: str) -> None:
    assert matcher.match(title, None).relevant


# --- the article's language ------------------------------------------------------------------------------


def test_english_country_names_count_in_english_articles_only(matcher: Matcher) -> None:
    """In Korean news the countries are named in Korean; an English "Korea" or "US" there is part of a name
    (Korea Herald, US오픈). The feed's declared language decides, else the text's script."""
    english = "Korea welcomes US decision on chip supply chain rules"
    assert matcher.match(english, None).tier == "core"
    assert matcher.match(english, None, language="en").tier == "core"
    korean = "Korea Herald 주최 반도체 공급망 포럼에 US 대사관 참석"
    assert not matcher.match(korean, None).relevant
    assert not matcher.match(korean, None, language="ko").relevant
    # the same English headline in an article the feed declares Korean is judged as Korean
    assert not matcher.match(english, None, language="ko").relevant


@pytest.mark.parametrize(
    ("title", "tier"),
    [
        ("한미일 외교장관회의 개최…인태 협력 공동성명", "core"),  # the ministerial dialogue itself
        ("Trilateral foreign ministers' meeting held in Munich", "core"),
        ("한미일 외교장관회의, 北 미사일 도발 규탄", None),  # security without economics
        ("한미일 외교장관회의서 북한 핵 대응 공조 확인", None),
    ],
)
def test_the_foreign_ministers_meeting_is_a_dialogue_unless_it_is_security_only(
    matcher: Matcher, title: str, tier: str | None
) -> None:
    assert verdict(matcher, title) == tier
