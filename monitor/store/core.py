"""The store's core: opening, migrating, transactions, and what a poll writes (feeds, articles, matches).

Every write a poll makes for one feed happens in one transaction, so a crash or a failed poll leaves the
database as it was before that feed: nothing already stored is lost or half-changed. The database is in
WAL mode so `monitor status` and `monitor search` can read while a poll writes.

The poll's own path (feed states, the lookups that decide what is new, :meth:`CoreStore.save_feed_success`)
talks to the ``sqlite3`` connection directly, with ``executemany`` for a feed's rows. sqlite-utils stays
the store's library for schema work and queries elsewhere (``self.db``), but it is imported on first use:
with its click/pluggy/dateutil imports it weighs ~25 MB, more than a poll's whole working set.
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
from typing import TYPE_CHECKING, Any, Self, TypeVar

from monitor.clock import from_iso, to_iso, utcnow
from monitor.errors import StoreError
from monitor.models import Article, FeedReport, FeedSpec, FetchResult, MatchRow, ParsedFeed
from monitor.store.migrations import MIGRATIONS

if TYPE_CHECKING:
    import sqlite_utils

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
    #: The publisher a news-search entry credits (monitor.ingest.aggregator); None for a feed's own entry.
    outlet: str | None = None


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    new_articles: int
    updated_articles: int
    new_sources: int


class CoreStore:
    """Opening, migrations and the poll's writes; :class:`monitor.store.Store` adds the other areas."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path
        self._db: sqlite_utils.Database | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, made on first use (see the module docstring)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

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
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            # What sqlite_utils.Database sets when it wraps a connection; set here so the triggers
            # behave the same whether or not anything has asked for ``self.db`` yet.
            conn.execute("PRAGMA recursive_triggers = ON")
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across application crashes in WAL mode (only an OS crash can lose
            # the last transactions) and much cheaper than FULL for a poller that commits per feed.
            conn.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        store = cls(conn, path)
        if migrate:
            store.migrate()
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def schema_version(self) -> int:
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ).fetchone()
        if found is None:
            return 0
        row = self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self, *, target: int | None = None) -> list[int]:
        """Apply pending migrations in order, each in its own transaction; return the versions applied."""
        try:
            self.conn.execute(
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
            # Every migration not recorded, not only those above the highest: branches are given numbers
            # ahead of merging, so a database can hold 9 without 8 (8 merged later) and must still get 8.
            done = {int(v) for (v,) in self.conn.execute("SELECT version FROM schema_migrations")}
            applied = []
            for migration in MIGRATIONS:
                if migration.version in done or (target is not None and migration.version > target):
                    continue
                with self.transaction():
                    # executescript would COMMIT on its own; run statements one by one instead.
                    for statement in _split_sql(migration.sql):
                        self.conn.execute(statement)
                    self.conn.execute(
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
                row = self.conn.execute("SELECT id, url FROM feeds WHERE name = ?", (spec.name,)).fetchone()
                if row is None:
                    self.conn.execute(
                        "INSERT INTO feeds (name, url, enabled, in_config, interval_s, created_at) "
                        "VALUES (?, ?, ?, 1, ?, ?)",
                        (spec.name, spec.url, int(spec.enabled), spec.interval_s, now),
                    )
                    continue
                feed_id, old_url = row
                if old_url != spec.url:
                    # A new URL is a new resource: its validators and backoff don't carry over.
                    self.conn.execute(
                        "UPDATE feeds SET etag = NULL, last_modified = NULL, consecutive_failures = 0, "
                        "next_attempt_at = NULL WHERE id = ?",
                        (feed_id,),
                    )
                self.conn.execute(
                    "UPDATE feeds SET url = ?, enabled = ?, in_config = 1, interval_s = ? WHERE id = ?",
                    (spec.url, int(spec.enabled), spec.interval_s, feed_id),
                )
            placeholders = ",".join("?" * len(names)) or "''"
            self.conn.execute(
                f"UPDATE feeds SET in_config = 0, enabled = 0 WHERE name NOT IN ({placeholders})", names
            )

    def feed_states(self) -> dict[str, FeedState]:
        rows = self.conn.execute(
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
            for entry_id, article_id, entry_hash in self.conn.execute(sql, [feed_id, *chunk]):
                found[entry_id] = KnownSource(article_id, entry_hash)
        return found

    def article_ids_by_url(self, urls: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, int] = {}
        for chunk in chunks(wanted, 500):
            sql = f"SELECT url, id FROM articles WHERE url IN ({','.join('?' * len(chunk))})"
            found.update(dict(self.conn.execute(sql, chunk).fetchall()))
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
        """Store one feed's poll in one transaction; ``matches`` maps article URL → verdict.

        A feed's rows go in with one ``executemany`` per table (articles, matches, sources) after one
        lookup of the articles already stored: a 30-entry feed is a handful of statements, not ninety.
        """
        now = to_iso(utcnow())
        new = updated = 0
        with self.transaction():
            stored = self._stored_articles([a.url for a in articles])
            inserts: list[tuple[Any, ...]] = []
            for article in articles:
                row = stored.get(article.url)
                if row is None:
                    inserts.append((article.url, *_article_values(article), now, feed_id))
                    # Stands for the row until it is inserted; only its hash is read (a repeated URL).
                    stored[article.url] = (0, article.title, article.text, article.content_hash)
                    new += 1
                elif row[3] != article.content_hash:
                    if row[0] == 0:  # the same URL twice in one call: insert the first, then update
                        self._insert_articles(inserts)
                        inserts = []
                        row = self._stored_articles([article.url])[article.url]
                    self._update_article(row, article, now)
                    stored[article.url] = (row[0], article.title, article.text, article.content_hash)
                    updated += 1
            self._insert_articles(inserts)
            ids = self.article_ids_by_url([*(s.article_url for s in sources), *(matches or {})])
            if matches:
                self._write_matches(
                    [_match_params(ids[url], verdict, now) for url, verdict in matches.items()]
                )
            source_rows = []
            for source in sources:
                article_id = ids.get(source.article_url)
                if article_id is None:  # the pipeline only passes sources for stored articles
                    raise StoreError(f"no article stored for {source.article_url}")
                source_rows.append(
                    (
                        feed_id,
                        source.entry_id,
                        source.id_source,
                        article_id,
                        source.link,
                        source.entry_hash,
                        now,
                        now,
                        source.outlet,
                    )
                )
            # Each row inserts or updates at most one row, so the total change count is the number of
            # sources that are new or changed.
            new_sources = self.conn.executemany(_UPSERT_SOURCE, source_rows).rowcount if source_rows else 0
            self.conn.execute(
                "UPDATE feeds SET last_attempt_at = ?, last_success_at = ?, last_status = ?, "
                "last_http_status = ?, consecutive_failures = 0, next_attempt_at = ?, "
                "etag = ?, last_modified = ?, parse_problem = ?, "
                "title = coalesce(?, title), site_url = coalesce(?, site_url), "
                "encoding = coalesce(?, encoding) WHERE id = ?",
                (
                    to_iso(started_at),
                    now,
                    report.status,
                    result.status,
                    to_iso(next_attempt_at),
                    result.etag,
                    result.last_modified,
                    parsed.problem if parsed else None,
                    parsed.title if parsed else None,
                    parsed.link if parsed else None,
                    parsed.encoding if parsed else None,
                    feed_id,
                ),
            )
            self._log_fetch(feed_id, report, started_at, len(result.content), new_articles=new)
        return SaveOutcome(new, updated, max(new_sources, 0))

    def save_feed_failure(
        self, feed_id: int, *, report: FeedReport, started_at: datetime, next_attempt_at: datetime
    ) -> None:
        """Record a failed poll on the feed's health; touches nothing else."""
        now = to_iso(utcnow())
        with self.transaction():
            self.conn.execute(
                "UPDATE feeds SET last_attempt_at = ?, last_status = 'error', last_http_status = ?, "
                "last_error = ?, last_error_kind = ?, last_error_at = ?, "
                "consecutive_failures = consecutive_failures + 1, next_attempt_at = ?, "
                "parse_problem = coalesce(?, parse_problem) WHERE id = ?",
                (
                    to_iso(started_at),
                    report.http_status,
                    report.error,
                    report.error_kind,
                    now,
                    to_iso(next_attempt_at),
                    report.parse_problem,
                    feed_id,
                ),
            )
            self._log_fetch(feed_id, report, started_at, None, new_articles=0)

    def _stored_articles(self, urls: Sequence[str]) -> dict[str, tuple[int, str, str, str]]:
        """url → (id, title, text, content_hash) of the articles already stored under these URLs."""
        found: dict[str, tuple[int, str, str, str]] = {}
        for chunk in chunks(list(dict.fromkeys(urls)), 500):
            sql = (
                "SELECT url, id, title, text, content_hash FROM articles "
                f"WHERE url IN ({','.join('?' * len(chunk))})"
            )
            for url, *row in self.conn.execute(sql, chunk):
                found[url] = tuple(row)
        return found

    def _insert_articles(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.executemany(_INSERT_ARTICLE, rows)

    def _update_article(self, row: tuple[int, str, str, str], article: Article, now: str | None) -> None:
        """Keep the old content as a revision and write the new; the first link seen stays."""
        article_id, old_title, old_text, old_hash = row
        self.conn.execute(
            "INSERT INTO article_revisions (article_id, replaced_at, title, text, content_hash) "
            "VALUES (?, ?, ?, ?, ?)",
            (article_id, now, old_title, old_text, old_hash),
        )
        self.conn.execute(_UPDATE_ARTICLE, [*_article_values(article)[1:], now, article_id])

    def _write_matches(self, params: Sequence[tuple[Any, ...]]) -> None:
        """Write a poll's verdicts (rows of :func:`_match_params`); monitor.store.stories extends it to
        bring the stories of already-clustered articles whose verdict changed up to date."""
        self.conn.executemany(_INSERT_MATCH, params)

    def _save_match(self, article_id: int, m: MatchRow, now: str | None) -> None:
        self.conn.execute(_INSERT_MATCH, _match_params(article_id, m, now))

    def stored_match(self, article_id: int) -> dict[str, Any] | None:
        cur = self.conn.execute("SELECT * FROM matches WHERE article_id = ?", (article_id,))
        cols = [d[0] for d in cur.description]
        row = cur.fetchone()
        return dict(zip(cols, row, strict=True)) if row else None

    def _log_fetch(
        self, feed_id: int, report: FeedReport, started_at: datetime, size: int | None, *, new_articles: int
    ) -> None:
        self.conn.execute(
            "INSERT INTO fetch_log (feed_id, url, started_at, elapsed_ms, outcome, http_status, bytes, "
            "entries, new_articles, articles_failed, error_kind, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                feed_id,
                report.url,
                to_iso(started_at),
                int(report.elapsed_s * 1000),
                report.status,
                report.http_status,
                size,
                report.entries,
                new_articles,
                report.articles_failed,
                report.error_kind,
                report.error,
            ),
        )

    # ---------------------------------------------------------------------------------------------
    # Reading, for people
    # ---------------------------------------------------------------------------------------------

    def feed_health(self) -> list[dict[str, Any]]:
        """One row per feed with its health and entries seen in the last 24 h (UTC times)."""
        since = to_iso(utcnow().replace(microsecond=0) - _DAY)
        rows = self.conn.execute(
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
            upto = self.conn.execute("SELECT indexed_upto FROM fts_state").fetchone()[0]
            newest = self.conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]
            if newest <= upto:
                return 0
            self.conn.execute(
                "INSERT INTO articles_fts(rowid, title, text) SELECT id, title, text FROM articles "
                "WHERE id > ? AND id <= ?",
                (upto, newest),
            )
            self.conn.execute("UPDATE fts_state SET indexed_upto = ?", (newest,))
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
        rows = self.conn.execute(sql, [*params, limit])
        cols = [d[0] for d in rows.description]
        return [dict(zip(cols, r, strict=True)) for r in rows.fetchall()]

    def article(self, id_or_url: int | str) -> dict[str, Any] | None:
        if isinstance(id_or_url, int) or str(id_or_url).isdigit():
            row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (int(id_or_url),))
        else:
            row = self.conn.execute(
                "SELECT * FROM articles WHERE url = ? OR link = ?", (id_or_url, id_or_url)
            )
        cols = [d[0] for d in row.description]
        found = row.fetchone()
        return dict(zip(cols, found, strict=True)) if found else None

    def counts(self) -> dict[str, int]:
        return {
            table: int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("feeds", "articles", "article_sources", "article_revisions", "fetch_log", "matches")
        }


_DAY = timedelta(days=1)

#: The article columns a poll writes, in the order of :func:`_article_values`.
_ARTICLE_COLUMNS = (
    "link",
    "final_url",
    "title",
    "text",
    "summary",
    "text_source",
    "extract_note",
    "author",
    "published_at",
    "fetched_at",
    "content_hash",
    "outlet",
    "language",
)
_INSERT_ARTICLE = (
    f"INSERT INTO articles (url, {', '.join(_ARTICLE_COLUMNS)}, first_seen_at, feed_id) "
    f"VALUES ({', '.join('?' * (len(_ARTICLE_COLUMNS) + 3))})"
)
# The link is left out: an article keeps the first link it was seen under.
_UPDATE_ARTICLE = (
    f"UPDATE articles SET {', '.join(f'{c} = ?' for c in _ARTICLE_COLUMNS[1:])}, updated_at = ? WHERE id = ?"
)
_INSERT_MATCH = (
    "INSERT OR REPLACE INTO matches (article_id, relevant, decision, score, threshold, topics, "
    "reason, evidence, config_digest, matched_at, tier) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_SOURCE = (
    "INSERT INTO article_sources (feed_id, entry_id, id_source, article_id, link, "
    "entry_hash, first_seen_at, last_seen_at, outlet) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (feed_id, entry_id) DO UPDATE SET entry_hash = excluded.entry_hash, "
    "article_id = excluded.article_id, last_seen_at = excluded.last_seen_at "
    "WHERE article_sources.entry_hash != excluded.entry_hash"
)


def _article_values(article: Article) -> tuple[Any, ...]:
    """An article's values for :data:`_ARTICLE_COLUMNS`, in that order."""
    return (
        article.link,
        article.final_url,
        article.title,
        article.text,
        article.summary,
        article.text_source,
        article.extract_note,
        article.author,
        to_iso(article.published),
        to_iso(article.fetched_at),
        article.content_hash,
        article.outlet,
        article.language,
    )


def _match_params(article_id: int, m: MatchRow, now: str | None) -> tuple[Any, ...]:
    return (
        article_id,
        int(m.relevant),
        m.decision,
        m.score,
        m.threshold,
        json.dumps(list(m.topics), ensure_ascii=False),
        m.reason,
        m.evidence_json,
        m.config_digest,
        now,
        _stored_tier(m),
    )


def _stored_tier(m: MatchRow) -> str | None:
    """The tier column: only a relevant verdict has one, and one from before tiers counts as core."""
    if not m.relevant:
        return None
    return m.tier if m.tier in ("core", "context") else "core"


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
