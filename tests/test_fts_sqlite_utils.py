"""Migration 11: the full-text index declared so sqlite-utils (and Datasette) find it (issue 16).

sqlite-utils' ``Table.detect_fts()`` looks for an FTS table whose SQL says ``content="articles"`` or
``content=[articles]``; the first schema wrote ``content='articles'``. These tests hold the new spelling
and that a version-10 database keeps every article, stays searchable by ``monitor search`` and becomes
searchable by sqlite-utils. The demo database through the real ``sqlite-utils search`` CLI is in
tests/integration/test_demo.py.
"""

from __future__ import annotations

import sqlite_utils

from monitor.models import FeedSpec
from monitor.store import Store
from monitor.store.migrations import MIGRATIONS
from tests.test_store import article, fts_ok, save, src


def test_migration_11_is_the_latest_and_declares_content_with_double_quotes():
    [v11] = [m for m in MIGRATIONS if m.version == 11]
    assert 'content="articles"' in v11.sql and 'tokenize="trigram"' in v11.sql


def test_a_new_database_is_found_by_sqlite_utils_detect_fts(tmp_path):
    with Store.open(tmp_path / "m.db") as s:
        sql = s.db.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'").fetchone()[0]
    assert 'content="articles"' in sql and "trigram" in sql
    assert sqlite_utils.Database(tmp_path / "m.db")["articles"].detect_fts() == "articles_fts"


def test_a_version_10_database_keeps_its_articles_and_both_searches_find_them(tmp_path):
    path = tmp_path / "m.db"
    with Store.open(path, migrate=False) as s:
        s.migrate(target=10)
        s.sync_feeds([FeedSpec("A", "http://a.example/rss")])
        save(
            s,
            "A",
            [article("https://n.example/1", title="공급망 협력 강화", text="한미일 반도체", h="h1")],
            [src("https://n.example/1", "g1")],
        )
        s.index_pending()  # article 1 in the old index ...
        save(
            s,
            "A",
            [article("https://n.example/2", title="핵심광물 공급망", text="아직 색인 전", h="h2")],
            [src("https://n.example/2", "g2")],
        )  # ... article 2 stored but not indexed yet (crash before it)
        assert s.schema_version() == 10
        assert sqlite_utils.Database(s.conn)["articles"].detect_fts() is None  # the bug: not found
    with Store.open(path) as s:
        assert s.schema_version() == MIGRATIONS[-1].version >= 11
        assert s.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
        assert s.index_pending() == 0  # the rebuild indexed both: nothing is inserted twice
        fts_ok(s)
        assert sorted(h["id"] for h in s.search("공급망")) == [1, 2]
        assert [h["id"] for h in s.search("아직 색인")] == [2]
        # an edit after the migration goes through the recreated triggers
        save(
            s,
            "A",
            [article("https://n.example/1", title="희토류 협력", text="개정된 본문", h="h3")],
            [src("https://n.example/1", "g1", h="e3")],
        )
        fts_ok(s)
        assert [h["id"] for h in s.search("공급망")] == [2]
    db = sqlite_utils.Database(path)
    assert db["articles"].detect_fts() == "articles_fts"
    assert [r["id"] for r in db["articles"].search("희토류")] == [1]
    assert sorted(r["id"] for r in db["articles"].search("공급망")) == [2]
