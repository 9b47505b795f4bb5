"""The store's core: opening, migrating, transactions, and what a poll writes (feeds, articles, matches).

Every write a poll makes for one feed happens in one transaction, so a crash or a failed poll leaves the
database as it was before that feed: nothing already stored is lost or half-changed. The database is in
WAL mode so `monitor status` and `monitor search` can read while a poll writes.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self, TypeVar

import sqlite_utils

from monitor.clock import from_iso, to_iso, utcnow
from monitor.errors import StoreError
from monitor.migrations import MIGRATIONS
from monitor.models import Article, FeedReport, FeedSpec, FetchResult, MatchRow, ParsedFeed

log = logging.getLogger(__name__)

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the poller needs to know about a feed from earlier polls."""

    id: int
    name: str
    url: str
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    next_attempt_at: datetime | None
    last_success_at: datetime | None


@dataclass(frozen=True, slots=True)
class KnownSource:
    article_id: int
    entry_hash: str


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One feed entry pointing at an article (by canonical URL)."""

    entry_id: str
    id_source: str
    article_url: str
    link: str | None
    entry_hash: str


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    new_articles: int
    updated_articles: int
    new_sources: int


class CoreStore:
    """Opening, migrations and the poll's writes; :class:`monitor.store.Store` adds the other areas."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path

    # ---------------------------------------------------------------------------------------------
    # Opening and migrating
    # ---------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, migrate: bool = True) -> Self:
        path = str(path)
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            db = sqlite_utils.Database(conn)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 30000")
            if path != ":memory:":
                db.enable_wal()
            # NORMAL is durable across application crashes in WAL mode (only an OS crash can lose
            # the last transactions) and much cheaper than FULL for a poller that commits per feed.
            db.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        store = cls(db, path)
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def schema_version(self) -> int:
        if "schema_migrations" not in self.db.table_names():
            return 0
        row = self.db.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self, *, target: int | None = None) -> list[int]:
        """Apply pending migrations in order, each in its own transaction; return the versions applied."""
        try:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            current = self.schema_version()
            latest = MIGRATIONS[-1].version
            if current > latest:
                raise StoreError(
                    f"database {self.path} has schema version {current}, newer than this monitor "
                    f"understands ({latest}); upgrade the monitor"
                )
            applied = []
            for migration in MIGRATIONS:
                if migration.version <= current or (target is not None and migration.version > target):
                    continue
                with self.transaction():
                    # executescript would COMMIT on its own; run statements one by one instead.
                    for statement in _split_sql(migration.sql):
                        self.db.conn.execute(statement)
                    self.db.conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        (migration.version, migration.name, to_iso(utcnow())),
                    )
                applied.append(migration.version)
                log.info("database migrated to version %d (%s)", migration.version, migration.name)
            return applied
        except sqlite3.Error as exc:
            raise StoreError(f"cannot migrate database {self.path}: {exc}") from exc

    # ---------------------------------------------------------------------------------------------
    # Feeds
    # ---------------------------------------------------------------------------------------------

    def sync_feeds(self, specs: Sequence[FeedSpec]) -> None:
        """Make the feeds table agree with the config; feeds removed from the config keep their rows."""
        now = to_iso(utcnow())
        names = [s.name for s in specs]
        with self.transaction():
            for spec in specs:
                row = self.db.execute("SELECT id, url FROM feeds WHERE name = ?", (spec.name,)).fetchone()
                if row is None:
                    self.db.conn.execute(
                        "INSERT INTO feeds (name, url, enabled, in_config, interval_s, created_at) "
                        "VALUES (?, ?, ?, 1, ?, ?)",
                        (spec.name, spec.url, int(spec.enabled), spec.interval_s, now),
                    )
                    continue
                feed_id, old_url = row
                if old_url != spec.url:
                    # A new URL is a new resource: its validators and backoff don't carry over.
                    self.db.conn.execute(
                        "UPDATE feeds SET etag = NULL, last_modified = NULL, consecutive_failures = 0, "
                        "next_attempt_at = NULL WHERE id = ?",
                        (feed_id,),
                    )
                self.db.conn.execute(
                    "UPDATE feeds SET url = ?, enabled = ?, in_config = 1, interval_s = ? WHERE id = ?",
                    (spec.url, int(spec.enabled), spec.interval_s, feed_id),
                )
            placeholders = ",".join("?" * len(names)) or "''"
            self.db.conn.execute(
                f"UPDATE feeds SET in_config = 0, enabled = 0 WHERE name NOT IN ({placeholders})", names
            )

    def feed_states(self) -> dict[str, FeedState]:
        rows = self.db.execute(
            "SELECT id, name, url, etag, last_modified, consecutive_failures, next_attempt_at, "
            "last_success_at FROM feeds"
        ).fetchall()
        return {
            r[1]: FeedState(r[0], r[1], r[2], r[3], r[4], r[5], from_iso(r[6]), from_iso(r[7])) for r in rows
        }

    # ---------------------------------------------------------------------------------------------
    # What a poll needs to decide what is new
    # ---------------------------------------------------------------------------------------------

    def known_sources(self, feed_id: int, entry_ids: Iterable[str]) -> dict[str, KnownSource]:
        ids = list(dict.fromkeys(entry_ids))
        found: dict[str, KnownSource] = {}
        for chunk in chunks(ids, 500):
            sql = (
                "SELECT entry_id, article_id, entry_hash FROM article_sources "
                f"WHERE feed_id = ? AND entry_id IN ({','.join('?' * len(chunk))})"
            )
            for entry_id, article_id, entry_hash in self.db.execute(sql, [feed_id, *chunk]):
                found[entry_id] = KnownSource(article_id, entry_hash)
        return found

    def article_ids_by_url(self, urls: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, int] = {}
        for chunk in chunks(wanted, 500):
            sql = f"SELECT url, id FROM articles WHERE url IN ({','.join('?' * len(chunk))})"
            found.update(dict(self.db.execute(sql, chunk).fetchall()))
        return found

    # ---------------------------------------------------------------------------------------------
    # Writing a poll's outcome: one transaction per feed
    # ---------------------------------------------------------------------------------------------

    def save_feed_success(
        self,
        feed_id: int,
        *,
        report: FeedReport,
        started_at: datetime,
        result: FetchResult,
        parsed: ParsedFeed | None,
        articles: Sequence[Article],
        sources: Sequence[SourceRef],
        next_attempt_at: datetime,
        matches: Mapping[str, MatchRow] | None = None,
    ) -> SaveOutcome:
        """Store one feed's poll in one transaction; ``matches`` maps article URL → verdict."""
        now = to_iso(utcnow())
        new = updated = new_sources = 0
        with self.transaction():
            for article in articles:
                outcome = self._upsert_article(article, feed_id, now)
                new += outcome == "new"
                updated += outcome == "updated"
            ids = self.article_ids_by_url([*(s.article_url for s in sources), *(matches or {})])
            for url, verdict in (matches or {}).items():
                self._save_match(ids[url], verdict, now)
            for source in sources:
                article_id = ids.get(source.article_url)
                if article_id is None:  # the pipeline only passes sources for stored articles
                    raise StoreError(f"no article stored for {source.article_url}")
                cur = self.db.conn.execute(
                    "INSERT INTO article_sources (feed_id, entry_id, id_source, article_id, link, "
                    "entry_hash, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (feed_id, entry_id) DO UPDATE SET entry_hash = excluded.entry_hash, "
                    "article_id = excluded.article_id, last_seen_at = excluded.last_seen_at "
                    "WHERE article_sources.entry_hash != excluded.entry_hash",
                    (feed_id, source.entry_id, source.id_source, article_id, source.link,
                     source.entry_hash, now, now),
                )
                new_sources += cur.rowcount > 0
            self.db.conn.execute(
                "UPDATE feeds SET last_attempt_at = ?, last_success_at = ?, last_status = ?, "
                "last_http_status = ?, consecutive_failures = 0, next_attempt_at = ?, "
                "etag = ?, last_modified = ?, parse_problem = ?, "
                "title = coalesce(?, title), site_url = coalesce(?, site_url), "
                "encoding = coalesce(?, encoding) WHERE id = ?",
                (
                    to_iso(started_at), now, report.status, result.status, to_iso(next_attempt_at),
                    result.etag, result.last_modified,
                    parsed.problem if parsed else None,
                    parsed.title if parsed else None,
                    parsed.link if parsed else None,
                    parsed.encoding if parsed else None,
                    feed_id,
                ),
            )
            self._log_fetch(feed_id, report, started_at, len(result.content),
                            new_articles=new)
        return SaveOutcome(new, updated, new_sources)

    def save_feed_failure(
        self, feed_id: int, *, report: FeedReport, started_at: datetime, next_attempt_at: datetime
    ) -> None:
        """Record a failed poll on the feed's health; touches nothing else."""
        now = to_iso(utcnow())
        with self.transaction():
            self.db.conn.execute(
                "UPDATE feeds SET last_attempt_at = ?, last_status = 'error', last_http_status = ?, "
                "last_error = ?, last_error_kind = ?, last_error_at = ?, "
                "consecutive_failures = consecutive_failures + 1, next_attempt_at = ?, "
                "parse_problem = coalesce(?, parse_problem) WHERE id = ?",
                (to_iso(started_at), report.http_status, report.error, report.error_kind, now,
                 to_iso(next_attempt_at), report.parse_problem, feed_id),
            )
            self._log_fetch(feed_id, report, started_at, None, new_articles=0)

    def _upsert_article(self, article: Article, feed_id: int, now: str | None) -> str:
        """Insert a new article, or update one whose content changed: "new" | "updated" | "same"."""
        row = self.db.execute(
            "SELECT id, title, text, content_hash FROM articles WHERE url = ?", (article.url,)
        ).fetchone()
        values = {
            "link": article.link,
            "final_url": article.final_url,
            "title": article.title,
            "text": article.text,
            "summary": article.summary,
            "text_source": article.text_source,
            "extract_note": article.extract_note,
            "author": article.author,
            "published_at": to_iso(article.published),
            "fetched_at": to_iso(article.fetched_at),
            "content_hash": article.content_hash,
        }
        if row is None:
            cols = ["url", *values, "first_seen_at", "feed_id"]
            params = [article.url, *values.values(), now, feed_id]
            self.db.conn.execute(
                f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", params
            )
            return "new"
        article_id, old_title, old_text, old_hash = row
        if old_hash == article.content_hash:
            return "same"
        self.db.conn.execute(
            "INSERT INTO article_revisions (article_id, replaced_at, title, text, content_hash) "
            "VALUES (?, ?, ?, ?, ?)",
            (article_id, now, old_title, old_text, old_hash),
        )
        values.pop("link")  # keep the first link the article was seen under
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.conn.execute(
            f"UPDATE articles SET {sets}, updated_at = ? WHERE id = ?", [*values.values(), now, article_id]
        )
        return "updated"

    def _save_match(self, article_id: int, m: MatchRow, now: str | None) -> None:
        self.db.conn.execute(
            "INSERT OR REPLACE INTO matches (article_id, relevant, decision, score, threshold, topics, "
            "reason, evidence, config_digest, matched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article_id, int(m.relevant), m.decision, m.score, m.threshold, json.dumps(list(m.topics),
             ensure_ascii=False), m.reason, m.evidence_json, m.config_digest, now),
        )

    def stored_match(self, article_id: int) -> dict[str, Any] | None:
        cur = self.db.execute("SELECT * FROM matches WHERE article_id = ?", (article_id,))
        cols = [d[0] for d in cur.description]
        row = cur.fetchone()
        return dict(zip(cols, row, strict=True)) if row else None

    def _log_fetch(
        self, feed_id: int, report: FeedReport, started_at: datetime, size: int | None, *, new_articles: int
    ) -> None:
        self.db.conn.execute(
            "INSERT INTO fetch_log (feed_id, url, started_at, elapsed_ms, outcome, http_status, bytes, "
            "entries, new_articles, articles_failed, error_kind, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (feed_id, report.url, to_iso(started_at), int(report.elapsed_s * 1000), report.status,
             report.http_status, size, report.entries, new_articles, report.articles_failed,
             report.error_kind, report.error),
        )

    # ---------------------------------------------------------------------------------------------
    # Reading, for people
    # ---------------------------------------------------------------------------------------------

    def feed_health(self) -> list[dict[str, Any]]:
        """One row per feed with its health and entries seen in the last 24 h (UTC times)."""
        since = to_iso(utcnow().replace(microsecond=0) - _DAY)
        rows = self.db.execute(
            "SELECT f.name, f.url, f.enabled, f.in_config, f.last_status, f.last_http_status, "
            "f.last_attempt_at, f.last_success_at, f.last_error, f.last_error_kind, f.last_error_at, "
            "f.consecutive_failures, f.next_attempt_at, f.parse_problem, f.interval_s, "
            "(SELECT count(*) FROM article_sources s WHERE s.feed_id = f.id AND s.first_seen_at >= ?) "
            "AS entries_24h, "
            "(SELECT count(*) FROM article_sources s WHERE s.feed_id = f.id) AS entries_total "
            "FROM feeds f ORDER BY f.in_config DESC, f.name",
            (since,),
        )
        cols = [d[0] for d in rows.description]
        return [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]

    def index_pending(self) -> int:
        """Add articles stored since the last call to the full-text index; return how many.

        Called at the end of every poll and before every search (see migration 2 for why it is a
        batch step rather than a trigger).
        """
        with self.transaction():
            upto = self.db.execute("SELECT indexed_upto FROM fts_state").fetchone()[0]
            newest = self.db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            if newest <= upto:
                return 0
            self.db.conn.execute(
                "INSERT INTO articles_fts(rowid, title, text) SELECT id, title, text FROM articles "
                "WHERE id > ? AND id <= ?", (upto, newest),
            )
            self.db.conn.execute("UPDATE fts_state SET indexed_upto = ?", (newest,))
        return int(newest - upto)

    def search(self, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Articles whose title or text contain every word of ``query``, newest first.

        Words of three characters or more go through the trigram FTS index; shorter ones (반도, AI)
        can't be indexed by trigrams and are matched with LIKE on the rows the index selected.
        """
        words = [w for w in query.split() if w]
        if not words:
            return []
        self.index_pending()
        long_words = [w for w in words if len(w) >= 3]
        short_words = [w for w in words if len(w) < 3]
        where: list[str] = []
        params: list[Any] = []
        if long_words:
            fts_query = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
            where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            params.append(fts_query)
        for w in short_words:
            where.append("(a.title LIKE ? ESCAPE '\\' OR a.text LIKE ? ESCAPE '\\')")
            pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [pattern, pattern]
        sql = (
            "SELECT a.id, a.title, a.url, a.published_at, a.first_seen_at, a.text_source, a.text, "
            "(SELECT group_concat(f.name, ', ') FROM article_sources s JOIN feeds f ON f.id = s.feed_id "
            " WHERE s.article_id = a.id) AS feeds "
            f"FROM articles a WHERE {' AND '.join(where)} "
            "ORDER BY coalesce(a.published_at, a.first_seen_at) DESC, a.id DESC LIMIT ?"
        )
        rows = self.db.execute(sql, [*params, limit])
        cols = [d[0] for d in rows.description]
        return [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]

    def article(self, id_or_url: int | str) -> dict[str, Any] | None:
        if isinstance(id_or_url, int) or str(id_or_url).isdigit():
            row = self.db.execute("SELECT * FROM articles WHERE id = ?", (int(id_or_url),))
        else:
            row = self.db.execute("SELECT * FROM articles WHERE url = ? OR link = ?", (id_or_url, id_or_url))
        cols = [d[0] for d in row.description]
        found = row.fetchone()
        return dict(zip(cols, found, strict=True)) if found else None

    def counts(self) -> dict[str, int]:
        return {
            table: int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("feeds", "articles", "article_sources", "article_revisions", "fetch_log", "matches")
        }


_DAY = timedelta(days=1)


def chunks(items: Sequence[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of at most ``size``: SQLite takes at most 32,766 parameters per statement."""
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; sqlite3 knows where a trigger body (BEGIN … END;) ends."""
    statements: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf.append(line)
        candidate = "\n".join(buf)
        if sqlite3.complete_statement(candidate):
            statements.append(candidate.strip())
            buf = []
    if "".join(buf).strip():
        raise ValueError(f"incomplete SQL statement in migration: {' '.join(buf)[:80]}")
    return statements
