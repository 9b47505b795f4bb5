"""Incremental story aggregates (monitor.store.stories) equal the full recompute, after any batches.

A poll folds a touched story's new members into its stored aggregate instead of re-reading every member;
these tests hold that to the definition: after many random batches (new stories, joins, out-of-order
times, wire copies arriving late, unmatched members, updates and moves that force a full recompute), the
``stories`` rows and the side tables are exactly what a recompute from all members gives, and the rows are
those of the formula the store used before aggregates were incremental (kept here as the reference).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.clock import to_iso
from monitor.ingest.urls import article_outlet
from monitor.models import Assignment, FeedSpec
from monitor.store import MatchRow, Store
from monitor.store.core import _match_params

T0 = datetime(2026, 11, 23, tzinfo=UTC)
FEEDS = ("연합뉴스", "B", "C")
HOSTS = (
    "https://www.yna.co.kr/view/",
    "https://www.newsis.com/view/",
    "https://a.example/",
    "https://b.example/",
    "https://c.example/",
    "",
)  # "": no http URL, the feed names the outlet
TOPICS = ("supply_chain", "chips", "minerals", "export_control", "ipef")


#: One undated, irrelevant report from feed 1 that starts a story: the member the tests below vary.
UNDATED_REPORT: dict[str, Any] = {
    "feed": 1,
    "host": 2,
    "seen": 5,
    "published": None,
    "score": 0.4,
    "relevant": False,
    "topics": ["chips"],
    "story": None,
    "also": "none",
}


def _store() -> Store:
    store = Store.open(":memory:")
    store.sync_feeds([FeedSpec(name, f"http://{k}.example/rss") for k, name in enumerate(FEEDS)])
    return store


def _insert_article(store: Store, n: int, spec: dict[str, Any]) -> int:
    """One article (and its match, if any) written straight into the tables."""
    feed_id = store.feed_states()[FEEDS[spec["feed"]]].id
    url = f"{HOSTS[spec['host']]}{n}" if HOSTS[spec["host"]] else f"urn:test:{n}"
    seen = to_iso(T0 + timedelta(hours=spec["seen"]))
    published = None if spec["published"] is None else to_iso(T0 + timedelta(hours=spec["published"]))
    cur = store.db.conn.execute(
        "INSERT INTO articles (url, link, title, text, summary, text_source, published_at, first_seen_at, "
        "fetched_at, content_hash, feed_id) VALUES (?, ?, ?, '', '', 'title', ?, ?, ?, ?, ?)",
        (url, url, f"제목 {n}", published, seen, seen, f"h{n}", feed_id),
    )
    article_id = int(cur.lastrowid or 0)
    if spec["score"] is not None:
        store.db.conn.execute(
            "INSERT INTO matches (article_id, relevant, decision, score, threshold, topics, reason, "
            "evidence, config_digest, matched_at) VALUES (?, ?, 'x', ?, 0.5, ?, 'test', '{}', 'd', ?)",
            (article_id, int(spec["relevant"]), spec["score"], json.dumps(spec["topics"]), seen),
        )
    return article_id


article_specs = st.fixed_dictionaries(
    {
        "feed": st.integers(0, len(FEEDS) - 1),
        "host": st.integers(0, len(HOSTS) - 1),
        "seen": st.integers(0, 200),
        "published": st.none() | st.integers(-24, 200),
        "score": st.none() | st.sampled_from([0.0, 0.1, 0.35, 0.5, 0.8, 0.8, 1.0]),  # ties on purpose
        "relevant": st.booleans(),
        # unique, as the matcher writes them (the old formula listed a topic twice if one member did)
        "topics": st.lists(st.sampled_from(TOPICS), max_size=3, unique=True),
        # where it goes: a new story (None) or the k-th story made so far (modulo)
        "story": st.none() | st.integers(0, 50),
        # what happens to an existing member in the same batch: nothing, an update, a move
        "also": st.sampled_from(["none", "none", "update", "update", "move"]),
    }
)


def _snapshot(store: Store) -> tuple[list[Any], ...]:
    return (
        store.db.execute("SELECT * FROM stories ORDER BY id").fetchall(),
        store.db.execute("SELECT * FROM story_outlets ORDER BY story_id, outlet").fetchall(),
        store.db.execute("SELECT * FROM story_topics ORDER BY story_id, topic").fetchall(),
    )


def _reference_rows(store: Store) -> list[tuple[Any, ...]]:
    """The stories rows by the formula the store used before (every member read, every time)."""
    rows = store.db.execute(
        "SELECT s.story_id, a.id, a.title, a.url, f.name, coalesce(a.published_at, a.first_seen_at), "
        "a.updated_at, s.decided_at, m.score, m.relevant, m.topics FROM article_story s "
        "JOIN articles a ON a.id = s.article_id LEFT JOIN feeds f ON f.id = a.feed_id "
        "LEFT JOIN matches m ON m.article_id = a.id ORDER BY s.story_id"
    ).fetchall()
    by_story: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_story.setdefault(row[0], []).append(row)
    out = []
    for story_id, member_rows in sorted(by_story.items()):
        members = []
        for row in member_rows:
            _, article_id, title, url, feed, t, updated_at, decided_at, score, relevant, topics = row
            outlet, wire = article_outlet(url, feed or "")
            members.append(
                (
                    article_id,
                    title,
                    outlet,
                    wire,
                    t or "",
                    max(decided_at, updated_at or ""),
                    score,
                    relevant,
                    topics,
                )
            )
        by_time = sorted(members, key=lambda m: (m[4], m[0]))
        lead = min(by_time, key=lambda m: (not m[3], m[4], m[0]))
        outlets = [o for o in dict.fromkeys([lead[2], *(m[2] for m in by_time)]) if o]
        scored = [m for m in members if m[6] is not None]
        topic_list: list[str] = []
        for m in sorted(scored, key=lambda m: (-m[6], m[0])):
            topic_list += [t for t in json.loads(m[8] or "[]") if t not in topic_list]
        firsts: dict[str, str] = {}
        for m in by_time:
            if m[2]:
                firsts.setdefault(m[2], m[4])
        out.append(
            (
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
                json.dumps(topic_list, ensure_ascii=False),
                max(firsts.values(), default=by_time[0][4]),
            )
        )
    return out


def _play(store: Store, batches: list[list[dict[str, Any]]]) -> None:
    """Record the batches as a tracker would, checking after each that incremental == full."""
    n = 0
    stories: list[int] = []
    members: dict[int, int] = {}  # article id → story id
    for b, batch in enumerate(batches):
        assignments = []
        with store.transaction():
            for spec in batch:
                n += 1
                article_id = _insert_article(store, n, spec)
                if spec["story"] is None or not stories:
                    key = article_id
                    stories.append(key)
                    reason = "new"
                else:
                    key = stories[spec["story"] % len(stories)]
                    reason = "same_event"
                assignments.append(
                    Assignment(
                        article_id,
                        key,
                        reason,
                        0.7,
                        key if reason != "new" else None,
                        (("title_ngram", 0.7),) if reason != "new" else (),
                    )
                )
                if spec["also"] != "none" and members:
                    old = sorted(members)[spec["seen"] % len(members)]
                    if spec["also"] == "update":  # a correction: a new time (and verdict) under the same row
                        store.db.conn.execute(
                            "UPDATE articles SET published_at = ?, updated_at = ? WHERE id = ?",
                            (
                                to_iso(T0 + timedelta(hours=spec["seen"] - 30)),
                                to_iso(T0 + timedelta(days=9)),
                                old,
                            ),
                        )
                        if spec["relevant"]:  # re-matched too, the way a poll writes a verdict
                            row = MatchRow("x", False, 0.05, 0.5, ("ipef",), "t", "{}", "d")
                            store._write_matches([_match_params(old, row, to_iso(T0))])
                        assignments.append(Assignment(old, members[old], "updated", 1.0))
                    elif members[old] != old:  # moved to another story (the first member stays put)
                        assignments.append(Assignment(old, key, "same_event", 0.6, key))
                members[article_id] = key
        store.record_assignments(assignments, now=T0 + timedelta(days=10, minutes=b))
        for a in assignments:
            members[a.article_id] = a.story_key
        incremental = _snapshot(store)
        store.refresh_stories()
        assert _snapshot(store) == incremental, f"after batch {b}"
        assert incremental[0] and [tuple(r) for r in incremental[0]] == _reference_rows(store)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(article_specs, min_size=1, max_size=10), min_size=1, max_size=10))
def test_incremental_aggregates_equal_the_full_recompute_after_random_batches(batches):
    with _store() as store:
        _play(store, batches)


def test_a_late_wire_copy_takes_the_lead_and_an_earlier_report_moves_first_seen():
    late_wire = {
        "feed": 0,
        "host": 0,
        "seen": 50,
        "published": 40,
        "score": 0.5,
        "relevant": True,
        "topics": ["chips"],
        "story": 0,
        "also": "none",
    }
    first = {**late_wire, "feed": 1, "host": 2, "published": 45, "story": None, "score": None}
    earlier = {**first, "host": 3, "published": 10, "story": 0, "score": 0.9, "topics": ["ipef", "chips"]}
    with _store() as store:
        _play(store, [[first], [late_wire], [earlier]])
        (story,) = store.recent_stories()
        assert story["lead_article_id"] == 2 and story["size"] == 3  # the agency's copy leads
        assert story["outlets"] == ["www.yna.co.kr", "b.example", "a.example"]
        assert story["first_seen_at"] == to_iso(T0 + timedelta(hours=10))
        assert story["topics"] == ["ipef", "chips"] and story["best_score"] == 0.9
        # the last development: the latest outlet's first report (a.example at 45 h)
        assert story["last_development_at"] == to_iso(T0 + timedelta(hours=45))
        # what the clusterer reads for [stories] close_after_hours (an unknown id is left out)
        assert store.last_developments([story["id"], 999]) == {story["id"]: T0 + timedelta(hours=45)}


def test_a_story_written_without_side_tables_is_recomputed_when_touched():
    """Stories carried over by the migration (or written by hand) have last_development_at NULL."""
    spec = dict(UNDATED_REPORT)
    with _store() as store:
        _play(store, [[spec, {**spec, "host": 3, "story": 0}]])
        store.db.execute("DELETE FROM story_outlets")
        store.db.execute("UPDATE stories SET last_development_at = NULL, size = 99, outlets = '[]'")
        _play_more = {**spec, "host": 4, "seen": 9}
        with store.transaction():
            article_id = _insert_article(store, 3, _play_more)
        store.record_assignments([Assignment(article_id, 1, "same_event", 0.6, 1)], now=T0)
        (story,) = store.recent_stories()
        assert story["size"] == 3 and story["outlet_count"] == 3  # recomputed, not folded into the wrong row
        assert story["last_development_at"] == to_iso(T0 + timedelta(hours=9))


def test_a_changed_verdict_of_a_clustered_member_recomputes_its_story_an_unchanged_one_does_not(tmp_path):
    """A fold only raises a best score: a poll that re-matches a member lower must recompute its story."""
    from monitor.stories import StoryTracker
    from tests.test_stories import WIRE, article, save, verdict

    a, b = "https://www.yna.co.kr/view/AKR1", "https://www.newspim.com/news/view/1"
    with Store.open(tmp_path / "m.db") as store:
        store.sync_feeds(
            [FeedSpec("연합뉴스", "http://a.example/rss"), FeedSpec("B", "http://b.example/rss")]
        )
        save(
            store,
            "연합뉴스",
            [article(a, "한미일 산업장관 첫 회의", WIRE, feed="연합뉴스")],
            matches={a: verdict(True, 0.9, ("chips",))},
        )
        save(
            store,
            "B",
            [article(b, "한미일 산업장관 첫 회의", WIRE + "\n무단전재", hours=1)],
            matches={b: verdict(True, 0.4, ("ipef",))},
        )
        StoryTracker().catch_up(store)
        (story,) = store.recent_stories()
        assert (story["size"], story["best_score"], story["topics"]) == (2, 0.9, ["chips", "ipef"])
        store.db.execute("UPDATE stories SET title = 'marked'")
        # the same entry seen again with the same verdict (a churned GUID): the story is not recomputed
        save(
            store,
            "연합뉴스",
            [article(a, "한미일 산업장관 첫 회의", WIRE, feed="연합뉴스")],
            matches={a: verdict(True, 0.9, ("chips",))},
        )
        assert store.story_row(story["id"])["title"] == "marked"
        # re-matched lower (a new topics file): recomputed at once, in the feed's transaction
        save(
            store,
            "연합뉴스",
            [article(a, "한미일 산업장관 첫 회의", WIRE, feed="연합뉴스")],
            matches={a: verdict(False, 0.2, ("trade",))},
        )
        now = store.story_row(story["id"])
        assert (now["title"], now["best_score"], now["topics"], now["relevant"]) == (
            "한미일 산업장관 첫 회의",
            0.4,
            ["ipef", "trade"],
            1,
        )


def test_reclustering_rewrites_the_explanation_of_unchanged_rows_without_re_dating_them():
    spec = dict(UNDATED_REPORT)
    with _store() as store:
        _play(store, [[spec], [{**spec, "host": 3, "story": 0}]])
        before = store.db.execute("SELECT article_id, decided_at FROM article_story ORDER BY 1").fetchall()
        story = store.story_row(1)
        rebuilt = [
            Assignment(1, 1, "new", 0.0),
            Assignment(2, 1, "same_event", 0.9, 1, (("key_terms", 0.9), ("title_ngram", 0.4))),
        ]
        assert store.replace_assignments(rebuilt, now=T0 + timedelta(days=30)) == 0  # same stories
        joined = store.story_members(1)[1]
        assert joined["evidence"] == [
            {"feature": "key_terms", "value": 0.9},
            {"feature": "title_ngram", "value": 0.4},
        ]
        assert joined["similarity"] == 0.9
        assert (
            store.db.execute("SELECT article_id, decided_at FROM article_story ORDER BY 1").fetchall()
            == before
        )
        assert store.story_row(1) == story  # digests see nothing new
