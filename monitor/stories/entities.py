"""Canonical key terms that join spellings and languages: names, numbers and English dates.

A Korean and an English report of one meeting share few words but the same names: 러몬도 and Raimondo,
산업통상자원부 and the Ministry of Trade, Industry and Energy, 한미일 and "South Korea, the United States
and Japan". :func:`entity_terms` turns every spelling the table ``data/names.tsv`` lists into one
canonical term (``@raimondo``), so the clusterer's term index finds the pair and the same-event scorer
weighs what they share. Numbers become ``#value`` terms (``23개 품목`` and ``23 items`` share ``#23``).

English dates ("June 27", "Feb. 28") are read here too (:func:`english_day`); Korean ones are the
features module's event cues. Pure functions over text; the table loads once per process.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources

from monitor.stories.rarity import TermBackground

#: The prefix of a canonical name term: no tokenizer term starts with it, so it never collides.
ENTITY = "@"
NUMBER = "#"


@lru_cache(maxsize=1)
def _table() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One regex over every spelling and spelling → ids. The spellings are folded into a trie, so the
    regex tries one branch per character instead of every spelling at every position (a plain
    alternation of ~400 spellings took 4 ms a text); a longer spelling wins (한미일 over 한미)."""
    text = resources.files("monitor.stories").joinpath("data/names.tsv").read_text(encoding="utf-8")
    ids_of: dict[str, tuple[str, ...]] = {}
    korean: dict[str, str] = {}  # spelling → the lookahead that must follow it ("" for none)
    latin: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            canonical, spellings = line.split("\t")
        except ValueError:
            raise ValueError(
                f"monitor/stories/data/names.tsv line {number}: expected 'id TAB spellings'"
            ) from None
        ids = tuple(ENTITY + part for part in canonical.split("+"))
        for spelling in (s.strip() for s in spellings.split("|")):
            if not spelling:
                continue
            word, _, unless = spelling.partition("!")
            key = word.lower()
            ids_of[key] = ids
            if re.search(r"[가-힣一-鿿]", word):
                # At a word start, whatever follows (particles, compounds: 삼성전자가, 러몬도 장관).
                korean[key] = f"(?!{'|'.join(map(re.escape, unless.split(',')))})" if unless else ""
            else:
                latin[key] = "(?![a-z0-9])"
    pattern = rf"(?<![가-힣]){_trie(korean)}|(?<![a-z0-9]){_trie(latin)}"
    return re.compile(pattern), ids_of


def _trie(words: dict[str, str]) -> str:
    """A regex matching any of ``words`` (each followed by its lookahead), longest first."""
    root: dict[str, dict] = {}
    for word, after in words.items():
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {"after": after}

    def regex(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + regex(child) for char, child in sorted(node.items()) if char]
        if "" in node:
            branches.append(node[""]["after"])  # the end of a word: tried after every longer one
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return regex(root)


def entity_terms(text: str) -> frozenset[str]:
    """The canonical names a text mentions: ``@korea``, ``@raimondo``, ``@export_controls`` …"""
    regex, ids_of = _table()
    lowered = text.lower()
    found: set[str] = set()
    for m in regex.finditer(lowered):
        found.update(ids_of[m.group(0)])
    return frozenset(found)


# A figure: digits with separators, optionally a decimal part; not part of a date or a time.
_NUMBER_RE = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\s?(?:일|월|년|시|분|차|\d|st|nd|rd|th))"
)


def number_terms(text: str) -> frozenset[str]:
    """Figures worth comparing across languages: two digits or more, not a year (1990-2039)."""
    found = set()
    for m in _NUMBER_RE.finditer(text):
        whole = m.group(1).replace(",", "")
        value = whole + ("." + m.group(2) if m.group(2) else "")
        if len(whole) < 2 or (len(whole) == 4 and 1990 <= int(whole) <= 2039):
            continue
        found.add(NUMBER + value)
    return frozenset(found)


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_ENGLISH_DAY_RE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b"
    r"|\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)


def english_day(text: str, when: datetime | None) -> int | None:
    """The first "June 27" / "27 June" an English text names, as a date ordinal in the year of ``when``
    (a date more than a day after ``when`` is a plan, not the event, and is skipped); None without one."""
    if when is None:
        return None
    for m in _ENGLISH_DAY_RE.finditer(text):
        month = _MONTHS[(m.group(1) or m.group(4)).lower()[:3]]
        day = int(m.group(2) or m.group(3))
        try:
            found = date(when.year, month, day)
        except ValueError:
            continue
        if found > when.date() + timedelta(days=1):
            try:
                found = date(when.year - 1, month, day)  # "Dec. 30" read in early January
            except ValueError:
                continue
            if (when.date() - found).days > 60:
                continue
        return found.toordinal()
    return None


def hangul_share(text: str) -> float:
    """The share of Hangul among a text's letters: 0 for English, near 1 for Korean."""
    hangul = sum(1 for c in text if "가" <= c <= "힣")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return hangul / (hangul + latin) if hangul + latin else 0.0


def with_entities(background: TermBackground) -> TermBackground:
    """The background with a count for every canonical name: the largest count of its spellings, so
    ``@semiconductors`` (반도체, in thousands of stories) weighs as little as the word, and ``@raimondo``
    as much as 러몬도. Names no spelling of which ordinary news used stay unseen: rare."""
    if not background:
        return background
    found = _EXTENDED.get(id(background))
    if found is None or found[0] is not background:
        found = _EXTENDED[id(background)] = (background, _with_entities(background))
    return found[1]


#: Extended backgrounds by the id of the table they extend (the shipped one loads once per process).
_EXTENDED: dict[int, tuple[TermBackground, TermBackground]] = {}


def _with_entities(background: TermBackground) -> TermBackground:
    _, ids_of = _table()
    counts: dict[str, int] = {}
    for spelling, ids in ids_of.items():
        seen = background.df.get(spelling)
        if seen is None:
            continue
        for entity in ids:
            counts[entity] = max(counts.get(entity, 0), seen)
    return TermBackground(background.documents, {**background.df, **counts}, background.source)
