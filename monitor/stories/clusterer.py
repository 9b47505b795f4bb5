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
almost all of their vocabulary (한미일, 공급망, 경제안보대화 …). Cues keep them apart in layers 2 and 3:
another ordinal of the same meeting (4차 vs 5차), another meeting, event days two or more days apart,
another venue, another pair of countries (한미 vs 한중), another month, quarter or series part in the
headline; and each headline naming its own person, subject ("X, 장중 3% 이상 급등") or figure. Cues are
checked against the matched member *and* the story's own cues, so a chain of loose matches cannot drift
into the next event. Same-event matching favours precision: without a shared numbered meeting or venue
and day, the headlines themselves must largely agree.

Everything is deterministic: no randomised hashing, ties broken by article id, and the outcome depends only
on the items in the window in the order they are added (:func:`cluster_items` adds them in published
order). Cost per article is bounded (capped shingling, capped postings, top-k candidates), so clustering
is linear in the number of articles.
"
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import math
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from monitor.models import Assignment, AssignReason, ClusterItem, StoryState
from monitor.stories.contrasts import (
    _distinct_subjects,
    _figures_conflict,
    _numbers_conflict,
    _opposite_outcomes,
    _template_fills,
)
from monitor.stories.entities import with_entities
from monitor.stories.features import (
    _MEETING_NOUN_RE,
    _PLACES,
    Cues,
    EventDay,
    KeyTerms,
    Meeting,
    _abroad_and_next,
    _days_conflict,
    _dice,
    _Features,
    _named_alike,
    _time_of,
    _when,
    conflict,
    item_features,
)
from monitor.stories.neardup import _ADD_REDUCE, NUM_BINS
from monitor.stories.rarity import NO_BACKGROUND, TermBackground, load_term_background
from monitor.stories.scorer import SameEventScorer, cannot_link, default_scorer, pair_features

log = logging.getLogger(__name__)


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
    #: The LSH bucket and term postings lists the article was pushed to, in f.band_keys then f.terms
    #: order: eviction visits them directly instead of looking ~60 keys up again in dicts of 10k-60k keys.
    lists: list[list[int]] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class _Story:
    key: int
    #: The members in the index, in the order they joined (an ordered set: joins are O(1), and evicted
    #: members leave, so a story that keeps growing for weeks holds only its window's articles).
    members: dict[int, None]
    cues: Cues
    outlets: dict[str, None]
    first_seen: datetime | None
    last_updated: datetime | None
    best_score: float | None
    lead: tuple[bool, float, int]  # sort key of the lead: (not wire, time, article id)
    alive: int  # members still in the index
    #: When the story last developed (epoch seconds; None while all its members are undated): its first
    #: article, or the first article from an outlet it had not carried. Another article from an outlet
    #: already in it (the next day's column, a follow-up briefing) is no development: a story whose last
    #: development is CLOSE_AFTER old accepts no more members (see StoryClusterer._is_closed).
    last_development: float | None = None


