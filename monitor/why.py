"""Why an article matched, in one sentence a person reads: which actors and topic terms, where, which tier.

    MatchResult ─why─▶ "한미일 + 핵심광물 in the title; 산업통상부 and 상무부 in the lede (core)"

A digest item and ``monitor explain`` show this line instead of the matcher's list of every counted hit
(``경제 안보(경제안보) … 외 29개``): an analyst wants to see in a glance what made the story count, and
``explain`` still lists every hit for the one who wants them all.

How the sentence is made (each rule a named constant below, with an example in tests/test_why.py):

* **Canonical spellings**, each once: a hit's configured ``term`` (never the matched form), and spellings
  that differ only in case, spaces or middle dots (``경제 안보`` / ``경제안보``) are one term.
* **A few terms at most**: the strongest :data:`MAX_ACTORS` actors and :data:`MAX_TOPIC_TERMS` topic terms
  (title hits first, then by the score the hit earned), never the whole list.
* **Where**: each term is placed where it first occurs: ``title``, ``lede`` (the first
  :data:`LEDE_CHARS` characters after the title: about the first two sentences of a Korean or English
  lede; MatchResult keeps offsets, not the text, so the lede is measured rather than parsed) or ``body``.
  Within a place actors come first, joined with ``and``, then `` + `` and the topic terms.
* **Tier** in brackets at the end, ``(core)`` or ``(context)``; an irrelevant verdict says so with the
  matcher's reason instead.

Evidence stored before title_end existed (no ``title_end`` key) still says ``in the title`` from each hit's
``in_title``; the rest is ``in the text``, since where the lede starts is unknown.

Pure: imports only the models, so the store can word the stored evidence of a digest item with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from monitor.models import MatchResult, TermHit

__all__ = ["LEDE_CHARS", "MAX_ACTORS", "MAX_TOPIC_TERMS", "place_of", "why", "why_from_evidence"]

#: Characters after the title that count as the lede. 160 covers the first two sentences of a typical
#: wire lede (e.g. "한미일 3국은 5일 … 경제안보대화를 열고 공급망 조기경보 협력을 점검했다." is ~70).
LEDE_CHARS = 160
#: Actors named at most (e.g. 한미일 in the title, 산업통상부 and 상무부 in the lede).
MAX_ACTORS = 3
#: Topic terms named at most (e.g. 핵심광물 + 공급망 + 수출통제).
MAX_TOPIC_TERMS = 3

Place = Literal["title", "lede", "body", "text"]
#: Reading order of the places in the sentence.
_PLACE_ORDER: tuple[Place, ...] = ("title", "lede", "body", "text")
_PLACE_WORDS: Mapping[Place, str] = {"title": "in the title", "lede": "in the lede", "body": "in the body",
                                     "text": "in the text"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Chosen:
    term: str
    kind: str
    place: Place
    position: int


def why(result: MatchResult) -> str:
    """One line saying what made ``result`` relevant (or what it found, for an irrelevant one)."""
    return _why(result, result.title_end)


def _why(result: MatchResult, title_end: int | None) -> str:
    sentence = _sentence(_choose(result.hits, title_end))
    if result.relevant:
        tier = result.tier or "core"
        if not sentence:  # a relevant verdict always has counted hits; be safe with odd stored rows
            return f"{result.reason} ({tier})"
        standalone = [t for t in result.standalone if t]
        if standalone and not result.actor_ok:
            sentence += f", {_key_unique(standalone)[0]} specific enough alone"
        return f"{sentence} ({tier})"
    if not sentence:
        return f"not relevant: {result.reason}"
    return f"{sentence} (not relevant: {result.reason})"


def why_from_evidence(evidence: Mapping[str, Any] | None) -> str:
    """:func:`why` of a verdict stored as JSON (``matches.evidence``); "" when it cannot be read, so a
    damaged row costs the reason line, never the digest."""
    if not isinstance(evidence, Mapping) or evidence.get("decision") not in ("relevant", "irrelevant"):
        return ""
    try:
        hits = tuple(_term_hit(h) for h in evidence.get("hits") or () if isinstance(h, Mapping))
        relevant = evidence.get("decision") == "relevant"
        result = MatchResult(
            decision="relevant" if relevant else "irrelevant",
            score=float(evidence.get("score") or 0.0), threshold=float(evidence.get("threshold") or 0.0),
            reason=str(evidence.get("reason") or ""), actor_ok=bool(evidence.get("actor_ok", True)),
            actor_mass=0.0, countries=(), topic_mass=0.0, topics=(), hits=hits, dropped=(), exclusions=(),
            standalone=tuple(str(s) for s in evidence.get("standalone") or ()), morphology_used=False,
            truncated=False, config_digest="",
            tier=evidence.get("tier") if evidence.get("tier") in ("core", "context") else None,
        )  # fmt: skip
        title_end = int(evidence["title_end"]) if "title_end" in evidence else None
    except (KeyError, TypeError, ValueError):
        return ""
    return _why(result, title_end)


def _term_hit(h: Mapping[str, Any]) -> TermHit:
    return TermHit(
        term=str(h["term"]), matched=str(h.get("matched") or ""), kind=h["kind"],
        group=str(h.get("group", "")),
        weight=float(h.get("weight") or 0.0), score=float(h.get("score") or 0.0), start=int(h["start"]),
        end=int(h["end"]), in_title=bool(h.get("in_title")), snippet="",
    )  # fmt: skip


def place_of(hit: TermHit, title_end: int | None) -> Place:
    """Where a hit is: the title, the lede, the rest of the body ("text" when title_end is unknown)."""
    if hit.in_title or (title_end is not None and hit.start < title_end):
        return "title"
    if title_end is None:
        return "text"
    # the text starts after the "\n\n" that joins it to the title
    return "lede" if hit.start < title_end + 2 + LEDE_CHARS else "body"


def _choose(hits: Iterable[TermHit], title_end: int | None) -> list[_Chosen]:
    """The strongest few actors and topic terms, each once, at the place of its first occurrence."""
    best: dict[str, tuple[tuple[int, float, int], TermHit]] = {}
    first: dict[str, TermHit] = {}
    for h in hits:
        if h.kind not in ("actor", "topic") or not h.term:
            continue
        key = f"{h.kind}:{_fold(h.term)}"
        rank = (0 if place_of(h, title_end) == "title" else 1, -h.score, h.start)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, h)
        if key not in first or h.start < first[key].start:
            first[key] = h
    chosen: list[_Chosen] = []
    for kind, limit in (("actor", MAX_ACTORS), ("topic", MAX_TOPIC_TERMS)):
        ranked = sorted((v for k, v in best.items() if k.startswith(kind + ":")), key=lambda v: v[0])
        for _, h in ranked[:limit]:
            where = first[f"{kind}:{_fold(h.term)}"]
            chosen.append(_Chosen(h.term, kind, place_of(where, title_end), where.start))
    return chosen


def _sentence(chosen: Sequence[_Chosen]) -> str:
    parts = []
    for place in _PLACE_ORDER:
        here = sorted((c for c in chosen if c.place == place), key=lambda c: c.position)
        if not here:
            continue
        actors = _and([c.term for c in here if c.kind == "actor"])
        topics = _and([c.term for c in here if c.kind == "topic"])
        parts.append(f"{' + '.join(p for p in (actors, topics) if p)} {_PLACE_WORDS[place]}")
    return "; ".join(parts)


def _and(terms: Sequence[str]) -> str:
    """Joined as people write a list: A; A and B; A, B and C."""
    return " and ".join(terms) if len(terms) < 3 else f"{', '.join(terms[:-1])} and {terms[-1]}"


def _fold(term: str) -> str:
    """Spellings that are one term to a reader: case, spaces and middle dots ignored."""
    return term.casefold().replace(" ", "").replace("·", "").replace("・", "")


def _key_unique(terms: Iterable[str]) -> list[str]:
    """``terms`` without folded duplicates, first spelling kept, in order."""
    seen: dict[str, str] = {}
    for t in terms:
        seen.setdefault(_fold(t), t)
    return list(seen.values())
