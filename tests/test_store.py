from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import StoreError
from monitor.models import Article, FeedReport, FeedSpec, FetchResult, ParsedFeed
from monitor.store import SourceRef, Store
from monitor.store.core import _split_sql
from monitor.store.migrations import MIGRATIONS

NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "m.db") as s:
        s.sync_feeds([FeedSpec("A", "http://a.example/rss"), FeedSpec("B", "http://b.example/rss")])
        yield s


def article(url: str, title: str = "제목", text: str = "본문", h: str = "h1", feed: str = "A") -> Article:
    return Article(
        url=url,
        link=url,
        title=title,
        text=text,
        summary="",
        text_source="page",
        feed_name=feed,
        entry_id=url,
        fetched_at=NOW,
        published=NOW - timedelta(hours=1),
        content_hash=h,
    )


def save(store: Store, feed: str, articles: list[Article], sources: list[SourceRef]):
    state = store.feed_states()[feed]
    report = FeedReport(feed, state.url, "ok", http_status=200, entries=len(sources))
    result = FetchResult(state.url, state.url, 200, {}, b"<rss/>", etag='"e1"')
    parsed = ParsedFeed("Feed", None, "rss20", "utf-8", ())
    return store.save_feed_success(
        state.id,
        report=report,
        started_at=NOW,
        result=result,
        parsed=parsed,
        articles=articles,
        sources=sources,
        next_attempt_at=NOW,
    )


def src(url: str, entry: str = "g1", h: str = "e") -> SourceRef:
    return SourceRef(entry, "guid", url, url, h)


def test_new_database_is_at_latest_version_with_wal(tmp_path):
    with Store.open(tmp_path / "x" / "m.db") as s:
        assert s.schema_version() == MIGRATIONS[-1].version
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert {"feeds", "articles", "article_sources", "fetch_log", "articles_fts"} <= set(
            s.db.table_names()
        )
        assert {"v_feed_health", "v_recent_articles"} <= set(s.db.view_names())


# Every version a database can be at (0: empty), not range(len): numbers owned by other branches may be
# absent until they merge, and the runner needs no contiguous numbers.
@pytest.mark.parametrize("start", [0, *(m.version for m in MIGRATIONS[:-1])])
def test_migrates_from_every_older_version(tmp_path, start):
    path = tmp_path / "m.db"
    with Store.open(path, migrate=False) as s:
        s.migrate(target=start)
        assert s.schema_version() == start
    with Store.open(path) as s:
        assert s.schema_version() == MIGRATIONS[-1].version
        assert s.migrate() == []  # idempotent


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "m.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this monitor"):
        Store.open(path)


def test_unopenable_path_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open(tmp_path / "file" / "m.db")


def test_split_sql_keeps_trigger_bodies_whole():
    statements = _split_sql(MIGRATIONS[0].sql)
    triggers = [s for s in statements if s.startswith("CREATE TRIGGER")]
    assert len(triggers) == 3 and all(t.rstrip().endswith("END;") for t in triggers)
    assert all(s.rstrip().endswith(";") for s in _split_sql(MIGRATIONS[1].sql))


def test_saving_twice_adds_nothing(store):
    a = article("https://n.example/1")
    first = save(store, "A", [a], [src(a.url)])
    second = save(store, "A", [a], [src(a.url)])
    assert (first.new_articles, first.new_sources) == (1, 1)
    assert (second.new_articles, second.updated_articles, second.new_sources) == (0, 0, 0)
    assert store.counts()["articles"] == 1 and store.counts()["article_sources"] == 1


def test_same_article_from_two_feeds_is_one_row_with_two_sources(store):
    a = article("https://n.example/1")
    save(store, "A", [a], [src(a.url)])
    outcome = save(store, "B", [], [src(a.url, "other-guid")])
    assert outcome.new_sources == 1
    rows = store.db.execute(
        "SELECT f.name FROM article_sources s JOIN feeds f ON f.id = s.feed_id ORDER BY f.name"
    ).fetchall()
    assert [r[0] for r in rows] == ["A", "B"]
    assert store.counts()["articles"] == 1


