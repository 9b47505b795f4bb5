"""What `monitor run` keeps in the database (migration 7): its job table, its runs, and retention.

The scheduler lives in one process, but `monitor status` runs in another: the job table (next run, last
outcome of every job) and the service's heartbeat are written here so status can show them, true to the
database. Every write is one short transaction; times are UTC ISO text like everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.clock import to_iso, utcnow
from monitor.store.core import CoreStore

#: How many of a feed's most recent articles its rhythm is computed from.
RHYTHM_ENTRIES = 50


@dataclass(frozen=True, slots=True)
class JobRow:
    """One scheduled job as the service declares it at start."""

    id: str
    kind: str
    target: str | None
    schedule: str
    next_run_at: datetime | None


@dataclass(frozen=True, slots=True)
class PruneOutcome:
    """What one retention run removed."""

    article_texts: int
    revisions: int
    fetch_log_rows: int


class ServiceStore(CoreStore):
    """The service's job table, its runs (heartbeat, stop reason) and the retention job's deletes."""

    # ---------------------------------------------------------------------------------------------
    # Service runs
    # ---------------------------------------------------------------------------------------------

    def service_started(self, *, pid: int, host: str) -> int:
        now = to_iso(utcnow())
        with self.transaction():
            cur = self.db.conn.execute(
                "INSERT INTO service_runs (pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?)",
                (pid, host, now, now),
            )
        return int(cur.lastrowid or 0)

    def service_heartbeat(self, run_id: int, next_runs: Mapping[str, datetime | None] | None = None) -> None:
        """Refresh the heartbeat and, when given, every job's next run (the scheduler's own view)."""
        now = to_iso(utcnow())
        with self.transaction():
            self.db.conn.execute("UPDATE service_runs SET heartbeat_at = ? WHERE id = ?", (now, run_id))
            for job_id, at in (next_runs or {}).items():
                self.db.conn.execute(
                    "UPDATE service_jobs SET next_run_at = ?, updated_at = ? WHERE id = ?",
                    (to_iso(at), now, job_id),
                )

    def service_stopped(self, run_id: int, reason: str) -> None:
        now = to_iso(utcnow())
        with self.transaction():
            self.db.conn.execute(
                "UPDATE service_runs SET stopped_at = ?, heartbeat_at = ?, stop_reason = ? WHERE id = ?",
                (now, now, reason, run_id),
            )
            # Nothing runs next while no service runs; status must not promise it.
            self.db.conn.execute("UPDATE service_jobs SET next_run_at = NULL, updated_at = ?", (now,))

    def last_service_run(self) -> dict[str, Any] | None:
        cur = self.db.execute("SELECT * FROM service_runs ORDER BY id DESC LIMIT 1")
        cols = [d[0] for d in cur.description]
        row = cur.fetchone()
        return dict(zip(cols, row, strict=True)) if row else None

    # ---------------------------------------------------------------------------------------------
    # The job table
    # ---------------------------------------------------------------------------------------------

    def sync_jobs(self, jobs: Sequence[JobRow]) -> None:
        """Make the job table the service's jobs: new ones added, gone ones removed, history kept."""
        now = to_iso(utcnow())
        with self.transaction():
            for job in jobs:
                self.db.conn.execute(
                    "INSERT INTO service_jobs "
                    "(id, kind, target, schedule, next_run_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
                    "target = excluded.target, schedule = excluded.schedule, "
                    "next_run_at = excluded.next_run_at, updated_at = excluded.updated_at",
                    (job.id, job.kind, job.target, job.schedule, to_iso(job.next_run_at), now, now),
                )
            ids = [j.id for j in jobs]
            placeholders = ",".join("?" * len(ids)) or "''"
            self.db.conn.execute(f"DELETE FROM service_jobs WHERE id NOT IN ({placeholders})", ids)

    def job_started(self, job_id: str) -> None:
        now = to_iso(utcnow())
        with self.transaction():
            self.db.conn.execute(
                "UPDATE service_jobs SET last_started_at = ?, updated_at = ? WHERE id = ?", (now, now, job_id)
            )

    def jobs_finished(self, outcomes: Mapping[str, tuple[str, str, datetime | None]]) -> None:
        """Record finished runs, ``job id → (outcome, detail, next run)``, in one transaction."""
        now = to_iso(utcnow())
        with self.transaction():
            for job_id, (outcome, detail, next_run) in outcomes.items():
                self.db.conn.execute(
                    "UPDATE service_jobs SET last_finished_at = ?, last_outcome = ?, last_detail = ?, "
                    "runs = runs + 1, next_run_at = ?, updated_at = ? WHERE id = ?",
                    (now, outcome, detail[:500], to_iso(next_run), now, job_id),
                )

    def service_jobs(self) -> list[dict[str, Any]]:
        cur = self.db.execute("SELECT * FROM service_jobs ORDER BY kind, id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    # ---------------------------------------------------------------------------------------------
    # Reads for `monitor status`
    # ---------------------------------------------------------------------------------------------

    def feed_entry_times(self, *, per_feed: int = RHYTHM_ENTRIES) -> dict[str, list[str]]:
        """Each feed's most recent article times (published, else first seen), newest first.

        The feed's own publication times are what show its rhythm: first_seen_at alone would make the
        30 entries of a first poll look like a burst in one second.
        """
        rows = self.db.execute(
            "SELECT f.name, t FROM (SELECT s.feed_id, coalesce(a.published_at, s.first_seen_at) AS t, "
            " row_number() OVER (PARTITION BY s.feed_id "
            "  ORDER BY coalesce(a.published_at, s.first_seen_at) DESC) AS rn "
            " FROM article_sources s JOIN articles a ON a.id = s.article_id) x "
            "JOIN feeds f ON f.id = x.feed_id WHERE rn <= ? ORDER BY f.name, t DESC",
            (per_feed,),
        ).fetchall()
        found: dict[str, list[str]] = {}
        for name, t in rows:
            found.setdefault(name, []).append(t)
        return found

    def article_totals(self) -> dict[str, int]:
        row = self.db.execute("SELECT count(*), sum(text_pruned_at IS NOT NULL) FROM articles").fetchone()
        return {"articles": int(row[0]), "text_pruned": int(row[1] or 0)}

    # ---------------------------------------------------------------------------------------------
    # Retention: article text and the fetch log go; articles, matches, stories and the ledger stay
    # ---------------------------------------------------------------------------------------------

    def prune(
        self, *, text_before: datetime | None, fetch_log_before: datetime | None, batch: int = 500
    ) -> PruneOutcome:
        """Empty the text of articles first seen before ``text_before`` and drop their revisions; delete
        fetch-log rows older than ``fetch_log_before``. None keeps that kind forever.

        Works in batches of ``batch`` articles, one transaction each, so a poll waiting for the write lock
        never waits long, and a kill part-way leaves every article either whole or pruned.
        """
        texts = revisions = logs = 0
        now = to_iso(utcnow())
        if text_before is not None:
            cutoff = to_iso(text_before)
            while True:
                with self.transaction():
                    ids = [
                        r[0]
                        for r in self.db.execute(
                            "SELECT id FROM articles WHERE text_pruned_at IS NULL AND first_seen_at < ? "
                            "ORDER BY id LIMIT ?",
                            (cutoff, batch),
                        ).fetchall()
                    ]
                    if not ids:
                        break
                    marks = ",".join("?" * len(ids))
                    # The FTS update trigger re-indexes the row with its title only, so search still
                    # finds the article by title.
                    self.db.conn.execute(
                        f"UPDATE articles SET text = '', text_pruned_at = ? WHERE id IN ({marks})",
                        [now, *ids],
                    )
                    cur = self.db.conn.execute(
                        f"DELETE FROM article_revisions WHERE article_id IN ({marks})", ids
                    )
                    texts += len(ids)
                    revisions += max(cur.rowcount, 0)
        if fetch_log_before is not None:
            with self.transaction():
                cur = self.db.conn.execute(
                    "DELETE FROM fetch_log WHERE started_at < ?", (to_iso(fetch_log_before),)
                )
                logs = max(cur.rowcount, 0)
        return PruneOutcome(texts, revisions, logs)

    def vacuum(self) -> None:
        """Give the space of deleted rows back to the file system, and fold the WAL into the database."""
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("PRAGMA optimize")
