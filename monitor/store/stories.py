"""Stories: the clusterer's decisions per article (``article_story``), and the story rows digests read.

The clusterer (monitor.dedupe, driven by monitor.stories.StoryTracker) decides; this module only keeps
the decisions and derives everything else from them. A story's aggregates (lead, size, outlets, best
score, relevant, topics, times) are never edited by hand: :meth:`StoryStore.refresh_stories` recomputes
them from the members, the articles and the matcher's verdicts, so re-matching (new verdicts) or an
updated article only needs a refresh.

Times: ``first_seen_at`` is the earliest member's publication time (else when the monitor first saw it);
``last_updated_at`` is when a member last joined or changed (the latest ``decided_at`` or article
``updated_at``): a story that grows after a digest was sent moves, so the digest can tell it apart.
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor.clock import from_iso, to_iso, utcnow
from monitor.models import Assignment, ClusterItem
from monitor.store.core import CoreStore, chunks
from monitor.urls import WIRE_OUTLETS, article_outlet, outlet_for

#: The time an article is placed at: when it was published, else when the monitor first saw it.
_TIME = "coalesce(a.published_at, a.first_seen_at)"
#: a.outlet last: the publisher a news-search item credited (None: the outlet is read from the URL).
_ITEM_COLUMNS = (
    f"a.id, a.title, a.text, a.url, a.published_at, a.first_seen_at, f.name, {_TIME} AS t, a.outlet"
)


@dataclass(frozen=True, slots=True)
class StoredAssignment:
    """An article's stored decision, with what the clusterer needs to restore it."""

    item: ClusterItem
    assignment: Assignment | None  # None: never clustered


