"""The matcher: an article's title and text → :class:`~monitor.models.MatchResult`, with its evidence.

What counts as relevant
-----------------------
The monitor looks for Korea–US–Japan *economic-security* news. An article is relevant when

* it names an **actor** — the trio (한미일 in any spelling), a pair within it (한미 / 한일 / 미일), or
  people and offices of at least two of the three countries (안덕근 + 러몬도, 산업부 + 美 상무부) — **and**
  enough **topic** evidence (supply chains, chips and batteries, critical minerals, export controls and
  sanctions, technology protection, clean energy, biopharma supply chains, the frameworks and dialogues);
* or its **title** contains a **standalone** term, one specific enough to decide alone (``standalone =
  true`` in the topics file: IPEF, 한미일 산업장관회의, VEU, 칩4 …). In the body a standalone term counts
  as an ordinary topic term: a passing mention in a story about something else decides nothing.

So a 한미 연합훈련 story (actor, no economic topic) is *not* relevant, nor is domestic chip news without a
US/Japan counterpart (topic, no actor), nor 한미반도체 share prices (an exclusion removes the actor and the
topic word together). Tariff news is relevant when it carries the topic terms (반도체 관세, 232조 with
chips or supply chains), not on 관세 alone (the trade topic is ``supporting``).

Tiers (../RELEVANCE.md)
-----------------------
What the rules above accept is **core**. An article that is not core is **context** when one
government acts in it (a named office or official anywhere, or a bare country name in the title; China
counts here, never as half of a core pair) and the evidence of the ``context = true`` topics reaches the
threshold *and names a measure*: a ``measure = true`` term (수출통제, 반도체법, VEU) or a term with one of
the ``[context] measures`` words within ``within`` characters (규제, 지원법, 통과, rules, subsidies …). US
chip rules on China and China's gallium controls are context; "한국 반도체 수출 감소" (no measure) is not.

Two more actors the policy names: **Korean firms** (groups with ``firm = true``) stand for Korea only beside
another country's government actor, so a US decision on Samsung's China fab is core while Samsung's share
price is nothing; and **English**: the same file's English aliases match whole words and their plurals,
and normalisation turns "South Korea, the United States and Japan" into 한미일. An item without a headline
is judged with its first sentence as the headline (:func:`headline_or_first_sentence`).

The score
---------
Every hit has a **weight** (topics file) × 2 in the title (``title_bonus``): the headline states what a
story is about. A term that repeats earns diminishing extra credit: its best occurrence counts in full, and
the repeats together add up to ``repeat_bonus`` (½) more, so a long article that says 반도체 forty times is
not forty times as relevant. A topic's ``raw`` score is the sum over its terms; the **topic mass** T is
the sum over topics (several topics together are stronger evidence than one). Actors add up the same way
into the **actor mass** A; the actor is present when A ≥ ``actor_mass`` and the counted actor hits cover
at least two of kr/us/jp. Body actor hits only count within ``actor_window`` characters of a counted
topic hit, unless the title has a topic hit — an actor mentioned in passing, paragraphs away from the
economic content, is not what the story is about. Bare country names (한국, 美, 일본: actor groups with
``generic = true``) count in the title; in the body they count only beside a named actor (a pair, an
office, an official), and even then they add weight without making their country covered: most
economic news mentions 미국 or 일본 somewhere, and a Japanese policy story that mentions 미국 once is
not US–Japan cooperation.

Relevance ``score = 1 − 2^(−T/topic_mass)``: 0.5 exactly at ``topic_mass``, approaching 1 with more
evidence. With a standalone term in the title T is at least 2 × ``topic_mass`` (score ≥ 0.75). Without an
actor the score is halved, for ranking only: **the decision is "relevant" iff an actor is present and score ≥
threshold** (default 0.5).

What doesn't count (each dropped hit keeps a note, so ``explain`` can show it)
------------------------------------------------------------------------------
* **Exclusions** remove the hits whose span they overlap, and only those: 한미반도체 removes the 한미 and
  the 반도체 inside it, while a separate 반도체 elsewhere in the story still counts.
* **Containment**: of two actor (or two topic) hits where one lies inside the other, only the longer one
  counts (핵심광물 공급망 is not also 공급망).
* **Lists**: a topic spelling joined by a middle dot inside a longer dotted list (산업·안보·경제 협력) is
  an enumeration, not the compound (산업 안보).
* **Proximity**: a term with ``near`` counts only when one of those words (or ``@topic`` / ``@actor`` /
  ``@kr``-style references) is within ``within`` characters; with ``not_near`` it does not count when one
  is. Rules are checked against the hits before any rule applies (no chains).
* **Word boundaries**: English terms never match inside English words (AI in SAID / AIR, BIS in BISTRO) but
  do when glued to Hangul (AI반도체); all-capital terms are case-sensitive. Short Korean terms (two
  syllables or fewer: 한미, 한일, 미일, 수소 …) glued to other Hangul are *ambiguous*: after a particle
  (한미는, 한미간) they count; otherwise morphology decides (한미동맹 yes; 한미약품, 주한미군 no).

Speed
-----
1. One Aho–Corasick pass (a byte DFA, ahocorasick_rs) over the text's UTF-8 bytes finds every term,
   alias, exclusion and proximity cue (spacing and middle-dot variants of multi-word terms are compiled
   in), and also the markers of text that needs more than light cleaning (invisible characters, odd
   dots and dashes, entities, tags): most articles are scanned once, as they came, after a few substring
   tests (:func:`monitor.lang.text.light_clean`); the rest are cleaned in full and scanned again.
2. A **prefilter** (:meth:`Matcher._may_match`) reads those hits: it bounds the topic evidence from above
   and checks that actor spellings of two countries could be there. It is conservative (it never rejects
   an article the full match would accept; a property test holds it to that) and rejects the bulk of the
   news before actor canonicalisation, scoring and evidence. A candidate whose canonical form differs is
   scanned again.
3. **Morphology** (kiwipiepy, loaded on first use) runs only for ambiguous hits, and only when the
   decision depends on them: when the article is relevant counting them but not without them.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick_rs

from monitor.lang import (
    ACTOR_NAMES,
    BOUNDARY_SUFFIXES,
    CLEAN_MARKERS,
    ENGLISH_PLURAL_ENDINGS,
    LATIN_WORD_BYTES,
    canonicalize_actors,
    clean,
    collapse_whitespace,
    detect_language,
    english_inflections,
    is_hangul,
    is_latin_word_char,
    korean,
    light_clean,
    may_form_pairs,
    snippet,
)
from monitor.match.topics import PARTNERS, Term, TopicsConfig, load_topics, short_label
from monitor.models import Article, MatchResult, MatchRow, TermHit, Tier, TopicScore

__all__ = ["MAX_TEXT_CHARS", "Matcher", "load_matcher", "result_from_dict", "result_to_dict"]

#: Articles are cut to this many characters before matching: real articles are far shorter, and a page
#: dump of megabytes must not stall a poll. The result says when it happened.
MAX_TEXT_CHARS = 200_000

_HANGUL_RUN = re.compile(r"[가-힣]{1,4}")
_NON_ACTOR_SCORE_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One compiled spelling of a term, alias, exclusion or proximity cue, and what it tells the
    prefilter. ``term`` is None for a prefilter-only spelling: a topic spelling without its actor words
    (한미일 산업장관회의 → 산업장관회의), since actor spellings are canonical only after the full
    normalisation, which the prefilter does not wait for."""

    key: bytes  # normalised, A–Z lower-cased, as UTF-8: what the automaton holds
    length: int  # in characters
    term: Term | None
    cue: str | None = None  # the near/not_near word this spelling stands for
    case_form: bytes | None = None  # exact-case spelling (UTF-8) for all-capital English terms
    latin_left: bool = False  # needs a non-letter before it (starts with an English letter/digit)
    latin_right: bool = False
    morph: bool = False  # Hangul edges: glued to other Hangul means ambiguous
    # -- for the prefilter
    bound: int = -1  # the topic term whose evidence this spelling bounds (-1: none)
    weight: float = 0.0
    standalone: bool = False
    countries: frozenset[str] = frozenset()
    named: bool = False  # an actor that is not a bare country name
    marker: bool = False  # one of CLEAN_MARKERS: the text needs clean() before its hits count
    #: English endings that may follow the key before the word ends (chips, licensed: monitor.lang's
    #: ENGLISH_INFLECTIONS); empty: the key must end the word.
    endings: tuple[bytes, ...] = ()
    #: May the key end the word by itself? False for a cut stem (licens-ing, batter-ies).
    bare: bool = True
    context: bool = False  # a topic spelling whose evidence can make a context item


