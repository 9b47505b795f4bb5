"""Content fingerprints: the form two copies of one article have in common, and its hash.

A syndicated story reaches the monitor many times: under another headline marker ([속보], (종합2보)), with
another dateline or byline, a copyright line, photo captions, page furniture, 한·미·일 or 韓美日 for 한미일.
:func:`normalize_for_fingerprint` removes what copies differ in; :func:`content_hash` is the exact identity
the poll stores with every article; :func:`is_low_information` recognises a body that says nothing (a
login wall, a cookie notice). The story clusterer (:mod:`monitor.stories`) builds on the same steps.

Kept apart from the clusterer so that a poll, which only needs the hash, does not load numpy.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from monitor.lang import (
    HANJA_ABBREVIATIONS,
    MIDDLE_DOTS,
    NAME_PARTICLE_CLASS,
    nfkc,
    remove_invisible,
    unify_punctuation,
)

#: Hanja that Korean headlines use as one-character abbreviations (韓美日 정상회의, 對中 제재): monitor.lang's.
_HANJA = str.maketrans(HANJA_ABBREVIATIONS)
_HANJA_RE = re.compile(f"[{''.join(map(chr, _HANJA))}]")
#: 한·미·일, 한-미: single syllables joined by a dot or hyphen are one actor name (한미일). The dots and dashes
#: are the one set of monitor.lang, unified to "·" and "-" by :func:`prepare` before this runs.
_ACTOR_DOTS_RE = re.compile(
    rf"(?<![가-힣])[가-힣](?:\s?[{MIDDLE_DOTS}\-]\s?[가-힣])+(?=[^가-힣]|{NAME_PARTICLE_CLASS}|$)"
)
_SEPARATOR_RE = re.compile(rf"\s?[{MIDDLE_DOTS}\-]\s?")
#: What every _ACTOR_DOTS_RE match contains: a cheap test before the slow scan.
_ACTOR_SEPARATOR_RE = re.compile(rf"[가-힣]\s?[{MIDDLE_DOTS}\-]\s?[가-힣]")

_MARKERS = (
    r"속보|단독|종합\s?\d*보?|\d+보|상보|사설|포토|사진|영상|그래픽|인터뷰|르포|칼럼|기고|시론|인사|"
    r"부고|전문|일문일답|팩트체크|현장|기자수첩|LEAD|URGENT|\d(?:st|nd|rd|th)\s?LD"
)
_LEADING_TAGS_RE = re.compile(
    rf"^\s*(?:[\[【〔<〈《][^\]】〕>〉》\n]{{1,20}}[\]】〕>〉》]\s*|\((?:{_MARKERS})\)\s*)+", re.IGNORECASE
)
_TRAILING_TAGS_RE = re.compile(
    rf"(?:\s*[\[【〔<〈《](?!\d+[\]】〕>〉》])[^\]】〕>〉》\n]{{1,20}}[\]】〕>〉》]|\s*\((?:{_MARKERS})\))+\s*$",
    re.IGNORECASE,
)
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
    r"|무단\s?전재[^\n]{0,20}?금지|all rights? reserved\.?|©\S*",
    re.IGNORECASE,
)
_CREDIT_RE = re.compile(r"(?:^|\s)/\s?[^\s/]{1,15}(?:\s(?:제공|기자))?\s*$")  # "/연합뉴스", "/대통령실 제공"
#: Lines that are page furniture, not article: captions, related-article links, timestamps.
_CHROME_LINE_RE = re.compile(
    r"^\s*(?:[▲△▶▷☞]|(?:입력|수정|승인|등록|업데이트|기사입력|최종수정)\s?:?\s?\d{4}[.\-/])"
)
_CAPTION_RE = re.compile(r"[\[(]사진\s?=|사진\s?제공|\[사진\]|<사진>|제공\s*[)\]]?\s*$")
_CAPTION_MAX = 400
_NON_WORD_RE = re.compile(r"[\W_]+")
#: The runs _NON_WORD_RE separates. Folding keeps exactly these, joined by one space: finding them is a
#: few times faster than substituting the separators, which fails at every letter of Korean text.
_WORD_RUN_RE = re.compile(r"[^\W_]+")
_FOLD_RE = re.compile(r"[^\w\n]+|_+")  # _NON_WORD_RE that keeps line breaks
_MIN_LINE_CHARS = 6  # a folded line shorter than this is a button or a label ("공유", "댓글")
_MAX_PASSES = 4


def prepare(text: str) -> str:
    text = html.unescape(html.unescape(text)) if "&" in text else text  # feeds double-escape (&amp;#8595;)
    # NFKC would turn "ⓒ" into a plain "c"; keep it recognisable as a copyright sign.
    # Invisible characters (zero-width, bidi, controls: monitor.lang's one set) go before NFKC, not after:
    # removed later, they leave a syllable and a conjoining jamo side by side uncomposed, and the next pass
    # would compose them (found by hypothesis). Dots and dashes are unified before it too, as the matcher's
    # normaliser does (monitor.lang.text.clean), and for a like reason: NFKC would make the dot ㆍ a letter.
    text = nfkc(unify_punctuation(remove_invisible(text.replace("ⓒ", "©"))))
    if _HANJA_RE.search(text):
        # A hanja swapped for a syllable can compose with a following conjoining jamo (美ᆨ → 믹); without
        # recomposing here the next pass would see a shorter line and drop it (found by hypothesis).
        text = unicodedata.normalize("NFC", text.translate(_HANJA))
    if _ACTOR_SEPARATOR_RE.search(text):  # every match holds a separator: most texts skip the slow scan
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


def _compile_rules(
    rules: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...],
) -> tuple[re.Pattern[str], _Rules]:
    """Each rule with a regex of its needles, and one regex of all needles to skip clean lines at once."""
    needles = [n for _, ns in rules for n in ns]
    compiled = tuple((p, re.compile("|".join(map(re.escape, ns)))) for p, ns in rules)
    return re.compile("|".join(map(re.escape, needles))), compiled


_INLINE = _compile_rules(_INLINE_RULES)
_TITLE_INLINE = _compile_rules(_TITLE_RULES)
#: What could still fire on folded text (letters only): inline rules' word needles and caption words.
_REFIRE_RE = re.compile(
    # (ㆍ and ᆞ, letters to the fold, once made dotted names the next pass joined: prepare() now writes
    # every middle dot as "·" first, which the fold removes, so none is left to look for.)
    r"기자|특파원|통신원|논설위원|opyright|저작권|무단|eserved|http|www|사진|제공",
    re.IGNORECASE,
)


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
def clean_headline(title: str) -> str:
    """The headline without markers ([속보], (종합2보), <포토>, [뉴시스Pic]), punctuation kept."""
    title = _apply(_TITLE_INLINE, prepare(title))
    previous = None
    while previous != title:
        previous = title
        title = _TRAILING_TAGS_RE.sub("", _LEADING_TAGS_RE.sub("", title))
    return " ".join(_INLINE_MARKER_RE.sub(" ", title).split())


def clean_body_lines(text: str) -> list[str]:
    """Body lines without datelines, bylines, e-mails, copyright and captions, punctuation kept."""
    lines = []
    for raw in prepare(text).split("\n"):
        if len(raw) < _MIN_LINE_CHARS:
            continue
        line = _clean_line(raw)
        if line is not None:
            lines.append(line)
    return lines


@lru_cache(maxsize=1 << 13)
def _clean_line(raw: str) -> str | None:
    """One prepared line cleaned, or None when it is furniture. Cached: syndicated copies repeat their
    paragraphs (20,000 generated articles repeat each distinct paragraph 2.4 times), and the inline
    rules are most of the normalisation's time. Copies arrive close together, so a small cache (a few
    MB at most) catches them."""
    if _CHROME_LINE_RE.match(raw) or (
        len(raw) < _CAPTION_MAX and ("사진" in raw or "제공" in raw) and _CAPTION_RE.search(raw)
    ):
        return None
    line = _strip_inline(raw)
    if len(line) >= 40 or len(_NON_WORD_RE.sub("", line)) >= _MIN_LINE_CHARS:
        return line
    return None


def _fold(line: str) -> str:
    # Lower-case first: lower() can emit combining marks ("İ" → "i̇") that are not word characters.
    return " ".join(_WORD_RUN_RE.findall(line.lower()))


def _doubled(line: str) -> bool:
    words = line.split()
    half = len(words) // 2
    return bool(half) and len(words) % 2 == 0 and words[:half] == words[half:]


def _fold_body(lines: Iterable[str]) -> list[str]:
    """Folded lines, each kept once: a body that repeats itself (seed 003) fingerprints like one copy."""
    seen: set[str] = set()
    out = []
    words_of = _WORD_RUN_RE.findall
    for raw in "\n".join(lines).lower().split("\n"):  # lower() the whole body at once
        folded = " ".join(words_of(raw))
        if len(folded) - folded.count(" ") >= _MIN_LINE_CHARS and folded not in seen:
            seen.add(folded)
            out.append(folded)
    if len(out) == 1 and _doubled(out[0]):  # a one-paragraph body repeated back to back
        words = out[0].split()
        half = " ".join(words[: len(words) // 2])
        out = [half] if len(half) - half.count(" ") >= _MIN_LINE_CHARS else []
    return out


@dataclass(frozen=True, slots=True)
class Normalised:
    """An article in the fingerprint's forms: computed once per article version by the poll (for its
    content hash), and handed on to the clusterer, which reads its features from the same forms."""

    title: str  # fingerprint form: folded
    body: str  # fingerprint form: folded lines, "\n"-joined
    clean_title: str  # first pass, punctuation kept: what cues and key terms are read from
    clean_lines: list[str]

    @property
    def content_hash(self) -> str:
        """:func:`content_hash` of the article this is the normalised form of."""
        return hash_folded(self.title, self.body)


def normalise(title: str, text: str) -> Normalised:
    clean_title, lines = clean_headline(title), clean_body_lines(text)
    norm_title, norm_body = _fold(clean_title), "\n".join(_fold_body(lines))
    # Removing one marker can expose another ("[속보][단독]"), and folding punctuation can join words into
    # a phrase a rule removes; repeating until nothing changes makes the result idempotent. Folded text has
    # no brackets, "=", "@" or "/" left, so only the rules that can fire without them need a second look.
    if not _REFIRE_RE.search(f"{norm_title}\n{norm_body}") and not _doubled(norm_body):
        return Normalised(norm_title, norm_body, clean_title, lines)
    for _ in range(_MAX_PASSES):
        again = _fold(clean_headline(norm_title)), "\n".join(_fold_body(clean_body_lines(norm_body)))
        if again == (norm_title, norm_body):
            break
        norm_title, norm_body = again
    return Normalised(norm_title, norm_body, clean_title, lines)


def _normalise_pair(title: str, text: str) -> tuple[str, str]:
    normalised = normalise(title, text)
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
    return hash_folded(*_normalise_pair(title, text))


def hash_folded(title: str, body: str) -> str:
    spaceless = f"{title}{body}".replace(" ", "").replace("\n", "")  # folded text has no other whitespace
    return hashlib.blake2b(spaceless.encode(), digest_size=16).hexdigest()


#: Text that a broken extraction returns for every page of a site: login and paywalls, cookie and script
#: notices, error pages (folded form).
_BOILERPLATE_RE = re.compile(
    """
