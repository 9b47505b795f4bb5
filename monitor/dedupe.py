"""Content fingerprints and stories: one development, many outlets.

An article joins an existing story through the first of three layers that accepts it:

1. ``exact``: the same canonical URL, or the same content hash (normalised title + text);
2. ``near_duplicate``: a copy of a member's body: a wire story republished with edits, under a byline or
   another headline. Bodies are compared by MinHash over character shingles (one-permutation hashing,
   vectorised with numpy) and candidates come from LSH bands, never from all pairs;
3. ``same_event``: another write-up of the same development, within the time window: headline similarity
   and weighted key-term overlap (named meetings, people, numbers, headline nouns); candidates come from
   an inverted index of key terms.

Korean news syndication makes layer 2 common and layer 3 the hard one: different developments share
almost all of their vocabulary (한미일, 공급망, 경제안보대화 …). Cues keep them apart in layers 2 and 3:
another ordinal of the same meeting (4차 vs 5차), another meeting, event days two or more days apart,
another venue, another pair of countries (한미 vs 한중), another month, quarter or series part in the
headline; and each headline naming its own person, subject ("X, 장중 3% 이상 급등") or figure. Cues are
checked against the matched member *and* the story's own cues, so a chain of loose matches cannot drift
into the next event. Same-event matching favours precision: without a shared numbered meeting or venue
and day, the headlines themselves must largely agree.

Everything is deterministic: no randomised hashing, ties broken by article id, and the outcome depends only
on the items in the window in the order they are added (:func:`cluster_items` adds them in published
order). Cost per article is bounded (capped shingling, capped postings, top-k candidates), so clustering
is linear in the number of articles.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import heapq
import itertools
import logging
import math
import multiprocessing
import operator
import re
from collections import Counter, _count_elements, deque  # type: ignore[attr-defined]
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

from monitor.fingerprint import (
    DOTS,
    ONE_SYLLABLE_PARTICLES,
    clean_body_lines,
    clean_headline,
    hash_folded,
    is_low_information_folded,
    is_short_lead_folded,
    normalise,
)
from monitor.models import Assignment, AssignReason, ClusterItem, StoryState
from monitor.rarity import NO_BACKGROUND, TermBackground, load_term_background
from monitor.urls import WIRE_OUTLETS, article_outlet

KeyTerms = Callable[[str, str], set[str]]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# Shingles and MinHash (one-permutation hashing with rotation densification)
# --------------------------------------------------------------------------------------------------

SHINGLE = 5  # characters (spaces removed): about two Korean words
NUM_BINS = 64
BANDS, ROWS = 21, 3  # 63 of the 64 bins; P(candidate) ≈ 0.94 at Jaccard 0.5, 0.16 at 0.2
_BIN_SHIFT = np.uint64(64 - 6)  # log2(NUM_BINS) top bits choose the bin
_VALUE_SHIFT = np.uint64(64 - 6 - 32)  # the next 32 bits are the bin's value
_BIN_IDS = np.arange(NUM_BINS, dtype=np.uint64)
_MUL = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_BAND_MUL = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D], dtype=np.uint64)


def _shingle_hashes(text: str) -> np.ndarray:
    """Sorted 64-bit hashes of the text's character shingles (stable across processes)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    h = codes[:n] * _MUL
    for j in range(1, SHINGLE):  # a polynomial hash; uint64 arithmetic wraps. In place: no temporaries
        h += codes[j : j + n]
        h *= _MUL
    h ^= h >> np.uint64(31)  # a splitmix64-style finaliser spreads the bits the bin index is read from
    h *= _MIX1
    h ^= h >> np.uint64(29)
    h.sort()  # duplicates may stay: they never change a bin's minimum
    return h


_BIN_MASK = np.uint64(NUM_BINS - 1)
_DENSIFY = np.uint64(0x9E3779B1)


def _signature(hashes: np.ndarray) -> np.ndarray:
    """One-permutation MinHash: the minimum of each of NUM_BINS hash ranges, empty bins densified.

    ``hashes`` is sorted, so the first hash of each bin is its minimum. An empty bin borrows the value of
    the next non-empty bin to its right (wrapping), offset by the distance, so that short texts still
    give full signatures whose agreement estimates Jaccard similarity.

    One pass for both kinds of bin (most bodies are short: a third of their bins are empty). The first
    hash at or after each bin's start is that bin's minimum when the bin has hashes, else the next
    non-empty bin's minimum (past the last bin: the first hash, wrapping); its own bin tells the
    distance, which is 0 for a non-empty bin. Values are the hash's 32 bits after the bin index, and the
    arithmetic is the low 32 bits of uint64 arithmetic, i.e. uint32 arithmetic with wrapping.
    """
    first = (hashes >> _BIN_SHIFT).searchsorted(_BIN_IDS)
    mins = hashes.take(first, mode="wrap")
    distance = ((mins >> _BIN_SHIFT) - _BIN_IDS) & _BIN_MASK
    return ((mins >> _VALUE_SHIFT) + distance * _DENSIFY).astype(np.uint32)


_ADD_REDUCE = np.add.reduce
_BAND_TAGS = np.arange(BANDS, dtype=np.uint64) << np.uint64(56)