@dataclass(slots=True)
class _Hit:
    term: Term
    start: int
    end: int
    ambiguous: bool
    cue: str | None = None
    note: str | None = None
    score: float = 0.0

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def key(self) -> tuple[int, int, int]:
        """Identifies the occurrence across the scoring rounds (before and after morphology)."""
        return (self.start, self.end, id(self.term))


@dataclass(slots=True)
class _Verdict:
    relevant: bool
    score: float
    reason: str
    actor_ok: bool
    actor_mass: float
    countries: tuple[str, ...]
    topic_mass: float
    topics: list[TopicScore]
    counted: list[_Hit]
    dropped: list[_Hit]
    exclusions: list[_Hit]
    standalone: list[str]
    ambiguous: list[_Hit] = field(default_factory=list)
    tier: Tier | None = None


Found = list[tuple[_Pattern, int, int]]  # pattern, start, end (characters)
ByteFound = list[tuple[int, _Pattern]]  # start (bytes), pattern
Morph = Mapping[tuple[int, int, int], bool | None]


class Matcher:
    """A topics config compiled for matching. Build once (tens of ms), use for every article; safe to
    share between threads (matching only reads it)."""

    def __init__(self, config: TopicsConfig, *, threshold: float | None = None, morphology: bool = True):
        self.config = config
        self.scoring = s = config.scoring
        self.threshold = s.threshold if threshold is None else threshold
        self.morphology = morphology
        self._labels = {t.id: t.label for t in config.topics}
        self._automaton, self._by_index = _build_automaton([*_patterns(config), *_marker_patterns()])
        #: the topic evidence at which the score reaches the threshold (what the prefilter checks for)
        self._needed = s.topic_mass * math.log2(1 / (1 - min(self.threshold, 0.999999)))
        self._quick = {cut: self._build_quick_irrelevant(cut) for cut in (False, True)}

    # -- public -------------------------------------------------------------------------------------

    def match(
        self, title: str | None, text: str | None, *, full: bool = False, language: str | None = None
    ) -> MatchResult:
        """Score one article. ``full`` skips the prefilter so that an explanation lists every hit, even
        for an article the prefilter rejects (the decision is the same either way). ``language`` is the
        article's ("ko" / "en", as its feed declares it); None: read from the text when it matters."""
        title, text, raw, found, truncated = self._prepared(title, text)
        title_bytes = len(title.encode("utf-8"))
        lede_bytes = title_bytes + 2 + len(text[: lede_length(text, self.scoring.lede_chars)].encode("utf-8"))
        if not full and not self._may_match(found, title_bytes, lede_bytes, title, text):
            return self._quick_irrelevant(truncated)
        light = f"{title}\n\n{text}"
        # The prefilter read the text with only runs of spaces collapsed; the evidence is in the final
        # form, with the actors' spellings made canonical. Scan again only if that changed anything.
        canonical_title = canonicalize_actors(collapse_whitespace(title))
        combined = f"{canonical_title}\n\n{canonicalize_actors(collapse_whitespace(text))}"
        if combined != light:
            raw = combined.encode("utf-8")
            found, _ = self._scan(raw)
        title_end = len(canonical_title)
        body = combined[title_end + 2 :]
        zones = (title_end, title_end + 2 + lede_length(body, self.scoring.lede_chars))
        hits = _hits(_char_offsets(found, raw), combined)
        hits = _english_names_in_english(hits, language, combined)
        verdict = self._decide(zones, hits, morph={})
        morphology_used = False
        if verdict.relevant and verdict.ambiguous:
            verdict, morphology_used = self._settle_ambiguous(combined, zones, hits, verdict)
        return self._result(verdict, combined, title_end, truncated, morphology_used)

    def is_candidate(self, title: str | None, text: str | None) -> bool:
        """Whether the prefilter lets an article through to the full match (benchmarks, diagnostics)."""
        title, text, _, found, _ = self._prepared(title, text)
        title_bytes = len(title.encode("utf-8"))
        lede_bytes = title_bytes + 2 + len(text[: lede_length(text, self.scoring.lede_chars)].encode("utf-8"))
        return self._may_match(found, title_bytes, lede_bytes, title, text)

    def match_article(self, article: Article) -> MatchResult:
        """An article as stored: its page text, or the feed summary when there is no page text."""
        return self.match(article.title, article.text or article.summary, language=article.language)

    # -- finding -----------------------------------------------------------------------------------

    def _prepare(self, title: str | None, text: str | None) -> tuple[str, str, bytes, ByteFound, bool]:
        """Title and text capped and cleaned as far as finding terms needs (``clean``, then
        :func:`~monitor.lang.text.collapse_spaces`: ``collapse_whitespace`` of them is the final form), their
        UTF-8 form ``title\\n\\ntext`` and its hits, and whether the cap cut something.

        Most articles need only :func:`~monitor.lang.text.light_clean` (a few substring tests). Whether that
        was enough the automaton tells in the same pass that finds the terms, since it also holds the
        :data:`~monitor.lang.text.CLEAN_MARKERS`; only a title or text with one of them (or with a character
        that NFKC would turn into another) is cleaned in full and the whole scanned again."""
        title, title_cut = _cap(title or "")
        text, text_cut = _cap(text or "")
        clean_title, title_light = light_clean(title)
        clean_text, text_light = light_clean(text)
        if not title_light:
            clean_title = collapse_whitespace(clean(title))
        if not text_light:
            clean_text = collapse_whitespace(clean(text))
        raw = f"{clean_title}\n\n{clean_text}".encode()
        found, marks = self._scan(raw)
        if marks:  # light cleaning was not enough where a marker is: clean that part in full
            title_bytes = len(clean_title.encode("utf-8"))
            redo = False
            if title_light and any(m < title_bytes for m in marks):
                clean_title, redo = collapse_whitespace(clean(title)), True
            if text_light and any(m >= title_bytes for m in marks):
                clean_text, redo = collapse_whitespace(clean(text)), True
            if redo:
                raw = f"{clean_title}\n\n{clean_text}".encode()
                found, _ = self._scan(raw)
        return clean_title, clean_text, raw, found, title_cut or text_cut

    def _prepared(self, title: str | None, text: str | None) -> tuple[str, str, bytes, ByteFound, bool]:
        """:meth:`_prepare`, and an item without a headline (after cleaning: a title of invisible
        characters is none either) given its first sentence as one, scanned again."""
        title, text, raw, found, truncated = self._prepare(title, text)
        if not title.strip() and text.strip():
            headline, rest = headline_or_first_sentence(title, text)
            title, text = headline or "", rest or ""
            raw = f"{title}\n\n{text}".encode()
            found, _ = self._scan(raw)
        return title, text, raw, found, truncated

    def _scan(self, raw: bytes) -> tuple[ByteFound, list[int]]:
        """Every spelling in the UTF-8 text ``raw``, by one Aho–Corasick pass, with English word
        boundaries and the case of all-capital terms checked; offsets in bytes. Also the starts of the
        :data:`~monitor.lang.text.CLEAN_MARKERS` found, which are not hits.

        Bytes rather than characters, through a DFA (ahocorasick_rs): a DFA state is one table lookup
        per byte whatever the number of patterns, and bytes need no conversion to character offsets,
        which only the few candidates that reach scoring pay for (:func:`_char_offsets`). This pass is
        most of what a non-candidate article costs."""
        folded = raw.lower()  # bytes.lower folds A-Z only, as fold_case does
        n = len(folded)
        by_index = self._by_index
        found: ByteFound = []
        marks: list[int] = []
        for index, start, end in self._automaton.find_matches_as_indexes(folded, overlapping=True):
            for p in by_index[index]:
                if p.marker:
                    marks.append(start)
                    continue
                if p.latin_left and start > 0 and folded[start - 1] in LATIN_WORD_BYTES:
                    continue
                if (
                    p.latin_right
                    and ((end < n and folded[end] in LATIN_WORD_BYTES) or not p.bare)
                    and not _ends_word_with(folded, end, n, p.endings)
                ):
                    continue
                if p.case_form is not None and raw[start:end] != p.case_form:
                    continue
                found.append((start, p))
        return found, marks

    def _may_match(self, found: ByteFound, title_end: int, lede_end: int, title: str, text: str) -> bool:
        """The prefilter: could this article be relevant at all? Conservative: it says no only when the
        full match would say irrelevant too, so the bulk of the news skips the rest.

        * Can the topic evidence reach the threshold? Every occurrence counts its term's full weight,
          with the title bonus and repeats as :meth:`_score` counts them; exclusions, containment,
          proximity and morphology, which can only lower the evidence, are ignored. A standalone term in
          the title or the lede passes at once.
        * Could the actor spellings cover two countries, with a named actor or a title country among
          them? Spellings only canonicalisation reveals (한·미, 한국과 미국이) count as possible pairs
          (:func:`monitor.lang.text.may_form_pairs`).
        * Or, for a context item, could the context topics alone reach the threshold with one named
          actor or a title country?"""
        terms: dict[int, list[Any]] = {}  # term index -> [weight, count, in title, context]
        countries: set[str] = set()
        named = title_country = False
        for start, p in found:
            in_title = start < title_end
            if p.bound >= 0:
                if p.standalone and start < lede_end:
                    return True
                entry = terms.setdefault(p.bound, [p.weight, 0, False, p.context])
                entry[1] += 1
                entry[2] = entry[2] or in_title
            elif p.countries:
                countries |= p.countries
                named = named or p.named
                title_country = title_country or in_title
        s = self.scoring

        def evidence(weight: float, count: int, in_title: bool) -> float:
            return (
                weight
                * (s.title_bonus if in_title else 1.0)
                * (1 + s.repeat_bonus * (1 - 0.5 ** (count - 1)))
            )

        bound = sum(evidence(w, c, t) for w, c, t, _ in terms.values())
        if bound < self._needed:
            return False
        if len(countries) >= 2 and (named or title_country):
            return True
        context_bound = sum(evidence(w, c, t) for w, c, t, ctx in terms.values() if ctx)
        if countries and (named or title_country) and context_bound >= self._needed:
            return True
        return may_form_pairs(title) or may_form_pairs(text)

    def _quick_irrelevant(self, truncated: bool) -> MatchResult:
        """The prefilter's verdict. Most of the news ends here, and the result is frozen and the same for
        every such article, so it is built once (per ``truncated``), not once an article."""
        return self._quick[truncated]

    def _build_quick_irrelevant(self, truncated: bool) -> MatchResult:
        return MatchResult(
            decision="irrelevant", score=0.0, threshold=self.threshold,
            reason="too little topic or actor evidence (prefilter)", actor_ok=False, actor_mass=0.0,
            countries=(), topic_mass=0.0, topics=(), hits=(), dropped=(), exclusions=(), standalone=(),
            morphology_used=False, truncated=truncated, config_digest=self.config.digest,
        )  # fmt: skip

    # -- deciding ----------------------------------------------------------------------------------

    def _settle_ambiguous(
        self, text: str, zones: tuple[int, int], hits: list[_Hit], upper: _Verdict
    ) -> tuple[_Verdict, bool]:
        """Counting the ambiguous hits makes the article relevant. If it is relevant without them too,
        in the same tier, morphology cannot change the answer: drop them unchecked. Otherwise kiwipiepy
        decides."""
        lower = self._decide(zones, hits, morph={h.key: None for h in upper.ambiguous})
        if (lower.relevant and lower.tier == upper.tier) or not self.morphology:
            return lower, False
        morph = {h.key: korean.aligned(text, h.start, h.end) for h in upper.ambiguous}
        return self._decide(zones, hits, morph=morph), True

    def _decide(self, zones: tuple[int, int], hits: list[_Hit], morph: Morph) -> _Verdict:
        """The verdict from the hits; ``zones`` is where the title and the lede end."""
        title_end, _ = zones
        for h in hits:  # the same hits are decided again after morphology
            h.note, h.score = None, 0.0
        exclusions = [h for h in hits if h.term.kind == "exclusion"]
        cues = [h for h in hits if h.term.kind == "cue"]
        live = [h for h in hits if h.term.kind in ("actor", "topic")]
        dropped: list[_Hit] = []
        live = _drop_excluded(live, exclusions, dropped)
        live = _drop_unaligned(live, morph, dropped)
        live = _drop_contained(live, dropped)
        live = _apply_proximity(live, cues, dropped)
        topic_hits = _supporting_beside_others([h for h in live if h.term.kind == "topic"], dropped)
        measured = self._measured(topic_hits, cues)
        actor_hits = [h for h in live if h.term.kind == "actor"]
        actor_hits = _actors_near_topics(
            actor_hits, topic_hits, title_end, self.scoring.actor_window, dropped
        )
        actor_hits = _supported_country_names(actor_hits, title_end, dropped)
        actor_hits = _firms_beside_foreign_government(actor_hits, title_end, bool(measured), dropped)
        counted = sorted(topic_hits + actor_hits, key=lambda h: (h.start, h.end))
        return self._score(counted, dropped, exclusions, zones, morph, measured)

    def _measured(self, topic_hits: list[_Hit], cues: list[_Hit]) -> set[int]:
        """The context-topic hits that name a measure: a measure term, or a measure word beside them."""
        rule = self.config.context
        words = set(rule.measures)
        marks = [c for c in cues if c.cue in words]
        return {
            id(h)
            for h in topic_hits
            if h.term.context
            and (h.term.measure or any(max(c.start - h.end, h.start - c.end) <= rule.within for c in marks))
        }

    def _score(
        self,
        counted: list[_Hit],
        dropped: list[_Hit],
        exclusions: list[_Hit],
        zones: tuple[int, int],
        morph: Morph,
        measured: set[int] | frozenset[int] = frozenset(),
    ) -> _Verdict:
        s = self.scoring
        title_end, lede_end = zones
        by_term: dict[int, list[_Hit]] = defaultdict(list)
        for h in counted:
            by_term[id(h.term)].append(h)
        topic_raw: dict[str, float] = defaultdict(float)
        topic_terms: dict[str, list[str]] = defaultdict(list)
        context_mass = 0.0
        actor_mass = 0.0
        countries: set[str] = set()
        #: countries acting in the article: a named actor anywhere, a bare name in the title
        acting: set[str] = set()
        measure_named = False
        for group in by_term.values():
            best = max(group, key=lambda h: (h.start < title_end, -h.start))
            measure_named = measure_named or any(id(h) in measured for h in group)
            factor = s.title_bonus if best.start < title_end else 1.0
            repeats = 1 + s.repeat_bonus * (1 - 0.5 ** (len(group) - 1))
            best.score = round(best.term.weight * factor * repeats, 4)
            if best.term.kind == "topic":
                topic_raw[best.term.group] += best.score
                topic_terms[best.term.group].append(best.term.term)
                if best.term.context:
                    context_mass += best.score
            else:
                if not best.term.generic or best.start < title_end:
                    acting.update(best.term.countries)
                    if set(best.term.countries) <= set(PARTNERS):
                        countries.update(best.term.countries)
                        actor_mass += best.score
                    continue
                if set(best.term.countries) <= set(PARTNERS):
                    actor_mass += best.score
        standalone = sorted({h.term.term for h in counted if h.term.standalone and h.start < lede_end})
        topic_mass = sum(topic_raw.values())
        actor_ok = bool(standalone) or (actor_mass >= s.actor_mass and len(countries) >= 2)
        effective = max(topic_mass, 2 * s.topic_mass) if standalone else topic_mass
        score = 1 - 2 ** (-effective / s.topic_mass)
        tier: Tier | None = None
        if actor_ok and score >= self.threshold:
            tier = "core"
        elif acting and measure_named and 1 - 2 ** (-context_mass / s.topic_mass) >= self.threshold:
            # One actor's measure on the agenda (US chip rules, China's gallium controls): context.
            tier = "context"
            score = 1 - 2 ** (-context_mass / s.topic_mass)
        if tier is None and not actor_ok:
            score *= _NON_ACTOR_SCORE_FACTOR
        relevant = tier is not None
        topics = sorted(
            (
                TopicScore(t, self._labels[t], round(raw, 4), round(1 - 2 ** (-raw / s.topic_mass), 4),
                           tuple(topic_terms[t]))
                for t, raw in topic_raw.items()
            ),
            key=lambda ts: (-ts.raw, ts.topic),
        )  # fmt: skip
        ambiguous = [h for h in counted if h.ambiguous and h.key not in morph]
        reason = self._reason(
            relevant, standalone, actor_ok, actor_mass, countries, topic_mass, topics, score, tier, acting
        )
        return _Verdict(
            relevant, round(score, 4), reason, actor_ok, round(actor_mass, 4),
            tuple(c for c in PARTNERS if c in countries), round(topic_mass, 4), topics, counted,
            dropped, exclusions, standalone, ambiguous, tier,
        )  # fmt: skip

    def _reason(
        self,
        relevant: bool,
        standalone: list[str],
        actor_ok: bool,
        actor_mass: float,
        countries: set[str],
        topic_mass: float,
        topics: list[TopicScore],
        score: float,
        tier: Tier | None = None,
        acting: set[str] | None = None,
    ) -> str:
        s = self.scoring
        # Topic labels as a person reads them (공급망 회복력 2.00), never the ids of the file.
        topic_part = ", ".join(f"{self._short_label(t.topic)} {t.raw:.2f}" for t in topics[:3]) or "none"
        if tier == "context":
            return (
                f"context: one actor ({'+'.join(sorted(acting or ()))}) with context-topic evidence → score "
                f"{score:.2f} ≥ threshold {self.threshold:g}; topics: {topic_part}"
            )
        if standalone:
            return (
                f"standalone term {', '.join(repr(t) for t in standalone)} in the title"
                f"{' or lede' if s.lede_chars else ''}; "
                f"topics: {topic_part}"
            )
        if not topics:
            return "no topic term counted"
        if not actor_ok:
            covered = "+".join(sorted(countries)) or "none"
            return (
                f"no actor (countries {covered}, actor evidence {actor_mass:.2f}; needs "
                f"{s.actor_mass:g} from two of kr/us/jp); topics: {topic_part}"
            )
        verdict = "≥" if relevant else "<"
        return (
            f"actor {'+'.join(sorted(countries))} ({actor_mass:.2f}); topics {topic_mass:.2f} → score "
            f"{score:.2f} {verdict} threshold {self.threshold:g}; topics: {topic_part}"
        )

    def _short_label(self, topic: str) -> str:
        return short_label(self._labels.get(topic, topic))

    def _result(
        self, v: _Verdict, text: str, title_end: int, truncated: bool, morphology_used: bool
    ) -> MatchResult:
        def evidence(hits: Iterable[_Hit]) -> tuple[TermHit, ...]:
            return tuple(_term_hit(h, text, title_end) for h in sorted(hits, key=lambda h: (h.start, h.end)))

        return MatchResult(
            decision="relevant" if v.relevant else "irrelevant", score=v.score, threshold=self.threshold,
            reason=v.reason, actor_ok=v.actor_ok, actor_mass=v.actor_mass, countries=v.countries,
            topic_mass=v.topic_mass, topics=tuple(v.topics), hits=evidence(v.counted),
            dropped=evidence(v.dropped), exclusions=evidence(v.exclusions), standalone=tuple(v.standalone),
            morphology_used=morphology_used, truncated=truncated, config_digest=self.config.digest,
            tier=v.tier, title_end=title_end,
        )  # fmt: skip