로그인이 필요|로그인 후|로그인하|회원 전용|유료 회원|구독자 전용|구독 후|구독하시
쿠키|cookie|javascript|자바스크립트|브라우저|captcha|robot
페이지를 찾을 수 없|존재하지 않는|삭제된 기사|서비스 점검|잠시 후 다시
접근이 제한|접근 권한|권한이 없|access denied|forbidden|not found|subscribe
""".strip().replace("\n", "|")
)
_MIN_INFORMATIVE_CHARS = 40
_BOILERPLATE_MAX_CHARS = 400


def is_low_information_folded(body: str) -> bool:
    chars = len(body) - body.count(" ") - body.count("\n")
    if chars < _MIN_INFORMATIVE_CHARS:
        return True
    words = body.split()
    if len(words) >= 20 and len(set(words)) < 0.3 * len(words):
        return True  # one phrase over and over: a template, not an article
    return chars < _BOILERPLATE_MAX_CHARS and _BOILERPLATE_RE.search(body) is not None


def is_short_lead_folded(body: str) -> bool:
    """Low-information only for being short: real words (a dozen characters or more), no boilerplate."""
    chars = len(body) - body.count(" ") - body.count("\n")
    return _SHORT_LEAD_CHARS <= chars < _MIN_INFORMATIVE_CHARS and _BOILERPLATE_RE.search(body) is None


_SHORT_LEAD_CHARS = 12


def is_low_information(text: str) -> bool:
    """True for a body that says nothing about its article: too short, or a login/cookie/error page.

    Such a body must not make two articles look alike, so the clusterer ignores it and clusters the
    article on its title and URL. (The clusterer also learns site templates: a body it has already seen
    under two unrelated headlines is treated the same way.)
    """
    return is_low_information_folded(_normalise_pair("", text)[1])
