"""The features of one article: key terms, event cues, headline grams, fingerprint; computed once
per article version, in worker processes for a large batch.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from monitor.ingest import WIRE_OUTLETS, article_outlet
from monitor.lang import (
    JOINING_PARTICLES,
    MIDDLE_DOTS,
    NAME_PARTICLE_CLASS,
    NUMBER_PARTICLE_SYLLABLES,
    PERSON_PARTICLE_CLASS,
    stem,
)
from monitor.models import ClusterItem
from monitor.stories.entities import english_day, entity_terms, hangul_share, number_terms
from monitor.stories.exact import (
    Normalised,
    clean_body_lines,
    clean_headline,
    hash_folded,
    is_low_information_folded,
    is_short_lead_folded,
    normalise,
)
from monitor.stories.neardup import _band_keys, _shingle_hashes, _signature, sketch

KeyTerms = Callable[[str, str], set[str]]

log = logging.getLogger(__name__)

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

_STOPWORDS = frozenset(
    word
    for line in resources.files("monitor.stories")
    .joinpath("data/stopwords.txt")
    .read_text("utf-8")
    .splitlines()
    if not line.startswith("#")
    for word in line.split()
)

_PAST_TENSE_FINAL = 20  # ㅆ as a final consonant: 했다, 밝혔다, 열렸다


def _stem(token: str) -> str:
    """A noun-ish stem (:func:`monitor.lang.stem`), and a headline's "서" (= 에서) cut after a place or a
    meeting (워싱턴서, 정상회의서), not from 보고서 or 각서: which words are places is the clusterer's."""
    stemmed = stem(token)
    if (
        stemmed == token
        and token.endswith("서")
        and (token[:-1] in _PLACES or _MEETING_NOUN_RE.search(token[-4:-1]))
    ):
        return token[:-1]
    return stemmed


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
        term = number.group(1) if number.group(2) in NUMBER_PARTICLE_SYLLABLES else number.group(0)
    else:
        term = token.lower()
    return term if len(term) >= 2 and term not in _STOPWORDS else None


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
_UNKNOWN = "\x00unknown"  # not a term any token can be: a cache miss


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
    rf"(?<=[가-힣]{{2}})(?<![{JOINING_PARTICLES}및]) "
    rf"(?=(?:{_MEETING_NOUNS})(?:[^가-힣]|{NAME_PARTICLE_CLASS}|$))"
)
_INNER_DOT_RE = re.compile(rf"(?<=[가-힣])\s?[{MIDDLE_DOTS}]\s?(?=[가-힣])")
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
    rf"(?=[^가-힣]|{NAME_PARTICLE_CLASS}|$)"
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
    rf"(?<![가-힣])([가-힣]{{3}})\s(?:[가-힣]{{2,8}}\s)?(?=(?:{_ROLES})(?:{PERSON_PARTICLE_CLASS}|[^가-힣]|$))"
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
        clean_title,
        lead,
        title_terms,
        _TOKEN_RE.findall(lead),
        _headline_meetings(clean_title),
        _meetings(lead),
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
    has_lead: (
        bool  # body text (a full body or a one-sentence lead) gave terms and cues, not only the headline
    )
    title_seq: tuple[str, ...]  # the headline's terms in order: a template's fills differ in one slot
    days: frozenset[int]  # every day of the month the headline and lead name (13일, 14일): see _days_named
    meeting_alias: str | None  # a meeting's acronym given after its name: 소재부품대화(MCD) → "mcd"
    #: The canonical names (``@raimondo``) and figures (``#23``) of the headline and lead: what an
    #: English and a Korean report share (monitor/stories/entities.py). Also part of ``terms``.
    entities: frozenset[str]
    numbers: frozenset[str]
    korean: bool  # mostly Hangul: pairs across languages share names, not wording
    head_sketch: bytes | None  # MinHash of the headline's 3-character shingles (neardup.sketch)
    text_sketch: bytes | None  # ... of the headline and lead together
    #: The event's day as a date ordinal, read from the text (Korean cues or an English "June 27"), or
    #: None when the text names no day it can resolve.
    event_day: int | None