def load_matcher(path: str | Path, *, threshold: float | None = None, morphology: bool = True) -> Matcher:
    """Load a topics file and compile it (raises ConfigError listing every problem in the file)."""
    return Matcher(load_topics(path), threshold=threshold, morphology=morphology)


def result_to_dict(result: MatchResult) -> dict[str, Any]:
    """The evidence as plain JSON-ready data (what the store keeps with a match)."""
    return asdict(result)


def verdict_row(result: MatchResult) -> MatchRow:
    """A verdict as the store keeps it, with its evidence as JSON: what polls and `rematch` store."""
    return MatchRow(
        decision=result.decision, relevant=result.relevant, score=result.score,
        threshold=result.threshold, topics=tuple(result.top_topics), reason=result.reason,
        evidence_json=json.dumps(result_to_dict(result), ensure_ascii=False, default=str),
        config_digest=result.config_digest, tier=result.tier,
    )  # fmt: skip


def result_from_dict(data: Mapping[str, Any]) -> MatchResult:
    """Inverse of :func:`result_to_dict`, for digests and backtests reading stored evidence."""

    def hits(key: str) -> tuple[TermHit, ...]:
        return tuple(TermHit(**h) for h in data[key])

    fields = dict(data)
    fields.update(
        topics=tuple(TopicScore(**{**t, "terms": tuple(t["terms"])}) for t in data["topics"]),
        hits=hits("hits"), dropped=hits("dropped"), exclusions=hits("exclusions"),
        countries=tuple(data["countries"]), standalone=tuple(data["standalone"]),
    )  # fmt: skip
    return MatchResult(**fields)


