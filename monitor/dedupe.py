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
almost all of their vocabulary (한미일, 공급망, 경제안보대화 …). Vetoes keep them apart in layers 2 and 3:
another ordinal of the same meeting (4차 vs 5차), another meeting, event days two or more days apart,
another venue, another month in the headline and, for copies, other figures. Vetoes are checked against the
matched member *and* the story's own cues, so a chain of loose matches cannot drift into the next event.

Everything is deterministic: no randomised hashing, ties broken by article id, and the outcome depends only
on the items in the window in the order they are added (:func:`cluster_items` adds them in published
order). Cost per article is bounded (capped shingling, capped postings, top-k candidates), so clustering
is linear in the number of articles.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from monitor.models import AssignReason, Assignment, ClusterItem, StoryState
from monitor.urls import outlet_for

KeyTerms = Callable[[str, str], set[str]]

# --------------------------------------------------------------------------------------------------
# Normalisation: what two copies of one article have in common
# --------------------------------------------------------------------------------------------------

#: Hanja that Korean headlines use as one-character abbreviations (韓美日 정상회의, 對中 제재).
_HANJA = str.maketrans({"韓": "한", "美": "미", "日": "일", "中": "중", "北": "북", "露": "러", "英": "영",
                        "獨": "독", "佛": "불", "對": "대", "與": "여", "野": "야", "靑": "청", "檢": "검"})
_HANJA_RE = re.compile(f"[{''.join(map(chr, _HANJA))}]")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_DOT = "·ㆍ\u119e・‧･"
_JOSA1 = "[은는이가을를의에과와도로]"  # one-syllable particles that may follow a name
#: 한·미·일, 한-미: single syllables joined by a dot or hyphen are one actor name (한미일).
_ACTOR_DOTS_RE = re.compile(rf"(?<![가-힣])[가-힣](?:\s?[{_DOT}\-]\s?[가-힣])+(?=[^가-힣]|{_JOSA1}|$)")
_SEPARATOR_RE = re.compile(rf"\s?[{_DOT}\-]\s?")

_MARKERS = (r"속보|단독|종합\s?\d*보?|\d+보|상보|사설|포토|사진|영상|그래픽|인터뷰|르포|칼럼|기고|시론|인사|"
            r"부고|전문|일문일답|팩트체크|현장|기자수첩|LEAD|URGENT|\d(?:st|nd|rd|th)\s?LD")
_LEADING_TAGS_RE = re.compile(
    rf"^\s*(?:[\[【〔<〈《][^\]】〕>〉》\n]{{1,20}}[\]】〕>〉》]\s*|\((?:{_MARKERS})\)\s*)+", re.IGNORECASE)
_TRAILING_TAGS_RE = re.compile(
    rf"(?:\s*[\[【〔<〈《](?!\d+[\]】〕>〉》])[^\]】〕>〉》\n]{{1,20}}[\]】〕>〉》]|\s*\((?:{_MARKERS})\))+\s*$",
    re.IGNORECASE)
_INLINE_MARKER_RE = re.compile(rf"[(\[](?:{_MARKERS})[)\]]", re.IGNORECASE)

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK_RE = re.compile(r"(?:https?://|www\.)\S+")
_SQUARE_DATELINE_RE = re.compile(r"\[[^\]\n]{0,40}=[^\]\n]{0,40}\]")  # [세종=뉴스핌], [사진=산업부]
_ROUND_DATELINE_RE = re.compile(r"\([^()\n]{0,30}=[^()\n]{0,30}\)")  # (서울=연합뉴스)
_BRACKET_BYLINE_RE = re.compile(r"[\[(][^\])\n]{0,30}(?:기자|특파원|통신원)[^\])\n]{0,10}[\])]")
_BYLINE_EQ_RE = re.compile(r"(?:[가-힣]{2,4}\s?){1,4}(?:선임|수석|객원|인턴)?\s?(?:기자|특파원)\s?=")
_BYLINE_RE = re.compile(r"[가-힣]{2,4}\s?(?:선임|수석|객원|인턴)?(?:기자|특파원|통신원|논설위원)(?![가-힣])")
_COPYRIGHT_RE = re.compile(
    r"(?:copyright|©)[^\n]{0,80}?(?:all rights? reserved\.?|금지\.?)|[<\[(]?저작권자[^\n]{0,60}?금지[>\])]?"
    r"|무단\s?전재[^\n]{0,20}?금지|all rights? reserved\.?|©\S*", re.IGNORECASE)
_CREDIT_RE = re.compile(r"(?:^|\s)/\s?[^\s/]{1,15}(?:\s(?:제공|기자))?\s*$")  # "/연합뉴스", "/대통령실 제공"
#: Lines that are page furniture, not article: captions, related-article links, timestamps.
_CHROME_LINE_RE = re.compile(
    r"^\s*(?:[▲△▶▷☞]|(?:입력|수정|승인|등록|업데이트|기사입력|최종수정)\s?:?\s?\d{4}[.\-/])")
_CAPTION_RE = re.compile(r"[\[(]사진\s?=|사진\s?제공|\[사진\]|<사진>|제공\s*[)\]]?\s*$")
_CAPTION_MAX = 400
_NON_WORD_RE = re.compile(r"[\W_]+")
_MIN_LINE_CHARS = 6  # a folded line shorter than this is a button or a label ("공유", "댓글")
_MAX_PASSES = 4


