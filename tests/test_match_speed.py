"""The matcher's fast paths give exactly the answers of the slow ones they skip.

Speed itself is measured by bench/bench_match.py, never asserted here."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.lang.text import CLEAN_MARKERS, clean, collapse_spaces, collapse_whitespace, light_clean
from monitor.match.matcher import load_matcher
from monitor.paths import topics_file

# Pieces that exercise every step of clean() and collapse_whitespace(): white space of all kinds,
# invisible characters, dots and dashes (some of which NFKC would change), entities whole and bare,
# tags and Korean book-title brackets, compatibility characters, hanja glosses, and ordinary words.
PIECES = [
    "한미일",
    "한·미·일",
    "한ㆍ미ㆍ일",
    "韓美日",
    "공급망",
    "반도체",
    "수출 통제",
    "IPEF",
    "AI",
    "R&D",
    "a",
    "Z",
    " ",
    "  ",
    "\n",
    "\n\n\n",
    " \n ",
    "\t",
    "\r\n",
    "\xa0",
    "\u3000",
    "\u2028",
    "\u1680",
    "\u200b",
    "\ufeff",
    "\xad",
    "\x07",
    "·",
    "ㆍ",
    "･",
    "‧",
    "•",
    "－",
    "―",
    "﹘",
    "-",
    "&amp;",
    "&amp;#8595;",
    "&#65313;",
    "quot;",
    "&",
    ";",
    "&x",
    "<b>",
    "</p>",
    "<해외>",
    "<",
    "＜",
    "＆",
    "；",
    "㎞",
    "①",
    "ⓒ",
    "…",
    "ＩＰＥＦ",
    "對",
    "(對)",
    "대(對)러",
    "e\u0301",
    "\u0301",
]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@pytest.fixture(scope="module")
def matcher():
    return load_matcher(topics_file())


def _slow(text: str) -> str:
    return collapse_whitespace(clean(text))


@settings(max_examples=600, deadline=None)
@given(texts)
@example("한ㆍ미ㆍ일 반도체")
@example("<해외혈통 어린이 지원> 등")
@example("한미 &quot;공급망&quot;")
def test_light_clean_is_clean_when_no_marker_remains(text):
    light, done = light_clean(text)
    folded = light.lower()
    if done and not any(m in folded for m in CLEAN_MARKERS):
        assert collapse_whitespace(light) == _slow(text)
        assert collapse_spaces(light) == light  # what the prefilter scans has its spaces collapsed


@settings(max_examples=400, deadline=None)
@given(texts, texts)
def test_prepare_cleans_exactly_as_clean_then_collapse(matcher, title, text):
    got_title, got_text, raw, found, _ = matcher._prepare(title, text)
    assert (collapse_whitespace(got_title), collapse_whitespace(got_text)) == (_slow(title), _slow(text))
    assert raw == f"{got_title}\n\n{got_text}".encode()
    assert found == matcher._scan(raw)[0]


def test_markers_in_title_and_text_are_told_apart(matcher):
    # a tag in the title only: the text's light cleaning stands, the title is cleaned in full
    title, text, *_ = matcher._prepare("<b>한미일</b> 공급망", "한미일  공급망 ① 협력")
    assert (title, text) == ("한미일 공급망", "한미일 공급망 1 협력")


@settings(max_examples=300, deadline=None)
@given(texts, texts)
def test_match_gives_the_same_result_on_cleaned_input(matcher, title, text):
    # the fast paths must not make the answer depend on how clean the input already was
    assert matcher.match(title, text) == matcher.match(_slow(title), _slow(text))