def test_changed_content_updates_the_row_and_keeps_a_revision(store):
    save(store, "A", [article("https://n.example/1", text="첫 판", h="h1")], [src("https://n.example/1")])
    outcome = save(
        store,
        "A",
        [article("https://n.example/1", text="고친 판", h="h2")],
        [src("https://n.example/1", h="e2")],
    )
    assert outcome.updated_articles == 1
    row = store.article("https://n.example/1")
    assert row["text"] == "고친 판" and row["updated_at"]
    rev = store.db.execute("SELECT text FROM article_revisions").fetchall()
    assert rev == [("첫 판",)]


def test_one_save_of_many_articles_counts_and_stores_each_as_one_at_a_time_would(store):
    old = [article(f"https://n.example/{n}", text=f"판 {n}", h=f"h{n}") for n in range(3)]
    save(store, "A", old, [src(a.url, f"g{n}") for n, a in enumerate(old)])
    batch = [
        article("https://n.example/0", text="판 0", h="h0"),  # unchanged
        article("https://n.example/1", text="고친 판 1", h="x1"),  # changed
        *(article(f"https://n.example/new{n}", text=f"새 판 {n}", h=f"n{n}") for n in range(4)),
        # the same URL twice in one call: stored once, then updated with a revision, as one by one
        article("https://n.example/new0", text="새 판 0 고침", h="n0b"),
    ]
    sources = [src(a.url, f"s{n}", h=a.content_hash) for n, a in enumerate(batch)]
    outcome = save(store, "A", batch, sources)
    assert (outcome.new_articles, outcome.updated_articles, outcome.new_sources) == (4, 2, len(batch))
    assert store.counts()["articles"] == 7
    assert store.article("https://n.example/1")["text"] == "고친 판 1"
    assert store.article("https://n.example/new0")["text"] == "새 판 0 고침"
    assert store.article("https://n.example/new3")["first_seen_at"]
    revisions = store.db.execute("SELECT text FROM article_revisions ORDER BY id").fetchall()
    assert revisions == [("판 1",), ("새 판 0",)]
    # a source whose entry did not change is neither new nor rewritten
    again = save(store, "A", [], sources[:2])
    assert again.new_sources == 0


def test_failure_touches_only_feed_health(store):
    save(store, "A", [article("https://n.example/1")], [src("https://n.example/1")])
    before = store.counts()
    state = store.feed_states()["A"]
    report = FeedReport("A", state.url, "error", http_status=500, error_kind="http_status", error="HTTP 500")
    store.save_feed_failure(
        state.id, report=report, started_at=NOW, next_attempt_at=NOW + timedelta(minutes=2)
    )
    store.save_feed_failure(
        state.id, report=report, started_at=NOW, next_attempt_at=NOW + timedelta(minutes=4)
    )
    after = store.counts()
    assert after["articles"] == before["articles"] and after["article_sources"] == before["article_sources"]
    st = store.feed_states()["A"]
    assert st.consecutive_failures == 2 and st.etag == '"e1"'  # validators survive a failure
    health = {r["name"]: r for r in store.feed_health()}["A"]
    assert health["last_error"] == "HTTP 500" and health["entries_24h"] == 1


def test_failed_transaction_rolls_back_everything(store):
    bad_source = SourceRef("g", "guid", "https://n.example/never-stored", None, "e")
    with pytest.raises(StoreError):
        save(store, "A", [article("https://n.example/1")], [bad_source])
    assert store.counts()["articles"] == 0


