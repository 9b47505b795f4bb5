"""The tier stored with each verdict (migration 8): from an old database, from a poll, from a rematch."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from monitor.match.matcher import verdict_row
from monitor.match.rescoring import rematch
from monitor.models import FeedSpec
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS
from tests.test_rematch import ARTICLES, RELEVANT_NOW, _save, matcher  # noqa: F401  (fixture)

WHEN = "2026-01-01T00:00:00+00:00"


def _tiers(store: Store) -> dict[int, str | None]:
    return dict(store.db.execute("SELECT article_id, tier FROM matches").fetchall())


def test_an_old_database_migrates_with_core_unless_the_evidence_says_otherwise(tmp_path) -> None:
    path = tmp_path / "old.db"
    with Store.open(path, migrate=False) as s:
        s.migrate(target=7)
        s.sync_feeds([FeedSpec("A", "http://a.example/rss")])
        feed_id = s.feed_states()["A"].id
        rows = [  # (relevant, evidence) as a v7 monitor stored them
            (1, json.dumps({"decision": "relevant", "hits": []})),
            (1, json.dumps({"decision": "relevant", "tier": "context"})),
            (0, json.dumps({"decision": "irrelevant"})),
            (1, "{not json"),  # a damaged row must not stop the migration
            (1, json.dumps({"decision": "relevant", "tier": "bogus"})),
        ]
        with s.transaction():
            for n, (relevant, evidence) in enumerate(rows, start=1):
                s.db.conn.execute(
                    "INSERT INTO articles (id, url, link, title, text, text_source, first_seen_at, "
                    "fetched_at, content_hash, feed_id) VALUES (?, ?, ?, 't', '', 'title', ?, ?, ?, ?)",
                    (n, f"http://a.example/{n}", f"http://a.example/{n}", WHEN, WHEN, f"h{n}", feed_id),
                )
                s.db.conn.execute(
                    "INSERT INTO matches (article_id, relevant, decision, score, threshold, topics, reason, "
                    "evidence, config_digest, matched_at) VALUES (?, ?, ?, 0.7, 0.5, '[]', 'r', ?, 'old', "
                    "'2026-01-01T00:00:00+00:00')",
                    (n, relevant, "relevant" if relevant else "irrelevant", evidence),
                )
    with Store.open(path) as s:
        assert s.schema_version() == MIGRATIONS[-1].version
        assert _tiers(s) == {1: "core", 2: "context", 3: None, 4: "core", 5: "core"}
        assert s.db.execute("SELECT evidence FROM matches WHERE article_id = 4").fetchone()[0] == "{not json"
        view = s.db.execute("SELECT id, tier FROM v_relevant_articles ORDER BY id").fetchall()
        assert view == [(1, "core"), (2, "context"), (4, "core"), (5, "core")]


def test_a_poll_stores_the_tier_of_each_verdict(tmp_path, matcher) -> None:  # noqa: F811
    with Store.open(tmp_path / "m.db") as s:
        _save(s, matcher=matcher)
        tiers = _tiers(s)
    assert {i for i, t in tiers.items() if t is not None} == RELEVANT_NOW
    assert all(tiers[i] in ("core", "context") for i in RELEVANT_NOW)
    assert all(tiers[i] is None for i in range(1, len(ARTICLES) + 1) if i not in RELEVANT_NOW)


def test_rematch_stores_the_tier_and_a_context_verdict_is_kept_as_context(tmp_path, matcher) -> None:  # noqa: F811
    with Store.open(tmp_path / "m.db") as s:
        _save(s)  # no verdicts yet
        rematch(s, matcher)
        assert {i for i, t in _tiers(s).items() if t} == RELEVANT_NOW
        row = verdict_row(replace(matcher.match(*ARTICLES[0][:2]), tier="context"))
        s.save_matches({1: row})
        assert _tiers(s)[1] == "context"
        s.save_matches({1: replace(row, tier=None)})  # a verdict from before tiers
        assert _tiers(s)[1] == "core"


def test_a_database_at_9_without_8_still_gets_the_tiers(tmp_path) -> None:
    """Migration numbers are handed to branches before they merge: a monitor that ran the branch of 9 first
    leaves a database at 9 without 8, which the next start must fill in."""
    from monitor.store.core import _split_sql

    path = tmp_path / "skipped.db"
    nine = next(m for m in MIGRATIONS if m.version == 9)
    with Store.open(path, migrate=False) as s:
        s.migrate(target=7)
        with s.transaction():
            for statement in _split_sql(nine.sql):
                s.db.conn.execute(statement)
            s.db.conn.execute("INSERT INTO schema_migrations VALUES (9, ?, ?)", (nine.name, WHEN))
    with Store.open(path) as s:
        versions = [v for (v,) in s.db.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [m.version for m in MIGRATIONS] and s.schema_version() == MIGRATIONS[-1].version
        assert "tier" in {row[1] for row in s.db.execute("PRAGMA table_info(matches)")}
        assert s.migrate() == []


def test_a_context_verdict_of_the_matcher_is_stored_as_context(tmp_path, matcher) -> None:  # noqa: F811
    """The policy's context class (China's controls on chip minerals) through the shipped matcher, verdict_row
    and the store, as a poll saves it."""
    rows = [
        (
            "中, 갈륨·게르마늄 수출통제 발표",
            "중국 상무부가 반도체 원료인 갈륨과 게르마늄의 수출을 통제한다고 밝혔다.",
            "",
        )
    ]
    result = matcher.match(rows[0][0], rows[0][1])
    if result.tier != "context":
        pytest.skip(f"the shipped matcher does not put this item in the context tier ({result.reason})")
    with Store.open(tmp_path / "m.db") as s:
        _save(s, rows=rows, matcher=matcher)
        assert _tiers(s) == {1: "context"}
        assert s.db.execute("SELECT tier FROM v_relevant_articles").fetchall() == [("context",)]
