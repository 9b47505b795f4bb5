"""Stories: the clusterer's decisions per article (``article_story``), and the story rows digests read.

The clusterer (driven by monitor.stories.StoryTracker) decides; this module only keeps the decisions and
derives everything else from them. A story's aggregates (lead, size, outlets, best score, relevant, topics,
times) are never edited by hand, and one definition (:class:`StoryAggregate`, a fold over members) makes
them two ways:

- incrementally, on every poll (:meth:`StoryStore.record_assignments`): a touched story's aggregate is
  loaded from its ``stories`` row and its side tables (``story_outlets``: each outlet's first member;
  ``story_topics``: each topic's strongest member), the new members are folded in, and what changed is
  written back. The cost is the new members plus the story's outlets and topics, never its size (a
  10,000-member story costs what a 10-member one does; ``bench/bench_story_store.py``);
- in full, from every member (:meth:`StoryStore.refresh_stories`): for re-clustering, for the migration
  that introduced the side tables, after re-matching or a poll's changed verdict of a clustered member
  (a lower best score is something a fold cannot undo), and for a touched story an article moved out of,
  whose updated member was its lead or an outlet's first report, or whose side tables are not filled
  (``last_development_at`` NULL). Other updated members fold in again without counting twice.

``tests/test_story_aggregates.py`` checks that both give the same rows after many random batches.

Times: ``first_seen_at`` is the earliest member's publication time (else when the monitor first saw it);
``last_updated_at`` is when a member last joined or changed (the latest ``decided_at`` or article
``updated_at``): a story that grows after a digest was sent moves, so the digest can tell it apart.
``last_development_at`` is the time of the latest outlet's first report (article times, as
``first_seen_at``): a member from an outlet the story had not carried is a development, another report
from an outlet it already had is not. ``[stories] close_after_hours`` counts from it, so a daily column of
one outlet stops chaining into one story, while an event other outlets keep picking up stays open. Article
times, not decision times, so that re-clustering the same articles gives the same value.
"""

from __future__ import annotations

import itertools
import json
import logging
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.clock import from_iso, to_iso, utcnow
from monitor.ingest import WIRE_OUTLETS, article_outlet, outlet_for
from monitor.models import Assignment, ClusterItem
from monitor.store.core import CoreStore, chunks

log = logging.getLogger(__name__)

#: The schema version that added the side tables the incremental aggregates need (see migrate()).
AGGREGATES_VERSION = 10