# --------------------------------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------------------------------


def _patterns(config: TopicsConfig) -> list[_Pattern]:
    """Every spelling the automaton must find: terms and aliases in their spacing variants (with what
    each tells the prefilter), the actor-free spellings of topic terms that contain actor words, and
    each literal near/not_near word (as a "cue" pseudo-term)."""
    out: list[_Pattern] = []
    topic_index = {id(t): i for i, t in enumerate(t for topic in config.topics for t in topic.terms)}
    cue_words: set[str] = set()
    for term in config.all_terms():
        for spelling in (term.term, *term.aliases):
            norm = _canonical_term(spelling)
            if term.kind != "topic":
                out.extend(_spelling_patterns(norm, term))
                continue
            index = topic_index[id(term)]
            rest = _without_actor_names(norm)
            out.extend(_spelling_patterns(norm, term, bound=index if rest == norm else -1))
            if rest != norm:
                out.extend(
                    _spelling_patterns(
                        rest, None, bound=index, weight=term.weight, standalone=term.standalone
                    )
                )
        cue_words.update(w for w in (*term.near, *term.not_near) if not w.startswith("@"))
    cue_words.update(config.context.measures)
    for word in sorted(cue_words):
        cue = Term(term=word, key=word, aliases=(), kind="cue", group="cue", weight=1.0)
        out.extend(_spelling_patterns(_canonical_term(word), cue, cue=word))
    return out


