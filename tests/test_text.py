"""monitor.lang.text: one canonical form for everything the matcher reads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.lang.text import (
    canonicalize_actors,
    clean,
    collapse_whitespace,
    fold_case,
    may_form_pairs,
    normalize,
    snippet,
)

ACTOR_SPELLINGS = {
    "한·미·일 산업장관회의": "한미일 산업장관회의",
    "한-미-일": "한미일",
    "한ㆍ미ㆍ일 3국": "한미일 3국",  # U+318D, the Hangul letter typists use as a middle dot
    "한・미・일": "한미일",  # katakana middle dot
    "한 · 미 · 일": "한미일",
    "韓美日 협력": "한미일 협력",
    "韓·美·日": "한미일",
    "한국·미국·일본": "한미일",
    "한국 · 미국 · 일본": "한미일",
    "한국과 미국 일본 3국 정부가": "한미일 3국 정부가",  # seed 001
    "한국과 미국, 일본은": "한미일은",
    "한국, 미국, 일본 3국": "한미일 3국",
    "U.S.-Japan-Korea trilateral": "한미일 trilateral",
    "한·미 정상": "한미 정상",
    "한―미 정상": "한미 정상",  # horizontal bar as a dash
    "Korea-US FTA": "한미 FTA",
    "美·日 경제판 2+2": "미일 경제판 2+2",
    "일·미 합의": "미일 합의",
    "미국과 일본이 손잡았다": "미일이 손잡았다",
    "한ㆍ일 정상회담": "한일 정상회담",
    "일본·한국": "한일",
    "한국 및 일본 정부": "한일 정부",
    "한·일전": "한일전",  # so that the exclusion for the football match sees it
}

NOT_ACTORS = [
    "북·미·일",  # North Korea–US–Japan
    "한·중·일 정상",  # with China
    "한·미·중 관계",
    "27일·미국",  # a date, then a country
    "매주 토·일",  # Saturday and Sunday
    "한·미국",
    "한국, 미국, 일본, 인도, EU는",  # a list that goes on is not the trio
    "미국과 일본 고객사",  # two markets, not two actors
    "한국과 미국의 기준금리",  # a comparison
    "美中 갈등",
    "中韓美",
]


@pytest.mark.parametrize(("raw", "canonical"), ACTOR_SPELLINGS.items())
def test_actor_spellings_become_canonical(raw: str, canonical: str) -> None:
    assert normalize(raw) == canonical


@pytest.mark.parametrize("raw", NOT_ACTORS)
def test_look_alikes_are_left_alone(raw: str) -> None:
    assert normalize(raw) == collapse_whitespace(clean(raw))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("&amp;#8595; 급락", "↓ 급락"),  # double-escaped, as 119 knews titles are
        ("[책&amp;생각]", "[책&생각]"),
        ("추경호 quot;한미 금리 역전quot;", '추경호 "한미 금리 역전"'),  # the ampersand was lost
        ("&#65321;&#65328;&#65317;&#65318;", "IPEF"),  # an entity for a full-width letter
        ("ＩＰＥＦ 협정", "IPEF 협정"),
        ("공\u200b급\u200d망", "공급망"),
        ("\ufeff한미\u00ad일", "한미일"),
        ("<p>한미일</p> <b>공급망</b>", "한미일 공급망"),
        ("대(對)러 제재", "대러 제재"),
        ("a\tb  c\r\n\n\n\nd", "a b c\n\nd"),
        ("\u00a0반도체…", "반도체..."),
        ("", ""),
    ],
)
def test_normalize_fixes_what_feeds_send(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_accepts_none() -> None:
    assert normalize(None) == ""


def test_mixed_scripts_survive() -> None:
    text = "한미일 IPEF 協力 сотрудничество 🇰🇷 AI반도체"
    assert normalize(text) == text


def test_five_megabytes_normalise() -> None:
    text = ("한·미 반도체 공급망 협력 &amp; 수출통제\u200b… " * 120_000)[:5_000_000]
    out = normalize(text)
    assert out.startswith("한미 반도체 공급망 협력 & 수출통제...")
    assert "\u200b" not in out


@given(st.text())
@settings(max_examples=300)
def test_fold_case_keeps_length(text: str) -> None:
    # offsets found in the folded text must be offsets in the original
    assert len(fold_case(text)) == len(text)


_FRAGMENTS = st.sampled_from(
    ["한", "미", "일", "韓", "美", "日", "한국", "미국", "일본", "중국", "과 ", "와 ", " 및 ", "·", "-", "/",
     ",", " ", "\n", "\t", "이", "은", "의", "3국", "세 나라", "정부", "Korea", "Japan", "U.S.", "북", "7",
     "공급망"]
)  # fmt: skip
_ACTORISH = st.lists(_FRAGMENTS, max_size=12).map("".join)


@given(_ACTORISH)
@settings(max_examples=1500)
def test_may_form_pairs_is_conservative(text: str) -> None:
    """The prefilter relies on this: whenever canonicalisation changes something, the cheap test says so,
    before and after whitespace collapsing."""
    collapsed = collapse_whitespace(text)
    if canonicalize_actors(collapsed) != collapsed:
        assert may_form_pairs(collapsed)
        assert may_form_pairs(text)


@given(_ACTORISH)
@settings(max_examples=500)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_snippet_marks_cut_ends() -> None:
    text = "가" * 50 + "공급망" + "나" * 50
    s = snippet(text, 50, 53, width=5)
    assert s == "…가가가가가공급망나나나나나…"
    assert snippet("공급망\n협력", 0, 3) == "공급망 협력"
