"""monitor.lang as the one owner of Korean text: one dot set, one suffix table, one stemmer, used by the
matcher, the term tuner and the story clusterer alike."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from monitor.lang import (
    BOUNDARY_SUFFIXES,
    DASHES,
    JOINING_PARTICLES,
    MIDDLE_DOTS,
    NAME_PARTICLE_CLASS,
    NUMBER_PARTICLE_SYLLABLES,
    PERSON_PARTICLE_CLASS,
    STEM_SUFFIXES,
    SUFFIXES,
    normalize,
    stem,
    unify_punctuation,
)
from monitor.lang.particles import load_suffixes
from monitor.match import Matcher
from monitor.match.topics import parse_topics
from monitor.match.tuning import _strip_particle
from monitor.models import ClusterItem
from monitor.stories.exact import content_hash, normalize_for_fingerprint
from monitor.stories.features import default_key_terms, event_cues, item_features

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"

# -- the table -----------------------------------------------------------------------------------------


def test_every_row_has_its_example_and_a_role() -> None:
    assert len(SUFFIXES) > 50
    for row in SUFFIXES:
        assert row.example.endswith(row.text) and row.roles


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("을\tparticle\tfinal\tstem", "expected 5 tab-separated fields"),
        ("을\tparticle\tsometimes\tstem\t공급망을", "unknown kind, after or role"),
        ("을\tparticle\tfinal\tstemming\t공급망을", "unknown kind, after or role"),
        ("을\tparticle\tfinal\tstem\t반도체", "does not end in"),
    ],
)
def test_a_bad_row_names_its_line(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=rf"particles.tsv line 2: .*{message}"):
        load_suffixes(f"# header\n{line}\n")


def test_a_suffix_listed_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2: '을' is listed twice"):
        load_suffixes("을\tparticle\tfinal\tstem\t공급망을\n을\tparticle\tany\tboundary\t공급망을\n")


def test_the_named_subsets_are_what_their_callers_decided_by() -> None:
    """Pinned as the callers had them before the table: unifying the lists changed no decision."""
    assert {"은", "는", "이", "가", "을", "를", "도", "만", "간", "측", "산", "양국"} <= BOUNDARY_SUFFIXES
    assert len(BOUNDARY_SUFFIXES) == 58
    # 도 and 만 end many nouns (러몬도, 대만): a matcher term may take them, the stemmer never cuts them
    assert "도" not in STEM_SUFFIXES and "만" not in STEM_SUFFIXES
    assert {s: r.after for s, r in STEM_SUFFIXES.items() if len(s) == 1} == {
        "은": "final", "는": "vowel", "이": "final", "가": "vowel", "을": "final", "를": "vowel",
        "의": "any", "에": "any", "와": "vowel", "과": "final", "로": "any", "한": "any", "할": "any",
        "된": "any", "될": "any",
    }  # fmt: skip
    assert set(NAME_PARTICLE_CLASS[1:-1]) == set("은는이가을를의에과와도로")
    assert set(PERSON_PARTICLE_CLASS[1:-1]) == set("은는이가의을를과와도")
    assert set(JOINING_PARTICLES) == set("과와의에을를")
    assert frozenset("을를이가은는의에으와과") == NUMBER_PARTICLE_SYLLABLES


# -- the stemmer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("공급망을", "공급망"),
        ("반도체와", "반도체"),
        ("반도체를", "반도체"),
        ("공급망과", "공급망"),
        ("공급망으로는", "공급망"),
        ("미국에서도", "미국"),
        ("합의했다", "합의"),
        ("확정됐다", "확정"),
        ("정상회의", "정상회의"),  # 의 ends the noun
        ("한미일의", "한미일"),
        ("러몬도", "러몬도"),  # 도 is never cut
        ("시너지효과", "시너지효과"),  # 과 needs a final consonant before it
        ("반도체이", "반도체이"),  # ... and 이 too
        ("미국", "미국"),  # a stem keeps two syllables
    ],
)
def test_stem(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


# -- one form through every caller ------------------------------------------------------------------------

TRIO = ["한·미·일", "한ㆍ미ㆍ일", "한・미・일", "한 · 미 · 일", "韓美日", "한―미―일", "한－미－일"]


@pytest.mark.parametrize("spelling", TRIO)
def test_the_trio_is_one_form_for_the_matcher_and_the_fingerprint(spelling: str) -> None:
    title = f"{spelling} 공급망 협력 강화"
    assert normalize(title) == "한미일 공급망 협력 강화"
    assert normalize_for_fingerprint(title, "") == normalize_for_fingerprint("한미일 공급망 협력 강화", "")
    assert content_hash(title, "") == content_hash("한미일 공급망 협력 강화", "")
    assert event_cues(title, "").countries == frozenset("한미일")
    assert default_key_terms(title, "") == default_key_terms("한미일 공급망 협력 강화", "")


def test_full_width_forms_are_one_form_for_every_caller() -> None:
    assert normalize("ＩＰＥＦ 공급망 협정") == "IPEF 공급망 협정"
    assert content_hash("ＩＰＥＦ 공급망 협정", "") == content_hash("IPEF 공급망 협정", "")
    assert default_key_terms("ＩＰＥＦ 공급망 협정", "") == default_key_terms("IPEF 공급망 협정", "")


def test_a_dotted_list_of_words_fingerprints_alike_whatever_the_dot() -> None:
    """ㆍ between words was a letter to the fingerprint (NFKC made it the jamo ᆞ): now a dot, as for the matcher."""
    dotted = "핵심·신흥 기술 협력 강화 방안 발표"
    for dot in MIDDLE_DOTS:
        assert content_hash(dotted.replace("·", dot), "") == content_hash(dotted, ""), hex(ord(dot))
        assert normalize(dotted.replace("·", dot)) == dotted


def test_unify_punctuation() -> None:
    assert unify_punctuation("한ㆍ미–일") == "한·미-일"
    assert all(unify_punctuation(d) == "·" for d in MIDDLE_DOTS)
    assert all(unify_punctuation(d) == "-" for d in DASHES)


SMALL_TOPICS = {
    "version": 1,
    "actors": {"korea_us": {"countries": ["kr", "us"], "terms": ["한미"]}},
    "topics": {"chips": {"terms": [{"term": "반도체", "weight": 0.8}, "공급망"]}},
}


@pytest.mark.parametrize("title", ["한미 공급망을 논의", "한미 반도체와 공급망", "한미는 반도체를 논의"])
def test_particles_leave_a_term_whole_for_the_matcher_the_tuner_and_the_clusterer(title: str) -> None:
    result = Matcher(parse_topics(SMALL_TOPICS), morphology=False).match(title, None)
    assert result.relevant, result.reason
    assert {h.term for h in result.hits} >= {"한미"}
    assert _strip_particle("공급망을") == "공급망" and _strip_particle("반도체와") == "반도체"
    terms = default_key_terms(title, "")
    assert "공급망" in terms or "반도체" in terms


def test_a_short_term_glued_to_a_longer_word_is_not_found() -> None:
    result = Matcher(parse_topics(SMALL_TOPICS), morphology=False).match("한미약품 공급망 점검", None)
    assert "한미" not in {h.term for h in result.hits}


# -- normalised once per poll ----------------------------------------------------------------------------


def test_features_from_the_polls_normalised_form_equal_features_computed_afresh() -> None:
    from monitor.stories import normalise

    item = ClusterItem(
        1, "[속보] 한·미·일 공급망 협력 강화", "(서울=연합뉴스) 홍길동 기자 = 한미일 3국이 공급망을 논의했다."
    )
    given = normalise(item.title, item.text)
    assert given.content_hash == content_hash(item.title, item.text)
    assert item_features(item, normalised=given) == item_features(item)


# -- no other owner -------------------------------------------------------------------------------------

#: A run of four or more one-syllable particles, maybe separated by list punctuation: a particle list.
_PARTICLE_RUN = re.compile(r"(?:[은는이가을를의에과와도로][\s|,/\"'()]*){4,}")
_LIST_NAMES = re.compile(r"(?:DOTS|DASHES)$|PARTICLE|JOSA", re.IGNORECASE)


def _modules_outside_lang() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "lang" not in p.relative_to(PACKAGE).parts]


def test_no_module_outside_lang_defines_a_particle_or_dot_list() -> None:
    offences = []
    for path in _modules_outside_lang():
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and _LIST_NAMES.search(target.id):
                        offences.append(f"{path.name}:{node.lineno} defines {target.id}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                dots = {c for c in node.value if c in MIDDLE_DOTS and c != "·"}
                if len(dots) >= 2:
                    offences.append(f"{path.name}:{node.lineno} lists middle dots {sorted(dots)}")
                if _PARTICLE_RUN.search(node.value):
                    offences.append(f"{path.name}:{node.lineno} lists particles {node.value[:40]!r}")
    assert not offences, "\n".join(offences)


def test_the_ownership_test_would_catch_the_old_lists() -> None:
    """The lists this package replaced, as they were written, are what the test above looks for."""
    assert _PARTICLE_RUN.search("[은는이가을를의에과와도로]")
    assert _PARTICLE_RUN.search('("이", "은", "을", "과")')
    assert _LIST_NAMES.search("ONE_SYLLABLE_PARTICLES") and _LIST_NAMES.search("_JOSA_ANY")
    assert len({c for c in "·ㆍ\u119e・‧･" if c in MIDDLE_DOTS and c != "·"}) >= 2


def test_only_lang_applies_nfkc() -> None:
    """The one normaliser: NFKC outside monitor/lang only where the fingerprint's own order needs it."""
    calls = []
    for path in _modules_outside_lang():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if re.search(r"unicodedata\.normalize\(\s*\"NFKC\"", line):
                calls.append(f"{path.relative_to(PACKAGE)}:{number}")
    assert calls == [], calls


def test_hanja_abbreviations_are_one_table() -> None:
    from monitor.lang import HANJA_ABBREVIATIONS

    assert HANJA_ABBREVIATIONS["韓"] == "한" and HANJA_ABBREVIATIONS["對"] == "대"
    assert content_hash("對中 제재 강화 방침 발표", "") == content_hash("대중 제재 강화 방침 발표", "")
    # The matcher writes only the gloss 對: 中 and 美 stay, the bare country names its topics file spells.
    assert normalize("對中 제재") == "대中 제재"
