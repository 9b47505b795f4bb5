"""How common the clusterer's key terms are in ordinary news: the background the story clusterer weighs
terms against.

The clusterer (monitor.stories.clusterer) decides "same development?" by the weight of the terms two reports share.
Rarity counted only among the articles in its window is noise while the window is young or small: with a
few hundred articles every term is rare or common by accident (IPEF looks as common as 공급망). This table
gives each term its document frequency in a few thousand ordinary Korean news stories, counted with the
clusterer's own term extraction so the keys match, and the clusterer adds the window's counts on top.

The table ships in the package (monitor/stories/data/background.tsv: counts only, no text, provenance in its
header) and is rebuilt by ``python bench/build_cluster_background.py``. It is a plain "term TAB count"
file rather than TOML because every clusterer reads it once at start: tomllib takes half a second for
its 19k lines, splitting lines a twentieth of that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from monitor.errors import ConfigError

TABLE = Path(__file__).parent / "data" / "background.tsv"


@dataclass(frozen=True, slots=True)
class TermBackground:
    """Document frequencies of key terms over ``documents`` background stories (terms seen once are left
    out of the shipped table: for weighting, one story is as rare as none)."""

    documents: int = 0
    df: Mapping[str, int] = field(default_factory=dict)
    source: str = ""

    def __bool__(self) -> bool:
        return self.documents > 0


#: No background: weights come from the window alone (the clusterer's behaviour before the table).
NO_BACKGROUND = TermBackground()


def load_term_background(path: Path | None = None) -> TermBackground:
    """The table at ``path`` (default: the shipped one, loaded once per process)."""
    return _load(path or TABLE)


@cache
def _load(path: Path) -> TermBackground:
    """Header lines are ``# key: value`` (``documents`` required, ``source``); then ``term<TAB>count``."""
    meta: dict[str, str] = {}
    df: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.startswith("#"):
                    key, colon, value = line[1:].partition(":")
                    if colon:
                        meta[key.strip()] = value.strip()
                    continue
                term, tab, count = line.rstrip("\n").partition("\t")
                if not tab or not term:
                    raise ValueError(f"line {number} is not 'term<TAB>count': {line[:40]!r}")
                df[term] = int(count)
        return TermBackground(int(meta["documents"]), df, meta.get("source", path.name))
    except (OSError, KeyError, ValueError) as exc:
        problem = f"no 'documents' header line ({exc})" if isinstance(exc, KeyError) else str(exc)
        raise ConfigError(
            [f"unusable term background table: {problem}; rebuild it with bench/build_cluster_background.py"],
            str(path),
        ) from exc