def item_features(
    item: ClusterItem,
    max_shingle_chars: int = 4000,
    key_terms: KeyTerms | None = None,
    is_template: Callable[[str, frozenset[str]], bool] | None = None,
    normalised: Normalised | None = None,
) -> _Features:
    """Everything the clusterer compares about one article; depends on the item alone (and on
    ``is_template``, the clusterer's memory of site templates), so batches can compute it in worker
    processes (:func:`cluster_items` with ``workers``) while the decisions stay sequential.

    Syndicated copies differ in what normalisation removes (bylines, datelines, markers, URLs): after it,
    a third of a stream's articles repeat a recent one's headline and lines, and two in five its body. What
    follows from those alone (key terms, cues, MinHash) is taken from a small memo of recent ones; only
    the event day (which reads the article's date) and the outlet are the item's own."""
    # The poll normalised the article already for its content hash: it passes that on (``normalised``)
    # rather than have the same title and text normalised twice.
    n = normalised if normalised is not None else normalise(item.title, item.text)
    chash = hash_folded(n.title, n.body)
    title_terms, title_grams = _headline_terms(n.clean_title)
    body_key = sig = None
    band_keys: tuple[int, ...] = ()
    lines: list[str] = []  # the body cues and terms are read from: none when it is boilerplate
    # A "body" that only repeats the headline (a news-search entry or a headline-only feed item, stored
    # with its headline as text) says nothing more: the item is headline-only.
    repeats_headline = n.body == n.title
    if repeats_headline:
        pass
    elif n.body and is_short_lead_folded(n.body):
        # A one-sentence lead (feeds often carry no more) is too short to fingerprint, but it says who
        # did what: short write-ups of one event are compared on it, not on their headlines alone.
        lines = n.clean_lines
    elif not is_low_information_folded(n.body):
        body_key = hashlib.blake2b(n.body.encode(), digest_size=12).hexdigest()
        if is_template is None or not is_template(body_key, title_grams):
            lines = n.clean_lines
            sig, band_keys = _fingerprint(n.body, max_shingle_chars)
    d = _derive(n.clean_title, lines, title_terms, title_grams)
    cues = d.cues_on(_when(item))
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
        cues,
        body_key,
        title_grams,
        _outlet_of(item),
        d.figures,
        bool(lines),
        d.title_seq,
        d.days_named,
        d.meeting_alias,
        d.entities,
        d.numbers,
        # the feed's declared (or detected) language when known; else the headline and lead's script
        d.korean if item.language not in ("ko", "en") else item.language == "ko",
        d.head_sketch,
        d.text_sketch,
        _event_ordinal(d, cues, _when(item)),
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
    entities: frozenset[str]
    numbers: frozenset[str]
    korean: bool
    head_sketch: bytes | None
    text_sketch: bytes | None

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
    both = f"{parsed.title} {parsed.lead}"
    entities, numbers = entity_terms(both), number_terms(both)
    # Names and figures join the terms, so the term index finds a report in the other language.
    key_terms = _key_terms(parsed) + sorted(entities | numbers)
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
        entities,
        numbers,
        hangul_share(both) >= 0.3,
        sketch(headline),
        sketch(both),
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


def _event_ordinal(d: _Derived, cues: Cues, when: datetime | None) -> int | None:
    """The event's day: the Korean cue's resolved day, else an English "June 27" in the year of ``when``."""
    if cues.day is not None and cues.day.ordinal is not None:
        return cues.day.ordinal
    if d.korean:
        return None
    return english_day(f"{d.title} {d.lead}", when)


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
    fields = operator.attrgetter(*vars(cls)["__match_args__"])  # the constructor's positional fields

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, fields(self)

    cls.__reduce__ = reduce  # type: ignore[method-assign,assignment]


for _cls in (_Features, Cues, Meeting, EventDay):
    _pickle_by_constructor(_cls)


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
    ``item.outlet`` when given (the tracker passes :func:`monitor.ingest.urls.article_outlet`'s), else the
    outlet its URL names, so outlets are counted without feed names."""
    if item.outlet:
        _, wire = article_outlet(item.url, item.outlet)
        return item.outlet, wire or item.outlet.strip().lower() in WIRE_OUTLETS
    return article_outlet(item.url)


def _figures(terms: frozenset[str]) -> set[str]:
    return {t for t in terms if t[0].isdigit()}


def _abroad_and_next(a: EventDay, b: EventDay) -> bool:
    """Is one a day abroad and the other the next day (in Korea)?"""
    if a.ordinal is None or b.ordinal is None:
        return False
    if a.ordinal < b.ordinal:
        return a.abroad and b.ordinal - a.ordinal == 1
    return b.abroad and a.ordinal - b.ordinal == 1