def _marker_patterns() -> list[_Pattern]:
    return [_Pattern(key=_as_bytes(m), length=len(m), term=None, marker=True) for m in CLEAN_MARKERS]


def _spelling_patterns(
    norm: str,
    term: Term | None,
    *,
    cue: str | None = None,
    bound: int = -1,
    weight: float = 0.0,
    standalone: bool = False,
) -> list[_Pattern]:
    """The patterns for one normalised spelling, in its spacing variants. ``term`` None makes them
    prefilter-only (``bound``, ``weight`` and ``standalone`` say what they bound)."""
    case_sensitive = norm.isascii() and any(c.isalpha() for c in norm) and norm == norm.upper()
    hangul = sum(1 for c in norm if is_hangul(c))
    boundary = term.boundary if term else "auto"
    morph = boundary == "morph" or (boundary == "auto" and 0 < hangul <= 2)
    word = boundary == "word"
    if term is not None and bound >= 0:
        weight, standalone = term.weight, term.standalone
    countries = frozenset(term.countries) if term is not None and term.kind == "actor" else frozenset()
    patterns = []
    for variant in _spacing_variants(norm):
        for spelling, endings, bare in _english_forms(variant, case_sensitive):
            patterns.append(
                _Pattern(
                    key=_as_bytes(spelling),
                    length=len(spelling),
                    term=term,
                    cue=cue,
                    case_form=spelling.encode("utf-8") if case_sensitive else None,
                    latin_left=word or is_latin_word_char(spelling[0]),
                    latin_right=word or is_latin_word_char(spelling[-1]),
                    endings=endings,
                    bare=bare,
                    context=term is not None and term.context,
                    morph=morph or (word and (is_hangul(spelling[0]) or is_hangul(spelling[-1]))),
                    bound=bound,
                    weight=weight,
                    standalone=standalone,
                    countries=countries,
                    named=bool(countries) and term is not None and not term.generic,
                )
            )
    return patterns