def _prepare(text: str) -> str:
    text = html.unescape(html.unescape(text)) if "&" in text else text  # feeds double-escape (&amp;#8595;)
    # NFKC would turn "ⓒ" into a plain "c"; keep it recognisable as a copyright sign.
    text = _ZERO_WIDTH_RE.sub("", unicodedata.normalize("NFKC", text.replace("ⓒ", "©")))
    if _HANJA_RE.search(text):
        text = text.translate(_HANJA)
    text = _ACTOR_DOTS_RE.sub(lambda m: _SEPARATOR_RE.sub("", m.group(0)), text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


#: Each inline rule with the substrings one of its matches must contain: most lines skip most rules.
_INLINE_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (_EMAIL_RE, ("@",)),
    (_LINK_RE, ("http", "www.")),
    (_SQUARE_DATELINE_RE, ("=",)),
    (_ROUND_DATELINE_RE, ("=",)),
    (_BRACKET_BYLINE_RE, ("기자", "특파원", "통신원")),
    (_BYLINE_EQ_RE, ("=",)),
    (_BYLINE_RE, ("기자", "특파원", "통신원", "논설위원")),
    (_COPYRIGHT_RE, ("©", "opyright", "OPYRIGHT", "저작권", "무단", "eserved", "ESERVED")),
    (_CREDIT_RE, ("/",)),
)
_TITLE_RULES = _INLINE_RULES[:6]  # a first paragraph used as a title can start with a dateline


_Rules = tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]


def _compile_rules(rules: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]) -> tuple[re.Pattern[str], _Rules]:
    """Each rule with a regex of its needles, and one regex of all needles to skip clean lines at once."""
    needles = [n for _, ns in rules for n in ns]
    compiled = tuple((p, re.compile("|".join(map(re.escape, ns)))) for p, ns in rules)
    return re.compile("|".join(map(re.escape, needles))), compiled


_INLINE = _compile_rules(_INLINE_RULES)
_TITLE_INLINE = _compile_rules(_TITLE_RULES)
#: What could still fire on folded text (letters only): inline rules' word needles and caption words.
_REFIRE_RE = re.compile(r"기자|특파원|통신원|논설위원|opyright|저작권|무단|eserved|http|www|사진|제공", re.IGNORECASE)


def _apply(rules: tuple[re.Pattern[str], _Rules], line: str) -> str:
    any_needle, compiled = rules
    if any_needle.search(line):
        for pattern, needle in compiled:
            if needle.search(line):
                line = pattern.sub(" ", line)
    return " ".join(line.split())


def _strip_inline(line: str) -> str:
    return _apply(_INLINE, line)


@lru_cache(maxsize=1 << 14)
def _clean_title(title: str) -> str:
    """The headline without markers ([속보], (종합2보), <포토>, [뉴시스Pic]), punctuation kept."""
    title = _apply(_TITLE_INLINE, _prepare(title))
    previous = None
    while previous != title:
        previous = title
        title = _TRAILING_TAGS_RE.sub("", _LEADING_TAGS_RE.sub("", title))
    return " ".join(_INLINE_MARKER_RE.sub(" ", title).split())


def _clean_lines(text: str) -> list[str]:
    """Body lines without datelines, bylines, e-mails, copyright and captions, punctuation kept."""
    lines = []
    for raw in _prepare(text).split("\n"):
        if len(raw) < _MIN_LINE_CHARS or _CHROME_LINE_RE.match(raw) or (len(raw) < _CAPTION_MAX and _CAPTION_RE.search(raw)):
            continue
        line = _strip_inline(raw)
        if len(_NON_WORD_RE.sub("", line)) >= _MIN_LINE_CHARS:
            lines.append(line)
    return lines


def _fold(line: str) -> str:
    # Lower-case first: lower() can emit combining marks ("İ" → "i̇") that are not word characters.
    return " ".join(_NON_WORD_RE.sub(" ", line.lower()).split())


def _doubled(line: str) -> bool:
    words = line.split()
    half = len(words) // 2
    return bool(half) and len(words) % 2 == 0 and words[:half] == words[half:]


