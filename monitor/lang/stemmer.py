"""The one Korean stemmer: a word without its particle or predicate ending (공급망을 → 공급망, 합의했다 → 합의).

Rules over the one suffix table (:data:`monitor.lang.particles.STEM_SUFFIXES`), not a morphological
analyser: the story clusterer stems every word of every headline and lead, and kiwipiepy costs a hundred
times more per word (it stays for the matcher's word boundaries, :mod:`monitor.lang.korean`). Only
unambiguous suffixes are cut: 이/가, 은/는, 을/를, 과/와 by the final consonant they require; never 도 or 만,
which end many nouns (러몬도, 대만); never 의 from a noun that ends in it (정상회의, ``data/nouns_ending_in_ui.txt``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from monitor.lang.particles import STEM_SUFFIXES

__all__ = ["NOUNS_ENDING_IN_UI", "has_final", "stem"]

#: Nouns ending in 의 that the genitive 의 must not be cut from.
NOUNS_ENDING_IN_UI: tuple[str, ...] = tuple(
    word
    for line in resources.files("monitor.lang")
    .joinpath("data/nouns_ending_in_ui.txt")
    .read_text("utf-8")
    .splitlines()
    if not line.startswith("#")
    for word in line.split()
)
#: A stem keeps at least this many syllables (동의 is not 동 + 의).
_MIN_STEM = 2
_LONGEST = max(len(s) for s in STEM_SUFFIXES)


def has_final(syllable: str) -> bool:
    """Does the precomposed Hangul ``syllable`` end in a final consonant (받침)?"""
    return (ord(syllable) - 0xAC00) % 28 != 0


@lru_cache(maxsize=1 << 15)
def stem(word: str) -> str:
    """``word`` without the longest suffix of the table that fits it, or ``word`` when none does."""
    for k in range(_LONGEST, 0, -1):
        suffix = STEM_SUFFIXES.get(word[-k:]) if len(word) - k >= _MIN_STEM else None
        if suffix is None:
            continue
        if suffix.after == "any":
            return word if suffix.text == "의" and word.endswith(NOUNS_ENDING_IN_UI) else word[:-k]
        if suffix.fits(word[-k - 1]):
            return word[:-k]
    return word
