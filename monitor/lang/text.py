"""Text normalisation for matching: one canonical form for everything the matcher reads.

Korean news text reaches us in many spellings of the same thing, and keyword rules break on each of them:
full-width letters (``ＩＰＥＦ``), zero-width spaces inside words, HTML entities escaped twice by a feed
(``&amp;#8595;``) or with the ampersand lost (``quot;``), five kinds of middle dot, and above all the
actor names: 한·미·일, 한-미-일, 한ㆍ미ㆍ일, 韓美日, 한국·미국·일본, "한국과 미국 일본 3국",
"U.S.-Japan-Korea". :func:`normalize` maps all of these to one form (the actors to 한미일 / 한미 / 한일 /
미일) so that the topics file can list a term once and the matcher can use plain substring search.

Config terms go through the same function, so a term written as ``한·미·일 산업장관회의`` in the topics
file matches every spelling above. Offsets reported by the matcher refer to the normalised text.

Pure functions, no I/O; each step is cheap when there is nothing to do (the common case), because the
matcher runs this over every article of every poll.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "ACTOR_NAMES",
    "CLEAN_MARKERS",
    "DASHES",
    "ENGLISH_INFLECTIONS",
    "ENGLISH_PLURAL_ENDINGS",
    "EnglishInflection",
    "english_inflections",
    "HANJA_ABBREVIATIONS",
    "LATIN_WORD_BYTES",
    "MIDDLE_DOTS",
    "canonicalize_actors",
    "clean",
    "light_clean",
    "collapse_spaces",
    "collapse_whitespace",
    "fold_case",
    "is_hangul",
    "is_latin_word_char",
    "may_form_pairs",
    "nfkc",
    "normalize",
    "remove_invisible",
    "snippet",
    "unescape_html",
    "unify_punctuation",
]

# Zero-width and format characters, bidi controls, soft hyphen, BOM and C0/C1 controls (except \t \n \r):
# invisible in a browser, but they split words for a substring search ("공\u200b급망").
_INVISIBLE_RANGES = (
    (0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x61C, 0x61C), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x206A, 0x206F), (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
)  # fmt: skip
_INVISIBLE = re.compile("[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _INVISIBLE_RANGES) + "]")

#: Every character news text uses as a middle dot (한·미·일, 핵심ㆍ신흥): the one set; :func:`unify_punctuation`
#: writes each as U+00B7 "·". Mapped *before* NFKC: NFKC would turn the Hangul compatibility letter ㆍ
#: (U+318D), which Korean typists use as a middle dot, into the conjoining vowel jamo ᆞ (U+119E), which is
#: listed too for text that arrives already decomposed.
MIDDLE_DOTS = "\u00b7\u318d\u119e\u30fb\uff65\u2022\u2027\u2219\u22c5\u0387\u16eb\u2981"
#: Every dash and hyphen written between words (한–미, 미—일): :func:`unify_punctuation` writes each as "-".
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DOTS = MIDDLE_DOTS[1:]  # the variants: "·" itself stays
_DASHES = DASHES
_PUNCT_MAP = {**{c: "·" for c in _DOTS}, **{c: "-" for c in _DASHES}}

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Entities whose "&" was eaten by an earlier bad decode (seen in real feeds: `quot;한미 금리quot;`).
_BARE_ENTITY_NAMES = (
    "quot", "amp", "apos", "lt", "gt", "nbsp", "hellip", "middot", "lsquo", "rsquo", "ldquo", "rdquo",
    "ndash", "mdash", "bull",
)  # fmt: skip
_BARE_ENTITY = re.compile(rf"(?<![&A-Za-z])({'|'.join(_BARE_ENTITY_NAMES)});")
_SPACES = re.compile(r"  +")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,2000})?/?>")

_COUNTRY_LETTERS = {"한": "kr", "韓": "kr", "미": "us", "美": "us", "일": "jp", "日": "jp"}
_COUNTRY_NAMES = {"한국": "kr", "미국": "us", "일본": "jp"}
_ENGLISH_NAMES = {
    "south korea": "kr", "korea": "kr", "rok": "kr",
    "u.s.": "us", "us": "us", "u.s.a.": "us", "usa": "us", "united states": "us", "america": "us",
    "japan": "jp",
}  # fmt: skip
#: The canonical spellings :func:`normalize` writes for the trio and the pairs.
ACTOR_NAMES = ("한미일", "한미", "한일", "미일")
_CANONICAL = {
    frozenset({"kr", "us", "jp"}): "한미일",
    frozenset({"kr", "us"}): "한미",
    frozenset({"kr", "jp"}): "한일",
    frozenset({"us", "jp"}): "미일",
}

_SEP = r"\s?[·/-]\s?"
# 한·미·일, 韓·美·日, 미-일, 한/일: one-letter country abbreviations joined by a separator. Not after
# another letter, digit or separator (북·미·일 is North Korea-US-Japan; 3일·미국 is a date), not when
# the list goes on with another member (한·미·중), and not when the last letter starts 미국/일본/한국.
_ABBR_SEPARATED = re.compile(
    rf"(?<![0-9A-Za-z가-힣一-鿿·/,-])([한미일韓美日])((?:{_SEP}[한미일韓美日]){{1,2}})"
    rf"(?!{_SEP}[가-힣一-鿿])(?![국본])"
)
# 韓美日, 美日, 韓美: glued hanja abbreviations are unambiguous (glued Hangul 한미 is left to the matcher,
# which checks its word boundaries).
_ABBR_HANJA = re.compile(r"(?<![一-鿿])([韓美日]{2,3})(?![一-鿿])")
_NAME = r"(?:한국|미국|일본)"
# 한국·미국·일본, 미국-일본
_NAMES_SEPARATED = re.compile(
    rf"(?<![가-힣·/,-])({_NAME})((?:\s?[·/-]\s?{_NAME}){{1,2}})(?!\s?[·/,-]\s?[가-힣])"
)
# 한국과 미국 일본 3국 정부가, 한국과 미국, 일본은, 미국과 일본이: joined by a conjunction *and* acting
# together — followed by a subject/topic particle or a word for the group. "미국과 일본 고객사" (a list of
# markets) and "한국과 미국의 금리" (a comparison) stay as they are.
_NAMES_CONJOINED = re.compile(
    rf"(?<![가-힣])({_NAME})(?:과|와|\s및)\s({_NAME})(?:(?:,|과|와)?\s(?:및\s)?({_NAME}))?"
    r"(?=(?:이|가|은|는|도)(?![가-힣])|\s(?:정부|양국|3국|3개국|세\s?나라|두\s?나라|정상|당국|장관|산업장관))"
)
# 한국, 미국, 일본 3국 / 세 나라: a bare comma list only counts when it is called a group of three.
_NAMES_LISTED = re.compile(
    rf"(?<![가-힣])({_NAME}),\s?({_NAME}),\s?({_NAME})(?=\s?(?:등\s)?(?:3국|3개국|세\s?나라|삼국))"
)
_ENGLISH = re.compile(
    r"(?<![A-Za-z.])((?:South\s)?Korea|ROK|U\.S\.(?:A\.)?|USA?|United\sStates|America|Japan)"
    r"((?:\s?[-/]\s?(?:(?:South\s)?Korea|ROK|U\.S\.(?:A\.)?|USA?|United\sStates|America|Japan)){1,2})"
    r"(?![A-Za-z])"
)
_ENGLISH_PART = re.compile(r"(?:South\s)?Korea|ROK|U\.S\.(?:A\.)?|USA?|United\sStates|America|Japan")
# "South Korea, the United States and Japan", "Japan, South Korea and the U.S.", "S. Korea, US, Japan",
# "Seoul, Washington and Tokyo": English news names the trio as a list. Three members always make the trio;
# two ("South Korea and the United States") only when they act together: followed by a verb or a word
# for their people, or after "between" (a list of markets, "exports to the U.S. and Japan", stays).
_EN_NAME = (
    r"(?:(?<!North\s)(?:South\s|S\.\s?)?Korea(?!n)|ROK|Seoul|(?:the\s)?U\.S\.(?:A\.)?|(?:the\s)?USA?"
    r"|(?:the\s)?United\sStates|America(?!n)|Washington|Japan(?!ese)|Tokyo)"
)
_EN_JOIN = r"(?:,\s?(?:and\s)?|,?\s(?:and|&)\s)"
_EN_TOGETHER = (
    r"(?=,?\s(?:have|has|had|held|hold|holds|will|would|agreed|agree|agrees|signed|sign|launched|launch"
    r"|discussed|discuss|discusses|convened|convene|met|meet|pledged|pledge|vowed|are|were|officials|"
    r"governments|leaders|ministers|jointly|to\s(?:hold|launch|sign|discuss|boost|strengthen|cooperate|"
    r"expand|deepen)))"
)
_ENGLISH_LIST = re.compile(
    rf"(?<![A-Za-z]){_EN_NAME}{_EN_JOIN}{_EN_NAME}{_EN_JOIN}{_EN_NAME}(?![A-Za-z])"
    rf"|(?<![A-Za-z]){_EN_NAME}{_EN_JOIN}{_EN_NAME}(?![A-Za-z]){_EN_TOGETHER}"
    rf"|(?<=between\s){_EN_NAME}\s(?:and|&)\s{_EN_NAME}(?![A-Za-z])"
)
_EN_LIST_PART = re.compile(_EN_NAME)
_EN_LIST_NAMES = {
    "south korea": "kr", "s. korea": "kr", "s.korea": "kr", "korea": "kr", "rok": "kr", "seoul": "kr",
    "u.s.": "us", "u.s.a.": "us", "us": "us", "usa": "us", "united states": "us", "america": "us",
    "washington": "us", "japan": "jp", "tokyo": "jp",
}  # fmt: skip


def normalize(text: str | None) -> str:
    """The canonical form of ``text`` for matching (see the module docstring for what changes)."""
    folded = canonicalize_actors(collapse_whitespace(clean(text)))
    # Folding one actor spelling can expose another (a property test found "한·미일" left after one
    # pass), so repeat to a fixed point; the bound is for safety, two passes settle real text.
    for _ in range(4):
        again = canonicalize_actors(folded)
        if again == folded:
            break
        folded = again
    return folded


def clean(text: str | None) -> str:
    """The character-level half of :func:`normalize`: invisible characters out, dots and dashes unified,
    NFKC (full-width letters, compatibility hanja), entities decoded, tags dropped.

    Spaces and actor spellings are left alone. Every word of the normalised text is already a word here,
    which is what lets the matcher's prefilter run on this cheaper form."""
    if not text:
        return ""
    text = unify_punctuation(remove_invisible(text))
    for ch, plain in _COMMON_COMPATIBILITY:  # most articles need NFKC for these alone
        if ch in text:
            text = text.replace(ch, plain)
    text = nfkc(text)
    if "&" in text or ";" in text:
        text = unescape_html(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "對" in text:  # 대(對)러 제재, 對中 수출: the hanja gloss of 대 ("against, toward")
        text = text.replace("(對)", "").replace("對", "대")
    return text


#: The characters that make most Korean news text not NFKC-normal, with their NFKC forms: replacing
#: them directly lets the full normalisation be skipped (it costs ~15 ns a character).
_COMMON_COMPATIBILITY = (("\xa0", " "), ("ⓒ", "c"), ("…", "..."))


def nfkc(text: str) -> str:
    """Unicode NFKC (full-width letters and digits, compatibility hanja, ligatures), where it changes
    anything. Apply :func:`unify_punctuation` first (NFKC makes the dot ㆍ a letter)."""
    return text if unicodedata.is_normalized("NFKC", text) else _nfkc_by_line(text)


def _nfkc_by_line(text: str) -> str:
    """NFKC costs ~40 ns a character; articles usually have a few lines that need it, so do only those."""
    return "\n".join(
        line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line)
        for line in text.split("\n")
    )