def _english_forms(variant: str, case_sensitive: bool) -> list[tuple[str, tuple[bytes, ...], bool]]:
    """The spellings of one variant with the endings allowed after each (see :func:`_ends_word_with`).

    A variant ending in a lower-case English word gets monitor.lang's inflections (licensed, licensing,
    batteries, banned); an all-capital one (an acronym: BIS, VEU) only its plurals; anything else (Korean,
    digits) none: Korean words take particles, which the matcher handles apart.
    """
    last = variant.rsplit(" ", 1)[-1].rsplit("-", 1)[-1]
    if not (last.isascii() and last.isalpha()):
        return [(variant, (), True)]
    if case_sensitive or not last.islower():
        return [(variant, _PLURAL_ENDINGS, True)]
    head = variant[: len(variant) - len(last)]
    return [
        (head + stem, tuple(e.encode() for e in endings), bare)
        for stem, endings, bare in english_inflections(last)
    ]


def _as_bytes(text: str) -> bytes:
    """UTF-8 bytes with A–Z lower-cased (bytes.lower touches ASCII only, as the scan folds text)."""
    return text.encode("utf-8").lower()


def _canonical_term(spelling: str) -> str:
    """A spelling from the topics file, normalised exactly as article text is."""
    return canonicalize_actors(collapse_whitespace(clean(spelling)))


def _without_actor_names(norm: str) -> str:
    """A topic spelling without its actor words (한미일 산업 장관 회의 → 산업 장관 회의): only actor
    spellings change in canonicalisation, which the prefilter skips."""
    words = [w for w in (_strip_actor_prefix(w) for w in norm.split(" ")) if w]
    return " ".join(words) if words else norm


def _strip_actor_prefix(word: str) -> str:
    for name in ACTOR_NAMES:  # longest first: 한미일 before 한미
        if word.startswith(name):
            return word[len(name) :]
    return word


def _spacing_variants(norm: str) -> list[str]:
    """A multi-word term in every spacing Korean writers use: 공급망 산업대화 / 공급망·산업 대화 /
    공급망산업대화 … (each gap as nothing, a space or a middle dot; past three gaps only as nothing or a
    space, which still gives 재외공관 조기경보시스템 for 재외 공관 조기 경보 시스템, and no more than 64)."""
    parts = re.split(r"[ ·]", norm)
    if len(parts) == 1:
        return [norm]
    gaps = len(parts) - 1
    if gaps > 6:
        return sorted({norm, "".join(parts), " ".join(parts)})
    if (
        norm.isascii()
    ):  # English: spaced or hyphenated (export-control rules), two words also glued (whitelist)
        return sorted({" ".join(parts), "-".join(parts), *(["".join(parts)] if gaps == 1 else [])})
    variants = {norm}
    for seps in itertools.product(("", " ", "·") if gaps <= 3 else ("", " "), repeat=gaps):
        variants.add(parts[0] + "".join(s + p for s, p in zip(seps, parts[1:], strict=True)))
    return sorted(variants)