class StoryClusterer:
    """Incremental story clustering; see the module docstring for the layers and vetoes.

    ``add`` decides for one article and indexes it; ``restore`` indexes an article under a decision taken
    earlier (from SQLite, after a restart) without deciding again. Articles older than the window behind
    the newest one are evicted from the index, so memory follows the window, not the history. Undated
    items (no ``published`` nor ``first_seen``) are never evicted and match regardless of time.

    Thresholds: ``near_dup_threshold`` is the estimated Jaccard similarity of body shingles for a copy;
    ``same_event_threshold`` the combined same-event score (headline term share, key-term overlap and
    headline bigram overlap, each 0..1, weighted 0.4/0.4/0.2) that a shared headline must reach (see
    ``_event_score`` for the other anchors). ``key_terms`` adds the matcher's entities and topic terms to
    the clusterer's own (ClusterItem.key_terms, when set, is used instead of calling it).
    """

    #: How many recent articles a key term's (or LSH bucket's) list keeps; older ones stay findable by
    #: their other terms and bands. Bounds the work per article.
    POSTINGS = 16
    #: How many headline terms and rarest lead terms are looked up; how many candidates are scored in full.
    QUERY_TERMS = 8
    CANDIDATES = 6
    #: Terms an article found by the second query (the rarest shared terms, see _same_event) must share.
    SECOND_QUERY_TERMS = 3
    #: The share of ``same_event_threshold`` a join must also reach with its story's seed (see
    #: _agrees_with_seed).
    SEED_AGREEMENT = 0.5
    #: How many LSH candidates (sharing 2+ bands; Jaccard 0.6 shares 4.5 of 21 on average) are verified.
    NEAR_CANDIDATES = 16
    #: How many recent articles an LSH bucket keeps: copies of one story fill a bucket, and any of them
    #: leads to the story.
    BAND_POSTINGS = 8
    #: A body seen under this many unrelated headlines is a site template, not an article.
    TEMPLATE_TITLES = 2
    #: A same-event match must share a distinctive headline term: this share of the lighter headline's
    #: term weight (or the same numbered meeting). Shared template words ("투자", "공장") weigh little.
    TITLE_ANCHOR = 0.35
    #: ... and when one of the two has no usable body, most of the headline: templates ("X, 장중 3% 이상
    #: 급등") differ only in their subject.
    HEADLINE_ONLY_SHARE = 0.7
    #: Term overlap that makes the same numbered meeting one event; and the same venue and day.
    MEETING_OVERLAP = 0.15
    PLACE_DAY_OVERLAP = 0.3
    #: The combined score that is enough when both name the same meeting, one without its ordinal.
    NAMED_MEETING_SCORE = 0.4
    #: Two write-ups that both have a lead and share most of their weighted key terms (names, objects,
    #: figures) and a good part of the headline report one development, however differently worded.
    LEAD_OVERLAP = 0.5
    MIN_OVERLAP = 0.1
    #: Shared facts: two write-ups with leads that share FACTS terms ordinary news and the window hardly use
    #: (each in at most FACT_ARTICLES other articles, window and background prior together: names, places,
    #: figures, objects) and FACTS_OVERLAP of their weighted terms report one development, however their
    #: headlines are worded. Look-alikes of another event differ in a cue (ordinal, period, day, figures,
    #: countries), which conflict() and _numbers_conflict() check first.
    FACTS = 5
    FACT_ARTICLES = 2.0
    FACTS_OVERLAP = 0.32
    #: Shared facts that make two headlines' own subjects two sides of one event
    #: (see _facts_outweigh_subjects).
    SUBJECT_FACTS = 6
    #: Each shared fact beyond FACTS lowers the term overlap needed by FACT_STEP, down to FACTS_FLOOR: two
    #: outlets that name the same seven or eight rare things (company, court, place, figures) report one
    #: development even when each adds a paragraph of its own angle (background, reactions) that dilutes
    #: the overlap.
    FACT_STEP = 0.025
    FACTS_FLOOR = 0.28
    #: Two reports of one quarter's (or half's) results: both headlines name the period, and both give
    #: one rare amount with its unit (영업이익 1조3천억원), with this term overlap. Another company's
    #: results that day have other amounts; the same company's other quarter, another period.
    PERIOD_OVERLAP = 0.25
    #: Both headlines name the same rare code (칩4, 232조, VEU): with this term overlap, one development.
    CODED_OVERLAP = 0.3
    LEAD_TITLE_SHARE = 0.3
    #: A bare headline joins a report that names its rare code or name (used by no other article in the
    #: window, and by at most this many of the background prior's: VEU in none, IPEF in 2 of 5,887
    #: stories) and covers this share of its headline's weight.
    RARE_ANCHOR_ARTICLES = 0.1
    RARE_ANCHOR_SHARE = 0.25
    #: ... or covers this share of the bare headline's weight, with three of its terms (two in its own
    #: headline).
    FLASH_COVERED = 0.55
    #: ... or this share, when FLASH_FACTS of the terms it shares are rare facts (see _shared_facts).
    FLASH_FACTS_COVERED = 0.35
    FLASH_FACTS = 3
    #: A headline-only article joins a report that covers this much of its weighted terms (and shares
    #: LEAD_OVERLAP of the headline weight).
    HEADLINE_COVERED = 0.6
    #: A near-duplicate must also share its lead's rare terms (names, figures): a robot-written template
    #: about another company has the same shingles but other names.
    COPY_TERMS = 0.5

    def __init__(
        self,
        *,
        window_hours: float = 72.0,
        close_after_hours: float = 72.0,
        near_dup_threshold: float = 0.6,
        same_event_threshold: float = 0.5,
        key_terms: KeyTerms | None = None,
        max_shingle_chars: int = 4000,
        background: TermBackground | None = None,
        scorer: SameEventScorer | None = None,
    ) -> None:
        self.window_s = window_hours * 3600.0
        self.close_after_s = close_after_hours * 3600.0
        # How common each term is in ordinary news (monitor/rarity.py); the window's counts add to it.
        self.background = with_entities(load_term_background() if background is None else background)
        #: The fitted same-event scorer; ``on_pair`` (when set) sees every pair it scores, for fitting.
        self.scorer = default_scorer() if scorer is None else scorer
        self.on_pair: Callable[[int, int, list[float], float], None] | None = None
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
        self._timed: tuple[ClusterItem | None, float | None] = (None, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _time_of(self, item: ClusterItem) -> float | None:
        """``_time_of(item)``, remembered for the item being decided: the window check asks it for every
        candidate, and converting the datetime each time was a tenth of the deciding time."""
        if item is not self._timed[0]:
            self._timed = (item, _time_of(item))
        return self._timed[1]

    # -- public -------------------------------------------------------------------------------------

    def add(self, item: ClusterItem, features: _Features | None = None) -> Assignment:
        """Assign an article to a story (an existing one, or a new one keyed by its own id).

        Adding a known article again is how an update is reported: with unchanged content it returns the
        earlier assignment (polling twice changes nothing); with changed content the article is re-indexed
        and stays in its story, and the reason is ``"updated"``.
        """
        known = self._entries.get(item.article_id)
        features = self._features(item, features)
        if known is not None:
            if known.f.chash == features.chash:
                return known.assignment
            assignment = replace(known.assignment, reason="updated", similarity=1.0, matched_article_id=None)
            self._unindex(known, forget_story=False)
            self._index(item, features, assignment)
            return assignment
        self._evict(self._time_of(item))
        assignment = self._decide(item, features)
        self._index(item, features, assignment)
        return assignment

    def restore(self, item: ClusterItem, assignment: Assignment, features: _Features | None = None) -> None:
        """Index an article under a stored decision (restart recovery); replay them in time order
        (:func:`restore_all` computes a large window's features in worker processes)."""
        known = self._entries.get(item.article_id)
        if known is not None:
            self._unindex(known, forget_story=False)
        self._evict(_time_of(item))
        self._index(item, self._features(item, features), assignment)

    def knows(self, article_id: int) -> bool:
        """Is the article in the index (added or restored, and not evicted)?"""
        return article_id in self._entries

    def story(self, story_key: int) -> StoryState | None:
        """The story as known from the articles added or restored (None once all are evicted)."""
        story = self._stories.get(story_key)
        if story is None:
            return None
        return StoryState(
            story.key,
            story.lead[2],
            tuple(story.members),
            tuple(story.outlets),
            story.first_seen,
            story.last_updated,
            story.best_score,
        )

    # -- features -----------------------------------------------------------------------------------

    def _features(self, item: ClusterItem, precomputed: _Features | None = None) -> _Features:
        """The item's features; ``precomputed`` (from :func:`item_features`, maybe in another process)
        is used unless its body turns out to be a site template this clusterer has learnt."""
        f = precomputed or item_features(item, self.max_shingle_chars, self.key_terms, self._is_template)
        if precomputed is not None and f.body_key is not None and self._is_template(f.body_key, f.headline_grams):
            f = item_features(item, self.max_shingle_chars, self.key_terms, lambda *_: True)
        return f

    def _is_template(self, body_key: str, title_grams: frozenset[str]) -> bool:
        titles = self._bodies.get(body_key, [])
        unrelated = [t for _, t in titles if _dice(t, title_grams) < 0.3]
        return len(unrelated) >= self.TEMPLATE_TITLES

    # -- decision -----------------------------------------------------------------------------------

    def _decide(self, item: ClusterItem, f: _Features) -> Assignment:
        exact = self._by_url.get(item.url) if item.url else None
        if exact is None and (f.sig is not None or f.title_key is not None):  # empty items are not copies
            exact = self._by_hash.get(f.chash)
        if exact is not None and self._within_window(item, self._entries[exact]):
            return self._join(item, "exact", 1.0, exact)
        weights = _Weights(self._df, len(self._entries), self.background)
        return (
            self._near_duplicate(item, f, weights)
            or self._same_event(item, f, weights)
            or Assignment(item.article_id, item.article_id, "new", 0.0, None)
        )

    def _join(self, item: ClusterItem, reason: AssignReason, similarity: float, matched: int) -> Assignment:
        story_key = self._entries[matched].assignment.story_key
        return Assignment(item.article_id, story_key, reason, round(similarity, 4), matched)

    def _near_duplicate(self, item: ClusterItem, f: _Features, w: _Weights) -> Assignment | None:
        """The most similar compatible copy. Candidates are checked in (similarity, id) order and the
        first that passes wins, so the costlier checks run for few of them (a wire story's copies fill
        its LSH buckets, and all of them pass)."""
        body_ids, title_ids = self._near_candidates(f)
        ranked: list[tuple[float, int, bool]] = []  # (similarity, id, body checks needed)
        if body_ids and f.sig is not None:
            # One buffer of the candidates' signatures, viewed as a matrix: no per-row array objects.
            entries = self._entries
            sigs = np.frombuffer(b"".join([entries[i].f.sig for i in body_ids]), dtype=np.uint32)  # type: ignore[misc]
            # add.reduce: the count of agreeing bins without count_nonzero's Python-level wrappers.
            mine = np.frombuffer(f.sig, dtype=np.uint32)
            agreement = _ADD_REDUCE(sigs.reshape(len(body_ids), NUM_BINS) == mine, 1) / NUM_BINS
            ranked += [
                (similarity, other_id, True)
                for other_id, similarity in zip(body_ids, agreement.tolist(), strict=True)
                if similarity >= self.near_dup_threshold
            ]
        ranked += [(1.0, other_id, False) for other_id in title_ids]  # same headline, a body missing
        for similarity, other_id, check in sorted(ranked, key=lambda r: (-r[0], r[1], not r[2])):
            entry = self._entries[other_id]
            other = entry.f
            if check and not (
                _headlines_agree(f, other)
                and not _numbers_conflict(f.cues, other.cues)
                and w.overlap(f.terms, other.terms) >= self.COPY_TERMS
                and not _distinct_subjects(f, other)
                and not w.own_subjects(f, other)
            ):
                continue
            if self._compatible(item, f, entry) and not self._is_closed(item, entry):
                return self._join(item, "near_duplicate", similarity, other_id)
        return None

    def _near_candidates(self, f: _Features) -> tuple[list[int], list[int]]:
        """Ids sharing 2+ LSH bands (best first, at most NEAR_CANDIDATES), and ids with the same headline
        where one of the two bodies is missing."""
        get = self._bands.get
        # Counted in C: every band's postings chained into one count (a plain dict: no Counter to build).
        hits: dict[int, int] = {}
        _count_elements(hits, itertools.chain.from_iterable([ids for k in f.band_keys if (ids := get(k))]))
        # Most shared bands first, ties by lower id (what nlargest over the ids in order gave).
        body = [i for _, i in sorted([(-n, i) for i, n in hits.items() if n >= 2])[: self.NEAR_CANDIDATES]]
        titles = []
        if f.title_key is not None:
            titles = [
                i
                for i in self._by_title.get(f.title_key, ())
                if f.sig is None or self._entries[i].f.sig is None
            ]
        return body, titles

    def _same_event(self, item: ClusterItem, f: _Features, w: _Weights) -> Assignment | None:
        """The candidate the fitted scorer (monitor/stories/scorer.py) finds likeliest to report the same
        development, if that probability reaches ``same_event_threshold``. Candidates a hard conflict
        rules out do not use up the CANDIDATES scored in full, so a burst of look-alikes cannot crowd
        out the real match.

        When none passes and some of the rarest terms looked up are the article's alone, a second
        query looks up the rarest terms other articles share with it: a write-up in its own words has a
        dozen words no one else used, which fill the first query and find nothing, while its facts
        (names, figures) are further down."""
        candidates, unshared = self._event_candidates(f, w)
        best = self._best_event(item, f, w, candidates, ())
        if best is None and unshared:
            best = self._best_event(item, f, w, self._event_candidates(f, w, shared_only=True)[0], candidates)
        if best is None:
            return None
        probability, other_id, values = best
        assignment = self._join(item, "same_event", probability, other_id)
        return replace(assignment, evidence=self.scorer.evidence(values))

    def _best_event(
        self, item: ClusterItem, f: _Features, w: _Weights, candidates: list[int], tried: Sequence[int]
    ) -> tuple[float, int, list[float]] | None:
        best: tuple[float, int, list[float]] | None = None
        scored = 0
        for other_id in candidates:
            if other_id in tried:  # the first query's (at most 4 * CANDIDATES): a short list
                continue
            other = self._entries[other_id]
            if not self._event_compatible(item, f, other):
                continue
            scored += 1
            if len(f.terms & other.f.terms) >= 2:  # one shared term is never enough to score
                values = pair_features(f, other.f, w, self._hours_apart(item, other))
                probability = self.scorer.probability(values)
                if self.on_pair is not None:
                    self.on_pair(item.article_id, other_id, values, probability)
                if (
                    probability >= self.same_event_threshold
                    and (best is None or (probability, -other_id) > (best[0], -best[1]))
                    and self._agrees_with_seed(item, f, other, w)
                ):
                    best = (probability, other_id, values)
            if scored == self.CANDIDATES:
                break
        return best

    def _event_compatible(self, item: ClusterItem, f: _Features, other: _Entry) -> bool:
        """In the window, and no hard conflict with the candidate nor with its story's own day or meeting
        (so a chain of joins cannot drift into the next event)."""
        if not self._within_window(item, other) or cannot_link(f, other.f) is not None:
            return False
        if self._is_closed(item, other):
            return False
        return conflict(f.cues, self._stories[other.assignment.story_key].cues) not in ("day", "meeting")

    def _is_closed(self, item: ClusterItem, member: _Entry) -> bool:
        """Has the member's story been silent (no development) for ``close_after_hours`` before the item?"""
        last = self._stories[member.assignment.story_key].last_development
        t = self._time_of(item)
        return last is not None and t is not None and t - last > self.close_after_s

    def _agrees_with_seed(self, item: ClusterItem, f: _Features, member: _Entry, w: _Weights) -> bool:
        """Is the item also plausibly the event of the story's earliest member still in the window?
        Joins go through one member; without this, A~B and B~C chain C (a reaction, the next day's
        angle) into A's story though C and A share little. SEED_AGREEMENT of the threshold is enough:
        the seed may be a bare flash or a report in the other language."""
        story = self._stories[member.assignment.story_key]
        seed_id = next(iter(story.members), None)
        if seed_id is None or seed_id == member.article_id:
            return True
        seed = self._entries[seed_id]
        values = pair_features(f, seed.f, w, self._hours_apart(item, seed))
        return self.scorer.probability(values) >= self.SEED_AGREEMENT * self.same_event_threshold

    def _hours_apart(self, item: ClusterItem, other: _Entry) -> float | None:
        mine = self._time_of(item)
        return None if mine is None or other.time is None else abs(mine - other.time) / 3600.0

    def _event_candidates(
        self, f: _Features, w: _Weights, *, shared_only: bool = False
    ) -> tuple[list[int], bool]:
        """Articles sharing the headline's rarest terms or the lead's, ranked by the weight they share;
        and whether a term looked up is in no other article (see _same_event). ``shared_only`` looks up
        the rarest terms that other articles in the window use."""
        postings = self._postings
        title, lead = (  # sorted twice: ties by term
            sorted(sorted(t for t in ts if not shared_only or t in postings), key=w.__getitem__, reverse=True)
            for ts in (f.title_terms, f.terms - f.title_terms)
        )
        votes: dict[int, float] = {}
        unshared = False
        query = title[: self.QUERY_TERMS] + lead[: self.QUERY_TERMS]
        for term in query:
            ids = postings.get(term)
            if ids is None:
                unshared = True
                continue
            weight = w[term] ** 2  # a shared rare term says far more than two shared common ones
            for other_id in ids:
                votes[other_id] = votes.get(other_id, 0.0) + weight
        if shared_only:
            # The second query runs for most articles that start a story: it scores only articles that
            # share SECOND_QUERY_TERMS of its terms, as every anchor it is for needs (facts, a covered flash).
            hits = Counter(itertools.chain.from_iterable([postings[t] for t in query]))
            votes = {i: v for i, v in votes.items() if hits[i] >= self.SECOND_QUERY_TERMS}
        ranked = heapq.nlargest(4 * self.CANDIDATES, sorted(votes), key=votes.__getitem__)  # ties: lower id
        return ranked, unshared

    def _event_score(self, f: _Features, other: _Features, w: _Weights) -> float:
        """How strongly two articles report one development (0 when the evidence is not enough).

        The combined score is headline share, term overlap and headline bigrams (0.4/0.4/0.2). It counts
        only with an anchor: the same numbered meeting with some common terms; or, unless each headline
        keeps its own person, figure or rare subject (or two outlets share SUBJECT_FACTS rare facts): the
        same meeting named by both (one report without the ordinal, or by the acronym the other gave it),
        shared rare facts (the more of them, the less term overlap they need), one quarter's results with
        one rare amount, a shared headline (share >= TITLE_ANCHOR and score >= threshold), a bare headline
        (or a flash with one sentence) whose rare names or most of whose weight the report covers, or the
        same venue and day with a strong term overlap. Days are compared as the articles' event days: a day
        abroad ("(현지시간)") is also the next day in Korea, and a date after an article's own is a plan.
        """
        if len(f.terms & other.terms) < 2 and not (f.cues.countries and f.cues.countries == other.cues.countries):
            return 0.0  # one shared term is not enough, unless both headlines also name the same countries
        overlap = w.overlap(f.terms, other.terms)
        title_share = w.share(f.title_terms, other.title_terms)
        score = 0.4 * title_share + 0.4 * overlap + 0.2 * _dice(f.title_grams, other.title_grams)
        a, b = f.cues.meeting, other.cues.meeting
        if a and b and a.ordinal is not None and a.ordinal == b.ordinal and a.compatible(b):
            return max(score, self.same_event_threshold) if overlap >= self.MEETING_OVERLAP else 0.0
        if _opposite_outcomes(f, other):
            return 0.0
        if (_distinct_subjects(f, other) or w.own_subjects(f, other)) and not self._facts_outweigh_subjects(
            f, other, w, overlap
        ):
            return 0.0
        if _template_fills(f, other):
            return 0.0
        if (
            a
            and b
            and a.actor
            and (a.actor, a.head) == (b.actor, b.head)
            and score >= self.NAMED_MEETING_SCORE
        ):
            return max(score, self.same_event_threshold)  # one report left the ordinal out
        if a and b and _named_alike(a, b) and overlap >= self.MEETING_OVERLAP:
            return max(score, self.same_event_threshold)  # one report used a shorter name
        if overlap >= self.MEETING_OVERLAP and (
            _names_participants(a, other) or _names_participants(b, f)
        ):
            return max(score, self.same_event_threshold)  # "韓美日 산업장관 …" of the 한미일 산업장관회의
        if overlap >= self.MEETING_OVERLAP and (_names_by_alias(f, other) or _names_by_alias(other, f)):
            return max(score, self.same_event_threshold)  # "한일 MCD, …" of the 소재부품대화(MCD)
        if (
            overlap >= self.CODED_OVERLAP
            and title_share >= self.LEAD_TITLE_SHARE
            and _shared_code(f, other, self._df)
        ):
            return max(score, self.same_event_threshold)
        if a and b and _same_meeting_of_same_pair(f, other) and overlap >= self.MEETING_OVERLAP:
            return max(score, self.same_event_threshold)  # "한일 … 정책대화": the headline names the actors
        if (
            f.has_lead
            and other.has_lead
            and overlap >= self.LEAD_OVERLAP
            and title_share >= self.LEAD_TITLE_SHARE
            and not _own_names(f, other)
            and not _numbers_conflict(f.cues, other.cues)  # robot-written earnings: same words, own figures
        ):
            return max(score, self.same_event_threshold)
        if (
            f.has_lead
            and other.has_lead
            and overlap >= self.FACTS_FLOOR
            and f.body_key != other.body_key  # one body under two headlines: a site template, not facts
            # A daily report (case counts, a game, a market close) shares its facts with yesterday's: without
            # a shared headline, a day either side names must be the same day.
            and not _figures_conflict(f, other)
            and self._facts_on_their_days(f, other, w, overlap)
        ):
            return max(score, self.same_event_threshold)  # different words, the same facts
        if (
            f.cues.period is not None
            and f.cues.period == other.cues.period
            and f.has_lead
            and other.has_lead
            and overlap >= self.PERIOD_OVERLAP
            and not _other_day(f.cues.day, other.cues.day)
            and not _figures_conflict(f, other)
            and self._shared_amount(f, other, w)
        ):
            return max(score, self.same_event_threshold)  # one quarter's results, one figure
        headline_only = not f.has_lead or not other.has_lead  # nothing but the headlines to compare
        # Short leads were once ignored (the headline alone had to match 0.7); counted now, they must
        # not let two look-alike headlines each naming its own place or acronym join on generic words.
        short = f.sig is None or other.sig is None
        if (
            title_share >= (self.HEADLINE_ONLY_SHARE if headline_only else self.TITLE_ANCHOR)
            and score >= self.same_event_threshold
            and not (short and _own_names(f, other))
            # A one-word headline ("[오늘의 경기]프로야구") is wholly shared by every report on its topic.
            and overlap >= self.MIN_OVERLAP
            and min(len(f.title_terms), len(other.title_terms)) >= 2
        ):
            return score
        if (
            headline_only
            and title_share >= self.LEAD_OVERLAP
            and overlap >= self.HEADLINE_COVERED
            and min(len(f.title_terms), len(other.title_terms)) >= 2  # "[오늘의 운세] 7월 29일 (금요일)"
        ):
            # A bare headline whose weighted terms the other's headline and lead mostly cover: a flash
            # ("[단독] 한미일 조기경보 연계, 요소·흑연 등 10개 품목") of the full report.
            return max(score, self.same_event_threshold)
        # A flash with one sentence under it ("[속보] … 총파업 돌입" + "노조가 20일 … 들어갔다.") is as bare
        # as a headline alone when the report covers most of it; a shared code alone ties only bare headlines.
        if (headline_only or short) and self._rare_anchor(f, other, w, codes=headline_only):
            return max(score, self.same_event_threshold)
        if len(f.terms & other.terms) < 2:
            return 0.0
        if _same_place_and_day(f.cues, other.cues) and overlap >= self.PLACE_DAY_OVERLAP:
            return max(score, self.same_event_threshold)
        return 0.0

    def _shared_facts(self, f: _Features, other: _Features, w: _Weights) -> int:
        """How many terms both articles use that hardly any other does, in the window or in ordinary news:
        the facts of one development (한미약품, 수원지법, 임시주총), not its topic's vocabulary. ``other`` is
        indexed, so its own mention is not counted; generic codes (MOU, AI) are vocabulary too."""
        return sum(
            1
            for t in f.terms & other.terms
            if t not in _GENERIC_CODES and w.commonness(t, 1) <= self.FACT_ARTICLES
        )

    def _shared_amount(self, f: _Features, other: _Features, w: _Weights) -> bool:
        """Do both articles give one amount with its unit (11조, 88조, 3천억) that hardly any other article
        in the window or in ordinary news gives?"""
        return any(
            t[0].isdigit() and not t[-1].isdigit() and w.commonness(t, 1) <= self.FACT_ARTICLES
            for t in f.terms & other.terms
        )

    def _facts_on_their_days(self, f: _Features, other: _Features, w: _Weights, overlap: float) -> bool:
        """Enough shared facts, on the same day. A daily report (case counts, a game, a market close)
        shares its facts with yesterday's, so a day either side names must be the same; except the day
        before, when the two share twice the facts and most of their weight: a scoop the evening before
        an announcement ("14일 협약을 맺는다", dated the 13th) is the announcement's own story, and names
        its day."""
        if not _other_day(f.cues.day, other.cues.day):
            return self._enough_facts(f, other, w, overlap)
        a, b = f.cues.day, other.cues.day
        if a is None or b is None or a.ordinal is None or b.ordinal is None:
            return False
        if abs(a.ordinal - b.ordinal) != 1:
            return False
        earlier, later = (f, b) if a.ordinal < b.ordinal else (other, a)
        return (
            later.day in earlier.days  # the scoop names the day of the announcement, yesterday's report not
            and overlap >= self.LEAD_OVERLAP
            and self._shared_facts(f, other, w) >= 2 * self.FACTS
        )

    def _facts_outweigh_subjects(self, f: _Features, other: _Features, w: _Weights, overlap: float) -> bool:
        """Two headlines each naming its own subject are two fills of one template, unless the articles
        share SUBJECT_FACTS rare facts with FACTS_OVERLAP: then the subjects are two sides of one event
        ("새봄시, … 면허 취소" / "버스 기사들, … 체불 임금부터": who acted and who is affected). As in
        _enough_facts, each fact beyond SUBJECT_FACTS lowers the overlap needed by FACT_STEP (never below
        FACTS_FLOOR): a ministry's measures and the strike's first-day figures, each headline with its
        own figure, name the same union, lines, rates and demands."""
        if not (
            f.has_lead
            and other.has_lead
            and not _same_outlet(f, other)  # one outlet's series and photo sets share its own lines
            and overlap >= self.FACTS_FLOOR - 1e-9
            and f.body_key != other.body_key
            and not _other_day(f.cues.day, other.cues.day)
            and not _figures_conflict(f, other)
        ):
            return False
        facts = self._shared_facts(f, other, w)
        needed = self._overlap_needed(facts, self.SUBJECT_FACTS)
        return facts >= self.SUBJECT_FACTS and overlap >= needed - 1e-9

    def _enough_facts(self, f: _Features, other: _Features, w: _Weights, overlap: float) -> bool:
        """Do the shared facts carry the overlap? FACTS of them at FACTS_OVERLAP, each further one
        lowering the overlap needed by FACT_STEP (never below FACTS_FLOOR), for two outlets."""
        if overlap < self.FACTS_OVERLAP and _same_outlet(f, other):
            # One outlet's two articles share its own stock lines (a partner credit, a recurring
            # phrase): rare terms, but not facts of one development. Its rare second write-up of an
            # event must share the full overlap.
            return False
        facts = self._shared_facts(f, other, w)
        return facts >= self.FACTS and overlap >= self._overlap_needed(facts, self.FACTS) - 1e-9

    def _overlap_needed(self, facts: int, enough: int) -> float:
        """The term overlap ``facts`` shared rare facts need when ``enough`` of them need FACTS_OVERLAP:
        FACT_STEP less for each one beyond, never below FACTS_FLOOR."""
        return max(self.FACTS_FLOOR, self.FACTS_OVERLAP - self.FACT_STEP * (facts - enough))

    def _rare_anchor(self, f: _Features, other: _Features, w: _Weights, *, codes: bool = True) -> bool:
        """A bare headline and another report of one development. A flash is short and worded its own way
        (산업부 "VEU 지정으로 中공장 불확실성 해소"), so its overlap with the report is low; what ties them
        is either most of the flash (FLASH_COVERED of its weight, three terms or more, two of them in the
        report's headline: all but its speaker and verdict), or a name that ordinary news hardly uses and
        no other article in the window mentions: a code (VEU, IPEF, 232조) that both headlines name with
        one more shared term, or the report's lead names with two more; or a word (화이트리스트) both
        headlines name about the same two or more countries. Organisations and places (서울시립대, 아파치)
        are not names enough: they do many things in one week. ``other`` is indexed, so its own mention
        of a term is not counted. A flash with one sentence under it counts as bare for the first test only
        (``codes`` False): its sentence says more than the code, and must be covered too."""
        if not f.has_lead or other.has_lead and f.sig is None:
            bare, report = f, other
        else:
            bare, report = other, f
        ours, theirs = bare.cues.countries, report.cues.countries
        if len(ours) >= 2 and len(theirs) >= 2 and ours != theirs:
            return False  # 한일 and 한미일: another forum, however alike the words (conflict() allows it)
        if report.cues.meeting is not None and bare.cues.meeting is None:
            return False  # a meeting's report is joined by headlines that name the meeting (the rules above)
        covered = w.share(bare.title_terms, report.terms)
        if covered < self.RARE_ANCHOR_SHARE:
            return False
        if (
            (
                covered >= self.FLASH_COVERED
                or (covered >= self.FLASH_FACTS_COVERED and self._flash_facts(bare, report, w))
            )
            and len(bare.title_terms & report.terms) >= 3
            and len(bare.title_terms & report.title_terms) >= 2
            and not _names_own(bare, report)
        ):
            return True  # most of the flash is in the report (or its rare names), some of it in its headline
        if not codes:
            return False
        shared = len(bare.terms & report.terms)
        for term in bare.title_terms & report.terms:
            if w.commonness(term, 1) > self.RARE_ANCHOR_ARTICLES:
                continue
            in_headlines = term in report.title_terms
            if _is_code(term):
                if shared >= (2 if in_headlines else 3):
                    return True
            elif in_headlines and len(ours) >= 2 and ours == theirs:
                return True
        return False

    def _flash_facts(self, bare: _Features, report: _Features, w: _Weights) -> bool:
        """Does the report name FLASH_FACTS of the bare headline's rare terms (teams, places, figures that
        ordinary news and the window hardly use)? A morning-after headline rewords the report's verdict
        ("…새봄 꺾고 챔프전 제패" for "…챔프전 5차전 승리") but keeps its names."""
        return (
            sum(1 for t in bare.title_terms & report.terms if w.commonness(t, 1) <= self.FACT_ARTICLES)
            >= self.FLASH_FACTS
        )

    def _compatible(self, item: ClusterItem, f: _Features, other: _Entry) -> bool:
        if not self._within_window(item, other):
            return False
        story = self._stories[other.assignment.story_key]
        return conflict(f.cues, other.f.cues) is None and conflict(f.cues, story.cues) is None

    def _within_window(self, item: ClusterItem, other: _Entry) -> bool:
        t = self._time_of(item)
        return t is None or other.time is None or abs(t - other.time) <= self.window_s

    # -- index --------------------------------------------------------------------------------------

    def _index(self, item: ClusterItem, f: _Features, assignment: Assignment) -> None:
        outlet, wire = f.outlet
        entry = _Entry(
            item.article_id, self._time_of(item), _when(item), item.url, outlet, wire, item.score, f, assignment
        )
        self._entries[item.article_id] = entry
        if item.url:
            self._by_url.setdefault(item.url, item.article_id)
        self._by_hash.setdefault(f.chash, item.article_id)
        if f.title_key is not None:
            _push(self._by_title, f.title_key, item.article_id, self.POSTINGS)
        lists = entry.lists
        _push_all(self._bands, f.band_keys, item.article_id, self.BAND_POSTINGS, lists)
        _push_all(self._postings, f.terms, item.article_id, self.POSTINGS, lists)
        _count_elements(self._df, f.terms)  # Counter.update without its per-call Mapping check
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
            story = _Story(key, {}, entry.f.cues, {}, entry.when, entry.when, entry.score, lead, 0, entry.time)
            self._stories[key] = story
        elif entry.outlet not in story.outlets and entry.time is not None:
            previous = story.last_development
            story.last_development = entry.time if previous is None else max(previous, entry.time)
        story.members[entry.article_id] = None  # an update re-joins in its old place
        story.alive += 1
        story.cues = story.cues.merged(entry.f.cues)
        if entry.outlet:
            story.outlets[entry.outlet] = None
        story.lead = min(story.lead, lead)
        if entry.when is not None:
            story.first_seen = min(story.first_seen or entry.when, entry.when)
            story.last_updated = max(story.last_updated or entry.when, entry.when)
        if entry.score is not None:
            story.best_score = max(
                story.best_score if story.best_score is not None else entry.score, entry.score
            )

    def _unindex(self, entry: _Entry, *, forget_story: bool = True) -> None:
        f = entry.f
        del self._entries[entry.article_id]
        if self._by_url.get(entry.url) == entry.article_id:
            del self._by_url[entry.url]
        if self._by_hash.get(f.chash) == entry.article_id:
            del self._by_hash[f.chash]
        if f.title_key is not None:
            _remove(self._by_title, f.title_key, entry.article_id)
        # Eviction runs once per article for ~60 keys: inlined, through the lists the article was pushed
        # to (no dict lookups), and oldest-first lists usually hold the evicted id first (or have dropped
        # it already). A list is only ever removed from its index once empty, so a list that still holds
        # the id is the one indexed under its key, and only a removal can empty it.
        article_id = entry.article_id
        bands, postings = self._bands, self._postings
        for position, (ids, key) in enumerate(zip(entry.lists, itertools.chain(f.band_keys, f.terms))):
            if not ids:
                continue
            if ids[0] == article_id:
                del ids[0]
            elif article_id in ids:
                ids.remove(article_id)
            else:
                continue
            if not ids:
                del (bands if position < len(f.band_keys) else postings)[key]
        entry.lists = []
        df = self._df
        for term in f.terms:
            left = df[term] - 1
            if left:
                df[term] = left
            else:
                del df[term]
        titles = self._bodies.get(f.body_key or "")
        if titles is not None:
            titles[:] = [(i, t) for i, t in titles if i != entry.article_id]
            if not titles:
                del self._bodies[f.body_key or ""]
        story = self._stories[entry.assignment.story_key]
        story.alive -= 1
        if forget_story:  # evicted (an update re-indexes at once and keeps its place)
            story.members.pop(entry.article_id, None)
            if story.alive == 0:
                del self._stories[story.key]

    def _evict(self, now: float | None) -> None:
        newest = max(self._newest, now) if now is not None else self._newest
        cutoff = newest - self.window_s
        while self._expiry and self._expiry[0][0] < cutoff:
            time, article_id = heapq.heappop(self._expiry)
            entry = self._entries.get(article_id)
            if entry is not None and entry.time == time:
                self._unindex(entry)


class _Weights(dict[str, float]):
    """Rarity weights of terms, cached for one decision: inverse document frequency in the window, with
    the background (ordinary news, monitor/rarity.py) as its prior.

    A term's weight is log(1 + (n + PRIOR) / (df + 1 + PRIOR * bg)): its ``df`` among the ``n`` articles in
    the window, plus PRIOR imaginary articles that use it at its background rate ``bg``. A young window
    of a few dozen articles cannot tell rare from common (every term is in one or two of them), so the
    prior decides: 한국, 자동차, "4년 만에" weigh little from the first article on, and a code or a name
    ordinary news never used (VEU, 부의장국) weighs most. As the window fills, its own counts take over:
    a development thirty outlets carry, or the monitor's own subject (공급망, 핵심광물: rare in ordinary
    news, in every article here), becomes common. Without a background the weights are the window's
    alone, smoothed by 20 imaginary articles, as before the background existed.

    Sums are ``math.fsum``: exact, so they do not depend on the order a frozenset yields its terms, which
    changes with PYTHONHASHSEED. With ``sum`` a score sitting on a threshold could decide differently in
    another process (4 of 20,000 decisions differed between two runs of the same code).
    """

    #: The background's weight, in articles: a window this large counts as much as the background.
    PRIOR = 200

    __slots__ = ("_bg", "_df", "_n", "_scale", "_totals", "_unseen")

    def __init__(self, df: Counter[str], n: int, background: TermBackground = NO_BACKGROUND) -> None:
        super().__init__()
        self._df, self._bg = df, background.df
        prior = self.PRIOR if background else 20
        self._scale = prior / background.documents if background else 0.0  # background stories → articles
        # Terms seen in one background story are not in the table: half a story stands for "0 or 1".
        self._unseen = 0.5 if background else 0.0
        self._n = n + prior
        self._totals: dict[int, float] = {}  # by id(): the sets compared live through the decision

    def __missing__(self, term: str) -> float:  # inlined: called for every term of every candidate
        seen = self._df.get(term, 0) + 1 + self._bg.get(term, self._unseen) * self._scale
        weight = self[term] = math.log(1.0 + self._n / seen)
        return weight

    def commonness(self, term: str, own: int = 0) -> float:
        """How many articles (window and imaginary background ones) use the term, not counting ``own``
        of the window's: the ones being compared."""
        return self._df.get(term, 0) - own + self._bg.get(term, self._unseen) * self._scale

    def total(self, terms: frozenset[str]) -> float:
        """The weight of one of the articles' own term sets (memoised: they outlive the decision)."""
        total = self._totals.get(id(terms))
        if total is None:
            total = self._totals[id(terms)] = math.fsum(map(self.__getitem__, terms))
        return total

    def overlap(self, a: frozenset[str], b: frozenset[str]) -> float:
        """Weighted cosine of two term sets (0..1)."""
        shared = a & b
        return (
            math.fsum(map(self.__getitem__, shared)) / math.sqrt(self.total(a) * self.total(b)) if shared else 0.0
        )

    def own_subjects(self, a: _Features, b: _Features) -> bool:
        """Does each headline keep a term to itself that is rarer than anything the two articles share?

        Rarity counts the *other* articles in the window, so a term only these two share is as rare as
        can be. The background does not count here: template fills show as a burst in the window, while
        by the background's measure a flash's own speaker or verb (산업부, 환영) is often rarer than the
        code it shares with its report (CHIPS), and every flash would look like another fill. Two fills of one template ("EOG 리소시스, 장중 3% 이상 급등" / "아메렌, 장중 3% 이상 급등";
        "한미반도체, SK하이닉스에 … 공급" / "한미반도체, 마이크론에 … 공급") share only common words and each
        keeps its own rare subject; two write-ups of one event share a rare word (a name, a place).
        """
        shared = a.terms & b.terms
        only_a, only_b = a.title_terms - b.terms, b.title_terms - a.terms
        if not shared or not only_a or not only_b:
            return False
        df = self._df

        def elsewhere(t: str) -> int:  # ``a`` is not indexed yet; ``b`` is
            return df.get(t, 0) - (t in b.terms)

        rarest_shared = min(map(elsewhere, shared))
        return min(map(elsewhere, only_a)) < rarest_shared and min(map(elsewhere, only_b)) < rarest_shared

    def share(self, a: frozenset[str], b: frozenset[str]) -> float:
        """The shared terms' part of the lighter set's weight (0..1): does the shorter headline reappear?"""
        shared = a & b
        return math.fsum(map(self.__getitem__, shared)) / min(self.total(a), self.total(b)) if shared else 0.0


def _push(index: dict[Any, list[int]], key: Any, article_id: int, cap: int) -> None:
    ids = index.setdefault(key, [])
    ids.append(article_id)
    if len(ids) > cap:
        del ids[0]  # keep the most recent: a story's next article is most likely near in time


def _push_all(
    index: dict[Any, list[int]], keys: Iterable[Any], article_id: int, cap: int, pushed: list[list[int]]
) -> None:
    """Append the id to each key's list (dropping the oldest beyond ``cap``); the lists go to ``pushed``."""
    add = pushed.append
    for key in keys:
        ids = index.get(key)
        if ids is None:
            ids = index[key] = [article_id]
        else:
            ids.append(article_id)
            if len(ids) > cap:
                del ids[0]
        add(ids)


def _remove(index: dict[Any, list[int]], key: Any, article_id: int) -> None:
    ids = index.get(key)
    if ids is not None and article_id in ids:
        ids.remove(article_id)
        if not ids:
            del index[key]




def _names_participants(meeting: Meeting | None, other: _Features) -> bool:
    """Does ``other``'s headline name the participants of the meeting, without naming a meeting of its
    own: the actor and the name's stem ("韓美日 산업장관 …" for the 2차 한미일 산업장관회의)?"""
    if meeting is None or not meeting.actor or other.cues.meeting is not None:
        return False
    stem = _MEETING_NOUN_RE.sub("", meeting.head)
    actor_named = meeting.actor in other.title_terms or set(meeting.actor) == other.cues.countries
    return stem.endswith(_PARTICIPANTS) and stem in other.title_terms and actor_named


def _names_by_alias(report: _Features, other: _Features) -> bool:
    """Does ``other``'s headline name ``report``'s meeting by the acronym the report gave it, without
    naming a meeting of its own?"""
    alias = report.meeting_alias
    return alias is not None and other.cues.meeting is None and alias in other.title_terms


#: Who meets in a meeting named after them (산업장관회의, 정상회의): a stem that is a topic (경제안보대화)
#: names no participants.
_PARTICIPANTS = ("장관", "정상", "차관", "총리", "수석", "국장", "대표", "의장", "총재")


#: Codes too common to tell developments apart, however rare in the window. The background table does
#: not make this list redundant: the knews days (July 2022) never use hbm, ira, smr, cpi, ppi, cfo or loi,
#: so by the background they would be as rare as VEU.
_GENERIC_CODES = frozenset("mou loi ai ceo cfo esg gdp cpi ppi ipo etf eps ict ira hbm smr lng fta wto".split())  # noqa: SIM905


def _is_code(term: str) -> bool:
    """An acronym or a numbered name (VEU, IPEF, 232조, 칩4), not one of the codes every sector uses."""
    if term in _GENERIC_CODES:
        return False
    if term.isascii():
        return len(term) >= 3 and not term.isdigit() and any(c.isalpha() for c in term)
    return any(c.isdigit() for c in term)


def _shared_code(a: _Features, b: _Features, df: Mapping[str, int]) -> bool:
    """Do both headlines name one rare code, a term with a figure or an acronym (칩4, 232조, VEU), that at
    most one other article in the window mentions?"""
    return any(
        (any(c.isdigit() for c in t) and not t[0].isdigit() or len(t) >= 3 and t.isascii() and t.isalpha())
        and t not in _GENERIC_CODES
        and df.get(t, 0) - 1 <= 1  # ``b`` is indexed, ``a`` not yet
        for t in a.title_terms & b.title_terms
    )


def _same_meeting_of_same_pair(a: _Features, b: _Features) -> bool:
    """One meeting named without its actor in both ("한일 수출관리 정책대화" → 정책대화), where both headlines
    name the same two or more countries: the pair of countries is the meeting's actor."""
    m, n = a.cues.meeting, b.cues.meeting
    countries = a.cues.countries
    return bool(
        m
        and n
        and m.head == n.head
        and m.ordinal == n.ordinal
        and len(countries) >= 2
        and countries == b.cues.countries
        and len(_MEETING_NOUN_RE.sub("", m.head)) >= 2
    )






def _names_own(a: _Features, b: _Features) -> bool:
    """Does ``a``'s headline name a place or an acronym that ``b`` never mentions ("김해 주택서 붕괴
    사고…10명 부상" against a report of 창원)? One-sided, and without figures, unlike :func:`_own_names`:
    a flash adds a figure of its own as often as not ("…사망 25명")."""
    return any(t in _PLACES or (t.isascii() and t.isalpha()) for t in a.title_terms - b.terms)


def _own_names(a: _Features, b: _Features) -> bool:
    """Does either headline name a place, an acronym or a figure that the other article never mentions
    ("한미일 정상회의 캠프데이비드서 개최" / "G7 정상회의 개막": two summits described alike)?"""
    return any(
        t in _PLACES or not t.isalpha() or t.isascii()
        for x, y in ((a, b), (b, a))
        for t in x.title_terms - y.terms
    )








def _headlines_agree(a: _Features, b: _Features) -> bool:
    """A copy may be re-headlined but keeps its subject; one body under two unrelated headlines is a
    page template (a login or cookie wall the extractor returned), not a copy."""
    return not a.title_grams or not b.title_grams or _dice(a.title_grams, b.title_grams) >= HEADLINE_AGREEMENT


HEADLINE_AGREEMENT = 0.1


def _same_place_and_day(a: Cues, b: Cues) -> bool:
    # Seoul is where most Korean news happens: sharing it says nothing.
    return bool(
        a.venue
        and a.venue == b.venue
        and a.venue not in _EVERYWHERE
        and a.day
        and b.day
        and not _days_conflict(a.day, b.day)
    )


_EVERYWHERE = frozenset({"서울"})


def _other_day(a: EventDay | None, b: EventDay | None) -> bool:
    """Do two articles name different days for their event? A day abroad ("12일(현지시간)" in
    Washington) and the next day in Korea are one moment: the evening there is the morning here."""
    if a is None or b is None:
        return False
    if a.ordinal is not None and b.ordinal is not None:
        return a.ordinal != b.ordinal and not _abroad_and_next(a, b)
    return a.day != b.day






def _same_outlet(a: _Features, b: _Features) -> bool:
    """Are both from one known outlet? (Items without a URL or outlet name count as two outlets.)"""
    return bool(a.outlet[0]) and a.outlet[0] == b.outlet[0]