def _clean_markers() -> tuple[str, ...]:
    """What :func:`light_clean` leaves to :func:`clean`, as lower-case substrings (the matcher scans
    A–Z-folded text): invisible characters, dots and dashes, and the starts of what :func:`unescape_html`
    and the tag removal change (``&#``, ``&x``, ``quot;``, ``<x``, ``</``, not every ``&``, ``;`` or
    ``<``: Korean text writes book titles as <제목>), and 對."""
    invisible = [chr(c) for lo, hi in _INVISIBLE_RANGES for c in range(lo, hi + 1)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    markup = ["&#", *(f"&{c}" for c in letters), *(f"{name};" for name in _BARE_ENTITY_NAMES)]
    markup += ["</", *(f"<{c}" for c in letters)]
    return tuple(dict.fromkeys([*invisible, *_DOTS, *_DASHES, *markup, "對"]))


def unify_punctuation(text: str) -> str:
    """Every middle dot written "·" and every dash "-" (:data:`MIDDLE_DOTS`, :data:`DASHES`). Apply it
    before NFKC (see :data:`MIDDLE_DOTS`); the story fingerprint and the matcher both start with it."""
    for ch in _DOTS + _DASHES:
        if ch in text:
            text = text.replace(ch, _PUNCT_MAP[ch])
    return text


def light_clean(text: str) -> tuple[str, bool]:
    """The cheap part of ``collapse_whitespace(clean(text))``, and whether it is the whole of it.

    Returns the text with the common compatibility characters replaced, NFKC applied where needed and
    runs of spaces collapsed (:func:`collapse_spaces`: enough for finding terms), and ``done``: True
    when ``collapse_whitespace`` of it equals ``collapse_whitespace(clean(text))`` *provided* none of
    :data:`CLEAN_MARKERS` occurs in it. The matcher learns that from the
    automaton pass that finds its terms, so most articles cost a few substring tests here; the rest go
    through :func:`clean`. A property test holds this to the definition.

    Why it holds: :func:`clean`'s steps are no-ops on text without markers, except the compatibility
    replacements and NFKC done here; neither creates a marker that clean() would have acted on before
    them, and markers that NFKC would destroy (ㆍ → a jamo) are looked for before it."""
    for ch, plain in _COMMON_COMPATIBILITY:
        if ch in text:
            text = text.replace(ch, plain)
    if not unicodedata.is_normalized("NFKC", text):
        if any(ch in text for ch in _NFKC_CHANGES_MARKERS):
            return text, False
        text = _nfkc_by_line(text)
    return collapse_spaces(text), True


def remove_invisible(text: str) -> str:
    """Drop zero-width/format/control characters (they hide inside words and break substring search)."""
    if text.replace("\n", "").isprintable():  # the fast, common answer
        return text
    return _INVISIBLE.sub("", text)


def unescape_html(text: str) -> str:
    """Decode HTML entities, including double-escaped ones (``&amp;#8595;`` → ``↓``) and ones whose
    ampersand was lost (``quot;`` → ``"``). Three rounds at most: a feed escaped more often than that is
    quoting HTML on purpose."""
    decoded = text
    for _ in range(3):
        if "&" not in decoded or not _ENTITY.search(decoded):
            break
        decoded = html.unescape(decoded)
    if ";" in decoded and _BARE_ENTITY.search(decoded):
        decoded = _BARE_ENTITY.sub(lambda m: html.unescape(f"&{m.group(1)};"), decoded)
    if decoded is not text and not unicodedata.is_normalized("NFKC", decoded):  # &#65313; is full-width
        decoded = unicodedata.normalize("NFKC", remove_invisible(decoded))
    return decoded


def collapse_whitespace(text: str) -> str:
    """One space for every run of spaces/tabs, at most one blank line, no spaces around line breaks."""
    text = collapse_spaces(text)
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    if "\n\n\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def collapse_spaces(text: str) -> str:
    """The part of :func:`collapse_whitespace` that can change what a search for terms finds: odd white
    space made plain and runs of spaces made one (so "수출  통제" is "수출 통제"). The rest (spaces
    beside line breaks, blank lines, the ends) never joins or splits a term, so the matcher's prefilter
    skips it; ``collapse_whitespace(collapse_spaces(t)) == collapse_whitespace(t)``."""
    for odd, plain in _ODD_WHITESPACE:
        if odd in text:
            text = text.replace(odd, plain)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    return text


# What NFKC leaves of the Unicode white space (it maps NBSP, ideographic and em spaces to " ").
_ODD_WHITESPACE = (
    ("\r\n", "\n"),
    ("\r", "\n"),
    ("\t", " "),
    ("\u2028", "\n"),
    ("\u2029", "\n\n"),
    ("\u1680", " "),
)

#: Characters and strings whose presence makes :func:`light_clean` not enough (compiled into the
#: matcher's automaton, which finds them in the same pass as its terms).
CLEAN_MARKERS: tuple[str, ...] = _clean_markers()
#: The one-character markers that NFKC changes: light_clean must see them before it applies NFKC.
_NFKC_CHANGES_MARKERS = tuple(
    m for m in CLEAN_MARKERS if len(m) == 1 and unicodedata.normalize("NFKC", m) != m
)


# 미 on its own before a space is the US in a headline (미 상원, 미 ‘반도체 지원법’): written 美 from here
# on, so that it is the bare country name 美 is. Not glued to other letters (미래, 미확인) or after a digit.
_MI_ALONE = re.compile(r"(?<![가-힣A-Za-z0-9])미(?= [가-힣‘'\"“])")
_MI_ALONE_LOOSE = re.compile(r"(?<![가-힣A-Za-z0-9])미(?=\s)")  # the same before white space is collapsed


def canonicalize_actors(text: str) -> str:
    """Rewrite spellings of the Korea/US/Japan pairs and the trio to 한미 / 한일 / 미일 / 한미일.

    The rules' regexes start with a look-behind, which makes Python's ``re`` try every position of a
    3,000-character article (~100 µs each). So each rule is only tried at the few positions where a
    cheap ``str.find`` says it could start."""
    if "미 " in text:
        text = _MI_ALONE.sub("美", text)
    starts = _chain_starts(text)
    if starts:
        text = _sub_at(text, starts, (_ABBR_SEPARATED, _NAMES_SEPARATED))
    starts = _find_all(text, "韓美日")
    if starts:
        text = _sub_at(text, starts, (_ABBR_HANJA,))
    starts = _find_all(text, _CONJOINED_HINTS)
    if starts:
        text = _sub_at(text, starts, (_NAMES_CONJOINED,))
    if any(n in text for n in _GROUP_OF_THREE):
        text = _NAMES_LISTED.sub(_replace, text)
    if "Korea" in text or "Japan" in text or "ROK" in text:
        text = _ENGLISH.sub(_replace, text)
    if "Korea" in text or "Seoul" in text or "ROK" in text:
        text = _ENGLISH_LIST.sub(_replace_english_list, text)
    return text


def _replace_english_list(m: re.Match[str]) -> str:
    """The canonical name for an English list of two or three distinct members."""
    found = m.group()
    names = [re.sub(r"\s+", " ", p).lower().removeprefix("the ") for p in _EN_LIST_PART.findall(found)]
    countries = [_EN_LIST_NAMES.get(n, "") for n in names]
    if "" in countries or len(set(countries)) != len(countries):
        return found
    return _CANONICAL.get(frozenset(countries), found)


def may_form_pairs(text: str) -> bool:
    """Could :func:`canonicalize_actors` rewrite something in ``text`` into 한미일 / 한미 / 한일 / 미일?

    Cheap and conservative, and valid before :func:`collapse_whitespace` too (the matcher's prefilter
    calls it on :func:`clean` output): True whenever one of the rules could fire."""
    return (
        bool(_chain_starts(text))
        or any(a + b in text for a in "韓美日" for b in "韓美日" if a != b)
        or any(n + "과" in text for n in _COUNTRY_NAMES)
        or ("및" in text and _NAME_THEN_AND.search(text) is not None)
        or (
            all(n in text for n in _COUNTRY_NAMES)
            and any(g in text for g in ("3국", "3개국", "나라", "삼국"))
        )
        or "Korea" in text
        or "Japan" in text
        or "ROK" in text
        or "Seoul" in text
        or ("미" in text and _MI_ALONE_LOOSE.search(text) is not None)
    )


_NAME_THEN_AND = re.compile(r"(?:한국|미국|일본)\s+및")
_SEPARATORS = "·/-"
_NAME_ENDS = set(_COUNTRY_LETTERS) | {"국", "본"}  # a letter, or the end of 한국/미국/일본
_CONJOINED_HINTS = ("한국과 ", "미국과 ", "일본과 ", "한국 및 ", "미국 및 ", "일본 및 ")
_GROUP_OF_THREE = ("3국", "3개국", "세 나라", "세나라", "삼국")


def _find_all(text: str, needles: str | tuple[str, ...]) -> list[int]:
    """Every position where one of ``needles`` (characters of a str, or strings) occurs."""
    found = []
    for needle in needles:
        i = text.find(needle)
        while i != -1:
            found.append(i)
            i = text.find(needle, i + 1)
    return found


def _chain_starts(text: str) -> list[int]:
    """Where a separated chain (한·미·일, 한국·미국) could begin: the country letter, or the first
    syllable of 한국/미국/일본, just before a separator that a country letter follows."""
    starts = []
    n = len(text)
    for i in _find_all(text, _SEPARATORS):
        after, before = i + 1, i - 1
        while after < n and text[after].isspace():  # any white space: also valid before collapsing
            after += 1
        while before >= 0 and text[before].isspace():
            before -= 1
        if before >= 0 and after < n and text[after] in _COUNTRY_LETTERS and text[before] in _NAME_ENDS:
            starts.append(before - 1 if text[before] in "국본" else before)
    return starts


def _sub_at(text: str, starts: list[int], patterns: tuple[re.Pattern[str], ...]) -> str:
    """Replace the first of ``patterns`` that matches at each start (left to right, no overlaps)."""
    out: list[str] = []
    last = 0
    for start in sorted(starts):
        if start < last or start < 0:
            continue
        for pattern in patterns:
            m = pattern.match(text, start)
            if m:
                out += [text[last:start], _replace(m)]
                last = m.end()
                break
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _replace(m: re.Match[str]) -> str:
    """The canonical name for a matched spelling, or the spelling itself when its parts are not two or
    three distinct members (한·한, 미국·미국)."""
    found = m.group()
    if m.re is _ENGLISH:
        countries = [_ENGLISH_NAMES[re.sub(r"\s+", " ", p).lower()] for p in _ENGLISH_PART.findall(found)]
    elif m.re in (_ABBR_SEPARATED, _ABBR_HANJA):
        countries = [_COUNTRY_LETTERS[c] for c in found if c in _COUNTRY_LETTERS]
    else:
        countries = [_COUNTRY_NAMES[n] for n in re.findall(_NAME, found)]
    if len(set(countries)) != len(countries):
        return found
    return _CANONICAL.get(frozenset(countries), found)


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_case(text: str) -> str:
    """Lower-cased text of exactly the same length, so offsets found in it are offsets in ``text``.

    ``str.lower`` is fast but lengthens a few characters (``İ`` → ``i̇``); only then fall back to
    folding A–Z alone. Korean has no case, so this only matters for English terms."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_FOLD)


def is_hangul(ch: str) -> bool:
    """A precomposed Hangul syllable (가–힣)."""
    return "가" <= ch <= "힣"


def is_latin_word_char(ch: str) -> bool:
    """Characters that continue an English word or acronym: ASCII letters and digits."""
    return ch.isascii() and ch.isalnum()


#: The same as byte values, for the matcher, which scans UTF-8 bytes.
LATIN_WORD_BYTES = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
#: Endings after which an English term still ends a word: the plural (chips, controls, minerals,
#: batches). The possessive ('s, ’s) needs nothing, since an apostrophe already ends the word.
ENGLISH_PLURAL_ENDINGS = ("s", "es")


@dataclass(frozen=True)
class EnglishInflection:
    """One way an English word is written inflected: the stem it keeps and the endings that may follow.

    English sources say what Korean ones say with particles through inflection: a headline reads
    "licensing", "sanctioned", "banned", "curbs", "batteries". A term is written once in its base form
    (``license``, ``sanction``, ``ban``, ``battery``); each rule here that applies to its last word adds a
    spelling (the stem) that matches only when one of ``endings`` and then a word end follows.
    """

    name: str
    #: Does the rule apply to a lower-case last word?
    applies: Callable[[str], bool]
    #: The stem the word is matched by (the word itself, or cut/extended).
    stem: Callable[[str], str]
    endings: tuple[str, ...]
    #: May the stem end the word by itself (only the base form, never a cut stem)?
    bare: bool
    example: tuple[str, str]  # (term, inflected form it now finds)


def _is_vowel(c: str) -> bool:
    return c in "aeiou"


#: The rules: the base form (its plurals and the regular verb endings), then the stems that change.
ENGLISH_INFLECTIONS: tuple[EnglishInflection, ...] = (
    EnglishInflection(
        "regular",
        lambda w: not w.endswith("e"),
        lambda w: w,
        ("s", "es", "ed", "ing"),
        True,
        ("sanction", "sanctioned"),
    ),
    EnglishInflection(
        "regular after e",  # licenses, licensed: the e is already there
        lambda w: w.endswith("e"),
        lambda w: w,
        ("s", "d"),
        True,
        ("license", "licensed"),
    ),
    EnglishInflection(
        "silent e",  # license → licensing; the base form's own -d covers licensed
        lambda w: len(w) >= 4 and w.endswith("e") and not w.endswith(("ee", "ye")),
        lambda w: w[:-1],
        ("ing",),
        False,
        ("license", "licensing"),
    ),
    EnglishInflection(
        "consonant y",  # battery → batteries, subsidy → subsidies, supply → supplied
        lambda w: len(w) >= 4 and w.endswith("y") and not _is_vowel(w[-2]),
        lambda w: w[:-1],
        ("ies", "ied"),
        False,
        ("battery", "batteries"),
    ),
    EnglishInflection(
        "doubled consonant",  # ban → banned, curb stays curbed (not one vowel between two consonants)
        lambda w: len(w) == 3 and not _is_vowel(w[0]) and _is_vowel(w[1]) and w[2] not in "aeiouwxy",
        lambda w: w + w[-1],
        ("ed", "ing"),
        False,
        ("ban", "banned"),
    ),
)


def english_inflections(word: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """(stem, endings, bare) for each rule that applies to ``word`` (lower case, letters only)."""
    return [(rule.stem(word), rule.endings, rule.bare) for rule in ENGLISH_INFLECTIONS if rule.applies(word)]


def _read_hanja() -> dict[str, str]:
    rows = resources.files("monitor.lang").joinpath("data/hanja.tsv").read_text("utf-8").splitlines()
    pairs = [line.split("\t")[:2] for line in rows if line.strip() and not line.startswith("#")]
    return {hanja: hangul for hanja, hangul in pairs}


#: One-character hanja abbreviations of headlines and the syllable each stands for (``data/hanja.tsv``).
HANJA_ABBREVIATIONS: dict[str, str] = _read_hanja()


def snippet(text: str, start: int, end: int, width: int = 30) -> str:
    """``text[start:end]`` with ``width`` characters of context each side, on one line, cut ends marked."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    return ("…" if lo else "") + text[lo:hi].replace("\n", " ") + ("…" if hi < len(text) else "")


#: Where a Korean report's first line starts: "[세종=뉴스핌] 김기랑 기자 =", "(서울=연합뉴스) 홍길동 기자 =",
#: "[OOO 기자]". Not the story; extraction drops it from page text and digests from feed summaries.
DATELINE = re.compile(
    r"^[\[(【〔]\s*(?:[^\])】〕=]{1,20}=[^\])】〕]{1,20}|[^\])】〕]{0,25}(?:기자|특파원))\s*[\])】〕]\s*"
    r"(?:(?:[가-힣]{2,4}[\s·,]*){1,3}\s*(?:기자|특파원|선임기자)\s*=\s*)?"
)


def strip_dateline(text: str) -> str:
    """``text`` without a leading dateline and byline (see :data:`DATELINE`)."""
    return DATELINE.sub("", text.lstrip(), count=1)