def test_fts_finds_korean_substrings_and_short_words(store):
    save(
        store,
        "A",
        [article("https://n.example/1", title="한미일 공급망 협력", text="반도체와 배터리 공급망을 강화")],
        [src("https://n.example/1")],
    )
    save(
        store,
        "A",
        [article("https://n.example/2", title="날씨", text="맑음", h="h2")],
        [src("https://n.example/2", "g2")],
    )
    assert [h["id"] for h in store.search("공급망")] == [1]
    assert [h["id"] for h in store.search("반도체")] == [1]
    assert [h["id"] for h in store.search("한미일 배터리")] == [1]
    assert [h["id"] for h in store.search("맑음")] == [2]
    assert [h["id"] for h in store.search("날씨")] == [2]
    assert store.search("반도 배터리")[0]["id"] == 1  # a two-character word goes through LIKE
    assert store.search("100%") == []  # LIKE wildcards in the query are literal


def test_sync_feeds_marks_removed_feeds_and_resets_state_on_url_change(store):
    save(store, "A", [], [])
    store.sync_feeds([FeedSpec("A", "http://a.example/new-rss")])
    states = store.feed_states()
    assert states["A"].etag is None
    health = {r["name"]: r for r in store.feed_health()}
    assert health["B"]["in_config"] == 0 and health["B"]["enabled"] == 0


def test_views_show_kst(store):
    save(store, "A", [article("https://n.example/1")], [src("https://n.example/1")])
    row = store.db.execute("SELECT published_kst FROM v_recent_articles").fetchone()
    assert row[0] == "2026-11-23 08:00:00"  # 23:00 UTC the day before + 9 h


def fts_ok(store: Store) -> None:
    store.index_pending()
    # FTS5 raises "database disk image is malformed" here if the index and the table disagree.
    store.db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")


def test_full_text_index_catches_up_after_rows_written_without_it(store):
    # A crash between storing articles and the end-of-poll indexing leaves rows unindexed...
    save(
        store,
        "A",
        [article("https://n.example/1", title="핵심광물 협력", text="첫 판")],
        [src("https://n.example/1")],
    )
    # ...and an unindexed row edited before indexing must not corrupt the index.
    save(
        store,
        "A",
        [article("https://n.example/1", title="핵심광물 협력", text="둘째 판 희토류", h="h2")],
        [src("https://n.example/1", h="e2")],
    )
    assert [h["id"] for h in store.search("희토류")] == [1]  # search indexes what is pending first
    assert store.index_pending() == 0
    fts_ok(store)  # (it compares the index with every row, so only once nothing is pending)
    # an indexed row edited later is re-indexed: old words gone, new words found
    save(
        store,
        "A",
        [article("https://n.example/1", title="핵심광물 협력", text="셋째 판 배터리", h="h3")],
        [src("https://n.example/1", h="e3")],
    )
    fts_ok(store)
    assert store.search("희토류") == [] and [h["id"] for h in store.search("배터리")] == [1]


def test_v1_database_with_data_migrates_and_stays_searchable(tmp_path):
    path = tmp_path / "m.db"
    with Store.open(path, migrate=False) as s:
        s.migrate(target=1)
        s.sync_feeds([FeedSpec("A", "http://a.example/rss")])
        # The row as a v1 monitor wrote it (today's writer fills columns later migrations added).
        s.db.execute(
            "INSERT INTO articles (url, link, title, text, text_source, first_seen_at, fetched_at, "
            "content_hash, feed_id) VALUES ('https://n.example/1', 'https://n.example/1', "
            "'수출통제 공조', '구 버전에서 저장', 'page', '2026-01-01T00:00:00+00:00', "
            "'2026-01-01T00:00:00+00:00', 'h1', 1)"
        )
        s.db.conn.commit()
    with Store.open(path) as s:
        assert (
            s.schema_version() == MIGRATIONS[-1].version and s.index_pending() == 0
        )  # v1 rows were indexed by its trigger
        save(
            s,
            "A",
            [article("https://n.example/2", title="공급망 대화", text="새 버전", h="h2")],
            [src("https://n.example/2", "g2")],
        )
        assert [h["id"] for h in s.search("수출통제")] == [1]
        assert [h["id"] for h in s.search("공급망")] == [2]
        fts_ok(s)
