"""Users' labels on stored articles (`monitor label`, `monitor eval --labels`) and re-matching reads.

Labels are a person's judgment and outlive every re-match: nothing here writes one except
:meth:`LabelStore.set_label`. The re-matching reads stream articles in id order, one batch at a time
(keyset pagination: ``WHERE id > last``), so a backtest over 100k articles holds one batch in memory, and
a rematch that rewrites ``matches`` between batches never skips or repeats a row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

from monitor.clock import to_iso, utcnow
from monitor.errors import StoreError
from monitor.store.core import CoreStore, MatchRow

LABELS = ("relevant", "irrelevant")

#: What a batch row carries: the article as the matcher reads it, and the verdict stored for it (NULL
#: columns when it was never matched).
_ARTICLE_COLUMNS = (
    "a.id, a.url, a.title, a.text, a.summary, a.published_at, a.first_seen_at, a.language, "
    "m.relevant AS stored_relevant, m.score AS stored_score, m.decision AS stored_decision, "
    "m.config_digest AS stored_digest"
)

_STALE = "(m.config_digest IS NULL OR m.config_digest != ? OR abs(m.threshold - ?) > 1e-9)"


class LabelStore(CoreStore):
    """Labels and the reads that re-score stored articles (issue 3)."""

    # -- labels ------------------------------------------------------------------------------------

    def article_id(self, id_or_url: int | str) -> int | None:
        """The stored article's id for an id or a URL (canonical or as the feed linked it)."""
        row = self.article(id_or_url)
        return int(row["id"]) if row else None

    def set_label(self, article_id: int, label: str, note: str = "") -> bool:
        """Store (or replace) the user's label on an article; True when it replaced an earlier one."""
        if label not in LABELS:
            raise StoreError(f"label must be one of {', '.join(LABELS)}, got {label!r}")
        try:
            with self.transaction():
                old = self.db.execute("SELECT 1 FROM labels WHERE article_id = ?", (article_id,)).fetchone()
                self.db.conn.execute(
                    "INSERT INTO labels (article_id, label, note, labelled_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (article_id) DO UPDATE SET label = excluded.label, note = excluded.note, "
                    "labelled_at = excluded.labelled_at",
                    (article_id, label, note, to_iso(utcnow())),
                )
        except sqlite3.IntegrityError as exc:  # the foreign key: no such article
            raise StoreError(f"no stored article with id {article_id}") from exc
        return old is not None

    def remove_label(self, article_id: int) -> bool:
        """Forget the label on an article; False when it had none."""
        with self.transaction():
            cur = self.db.conn.execute("DELETE FROM labels WHERE article_id = ?", (article_id,))
        return cur.rowcount > 0

    def labels(self, *, label: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Stored labels, newest first, each with its article and the stored matcher verdict (so a list
        shows at once where the matcher and the user disagree)."""
        where, params = ("WHERE l.label = ?", [label]) if label else ("", [])
        params_any: list[object] = list(params)
        sql = (
            "SELECT l.article_id AS id, l.label, l.note, l.labelled_at, a.title, a.url, "
            "coalesce(a.published_at, a.first_seen_at) AS published_at, "
            "m.decision AS matcher_decision, m.score AS matcher_score "
            "FROM labels l JOIN articles a ON a.id = l.article_id "
            f"LEFT JOIN matches m ON m.article_id = l.article_id {where} "
            "ORDER BY l.labelled_at DESC, l.article_id DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params_any.append(limit)
        return _dicts(self.db.execute(sql, params_any))

    def label_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT label, count(*) FROM labels GROUP BY label").fetchall()
        return {label: 0 for label in LABELS} | {str(k): int(v) for k, v in rows}

    def labelled_articles(self) -> Iterator[dict[str, Any]]:
        """Rows for ``monitor eval --labels`` (:func:`monitor.match.evaluation.labelled_items`): id, url, title,
        text (the feed summary when there is no page text, as the poll matched it), label, published."""
        cur = self.db.execute(
            "SELECT a.id, a.url, a.title, CASE WHEN a.text != '' THEN a.text ELSE a.summary END AS text, "
            "l.label, coalesce(a.published_at, a.first_seen_at) AS published "
            "FROM labels l JOIN articles a ON a.id = l.article_id ORDER BY a.id"
        )
        cols = [d[0] for d in cur.description]
        for row in cur:
            yield dict(zip(cols, row, strict=True))

    # -- re-matching -------------------------------------------------------------------------------

    def iter_articles(
        self, *, batch_size: int = 500, stale_for: tuple[str, float] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every stored article in id order, ``batch_size`` at a time, with its stored verdict.

        ``stale_for`` = (topics digest, threshold): only articles whose stored verdict came from another
        topics file (``matches.config_digest``) or another threshold (``[matching].threshold`` overrides
        the file's without changing its digest), or that have none. Each batch is read with its own
        query, so callers
        may write between batches (a rematch commits each batch)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        stale = f" AND {_STALE}" if stale_for is not None else ""
        sql = (
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a LEFT JOIN matches m ON m.article_id = a.id "
            f"WHERE a.id > ?{stale} ORDER BY a.id LIMIT ?"
        )
        last = 0
        while True:
            params: list[Any] = [last, *(stale_for or ()), batch_size]
            batch = _dicts(self.db.execute(sql, params))
            if not batch:
                return
            yield batch
            last = batch[-1]["id"]

    def count_articles(self, *, stale_for: tuple[str, float] | None = None) -> int:
        """How many articles :meth:`iter_articles` would yield (for progress lines)."""
        if stale_for is None:
            return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])
        return int(
            self.db.execute(
                f"SELECT count(*) FROM articles a LEFT JOIN matches m ON m.article_id = a.id WHERE {_STALE}",
                stale_for,
            ).fetchone()[0]
        )

    def save_matches(self, verdicts: Mapping[int, MatchRow]) -> None:
        """Replace the stored verdicts of these articles (article id → verdict), in one transaction."""
        now = to_iso(utcnow())
        with self.transaction():
            for article_id, verdict in verdicts.items():
                self._save_match(article_id, verdict, now)


def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
