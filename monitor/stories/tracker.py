"""The story stage of a poll: every new or updated article joins a story, and the decision is stored.

Sits between match and store in the pipeline: once the feeds of a poll have stored their articles (each
feed in its own transaction), the tracker clusters every article that has no story yet (or changed since
its story was decided) in (published, id) order and stores the decisions in a transaction of their own.
One batch per poll, not one per feed, so the stories do not depend on which feed happened to answer
first. The database is the source of truth for what is pending, so nothing can be lost between the
transactions: whatever a crash left without a story is simply pending at the next poll.

One tracker lives as long as its process: `monitor run` keeps one across all its poll jobs; a one-shot
`monitor poll --once` makes a fresh one, which first replays the stored decisions of the last window
(StoryClusterer.restore) so it continues exactly where the previous process stopped. All work on the
clusterer happens under one lock, so poll jobs on several threads can share a tracker.

Deterministic and idempotent: articles are clustered in (time, id) order; an article already decided is
not decided again unless its content changed (then it stays in its story, reason ``updated``, and the
story's ``last_updated_at`` moves); :func:`recluster` rebuilds every decision from scratch with the same
clusterer and writes only the rows that differ.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from monitor.logs import ctx
from monitor.models import Assignment, StorySettings
from monitor.store import Store

# The clusterer (and numpy with it) is imported where a tracker first clusters, not here: a poll with
# [stories] enabled = false, and every command that only reads the database, never pays for it (~18 MB).
if TYPE_CHECKING:
    from monitor.stories.clusterer import StoryClusterer
    from monitor.stories.exact import Normalised

log = logging.getLogger(__name__)

#: The [stories] defaults (written once, on StorySettings), as the tracker's options take them.
_DEFAULTS = StorySettings()
DEFAULT_WINDOW_HOURS = _DEFAULTS.window_s / 3600.0
#: A story accepts no more members after this long without a development (a new outlet carrying it).
DEFAULT_CLOSE_AFTER_HOURS = _DEFAULTS.close_after_hours


@dataclass(frozen=True, slots=True)
class TrackResult:
    """What one call of the tracker decided."""

    clustered: int = 0  # articles given (or confirmed in) a story
    new_stories: int = 0
    joined: int = 0  # articles that joined an existing story
    updated: int = 0  # articles whose content changed (their story reads as updated)
    stories_touched: int = 0


class StoryTracker:
    """Long-lived, thread-safe owner of one :class:`StoryClusterer` and its link to the database."""

    def __init__(
        self,
        *,
        window_hours: float = DEFAULT_WINDOW_HOURS,
        near_dup_threshold: float = _DEFAULTS.near_duplicate,
        same_event_threshold: float = _DEFAULTS.same_event,
        close_after_hours: float = DEFAULT_CLOSE_AFTER_HOURS,
        workers: int | None = None,
    ) -> None:
        #: Processes computing the new articles' features in a large batch (a first poll, a catch-up);
        #: ``add_all`` keeps small batches in this process, and its decisions do not depend on it.
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.options: dict[str, Any] = {
            "window_hours": window_hours,
            "near_dup_threshold": near_dup_threshold,
            "same_event_threshold": same_event_threshold,
            "close_after_hours": close_after_hours,
        }
        self._lock = threading.Lock()
        self._clusterer: StoryClusterer | None = None
        self._restored_from: str | None = None

    @classmethod
    def from_settings(cls, settings: StorySettings) -> StoryTracker | None:
        """A tracker as the ``[stories]`` config section asks, or None when stories are switched off."""
        if not settings.enabled:
            return None
        return cls(
            window_hours=settings.window_s / 3600.0,
            near_dup_threshold=settings.near_duplicate,
            same_event_threshold=settings.same_event,
            close_after_hours=settings.close_after_hours,
        )

    def catch_up(self, store: Store) -> TrackResult:
        """Cluster every stored article without a story (or changed since): run at the start of a poll."""
        return self.track(store)

    def track(
        self,
        store: Store,
        article_ids: Iterable[int] | None = None,
        *,
        normalised: Mapping[tuple[str, str], Normalised] | None = None,
    ) -> TrackResult:
        """Cluster the given articles (all pending ones when None) and store the decisions.

        ``normalised``: the articles' normalised forms by (title, text), which the poll computed for their
        content hashes; articles found there are not normalised a second time."""
        from monitor.stories.batch import add_all

        with self._lock:
            pending = store.articles_to_cluster(article_ids)
            if not pending:
                return TrackResult()  # a poll with nothing new does not pay for restoring the window
            clusterer = self._clusterer_for(store)
            assignments: list[Assignment] = []
            new = joined = updated = 0
            for unassigned, run in itertools.groupby(pending, key=lambda row: row.assignment is None):
                rows = list(run)
                if unassigned:
                    # A run of articles without a story (in a first poll: all of them) goes through
                    # add_all, which gives the same decisions as adding one by one but computes the
                    # features in worker processes for a large batch and pauses the garbage collector.
                    items = [r.item for r in rows]
                    for assignment in add_all(clusterer, items, workers=self.workers, normalised=normalised):
                        new += assignment.reason == "new"
                        joined += assignment.reason != "new"
                        assignments.append(assignment)
                    continue
                for row in rows:
                    previous = row.assignment
                    assert previous is not None
                    # Changed content: the article keeps its story (a correction is not a new story);
                    # an article already out of the clusterer's window is put back under its decision.
                    if clusterer.knows(row.item.article_id):
                        # re-indexes the new content in the same story
                        clusterer.add(
                            row.item, normalised=(normalised or {}).get((row.item.title, row.item.text))
                        )
                    else:
                        clusterer.restore(row.item, previous)
                    assignments.append(
                        replace(previous, reason="updated", similarity=1.0, matched_article_id=None)
                    )
                    updated += 1
            touched = store.record_assignments(assignments)
        result = TrackResult(len(assignments), new, joined, updated, touched)
        log.info(
            "stories: %d articles clustered (%d new stories, %d joined, %d updated)",
            result.clustered,
            new,
            joined,
            updated,
            extra=ctx(stage="stories"),
        )
        return result

    def _clusterer_for(self, store: Store) -> StoryClusterer:
        """The clusterer, restored from this database's last window the first time it is used on it."""
        from monitor.stories.batch import restore_all
        from monitor.stories.clusterer import StoryClusterer

        if self._clusterer is None or self._restored_from != store.path:
            clusterer = StoryClusterer(**self.options)
            restored = store.assigned_in_window(self.options["window_hours"])
            # A whole window (a first poll's 30,000 articles) computes its features in the workers too.
            restore_all(
                clusterer,
                [(row.item, row.assignment) for row in restored if row.assignment],
                workers=self.workers,
            )
            self._clusterer, self._restored_from = clusterer, store.path
            if restored:
                log.info(
                    "stories: restored %d decisions from the last %.0f h",
                    len(restored),
                    self.options["window_hours"],
                    extra=ctx(stage="stories"),
                )
        return self._clusterer


@dataclass(frozen=True, slots=True)
class ReclusterResult:
    articles: int
    stories: int
    changed: int  # article_story rows written or removed


def recluster(store: Store, tracker: StoryTracker | None = None) -> ReclusterResult:
    """Cluster every stored article from scratch in (time, id) order and store what differs.

    Deterministic: running it twice changes nothing the second time. The decisions are those a tracker
    makes when the articles arrive in that order (a live poll can differ where feeds delivered articles
    out of time order; this is how to bring the database back to the canonical clustering).
    """
    from monitor.stories.batch import cluster_items

    tracker = tracker or StoryTracker()
    items = store.all_cluster_items()
    # Features in worker processes (identical results, about half the time on two cores); a script
    # calling this needs an `if __name__ == "__main__":` guard, as for large polls.
    assignments = cluster_items(items, workers=os.cpu_count() or 1, **tracker.options)
    ordered = [assignments[i.article_id] for i in items]
    changed = store.replace_assignments(ordered)
    with tracker._lock:  # the live clusterer no longer matches the database: rebuild it on next use
        tracker._clusterer = None
        tracker._restored_from = None
    return ReclusterResult(len(items), len({a.story_key for a in ordered}), changed)
