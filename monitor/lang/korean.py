"""Korean morphology, through kiwipiepy, for the two places where substring search is not enough.

1. **Word boundaries of short Korean terms.** 한미 is a Korea–US pair in 한미동맹 and 한미는, but part of
   a name in 한미약품, 한미글로벌 and 주한미군. The matcher asks :func:`aligned` whether a hit that is glued
   to other Hangul starts and ends on morpheme boundaries. Particles and endings never need this:
   공급망을 / 반도체와 / 수출통제에 analyse as the noun plus a particle, so the term stays aligned.
2. **Term discovery.** ``monitor topics suggest`` proposes nouns and noun compounds (:func:`noun_phrases`).

The analyser is loaded lazily, once per process, because it costs ~2.5 s and ~330 MB (without its typo
and multi-word dictionaries, which we do not need), while most runs of the matcher never consult it: the
prefilter and the boundary rules decide the bulk of the articles without it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # kiwipiepy is imported only when a function here is first called
    from kiwipiepy import Kiwi

__all__ = ["NounPhrase", "aligned", "analyser", "is_loaded", "noun_phrases"]

_lock = threading.Lock()
_kiwi: Kiwi | None = None

#: Tags that make up a noun phrase: common/proper/bound nouns, foreign words, hanja, numbers, and the
#: noun-forming suffix (희토+류).
NOUN_TAGS = frozenset({"NNG", "NNP", "SL", "SH", "XSN"})
_HEAD_TAGS = frozenset({"NNG", "NNP", "SL", "SH"})
#: How far around a hit the analyser reads: enough for the surrounding words to disambiguate.
_CONTEXT = 24


def analyser() -> Kiwi:
    """The process-wide kiwipiepy analyser, loaded on first use (thread-safe)."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False)
    return _kiwi


def is_loaded() -> bool:
    """Whether the analyser has been loaded in this process (for benchmarks and diagnostics)."""
    return _kiwi is not None


def aligned(text: str, start: int, end: int) -> bool:
    """Does ``text[start:end]`` begin and end on morpheme boundaries?

    Reads a window of the surrounding words only, so the cost does not grow with the article; results are
    cached by window, since the same spellings recur across a feed."""
    lo = _word_start(text, max(0, start - _CONTEXT), start)
    hi = _word_end(text, min(len(text), end + _CONTEXT), end)
    return _aligned_in_window(text[lo:hi], start - lo, end - lo)


def _word_start(text: str, lo: int, start: int) -> int:
    """Move ``lo`` forward to the start of a word, so the window does not begin mid-word."""
    space = text.find(" ", lo, start)
    return space + 1 if space != -1 else lo


def _word_end(text: str, hi: int, end: int) -> int:
    space = text.rfind(" ", end, hi)
    return space if space != -1 else hi


@lru_cache(maxsize=4096)
def _aligned_in_window(window: str, start: int, end: int) -> bool:
    starts: set[int] = set()
    ends: set[int] = set()
    for token in _tokens(window):
        starts.add(token.start)
        ends.add(token.start + token.len)
    return start in starts and end in ends


def _tokens(text: str) -> list[Any]:
    return list(analyser().tokenize(text))


@dataclass(frozen=True, slots=True)
class NounPhrase:
    """A noun or a run of nouns as it appears in the text (``surface``), with its offsets."""

    surface: str
    start: int
    end: int
    parts: int  # number of nouns in the run


def noun_phrases(text: str, *, max_parts: int = 3) -> list[NounPhrase]:
    """Nouns and noun compounds of ``text``: every noun, and every run of 2..``max_parts`` nouns that are
    adjacent or separated by one space or a middle dot (공급망 회복력, 핵심·신흥 기술, 한미일 산업장관회의).

    A run must start and end on a real noun (not on a suffix), so 희토류 is one phrase but 류 is none."""
    runs: list[list[Any]] = []
    current: list[Any] = []
    for token in _tokens(text):
        joined = (
            current
            and token.start - (current[-1].start + current[-1].len) <= 1
            and (token.start == current[-1].start + current[-1].len or text[token.start - 1] in " ·")
        )
        if token.tag in NOUN_TAGS and (joined or not current):
            current.append(token)
            continue
        if current:
            runs.append(current)
        current = [token] if token.tag in NOUN_TAGS else []
    if current:
        runs.append(current)
    phrases: list[NounPhrase] = []
    for run in runs:
        phrases.extend(_sub_phrases(text, run, max_parts))
    return phrases


def _sub_phrases(text: str, run: list[Any], max_parts: int) -> list[NounPhrase]:
    """Every contiguous part of a noun run (up to ``max_parts`` nouns) that is a phrase of its own."""
    out = []
    for i, first in enumerate(run):
        if first.tag not in _HEAD_TAGS:
            continue
        nouns = 0
        for j in range(i, min(len(run), i + max_parts + 1)):
            nouns += run[j].tag in _HEAD_TAGS
            if nouns > max_parts:
                break
            last = run[j]
            # a suffix (XSN) belongs to the noun before it: 희토+류 makes 희토류, never 희토 alone
            if j + 1 < len(run) and run[j + 1].tag == "XSN" and run[j + 1].start == last.start + last.len:
                continue
            if last.tag == "XSN" or last.tag in _HEAD_TAGS:
                end = last.start + last.len
                out.append(NounPhrase(text[first.start : end], first.start, end, nouns))
    return out
