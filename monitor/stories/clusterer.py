"""The online story clusterer: one development, many outlets.

An article joins an existing story through the first of three layers that accepts it:

1. ``exact``: the same canonical URL, or the same content hash (normalised title + text);
2. ``near_duplicate``: a copy of a member's body: a wire story republished with edits, under a byline or
   another headline. Bodies are compared by MinHash over character shingles (monitor/stories/neardup.py)
   and candidates come from LSH bands, never from all pairs; a copy keeps its subject and figures
   (monitor/stories/contrasts.py);
3. ``same_event``: another write-up of the same development, within the time window, in either language:
   candidates come from an inverted index of key terms (canonical names and figures included, so a
   Korean and an English report find each other), and the fitted scorer (monitor/stories/scorer.py)
   decides, after its hard conflicts (another event day, ordinal, period, subject or outcome).

A join is checked against the matched member and the story's own day and meeting, and must also be
plausible against the story's seed, so a chain of loose matches cannot drift into the next event. A
story accepts no members once ``close_after_hours`` have passed since its last development (its first
article, or the first from an outlet it had not carried): a daily column cannot grow into a months-long
story.

Everything is deterministic: no randomised hashing, ties broken by article id, and the outcome depends only
on the items in the window in the order they are added (:func:`cluster_items` adds them in published
order). Cost per article is bounded (capped shingling, capped postings, top-k candidates), so clustering
is linear in the number of articles.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import math
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from monitor.models import Assignment, AssignReason, ClusterItem, StoryState
from monitor.stories.contrasts import (
    _distinct_subjects,
    _numbers_conflict,
)
from monitor.stories.entities import with_entities
from monitor.stories.exact import Normalised
from monitor.stories.features import (
    Cues,
    EventDay,
    KeyTerms,
    _abroad_and_next,
    _dice,
    _Features,
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
    ``same_event_threshold`` the probability of one event (the fitted scorer's) a join must reach;
    ``close_after_hours`` how long a story stays open after its last development. ``key_terms`` adds the
    matcher's entities and topic terms to the clusterer's own (ClusterItem.key_terms, when set, is used
    instead of calling it); ``scorer`` replaces the shipped fitted weights.
    """

    #: How many recent articles a key term's (or LSH bucket's) list keeps; older ones stay findable by
    #: their other terms and bands. Bounds the work per article.
    POSTINGS = 16
    #: A publisher's report and its news-search copy under the same headline join when this close in time
    #: (example: 연합뉴스's own item and Google News's item crediting 연합뉴스, 30 minutes apart).
    PUBLISHER_COPY_HOURS = 12.0
    #: A headline-only item (a news-search entry, a feed without summaries) against another: the scorer,
    #: fitted on items with a lead, must be surer. Example kept apart: the headline
    #: "정부, 핵심광물 공급망 조기경보 체계 점검" and a report "한미일 산업장관 공급망 협력 강화 합의"
    #: whose body names both (p 0.64).
    HEADLINE_ONLY_THRESHOLD = 0.65
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

    def add(
        self, item: ClusterItem, features: _Features | None = None, *, normalised: Normalised | None = None
    ) -> Assignment:
        """Assign an article to a story (an existing one, or a new one keyed by its own id).

        Adding a known article again is how an update is reported: with unchanged content it returns the
        earlier assignment (polling twice changes nothing); with changed content the article is re-indexed
        and stays in its story, and the reason is ``"updated"``.
        """
        known = self._entries.get(item.article_id)
        features = self._features(item, features, normalised)
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

    def _features(
        self, item: ClusterItem, precomputed: _Features | None = None, normalised: Normalised | None = None
    ) -> _Features:
        """The item's features; ``precomputed`` (from :func:`item_features`, maybe in another process)
        is used unless its body turns out to be a site template this clusterer has learnt. ``normalised``
        is the item's normalised form when the poll has it already."""
        f = precomputed or item_features(
            item, self.max_shingle_chars, self.key_terms, self._is_template, normalised
        )
        if (
            precomputed is not None
            and f.body_key is not None
            and self._is_template(f.body_key, f.headline_grams)
        ):
            f = item_features(item, self.max_shingle_chars, self.key_terms, lambda *_: True, normalised)
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
        copy = self._publisher_copy(item, f)
        if copy is not None:
            return self._join(item, "exact", 1.0, copy)
        weights = _Weights(self._df, len(self._entries), self.background)
        return (
            self._near_duplicate(item, f, weights)
            or self._same_event(item, f, weights)
            or Assignment(item.article_id, item.article_id, "new", 0.0, None)
        )

    def _publisher_copy(self, item: ClusterItem, f: _Features) -> int | None:
        """The same report reached through a news-search feed: the same publisher (the aggregator credits
        the item to it, monitor.ingest.aggregator) and the same normalised headline, within
        PUBLISHER_COPY_HOURS. Bodies may differ (the search item has a snippet or nothing); a daily column
        under one headline is a day apart, so it does not chain through this key."""
        outlet = f.outlet[0]
        if f.title_key is None or not outlet:
            return None
        for other_id in self._by_title.get(f.title_key, ()):
            other = self._entries[other_id]
            hours = self._hours_apart(item, other)
            if other.outlet == outlet and hours is not None and hours <= self.PUBLISHER_COPY_HOURS:
                return other_id
        return None

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
                needed = self.same_event_threshold
                if not (f.has_lead and other.f.has_lead):
                    needed = max(needed, self.HEADLINE_ONLY_THRESHOLD)
                if (
                    probability >= needed
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
            item.article_id,
            self._time_of(item),
            _when(item),
            item.url,
            outlet,
            wire,
            item.score,
            f,
            assignment,
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
            story = _Story(
                key, {}, entry.f.cues, {}, entry.when, entry.when, entry.score, lead, 0, entry.time
            )
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
        for position, (ids, key) in enumerate(
            zip(entry.lists, itertools.chain(f.band_keys, f.terms), strict=False)
        ):
            if not ids:
                continue
            if ids[0] == article_id:
                del ids[0]
            elif article_id in ids:
                ids.remove(article_id)
            else:
                continue
            if not ids:
                # key is a band key (int) for the first len(band_keys) lists, a term (str) after them
                if position < len(f.band_keys):
                    del bands[key]  # type: ignore[arg-type]
                else:
                    del postings[key]  # type: ignore[arg-type]
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
            math.fsum(map(self.__getitem__, shared)) / math.sqrt(self.total(a) * self.total(b))
            if shared
            else 0.0
        )

    def own_subjects(self, a: _Features, b: _Features) -> bool:
        """Does each headline keep a term to itself that is rarer than anything the two articles share?

        Rarity counts the *other* articles in the window, so a term only these two share is as rare as
        can be. The background does not count here: template fills show as a burst in the window, while
        by the background's measure a flash's own speaker or verb (산업부, 환영) is often rarer than the
        code it shares with its report (CHIPS), and every flash would look like another fill. Two fills of
        one template ("EOG 리소시스, 장중 3% 이상 급등" / "아메렌, 장중 3% 이상 급등";
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


def _headlines_agree(a: _Features, b: _Features) -> bool:
    """A copy may be re-headlined but keeps its subject; one body under two unrelated headlines is a
    page template (a login or cookie wall the extractor returned), not a copy."""
    return not a.title_grams or not b.title_grams or _dice(a.title_grams, b.title_grams) >= HEADLINE_AGREEMENT


HEADLINE_AGREEMENT = 0.1


def _other_day(a: EventDay | None, b: EventDay | None) -> bool:
    """Do two articles name different days for their event? A day abroad ("12일(현지시간)" in
    Washington) and the next day in Korea are one moment: the evening there is the morning here."""
    if a is None or b is None:
        return False
    if a.ordinal is not None and b.ordinal is not None:
        return a.ordinal != b.ordinal and not _abroad_and_next(a, b)
    return a.day != b.day