def _build_automaton(
    patterns: Iterable[_Pattern],
) -> tuple[ahocorasick_rs.BytesAhoCorasick, list[tuple[_Pattern, ...]]]:
    """The automaton over the distinct keys, and for each key's index the tuple of every pattern with
    that key (a word can be a term and a proximity cue at once)."""
    by_key: dict[bytes, list[_Pattern]] = defaultdict(list)
    for p in patterns:
        by_key[p.key].append(p)
    keys = list(by_key)
    automaton = ahocorasick_rs.BytesAhoCorasick(
        keys, matchkind=ahocorasick_rs.MatchKind.Standard, implementation=ahocorasick_rs.Implementation.DFA
    )
    return automaton, [tuple(by_key[k]) for k in keys]


#: The plural endings after which an English acronym still ends a word (BISs is rare, VEUs is not).
_PLURAL_ENDINGS = tuple(e.encode() for e in ENGLISH_PLURAL_ENDINGS)


def _ends_word_with(folded: bytes, end: int, n: int, endings: tuple[bytes, ...]) -> bool:
    """Whether the key that ends at ``end`` is followed by one of ``endings`` and then a word end."""
    for ending in endings:
        stop = end + len(ending)
        if folded.startswith(ending, end) and (stop >= n or folded[stop] not in LATIN_WORD_BYTES):
            return True
    return False


def _char_offsets(found: ByteFound, raw: bytes) -> Found:
    """(pattern, start, end) in characters, from byte offsets into ``raw``: one left-to-right walk that
    decodes only the stretches between hits. A key starts with a whole UTF-8 sequence, so a hit never
    starts inside a character."""
    out: Found = []
    byte_pos = char_pos = 0
    for start, p in sorted(found, key=lambda bp: bp[0]):
        if start != byte_pos:
            char_pos += len(raw[byte_pos:start].decode("utf-8"))
            byte_pos = start
        out.append((p, char_pos, char_pos + p.length))
    return out


def _hits(found: Found, text: str) -> list[_Hit]:
    """Hits for the scoring rounds, ambiguity marked (one per term and span: spacing variants of a term
    can find the same span twice)."""
    hits: list[_Hit] = []
    seen: set[tuple[int, int, int]] = set()
    for p, start, end in found:
        if p.term is None or (key := (start, end, id(p.term))) in seen:
            continue
        seen.add(key)
        if p.term.kind == "topic" and _inside_longer_list(text, start, end):
            continue
        ambiguous = p.morph and (_glued_left(text, start) or _glued_right(text, end))
        hits.append(_Hit(p.term, start, end, ambiguous, p.cue))
    return hits


def _inside_longer_list(text: str, start: int, end: int) -> bool:
    """A topic spelling joined by a middle dot that is part of a longer dotted list (산업·안보·경제 협력:
    industry, security and economy) is an enumeration, not the compound 산업 안보."""
    if "·" not in text[start:end]:
        return False
    return (end < len(text) and text[end] == "·") or (start > 0 and text[start - 1] == "·")


# --------------------------------------------------------------------------------------------------
# Matching steps (pure functions over hits)
# --------------------------------------------------------------------------------------------------


def _cap(text: str) -> tuple[str, bool]:
    return (text[:MAX_TEXT_CHARS], True) if len(text) > MAX_TEXT_CHARS else (text, False)


def _glued_left(text: str, start: int) -> bool:
    return start > 0 and is_hangul(text[start - 1])


def _glued_right(text: str, end: int) -> bool:
    """Glued to following Hangul that is not just a particle (한미는 is fine, 한미약품 is not)."""
    if end >= len(text) or not is_hangul(text[end]):
        return False
    run = _HANGUL_RUN.match(text, end)
    assert run is not None
    # What may follow without making it ambiguous: a particle or a bound noun that only attaches to a
    # complete word (미국산, 한미간), the "boundary" role of monitor/lang/data/particles.tsv.
    return run.group() not in BOUNDARY_SUFFIXES or (run.end() < len(text) and is_hangul(text[run.end()]))


def _overlaps(a: _Hit, b: _Hit) -> bool:
    return a.start < b.end and b.start < a.end


def _drop_excluded(live: list[_Hit], exclusions: list[_Hit], dropped: list[_Hit]) -> list[_Hit]:
    if not exclusions:
        return live
    kept = []
    for h in live:
        cover = next((x for x in exclusions if _overlaps(h, x)), None)
        if cover is None:
            kept.append(h)
        else:
            h.note = f"excluded by {cover.term.term!r} ({cover.term.group})"
            dropped.append(h)
    return kept


def _drop_unaligned(
    live: list[_Hit], morph: Mapping[tuple[int, int, int], bool | None], dropped: list[_Hit]
) -> list[_Hit]:
    """Ambiguous hits that morphology rejected (False) or that were left unchecked (None) because the
    article is relevant without them."""
    kept = []
    for h in live:
        verdict = morph.get(h.key, True) if h.ambiguous else True
        if verdict:
            kept.append(h)
            continue
        h.note = (
            "morphology: not a word of its own here"
            if verdict is False
            else "glued to other Hangul; not checked (the decision does not depend on it)"
        )
        dropped.append(h)
    return kept


def _drop_contained(live: list[_Hit], dropped: list[_Hit]) -> list[_Hit]:
    """Per kind, drop hits lying inside a longer hit (sweep over hits sorted by start, longest first)."""
    kept = []
    for kind in ("actor", "topic"):
        container: _Hit | None = None
        for h in sorted((h for h in live if h.term.kind == kind), key=lambda h: (h.start, -h.end)):
            if container is not None and h.end <= container.end and h.length < container.length:
                h.note = f"part of {container.term.term!r}"
                dropped.append(h)
                continue
            if container is None or h.end > container.end:
                container = h
            kept.append(h)
    return kept


def _apply_proximity(live: list[_Hit], cues: list[_Hit], dropped: list[_Hit]) -> list[_Hit]:
    if not any(h.term.near or h.term.not_near for h in live):
        return live
    index = _CueIndex(live, cues)
    kept = []
    for h in live:
        t = h.term
        if t.near and not any(index.near(ref, h, t.within) for ref in t.near):
            h.note = f"needs {' / '.join(t.near)} within {t.within} chars"
        elif t.not_near and (blocker := next((r for r in t.not_near if index.near(r, h, t.within)), None)):
            h.note = f"{blocker} within {t.within} chars"
        if h.note:
            dropped.append(h)
        else:
            kept.append(h)
    return kept


