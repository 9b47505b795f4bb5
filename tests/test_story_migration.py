"""Migration 10 (story join evidence, last development, incremental aggregates) from older databases.

An old database carries over: every article, decision and delivery stays as it was, each member's evidence
starts empty, and every story is recomputed once (the side tables filled, last_development_at set, and
aggregates an old version left stale repaired), never again on a later open.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from monitor.clock import to_iso
from monitor.models import Assignment, FeedSpec
from monitor.store import Store
from monitor.store.stories import AGGREGATES_VERSION

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def _old_database(path, version: int) -> dict[str, list]:
    """A database at ``version`` with two stories written the way the old store wrote them, one of them
    with stale aggregates; a delivery. Version 9 is another branch's (articles.language, outlet): it is
    imitated here so the test holds whether or not that migration has merged."""
    with Store.open(path, migrate=False) as s:
        s.migrate(target=min(version, 7))
        conn = s.db.conn
        if version == 9 and s.schema_version() < 9:
            conn.execute("ALTER TABLE articles ADD COLUMN outlet TEXT")
            conn.execute("ALTER TABLE articles ADD COLUMN language TEXT")
            conn.execute("ALTER TABLE article_sources ADD COLUMN outlet TEXT")
            conn.execute("INSERT INTO schema_migrations VALUES (9, 'another branch', '2026-12-01')")
        s.sync_feeds([FeedSpec("연합뉴스", "http://a.example/rss"), FeedSpec("B", "http://b.example/rss")])
        feeds = {name: state.id for name, state in s.feed_states().items()}
        articles = [  # (url, feed, hours after T0, score or None, topics)
            ("https://b.example/1", "B", 0, 0.4, ["chips"]),
            ("https://www.yna.co.kr/view/AKR2", "연합뉴스", 1, 0.9, ["supply_chain", "chips"]),
            ("https://c.example/3", "B", 30, None, []),
            ("https://b.example/4", "B", 5, 0.2, ["ipef"]),
        ]
        for n, (url, feed, hours, score, topics) in enumerate(articles, 1):
            at = to_iso(T0 + timedelta(hours=hours))
            conn.execute(
                "INSERT INTO articles (id, url, link, title, text, summary, text_source, published_at, "
                "first_seen_at, fetched_at, content_hash, feed_id) "
                "VALUES (?, ?, ?, ?, '본문', '', 'page', ?, ?, ?, ?, ?)",
                (n, url, url, f"기사 {n}", at, at, at, f"h{n}", feeds[feed]),
            )
            if score is not None:
                conn.execute(
                    "INSERT INTO matches (article_id, relevant, decision, score, threshold, topics, reason, "
                    "evidence, config_digest, matched_at) VALUES (?, ?, 'x', ?, 0.5, ?, 't', '{}', 'd', ?)",
                    (n, int(score >= 0.5), score, json.dumps(topics), at),
                )
        conn.execute(  # story 1: right as the old store wrote it
            "INSERT INTO stories VALUES (1, 2, '기사 2', ?, ?, 3, 3, ?, 0.9, 1, ?)",
            (
                to_iso(T0),
                to_iso(T0 + timedelta(days=2)),
                json.dumps(["www.yna.co.kr", "b.example", "c.example"]),
                json.dumps(["supply_chain", "chips"]),
            ),
        )
        conn.execute(  # story 4: stale (a size and outlets an old rule left behind)
            "INSERT INTO stories VALUES (4, 4, '기사 4', ?, ?, 7, 2, '[\"x\", \"y\"]', 0.1, 0, '[]')",
            (to_iso(T0), to_iso(T0 + timedelta(days=2))),
        )
        for article_id, story_id, reason, matched in [
            (1, 1, "new", None),
            (2, 1, "near_duplicate", 1),
            (3, 1, "same_event", 2),
            (4, 4, "new", None),
        ]:
            conn.execute(
                "INSERT INTO article_story VALUES (?, ?, ?, 0.8, ?, ?)",
                (article_id, story_id, reason, matched, to_iso(T0 + timedelta(days=2))),
            )
        if version >= 6:
            conn.execute(
                "INSERT INTO deliveries (channel, story_id, kind, size, outlet_count, score, digest_id, "
                "message_id, sent_at) VALUES ('file', 1, 'new', 3, 3, 0.9, 'd1', 'm1', ?)",
                (to_iso(T0 + timedelta(days=2)),),
            )
        return {
            "articles": conn.execute("SELECT * FROM articles ORDER BY id").fetchall(),
            "article_story": conn.execute("SELECT * FROM article_story ORDER BY article_id").fetchall(),
            "deliveries": conn.execute("SELECT * FROM deliveries").fetchall() if version >= 6 else [],
            "stories": conn.execute("SELECT * FROM stories ORDER BY id").fetchall(),
        }


@pytest.mark.parametrize("version", [5, 7, 9])
def test_an_old_database_carries_over_and_its_stories_are_recomputed_once(tmp_path, version, caplog):
    path = tmp_path / "m.db"
    before = _old_database(path, version)
    with caplog.at_level(logging.INFO, logger="monitor.store.stories"), Store.open(path) as s:
        assert s.schema_version() >= AGGREGATES_VERSION
        conn = s.db.conn
        # nothing lost: articles, decisions (now with empty evidence) and the ledger as they were
        old_width = len(before["articles"][0])  # a v5 database gains text_pruned_at (v7) on the way
        assert [r[:old_width] for r in conn.execute("SELECT * FROM articles ORDER BY id")] == before[
            "articles"
        ]
        assert [r[:6] for r in conn.execute("SELECT * FROM article_story ORDER BY article_id")] == [
            tuple(r) for r in before["article_story"]
        ]
        assert {r[0] for r in conn.execute("SELECT evidence FROM article_story")} == {"[]"}
        if version >= 6:
            assert conn.execute("SELECT * FROM deliveries").fetchall() == before["deliveries"]
        # story 1 was right: it stays as it was (same id, lead, counts), now with its last development
        one = s.story_row(1)
        assert tuple(before["stories"][0]) == tuple(
            one[k] if k not in ("outlets", "topics") else json.dumps(one[k], ensure_ascii=False)
            for k in (
                "id",
                "lead_article_id",
                "title",
                "first_seen_at",
                "last_updated_at",
                "size",
                "outlet_count",
                "outlets",
                "best_score",
                "relevant",
                "topics",
            )
        )
        assert one["last_development_at"] == to_iso(T0 + timedelta(hours=30))  # c.example's first report
        # story 4 was stale: recomputed from its member
        four = s.story_row(4)
        assert (four["size"], four["outlets"], four["best_score"], four["topics"]) == (
            1,
            ["b.example"],
            0.2,
            ["ipef"],
        )
        assert conn.execute("SELECT count(*) FROM story_outlets").fetchone()[0] == 4
        assert (
            conn.execute("SELECT count(*) FROM stories WHERE last_development_at IS NULL").fetchone()[0] == 0
        )
    assert "recomputed 2 stories" in caplog.text
    # once: a later open recomputes nothing (a hand-made mark survives it)
    with Store.open(path) as s:
        s.db.execute("UPDATE stories SET title = 'marked' WHERE id = 4")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="monitor.store.stories"), Store.open(path) as s:
        assert s.story_row(4)["title"] == "marked" and s.migrate() == []
        # and the carried-over stories take new members incrementally from here
        s.db.execute(
            "INSERT INTO articles (id, url, link, title, text, summary, text_source, published_at, "
            "first_seen_at, fetched_at, content_hash) VALUES (5, 'https://d.example/5', "
            "'https://d.example/5', '기사 5', '', '', 'title', ?, ?, ?, 'h5')",
            (to_iso(T0 + timedelta(hours=40)),) * 3,
        )
        s.record_assignments(
            [Assignment(5, 1, "same_event", 0.7, 2, (("title_ngram", 0.71),))], now=T0 + timedelta(days=3)
        )
        one = s.story_row(1)
        assert (one["size"], one["outlet_count"]) == (4, 4)
        assert one["last_development_at"] == to_iso(T0 + timedelta(hours=40))
        assert s.story_members(1)[-1]["evidence"] == [{"feature": "title_ngram", "value": 0.71}]
    assert "recomputed" not in caplog.text
