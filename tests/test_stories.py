"""monitor.stories (the poll's story stage) and the story tables of the store (monitor.store.stories)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from monitor.ingest.urls import article_outlet
from monitor.match.evaluation import cluster_quality, eval_report_json, eval_report_text, parse_lines
from monitor.models import Article, FeedReport, FeedSpec, FetchResult, ParsedFeed, StorySettings
from monitor.store import MatchRow, SourceRef, Store
from monitor.stories import StoryTracker, recluster

NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)

WIRE = (
    "(서울=연합뉴스) 홍길동 기자 = 한국과 미국, 일본 산업장관이 도쿄에서 첫 3국 산업장관회의를 열고 반도체와 "
    "배터리 공급망 협력을 최우선 과제로 삼기로 했다.\n"
    "3국 장관은 핵심광물 공동투자와 수출통제 공조 방안도 논의했다고 산업통상자원부가 밝혔다.\n"
    "정부는 후속 실무 협의를 이어가고 내년 회의에서 이행 상황을 점검하기로 했다."
)
COPY = (
    WIRE.replace("(서울=연합뉴스) 홍길동 기자 = ", "[세종=뉴스핌] 김철수 기자 = ")
    + "\n무단전재 및 재배포 금지"
)
OTHER = (
    "기상청은 주말 전국이 흐리고 비가 내린 뒤 기온이 크게 떨어지겠다고 예보했다.\n"
    "강원 산지에는 첫눈이 내릴 가능성도 있어 출근길 교통안전에 유의해야 한다고 당부했다."
)
LOGIN = "로그인이 필요한 서비스입니다. 회원 전용 기사입니다."


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "m.db") as s:
        s.sync_feeds([FeedSpec("연합뉴스", "http://a.example/rss"), FeedSpec("B", "http://b.example/rss")])
        yield s


def article(
    url: str,
    title: str,
    text: str,
    *,
    hours: float = 0,
    feed: str = "B",
    h: str | None = None,
) -> Article:
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
        published=NOW + timedelta(hours=hours),
        content_hash=h or f"{title}|{text}",
    )


def save(store: Store, feed: str, articles: list[Article], matches: dict[str, MatchRow] | None = None):
    state = store.feed_states()[feed]
    report = FeedReport(feed, state.url, "ok", http_status=200, entries=len(articles))
    result = FetchResult(state.url, state.url, 200, {}, b"<rss/>")
    parsed = ParsedFeed("Feed", None, "rss20", "utf-8", ())
    sources = [SourceRef(a.url, "guid", a.url, a.url, a.content_hash) for a in articles]
    return store.save_feed_success(
        state.id,
        report=report,
        started_at=NOW,
        result=result,
        parsed=parsed,
        articles=articles,
        sources=sources,
        next_attempt_at=NOW,
        matches=matches,
    )


def verdict(relevant: bool, score: float, topics: tuple[str, ...]) -> MatchRow:
    return MatchRow("relevant" if relevant else "irrelevant", relevant, score, 0.5, topics, "test", "{}", "d")


def snapshot(store: Store) -> tuple[list, list]:
    return (
        store.db.execute("SELECT * FROM stories ORDER BY id").fetchall(),
        store.db.execute("SELECT * FROM article_story ORDER BY article_id").fetchall(),
    )


def ids(store: Store) -> dict[str, int]:
    return dict(store.db.execute("SELECT url, id FROM articles").fetchall())


def test_copies_share_a_story_with_the_wire_lead_and_outlets_counted(store):
    save(
        store,
        "B",
        [
            article("https://www.newspim.com/news/view/1", "한미일 산업장관 첫 회의 공급망 협력", COPY),
            article("https://b.example/weather", "주말 전국 비 온 뒤 기온 뚝", OTHER),
        ],
    )
    save(
        store,
        "연합뉴스",
        [
            article(
                "https://www.yna.co.kr/view/AKR1",
                "[속보] 한미일 산업장관 첫 회의 공급망 협력",
                WIRE,
                hours=-1,
                feed="연합뉴스",
            )
        ],
    )
    result = StoryTracker().catch_up(store)
    assert result.clustered == 3 and result.new_stories == 2 and result.joined == 1
    by_url = ids(store)
    wire_id = by_url["https://www.yna.co.kr/view/AKR1"]
    copy_id = by_url["https://www.newspim.com/news/view/1"]
    story_id = store.story_of(copy_id)
    assert story_id == store.story_of(wire_id) != store.story_of(by_url["https://b.example/weather"])
    story = store.story_row(story_id)
    assert story["size"] == 2 and story["outlet_count"] == 2
    assert story["lead_article_id"] == wire_id  # the agency's copy leads, and its outlet is listed first
    assert story["outlets"][0] == article_outlet("https://www.yna.co.kr/view/AKR1")[0]
    assert story["first_seen_at"] == (NOW - timedelta(hours=1)).isoformat()
    members = store.story_members(story_id)
    assert [m["article_id"] for m in members] == [wire_id, copy_id]  # in time order
    joined = members[1]
    assert joined["reason"] in ("near_duplicate", "exact") and joined["similarity"] >= 0.6
    assert joined["matched_article_id"] == wire_id


def test_catch_up_twice_changes_nothing_and_a_fresh_tracker_continues_the_window(store):
    save(
        store,
        "연합뉴스",
        [
            article(
                "https://www.yna.co.kr/view/AKR1",
                "한미일 산업장관 첫 회의 공급망 협력",
                WIRE,
                feed="연합뉴스",
            )
        ],
    )
    assert StoryTracker().catch_up(store).clustered == 1
    before = snapshot(store)
    assert StoryTracker().catch_up(store).clustered == 0  # nothing pending: nothing decided again
    assert snapshot(store) == before
    # a new process: the copy arriving later joins the stored story (restored from the database)
    save(
        store, "B", [article("https://www.newspim.com/news/view/9", "한미일 산업장관 첫 회의", COPY, hours=5)]
    )
    tracker = StoryTracker()
    assert tracker.track(store, [ids(store)["https://www.newspim.com/news/view/9"]]).joined == 1
    story = store.story_row(store.story_of(ids(store)["https://www.yna.co.kr/view/AKR1"]))
    assert story["size"] == 2
    assert story["last_updated_at"] >= before[0][0][4]  # grew: reads as updated


def test_story_that_grows_after_delivery_moves_last_updated(store):
    save(
        store,
        "연합뉴스",
        [
            article(
                "https://www.yna.co.kr/view/AKR1",
                "한미일 산업장관 첫 회의 공급망 협력",
                WIRE,
                feed="연합뉴스",
            )
        ],
    )
    tracker = StoryTracker()
    tracker.catch_up(store)
    store.db.execute("UPDATE article_story SET decided_at = '2026-01-01T00:00:00+00:00'")  # "sent" long ago
    store.refresh_stories()
    sent = store.recent_stories()[0]
    save(
        store, "B", [article("https://www.newspim.com/news/view/2", "한미일 산업장관 첫 회의", COPY, hours=2)]
    )
    tracker.track(store, [ids(store)["https://www.newspim.com/news/view/2"]])
    now = store.story_row(sent["id"])
    assert now["size"] == sent["size"] + 1 and now["outlet_count"] == 2
    assert now["last_updated_at"] > sent["last_updated_at"]
    assert [s["id"] for s in store.recent_stories(since=datetime(2026, 6, 1, tzinfo=UTC))] == [sent["id"]]


def test_updated_article_keeps_one_row_and_its_story_reads_as_updated(store):
    url = "https://www.yna.co.kr/view/AKR1"
    save(store, "연합뉴스", [article(url, "한미일 산업장관 첫 회의", WIRE, feed="연합뉴스")])
    tracker = StoryTracker()
    tracker.catch_up(store)
    story_id = store.story_of(ids(store)[url])
    store.db.execute("UPDATE article_story SET decided_at = '2026-01-01T00:00:00+00:00'")
    outcome = save(
        store,
        "연합뉴스",
        [
            article(
                url, "[종합] 한미일 산업장관 첫 회의", WIRE + "\n추가 문단입니다. 세부 합의", feed="연합뉴스"
            )
        ],
    )
    assert outcome.updated_articles == 1
    result = tracker.track(store, [ids(store)[url]])
    assert result.updated == 1 and result.new_stories == 0
    assert store.counts()["articles"] == 1 and store.counts()["article_revisions"] == 1
    assert store.story_of(ids(store)[url]) == story_id
    row = store.story_members(story_id)[0]
    assert row["reason"] == "updated" and row["decided_at"] > "2026-01-01"
    assert store.story_row(story_id)["last_updated_at"] > "2026-01-01"
    assert tracker.track(store, [ids(store)[url]]).clustered == 0  # handled once


def test_update_of_an_article_the_tracker_never_saw_is_restored_into_its_story(store):
    url = "https://www.yna.co.kr/view/AKR1"
    save(store, "연합뉴스", [article(url, "한미일 산업장관 첫 회의", WIRE, feed="연합뉴스")])
    StoryTracker().catch_up(store)
    story_id = store.story_of(ids(store)[url])
    save(
        store,
        "연합뉴스",
        [article(url, "한미일 산업장관 첫 회의 (2보)", WIRE + "\n추가 문단입니다 새 내용", feed="연합뉴스")],
    )
    fresh = StoryTracker(window_hours=1)
    store.db.execute("UPDATE article_story SET decided_at = '2026-01-01T00:00:00+00:00'")
    assert fresh.track(store).updated == 1
    assert store.story_of(ids(store)[url]) == story_id


def test_refresh_recomputes_relevance_score_and_topics_from_the_matches(store):
    a, b = "https://www.yna.co.kr/view/AKR1", "https://www.newspim.com/news/view/1"
    save(
        store,
        "연합뉴스",
        [article(a, "한미일 산업장관 첫 회의 공급망 협력", WIRE, feed="연합뉴스")],
        matches={a: verdict(False, 0.3, ("trade",))},
    )
    save(
        store,
        "B",
        [article(b, "한미일 산업장관 첫 회의 공급망 협력", COPY, hours=1)],
        matches={b: verdict(True, 0.8, ("supply_chain", "trade"))},
    )
    StoryTracker().catch_up(store)
    story = store.recent_stories()[0]
    assert (story["relevant"], story["best_score"], story["topics"]) == (1, 0.8, ["supply_chain", "trade"])
    # a re-match changes the verdicts; the story follows after refresh_stories
    store.db.execute(
        "UPDATE matches SET relevant = 0, score = 0.2, topics = '[\"ipef\"]' WHERE article_id = ?",
        (ids(store)[b],),
    )
    assert store.refresh_stories([story["id"]]) == 1
    again = store.story_row(story["id"])
    assert (again["relevant"], again["best_score"], again["topics"]) == (0, 0.3, ["trade", "ipef"])
    assert store.refresh_stories() == 1  # all stories


def test_recluster_is_deterministic_and_matches_the_incremental_stories(store):
    save(
        store,
        "연합뉴스",
        [
            article(
                "https://www.yna.co.kr/view/AKR1",
                "한미일 산업장관 첫 회의 공급망 협력",
                WIRE,
                feed="연합뉴스",
            )
        ],
    )
    save(
        store,
        "B",
        [
            article("https://www.newspim.com/news/view/1", "한미일 산업장관 첫 회의", COPY, hours=1),
            article("https://b.example/weather", "주말 전국 비 온 뒤 기온 뚝", OTHER, hours=2),
        ],
    )
    StoryTracker().catch_up(store)
    before = snapshot(store)
    result = recluster(store)
    assert (result.articles, result.stories, result.changed) == (3, 2, 0)
    assert snapshot(store) == before  # same stories, nothing re-dated
    # from an emptied table, re-clustering rebuilds the same partition
    store.db.execute("DELETE FROM article_story")
    store.db.execute("DELETE FROM stories")
    assert recluster(store).changed == 3
    assert recluster(store).changed == 0
    assert [r[:3] + r[4:] for r in snapshot(store)[1]] == [r[:3] + r[4:] for r in before[1]]


def test_a_large_batch_with_feature_workers_gets_the_stories_of_one_by_one(tmp_path):
    """A first poll hands the tracker thousands of articles; its feature workers change nothing."""
    from monitor.stories.batch import FEATURE_CHUNK

    subjects = [
        "반도체 수출통제",
        "배터리 핵심광물",
        "청정에너지 보조금",
        "바이오 공급망",
        "환율 급등",
        "날씨",
    ]
    batch = []
    for n in range(2 * FEATURE_CHUNK + 30):  # enough for add_all to use its workers
        subject, event = subjects[n % len(subjects)], n // 12
        text = (
            f"{subject} {event}번째 대응을 놓고 정부와 업계가 회의를 열었다. "
            "관계자는 협력을 강화하겠다고 밝혔다.\n"
            f"회의에서는 {event * 3}개 기업의 피해 사례가 보고됐다."
        )
        if n % 4 == 3:  # another outlet's copy of the same wire text
            text = "[세종=뉴스핌] 기자 = " + text
        batch.append(
            article(f"https://b{n % 7}.example/{n}", f"{subject} {event}차 대응 회의", text, hours=n / 60)
        )
    snapshots = []
    for workers in (0, 2):
        with Store.open(tmp_path / f"w{workers}.db") as s:
            s.sync_feeds([FeedSpec("B", "http://b.example/rss")])
            save(s, "B", batch)
            result = StoryTracker(workers=workers).catch_up(s)
            assert result.clustered == len(batch)
            snapshots.append(
                s.db.execute(
                    "SELECT article_id, story_id, reason, similarity FROM article_story ORDER BY article_id"
                ).fetchall()
            )
    assert len(snapshots[0]) == len(batch)
    assert snapshots[0] == snapshots[1]
    assert len({row[1] for row in snapshots[0]}) < len(batch)  # copies did join stories


def test_identical_boilerplate_bodies_do_not_merge_unrelated_articles(store):
    titles = [
        "반도체 수출 석 달 연속 증가",
        "서울 아파트값 5주 연속 상승",
        "프로야구 한국시리즈 7차전 매진",
        "국제유가 배럴당 90달러 돌파",
        "한일 외교장관 회담 도쿄서 개최",
    ]
    save(store, "B", [article(f"https://b.example/{n}", t, LOGIN, hours=n) for n, t in enumerate(titles)])
    StoryTracker().catch_up(store)
    assert store.story_counts()["total_stories"] == len(titles)


def test_empty_text_clusters_on_title_and_link(store):
    save(
        store,
        "B",
        [
            article("https://b.example/1", "한미일 산업장관 첫 회의 도쿄서 개최", ""),
            article("https://b.example/2", "주말 전국 비 온 뒤 기온 뚝", ""),
        ],
    )
    save(
        store,
        "연합뉴스",
        [
            article(
                "https://www.yna.co.kr/view/AKR2",
                "[속보] 한미일 산업장관 첫 회의 도쿄서 개최",
                "",
                hours=1,
                feed="연합뉴스",
            )
        ],
    )
    StoryTracker().catch_up(store)
    by_url = ids(store)
    assert store.story_of(by_url["https://b.example/1"]) == store.story_of(
        by_url["https://www.yna.co.kr/view/AKR2"]
    )
    assert store.story_of(by_url["https://b.example/2"]) != store.story_of(by_url["https://b.example/1"])
    assert store.story_counts() == {"total_stories": 2, "clustered_articles": 3, "largest_story": 2}


def test_one_tracker_serves_polls_on_several_threads(tmp_path):
    paths = []
    for n in range(2):
        with Store.open(tmp_path / "shared.db") as s:
            s.sync_feeds([FeedSpec("B", "http://b.example/rss")])
            save(
                s,
                "B",
                [
                    article(
                        f"https://b.example/{n}-{i}",
                        f"기사 {n}-{i} 제목 서로 다른 내용 {i * 7}",
                        OTHER.replace("기상청", f"기상청 {n}{i}"),
                        hours=i,
                    )
                    for i in range(5)
                ],
            )
        paths.append(tmp_path / "shared.db")
    tracker = StoryTracker()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with Store.open(tmp_path / "shared.db") as s:
                tracker.track(s)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Store.open(tmp_path / "shared.db") as s:
        assert s.story_counts()["clustered_articles"] == 10
        assert s.db.execute("SELECT count(*) FROM article_story").fetchone()[0] == 10


def test_disabled_stories_section_gives_no_tracker():
    assert StoryTracker.from_settings(StorySettings(enabled=False, window_s=3600.0)) is None
    tracker = StoryTracker.from_settings(StorySettings(window_s=7200.0, near_duplicate=0.7, same_event=0.6))
    assert tracker is not None and tracker.options == {
        "window_hours": 2.0,
        "near_dup_threshold": 0.7,
        "same_event_threshold": 0.6,
        "close_after_hours": 72.0,
    }
    closing = StoryTracker.from_settings(
        StorySettings(window_s=7200.0, near_duplicate=0.7, same_event=0.6, close_after_hours=24)
    )
    assert closing is not None and closing.options["close_after_hours"] == 24.0


def test_article_outlet_names_hosts_not_addresses():
    assert article_outlet("https://m.yna.co.kr/view/AKR1")[1] is True  # a wire, whatever host form
    assert article_outlet("https://www.example-news.kr/a/1") == ("example-news.kr", False)
    assert article_outlet("http://127.0.0.1:8080/news/1", "데모 피드") == ("데모 피드", False)
    assert article_outlet("urn:monitor:feed:1:x", "뉴시스") == ("뉴시스", True)


# ------------------------------------------------------------------------------------------------
# eval: pairwise clustering quality
# ------------------------------------------------------------------------------------------------

EVENT_LINES = [
    json.dumps(
        {"id": "a", "title": "[속보] 한미일 산업장관 첫 회의 도쿄서 개최", "label": "relevant", "event": "e1"}
    ),
    json.dumps(
        {
            "id": "b",
            "title": "한미일 산업장관 첫 회의 도쿄서 개최",
            "text": WIRE,
            "label": "relevant",
            "event": "e1",
        }
    ),
    json.dumps({"id": "c", "title": "주말 전국 비 온 뒤 기온 뚝", "text": OTHER, "label": "irrelevant"}),
]


def test_eval_reports_cluster_quality_when_items_carry_events():
    items, _ = parse_lines(EVENT_LINES)
    metrics = cluster_quality(items)
    assert metrics["cluster_gold_pairs"] == 1 and metrics["cluster_true_pairs"] == 1
    assert (metrics["cluster_precision"], metrics["cluster_recall"], metrics["cluster_f1"]) == (1.0, 1.0, 1.0)
    from monitor.match.evaluation import evaluate
    from tests.test_evaluate import _result

    def match(title, text):
        return _result("irrelevant", 0.0)

    report = evaluate(items, match)
    data = eval_report_json(report)
    assert data["cluster_f1"] == 1.0 and data["cluster_mixed_stories"] == 0
    assert "cluster_precision 1.000" in eval_report_text(report)
    plain, _ = parse_lines([json.dumps({"id": "x", "title": "제목", "label": "relevant"})])
    assert "cluster_f1" not in eval_report_json(evaluate(plain, match))


def test_dev_sets_never_merge_different_events():
    from pathlib import Path

    data = Path(__file__).parent / "data"
    for name in ("dev.jsonl", "dev_holdout.jsonl"):
        items, errors = parse_lines((data / name).read_text(encoding="utf-8").splitlines())
        assert not errors
        metrics = cluster_quality(items)
        assert metrics["cluster_mixed_stories"] == 0, name
        assert metrics["cluster_precision"] >= 0.5, name