class StoryStore(CoreStore):
    """The ``stories`` and ``article_story`` tables (issue 4)."""

    # ---------------------------------------------------------------------------------------------
    # What the tracker reads
    # ---------------------------------------------------------------------------------------------

    def articles_to_cluster(self, article_ids: Iterable[int] | None = None) -> list[StoredAssignment]:
        """Articles without a story, or changed since their story was decided, in (time, id) order.

        With ``article_ids`` only those are looked at (a feed's articles after its poll); without, the
        whole table (the catch-up on start that makes a crash between the two transactions harmless).
        Rows that still have a decision carry it, so the tracker keeps the article in its story.
        """
        sql = (
            f"SELECT {_ITEM_COLUMNS}, s.story_id, s.reason, s.similarity, s.matched_article_id "
            "FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id "
            "LEFT JOIN article_story s ON s.article_id = a.id "
            "WHERE (s.article_id IS NULL OR (a.updated_at IS NOT NULL AND a.updated_at > s.decided_at))"
        )
        if article_ids is None:
            rows = self.db.execute(sql + " ORDER BY t, a.id").fetchall()
        else:
            rows = []
            for chunk in chunks(sorted(set(article_ids)), 500):
                rows += self.db.execute(f"{sql} AND a.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            rows.sort(key=lambda r: (r[7], r[0]))
        return [StoredAssignment(_item(r), _assignment(r[0], r[9:])) for r in rows]

    def assigned_in_window(self, hours: float) -> list[StoredAssignment]:
        """Clustered articles from the last ``hours`` before the newest one, in (time, id) order: what a
        fresh clusterer replays (StoryClusterer.restore) to continue where the last process stopped."""
        newest = self.db.execute(
            f"SELECT max({_TIME}) FROM articles a JOIN article_story s ON s.article_id = a.id"
        ).fetchone()[0]
        if newest is None:
            return []
        since = to_iso(from_iso(newest) - timedelta(hours=hours))  # type: ignore[operator]
        rows = self.db.execute(
            f"SELECT {_ITEM_COLUMNS}, s.story_id, s.reason, s.similarity, s.matched_article_id "
            "FROM articles a JOIN article_story s ON s.article_id = a.id "
            f"LEFT JOIN feeds f ON f.id = a.feed_id WHERE {_TIME} >= ? ORDER BY t, a.id",
            (since,),
        ).fetchall()
        return [StoredAssignment(_item(r), _assignment(r[0], r[9:])) for r in rows]

    def all_cluster_items(self) -> list[ClusterItem]:
        """Every article as the clusterer sees it, in (time, id) order (re-clustering from scratch)."""
        rows = self.db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM articles a LEFT JOIN feeds f ON f.id = a.feed_id ORDER BY t, a.id"
        ).fetchall()
        return [_item(r) for r in rows]

    def story_assignments(self) -> dict[int, int]:
        """article id → story id, for every clustered article."""
        return dict(self.db.execute("SELECT article_id, story_id FROM article_story").fetchall())

    # ---------------------------------------------------------------------------------------------
    # What the tracker writes
    # ---------------------------------------------------------------------------------------------

    def record_assignments(self, assignments: Sequence[Assignment], *, now: datetime | None = None) -> int:
        """Store decisions (one transaction) and refresh the stories they touch; return stories touched.

        Every given decision is written with ``decided_at`` = now: the tracker passes only new and
        updated articles, and either moves its story's ``last_updated_at``.
        """
        if not assignments:
            return 0
        with self.transaction():
            touched = self._write_assignments(assignments, to_iso(now or utcnow()) or "")
            self._refresh(touched)
        return len(touched)

    def replace_assignments(self, assignments: Sequence[Assignment], *, now: datetime | None = None) -> int:
        """Re-clustering: make ``article_story`` hold exactly these decisions; return rows changed.

        A row whose story and reason are unchanged keeps its ``decided_at``, so re-clustering to the same
        stories moves no story's ``last_updated_at`` (digests see nothing new).
        """
        stamp = to_iso(now or utcnow()) or ""
        current = {
            r[0]: (r[1], r[2])
            for r in self.db.execute("SELECT article_id, story_id, reason FROM article_story").fetchall()
        }
        wanted = {a.article_id for a in assignments}
        changed = [a for a in assignments if current.get(a.article_id) != (a.story_key, a.reason)]
        gone = [i for i in current if i not in wanted]
        with self.transaction():
            for chunk in chunks(gone, 500):
                self.db.conn.execute(
                    f"DELETE FROM article_story WHERE article_id IN ({','.join('?' * len(chunk))})", chunk
                )
            self._write_assignments(changed, stamp)
            self._refresh(None)  # everything: a rebuild also repairs aggregates derived under old rules
        return len(changed) + len(gone)

    def _write_assignments(self, assignments: Sequence[Assignment], stamp: str) -> set[int]:
        conn = self.db.conn
        keys = sorted({a.story_key for a in assignments})
        # A placeholder first (article_story references stories); _refresh fills it in.
        conn.executemany(
            "INSERT OR IGNORE INTO stories (id, lead_article_id, title, first_seen_at, last_updated_at, "
            "size, outlet_count, outlets) VALUES (?, ?, '', ?, ?, 0, 0, '[]')",
            [(key, key, stamp, stamp) for key in keys],
        )
        old = {}
        ids = [a.article_id for a in assignments]
        for chunk in chunks(ids, 500):
            old.update(self.db.execute(
                f"SELECT article_id, story_id FROM article_story WHERE article_id IN "
                f"({','.join('?' * len(chunk))})", chunk).fetchall())
        conn.executemany(
            "INSERT INTO article_story (article_id, story_id, reason, similarity, matched_article_id, "
            "decided_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
            "story_id = excluded.story_id, reason = excluded.reason, similarity = excluded.similarity, "
            "matched_article_id = excluded.matched_article_id, decided_at = excluded.decided_at",
            [(a.article_id, a.story_key, a.reason, a.similarity, a.matched_article_id, stamp)
             for a in assignments],
        )
        return set(keys) | set(old.values())

    # ---------------------------------------------------------------------------------------------
    # Aggregates
    # ---------------------------------------------------------------------------------------------

    def refresh_stories(self, story_ids: Iterable[int] | None = None) -> int:
        """Recompute stories from their members, articles and matches (all stories when None).

        Call after anything a story is derived from changed outside the tracker, e.g. re-matching
        (new verdicts change best score, relevance and topics). Returns the number of stories written.
        """
        with self.transaction():
            return self._refresh(None if story_ids is None else set(story_ids))

    def _refresh(self, story_ids: set[int] | None) -> int:
        # Members are read in story order and aggregated one story at a time: holding every member of
        # every touched story at once made the transient memory of a poll grow with the stories' sizes
        # (a service whose stories keep growing crept up ~0.3 MB a cycle in the soak).
        sql = (
            "SELECT s.story_id, a.id, a.title, a.url, f.name, "
            f"{_TIME} AS t, a.updated_at, s.decided_at, m.score, m.relevant, m.topics, a.outlet "
            "FROM article_story s JOIN articles a ON a.id = s.article_id "
            "LEFT JOIN feeds f ON f.id = a.feed_id LEFT JOIN matches m ON m.article_id = a.id"
        )
        rows: list[tuple[Any, ...]] = []
        if story_ids is None:
            rows += self._aggregates(self.db.execute(f"{sql} ORDER BY s.story_id"))
            empty = [r[0] for r in self.db.execute(
                "SELECT id FROM stories WHERE id NOT IN (SELECT story_id FROM article_story)").fetchall()]
        else:
            for chunk in chunks(sorted(story_ids), 500):
                marks = ",".join("?" * len(chunk))
                rows += self._aggregates(self.db.execute(
                    f"{sql} WHERE s.story_id IN ({marks}) ORDER BY s.story_id", chunk))
            found = {r[0] for r in rows}
            empty = [i for i in story_ids if i not in found]
        for chunk in chunks(sorted(empty), 500):
            self.db.conn.execute(f"DELETE FROM stories WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        self.db.conn.executemany(
            "INSERT INTO stories (id, lead_article_id, title, first_seen_at, last_updated_at, size, "
            "outlet_count, outlets, best_score, relevant, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET lead_article_id = excluded.lead_article_id, "
            "title = excluded.title, first_seen_at = excluded.first_seen_at, "
            "last_updated_at = excluded.last_updated_at, size = excluded.size, "
            "outlet_count = excluded.outlet_count, outlets = excluded.outlets, "
            "best_score = excluded.best_score, relevant = excluded.relevant, topics = excluded.topics",
            rows,
        )
        return len(rows)

    @staticmethod
    def _aggregates(cursor: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        """One stories row per story from member rows that arrive ordered by story."""
        for story_id, members in itertools.groupby(cursor, key=operator.itemgetter(0)):
            yield _aggregate(story_id, list(members))

    # ---------------------------------------------------------------------------------------------
    # Reading, for people and digests
    # ---------------------------------------------------------------------------------------------

    def recent_stories(
        self,
        *,
        since: datetime | None = None,
        relevant: bool = False,
        min_size: int = 1,
        limit: int | None = 50,
    ) -> list[dict[str, Any]]:
        """Stories updated since ``since`` (UTC), most recently updated first; JSON columns decoded."""
        where, params = ["size >= ?"], [min_size]
        if since is not None:
            where.append("last_updated_at >= ?")
            params.append(to_iso(since))  # type: ignore[arg-type]
        if relevant:
            where.append("relevant = 1")
        sql = (f"SELECT * FROM stories WHERE {' AND '.join(where)} "
               "ORDER BY last_updated_at DESC, first_seen_at DESC, id DESC")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_decode(r) for r in _dicts(self.db.execute(sql, params))]

    def story_row(self, story_id: int) -> dict[str, Any] | None:
        rows = _dicts(self.db.execute("SELECT * FROM stories WHERE id = ?", (story_id,)))
        return _decode(rows[0]) if rows else None

    def story_of(self, article_id: int) -> int | None:
        row = self.db.execute("SELECT story_id FROM article_story WHERE article_id = ?", (article_id,))
        found = row.fetchone()
        return int(found[0]) if found else None

    def story_members(self, story_id: int) -> list[dict[str, Any]]:
        """Every member with its decision, in (time, id) order."""
        rows = _dicts(self.db.execute(
            "SELECT a.id AS article_id, a.title, a.url, f.name AS feed, a.outlet AS credited_outlet, "
            "a.published_at, a.first_seen_at, "
            f"{_TIME} AS time, a.updated_at, s.reason, s.similarity, s.matched_article_id, s.decided_at, "
            "m.score, m.relevant "
            "FROM article_story s JOIN articles a ON a.id = s.article_id "
            "LEFT JOIN feeds f ON f.id = a.feed_id LEFT JOIN matches m ON m.article_id = a.id "
            f"WHERE s.story_id = ? ORDER BY time, a.id",
            (story_id,),
        ))
        for row in rows:
            row["outlet"] = stored_outlet(row["url"], row["feed"], row.pop("credited_outlet"))[0]
        return rows

    def story_counts(self) -> dict[str, int]:
        stories, clustered, largest = self.db.execute(
            "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM article_story), "
            "(SELECT coalesce(max(size), 0) FROM stories)"
        ).fetchone()
        return {"total_stories": int(stories), "clustered_articles": int(clustered),
                "largest_story": int(largest)}