def _band_keys(sig: np.ndarray) -> tuple[int, ...]:
    rows = sig[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    return tuple(((rows @ _BAND_MUL) ^ _BAND_TAGS).tolist())  # uint64 matmul: each row's sum, wrapping


# --------------------------------------------------------------------------------------------------
# Key terms and event cues
# --------------------------------------------------------------------------------------------------

_LEAD_CHARS = 320  # the lead paragraph carries who, what, when and where
_HEADLINE_CHARS = 120  # an untitled article's first sentence, cut here, stands in for its headline
_MAX_TERMS = 40
_NUMBER_UNIT_RE = re.compile(r"([\d.]+)([%가-힣]?)")
#: A short Korean word with a number glued on is one name (칩4, 누리호2 → not 칩 + 4); "제5차" stays 제 + 5차.
_TOKEN_RE = re.compile(
    r"[가-힣]{1,4}\d{1,2}(?![\d.,%가-힣])|[가-힣]+|[A-Za-z][A-Za-z0-9&]*|\d+(?:[.,]\d+)*[%가-힣]*"
)

_JOSA_ANY = tuple(
    """
    에서는 에서도 에서의 으로는 으로도 으로의 에게서 께서는 이라며 이라고 이라는 으로 라며 라고 라는 에서
    에게 께서 까지 부터 보다 처럼 마저 조차 이나 이며 에는 에도 와의 과의 와는 과는 로는 로도 의 에 로
    """.split()  # noqa: SIM905
)
_JOSA_AFTER_FINAL = ("이", "은", "을", "과")  # only after a syllable with a final consonant
_JOSA_AFTER_VOWEL = ("가", "는", "를", "와")
_NOT_JOSA_UI = tuple(
    """
    회의 협의 합의 논의 동의 주의 정의 결의 모의 건의 심의 문의 유의 강의 민의 의의
    """.split()  # noqa: SIM905
)
_PREDICATE_ENDINGS = tuple(
    """
    했다고 한다고 하겠다 했으며 하기로 하면서 했다 한다 했고 하며 하는 하고 하기 하자 해야 됐다 된다 되는
    되고 시켜 키로 한 할 된 될
    """.split()  # noqa: SIM905
)
_STOPWORDS = frozenset(
    """
    기자 뉴스 연합뉴스 뉴시스 뉴스1 오늘 이날 전날 내일 어제 지난 이번 올해 지난해 내년 최근
    현재 당시 향후 오전 오후 현지시간 관련 대해 대한 위해 통해 따르면 따라 가운데 한편 또한
    이어 그러면서 특히 아울러 이후 이전 이상 이하 이내 정도 경우 때문 만큼 수준 예정 계획
    방안 방침 추진 논의 개최 참석 발표 강조 설명 전망 예상 분석 평가 지적 주장 확인 결정
    합의 협력 강화 확대 지원 계속 상황 문제 필요 가능 대상 부분 전체 모두 다른 같은 이런
    그런 이같은 함께 이를 이에 그는 우리 정부 국가 사람 시간 관계자 당국 기관 분야 부문 주요
    국내 해외 세계 글로벌 전국 지역 사회 시장 업계 기업 산업 경제 정치 정책 국민 그리고
    하지만 그러나 또는 이라 라고 것으로 있다 없다 있는 없는 밝혔다 말했다 전했다 했다 한다
    된다 등을 등의 이라며 이번에 앞서 다시 모든 여러 일부 각국 양국 3국 사진 제공 에서 으로
    에게 까지 부터 보다 처럼 이나 이며 the and for with from 이대 그대
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
_PAST_TENSE_FINAL = 20  # ㅆ as a final consonant: 했다, 밝혔다, 열렸다


def _has_final(syllable: str) -> bool:
    return (ord(syllable) - 0xAC00) % 28 != 0


_SUFFIX_RULES: dict[str, str] = {
    **{j: "vowel" for j in _JOSA_AFTER_VOWEL},
    **{j: "final" for j in _JOSA_AFTER_FINAL},
    **{j: "any" for j in _JOSA_ANY},
    **{e: "any" for e in _PREDICATE_ENDINGS},
}


@lru_cache(maxsize=1 << 15)
def _stem(token: str) -> str:
    """A noun-ish stem: the longest particle or 하다-ending cut by rules, not a morphological analyser.

    Only unambiguous particles are cut (이/가, 은/는, 을/를, 과/와 by the final consonant they require;
    never 도 or 만, which end many nouns: 러몬도, 대만). A headline's "서" (= 에서) is cut only after a
    place or a meeting (워싱턴서, 정상회의서), not from 보고서 or 각서.
    """
    for k in (3, 2, 1):
        rule = _SUFFIX_RULES.get(token[-k:]) if len(token) - k >= 2 else None
        if rule is None:
            continue
        stem = token[:-k]
        if rule == "any":
            return token if token[-k:] == "의" and token.endswith(_NOT_JOSA_UI) else stem
        if _has_final(stem[-1]) == (rule == "final"):
            return stem
    if token.endswith("서") and (token[:-1] in _PLACES or _MEETING_NOUN_RE.search(token[-4:-1])):
        return token[:-1]
    return token


def _is_predicate(token: str) -> bool:
    if token.endswith(("다고", "다며", "다는", "다면", "니다")):
        return True
    if not token.endswith("다") or len(token) < 2:
        return False
    before = token[-2]
    past = "가" <= before <= "힣" and (ord(before) - 0xAC00) % 28 == _PAST_TENSE_FINAL
    return past or token.endswith(("한다", "된다", "는다", "이다", "겠다"))


def _term(token: str) -> str | None:
    """The key term a token stands for (a Korean stem, a Latin word, a number with its unit), or None."""
    first = token[0]
    if "가" <= first <= "힣":
        if _is_predicate(token):
            return None
        term = _stem(token)
    elif first.isdigit():
        number = _NUMBER_UNIT_RE.match(token.replace(",", ""))
        if (
            number is None
            or number.group(2) in ("일", "월", "년", "시", "분", "차")
            or (len(number.group(1)) < 2 and not number.group(2))
        ):
            return None  # dates, times and ordinals are cues, not terms
        # The number and its first unit: 5조원 and 5조 are one term. A particle is no unit: "3,500을"
        # is the figure 3500 ("30도" is degrees, so 도 stays).
        term = number.group(1) if number.group(2) in _NUMBER_PARTICLES else number.group(0)
    else:
        term = token.lower()
    return term if len(term) >= 2 and term not in _STOPWORDS else None


_NUMBER_PARTICLES = frozenset("을를이가은는의에으와과")


def _terms_of(text: str) -> list[str]:
    """Distinctive tokens of a text, in order."""
    return _terms_from(_TOKEN_RE.findall(text))


def _terms_from(tokens: list[str]) -> list[str]:
    terms = []
    for token in tokens:
        term = _TERMS.get(token, _UNKNOWN)
        if term is _UNKNOWN:
            if len(_TERMS) >= _TERMS_MAX:
                _TERMS.clear()
            term = _TERMS[token] = _term(token)
        if term is not None:
            terms.append(term)
    return terms


#: token → term (or None): a plain dict is the fastest cache for this hot loop; it is cleared when full.
#: Full, it holds ~150 bytes a token: at 1 << 18 that was ~40 MB, which a long-running service reaches
#: only after many cycles of new names and numbers; at 1 << 15 it is ~7 MB, and 100k generated
#: articles cluster no slower (bench_cluster.py: 81.9 s against 102.5 s back to back).
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 1 << 15
_UNKNOWN = object()


@dataclass(frozen=True, slots=True)
class Meeting:
    """A named meeting or dialogue: 제4차 한미일 경제안보대화 → Meeting(4, "한미일", "경제안보대화")."""

    ordinal: int | None
    actor: str
    head: str

    def compatible(self, other: Meeting) -> bool:
        """Could both mentions name the same meeting? (A shorter name may omit actor or ordinal.)"""
        if not (self.head.endswith(other.head) or other.head.endswith(self.head)):
            return False
        if self.actor and other.actor and self.actor != other.actor:
            return False
        return self.ordinal is None or other.ordinal is None or self.ordinal == other.ordinal

    @property
    def term(self) -> str:
        ordinal = "" if self.ordinal is None else f"{self.ordinal}차"
        return f"{ordinal}{self.actor}{self.head}"


_ACTORS = "한미일|한일중|한중일|한미|한일|한중|미일|미중|중일|북미|남북|북중|한러|한독|한영|한불|한호|한인"
_NTH = {"첫": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}
_NTH_RE = re.compile(rf"(?<![가-힣])({'|'.join(_NTH)})\s?번째")
#: Nouns that end a meeting's name. Not 간담회/설명회 (every organisation holds one); 위원회/협의회 only
#: with an ordinal (제3차 기술협력위원회), as they usually name bodies (공정거래위원회).
_MEETING_NOUNS = "정상회의|회의|회담|대화|포럼|총회|협상|서밋|청문회|전당대회|위원회|협의회"
_BODY_NOUNS = ("위원회", "협의회")
_MEETING_NOUN_RE = re.compile(_MEETING_NOUNS)
_NAME_ORDINAL_RE = re.compile(rf"(?<![가-힣])([가-힣]{{2,10}}) (제?\s?\d{{1,3}}\s?차) ({_MEETING_NOUNS})")
#: Read backwards from a meeting noun: [제]N차, 첫, an actor (한미일) and the name ending in the noun.
_MEETING_TAIL_RE = re.compile(
    rf"(?:제?\s?(?P<o1>\d{{1,3}})\s?차\s?|(?P<first>첫)\s)?(?:(?P<actor>{_ACTORS})\s?)?"
    rf"(?:제?\s?(?P<o2>\d{{1,3}})\s?차\s?)?(?P<head>[가-힣]{{2,12}})$"
)
#: "공급망·산업 대화", "경제안보 대화": a meeting noun written apart from its name.
_SPACED_NOUN_RE = re.compile(  # not after a particle: "상무장관과 회담" is talks *with* someone, not a name
    rf"(?<=[가-힣]{{2}})(?<![과와의및에을를]) "
    rf"(?=(?:{_MEETING_NOUNS})(?:[^가-힣]|[은는이가을를의에과와도로]|$))"
)
_INNER_DOT_RE = re.compile(rf"(?<=[가-힣])\s?[{DOTS}]\s?(?=[가-힣])")
#: Words that make "회의" generic rather than a name (이번 회의, 첫 번째 회의, 화상 회의).
_GENERIC_HEAD_PREFIX = tuple(
    """
    이번 이날 지난 다음 해당 관련 당시 향후 오늘 내일 어제 전날 정례 긴급 화상 비공개 공개 전체 각종 여러
    별도 후속 실무 번째 양국 양자 다자 3국 국무 본 이 그 이어진 열린 예정된
    """.split()  # noqa: SIM905
)

#: Countries a headline names: compounds of one-syllable names (한미, 한·미·일 → 한미일 by
#: fingerprint.prepare) and single names (미국, or 美 → 미 by fingerprint.prepare) standing alone.
_COUNTRY_WORDS = {"한국": "한", "미국": "미", "일본": "일", "중국": "중", "북한": "북", "러시아": "러"}
#: The same pairs written in another order (日美 → 일미, 美韓 → 미한): a country list, not a meeting's actor.
#: Not 일한 (a verb: "일한 사람") nor 중미 (Central America).
_COUNTRY_ORDERS = "일미한|미일한|일미|미한|중한|일중"
#: "9월 중 개최", "이달 중": 중 after a time is "during", not China; "10대 중 3대", "18개국 중": after a
#: count it is "out of".
_DURING = "(?<!월 )(?<!달 )(?<!해 )(?<!주 )(?<!년 )(?<!내 )(?<!개국 )" + "".join(
    f"(?<![\\d천만백십]{c} )" for c in "대명개곳건척국"
)
#: Not after a digit: "90일로", "29일(금)" count days, they do not name Japan.
_COUNTRY_RE = re.compile(
    rf"(?<![가-힣\d])(?:{_ACTORS}|{_COUNTRY_ORDERS}|{'|'.join(_COUNTRY_WORDS)}|[한미일북러]|{_DURING}중)"
    rf"(?=[^가-힣]|{ONE_SYLLABLE_PARTICLES}|$)"
)
#: A quoted remark in a headline ('"日·EU보다 불리해선 안 돼"'): the countries it compares with are not the
#: headline's actors.
_QUOTED_RE = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^']*'|‘[^’]*’")
_PART_RE = re.compile(r"(?:[-–(]\s?|\s)(\d{1,2}|[上中下상중하])\s?(?:편|부|회)?\)?\s*$")
_PERIOD_RE = re.compile(r"(?<!\d)([1-4])\s?분기|([상하])반기")
#: Not "…일 발효/시행": the day a rule takes effect is not the day it was reported.
#: A count of days ("19일째", "3일간") is no date.
_DAY_RE = re.compile(r"(?<![\d.])(\d{1,2})일(?!\s?(?:간|째|동안|만에|부터|까지|이내|분|치|발효|시행))")
_DAY_PREFIX_RE = re.compile(
    r"(?:(?P<other>다음\s?달|내달|지난\s?달|전달|오는|다음\s?주)\s?)?"
    r"(?:(?<!\d)(?P<y>\d{4})년\s?)?(?:(?<![\d.])(?P<m>\d{1,2})월\s?)?"
    # A range ("지난달 29∼31일", "8월 1~5일"): a period (a survey's, a holiday's), not the day of the event.
    r"(?P<range>(?<![\d.])\d{1,2}일?\s?[∼~〜-]\s?)?$"
)
_TITLE_MONTH_RE = re.compile(r"(?<![\d.])(\d{1,2})월(?!\s?\d{1,2}일)")
_NUMBER_RE = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(?!\s?(?:일|월|년|시|분|차|\d))")

#: Venues, with the spellings Korean outlets use: one place per line (its name, then other spellings), then
#: places without other spellings, many to a line. A venue is the place named before "에서" in the lead.
#: Cities whose names are also common words (구리, 양주, 진주, 공주, 상주, 동해, 양산) are left out.
_PLACE_LINES = """
서울 용산 여의도 청와대
샌디에이고 샌디에고
하와이 호놀룰루
도쿄 동경
베이징 북경
키이우 키예프
"""
_PLACE_NAMES = """
부산 인천 세종 제주 대구 광주 대전 울산 판문점 평양 수원 성남 고양 용인 부천 안산
안양 남양주 화성 평택 의정부 시흥 파주 김포 광명 군포 하남 오산 이천 안성 의왕
포천 여주 동두천 과천 춘천 원주 강릉 태백 속초 삼척 청주 충주 제천 천안 보령 아산
서산 논산 계룡 당진 전주 군산 익산 정읍 남원 김제 목포 여수 순천 나주 광양 포항
경주 김천 안동 구미 영천 문경 경산 창원 통영 김해 밀양 거제 서귀포 개성 신의주
원산 워싱턴 뉴욕 샌프란시스코 로스앤젤레스 시카고 캠프데이비드 오사카 히로시마 교토
나고야 후쿠오카 삿포로 상하이 홍콩 타이베이 싱가포르 자카르타 하노이 방콕 마닐라
쿠알라룸푸르 프놈펜 비엔티안 뉴델리 시드니 제네바 브뤼셀 파리 런던 베를린 로마
모스크바 바르샤바 다보스 두바이 아부다비 리야드 발리 리마 오타와
"""
_PLACES: dict[str, str] = {
    **{name: name for name in _PLACE_NAMES.split()},
    **{spelling: line.split()[0] for line in _PLACE_LINES.strip().splitlines() for spelling in line.split()},
}
#: A person: three syllables before a role, maybe with an affiliation between ("김순호 치안감", "강연종 진보당
#: 의원이", "권동현 회장의"); not a party or an agency (민주당 대표, 산업부 장관, 공정위 위원장).
_ROLES = (
    "의원|장관|차관|대표|회장|부회장|사장|교수|위원장|시장|지사|총리|대통령|원장|이사장|실장|처장|청장|차장|본부장|"
    "대변인|감독|선수|치안감|총장|소장|센터장|사무총장|대사|특사|후보|씨"
)
_PERSON_RE = re.compile(
    rf"(?<![가-힣])([가-힣]{{3}})\s(?:[가-힣]{{2,8}}\s)?(?=(?:{_ROLES})(?:[은는이가의을를과와도]|[^가-힣]|$))"
)
_NOT_PEOPLE = frozenset(("국정원", "감사원", "금감원"))

#: One empty set for every article's missing people, subject, figures and countries: each empty
#: frozenset is a 216-byte object, and an article in the window kept several of them.
_EMPTY: frozenset[str] = frozenset()


def _frozen(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values) or _EMPTY


def _subject(headline: str) -> frozenset[str]:
    """The terms before a headline's first comma, when that is a short noun phrase (its subject)."""
    head, comma, _ = headline.partition(",")
    if not comma or len(head.split()) > 4 or any(q in head for q in "\"'“‘「"):
        return _EMPTY
    return _frozen(_terms_of(head))


def _people(headline: str, lead: str) -> frozenset[str]:
    """Who the article is about: the people its headline names, else those of its lead's first sentence."""
    for text in (headline, _first_sentence(lead)):
        people = frozenset(
            name
            for name in _PERSON_RE.findall(text)
            if name[-1] not in "당부처청위" and name not in _NOT_PEOPLE
        )
        if people:
            return people
    return _EMPTY


_VENUE_GAP = 4  # tokens between a place and the "에서" that makes it the venue (워싱턴 D.C. 상무부에서)


@dataclass(frozen=True, slots=True)
class EventDay:
    """The day an article says its event happened: resolved to a date when the article is dated."""

    ordinal: int | None  # date.toordinal(), when resolvable
    month: int | None
    day: int
    #: Written "(현지시간)": a day abroad, which in Korea is the same day or the next (see _other_day).
    abroad: bool = False


@dataclass(frozen=True, slots=True)
class Cues:
    """What tells two developments apart even when their vocabulary is the same."""

    meeting: Meeting | None = None
    day: EventDay | None = None
    title_month: int | None = None
    venue: str | None = None
    numbers: frozenset[str] = frozenset()
    #: The countries the headline is about (한미 → 한, 미; 美·中 → 미, 중).
    countries: frozenset[str] = frozenset()
    #: The headline's quarter or half (1분기 → "1", 하반기 → "하").
    period: str | None = None
    #: The part of a series the headline ends with ("길라잡이-②" → "2", "(상)" → "상").
    part: str | None = None

    def merged(self, other: Cues) -> Cues:
        """Fill the fields this one lacks from ``other`` (a story's cues: its first known values)."""
        if (
            (self.meeting or not other.meeting)
            and (self.day or not other.day)
            and (self.title_month or not other.title_month)
            and (self.venue or not other.venue)
            and (self.countries or not other.countries)
            and (self.period or not other.period)
            and (self.part or not other.part)
        ):
            return self  # nothing to fill (most joins): no new object, equal to the one built below
        return Cues(
            self.meeting or other.meeting,
            self.day or other.day,
            self.title_month or other.title_month,
            self.venue or other.venue,
            self.numbers,
            self.countries or other.countries,
            self.period or other.period,
            self.part or other.part,
        )


def conflict(a: Cues, b: Cues) -> str | None:
    """Why two articles cannot report the same development, or None if nothing says so."""
    if a.meeting and b.meeting and not a.meeting.compatible(b.meeting):
        return "meeting"
    if a.day and b.day and _days_conflict(a.day, b.day):
        return "day"
    if a.title_month and b.title_month and a.title_month != b.title_month:
        return "month"
    if a.venue and b.venue and a.venue != b.venue:
        return "venue"
    if (
        a.countries
        and b.countries
        and max(len(a.countries), len(b.countries)) >= 2
        and not (a.countries <= b.countries or b.countries <= a.countries)
    ):
        # 한미 and 한중: another pair of governments, another development. One country each says less:
        # "美 재무부 … 지침" and "… 中 흑연 의존" name the actor and the object of one rule.
        return "countries"
    if a.period and b.period and a.period != b.period:
        return "period"
    if a.part and b.part and a.part != b.part:
        return "part"  # the next instalment of a series repeats its introduction
    return None


def _days_conflict(a: EventDay, b: EventDay) -> bool:
    # Two days apart or more; one day is tolerance for time zones (26일 현지시간 = 27일 KST) and for
    # "announced the day after", unless both give the month too.
    if a.month and b.month:  # both wrote the date out ("7월 28일"): no slack, but for a day abroad
        return (a.month, a.day) != (b.month, b.day) and not _abroad_and_next(a, b)
    if a.ordinal is not None and b.ordinal is not None:
        return abs(a.ordinal - b.ordinal) >= 2
    return abs(a.day - b.day) >= 2


def _meetings(text: str) -> list[Meeting]:
    if not _MEETING_NOUN_RE.search(text):
        return []
    # "두 번째 회의" is "2차 회의", and "산업장관 2차 회의" names the 2nd 산업장관회의. (Before joining
    # spaced nouns: "협의체 두 번째 회의" must not become "… 번째회의", a name without its ordinal.)
    text = _NTH_RE.sub(lambda m: f"{_NTH[m.group(1)]}차", text)
    text = _SPACED_NOUN_RE.sub("", _INNER_DOT_RE.sub("", text))
    text = _NAME_ORDINAL_RE.sub(r"\2 \1\3", text)
    found = []
    for noun in _MEETING_NOUN_RE.finditer(text):
        m = _MEETING_TAIL_RE.search(text, max(0, noun.start() - 40), noun.end())
        if m is None:
            continue
        head = _strip_place(m.group("head"))  # "울산 회의" names a venue, not a meeting
        # One ministerial meeting, two words for its ministers: "각료회의" and "장관회의" must not conflict.
        head = head.replace("각료", "장관") if "각료" in head else head
        if head.startswith(_GENERIC_HEAD_PREFIX) or len(head) < 4:
            continue
        ordinal = m.group("o1") or m.group("o2") or ("1" if m.group("first") else None)
        if ordinal is None and head.endswith(_BODY_NOUNS):
            continue
        found.append(Meeting(int(ordinal) if ordinal else None, m.group("actor") or "", head))
    return found


#: "한미일 산업장관, 도쿄서 2차 회의": a headline naming its meeting by subject and a bare "N차 회의".
_BARE_ORDINAL_RE = re.compile(rf"(?<![\d가-힣])(?:제\s?)?(\d{{1,3}})\s?차\s?({_MEETING_NOUNS})(?![가-힣])")
_HEADLINE_SUBJECT_RE = re.compile(rf"^\s*(?P<actor>{_ACTORS})\s?(?P<name>[가-힣]{{2,10}})\s?[,…]")


def _headline_meetings(title: str) -> list[Meeting]:
    """Meetings a headline names, including "ACTOR NAME, … N차 회의" (the subject names the meeting)."""
    found = _meetings(title)
    if any(m.ordinal is not None for m in found):
        return found
    text = _NTH_RE.sub(lambda m: f"{_NTH[m.group(1)]}차", title)
    bare, subject = _BARE_ORDINAL_RE.search(text), _HEADLINE_SUBJECT_RE.match(text)
    if bare and subject:
        name, noun = subject.group("name"), bare.group(2)
        head = name if _MEETING_NOUN_RE.search(name) else name + noun
        found.append(Meeting(int(bare.group(1)), subject.group("actor"), head))
    return found


def _named_alike(a: Meeting, b: Meeting) -> bool:
    """Do both name the same meeting, one maybe by a shorter form (공급망산업대화 / 산업대화)? The shorter
    name must say more than a meeting noun (정상회의 alone names every summit) and one must carry an actor."""
    if not a.compatible(b) or not (a.actor or b.actor):
        return False
    shorter = min(a.head, b.head, key=len)
    return len(_MEETING_NOUN_RE.sub("", shorter)) >= 2


def _strip_place(head: str) -> str:
    for size in (5, 4, 3, 2):
        if head[:size] in _PLACES:
            return head[size:]
    return head


def _primary_meeting(title_meetings: list[Meeting], lead_meetings: list[Meeting]) -> Meeting | None:
    """The headline's meeting (else the lead's), with its ordinal filled in from a compatible mention.

    A lead's mention counts only with an ordinal or an actor (제4차 …, 한미 …): bare names there are as
    often bodies (국가안전보장회의) or background as the event itself.
    """
    candidates = title_meetings or [m for m in lead_meetings if m.ordinal is not None or m.actor]
    if not candidates:
        return None
    primary = next((m for m in candidates if m.ordinal is not None), candidates[0])
    if primary.ordinal is None:
        numbered = next(
            (m for m in title_meetings + lead_meetings if m.ordinal is not None and m.compatible(primary)),
            None,
        )
        if numbered is not None:
            primary = replace(primary, ordinal=numbered.ordinal, actor=primary.actor or numbered.actor)
    return primary


#: Words before a place that put it in the future: "내년 도쿄서 4차 회의" is where the next meeting will be.
_NEXT_WORDS = frozenset("내년 다음 차기 다음달 내달 이듬해 향후".split())  # noqa: SIM905


def _venue(tokens: list[str]) -> str | None:
    """Where it happened: a known place shortly before "에서" (or a headline's "워싱턴서"), unless the
    place is the next meeting's ("내년 서울에서 열기로")."""
    for i in [i for i, token in enumerate(tokens) if token[-1] == "서"]:
        token = tokens[i]
        if i and tokens[i - 1] in _NEXT_WORDS:
            continue
        here = _PLACES.get(token[:-2] if token.endswith("에서") else token[:-1])
        if here:
            return here
        if token.endswith("에서"):
            before = [_PLACES.get(t) for t in tokens[max(0, i - _VENUE_GAP) : i]]
            nearest = next((p for p in reversed(before) if p), None)
            if nearest:
                return nearest
    return None


def _event_day(title: str, lead: str, when: datetime | None) -> EventDay | None:
    for text in (title, lead):
        for m in _DAY_RE.finditer(text):
            prefix = _DAY_PREFIX_RE.search(text, max(0, m.start() - 12), m.start())
            year, month = (int(prefix.group(g)) if prefix and prefix.group(g) else None for g in ("y", "m"))
            day = int(m.group(1))
            if not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
                continue
            if prefix and prefix.group("range"):
                continue  # the end of a period ("29∼31일 조사"): the days it names come from elsewhere
            if prefix and prefix.group("other"):
                continue  # "다음 달 2일", "오는 5일": a date the article looks forward or back to
            if text.endswith(_LUNAR, 0, prefix.start() if prefix else m.start()):
                continue  # "음력 7월 3일": no day of the calendar the articles are dated by
            if year is not None and when is not None and year != when.year:
                continue  # a date in another year is background ("2023년 12월 당시"), not the event
            ordinal = _resolve_day(year, month, day, when)
            if ordinal is not None and when is not None and ordinal > _kst_ordinal(when) + 1:
                # A date after the article's own is a plan ("8월 10일 출시한다고 26일 밝혔다", "10월 23일
                # 식 올려") or a listing printed ahead, not what happened.
                continue
            abroad = (
                text.startswith(_ABROAD, m.end())
                or text.startswith(_ABROAD, m.end() + 1)
                or "현지시간" in text[max(0, m.start() - 8) : m.start()]  # "현지시간 12일", "(현지시간) 12일"
            )
            return EventDay(ordinal, month, day, abroad)
    return None


_LUNAR = ("음력", "음력 ")
#: "12일(현지시간)": how Korean outlets mark a day counted in another time zone.
_ABROAD = ("(현지시간", "현지시간")


def _kst_ordinal(when: datetime) -> int:
    return (when + timedelta(hours=9)).date().toordinal()


def _resolve_day(year: int | None, month: int | None, day: int, when: datetime | None) -> int | None:
    if when is None:
        return None
    local = when + timedelta(hours=9)  # Korean articles count days in KST
    resolved = _safe_date(year or local.year, month or local.month, day)
    if resolved is not None and month is None and resolved > local.date() + timedelta(days=2):
        first = local.date().replace(day=1) - timedelta(days=1)  # "31일" read on the 1st: last month
        resolved = _safe_date(first.year, first.month, day)
    return resolved.toordinal() if resolved else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Parsed:
    """The parts of an article that cues and key terms are read from."""

    title: str  # without markers, punctuation kept
    lead: str  # the first _LEAD_CHARS of the cleaned body
    title_terms: list[str]
    lead_tokens: list[str]
    title_meetings: list[Meeting]
    lead_meetings: list[Meeting]


def _parse(clean_title: str, clean_lines: list[str], title_terms: list[str] | None = None) -> _Parsed:
    lead = ""
    for line in clean_lines:
        lead = f"{lead} {line}" if lead else line
        if len(lead) >= _LEAD_CHARS:
            break
    lead = lead[:_LEAD_CHARS]
    if title_terms is None:
        title_terms = _terms_of(clean_title)
    return _Parsed(
        clean_title, lead, title_terms, _TOKEN_RE.findall(lead), _headline_meetings(clean_title), _meetings(lead)
    )


def _first_sentence(line: str) -> str:
    end = re.search(r"다\.|[.?!]\s", line[:_HEADLINE_CHARS])
    return line[: end.end()] if end else line[:_HEADLINE_CHARS]


def _parse_text(title: str, text: str) -> _Parsed:
    return _parse(clean_headline(title), clean_body_lines(text[: _LEAD_CHARS * 4]))


def _cues(p: _Parsed, when: datetime | None) -> Cues:
    month = _TITLE_MONTH_RE.search(p.title)
    return Cues(
        meeting=_primary_meeting(p.title_meetings, p.lead_meetings),
        day=_event_day(p.title, p.lead, when),
        title_month=int(month.group(1)) if month and 1 <= int(month.group(1)) <= 12 else None,
        venue=_venue(_TOKEN_RE.findall(p.title)) or _venue(p.lead_tokens),
        numbers=_frozen(n.replace(",", "") for n in _NUMBER_RE.findall(f"{p.title} {p.lead}")),
        countries=_countries(p.title),
        period=(period.group(1) or period.group(2)) if (period := _PERIOD_RE.search(p.title)) else None,
        part=part.group(1) if (part := _PART_RE.search(p.title)) else None,
    )


def _countries(title: str) -> frozenset[str]:
    outside = _QUOTED_RE.sub(" ", title)
    return _countries_in(outside) or _countries_in(title)  # a headline that is all quote keeps its own


def _countries_in(title: str) -> frozenset[str]:
    found: set[str] = set()
    for m in _COUNTRY_RE.finditer(title):
        word = m.group(0)
        found.update(_COUNTRY_WORDS.get(word) or word)  # a compound (한미일) is its syllables
    return _frozen(found)


def _key_terms(p: _Parsed) -> list[str]:
    terms = dict.fromkeys(p.title_terms)
    terms.update(dict.fromkeys(m.term for m in p.title_meetings + p.lead_meetings))
    terms.update(dict.fromkeys(_terms_from(p.lead_tokens)))
    return list(terms)[:_MAX_TERMS]


def event_cues(title: str, text: str, when: datetime | None = None) -> Cues:
    """The cues of an article (title and lead paragraph) that keep different developments apart."""
    return _cues(_parse_text(title, text), when)


def default_key_terms(title: str, text: str) -> set[str]:
    """Key terms of an article without a matcher: headline and lead nouns, names, figures, meetings.

    Korean stems come from simple rules (:func:`_stem`); a generic news vocabulary is dropped, and the
    clusterer weighs what is left by how rare it is among recent articles, so common topic words count
    little and names, places and figures count a lot.
    """
    return set(_key_terms(_parse_text(title, text)))


def _title_grams(title_terms: list[str]) -> frozenset[str]:
    """Character bigrams of the headline's terms: similar headlines share them despite other spacing.

    Each bigram is one shared string (a 2-syllable str is 78 bytes, and a headline has a dozen or more):
    about a kilobyte less per article in the window."""
    if len(_GRAMS) >= _GRAMS_MAX:
        _GRAMS.clear()
    grams = _GRAMS.setdefault
    return frozenset(grams(g, g) for t in title_terms for i in range(len(t) - 1) for g in (t[i : i + 2],))


_GRAMS: dict[str, str] = {}
_GRAMS_MAX = 1 << 16


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


# --------------------------------------------------------------------------------------------------
# The clusterer
# --------------------------------------------------------------------------------------------------



@dataclass(frozen=True, slots=True)
class _Features:
    """Everything the clusterer compares, computed once per article version."""

    chash: str
    #: NUM_BINS uint32 values as bytes (native order), None when the body is empty or low-information.
    #: Bytes, not an array: a third of the memory per article, and far cheaper to send from a worker.
    sig: bytes | None
    band_keys: tuple[int, ...]
    title_key: str | None  # normalised headline (10+ characters), for copies without a usable body
    title_grams: frozenset[str]
    title_terms: frozenset[str]
    people: frozenset[str]  # who the article is about (홍길동 의원 → 홍길동)
    subject: frozenset[str]  # a headline's "SUBJECT, …" terms ("아메렌, 장중 3% 이상 급등" → 아메렌)
    terms: frozenset[str]  # headline + lead terms (and the matcher's, when given)
    cues: Cues
    body_key: str | None
    headline_grams: frozenset[str]  # of the item's own headline (title_grams may be its first sentence's)
    outlet: tuple[str, bool]  # the outlet and whether it is a wire (parsing the URL is not free)
    figures: frozenset[str]  # the headline's numbers (2%, 15명): a template's fills differ in them
    has_lead: bool  # body text (a full body or a one-sentence lead) gave terms and cues, not only the headline
    title_seq: tuple[str, ...]  # the headline's terms in order: a template's fills differ in one slot
    days: frozenset[int]  # every day of the month the headline and lead name (13일, 14일): see _days_named
    meeting_alias: str | None  # a meeting's acronym given after its name: 소재부품대화(MCD) → "mcd"


@dataclass(slots=True)
class _Entry:
    """One indexed article: its features and the decision taken for it."""

    article_id: int
    time: float | None  # epoch seconds (published, else first seen)
    when: datetime | None
    url: str
    outlet: str
    wire: bool
    score: float | None
    f: _Features
    assignment: Assignment
    #: The LSH bucket and term postings lists the article was pushed to, in f.band_keys then f.terms
    #: order: eviction visits them directly instead of looking ~60 keys up again in dicts of 10k-60k keys.
    lists: list[list[int]] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class _Story:
    key: int
    #: The members in the index, in the order they joined (an ordered set: joins are O(1), and evicted
    #: members leave, so a story that keeps growing for weeks holds only its window's articles).
    members: dict[int, None]
    cues: Cues
    outlets: dict[str, None]
    first_seen: datetime | None
    last_updated: datetime | None
    best_score: float | None
    lead: tuple[bool, float, int]  # sort key of the lead: (not wire, time, article id)
    alive: int  # members still in the index


def item_features(
    item: ClusterItem,
    max_shingle_chars: int = 4000,
    key_terms: KeyTerms | None = None,
    is_template: Callable[[str, frozenset[str]], bool] | None = None,
) -> _Features:
    """Everything the clusterer compares about one article; depends on the item alone (and on
    ``is_template``, the clusterer's memory of site templates), so batches can compute it in worker
    processes (:func:`cluster_items` with ``workers``) while the decisions stay sequential.

    Syndicated copies differ in what normalisation removes (bylines, datelines, markers, URLs): after it,
    a third of a stream's articles repeat a recent one's headline and lines, and two in five its body. What
    follows from those alone (key terms, cues, MinHash) is taken from a small memo of recent ones; only
    the event day (which reads the article's date) and the outlet are the item's own."""
    n = normalise(item.title, item.text)
    chash = hash_folded(n.title, n.body)
    title_terms, title_grams = _headline_terms(n.clean_title)
    body_key = sig = None
    band_keys: tuple[int, ...] = ()
    lines: list[str] = []  # the body cues and terms are read from: none when it is boilerplate
    if n.body and is_short_lead_folded(n.body):
        # A one-sentence lead (feeds often carry no more) is too short to fingerprint, but it says who
        # did what: short write-ups of one event are compared on it, not on their headlines alone.
        lines = n.clean_lines
    elif not is_low_information_folded(n.body):
        body_key = hashlib.blake2b(n.body.encode(), digest_size=12).hexdigest()
        if is_template is None or not is_template(body_key, title_grams):
            lines = n.clean_lines
            sig, band_keys = _fingerprint(n.body, max_shingle_chars)
    d = _derive(n.clean_title, lines, title_terms, title_grams)
    terms = d.terms
    if item.key_terms is not None or key_terms is not None:
        extended = set(d.key_terms)
        if item.key_terms is not None:
            extended.update(item.key_terms)
        elif key_terms is not None:
            extended.update(key_terms(item.title, item.text if lines else ""))
        terms = frozenset(extended)
    title_key = n.title if len(n.title.replace(" ", "")) >= 10 else None
    return _Features(
        chash,
        sig,
        band_keys,
        title_key,
        d.title_grams,
        d.title_terms,
        d.people,
        d.subject,
        terms,
        d.cues_on(_when(item)),
        body_key,
        title_grams,
        _outlet_of(item),
        d.figures,
        bool(lines),
        d.title_seq,
        d.days_named,
        d.meeting_alias,
    )


@lru_cache(maxsize=1 << 12)
def _headline_terms(clean_title: str) -> tuple[list[str], frozenset[str]]:
    """A headline's terms in order (callers must not change the list) and their bigrams."""
    terms = _terms_of(clean_title)
    return terms, _title_grams(terms)


def _fingerprint(body: str, max_shingle_chars: int) -> tuple[bytes | None, tuple[int, ...]]:
    """The MinHash signature (as bytes) and LSH band keys of a folded body; (None, ()) under one shingle."""
    key = (body, max_shingle_chars)
    found = _FINGERPRINTS.get(key)
    if found is None:
        hashes = _shingle_hashes(body.replace(" ", "").replace("\n", "")[:max_shingle_chars])
        found = (None, ())
        if len(hashes):
            signature = _signature(hashes)
            found = (signature.tobytes(), _band_keys(signature))
        if len(_FINGERPRINTS) >= _MEMO_MAX:
            _FINGERPRINTS.clear()
        _FINGERPRINTS[key] = found
    return found


@dataclass(slots=True)
class _Derived:
    """What an article's features take from its cleaned headline and body lines alone (see
    :func:`item_features`); ``cues_on`` adds the event day, which also reads the article's date."""

    title: str  # the parsed headline and lead, which the event day is read from
    lead: str
    key_terms: list[str]
    terms: frozenset[str]
    title_terms: frozenset[str]
    title_grams: frozenset[str]
    title_seq: tuple[str, ...]
    people: frozenset[str]
    subject: frozenset[str]
    figures: frozenset[str]
    cues: Cues  # with the day read as if the article were undated
    #: Cues with the day, by what _event_day reads of the date: its UTC year and its KST day.
    days: dict[tuple[int, int] | None, Cues]
    days_named: frozenset[int]  # _Features.days: read from the text alone, so memoised with the rest
    meeting_alias: str | None

    def cues_on(self, when: datetime | None) -> Cues:
        key = None if when is None else (when.year, _kst_ordinal(when))
        cues = self.days.get(key)
        if cues is None:
            day = _event_day(self.title, self.lead, when)
            cues = self.days[key] = self.cues if day == self.cues.day else replace(self.cues, day=day)
        return cues


def _derive(
    clean_title: str, lines: list[str], title_terms: list[str], title_grams: frozenset[str]
) -> _Derived:
    key = (clean_title, tuple(lines))
    found = _DERIVED.get(key)
    if found is not None:
        return found
    headline = clean_title
    if not headline and lines:  # an untitled item: its first sentence stands in for the headline
        headline = _first_sentence(lines[0])
        title_terms = _terms_of(headline)
        title_grams = _title_grams(title_terms)
    parsed = _parse(headline, lines, title_terms)
    key_terms = _key_terms(parsed)
    title_terms_set = frozenset(parsed.title_terms)
    derived = _Derived(
        parsed.title,
        parsed.lead,
        key_terms,
        frozenset(set(key_terms)),
        title_terms_set,
        title_grams,
        tuple(parsed.title_terms),
        _people(headline, parsed.lead),
        _subject(headline),
        _frozen(_figures(title_terms_set)),
        _cues(parsed, None),
        {},
        _days_named(parsed),
        _meeting_alias(parsed),
    )
    if len(_DERIVED) >= _MEMO_MAX:
        _DERIVED.clear()
    _DERIVED[key] = derived
    return derived


#: Recent articles' derived features and fingerprints: copies of one story arrive within hours, so a
#: few thousand entries (a few MB) catch them; cleared when full, like the term cache.
_MEMO_MAX = 1 << 12
_DERIVED: dict[tuple[str, tuple[str, ...]], _Derived] = {}
_FINGERPRINTS: dict[tuple[str, int], tuple[bytes | None, tuple[int, ...]]] = {}


def _days_named(p: _Parsed) -> frozenset[int]:
    """The days of the month a headline and lead name: a scoop the evening before names the day of the
    announcement it anticipates as well as its own."""
    if "일" not in p.title and "일" not in p.lead:
        return _NO_DAYS
    return frozenset(int(d) for text in (p.title, p.lead) for d in _DAY_RE.findall(text)) or _NO_DAYS


_NO_DAYS: frozenset[int] = frozenset()


#: "제2차 한일 소재부품대화(MCD)": the acronym an article introduces for its meeting.
#: Not after 위원회 or 협의회: "한국야구위원회(KBO)" names a body, which does many things in a week.
_ALIAS_NOUNS = "|".join(n for n in _MEETING_NOUNS.split("|") if n not in _BODY_NOUNS)
_MEETING_ALIAS_RE = re.compile(rf"(?:{_ALIAS_NOUNS})\s?\(([A-Za-z][A-Za-z0-9]{{1,9}})\)")


def _meeting_alias(p: _Parsed) -> str | None:
    """The acronym the headline or lead gives right after a meeting's name: headlines that name the
    meeting by it alone ("한일 MCD, …") name that meeting."""
    if "(" not in p.title and "(" not in p.lead:
        return None
    m = _MEETING_ALIAS_RE.search(p.title) or _MEETING_ALIAS_RE.search(p.lead)
    return m.group(1).lower() if m else None


def _pickle_by_constructor(cls: type) -> None:
    """Pickle a frozen slots dataclass as its constructor's arguments. The default (a state tuple set
    field by field through ``dataclasses.fields``) costs the deciding process ~30% more to unpickle the
    features that worker processes send (:func:`add_all`): at 100k articles, seconds of its time."""
    fields = operator.attrgetter(*cls.__match_args__)

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, fields(self)

    cls.__reduce__ = reduce  # type: ignore[method-assign]


for _cls in (_Features, Cues, Meeting, EventDay):
    _pickle_by_constructor(_cls)


class StoryClusterer:
    """Incremental story clustering; see the module docstring for the layers and vetoes.

    ``add`` decides for one article and indexes it; ``restore`` indexes an article under a decision taken
    earlier (from SQLite, after a restart) without deciding again. Articles older than the window behind
    the newest one are evicted from the index, so memory follows the window, not the history. Undated
    items (no ``published`` nor ``first_seen``) are never evicted and match regardless of time.

    Thresholds: ``near_dup_threshold`` is the estimated Jaccard similarity of body shingles for a copy;
    ``same_event_threshold`` the combined same-event score (headline term share, key-term overlap and
    headline bigram overlap, each 0..1, weighted 0.4/0.4/0.2) that a shared headline must reach (see
    ``_event_score`` for the other anchors). ``key_terms`` adds the matcher's entities and topic terms to
    the clusterer's own (ClusterItem.key_terms, when set, is used instead of calling it).
    """

    #: How many recent articles a key term's (or LSH bucket's) list keeps; older ones stay findable by
    #: their other terms and bands. Bounds the work per article.
    POSTINGS = 16
    #: How many headline terms and rarest lead terms are looked up; how many candidates are scored in full.
    QUERY_TERMS = 8
    CANDIDATES = 6
    #: Terms an article found by the second query (the rarest shared terms, see _same_event) must share.
    SECOND_QUERY_TERMS = 3
    #: How many LSH candidates (sharing 2+ bands; Jaccard 0.6 shares 4.5 of 21 on average) are verified.
    NEAR_CANDIDATES = 16
    #: How many recent articles an LSH bucket keeps: copies of one story fill a bucket, and any of them
    #: leads to the story.
    BAND_POSTINGS = 8
    #: A body seen under this many unrelated headlines is a site template, not an article.
    TEMPLATE_TITLES = 2
    #: A same-event match must share a distinctive headline term: this share of the lighter headline's
    #: term weight (or the same numbered meeting). Shared template words ("투자", "공장") weigh little.
    TITLE_ANCHOR = 0.35
    #: ... and when one of the two has no usable body, most of the headline: templates ("X, 장중 3% 이상
    #: 급등") differ only in their subject.
    HEADLINE_ONLY_SHARE = 0.7
    #: Term overlap that makes the same numbered meeting one event; and the same venue and day.
    MEETING_OVERLAP = 0.15
    PLACE_DAY_OVERLAP = 0.3
    #: The combined score that is enough when both name the same meeting, one without its ordinal.
    NAMED_MEETING_SCORE = 0.4
    #: Two write-ups that both have a lead and share most of their weighted key terms (names, objects,
    #: figures) and a good part of the headline report one development, however differently worded.
    LEAD_OVERLAP = 0.5
    MIN_OVERLAP = 0.1
    #: Shared facts: two write-ups with leads that share FACTS terms ordinary news and the window hardly use
    #: (each in at most FACT_ARTICLES other articles, window and background prior together: names, places,
    #: figures, objects) and FACTS_OVERLAP of their weighted terms report one development, however their
    #: headlines are worded. Look-alikes of another event differ in a cue (ordinal, period, day, figures,
    #: countries), which conflict() and _numbers_conflict() check first.
    FACTS = 5
    FACT_ARTICLES = 2.0
    FACTS_OVERLAP = 0.32
    #: Shared facts that make two headlines' own subjects two sides of one event
    #: (see _facts_outweigh_subjects).
    SUBJECT_FACTS = 6
    #: Each shared fact beyond FACTS lowers the term overlap needed by FACT_STEP, down to FACTS_FLOOR: two
    #: outlets that name the same seven or eight rare things (company, court, place, figures) report one
    #: development even when each adds a paragraph of its own angle (background, reactions) that dilutes
    #: the overlap.
    FACT_STEP = 0.025
    FACTS_FLOOR = 0.28
    #: Two reports of one quarter's (or half's) results: both headlines name the period, and both give
    #: one rare amount with its unit (영업이익 1조3천억원), with this term overlap. Another company's
    #: results that day have other amounts; the same company's other quarter, another period.
    PERIOD_OVERLAP = 0.25
    #: Both headlines name the same rare code (칩4, 232조, VEU): with this term overlap, one development.
    CODED_OVERLAP = 0.3
    LEAD_TITLE_SHARE = 0.3
    #: A bare headline joins a report that names its rare code or name (used by no other article in the
    #: window, and by at most this many of the background prior's: VEU in none, IPEF in 2 of 5,887
    #: stories) and covers this share of its headline's weight.
    RARE_ANCHOR_ARTICLES = 0.1
    RARE_ANCHOR_SHARE = 0.25
    #: ... or covers this share of the bare headline's weight, with three of its terms (two in its own
    #: headline).
    FLASH_COVERED = 0.55
    #: ... or this share, when FLASH_FACTS of the terms it shares are rare facts (see _shared_facts).
    FLASH_FACTS_COVERED = 0.35
    FLASH_FACTS = 3
    #: A headline-only article joins a report that covers this much of its weighted terms (and shares
    #: LEAD_OVERLAP of the headline weight).
    HEADLINE_COVERED = 0.6
    #: A near-duplicate must also share its lead's rare terms (names, figures): a robot-written template
    #: about another company has the same shingles but other names.
    COPY_TERMS = 0.5

    def __init__(
        self,
        *,
        window_hours: float = 72.0,
        near_dup_threshold: float = 0.6,
        same_event_threshold: float = 0.5,
        key_terms: KeyTerms | None = None,
        max_shingle_chars: int = 4000,
        background: TermBackground | None = None,
    ) -> None:
        self.window_s = window_hours * 3600.0
        # How common each term is in ordinary news (monitor/rarity.py); the window's counts add to it.
        self.background = load_term_background() if background is None else background
        self.near_dup_threshold = near_dup_threshold
        self.same_event_threshold = same_event_threshold
        self.key_terms = key_terms
        self.max_shingle_chars = max_shingle_chars
        self._entries: dict[int, _Entry] = {}
        self._stories: dict[int, _Story] = {}
        self._by_url: dict[str, int] = {}
        self._by_hash: dict[str, int] = {}
        self._by_title: dict[str, list[int]] = {}
        self._bands: dict[int, list[int]] = {}
        self._postings: dict[str, list[int]] = {}
        self._df: Counter[str] = Counter()
        self._bodies: dict[str, list[tuple[int, frozenset[str]]]] = {}
        self._expiry: list[tuple[float, int]] = []
        self._newest = -math.inf
        self._timed: tuple[ClusterItem | None, float | None] = (None, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _time_of(self, item: ClusterItem) -> float | None:
        """``_time_of(item)``, remembered for the item being decided: the window check asks it for every
        candidate, and converting the datetime each time was a tenth of the deciding time."""
        if item is not self._timed[0]:
            self._timed = (item, _time_of(item))
        return self._timed[1]

    # -- public -------------------------------------------------------------------------------------

    def add(self, item: ClusterItem, features: _Features | None = None) -> Assignment:
        """Assign an article to a story (an existing one, or a new one keyed by its own id).

        Adding a known article again is how an update is reported: with unchanged content it returns the
        earlier assignment (polling twice changes nothing); with changed content the article is re-indexed
        and stays in its story, and the reason is ``"updated"``.
        """
        known = self._entries.get(item.article_id)
        features = self._features(item, features)
        if known is not None:
            if known.f.chash == features.chash:
                return known.assignment
            assignment = replace(known.assignment, reason="updated", similarity=1.0, matched_article_id=None)
            self._unindex(known, forget_story=False)
            self._index(item, features, assignment)
            return assignment
        self._evict(self._time_of(item))
        assignment = self._decide(item, features)
        self._index(item, features, assignment)
        return assignment

    def restore(self, item: ClusterItem, assignment: Assignment, features: _Features | None = None) -> None:
        """Index an article under a stored decision (restart recovery); replay them in time order
        (:func:`restore_all` computes a large window's features in worker processes)."""
        known = self._entries.get(item.article_id)
        if known is not None:
            self._unindex(known, forget_story=False)
        self._evict(_time_of(item))
        self._index(item, self._features(item, features), assignment)

    def knows(self, article_id: int) -> bool:
        """Is the article in the index (added or restored, and not evicted)?"""
        return article_id in self._entries

    def story(self, story_key: int) -> StoryState | None:
        """The story as known from the articles added or restored (None once all are evicted)."""
        story = self._stories.get(story_key)
        if story is None:
            return None
        return StoryState(
            story.key,
            story.lead[2],
            tuple(story.members),
            tuple(story.outlets),
            story.first_seen,
            story.last_updated,
            story.best_score,
        )

    # -- features -----------------------------------------------------------------------------------

    def _features(self, item: ClusterItem, precomputed: _Features | None = None) -> _Features:
        """The item's features; ``precomputed`` (from :func:`item_features`, maybe in another process)
        is used unless its body turns out to be a site template this clusterer has learnt."""
        f = precomputed or item_features(item, self.max_shingle_chars, self.key_terms, self._is_template)
        if precomputed is not None and f.body_key is not None and self._is_template(f.body_key, f.headline_grams):
            f = item_features(item, self.max_shingle_chars, self.key_terms, lambda *_: True)
        return f

    def _is_template(self, body_key: str, title_grams: frozenset[str]) -> bool:
        titles = self._bodies.get(body_key, [])
        unrelated = [t for _, t in titles if _dice(t, title_grams) < 0.3]
        return len(unrelated) >= self.TEMPLATE_TITLES

    # -- decision -----------------------------------------------------------------------------------

    def _decide(self, item: ClusterItem, f: _Features) -> Assignment:
        exact = self._by_url.get(item.url) if item.url else None
        if exact is None and (f.sig is not None or f.title_key is not None):  # empty items are not copies
            exact = self._by_hash.get(f.chash)
        if exact is not None and self._within_window(item, self._entries[exact]):
            return self._join(item, "exact", 1.0, exact)
        weights = _Weights(self._df, len(self._entries), self.background)
        return (
            self._near_duplicate(item, f, weights)
            or self._same_event(item, f, weights)
            or Assignment(item.article_id, item.article_id, "new", 0.0, None)
        )

    def _join(self, item: ClusterItem, reason: AssignReason, similarity: float, matched: int) -> Assignment:
        story_key = self._entries[matched].assignment.story_key
        return Assignment(item.article_id, story_key, reason, round(similarity, 4), matched)

    def _near_duplicate(self, item: ClusterItem, f: _Features, w: _Weights) -> Assignment | None:
        """The most similar compatible copy. Candidates are checked in (similarity, id) order and the
        first that passes wins, so the costlier checks run for few of them (a wire story's copies fill
        its LSH buckets, and all of them pass)."""
        body_ids, title_ids = self._near_candidates(f)
        ranked: list[tuple[float, int, bool]] = []  # (similarity, id, body checks needed)
        if body_ids and f.sig is not None:
            # One buffer of the candidates' signatures, viewed as a matrix: no per-row array objects.
            entries = self._entries
            sigs = np.frombuffer(b"".join([entries[i].f.sig for i in body_ids]), dtype=np.uint32)  # type: ignore[misc]
            # add.reduce: the count of agreeing bins without count_nonzero's Python-level wrappers.
            mine = np.frombuffer(f.sig, dtype=np.uint32)
            agreement = _ADD_REDUCE(sigs.reshape(len(body_ids), NUM_BINS) == mine, 1) / NUM_BINS
            ranked += [
                (similarity, other_id, True)
                for other_id, similarity in zip(body_ids, agreement.tolist(), strict=True)
                if similarity >= self.near_dup_threshold
            ]
        ranked += [(1.0, other_id, False) for other_id in title_ids]  # same headline, a body missing
        for similarity, other_id, check in sorted(ranked, key=lambda r: (-r[0], r[1], not r[2])):
            entry = self._entries[other_id]
            other = entry.f
            if check and not (
                _headlines_agree(f, other)
                and not _numbers_conflict(f.cues, other.cues)
                and w.overlap(f.terms, other.terms) >= self.COPY_TERMS
                and not _distinct_subjects(f, other)
                and not w.own_subjects(f, other)
            ):
                continue
            if self._compatible(item, f, entry):
                return self._join(item, "near_duplicate", similarity, other_id)
        return None

    def _near_candidates(self, f: _Features) -> tuple[list[int], list[int]]:
        """Ids sharing 2+ LSH bands (best first, at most NEAR_CANDIDATES), and ids with the same headline
        where one of the two bodies is missing."""
        get = self._bands.get
        # Counted in C: every band's postings chained into one count (a plain dict: no Counter to build).
        hits: dict[int, int] = {}
        _count_elements(hits, itertools.chain.from_iterable([ids for k in f.band_keys if (ids := get(k))]))
        # Most shared bands first, ties by lower id (what nlargest over the ids in order gave).
        body = [i for _, i in sorted([(-n, i) for i, n in hits.items() if n >= 2])[: self.NEAR_CANDIDATES]]
        titles = []
        if f.title_key is not None:
            titles = [
                i
                for i in self._by_title.get(f.title_key, ())
                if f.sig is None or self._entries[i].f.sig is None
            ]
        return body, titles

    def _same_event(self, item: ClusterItem, f: _Features, w: _Weights) -> Assignment | None:
        """The best-scoring compatible candidate. Candidates that a cue rules out do not use up the
        CANDIDATES scored in full, so a burst of look-alikes cannot crowd out the real match.

        When none passes and some of the rarest terms looked up are the article's alone, a second
        query looks up the rarest terms other articles share with it: a write-up in its own words
        ("끊기면 국가 마비…3국, 바닷속 '데이터 고속도로'") has a dozen words no one else used, which fill
        the first query and find nothing, while its facts (해저케이블, 수리선, 3척) are further down."""
        candidates, unshared = self._event_candidates(f, w)
        best = self._best_event(item, f, w, candidates, ())
        if best is None and unshared:
            best = self._best_event(item, f, w, self._event_candidates(f, w, shared_only=True)[0], candidates)
        return None if best is None else self._join(item, "same_event", best[0], -best[1])

    def _best_event(
        self, item: ClusterItem, f: _Features, w: _Weights, candidates: list[int], tried: Sequence[int]
    ) -> tuple[float, int] | None:
        best: tuple[float, int] | None = None
        scored = 0
        for other_id in candidates:
            if other_id in tried:  # the first query's (at most 4 * CANDIDATES): a short list
                continue
            other = self._entries[other_id]
            if not self._compatible(item, f, other):
                continue
            score = self._event_score(f, other.f, w)
            if score >= self.same_event_threshold and (best is None or (score, -other_id) > best):
                best = (score, -other_id)
            scored += 1
            if scored == self.CANDIDATES:
                break
        return best

    def _event_candidates(
        self, f: _Features, w: _Weights, *, shared_only: bool = False
    ) -> tuple[list[int], bool]:
        """Articles sharing the headline's rarest terms or the lead's, ranked by the weight they share;
        and whether a term looked up is in no other article (see _same_event). ``shared_only`` looks up
        the rarest terms that other articles in the window use."""
        postings = self._postings
        title, lead = (  # sorted twice: ties by term
            sorted(sorted(t for t in ts if not shared_only or t in postings), key=w.__getitem__, reverse=True)
            for ts in (f.title_terms, f.terms - f.title_terms)
        )
        votes: dict[int, float] = {}
        unshared = False
        query = title[: self.QUERY_TERMS] + lead[: self.QUERY_TERMS]
        for term in query:
            ids = postings.get(term)
            if ids is None:
                unshared = True
                continue
            weight = w[term] ** 2  # a shared rare term says far more than two shared common ones
            for other_id in ids:
                votes[other_id] = votes.get(other_id, 0.0) + weight
        if shared_only:
            # The second query runs for most articles that start a story: it scores only articles that
            # share SECOND_QUERY_TERMS of its terms, as every anchor it is for needs (facts, a covered flash).
            hits = Counter(itertools.chain.from_iterable([postings[t] for t in query]))
            votes = {i: v for i, v in votes.items() if hits[i] >= self.SECOND_QUERY_TERMS}
        ranked = heapq.nlargest(4 * self.CANDIDATES, sorted(votes), key=votes.__getitem__)  # ties: lower id
        return ranked, unshared

    def _event_score(self, f: _Features, other: _Features, w: _Weights) -> float:
        """How strongly two articles report one development (0 when the evidence is not enough).

        The combined score is headline share, term overlap and headline bigrams (0.4/0.4/0.2). It counts
        only with an anchor: the same numbered meeting with some common terms; or, unless each headline
        keeps its own person, figure or rare subject (or two outlets share SUBJECT_FACTS rare facts): the
        same meeting named by both (one report without the ordinal, or by the acronym the other gave it),
        shared rare facts (the more of them, the less term overlap they need), one quarter's results with
        one rare amount, a shared headline (share >= TITLE_ANCHOR and score >= threshold), a bare headline
        (or a flash with one sentence) whose rare names or most of whose weight the report covers, or the
        same venue and day with a strong term overlap. Days are compared as the articles' event days: a day
        abroad ("(현지시간)") is also the next day in Korea, and a date after an article's own is a plan.
        """
        if len(f.terms & other.terms) < 2 and not (f.cues.countries and f.cues.countries == other.cues.countries):
            return 0.0  # one shared term is not enough, unless both headlines also name the same countries
        overlap = w.overlap(f.terms, other.terms)
        title_share = w.share(f.title_terms, other.title_terms)
        score = 0.4 * title_share + 0.4 * overlap + 0.2 * _dice(f.title_grams, other.title_grams)
        a, b = f.cues.meeting, other.cues.meeting
        if a and b and a.ordinal is not None and a.ordinal == b.ordinal and a.compatible(b):
            return max(score, self.same_event_threshold) if overlap >= self.MEETING_OVERLAP else 0.0
        if _opposite_outcomes(f, other):
            return 0.0
        if (_distinct_subjects(f, other) or w.own_subjects(f, other)) and not self._facts_outweigh_subjects(
            f, other, w, overlap
        ):
            return 0.0
        if _template_fills(f, other):
            return 0.0
        if (
            a
            and b
            and a.actor
            and (a.actor, a.head) == (b.actor, b.head)
            and score >= self.NAMED_MEETING_SCORE
        ):
            return max(score, self.same_event_threshold)  # one report left the ordinal out
        if a and b and _named_alike(a, b) and overlap >= self.MEETING_OVERLAP:
            return max(score, self.same_event_threshold)  # one report used a shorter name
        if overlap >= self.MEETING_OVERLAP and (
            _names_participants(a, other) or _names_participants(b, f)
        ):
            return max(score, self.same_event_threshold)  # "韓美日 산업장관 …" of the 한미일 산업장관회의
        if overlap >= self.MEETING_OVERLAP and (_names_by_alias(f, other) or _names_by_alias(other, f)):
            return max(score, self.same_event_threshold)  # "한일 MCD, …" of the 소재부품대화(MCD)
        if (
            overlap >= self.CODED_OVERLAP
            and title_share >= self.LEAD_TITLE_SHARE
            and _shared_code(f, other, self._df)
        ):
            return max(score, self.same_event_threshold)
        if a and b and _same_meeting_of_same_pair(f, other) and overlap >= self.MEETING_OVERLAP:
            return max(score, self.same_event_threshold)  # "한일 … 정책대화": the headline names the actors
        if (
            f.has_lead
            and other.has_lead
            and overlap >= self.LEAD_OVERLAP
            and title_share >= self.LEAD_TITLE_SHARE
            and not _own_names(f, other)
            and not _numbers_conflict(f.cues, other.cues)  # robot-written earnings: same words, own figures
        ):
            return max(score, self.same_event_threshold)
        if (
            f.has_lead
            and other.has_lead
            and overlap >= self.FACTS_FLOOR
            and f.body_key != other.body_key  # one body under two headlines: a site template, not facts
            # A daily report (case counts, a game, a market close) shares its facts with yesterday's: without
            # a shared headline, a day either side names must be the same day.
            and not _figures_conflict(f, other)
            and self._facts_on_their_days(f, other, w, overlap)
        ):
            return max(score, self.same_event_threshold)  # different words, the same facts
        if (
            f.cues.period is not None
            and f.cues.period == other.cues.period
            and f.has_lead
            and other.has_lead
            and overlap >= self.PERIOD_OVERLAP
            and not _other_day(f.cues.day, other.cues.day)
            and not _figures_conflict(f, other)
            and self._shared_amount(f, other, w)
        ):
            return max(score, self.same_event_threshold)  # one quarter's results, one figure
        headline_only = not f.has_lead or not other.has_lead  # nothing but the headlines to compare
        # Short leads were once ignored (the headline alone had to match 0.7); counted now, they must
        # not let two look-alike headlines each naming its own place or acronym join on generic words.
        short = f.sig is None or other.sig is None
        if (
            title_share >= (self.HEADLINE_ONLY_SHARE if headline_only else self.TITLE_ANCHOR)
            and score >= self.same_event_threshold
            and not (short and _own_names(f, other))
            # A one-word headline ("[오늘의 경기]프로야구") is wholly shared by every report on its topic.
            and overlap >= self.MIN_OVERLAP
            and min(len(f.title_terms), len(other.title_terms)) >= 2
        ):
            return score
        if (
            headline_only
            and title_share >= self.LEAD_OVERLAP
            and overlap >= self.HEADLINE_COVERED
            and min(len(f.title_terms), len(other.title_terms)) >= 2  # "[오늘의 운세] 7월 29일 (금요일)"
        ):
            # A bare headline whose weighted terms the other's headline and lead mostly cover: a flash
            # ("[단독] 한미일 조기경보 연계, 요소·흑연 등 10개 품목") of the full report.
            return max(score, self.same_event_threshold)
        # A flash with one sentence under it ("[속보] … 총파업 돌입" + "노조가 20일 … 들어갔다.") is as bare
        # as a headline alone when the report covers most of it; a shared code alone ties only bare headlines.
        if (headline_only or short) and self._rare_anchor(f, other, w, codes=headline_only):
            return max(score, self.same_event_threshold)
        if len(f.terms & other.terms) < 2:
            return 0.0
        if _same_place_and_day(f.cues, other.cues) and overlap >= self.PLACE_DAY_OVERLAP:
            return max(score, self.same_event_threshold)
        return 0.0

    def _shared_facts(self, f: _Features, other: _Features, w: _Weights) -> int:
        """How many terms both articles use that hardly any other does, in the window or in ordinary news:
        the facts of one development (한미약품, 수원지법, 임시주총), not its topic's vocabulary. ``other`` is
        indexed, so its own mention is not counted; generic codes (MOU, AI) are vocabulary too."""
        return sum(
            1
            for t in f.terms & other.terms
            if t not in _GENERIC_CODES and w.commonness(t, 1) <= self.FACT_ARTICLES
        )

    def _shared_amount(self, f: _Features, other: _Features, w: _Weights) -> bool:
        """Do both articles give one amount with its unit (11조, 88조, 3천억) that hardly any other article
        in the window or in ordinary news gives?"""
        return any(
            t[0].isdigit() and not t[-1].isdigit() and w.commonness(t, 1) <= self.FACT_ARTICLES
            for t in f.terms & other.terms
        )

    def _facts_on_their_days(self, f: _Features, other: _Features, w: _Weights, overlap: float) -> bool:
        """Enough shared facts, on the same day. A daily report (case counts, a game, a market close)
        shares its facts with yesterday's, so a day either side names must be the same; except the day
        before, when the two share twice the facts and most of their weight: a scoop the evening before
        an announcement ("14일 협약을 맺는다", dated the 13th) is the announcement's own story, and names
        its day."""
        if not _other_day(f.cues.day, other.cues.day):
            return self._enough_facts(f, other, w, overlap)
        a, b = f.cues.day, other.cues.day
        if a is None or b is None or a.ordinal is None or b.ordinal is None:
            return False
        if abs(a.ordinal - b.ordinal) != 1:
            return False
        earlier, later = (f, b) if a.ordinal < b.ordinal else (other, a)
        return (
            later.day in earlier.days  # the scoop names the day of the announcement, yesterday's report not
            and overlap >= self.LEAD_OVERLAP
            and self._shared_facts(f, other, w) >= 2 * self.FACTS
        )

    def _facts_outweigh_subjects(self, f: _Features, other: _Features, w: _Weights, overlap: float) -> bool:
        """Two headlines each naming its own subject are two fills of one template, unless the articles
        share SUBJECT_FACTS rare facts with FACTS_OVERLAP: then the subjects are two sides of one event
        ("새봄시, … 면허 취소" / "버스 기사들, … 체불 임금부터": who acted and who is affected). As in
        _enough_facts, each fact beyond SUBJECT_FACTS lowers the overlap needed by FACT_STEP (never below
        FACTS_FLOOR): a ministry's measures and the strike's first-day figures, each headline with its
        own figure, name the same union, lines, rates and demands."""
        if not (
            f.has_lead
            and other.has_lead
            and not _same_outlet(f, other)  # one outlet's series and photo sets share its own lines
            and overlap >= self.FACTS_FLOOR - 1e-9
            and f.body_key != other.body_key
            and not _other_day(f.cues.day, other.cues.day)
            and not _figures_conflict(f, other)
        ):
            return False
        facts = self._shared_facts(f, other, w)
        needed = self._overlap_needed(facts, self.SUBJECT_FACTS)
        return facts >= self.SUBJECT_FACTS and overlap >= needed - 1e-9

    def _enough_facts(self, f: _Features, other: _Features, w: _Weights, overlap: float) -> bool:
        """Do the shared facts carry the overlap? FACTS of them at FACTS_OVERLAP, each further one
        lowering the overlap needed by FACT_STEP (never below FACTS_FLOOR), for two outlets."""
        if overlap < self.FACTS_OVERLAP and _same_outlet(f, other):
            # One outlet's two articles share its own stock lines (a partner credit, a recurring
            # phrase): rare terms, but not facts of one development. Its rare second write-up of an
            # event must share the full overlap.
            return False
        facts = self._shared_facts(f, other, w)
        return facts >= self.FACTS and overlap >= self._overlap_needed(facts, self.FACTS) - 1e-9

    def _overlap_needed(self, facts: int, enough: int) -> float:
        """The term overlap ``facts`` shared rare facts need when ``enough`` of them need FACTS_OVERLAP:
        FACT_STEP less for each one beyond, never below FACTS_FLOOR."""
        return max(self.FACTS_FLOOR, self.FACTS_OVERLAP - self.FACT_STEP * (facts - enough))

    def _rare_anchor(self, f: _Features, other: _Features, w: _Weights, *, codes: bool = True) -> bool:
        """A bare headline and another report of one development. A flash is short and worded its own way
        (산업부 "VEU 지정으로 中공장 불확실성 해소"), so its overlap with the report is low; what ties them
        is either most of the flash (FLASH_COVERED of its weight, three terms or more, two of them in the
        report's headline: all but its speaker and verdict), or a name that ordinary news hardly uses and
        no other article in the window mentions: a code (VEU, IPEF, 232조) that both headlines name with
        one more shared term, or the report's lead names with two more; or a word (화이트리스트) both
        headlines name about the same two or more countries. Organisations and places (서울시립대, 아파치)
        are not names enough: they do many things in one week. ``other`` is indexed, so its own mention
        of a term is not counted. A flash with one sentence under it counts as bare for the first test only
        (``codes`` False): its sentence says more than the code, and must be covered too."""
        if not f.has_lead or other.has_lead and f.sig is None:
            bare, report = f, other
        else:
            bare, report = other, f
        ours, theirs = bare.cues.countries, report.cues.countries
        if len(ours) >= 2 and len(theirs) >= 2 and ours != theirs:
            return False  # 한일 and 한미일: another forum, however alike the words (conflict() allows it)
        if report.cues.meeting is not None and bare.cues.meeting is None:
            return False  # a meeting's report is joined by headlines that name the meeting (the rules above)
        covered = w.share(bare.title_terms, report.terms)
        if covered < self.RARE_ANCHOR_SHARE:
            return False
        if (
            (
                covered >= self.FLASH_COVERED
                or (covered >= self.FLASH_FACTS_COVERED and self._flash_facts(bare, report, w))
            )
            and len(bare.title_terms & report.terms) >= 3
            and len(bare.title_terms & report.title_terms) >= 2
            and not _names_own(bare, report)
        ):
            return True  # most of the flash is in the report (or its rare names), some of it in its headline
        if not codes:
            return False
        shared = len(bare.terms & report.terms)
        for term in bare.title_terms & report.terms:
            if w.commonness(term, 1) > self.RARE_ANCHOR_ARTICLES:
                continue
            in_headlines = term in report.title_terms
            if _is_code(term):
                if shared >= (2 if in_headlines else 3):
                    return True
            elif in_headlines and len(ours) >= 2 and ours == theirs:
                return True
        return False

    def _flash_facts(self, bare: _Features, report: _Features, w: _Weights) -> bool:
        """Does the report name FLASH_FACTS of the bare headline's rare terms (teams, places, figures that
        ordinary news and the window hardly use)? A morning-after headline rewords the report's verdict
        ("…새봄 꺾고 챔프전 제패" for "…챔프전 5차전 승리") but keeps its names."""
        return (
            sum(1 for t in bare.title_terms & report.terms if w.commonness(t, 1) <= self.FACT_ARTICLES)
            >= self.FLASH_FACTS
        )

    def _compatible(self, item: ClusterItem, f: _Features, other: _Entry) -> bool:
        if not self._within_window(item, other):
            return False
        story = self._stories[other.assignment.story_key]
        return conflict(f.cues, other.f.cues) is None and conflict(f.cues, story.cues) is None

    def _within_window(self, item: ClusterItem, other: _Entry) -> bool:
        t = self._time_of(item)
        return t is None or other.time is None or abs(t - other.time) <= self.window_s

    # -- index --------------------------------------------------------------------------------------

    def _index(self, item: ClusterItem, f: _Features, assignment: Assignment) -> None:
        outlet, wire = f.outlet
        entry = _Entry(
            item.article_id, self._time_of(item), _when(item), item.url, outlet, wire, item.score, f, assignment
        )
        self._entries[item.article_id] = entry
        if item.url:
            self._by_url.setdefault(item.url, item.article_id)
        self._by_hash.setdefault(f.chash, item.article_id)
        if f.title_key is not None:
            _push(self._by_title, f.title_key, item.article_id, self.POSTINGS)
        lists = entry.lists
        _push_all(self._bands, f.band_keys, item.article_id, self.BAND_POSTINGS, lists)
        _push_all(self._postings, f.terms, item.article_id, self.POSTINGS, lists)
        _count_elements(self._df, f.terms)  # Counter.update without its per-call Mapping check
        if f.body_key is not None:
            titles = self._bodies.setdefault(f.body_key, [])
            if len(titles) < 4:
                titles.append((item.article_id, f.title_grams))
        if entry.time is not None:
            heapq.heappush(self._expiry, (entry.time, item.article_id))
            self._newest = max(self._newest, entry.time)
        self._join_story(entry)

    def _join_story(self, entry: _Entry) -> None:
        key = entry.assignment.story_key
        story = self._stories.get(key)
        lead = (not entry.wire, entry.time if entry.time is not None else math.inf, entry.article_id)
        if story is None:
            story = _Story(key, {}, entry.f.cues, {}, entry.when, entry.when, entry.score, lead, 0)
            self._stories[key] = story
        story.members[entry.article_id] = None  # an update re-joins in its old place
        story.alive += 1
        story.cues = story.cues.merged(entry.f.cues)
        if entry.outlet:
            story.outlets[entry.outlet] = None
        story.lead = min(story.lead, lead)
        if entry.when is not None:
            story.first_seen = min(story.first_seen or entry.when, entry.when)
            story.last_updated = max(story.last_updated or entry.when, entry.when)
        if entry.score is not None:
            story.best_score = max(
                story.best_score if story.best_score is not None else entry.score, entry.score
            )

    def _unindex(self, entry: _Entry, *, forget_story: bool = True) -> None:
        f = entry.f
        del self._entries[entry.article_id]
        if self._by_url.get(entry.url) == entry.article_id:
            del self._by_url[entry.url]
        if self._by_hash.get(f.chash) == entry.article_id:
            del self._by_hash[f.chash]
        if f.title_key is not None:
            _remove(self._by_title, f.title_key, entry.article_id)
        # Eviction runs once per article for ~60 keys: inlined, through the lists the article was pushed
        # to (no dict lookups), and oldest-first lists usually hold the evicted id first (or have dropped
        # it already). A list is only ever removed from its index once empty, so a list that still holds
        # the id is the one indexed under its key, and only a removal can empty it.
        article_id = entry.article_id
        bands, postings = self._bands, self._postings
        for position, (ids, key) in enumerate(zip(entry.lists, itertools.chain(f.band_keys, f.terms))):
            if not ids:
                continue
            if ids[0] == article_id:
                del ids[0]
            elif article_id in ids:
                ids.remove(article_id)
            else:
                continue
            if not ids:
                del (bands if position < len(f.band_keys) else postings)[key]
        entry.lists = []
        df = self._df
        for term in f.terms:
            left = df[term] - 1
            if left:
                df[term] = left
            else:
                del df[term]
        titles = self._bodies.get(f.body_key or "")
        if titles is not None:
            titles[:] = [(i, t) for i, t in titles if i != entry.article_id]
            if not titles:
                del self._bodies[f.body_key or ""]
        story = self._stories[entry.assignment.story_key]
        story.alive -= 1
        if forget_story:  # evicted (an update re-indexes at once and keeps its place)
            story.members.pop(entry.article_id, None)
            if story.alive == 0:
                del self._stories[story.key]

    def _evict(self, now: float | None) -> None:
        newest = max(self._newest, now) if now is not None else self._newest
        cutoff = newest - self.window_s
        while self._expiry and self._expiry[0][0] < cutoff:
            time, article_id = heapq.heappop(self._expiry)
            entry = self._entries.get(article_id)
            if entry is not None and entry.time == time:
                self._unindex(entry)


class _Weights(dict[str, float]):
    """Rarity weights of terms, cached for one decision: inverse document frequency in the window, with
    the background (ordinary news, monitor/rarity.py) as its prior.

    A term's weight is log(1 + (n + PRIOR) / (df + 1 + PRIOR * bg)): its ``df`` among the ``n`` articles in
    the window, plus PRIOR imaginary articles that use it at its background rate ``bg``. A young window
    of a few dozen articles cannot tell rare from common (every term is in one or two of them), so the
    prior decides: 한국, 자동차, "4년 만에" weigh little from the first article on, and a code or a name
    ordinary news never used (VEU, 부의장국) weighs most. As the window fills, its own counts take over:
    a development thirty outlets carry, or the monitor's own subject (공급망, 핵심광물: rare in ordinary
    news, in every article here), becomes common. Without a background the weights are the window's
    alone, smoothed by 20 imaginary articles, as before the background existed.

    Sums are ``math.fsum``: exact, so they do not depend on the order a frozenset yields its terms, which
    changes with PYTHONHASHSEED. With ``sum`` a score sitting on a threshold could decide differently in
    another process (4 of 20,000 decisions differed between two runs of the same code).
    """

    #: The background's weight, in articles: a window this large counts as much as the background.
    PRIOR = 200

    __slots__ = ("_bg", "_df", "_n", "_scale", "_totals", "_unseen")

    def __init__(self, df: Counter[str], n: int, background: TermBackground = NO_BACKGROUND) -> None:
        super().__init__()
        self._df, self._bg = df, background.df
        prior = self.PRIOR if background else 20
        self._scale = prior / background.documents if background else 0.0  # background stories → articles
        # Terms seen in one background story are not in the table: half a story stands for "0 or 1".
        self._unseen = 0.5 if background else 0.0
        self._n = n + prior
        self._totals: dict[int, float] = {}  # by id(): the sets compared live through the decision

    def __missing__(self, term: str) -> float:  # inlined: called for every term of every candidate
        seen = self._df.get(term, 0) + 1 + self._bg.get(term, self._unseen) * self._scale
        weight = self[term] = math.log(1.0 + self._n / seen)
        return weight

    def commonness(self, term: str, own: int = 0) -> float:
        """How many articles (window and imaginary background ones) use the term, not counting ``own``
        of the window's: the ones being compared."""
        return self._df.get(term, 0) - own + self._bg.get(term, self._unseen) * self._scale

    def total(self, terms: frozenset[str]) -> float:
        """The weight of one of the articles' own term sets (memoised: they outlive the decision)."""
        total = self._totals.get(id(terms))
        if total is None:
            total = self._totals[id(terms)] = math.fsum(map(self.__getitem__, terms))
        return total

    def overlap(self, a: frozenset[str], b: frozenset[str]) -> float:
        """Weighted cosine of two term sets (0..1)."""
        shared = a & b
        return (
            math.fsum(map(self.__getitem__, shared)) / math.sqrt(self.total(a) * self.total(b)) if shared else 0.0
        )

    def own_subjects(self, a: _Features, b: _Features) -> bool:
        """Does each headline keep a term to itself that is rarer than anything the two articles share?

        Rarity counts the *other* articles in the window, so a term only these two share is as rare as
        can be. The background does not count here: template fills show as a burst in the window, while
        by the background's measure a flash's own speaker or verb (산업부, 환영) is often rarer than the
        code it shares with its report (CHIPS), and every flash would look like another fill. Two fills of one template ("EOG 리소시스, 장중 3% 이상 급등" / "아메렌, 장중 3% 이상 급등";
        "한미반도체, SK하이닉스에 … 공급" / "한미반도체, 마이크론에 … 공급") share only common words and each
        keeps its own rare subject; two write-ups of one event share a rare word (a name, a place).
        """
        shared = a.terms & b.terms
        only_a, only_b = a.title_terms - b.terms, b.title_terms - a.terms
        if not shared or not only_a or not only_b:
            return False
        df = self._df

        def elsewhere(t: str) -> int:  # ``a`` is not indexed yet; ``b`` is
            return df.get(t, 0) - (t in b.terms)

        rarest_shared = min(map(elsewhere, shared))
        return min(map(elsewhere, only_a)) < rarest_shared and min(map(elsewhere, only_b)) < rarest_shared

    def share(self, a: frozenset[str], b: frozenset[str]) -> float:
        """The shared terms' part of the lighter set's weight (0..1): does the shorter headline reappear?"""
        shared = a & b
        return math.fsum(map(self.__getitem__, shared)) / min(self.total(a), self.total(b)) if shared else 0.0


def _push(index: dict[Any, list[int]], key: Any, article_id: int, cap: int) -> None:
    ids = index.setdefault(key, [])
    ids.append(article_id)
    if len(ids) > cap:
        del ids[0]  # keep the most recent: a story's next article is most likely near in time


def _push_all(
    index: dict[Any, list[int]], keys: Iterable[Any], article_id: int, cap: int, pushed: list[list[int]]
) -> None:
    """Append the id to each key's list (dropping the oldest beyond ``cap``); the lists go to ``pushed``."""
    add = pushed.append
    for key in keys:
        ids = index.get(key)
        if ids is None:
            ids = index[key] = [article_id]
        else:
            ids.append(article_id)
            if len(ids) > cap:
                del ids[0]
        add(ids)


def _remove(index: dict[Any, list[int]], key: Any, article_id: int) -> None:
    ids = index.get(key)
    if ids is not None and article_id in ids:
        ids.remove(article_id)
        if not ids:
            del index[key]


def _distinct_subjects(a: _Features, b: _Features) -> bool:
    """Does each headline name its own person or subject, or carry its own figure, never in the other?

    Reports about different people, companies or incidents written from one template ("OO 의원, 'XX법'
    대표 발의", "X, 장중 3% 이상 급등", "OO 공장서 화재…N명 부상") share nearly all their words; what
    differs is exactly who and how much.
    """
    for own_a, own_b in ((a.people, b.people), (a.figures, b.figures)):
        if own_a and own_b and not own_a & b.terms and not own_b & a.terms:
            return True
    # Company names share words (콘솔리데이티드 에디슨, 에디슨 인터내셔널): a subject counts as mentioned
    # only in full.
    return bool(a.subject and b.subject and not a.subject <= b.terms and not b.subject <= a.terms)


def _names_participants(meeting: Meeting | None, other: _Features) -> bool:
    """Does ``other``'s headline name the participants of the meeting, without naming a meeting of its
    own: the actor and the name's stem ("韓美日 산업장관 …" for the 2차 한미일 산업장관회의)?"""
    if meeting is None or not meeting.actor or other.cues.meeting is not None:
        return False
    stem = _MEETING_NOUN_RE.sub("", meeting.head)
    actor_named = meeting.actor in other.title_terms or set(meeting.actor) == other.cues.countries
    return stem.endswith(_PARTICIPANTS) and stem in other.title_terms and actor_named


def _names_by_alias(report: _Features, other: _Features) -> bool:
    """Does ``other``'s headline name ``report``'s meeting by the acronym the report gave it, without
    naming a meeting of its own?"""
    alias = report.meeting_alias
    return alias is not None and other.cues.meeting is None and alias in other.title_terms


#: Who meets in a meeting named after them (산업장관회의, 정상회의): a stem that is a topic (경제안보대화)
#: names no participants.
_PARTICIPANTS = ("장관", "정상", "차관", "총리", "수석", "국장", "대표", "의장", "총재")


#: Codes too common to tell developments apart, however rare in the window. The background table does
#: not make this list redundant: the knews days (July 2022) never use hbm, ira, smr, cpi, ppi, cfo or loi,
#: so by the background they would be as rare as VEU.
_GENERIC_CODES = frozenset("mou loi ai ceo cfo esg gdp cpi ppi ipo etf eps ict ira hbm smr lng fta wto".split())  # noqa: SIM905


def _is_code(term: str) -> bool:
    """An acronym or a numbered name (VEU, IPEF, 232조, 칩4), not one of the codes every sector uses."""
    if term in _GENERIC_CODES:
        return False
    if term.isascii():
        return len(term) >= 3 and not term.isdigit() and any(c.isalpha() for c in term)
    return any(c.isdigit() for c in term)


def _shared_code(a: _Features, b: _Features, df: Mapping[str, int]) -> bool:
    """Do both headlines name one rare code, a term with a figure or an acronym (칩4, 232조, VEU), that at
    most one other article in the window mentions?"""
    return any(
        (any(c.isdigit() for c in t) and not t[0].isdigit() or len(t) >= 3 and t.isascii() and t.isalpha())
        and t not in _GENERIC_CODES
        and df.get(t, 0) - 1 <= 1  # ``b`` is indexed, ``a`` not yet
        for t in a.title_terms & b.title_terms
    )


def _same_meeting_of_same_pair(a: _Features, b: _Features) -> bool:
    """One meeting named without its actor in both ("한일 수출관리 정책대화" → 정책대화), where both headlines
    name the same two or more countries: the pair of countries is the meeting's actor."""
    m, n = a.cues.meeting, b.cues.meeting
    countries = a.cues.countries
    return bool(
        m
        and n
        and m.head == n.head
        and m.ordinal == n.ordinal
        and len(countries) >= 2
        and countries == b.cues.countries
        and len(_MEETING_NOUN_RE.sub("", m.head)) >= 2
    )


def _template_fills(a: _Features, b: _Features) -> bool:
    """Two fills of one headline template: the same terms in the same order around one slot, filled with
    a term the other article never mentions ("한일 반도체 소재 협의체 출범" / "한일 배터리 소재 협의체 출범",
    "한미 원전 협력 MOU 체결" / "한미 양자기술 협력 MOU 체결"), or one development's two sides under one
    opening ("한미 관세협상 타결…반도체 관세 …" / "한미 관세협상 타결…자동차 관세 …": two terms or more
    before the slot, one after). Another write-up of one event rewords more than one slot, or names the
    other's subject somewhere."""
    sa, sb = a.title_seq, b.title_seq
    i = next((k for k, (x, y) in enumerate(zip(sa, sb)) if x != y), None)
    if i is None:
        return False
    after = 1 if i >= 2 else 2
    if sa[i + 1 : i + 1 + after] != sb[i + 1 : i + 1 + after] or len(sa[i + 1 : i + 1 + after]) < after:
        return False
    return sa[i] not in b.terms and sb[i] not in a.terms and not _contracts(sa[i], sb[i])


def _contracts(a: str, b: str) -> bool:
    """Is one word the other's contraction (한은 of 한국은행, 영업익 of 영업이익, 금통위 of 금융통화위원회)?
    A flash writes the short form of what the report spells out: the same word, not another fill of the
    slot. The short form keeps the long one's first syllable and picks its further syllables in order
    from its parts; a plain prefix or part (전기 of 전기차) is another word, not a contraction."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < 2 or len(short) == len(long) or short[0] != long[0] or short in long:
        return False
    rest = iter(long[1:])
    return all(ch in rest for ch in short[1:])


def _names_own(a: _Features, b: _Features) -> bool:
    """Does ``a``'s headline name a place or an acronym that ``b`` never mentions ("김해 주택서 붕괴
    사고…10명 부상" against a report of 창원)? One-sided, and without figures, unlike :func:`_own_names`:
    a flash adds a figure of its own as often as not ("…사망 25명")."""
    return any(t in _PLACES or (t.isascii() and t.isalpha()) for t in a.title_terms - b.terms)


def _own_names(a: _Features, b: _Features) -> bool:
    """Does either headline name a place, an acronym or a figure that the other article never mentions
    ("한미일 정상회의 캠프데이비드서 개최" / "G7 정상회의 개막": two summits described alike)?"""
    return any(
        t in _PLACES or not t.isalpha() or t.isascii()
        for x, y in ((a, b), (b, a))
        for t in x.title_terms - y.terms
    )


#: A development and its reversal share every word but the verb: 승인 / 철회, 타결 / 결렬.
_OUTCOMES = (
    frozenset("승인 허용 부여 지정 합의 타결 체결 발효 서명 해제 복원 재개 인하 완화 면제 연장".split()),  # noqa: SIM905
    frozenset("철회 취소 중단 결렬 무산 보류 거부 유예 폐기 해지 파기 불허 인상 강화 부과 종료".split()),  # noqa: SIM905
)


def _opposite_outcomes(a: _Features, b: _Features) -> bool:
    """Does one headline report a grant or a deal, the other its reversal or refusal (and neither both)?"""
    yes, no = _OUTCOMES
    a_yes, a_no = bool(a.title_terms & yes), bool(a.title_terms & no)
    b_yes, b_no = bool(b.title_terms & yes), bool(b.title_terms & no)
    return (a_yes and not a_no and b_no and not b_yes) or (a_no and not a_yes and b_yes and not b_no)


def _figures(terms: frozenset[str]) -> set[str]:
    return {t for t in terms if t[0].isdigit()}


def _headlines_agree(a: _Features, b: _Features) -> bool:
    """A copy may be re-headlined but keeps its subject; one body under two unrelated headlines is a
    page template (a login or cookie wall the extractor returned), not a copy."""
    return not a.title_grams or not b.title_grams or _dice(a.title_grams, b.title_grams) >= HEADLINE_AGREEMENT


HEADLINE_AGREEMENT = 0.1


def _same_place_and_day(a: Cues, b: Cues) -> bool:
    # Seoul is where most Korean news happens: sharing it says nothing.
    return bool(
        a.venue
        and a.venue == b.venue
        and a.venue not in _EVERYWHERE
        and a.day
        and b.day
        and not _days_conflict(a.day, b.day)
    )


_EVERYWHERE = frozenset({"서울"})


def _other_day(a: EventDay | None, b: EventDay | None) -> bool:
    """Do two articles name different days for their event? A day abroad ("12일(현지시간)" in
    Washington) and the next day in Korea are one moment: the evening there is the morning here."""
    if a is None or b is None:
        return False
    if a.ordinal is not None and b.ordinal is not None:
        return a.ordinal != b.ordinal and not _abroad_and_next(a, b)
    return a.day != b.day


def _abroad_and_next(a: EventDay, b: EventDay) -> bool:
    """Is one a day abroad and the other the next day (in Korea)?"""
    if a.ordinal is None or b.ordinal is None:
        return False
    earlier, later = (a, b) if a.ordinal < b.ordinal else (b, a)
    return earlier.abroad and later.ordinal - earlier.ordinal == 1


def _numbers_conflict(a: Cues, b: Cues) -> bool:
    # A template (market close, robot-written earnings, another MP's bill) has the words of another copy
    # and other figures; a real copy keeps the figures of its lead.
    if not a.numbers or not b.numbers:
        return False
    return len(a.numbers & b.numbers) / min(len(a.numbers), len(b.numbers)) < 0.34


def _same_outlet(a: _Features, b: _Features) -> bool:
    """Are both from one known outlet? (Items without a URL or outlet name count as two outlets.)"""
    return bool(a.outlet[0]) and a.outlet[0] == b.outlet[0]


def _figures_conflict(f: _Features, other: _Features) -> bool:
    """:func:`_numbers_conflict`, unless the figures cannot compete. Not when neither article gives a number
    of two digits or more: "2대 주주" and "제3자 배정" in two write-ups of one ruling are ranks each outlet
    picks for itself. Not when the two count different things: every amount of one carries a unit that
    no amount of the other carries ("122조" and "40%" in two reports of one tariff rule: the section and
    the rate), where two daily reports or two companies' results give the same units other values."""
    a, b = f.cues, other.cues
    if all(len(n) < 2 for n in a.numbers) and all(len(n) < 2 for n in b.numbers):
        return False
    if not _numbers_conflict(a, b):
        return False
    units_a, units_b = _units(f.terms), _units(other.terms)
    return not (
        units_a
        and units_b
        and max(len(units_a), len(units_b)) <= _FEW_AMOUNTS
        and not {u for _, u in units_a} & {u for _, u in units_b}
    )


#: Articles with this many amounts or fewer can disagree in kind. A report full of amounts (a company's
#: results) that shares none with another is another report, whatever their units.
_FEW_AMOUNTS = 2


def _units(terms: frozenset[str]) -> set[tuple[str, str]]:
    """The article's amounts as (term, unit): 122조 → ("122조", "조"), 40% → ("40%", "%")."""
    return {(t, t.lstrip("0123456789.,")) for t in terms if t[0].isdigit() and not t[-1].isdigit()}


def _when(item: ClusterItem) -> datetime | None:
    value = item.published or item.first_seen
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time_of(item: ClusterItem) -> float | None:
    when = _when(item)
    return when.timestamp() if when is not None else None


def _outlet_of(item: ClusterItem) -> tuple[str, bool]:
    """The item's outlet and whether it is a news agency, whose copy of a story is the natural lead:
    ``item.outlet`` when given (the tracker passes :func:`monitor.urls.article_outlet`'s), else the
    outlet its URL names, so outlets are counted without feed names."""
    if item.outlet:
        _, wire = article_outlet(item.url, item.outlet)
        return item.outlet, wire or item.outlet.strip().lower() in WIRE_OUTLETS
    return article_outlet(item.url)


def cluster_items(
    items: Iterable[ClusterItem], *, workers: int = 0, **options: Any
) -> dict[int, Assignment]:
    """Cluster a batch from scratch in published order (ties by article id): re-clustering and eval.

    Deterministic: the same items give the same assignments whatever order they are passed in, and
    whatever ``workers`` (see :func:`add_all`).
    """
    clusterer = StoryClusterer(**options)
    ordered = sorted(items, key=lambda i: (_time_of(i) is None, _time_of(i) or 0.0, i.article_id))
    return dict(zip((i.article_id for i in ordered), add_all(clusterer, ordered, workers=workers), strict=True))


#: Items per task sent to a feature worker, and tasks in flight per worker: large enough to amortise
#: pickling, small enough that memory stays bounded by what is in flight, not by the batch.
FEATURE_CHUNK = 500
_IN_FLIGHT_PER_WORKER = 3


def add_all(clusterer: StoryClusterer, items: Sequence[ClusterItem], *, workers: int = 0) -> list[Assignment]:
    """``clusterer.add`` for each item in order, with the per-item features (normalisation, shingles,
    MinHash, cues: about two thirds of the work) computed by ``workers`` processes ahead of the
    decisions, which stay sequential in this process. The result is identical to adding one by one.

    Worker processes start through forkserver, so a calling script needs an ``if __name__ ==
    "__main__":`` guard; without one (or when processes can't start) the workers break and the rest of
    the batch is computed in this process, with a warning, so stories still form. ``workers`` <= 1, a
    small batch, or a ``key_terms`` callable (which may not pickle) keep everything in this process.
    """
    with _gc_paused():
        if _in_process(clusterer, len(items), workers):
            return [clusterer.add(item) for item in items]
        return _in_workers(clusterer, items, workers, clusterer.add)


def _in_process(clusterer: StoryClusterer, batch: int, workers: int) -> bool:
    """Is a batch better computed in this process: no workers asked for, too few articles to pay for
    starting them, or a ``key_terms`` callable that may not pickle?"""
    return workers <= 1 or batch < 2 * FEATURE_CHUNK or clusterer.key_terms is not None


def restore_all(
    clusterer: StoryClusterer, decided: Sequence[tuple[ClusterItem, Assignment]], *, workers: int = 0
) -> None:
    """``clusterer.restore`` for each stored decision in order, the features computed as in
    :func:`add_all`: a process that starts (``monitor poll --once``) replays its whole window, a first
    poll's worth of articles, before its first decision."""
    items = [item for item, _ in decided]
    stored = iter([assignment for _, assignment in decided])  # taken in order, one per item

    def restore(item: ClusterItem, features: _Features | None = None) -> None:
        clusterer.restore(item, next(stored), features)

    with _gc_paused():
        if _in_process(clusterer, len(items), workers):
            for item, assignment in decided:
                clusterer.restore(item, assignment)
            return
        _in_workers(clusterer, items, workers, restore)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch. The index holds hundreds of thousands of long-lived
    containers (term sets, postings lists, features) and the collector rescans them as they are created:
    about a fifth of the main process's time at 10k articles. Nothing the clusterer builds is cyclic, so
    reference counting frees evicted entries as before; cycles made elsewhere wait for the batch's end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_T = TypeVar("_T")


def _in_workers(
    clusterer: StoryClusterer,
    items: Sequence[ClusterItem],
    workers: int,
    apply: Callable[[ClusterItem, _Features | None], _T],
) -> list[_T]:
    """``apply(item, features)`` for each item in order, the features computed by ``workers`` processes
    ahead of it (None for the rest of the batch once the workers fail: ``apply`` computes them)."""
    chunks = [items[i : i + FEATURE_CHUNK] for i in range(0, len(items), FEATURE_CHUNK)]
    compute = functools.partial(_features_of_chunk, max_shingle_chars=clusterer.max_shingle_chars)
    out: list[_T] = []
    context = multiprocessing.get_context("forkserver")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque[Future[list[_Features]]] = deque()
            upcoming = iter(chunks)
            for chunk in itertools.islice(upcoming, workers * _IN_FLIGHT_PER_WORKER):
                pending.append(pool.submit(compute, chunk))
            for chunk in chunks:
                features = pending.popleft().result()
                following = next(upcoming, None)
                if following is not None:
                    pending.append(pool.submit(compute, following))
                out.extend(apply(item, f) for item, f in zip(chunk, features, strict=True))
    except (BrokenProcessPool, OSError) as exc:
        # Only feature computation failed: every decision so far stands, the rest are taken here.
        log.warning("clustering: feature workers unavailable (%s: %s); computing the remaining %d "
                    "articles' features in this process", type(exc).__name__, exc, len(items) - len(out))
        out.extend(apply(item, None) for item in items[len(out):])
    return out


def _features_of_chunk(items: Sequence[ClusterItem], *, max_shingle_chars: int) -> list[_Features]:
    with _gc_paused():
        return [item_features(item, max_shingle_chars) for item in items]


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def pairwise_cluster_metrics(predicted: Mapping[Any, Any], gold: Mapping[Any, Any]) -> dict[str, float | int]:
    """Pairwise clustering quality of ``predicted`` (item → story) against ``gold`` (item → event or None).

    A pair of items is a true pair when both carry the same non-None event; a predicted pair when both are
    in the same story. Precision and recall are over pairs (1.0 when there is nothing to find or nothing was
    paired). ``cluster_mixed_stories`` counts stories holding two or more different gold events: the
    "merge of different events" that must not happen. Only items present in both mappings count.
    """
    ids = [i for i in gold if i in predicted]
    story_sizes: Counter[Any] = Counter(predicted[i] for i in ids)
    event_sizes: Counter[Any] = Counter(gold[i] for i in ids if gold[i] is not None)
    cells: Counter[tuple[Any, Any]] = Counter((predicted[i], gold[i]) for i in ids if gold[i] is not None)
    predicted_pairs = sum(n * (n - 1) // 2 for n in story_sizes.values())
    gold_pairs = sum(n * (n - 1) // 2 for n in event_sizes.values())
    true_pairs = sum(n * (n - 1) // 2 for n in cells.values())
    precision = true_pairs / predicted_pairs if predicted_pairs else 1.0
    recall = true_pairs / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    events_per_story: dict[Any, set[Any]] = {}
    for (story, event), _ in cells.items():
        events_per_story.setdefault(story, set()).add(event)
    return {
        "cluster_precision": round(precision, 4),
        "cluster_recall": round(recall, 4),
        "cluster_f1": round(f1, 4),
        "cluster_true_pairs": true_pairs,
        "cluster_predicted_pairs": predicted_pairs,
        "cluster_gold_pairs": gold_pairs,
        "cluster_mixed_stories": sum(1 for events in events_per_story.values() if len(events) > 1),
    }