class _CueIndex:
    """Positions that near/not_near rules refer to: literal cue words, @topic, @actor and @kr/@us/@jp."""

    def __init__(self, live: list[_Hit], cues: list[_Hit]) -> None:
        self.spans: dict[str, list[_Hit]] = defaultdict(list)
        for c in cues:
            self.spans[c.cue or ""].append(c)
        for h in live:
            if h.term.kind == "topic":
                self.spans[f"@{h.term.group}"].append(h)
            else:
                self.spans["@actor"].append(h)
                for country in h.term.countries:
                    self.spans[f"@{country}"].append(h)

    def near(self, ref: str, hit: _Hit, within: int) -> bool:
        return any(
            c is not hit and max(c.start - hit.end, hit.start - c.end) <= within
            for c in self.spans.get(ref, ())
        )


def _actors_near_topics(
    actors: list[_Hit], topics: list[_Hit], title_end: int, window: int, dropped: list[_Hit]
) -> list[_Hit]:
    """Actor hits that count: all when the title has a topic hit, else those in the title or within
    ``window`` characters of a topic hit."""
    if any(t.start < title_end for t in topics):
        return actors
    starts = sorted(t.start for t in topics)
    kept = []
    for a in actors:
        if a.start < title_end or _distance_to_nearest(starts, a.start) <= window:
            kept.append(a)
        else:
            a.note = f"no topic term within {window} chars"
            dropped.append(a)
    return kept


def _supported_country_names(actors: list[_Hit], title_end: int, dropped: list[_Hit]) -> list[_Hit]:
    """Bare country names count in the title, but in the body only beside a named actor (a pair, an office,
    an official): 미국 and 일본 turn up in most economic news, so on their own in the body they say
    nothing. (Beside one they add weight, but :meth:`Matcher._score` does not let them cover a country.)"""
    if any(not a.term.generic for a in actors):
        return actors
    kept = []
    for a in actors:
        if a.start < title_end:
            kept.append(a)
        else:
            a.note = "country name in the body, with no named actor to support"
            dropped.append(a)
    return kept


def _english_names_in_english(hits: list[_Hit], language: str | None, text: str) -> list[_Hit]:
    """English bare country names (Korea, US, Japan) name a country in English-language articles. In a
    Korean article they are parts of names (Korea Herald, Japan Display, US오픈): Korean news names the
    countries in Korean, so there they are not counted (and not shown: they are not evidence)."""
    english_names = [
        h for h in hits if h.term.generic and h.term.kind == "actor" and text[h.start : h.end].isascii()
    ]
    if not english_names:
        return hits
    if (language or detect_language(text)) != "ko":
        return hits
    drop = {id(h) for h in english_names}
    return [h for h in hits if id(h) not in drop]


def _supporting_beside_others(topics: list[_Hit], dropped: list[_Hit]) -> list[_Hit]:
    """Terms of a supporting topic (tariffs, shipbuilding deals) count only beside another topic's term:
    a tariff story is on the agenda when it is about chips or supply chains, not on 관세 alone."""
    if not topics or any(not h.term.supporting for h in topics):
        return topics
    for h in topics:
        h.note = "a supporting topic: counts only beside another topic's term"
        dropped.append(h)
    return []


def _firms_beside_foreign_government(
    actors: list[_Hit], title_end: int, measure: bool, dropped: list[_Hit]
) -> list[_Hit]:
    """A company stands for its country only when another country's government acts in the article: a
    named office or official, or a bare country name in the title when a measure is named (美, 삼성·SK
    中공장 수출통제 유예; "U.S. curbs on Samsung"). A US decision on Samsung's fab is Korea's business;
    Samsung's share price or its own plant in Texas (美 텍사스 공장, no measure) is not."""
    firms = [a for a in actors if a.term.firm]
    if not firms:
        return actors
    governments = {
        c
        for a in actors
        if not a.term.firm and (not a.term.generic or (measure and a.start < title_end))
        for c in a.term.countries
    }
    kept = []
    for a in actors:
        if a.term.firm and not governments - set(a.term.countries):
            a.note = "a company counts for its country only beside another government's measure"
            dropped.append(a)
        else:
            kept.append(a)
    return kept


#: Where a sentence ends: a full stop, question or exclamation mark before a space or the end (Korean
#: sentences end in 다. / 요. and English ones in a plain full stop, so one rule serves both), but not
#: the full stop of an initial (U.S., S. Korea).
_SENTENCE_END = re.compile(r"(?<![A-Z])[.!?。](?=\s|$)")


def lede_length(text: str, limit: int) -> int:
    """How many characters of ``text`` (the body after the title) are its lede: the first sentence, at
    most ``limit`` characters (0: no lede)."""
    if limit <= 0 or not text:
        return 0
    m = _SENTENCE_END.search(text, 0, limit)
    return m.end() if m else min(len(text), limit)


def headline_or_first_sentence(title: str | None, text: str | None) -> tuple[str | None, str | None]:
    """An item without a headline (a page that shows none, a feed that left it out) is judged with its
    first sentence standing in for the headline: that is what a reader would take for one."""
    if (title and title.strip()) or not text or not text.strip():
        return title, text
    body = text.strip()
    cut = lede_length(body, 300)
    return body[:cut].rstrip(), body[cut:].lstrip()


def _distance_to_nearest(sorted_positions: list[int], pos: int) -> float:
    i = bisect.bisect_left(sorted_positions, pos)
    best = math.inf
    for j in (i - 1, i):
        if 0 <= j < len(sorted_positions):
            best = min(best, abs(sorted_positions[j] - pos))
    return best


def _term_hit(h: _Hit, text: str, title_end: int) -> TermHit:
    return TermHit(
        term=h.term.term, matched=text[h.start : h.end], kind=h.term.kind, group=h.term.group,
        weight=h.term.weight, score=h.score, start=h.start, end=h.end, in_title=h.start < title_end,
        snippet=snippet(text, h.start, h.end), standalone=h.term.standalone, note=h.note,
    )  # fmt: skip