def _fold_body(lines: Iterable[str]) -> list[str]:
    """Folded lines, each kept once: a body that repeats itself (seed 003) fingerprints like one copy."""
    seen: set[str] = set()
    out = []
    for line in lines:
        folded = _fold(line)
        if len(folded) - folded.count(" ") >= _MIN_LINE_CHARS and folded not in seen:
            seen.add(folded)
            out.append(folded)
    if len(out) == 1 and _doubled(out[0]):  # a one-paragraph body repeated back to back
        words = out[0].split()
        out = [" ".join(words[: len(words) // 2])]
    return out


@dataclass(frozen=True, slots=True)
class _Normalised:
    title: str  # fingerprint form: folded
    body: str  # fingerprint form: folded lines, "\n"-joined
    clean_title: str  # first pass, punctuation kept: what cues and key terms are read from
    clean_lines: list[str]


def _normalise(title: str, text: str) -> _Normalised:
    clean_title, lines = _clean_title(title), _clean_lines(text)
    norm_title, norm_body = _fold(clean_title), "\n".join(_fold_body(lines))
    # Removing one marker can expose another ("[속보][단독]"), and folding punctuation can join words into
    # a phrase a rule removes; repeating until nothing changes makes the result idempotent. Folded text has
    # no brackets, "=", "@" or "/" left, so only the rules that can fire without them need a second look.
    if not _REFIRE_RE.search(f"{norm_title}\n{norm_body}") and not _doubled(norm_body):
        return _Normalised(norm_title, norm_body, clean_title, lines)
    for _ in range(_MAX_PASSES):
        again = _fold(_clean_title(norm_title)), "\n".join(_fold_body(_clean_lines(norm_body)))
        if again == (norm_title, norm_body):
            break
        norm_title, norm_body = again
    return _Normalised(norm_title, norm_body, clean_title, lines)


def _normalise_pair(title: str, text: str) -> tuple[str, str]:
    normalised = _normalise(title, text)
    return normalised.title, normalised.body


def normalize_for_fingerprint(title: str, text: str) -> str:
    """The comparable form of an article: ``title + "\\n" + body lines``, lower-case, no punctuation.

    Removed because copies of one article differ in them: headline markers ([속보] [단독] [사설] [종합]
    (종합2보) <포토>), datelines ([세종=뉴스핌], (서울=연합뉴스)), bylines ("홍길동 기자 =", [OOO 기자]),
    e-mail addresses and links, copyright lines, photo captions, page furniture (buttons, timestamps), and
    repeated lines (a body pasted twice). Hanja abbreviations and 한·미·일 spellings are unified. Idempotent:
    splitting the result at its first newline and normalising again gives the same string.
    """
    norm_title, norm_text = _normalise_pair(title, text)
    return f"{norm_title}\n{norm_text}"


def content_hash(title: str, text: str) -> str:
    """Exact identity of the normalised text (spacing ignored: Korean outlets space words differently)."""
    normalised = normalize_for_fingerprint(title, text)
    return hashlib.blake2b(re.sub(r"\s+", "", normalised).encode(), digest_size=16).hexdigest()


#: Text that a broken extraction returns for every page of a site: login and paywalls, cookie and script
#: notices, error pages (folded form).
_BOILERPLATE_RE = re.compile(
    r"로그인이 필요|로그인 후|로그인하|회원 전용|유료 회원|구독자 전용|구독 후|구독하시|쿠키|cookie|javascript|"
    r"자바스크립트|브라우저|페이지를 찾을 수 없|존재하지 않는|삭제된 기사|접근이 제한|접근 권한|권한이 없|서비스 점검|"
    r"captcha|robot|잠시 후 다시|access denied|forbidden|not found|subscribe")
_MIN_INFORMATIVE_CHARS = 40
_BOILERPLATE_MAX_CHARS = 400


def _is_low_information_folded(body: str) -> bool:
    chars = len(body) - body.count(" ") - body.count("\n")
    if chars < _MIN_INFORMATIVE_CHARS:
        return True
    return chars < _BOILERPLATE_MAX_CHARS and _BOILERPLATE_RE.search(body) is not None


def is_low_information(text: str) -> bool:
    """True for a body that says nothing about its article: too short, or a login/cookie/error page.

    Such a body must not make two articles look alike, so the clusterer ignores it and clusters the
    article on its title and URL. (The clusterer also learns site templates: a body it has already seen
    under two unrelated headlines is treated the same way.)
    """
    return _is_low_information_folded(_normalise_pair("", text)[1])


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
    if len(codes) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    n = len(codes) - SHINGLE + 1
    h = codes[:n] * _MUL
    for j in range(1, SHINGLE):
        h = (h + codes[j:j + n]) * _MUL  # a polynomial hash; uint64 arithmetic wraps
    h ^= h >> np.uint64(31)  # a splitmix64-style finaliser spreads the bits the bin index is read from
    h *= _MIX1
    h ^= h >> np.uint64(29)
    h.sort()  # duplicates may stay: they never change a bin's minimum
    return h


def _signature(hashes: np.ndarray) -> np.ndarray:
    """One-permutation MinHash: the minimum of each of NUM_BINS hash ranges, empty bins densified.

    ``hashes`` is sorted, so the first hash of each bin is its minimum. An empty bin borrows the value of
    the next non-empty bin to its right (wrapping), offset by the distance, so that short texts still
    give full signatures whose agreement estimates Jaccard similarity.
    """
    bins = hashes >> _BIN_SHIFT
    first = np.minimum(np.searchsorted(bins, _BIN_IDS), len(hashes) - 1)
    present = bins[first] == _BIN_IDS
    sig = (hashes[first] >> _VALUE_SHIFT).astype(np.uint32)  # astype keeps the low 32 bits
    if present.all():
        return sig
    filled = np.flatnonzero(present)
    empty = np.flatnonzero(~present)
    pos = np.searchsorted(filled, empty) % len(filled)
    distance = ((filled[pos] - empty) % NUM_BINS).astype(np.uint32)
    sig[empty] = sig[filled[pos]] + distance * np.uint32(0x9E3779B1)  # uint32 arithmetic wraps
    return sig


def _band_keys(sig: np.ndarray) -> list[int]:
    rows = sig[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    keys = (rows * _BAND_MUL).sum(axis=1) ^ (np.arange(BANDS, dtype=np.uint64) << np.uint64(56))
    return keys.tolist()


# --------------------------------------------------------------------------------------------------
# Key terms and event cues
# --------------------------------------------------------------------------------------------------

_LEAD_CHARS = 320  # the lead paragraph carries who, what, when and where
_MAX_TERMS = 40
_NUMBER_UNIT_RE = re.compile(r"([\d.]+)([%가-힣]?)")
_TOKEN_RE = re.compile(r"[가-힣]+|[A-Za-z][A-Za-z0-9&]*|\d+(?:[.,]\d+)*[%가-힣]*")

_JOSA_ANY = ("에서는", "에서도", "에서의", "으로는", "으로도", "으로의", "에게서", "께서는", "이라며", "이라고", "이라는",
             "으로", "라며", "라고",
             "라는", "에서", "에게", "께서", "까지", "부터", "보다", "처럼", "마저", "조차", "이나", "이며", "에는",
             "에도", "와의", "과의", "와는", "과는", "로는", "로도", "의", "에", "로")
_JOSA_AFTER_FINAL = ("이", "은", "을", "과")  # only after a syllable with a final consonant
_JOSA_AFTER_VOWEL = ("가", "는", "를", "와")
_NOT_JOSA_UI = ("회의", "협의", "합의", "논의", "동의", "주의", "정의", "결의", "모의", "건의", "심의", "문의",
                "유의", "강의", "민의", "의의")
_PREDICATE_ENDINGS = ("했다고", "한다고", "하겠다", "했으며", "하기로", "하면서", "했다", "한다", "했고", "하며",
                      "하는", "하고", "하기", "하자", "해야", "됐다", "된다", "되는", "되고", "시켜", "키로",
                      "한", "할", "된", "될")
_STOPWORDS = frozenset("""
기자 뉴스 연합뉴스 뉴시스 뉴스1 오늘 이날 전날 내일 어제 지난 이번 올해 지난해 내년 최근 현재 당시 향후 오전 오후
현지시간 관련 대해 대한 위해 통해 따르면 따라 가운데 한편 또한 이어 그러면서 특히 아울러 이후 이전 이상 이하 이내
정도 경우 때문 만큼 수준 예정 계획 방안 방침 추진 논의 개최 참석 발표 강조 설명 전망 예상 분석 평가 지적 주장 확인
결정 합의 협력 강화 확대 지원 계속 상황 문제 필요 가능 대상 부분 전체 모두 다른 같은 이런 그런 이같은 함께 이를
이에 그는 우리 정부 국가 사람 시간 관계자 당국 기관 분야 부문 주요 국내 해외 세계 글로벌 전국 지역 사회 시장 업계
기업 산업 경제 정치 정책 국민 그리고 하지만 그러나 또는 이라 라고 것으로 있다 없다 있는 없는 밝혔다 말했다 전했다
했다 한다 된다 등을 등의 이라며 이번에 앞서 다시 모든 여러 일부 각국 양국 3국 사진 제공 에서 으로 에게 까지 부터 보다 처럼 이나 이며
the and for with from
""".split())
_PAST_TENSE_FINAL = 20  # ㅆ as a final consonant: 했다, 밝혔다, 열렸다


def _has_final(syllable: str) -> bool:
    return (ord(syllable) - 0xAC00) % 28 != 0


_SUFFIX_RULES: dict[str, str] = {
    **{j: "vowel" for j in _JOSA_AFTER_VOWEL}, **{j: "final" for j in _JOSA_AFTER_FINAL},
    **{j: "any" for j in _JOSA_ANY}, **{e: "any" for e in _PREDICATE_ENDINGS},
}


@lru_cache(maxsize=1 << 17)
def _stem(token: str) -> str:
    """A noun-ish stem: the longest particle or 하다-ending cut, by rules rather than a morphological analyser.

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


@lru_cache(maxsize=1 << 17)
def _term(token: str) -> str | None:
    """The key term a token stands for (a Korean stem, a Latin word, a number with its unit), or None."""
    first = token[0]
    if "가" <= first <= "힣":
        if _is_predicate(token):
            return None
        term = _stem(token)
    elif first.isdigit():
        number = _NUMBER_UNIT_RE.match(token.replace(",", ""))
        if number is None or len(number.group(1)) < 2 or number.group(2) in ("일", "월", "년", "시", "분", "차"):
            return None  # dates, times and ordinals are cues, not terms
        term = number.group(0)  # the number and its first unit: 5조원 and 5조 are one term
    else:
        term = token.lower()
    return term if len(term) >= 2 and term not in _STOPWORDS else None


def _terms_of(text: str) -> list[str]:
    """Distinctive tokens of a text, in order."""
    return [t for t in map(_term, _TOKEN_RE.findall(text)) if t is not None]


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
_MEETING_NOUNS = "협의회|협의체|정상회의|회의|회담|대화|협의|포럼|총회|협상|서밋|간담회|위원회|청문회|전당대회"
_MEETING_NOUN_RE = re.compile(_MEETING_NOUNS)
#: Read backwards from a meeting noun: [제]N차, 첫, an actor (한미일) and the name ending in the noun.
_MEETING_TAIL_RE = re.compile(
    rf"(?:제?\s?(?P<o1>\d{{1,3}})\s?차\s?|(?P<first>첫)\s)?(?:(?P<actor>{_ACTORS})\s?)?"
    rf"(?:제?\s?(?P<o2>\d{{1,3}})\s?차\s?)?(?P<head>[가-힣]{{2,12}})$")
#: "공급망·산업 대화", "경제안보 대화": a meeting noun written apart from its name.
_SPACED_NOUN_RE = re.compile(rf"(?<=[가-힣]{{2}}) (?=(?:{_MEETING_NOUNS})(?:[^가-힣]|[은는이가을를의에과와도로]|$))")
_INNER_DOT_RE = re.compile(rf"(?<=[가-힣])\s?[{_DOT}]\s?(?=[가-힣])")
#: Words that make "회의" generic rather than a name (이번 회의, 첫 번째 회의, 화상 회의).
_GENERIC_HEAD_PREFIX = ("이번", "이날", "지난", "다음", "해당", "관련", "당시", "향후", "오늘", "내일", "어제", "전날",
                        "정례", "긴급", "화상", "비공개", "공개", "전체", "각종", "여러", "별도", "후속", "실무",
                        "번째", "양국", "양자", "다자", "3국", "국무", "본", "이", "그", "이어진", "열린", "예정된")

_DAY_RE = re.compile(r"(?<![\d.])(\d{1,2})일(?!\s?(?:간|째|동안|만에|부터|까지|이내|분|치))")
_DAY_PREFIX_RE = re.compile(r"(?:(?<!\d)(?P<y>\d{4})년\s?)?(?:(?<![\d.])(?P<m>\d{1,2})월\s?)?$")
_TITLE_MONTH_RE = re.compile(r"(?<![\d.])(\d{1,2})월(?!\s?\d{1,2}일)")
_NUMBER_RE = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*(?!\s?(?:일|월|년|시|분|차|\d))")

#: Venues, with the spellings Korean outlets use; a venue is the place named before "에서" in the lead.
_PLACES: dict[str, str] = {}
for _canonical, _spellings in {
    "서울": "서울 용산 여의도 청와대", "부산": "부산", "인천": "인천", "세종": "세종", "제주": "제주", "대구": "대구",
    "광주": "광주", "대전": "대전", "울산": "울산", "판문점": "판문점", "평양": "평양",
    "워싱턴": "워싱턴", "뉴욕": "뉴욕", "샌디에이고": "샌디에이고 샌디에고", "샌프란시스코": "샌프란시스코",
    "로스앤젤레스": "로스앤젤레스", "시카고": "시카고", "하와이": "하와이 호놀룰루", "캠프데이비드": "캠프데이비드",
    "도쿄": "도쿄 동경", "오사카": "오사카", "히로시마": "히로시마", "교토": "교토", "나고야": "나고야",
    "후쿠오카": "후쿠오카", "삿포로": "삿포로", "베이징": "베이징 북경", "상하이": "상하이", "홍콩": "홍콩",
    "타이베이": "타이베이", "싱가포르": "싱가포르", "자카르타": "자카르타", "하노이": "하노이", "방콕": "방콕",
    "마닐라": "마닐라", "쿠알라룸푸르": "쿠알라룸푸르", "프놈펜": "프놈펜", "비엔티안": "비엔티안", "뉴델리": "뉴델리",
    "시드니": "시드니", "제네바": "제네바", "브뤼셀": "브뤼셀", "파리": "파리", "런던": "런던", "베를린": "베를린",
    "로마": "로마", "모스크바": "모스크바", "키이우": "키이우 키예프", "바르샤바": "바르샤바", "다보스": "다보스",
    "두바이": "두바이", "아부다비": "아부다비", "리야드": "리야드", "발리": "발리", "리마": "리마", "오타와": "오타와",
}.items():
    for _spelling in _spellings.split():
        _PLACES[_spelling] = _canonical
_VENUE_RE = re.compile(rf"({'|'.join(sorted(_PLACES, key=len, reverse=True))})[^.\n]{{0,25}}?에서")


@dataclass(frozen=True, slots=True)
class EventDay:
    """The day an article says its event happened: resolved to a date when the article is dated."""

    ordinal: int | None  # date.toordinal(), when resolvable
    month: int | None
    day: int


@dataclass(frozen=True, slots=True)
class Cues:
    """What tells two developments apart even when their vocabulary is the same."""

    meeting: Meeting | None = None
    day: EventDay | None = None
    title_month: int | None = None
    venue: str | None = None
    numbers: frozenset[str] = frozenset()

    def merged(self, other: Cues) -> Cues:
        """Fill the fields this one lacks from ``other`` (a story's cues: its first known values)."""
        return Cues(self.meeting or other.meeting, self.day or other.day,
                    self.title_month or other.title_month, self.venue or other.venue, self.numbers)


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
    return None


def _days_conflict(a: EventDay, b: EventDay) -> bool:
    # Two days apart or more; one day is tolerance for time zones (26일 현지시간 = 27일 KST) and for
    # "announced the day after".
    if a.ordinal is not None and b.ordinal is not None:
        return abs(a.ordinal - b.ordinal) >= 2
    if a.month and b.month and a.month != b.month:
        return True
    return abs(a.day - b.day) >= 2


def _meetings(text: str) -> list[Meeting]:
    text = _SPACED_NOUN_RE.sub("", _INNER_DOT_RE.sub("", text))
    found = []
    for noun in _MEETING_NOUN_RE.finditer(text):
        m = _MEETING_TAIL_RE.search(text, max(0, noun.start() - 40), noun.end())
        if m is None:
            continue
        head = m.group("head")
        if head.startswith(_GENERIC_HEAD_PREFIX) or len(head) < 4:
            continue
        ordinal = m.group("o1") or m.group("o2") or ("1" if m.group("first") else None)
        found.append(Meeting(int(ordinal) if ordinal else None, m.group("actor") or "", head))
    return found


def _primary_meeting(title_meetings: list[Meeting], lead_meetings: list[Meeting]) -> Meeting | None:
    """The headline's meeting (else the lead's), with its ordinal filled in from a compatible mention."""
    candidates = title_meetings or lead_meetings
    if not candidates:
        return None
    primary = next((m for m in candidates if m.ordinal is not None), candidates[0])
    if primary.ordinal is None:
        numbered = next((m for m in title_meetings + lead_meetings
                         if m.ordinal is not None and m.compatible(primary)), None)
        if numbered is not None:
            primary = replace(primary, ordinal=numbered.ordinal, actor=primary.actor or numbered.actor)
    return primary


def _event_day(title: str, lead: str, when: datetime | None) -> EventDay | None:
    for text in (title, lead):
        for m in _DAY_RE.finditer(text):
            prefix = _DAY_PREFIX_RE.search(text, max(0, m.start() - 12), m.start())
            year, month = (int(prefix.group(g)) if prefix and prefix.group(g) else None for g in ("y", "m"))
            day = int(m.group(1))
            if not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
                continue
            if year is not None and when is not None and year != when.year:
                continue  # a date in another year is background ("2023년 12월 당시"), not the event
            return EventDay(_resolve_day(year, month, day, when), month, day)
    return None


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
    title_meetings: list[Meeting]
    lead_meetings: list[Meeting]


def _parse(clean_title: str, clean_lines: list[str]) -> _Parsed:
    lead = ""
    for line in clean_lines:
        lead = f"{lead} {line}" if lead else line
        if len(lead) >= _LEAD_CHARS:
            break
    lead = lead[:_LEAD_CHARS]
    return _Parsed(clean_title, lead, _terms_of(clean_title), _meetings(clean_title), _meetings(lead))


def _parse_text(title: str, text: str) -> _Parsed:
    return _parse(_clean_title(title), _clean_lines(text[: _LEAD_CHARS * 4]))


def _cues(p: _Parsed, when: datetime | None) -> Cues:
    month = _TITLE_MONTH_RE.search(p.title)
    venue = _VENUE_RE.search(f"{p.title}\n{p.lead}")
    return Cues(
        meeting=_primary_meeting(p.title_meetings, p.lead_meetings),
        day=_event_day(p.title, p.lead, when),
        title_month=int(month.group(1)) if month and 1 <= int(month.group(1)) <= 12 else None,
        venue=_PLACES[venue.group(1)] if venue else None,
        numbers=frozenset(n.replace(",", "") for n in _NUMBER_RE.findall(f"{p.title} {p.lead}")),
    )


def _key_terms(p: _Parsed) -> list[str]:
    terms = dict.fromkeys(p.title_terms)
    terms.update(dict.fromkeys(m.term for m in p.title_meetings + p.lead_meetings))
    terms.update(dict.fromkeys(_terms_of(p.lead)))
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


@lru_cache(maxsize=1 << 14)
def _title_grams(clean_title: str) -> frozenset[str]:
    grams: set[str] = set()
    for token in _TOKEN_RE.findall(clean_title):
        stem = _stem(token) if "가" <= token[0] <= "힣" else token.lower()
        grams.update(stem[i: i + 2] for i in range(max(1, len(stem) - 1)))
    return frozenset(grams)


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


# --------------------------------------------------------------------------------------------------
# The clusterer
# --------------------------------------------------------------------------------------------------

WIRE_OUTLETS = frozenset({"연합뉴스", "뉴시스", "뉴스1", "yonhap", "yna", "newsis", "news1"})


@dataclass(frozen=True, slots=True)
class _Features:
    """Everything the clusterer compares, computed once per article version."""

    chash: str
    sig: np.ndarray | None  # None when the body is empty or low-information
    band_keys: list[int]
    title_key: str | None  # normalised headline (10+ characters), for copies without a usable body
    title_grams: frozenset[str]
    title_terms: frozenset[str]
    terms: frozenset[str]  # headline + lead terms (and the matcher's, when given)
    cues: Cues
    body_key: str | None


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


@dataclass(slots=True)
class _Story:
    key: int
    members: list[int]
    cues: Cues
    outlets: dict[str, None]
    first_seen: datetime | None
    last_updated: datetime | None
    best_score: float | None
    lead: tuple[bool, float, int]  # sort key of the lead: (not wire, time, article id)
    alive: int  # members still in the index


class StoryClusterer:
    """Incremental story clustering; see the module docstring for the layers and vetoes.

    ``add`` decides for one article and indexes it; ``restore`` indexes an article under a decision taken
    earlier (from SQLite, after a restart) without deciding again. Articles older than the window behind
    the newest one are evicted from the index, so memory follows the window, not the history. Undated
    items (no ``published`` nor ``first_seen``) are never evicted and match regardless of time.

    Thresholds: ``near_dup_threshold`` is the estimated Jaccard similarity of body shingles for a copy;
    ``same_event_threshold`` the combined same-event score (headline term share, key-term overlap and
    headline bigram overlap, each 0..1, weighted 0.4/0.4/0.2, +0.15 for the same numbered meeting).
    """

    #: How many recent articles a key term's (or LSH bucket's) list keeps; older ones stay findable by
    #: their other terms and bands. Bounds the work per article.
    POSTINGS = 48
    #: How many of an article's rarest terms are looked up, and how many candidates are scored in full.
    QUERY_TERMS = 12
    CANDIDATES = 12
    #: A body seen under this many unrelated headlines is a site template, not an article.
    TEMPLATE_TITLES = 2
    #: A same-event match must share a distinctive headline term: this share of the lighter headline's
    #: term weight (or the same numbered meeting). Shared template words ("투자", "공장") weigh little.
    TITLE_ANCHOR = 0.35
    #: A near-duplicate must also share its lead's rare terms (names, figures): a robot-written template
    #: about another company has the same shingles but other names.
    COPY_TERMS = 0.5

    def __init__(
        self,
        *,
        window_hours: float = 72.0,
        near_dup_threshold: float = 0.6,
        same_event_threshold: float = 0.45,
        key_terms: KeyTerms | None = None,
        max_shingle_chars: int = 4000,
    ) -> None:
        self.window_s = window_hours * 3600.0
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

    def __len__(self) -> int:
        return len(self._entries)

    # -- public -------------------------------------------------------------------------------------

    def add(self, item: ClusterItem) -> Assignment:
        """Assign an article to a story (an existing one, or a new one keyed by its own id).

        Adding a known article again is how an update is reported: with unchanged content it returns the
        earlier assignment (polling twice changes nothing); with changed content the article is re-indexed
        and stays in its story, and the reason is ``"updated"``.
        """
        known = self._entries.get(item.article_id)
        features = self._features(item)
        if known is not None:
            if known.f.chash == features.chash:
                return known.assignment
            assignment = replace(known.assignment, reason="updated", similarity=1.0, matched_article_id=None)
            self._unindex(known, forget_story=False)
            self._index(item, features, assignment)
            return assignment
        self._evict(_time_of(item))
        assignment = self._decide(item, features)
        self._index(item, features, assignment)
        return assignment

    def restore(self, item: ClusterItem, assignment: Assignment) -> None:
        """Index an article under a stored decision (restart recovery); replay them in time order."""
        known = self._entries.get(item.article_id)
        if known is not None:
            self._unindex(known, forget_story=False)
        self._evict(_time_of(item))
        self._index(item, self._features(item), assignment)

    def story(self, story_key: int) -> StoryState | None:
        """The story as known from the articles added or restored (None once all are evicted)."""
        story = self._stories.get(story_key)
        if story is None:
            return None
        return StoryState(story.key, story.lead[2], tuple(story.members), tuple(story.outlets),
                          story.first_seen, story.last_updated, story.best_score)

    # -- features -----------------------------------------------------------------------------------

    def _features(self, item: ClusterItem) -> _Features:
        n = _normalise(item.title, item.text)
        chash = hashlib.blake2b(re.sub(r"\s+", "", f"{n.title}\n{n.body}").encode(), digest_size=16).hexdigest()
        title_grams = _title_grams(n.clean_title)
        body_key = sig = None
        band_keys: list[int] = []
        lines: list[str] = []  # the body cues and terms are read from: none when it is boilerplate
        if not _is_low_information_folded(n.body):
            body_key = hashlib.blake2b(n.body.encode(), digest_size=12).hexdigest()
            if not self._is_template(body_key, title_grams):
                lines = n.clean_lines
                hashes = _shingle_hashes(n.body.replace(" ", "").replace("\n", "")[: self.max_shingle_chars])
                if len(hashes):
                    sig = _signature(hashes)
                    band_keys = _band_keys(sig)
        parsed = _parse(n.clean_title, lines)
        terms = set(_key_terms(parsed))
        if item.key_terms is not None:
            terms.update(item.key_terms)
        elif self.key_terms is not None:
            terms.update(self.key_terms(item.title, item.text if lines else ""))
        title_key = n.title if len(n.title.replace(" ", "")) >= 10 else None
        return _Features(chash, sig, band_keys, title_key, title_grams, frozenset(parsed.title_terms),
                         frozenset(terms), _cues(parsed, _when(item)), body_key)

    def _is_template(self, body_key: str, title_grams: frozenset[str]) -> bool:
        titles = self._bodies.get(body_key, [])
        unrelated = [t for _, t in titles if _dice(t, title_grams) < 0.3]
        return len(unrelated) >= self.TEMPLATE_TITLES

    # -- decision -----------------------------------------------------------------------------------

    def _decide(self, item: ClusterItem, f: _Features) -> Assignment:
        exact = self._by_url.get(item.url) if item.url else None
        if exact is None:
            exact = self._by_hash.get(f.chash)
        if exact is not None and self._within_window(item, self._entries[exact]):
            return self._join(item, "exact", 1.0, exact)
        weights = _Weights(self._df, len(self._entries))
        return (self._near_duplicate(item, f, weights) or self._same_event(item, f, weights)
                or Assignment(item.article_id, item.article_id, "new", 0.0, None))

    def _join(self, item: ClusterItem, reason: AssignReason, similarity: float, matched: int) -> Assignment:
        story_key = self._entries[matched].assignment.story_key
        return Assignment(item.article_id, story_key, reason, round(similarity, 4), matched)

    def _near_duplicate(self, item: ClusterItem, f: _Features, w: _Weights) -> Assignment | None:
        body_ids, title_ids = self._near_candidates(f)
        scored: list[tuple[float, int]] = []
        if body_ids and f.sig is not None:
            sigs = np.stack([self._entries[i].f.sig for i in body_ids])
            agreement = np.count_nonzero(sigs == f.sig, axis=1) / NUM_BINS
            for other_id, similarity in zip(body_ids, agreement.tolist(), strict=True):
                other = self._entries[other_id].f
                if (similarity >= self.near_dup_threshold and not _numbers_conflict(f.cues, other.cues)
                        and w.overlap(f.terms, other.terms) >= self.COPY_TERMS and not w.distinct_subjects(f, other)):
                    scored.append((similarity, other_id))
        scored.extend((1.0, other_id) for other_id in title_ids)  # same headline, a body missing
        for similarity, other_id in sorted(scored, key=lambda s: (-s[0], s[1])):
            if self._compatible(item, f, self._entries[other_id]):
                return self._join(item, "near_duplicate", similarity, other_id)
        return None

    def _near_candidates(self, f: _Features) -> tuple[list[int], list[int]]:
        """Ids sharing an LSH band (both bodies usable), and ids with the same headline (a body missing)."""
        body: dict[int, None] = {}
        for key in f.band_keys:
            body.update(dict.fromkeys(self._bands.get(key, ())))
        titles = []
        if f.title_key is not None:
            titles = [i for i in self._by_title.get(f.title_key, ())
                      if f.sig is None or self._entries[i].f.sig is None]
        return sorted(body), titles

    def _same_event(self, item: ClusterItem, f: _Features, w: _Weights) -> Assignment | None:
        best: tuple[float, int] | None = None
        for other_id in self._event_candidates(f, w):
            other = self._entries[other_id]
            score = self._event_score(f, other.f, w)
            if score >= self.same_event_threshold and (best is None or (score, -other_id) > best):
                if self._compatible(item, f, other):
                    best = (score, -other_id)
        return None if best is None else self._join(item, "same_event", best[0], -best[1])

    def _event_candidates(self, f: _Features, w: _Weights) -> list[int]:
        query = sorted(f.terms, key=lambda t: (-w(t), t))[: self.QUERY_TERMS]
        votes: Counter[int] = Counter()
        for term in query:
            weight = w(term)
            for other_id in self._postings.get(term, ()):
                votes[other_id] += weight
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        return [other_id for other_id, _ in ranked[: self.CANDIDATES]]

    def _event_score(self, f: _Features, other: _Features, w: _Weights) -> float:
        """0 unless anchored (a distinctive shared headline term, or the same numbered meeting)."""
        if len(f.terms & other.terms) < 2:
            return 0.0
        title_share = w.share(f.title_terms, other.title_terms)
        a, b = f.cues.meeting, other.cues.meeting
        same_meeting = bool(a and b and a.ordinal is not None and a.ordinal == b.ordinal and a.compatible(b))
        if not same_meeting and (title_share < self.TITLE_ANCHOR or w.distinct_subjects(f, other)):
            return 0.0
        score = 0.4 * title_share + 0.4 * w.overlap(f.terms, other.terms) + 0.2 * _dice(f.title_grams,
                                                                                          other.title_grams)
        return score + (0.15 if same_meeting else 0.0)

    def _compatible(self, item: ClusterItem, f: _Features, other: _Entry) -> bool:
        if not self._within_window(item, other):
            return False
        story = self._stories[other.assignment.story_key]
        return conflict(f.cues, other.f.cues) is None and conflict(f.cues, story.cues) is None

    def _within_window(self, item: ClusterItem, other: _Entry) -> bool:
        t = _time_of(item)
        return t is None or other.time is None or abs(t - other.time) <= self.window_s

    # -- index --------------------------------------------------------------------------------------

    def _index(self, item: ClusterItem, f: _Features, assignment: Assignment) -> None:
        entry = _Entry(item.article_id, _time_of(item), _when(item), item.url, _outlet_name(item), _is_wire(item),
                       item.score, f, assignment)
        self._entries[item.article_id] = entry
        if item.url:
            self._by_url.setdefault(item.url, item.article_id)
        self._by_hash.setdefault(f.chash, item.article_id)
        if f.title_key is not None:
            _push(self._by_title, f.title_key, item.article_id, self.POSTINGS)
        for key in f.band_keys:
            _push(self._bands, key, item.article_id, self.POSTINGS)
        for term in f.terms:
            _push(self._postings, term, item.article_id, self.POSTINGS)
            self._df[term] += 1
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
            story = _Story(key, [], entry.f.cues, {}, entry.when, entry.when, entry.score, lead, 0)
            self._stories[key] = story
        if entry.article_id not in story.members:
            story.members.append(entry.article_id)
        story.alive += 1
        story.cues = story.cues.merged(entry.f.cues)
        if entry.outlet:
            story.outlets[entry.outlet] = None
        story.lead = min(story.lead, lead)
        if entry.when is not None:
            story.first_seen = min(story.first_seen or entry.when, entry.when)
            story.last_updated = max(story.last_updated or entry.when, entry.when)
        if entry.score is not None:
            story.best_score = max(story.best_score if story.best_score is not None else entry.score, entry.score)

    def _unindex(self, entry: _Entry, *, forget_story: bool = True) -> None:
        f = entry.f
        del self._entries[entry.article_id]
        if self._by_url.get(entry.url) == entry.article_id:
            del self._by_url[entry.url]
        if self._by_hash.get(f.chash) == entry.article_id:
            del self._by_hash[f.chash]
        if f.title_key is not None:
            _remove(self._by_title, f.title_key, entry.article_id)
        for key in f.band_keys:
            _remove(self._bands, key, entry.article_id)
        for term in f.terms:
            _remove(self._postings, term, entry.article_id)
            self._df[term] -= 1
            if not self._df[term]:
                del self._df[term]
        titles = self._bodies.get(f.body_key or "")
        if titles is not None:
            titles[:] = [(i, t) for i, t in titles if i != entry.article_id]
            if not titles:
                del self._bodies[f.body_key or ""]
        story = self._stories[entry.assignment.story_key]
        story.alive -= 1
        if story.alive == 0 and forget_story:
            del self._stories[story.key]

    def _evict(self, now: float | None) -> None:
        newest = max(self._newest, now) if now is not None else self._newest
        cutoff = newest - self.window_s
        while self._expiry and self._expiry[0][0] < cutoff:
            time, article_id = heapq.heappop(self._expiry)
            entry = self._entries.get(article_id)
            if entry is not None and entry.time == time:
                self._unindex(entry)


class _Weights:
    """Rarity weights of terms among the articles in the window, cached for one decision."""

    __slots__ = ("_cache", "_df", "_n")

    def __init__(self, df: Counter[str], n: int) -> None:
        self._df, self._n, self._cache = df, n + 20, {}  # +20 keeps weights sane while the window is small

    def __call__(self, term: str) -> float:
        weight = self._cache.get(term)
        if weight is None:
            weight = self._cache[term] = math.log(1.0 + self._n / (self._df[term] + 1))
        return weight

    def total(self, terms: frozenset[str]) -> float:
        return sum(map(self, terms))

    def overlap(self, a: frozenset[str], b: frozenset[str]) -> float:
        """Weighted cosine of two term sets (0..1)."""
        shared = a & b
        return self.total(shared) / math.sqrt(self.total(a) * self.total(b)) if shared else 0.0

    def distinct_subjects(self, a: _Features, b: _Features) -> bool:
        """Does each headline name something, absent from the other article, rarer than all they share?

        Two reports about *different* companies, people or amounts written from one template (robot
        earnings briefs, "X 의원 법안 발의") share a headline's common words, while each keeps its own
        rarest term (the name) to itself. Two write-ups of one event share their rarest terms.
        """
        shared = (a.title_terms & b.terms) | (b.title_terms & a.terms)
        only_a, only_b = a.title_terms - b.terms, b.title_terms - a.terms
        if not shared or not only_a or not only_b:
            return False
        rarest_shared = max(map(self, shared))
        return max(map(self, only_a)) > rarest_shared and max(map(self, only_b)) > rarest_shared

    def share(self, a: frozenset[str], b: frozenset[str]) -> float:
        """The shared terms' part of the lighter set's weight (0..1): does the shorter headline reappear?"""
        shared = a & b
        return self.total(shared) / min(self.total(a), self.total(b)) if shared else 0.0


def _push(index: dict[Any, list[int]], key: Any, article_id: int, cap: int) -> None:
    ids = index.setdefault(key, [])
    ids.append(article_id)
    if len(ids) > cap:
        del ids[0]  # keep the most recent: a story's next article is most likely near in time


def _remove(index: dict[Any, list[int]], key: Any, article_id: int) -> None:
    ids = index.get(key)
    if ids is not None and article_id in ids:
        ids.remove(article_id)
        if not ids:
            del index[key]


def _numbers_conflict(a: Cues, b: Cues) -> bool:
    # A template (market close, robot-written earnings, another MP's bill) has the words of another copy
    # and other figures; a real copy keeps the figures of its lead.
    if not a.numbers or not b.numbers:
        return False
    return len(a.numbers & b.numbers) / min(len(a.numbers), len(b.numbers)) < 0.34


def _when(item: ClusterItem) -> datetime | None:
    value = item.published or item.first_seen
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _time_of(item: ClusterItem) -> float | None:
    when = _when(item)
    return when.timestamp() if when is not None else None


def _outlet_name(item: ClusterItem) -> str:
    """The item's outlet, else its URL's host (so that outlets are counted even without feed names)."""
    if item.outlet:
        return item.outlet
    outlet = outlet_for(item.url) if item.url else None
    if outlet is not None:
        return outlet.host
    return urlsplit(item.url).hostname or "" if item.url.startswith(("http://", "https://")) else ""


def _is_wire(item: ClusterItem) -> bool:
    outlet = outlet_for(item.url) if item.url else None
    return (outlet is not None and outlet.wire) or item.outlet.strip().lower() in WIRE_OUTLETS


def cluster_items(items: Iterable[ClusterItem], **options: Any) -> dict[int, Assignment]:
    """Cluster a batch from scratch in published order (ties by article id): re-clustering and eval.

    Deterministic: the same items give the same assignments whatever order they are passed in.
    """
    clusterer = StoryClusterer(**options)
    ordered = sorted(items, key=lambda i: (_time_of(i) is None, _time_of(i) or 0.0, i.article_id))
    return {item.article_id: clusterer.add(item) for item in ordered}


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