#: The time an article is placed at: when it was published, else when the monitor first saw it.
_TIME = "coalesce(a.published_at, a.first_seen_at)"
#: a.outlet: the publisher a news-search item credited (None: the outlet is read from the URL); a.language
#: last: "ko" / "en" as the feed declared or the poll detected.
_ITEM_COLUMNS = (
    f"a.id, a.title, a.text, a.url, a.published_at, a.first_seen_at, f.name, {_TIME} AS t, a.outlet, "
    "a.language"
)
_DECISION_COLUMNS = "s.story_id, s.reason, s.similarity, s.matched_article_id, s.evidence"
#: One member as the aggregates read it: story_id, id, title, url, feed, t, updated_at, decided_at, score,
#: relevant, topics, credited outlet.
_MEMBER_SQL = (
    "SELECT s.story_id, a.id, a.title, a.url, f.name, "
    f"{_TIME} AS t, a.updated_at, s.decided_at, m.score, m.relevant, m.topics, a.outlet "
    "FROM article_story s JOIN articles a ON a.id = s.article_id "
    "LEFT JOIN feeds f ON f.id = a.feed_id LEFT JOIN matches m ON m.article_id = a.id"
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
            f"SELECT {_ITEM_COLUMNS}, {_DECISION_COLUMNS} "
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
        return [StoredAssignment(_item(r), _assignment(r[0], r[10:])) for r in rows]

    def assigned_in_window(self, hours: float) -> list[StoredAssignment]:
        """Clustered articles from the last ``hours`` before the newest one, in (time, id) order: what a
        fresh clusterer replays (StoryClusterer.restore) to continue where the last process stopped."""
        newest = self.db.execute(
            f"SELECT max({_TIME}) FROM articles a JOIN article_story s ON s.article_id = a.id"
        ).fetchone()[0]
        if newest is None:
            return []
        newest_at = from_iso(newest)
        assert newest_at is not None  # newest is a stored ISO timestamp, never empty
        since = to_iso(newest_at - timedelta(hours=hours))
        rows = self.db.execute(
            f"SELECT {_ITEM_COLUMNS}, {_DECISION_COLUMNS} "
            "FROM articles a JOIN article_story s ON s.article_id = a.id "
            f"LEFT JOIN feeds f ON f.id = a.feed_id WHERE {_TIME} >= ? ORDER BY t, a.id",
            (since,),
        ).fetchall()
        return [StoredAssignment(_item(r), _assignment(r[0], r[10:])) for r in rows]

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
    # Opening: the once-only recompute after the migration that added the side tables
    # ---------------------------------------------------------------------------------------------

    def migrate(self, *, target: int | None = None) -> list[int]:
        """Migrate (see CoreStore.migrate), then recompute every story once if this run added the
        incremental aggregates' side tables: stories carried over from an older schema get them filled."""
        applied = super().migrate(target=target)
        if AGGREGATES_VERSION in applied:
            written = self.refresh_stories()
            log.info("stories: recomputed %d stories for incremental aggregates", written)
        return applied

    def _write_matches(self, params: Sequence[tuple[Any, ...]]) -> None:
        """A poll's verdicts, and a full recompute of the stories whose clustered members got a different
        one (an edited entry re-matched under a new topics file, say): a fold only ever raises a best
        score, so a lowered verdict must not wait for the story to be touched (it may never be, and the
        old per-poll recompute used to repair it then). Unchanged verdicts, as a feed that churns its
        GUIDs gives every poll, cost one lookup."""
        changed: set[int] = set()
        wanted = {p[0]: (p[1], p[3], p[5]) for p in params}  # article id → (relevant, score, topics)
        for chunk in chunks(sorted(wanted), 500):
            for article_id, story_id, relevant, score, topics in self.db.execute(
                "SELECT s.article_id, s.story_id, m.relevant, m.score, m.topics FROM article_story s "
                f"LEFT JOIN matches m ON m.article_id = s.article_id WHERE s.article_id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                if (relevant, score, topics) != wanted[article_id]:
                    changed.add(story_id)
        super()._write_matches(params)
        if changed:
            self._refresh(changed)

    # ---------------------------------------------------------------------------------------------
    # What the tracker writes
    # ---------------------------------------------------------------------------------------------

    def record_assignments(self, assignments: Sequence[Assignment], *, now: datetime | None = None) -> int:
        """Store decisions (one transaction) and update the stories they touch; return stories touched.

        Every given decision is written with ``decided_at`` = now: the tracker passes only new and
        updated articles, and either moves its story's ``last_updated_at``. A story that only gained
        members is updated from the new members (incremental); one whose existing members changed is
        recomputed from all of them (see the module docstring).
        """
        if not assignments:
            return 0
        latest = list({a.article_id: a for a in assignments}.values())  # the same article twice: the last
        with self.transaction():
            previous = self._write_assignments(latest, to_iso(now or utcnow()) or "")
            joined: dict[int, list[int]] = {}  # story → new members
            edited: dict[int, list[int]] = {}  # story → members updated in place (reason "updated")
            full: set[int] = set()
            for a in latest:
                before = previous.get(a.article_id)
                if before is None:
                    joined.setdefault(a.story_key, []).append(a.article_id)
                elif before == a.story_key and a.reason == "updated":
                    edited.setdefault(a.story_key, []).append(a.article_id)
                else:  # moved out of a story: a fold cannot take a member back
                    full.update((a.story_key, before))
            full |= self._not_aggregated((set(joined) | set(edited)) - full)
            full |= self._fold_in(
                {k: v for k, v in joined.items() if k not in full},
                {k: v for k, v in edited.items() if k not in full},
            )
            self._refresh(full)
        return len(set(joined) | set(edited) | full)

    def replace_assignments(self, assignments: Sequence[Assignment], *, now: datetime | None = None) -> int:
        """Re-clustering: make ``article_story`` hold exactly these decisions; return rows changed.

        A row whose story and reason are unchanged keeps its ``decided_at``, so re-clustering to the same
        stories moves no story's ``last_updated_at`` (digests see nothing new); its explanation
        (similarity, matched member, evidence) is brought up to date without counting as a change.
        """
        stamp = to_iso(now or utcnow()) or ""
        current = {
            r[0]: (r[1], r[2], r[3], r[4], r[5])
            for r in self.db.execute(
                "SELECT article_id, story_id, reason, similarity, matched_article_id, evidence "
                "FROM article_story"
            ).fetchall()
        }
        wanted = {a.article_id for a in assignments}
        changed, explained = [], []
        for a in assignments:
            now_row = current.get(a.article_id)
            if now_row is None or now_row[:2] != (a.story_key, a.reason):
                changed.append(a)
            elif now_row[2:] != (a.similarity, a.matched_article_id, _evidence_json(a.evidence)):
                explained.append(a)
        gone = [i for i in current if i not in wanted]
        with self.transaction():
            for chunk in chunks(gone, 500):
                self.db.conn.execute(
                    f"DELETE FROM article_story WHERE article_id IN ({','.join('?' * len(chunk))})", chunk
                )
            self._write_assignments(changed, stamp)
            self.db.conn.executemany(
                "UPDATE article_story SET similarity = ?, matched_article_id = ?, evidence = ? "
                "WHERE article_id = ?",
                [
                    (a.similarity, a.matched_article_id, _evidence_json(a.evidence), a.article_id)
                    for a in explained
                ],
            )
            self._refresh(None)  # everything: a rebuild also repairs aggregates derived under old rules
        return len(changed) + len(gone)

    def _write_assignments(self, assignments: Sequence[Assignment], stamp: str) -> dict[int, int]:
        """Write the decisions; return article id → story id of those that had a decision before."""
        conn = self.db.conn
        keys = sorted({a.story_key for a in assignments})
        # A placeholder first (article_story references stories): size 0 is the empty aggregate that the
        # new members are folded into, or _refresh fills it in.
        conn.executemany(
            "INSERT OR IGNORE INTO stories (id, lead_article_id, title, first_seen_at, last_updated_at, "
            "size, outlet_count, outlets, last_development_at) VALUES (?, ?, '', ?, ?, 0, 0, '[]', ?)",
            [(key, key, stamp, stamp, stamp) for key in keys],
        )
        old: dict[int, int] = {}
        ids = [a.article_id for a in assignments]
        for chunk in chunks(ids, 500):
            old.update(
                self.db.execute(
                    f"SELECT article_id, story_id FROM article_story WHERE article_id IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        conn.executemany(
            "INSERT INTO article_story (article_id, story_id, reason, similarity, matched_article_id, "
            "decided_at, evidence) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET "
            "story_id = excluded.story_id, reason = excluded.reason, similarity = excluded.similarity, "
            "matched_article_id = excluded.matched_article_id, decided_at = excluded.decided_at, "
            "evidence = excluded.evidence",
            [
                (
                    a.article_id,
                    a.story_key,
                    a.reason,
                    a.similarity,
                    a.matched_article_id,
                    stamp,
                    _evidence_json(a.evidence),
                )
                for a in assignments
            ],
        )
        return old

    # ---------------------------------------------------------------------------------------------
    # Aggregates
    # ---------------------------------------------------------------------------------------------

    def refresh_stories(self, story_ids: Iterable[int] | None = None) -> int:
        """Recompute stories from all their members, articles and matches (all stories when None).

        Call after anything a story is derived from changed outside the tracker, e.g. re-matching
        (new verdicts change best score, relevance and topics). Returns the number of stories written.
        """
        with self.transaction():
            return self._refresh(None if story_ids is None else set(story_ids))

    def last_developments(self, story_ids: Iterable[int]) -> dict[int, datetime]:
        """story id → its last development (UTC), for the clusterer's ``close_after_hours``."""
        found: dict[int, datetime] = {}
        for chunk in chunks(sorted(set(story_ids)), 500):
            for story_id, at in self.db.execute(
                f"SELECT id, coalesce(last_development_at, first_seen_at) FROM stories "
                f"WHERE size > 0 AND id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall():
                when = from_iso(at)
                if when is not None:
                    found[int(story_id)] = when
        return found

    def _not_aggregated(self, story_ids: set[int]) -> set[int]:
        """Those of ``story_ids`` with members but no side tables (carried over, or written by hand)."""
        found: set[int] = set()
        for chunk in chunks(sorted(story_ids), 500):
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM stories WHERE last_development_at IS NULL AND size > 0 "
                    f"AND id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        return found

    def _fold_in(self, joined: dict[int, list[int]], edited: dict[int, list[int]]) -> set[int]:
        """Incremental: fold each story's new members, and its members updated in place, into its stored
        aggregate and write what changed. Returns the stories that need a full recompute instead.

        An updated member (new text, perhaps a new time; a changed verdict was already dealt with when it
        was written, see _write_matches) folds in again without counting twice, as long as it holds no
        part of the aggregate a later time could take from it: it is not the lead, not its outlet's first
        member, and has an outlet. Otherwise (the lead's own [종합] rewrite, say) the story is recomputed.
        A story whose lead article row is gone is recomputed too.
        """
        if not joined and not edited:
            return set()
        states = self._load_aggregates(sorted(set(joined) | set(edited)))
        full = {i for i, state in states.items() if state.lead is not None and state.lead[1] is None}
        for story_id in full:
            del states[story_id]
        again = {i for members in edited.values() for i in members}
        ids = sorted(again | {i for members in joined.values() for i in members})
        for chunk in chunks(ids, 500):
            for row in self.db.execute(
                f"{_MEMBER_SQL} WHERE s.article_id IN ({','.join('?' * len(chunk))})", chunk
            ):
                state = states.get(row[0])
                if state is None:
                    continue
                member = _member(row)
                if member.article_id in again and (not member.outlet or state.holds(member.article_id)):
                    full.add(row[0])
                state.add(member, new=member.article_id not in again)
        self._write_aggregates([s for i, s in states.items() if i not in full], replace_sides=False)
        return full

    def _load_aggregates(self, story_ids: Sequence[int]) -> dict[int, StoryAggregate]:
        """The stored aggregates of these stories: their rows, lead and side tables (no member rows)."""
        states: dict[int, StoryAggregate] = {}
        conn = self.db.conn
        for chunk in chunks(list(story_ids), 500):
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(
                "SELECT s.id, s.lead_article_id, s.title, s.first_seen_at, s.last_updated_at, s.size, "
                f"s.best_score, s.relevant, a.url, f.name, {_TIME}, a.outlet FROM stories s "
                "LEFT JOIN articles a ON a.id = s.lead_article_id LEFT JOIN feeds f ON f.id = a.feed_id "
                f"WHERE s.id IN ({marks})",
                chunk,
            ):
                state = StoryAggregate(r[0])
                if r[5]:  # size 0: the placeholder of a new story, the empty aggregate
                    outlet, wire = stored_outlet(r[8] or "", r[9], r[11])
                    # A time of None marks a lead whose article row is gone (a careless clean-up).
                    state.lead = (not wire, r[10] if r[8] is not None else None, r[1])  # type: ignore[assignment]
                    state.lead_outlet, state.title = outlet, r[2]
                    state.first_seen_at, state.last_updated_at, state.size = r[3], r[4], r[5]
                    state.best_score, state.relevant = r[6], bool(r[7])
                states[r[0]] = state
            for story_id, outlet, first_at, article_id in conn.execute(
                f"SELECT story_id, outlet, first_at, first_article_id FROM story_outlets "
                f"WHERE story_id IN ({marks})",
                chunk,
            ):
                states[story_id].outlets[outlet] = (first_at, article_id)
            for story_id, topic, score, article_id, position in conn.execute(
                f"SELECT story_id, topic, score, article_id, position FROM story_topics "
                f"WHERE story_id IN ({marks})",
                chunk,
            ):
                states[story_id].topics[topic] = (-score, article_id, position)
        return states

    def _refresh(self, story_ids: set[int] | None) -> int:
        """Full recompute: fold every member of these stories (all when None) into an empty aggregate."""
        # Members are read in story order and aggregated one story at a time: holding every member of
        # every touched story at once made the transient memory of a poll grow with the stories' sizes
        # (a service whose stories keep growing crept up ~0.3 MB a cycle in the soak).
        written = 0
        conn = self.db.conn
        if story_ids is None:
            conn.execute("DELETE FROM story_outlets")
            conn.execute("DELETE FROM story_topics")
            written += self._write_aggregates(
                self._aggregates(self.db.execute(f"{_MEMBER_SQL} ORDER BY s.story_id")), replace_sides=False
            )
            empty = [
                r[0]
                for r in self.db.execute(
                    "SELECT id FROM stories WHERE id NOT IN (SELECT story_id FROM article_story)"
                ).fetchall()
            ]
        else:
            found: set[int] = set()
            for chunk in chunks(sorted(story_ids), 500):
                marks = ",".join("?" * len(chunk))
                states = list(
                    self._aggregates(
                        self.db.execute(
                            f"{_MEMBER_SQL} WHERE s.story_id IN ({marks}) ORDER BY s.story_id", chunk
                        )
                    )
                )
                found.update(s.story_id for s in states)
                written += self._write_aggregates(states, replace_sides=True)
            empty = [i for i in story_ids if i not in found]
        for chunk in chunks(sorted(empty), 500):  # side rows go with them (ON DELETE CASCADE)
            conn.execute(f"DELETE FROM stories WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        return written

    @staticmethod
    def _aggregates(cursor: Iterable[tuple[Any, ...]]) -> Iterator[StoryAggregate]:
        """One aggregate per story from member rows that arrive ordered by story."""
        for story_id, members in itertools.groupby(cursor, key=operator.itemgetter(0)):
            state = StoryAggregate(story_id)
            for row in members:
                state.add(_member(row))
            yield state

    def _write_aggregates(self, states: Iterable[StoryAggregate], *, replace_sides: bool) -> int:
        """Upsert the stories rows; write the side rows that changed (all of them with ``replace_sides``,
        after deleting the stories' old ones)."""
        conn = self.db.conn
        written = 0
        for batch in _batches(states, 500):
            if replace_sides:
                marks = ",".join("?" * len(batch))
                ids = [s.story_id for s in batch]
                conn.execute(f"DELETE FROM story_outlets WHERE story_id IN ({marks})", ids)
                conn.execute(f"DELETE FROM story_topics WHERE story_id IN ({marks})", ids)
            conn.executemany(
                "INSERT INTO stories (id, lead_article_id, title, first_seen_at, last_updated_at, size, "
                "outlet_count, outlets, best_score, relevant, topics, last_development_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET lead_article_id = excluded.lead_article_id, "
                "title = excluded.title, first_seen_at = excluded.first_seen_at, "
                "last_updated_at = excluded.last_updated_at, size = excluded.size, "
                "outlet_count = excluded.outlet_count, outlets = excluded.outlets, "
                "best_score = excluded.best_score, relevant = excluded.relevant, topics = excluded.topics, "
                "last_development_at = excluded.last_development_at",
                [s.row() for s in batch],
            )
            conn.executemany(
                "INSERT INTO story_outlets (story_id, outlet, first_at, first_article_id) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT (story_id, outlet) DO UPDATE SET first_at = excluded.first_at, "
                "first_article_id = excluded.first_article_id",
                [
                    (s.story_id, o, *s.outlets[o])
                    for s in batch
                    for o in (s.outlets if replace_sides else s.changed_outlets)
                ],
            )
            conn.executemany(
                "INSERT INTO story_topics (story_id, topic, score, article_id, position) "
                "VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (story_id, topic) DO UPDATE SET score = excluded.score, "
                "article_id = excluded.article_id, position = excluded.position",
                [
                    (s.story_id, t, -s.topics[t][0], s.topics[t][1], s.topics[t][2])
                    for s in batch
                    for t in (s.topics if replace_sides else s.changed_topics)
                ],
            )
            written += len(batch)
        return written

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
        sql = (
            f"SELECT * FROM stories WHERE {' AND '.join(where)} "
            "ORDER BY last_updated_at DESC, first_seen_at DESC, id DESC"
        )
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
        """Every member with its decision, in (time, id) order.

        Why it joined: ``joined_via`` is the member it was matched against (article id, outlet, title;
        None for the first report and for updates), ``evidence`` the features that carried the join as
        ``[{"feature": name, "value": v}, ...]``, best first (empty where the clusterer gave none).
        """
        rows = _dicts(
            self.db.execute(
                "SELECT a.id AS article_id, a.title, a.url, f.name AS feed, a.outlet AS credited_outlet, "
                "a.published_at, a.first_seen_at, "
                f"{_TIME} AS time, a.updated_at, s.reason, s.similarity, s.matched_article_id, s.decided_at, "
                "s.evidence, m.score, m.relevant "
                "FROM article_story s JOIN articles a ON a.id = s.article_id "
                "LEFT JOIN feeds f ON f.id = a.feed_id LEFT JOIN matches m ON m.article_id = a.id "
                f"WHERE s.story_id = ? ORDER BY time, a.id",
                (story_id,),
            )
        )
        for row in rows:
            row["outlet"] = stored_outlet(row["url"], row["feed"], row.pop("credited_outlet"))[0]
            row["evidence"] = [{"feature": n, "value": v} for n, v in evidence_from_json(row["evidence"])]
        by_id = {row["article_id"]: row for row in rows}
        for row in rows:
            via = by_id.get(row["matched_article_id"])
            row["joined_via"] = (
                None
                if row["matched_article_id"] is None
                else {
                    "article_id": row["matched_article_id"],
                    "outlet": via["outlet"] if via else None,  # None: no longer in this story
                    "title": via["title"] if via else None,
                }
            )
        return rows

    def story_counts(self) -> dict[str, int]:
        stories, clustered, largest = self.db.execute(
            "SELECT (SELECT count(*) FROM stories), (SELECT count(*) FROM article_story), "
            "(SELECT coalesce(max(size), 0) FROM stories)"
        ).fetchone()
        return {
            "total_stories": int(stories),
            "clustered_articles": int(clustered),
            "largest_story": int(largest),
        }


def _item(r: Sequence[Any]) -> ClusterItem:
    return ClusterItem(
        article_id=r[0],
        title=r[1],
        text=r[2],
        url=r[3],
        published=from_iso(r[4]),
        first_seen=from_iso(r[5]),
        outlet=stored_outlet(r[3], r[6], r[8])[0],
        language=r[9],
    )


def stored_outlet(url: str, feed: str | None, credited: str | None) -> tuple[str, bool]:
    """An article's outlet and whether it is a wire: the publisher a news-search item credited
    (``articles.outlet``, see monitor.ingest.aggregator), else what its URL names
    (monitor.ingest.urls.article_outlet)."""
    if credited:
        known = outlet_for(f"https://{credited}/")
        return credited, bool(known and known.wire) or credited.strip().lower() in WIRE_OUTLETS
    return article_outlet(url, feed or "")


def _assignment(article_id: int, r: Sequence[Any]) -> Assignment | None:
    if r[0] is None:
        return None
    return Assignment(article_id, r[0], r[1], r[2], r[3], evidence_from_json(r[4]))


def _evidence_json(evidence: Sequence[tuple[str, float]]) -> str:
    return json.dumps([[name, value] for name, value in evidence], ensure_ascii=False)


def evidence_from_json(text: str | None) -> tuple[tuple[str, float], ...]:
    """Stored evidence back as (feature, value) pairs; anything unreadable (a hand-edited row) is none."""
    try:
        return tuple((str(name), float(value)) for name, value in json.loads(text or "[]"))
    except (TypeError, ValueError):
        return ()


@dataclass(frozen=True, slots=True)
class _Member:
    """One member as the aggregates see it."""

    article_id: int
    title: str
    outlet: str  # "" when nothing names it (then it is not counted as an outlet)
    wire: bool
    time: str  # coalesce(published_at, first_seen_at), ISO UTC
    changed: str  # when it last joined or changed: max(decided_at, updated_at)
    score: float | None  # None: never matched
    relevant: bool
    topics: tuple[str, ...]


def _member(row: Sequence[Any]) -> _Member:
    _, article_id, title, url, feed, t, updated_at, decided_at, score, relevant, topics, credited = row
    outlet, wire = stored_outlet(url, feed, credited)
    return _Member(
        article_id,
        title,
        outlet,
        wire,
        t or "",
        max(decided_at, updated_at or ""),
        score,
        bool(relevant),
        tuple(json.loads(topics or "[]")) if score is not None else (),
    )


@dataclass(slots=True)
class StoryAggregate:
    """What a story's row is derived from: a fold over its members in which every part is a minimum, a
    maximum or a count, so adding members in any order and in any batches gives the same result as
    adding all of them at once (the equality ``tests/test_story_aggregates.py`` checks).

    The lead is the earliest wire copy, else the earliest member: the least (not wire, time, id). The
    outlets are the lead's, then the others by their first member's (time, id). The topics are the
    strongest member's first: each topic placed by the least (-score, id, place in that member's list)
    among the members carrying it, which is the order of appending every member's topics by (-score, id).
    The best score starts at 0.0 (scores are in [0, 1]), so a story no member of which was matched has 0.
    """

    story_id: int
    lead: tuple[bool, str, int] | None = None  # (not wire, time, id) of the lead
    lead_outlet: str = ""
    title: str = ""
    first_seen_at: str | None = None
    last_updated_at: str = ""
    size: int = 0
    best_score: float = 0.0
    relevant: bool = False
    #: outlet → (time, article id) of its first member
    outlets: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: topic → (-score, article id, position) of the member that places it
    topics: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    #: what add() changed since loading, so an incremental write touches only those side rows
    changed_outlets: set[str] = field(default_factory=set)
    changed_topics: set[str] = field(default_factory=set)

    def holds(self, article_id: int) -> bool:
        """Whether this member decides the lead or an outlet's first report (and with it first seen and
        last development): what a later time or another title of it could change in a way a fold cannot."""
        return bool(self.lead and self.lead[2] == article_id) or any(
            first == article_id for _, first in self.outlets.values()
        )

    def add(self, m: _Member, *, new: bool = True) -> None:
        """Fold in a member; ``new=False`` for one already counted that changed in place (size kept)."""
        lead_key = (not m.wire, m.time, m.article_id)
        if self.lead is None or lead_key < self.lead:
            self.lead, self.lead_outlet, self.title = lead_key, m.outlet, m.title
        if self.first_seen_at is None or m.time < self.first_seen_at:
            self.first_seen_at = m.time
        self.last_updated_at = max(self.last_updated_at, m.changed)
        self.size += new
        self.relevant = self.relevant or m.relevant
        if m.outlet:
            first = (m.time, m.article_id)
            if m.outlet not in self.outlets or first < self.outlets[m.outlet]:
                self.outlets[m.outlet] = first
                self.changed_outlets.add(m.outlet)
        if m.score is not None:
            self.best_score = max(self.best_score, m.score)
            for position, topic in enumerate(m.topics):
                place = (-m.score, m.article_id, position)
                if topic not in self.topics or place < self.topics[topic]:
                    self.topics[topic] = place
                    self.changed_topics.add(topic)

    @property
    def last_development_at(self) -> str | None:
        """The latest outlet's first report; the first member's time when no outlet is named."""
        return max((t for t, _ in self.outlets.values()), default=self.first_seen_at)

    def row(self) -> tuple[Any, ...]:
        """The stories row: id, lead, title, first seen, last updated, size, outlet count, outlets,
        best score, relevant, topics, last development."""
        assert self.lead is not None, "an aggregate without members has no row"
        by_first = sorted(self.outlets, key=self.outlets.__getitem__)
        outlets = [o for o in dict.fromkeys([self.lead_outlet, *by_first]) if o]
        topics = sorted(self.topics, key=self.topics.__getitem__)
        return (
            self.story_id,
            self.lead[2],
            self.title,
            self.first_seen_at,
            self.last_updated_at,
            self.size,
            len(outlets),
            json.dumps(outlets, ensure_ascii=False),
            self.best_score,
            int(self.relevant),
            json.dumps(topics, ensure_ascii=False),
            self.last_development_at,
        )


def _batches(items: Iterable[StoryAggregate], size: int) -> Iterator[list[StoryAggregate]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, r, strict=True)) for r in cursor.fetchall()]


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    row["outlets"] = json.loads(row["outlets"])
    row["topics"] = json.loads(row["topics"])
    return row