def _item(r: Sequence[Any]) -> ClusterItem:
    return ClusterItem(
        article_id=r[0],
        title=r[1],
        text=r[2],
        url=r[3],
        published=from_iso(r[4]),
        first_seen=from_iso(r[5]),
        outlet=stored_outlet(r[3], r[6], r[8])[0],
    )


def stored_outlet(url: str, feed: str | None, credited: str | None) -> tuple[str, bool]:
    """An article's outlet and whether it is a wire: the publisher a news-search item credited
    (``articles.outlet``, see monitor.aggregator), else what its URL names (monitor.urls.article_outlet)."""
    if credited:
        known = outlet_for(f"https://{credited}/")
        return credited, bool(known and known.wire) or credited.strip().lower() in WIRE_OUTLETS
    return article_outlet(url, feed or "")


def _assignment(article_id: int, r: Sequence[Any]) -> Assignment | None:
    if r[0] is None:
        return None
    return Assignment(article_id, r[0], r[1], r[2], r[3])


def _aggregate(story_id: int, rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """One stories row from its members' rows (story_id, id, title, url, feed, t, updated_at,
    decided_at, score, relevant, topics, credited outlet). The lead is the earliest wire copy, else the
    earliest member."""
    members = []
    for _, article_id, title, url, feed, t, updated_at, decided_at, score, relevant, topics, credited in rows:
        outlet, wire = stored_outlet(url, feed, credited)
        members.append((article_id, title, outlet, wire, t or "", max(decided_at, updated_at or ""),
                        score, relevant, topics))
    by_time = sorted(members, key=lambda m: (m[4], m[0]))
    lead = min(by_time, key=lambda m: (not m[3], m[4], m[0]))
    outlets = list(dict.fromkeys([lead[2], *(m[2] for m in by_time)]))
    outlets = [o for o in outlets if o]
    scored = [m for m in members if m[6] is not None]
    topics: list[str] = []
    for m in sorted(scored, key=lambda m: (-m[6], m[0])):  # the strongest member's topics first
        topics += [t for t in json.loads(m[8] or "[]") if t not in topics]
    return (
        story_id,
        lead[0],
        lead[1],
        by_time[0][4],
        max(m[5] for m in members),
        len(members),
        len(outlets),
        json.dumps(outlets, ensure_ascii=False),
        max((m[6] for m in scored), default=0.0),
        int(any(m[7] for m in members)),
        json.dumps(topics, ensure_ascii=False),
    )


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["outlets"] = json.loads(row["outlets"])
    row["topics"] = json.loads(row["topics"])
    return row

