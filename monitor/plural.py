"""Counts in the English a person reads: ``1 feed``, ``3 feeds``, ``1 entry``, ``2 entries``.

One helper for every count the CLI and the demo print, so no message says "1 feeds" again. English plurals
of the nouns the monitor counts follow two rules and one list, as data:

* a noun in :data:`IRREGULAR` takes the plural written there (``batch`` → ``batches``);
* a consonant + ``y`` ending becomes ``ies`` (``entry`` → ``entries``, ``story`` → ``stories``);
* anything else takes ``s`` (``feed`` → ``feeds``, ``new link`` → ``new links``).

Only the last word of a phrase is inflected, so ``counted(2, "new article")`` is ``2 new articles``.
"""

from __future__ import annotations

__all__ = ["IRREGULAR", "counted", "plural"]

#: Plurals the two rules get wrong; e.g. counted(2, "batch") == "2 batches".
IRREGULAR = {"batch": "batches", "match": "matches", "process": "processes", "bus": "buses"}


def plural(noun: str) -> str:
    """The plural of ``noun`` (its last word inflected): ``story`` → ``stories``."""
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR:
        word = IRREGULAR[last]
    elif len(last) > 1 and last.endswith("y") and last[-2] not in "aeiou":
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def counted(n: int, noun: str) -> str:
    """``n`` and the noun in the number it needs: ``counted(1, "feed")`` is ``1 feed``, 0 and 2 are plural."""
    return f"{n} {noun if n == 1 else plural(noun)}"
