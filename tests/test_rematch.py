"""Labels, eval --labels, backtest and rematch, through a real SQLite database (articles saved the way a
poll saves them) and through the `monitor` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.errors import StoreError
from monitor.match.matcher import load_matcher, verdict_row
from monitor.match.rescoring import backtest, rematch
from monitor.models import Article, FeedReport, FeedSpec, FetchResult, ParsedFeed
from monitor.paths import topics_file
from monitor.store import SourceRef, Store

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

# (title, text, summary): written for these tests
ARTICLES = [
    ("한미일 산업장관회의 도쿄서 개최…반도체 공급망 협력 강화",
     "안덕근 산업통상자원부 장관은 미국 상무장관, 일본 경제산업대신과 만나 반도체 공급망 조기경보 체계를 "
     "함께 운영하기로 했다.", ""),
    ("한미약품, 비만 신약 임상 3상 돌입",
     "한미약품은 새 비만 치료제의 임상 3상 시험 계획이 승인됐다고 밝혔다.", ""),
    ("한미 정상, 조선 공급망 협력 논의",
     "양국 정상은 조선소 현대화와 선박 건조 협력을 위한 실무 협의를 시작하기로 했다.", ""),
    ("코스피 반등…외국인 순매수", "코스피가 외국인 순매수에 힘입어 1% 넘게 올랐다.", ""),
    ("한미, 농축 우라늄 공동 조달 합의", "양국은 농축 우라늄 조달을 함께 하기로 했다.", ""),
    # no page text: the summary is what the poll matched
    ("[속보] 한·미·일 경제안보대화 서울서 개최", "", "한국과 미국, 일본이 서울에서 경제안보대화를 열었다."),
]  # fmt: skip
RELEVANT_NOW = {1, 3, 6}  # article ids (insertion order) the shipped topics file finds relevant

# The changed topics file the backtests use: one exclusion that removes 공급망 from article 3, and a
# new term that makes article 5 relevant.
CHANGED = [
    ('"BIS 비율", "BIS 자기자본비율",', '"BIS 비율", "BIS 자기자본비율", "조선 공급망 협력 논의",'),
    ('{ term = "원자력 협력", weight = 0.7 },',
     '{ term = "원자력 협력", weight = 0.7 },\n  { term = "농축 우라늄", weight = 1.5 },'),
]  # fmt: skip


def _save(store: Store, rows=ARTICLES, *, matcher=None) -> None:
    store.sync_feeds([FeedSpec("A", "http://a.example/rss")])
    state = store.feed_states()["A"]
    articles = [
        Article(url=f"http://a.example/{i}", link=f"http://a.example/{i}", title=t, text=x, summary=s,
                text_source="page" if x else "summary", feed_name="A", entry_id=str(i), fetched_at=NOW,
                published=NOW - timedelta(minutes=i), content_hash=f"h{i}")
        for i, (t, x, s) in enumerate(rows, start=1)
    ]  # fmt: skip
    matches = None
    if matcher is not None:
        matches = {a.url: verdict_row(matcher.match(a.title, a.text or a.summary)) for a in articles}
    store.save_feed_success(
        state.id, report=FeedReport("A", state.url, "ok", http_status=200, entries=len(articles)),
        started_at=NOW, result=FetchResult(state.url, state.url, 200, {}, b"<rss/>"),
        parsed=ParsedFeed("Feed", None, "rss20", "utf-8", ()), articles=articles,
        sources=[SourceRef(str(i), "guid", a.url, a.url, "e") for i, a in enumerate(articles)],
        next_attempt_at=NOW, matches=matches,
    )  # fmt: skip


@pytest.fixture(scope="module")
def matcher():
    return load_matcher(topics_file())


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "m.db") as s:
        yield s


@pytest.fixture
def changed_topics(tmp_path) -> Path:
    text = topics_file().read_text(encoding="utf-8")
    for old, new in CHANGED:
        assert old in text, f"the shipped topics file no longer has {old!r}: update CHANGED"
        text = text.replace(old, new)
    path = tmp_path / "new_topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _stored(store: Store) -> dict[int, tuple[int, float, str, str]]:
    rows = store.db.execute("SELECT article_id, relevant, score, config_digest, matched_at FROM matches")
    return {r[0]: tuple(r[1:]) for r in rows}


# --------------------------------------------------------------------------------------------------
# Store: labels
# --------------------------------------------------------------------------------------------------


def test_labels_are_stored_replaced_listed_and_removed(store):
    _save(store)
    assert store.article_id("http://a.example/2") == 2 and store.article_id("999") is None
    assert store.set_label(2, "irrelevant", "a drug maker") is False
    assert store.set_label(2, "relevant") is True  # replaced
    store.set_label(1, "relevant")
    assert store.label_counts() == {"relevant": 2, "irrelevant": 0}
    listed = store.labels()
    assert {r["id"]: r["label"] for r in listed} == {1: "relevant", 2: "relevant"}
    assert listed[0]["title"] and "matcher_decision" in listed[0]
    assert [r["id"] for r in store.labels(label="irrelevant")] == []
    assert store.remove_label(2) is True and store.remove_label(2) is False
    assert [r["id"] for r in store.labels()] == [1]


def test_label_errors_name_the_problem(store):
    _save(store)
    with pytest.raises(StoreError, match="label must be one of"):
        store.set_label(1, "maybe")
    with pytest.raises(StoreError, match="no stored article with id 999"):
        store.set_label(999, "relevant")


def test_labelled_articles_use_the_summary_when_there_is_no_page_text(store):
    _save(store)
    store.set_label(6, "relevant")
    store.set_label(4, "irrelevant")
    rows = list(store.labelled_articles())
    assert [(r["id"], r["label"]) for r in rows] == [(4, "irrelevant"), (6, "relevant")]
    assert rows[1]["text"] == ARTICLES[5][2]


# --------------------------------------------------------------------------------------------------
# Store: streaming for re-matching
# --------------------------------------------------------------------------------------------------


def test_iter_articles_streams_in_batches_and_selects_stale_verdicts(store, matcher):
    _save(store, matcher=matcher)
    batches = list(store.iter_articles(batch_size=4))
    assert [len(b) for b in batches] == [4, 2]
    assert [r["id"] for b in batches for r in b] == [1, 2, 3, 4, 5, 6]
    current = (matcher.config.digest, matcher.threshold)
    assert store.count_articles(stale_for=current) == 0
    assert list(store.iter_articles(stale_for=current)) == []
    # another threshold makes every verdict stale even with the same topics file
    assert store.count_articles(stale_for=(matcher.config.digest, 0.7)) == 6
    store.db.execute("UPDATE matches SET config_digest = 'old' WHERE article_id IN (2, 5)")
    assert [r["id"] for b in store.iter_articles(stale_for=current) for r in b] == [2, 5]
    with pytest.raises(ValueError):
        next(store.iter_articles(batch_size=0))


# --------------------------------------------------------------------------------------------------
# rematch
# --------------------------------------------------------------------------------------------------


def test_rematch_rescores_only_stale_verdicts_and_reports_true_changes(store, matcher):
    _save(store, matcher=matcher)
    assert {i for i, v in _stored(store).items() if v[0]} == RELEVANT_NOW
    # Pretend articles 1 and 2 were decided by an older topics file, which got them wrong both ways.
    store.db.execute(
        "UPDATE matches SET config_digest = 'old', relevant = 1 - relevant, score = 0.42 "
        "WHERE article_id IN (1, 2)"
    )
    before = _stored(store)
    progress: list[tuple[int, int]] = []
    report = rematch(store, matcher, batch_size=1, progress=lambda d, t: progress.append((d, t)))
    assert report.scanned == 2 and report.batches == 2 and progress == [(1, 2), (2, 2)]
    assert (report.newly_relevant, report.no_longer_relevant, report.changed_decision) == (1, 1, 2)
    assert sorted(report.changed_article_ids) == [1, 2]
    after = _stored(store)
    assert {i for i, v in after.items() if v[0]} == RELEVANT_NOW
    assert after[1][2] == after[2][2] == matcher.config.digest
    assert after[3] == before[3]  # current verdicts untouched
    # a second run finds nothing to do
    again = rematch(store, matcher)
    assert (again.scanned, again.changed_article_ids) == (0, ())


def test_rematch_all_and_first_verdicts(store, matcher):
    _save(store)  # stored unmatched (matching was off)
    report = rematch(store, matcher)
    assert report.scanned == report.first_verdicts == 6
    assert set(report.changed_article_ids) == RELEVANT_NOW and report.no_longer_relevant == 0
    everything = rematch(store, matcher, all_articles=True, batch_size=5)
    assert (everything.scanned, everything.batches, everything.changed_decision) == (6, 2, 0)
    stored = store.stored_match(1)
    assert stored is not None and json.loads(stored["evidence"])["hits"]  # the evidence is stored too


def test_rematch_under_a_changed_config(store, matcher, changed_topics):
    _save(store, matcher=matcher)
    report = rematch(store, load_matcher(changed_topics))
    assert report.scanned == 6
    assert sorted(report.changed_article_ids) == [3, 5]
    assert (report.newly_relevant, report.no_longer_relevant) == (1, 1)


# --------------------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------------------


def test_backtest_shows_both_directions_with_the_terms_and_writes_nothing(store, matcher, changed_topics):
    _save(store, matcher=matcher)
    before = _stored(store)
    new = load_matcher(changed_topics)
    report = backtest(store, matcher, new, batch_size=2)
    assert _stored(store) == before
    assert report.scanned == 6 and report.relevant_before == 3 and report.relevant_after == 3
    [gained] = report.newly_relevant
    assert gained.article_id == 5 and "농축 우라늄" in gained.gained and gained.new_score > gained.old_score
    [lost] = report.no_longer_relevant
    assert lost.article_id == 3 and lost.lost == ("공급망",) and lost.exclusions == ("조선 공급망 협력 논의",)
    assert lost.published == NOW - timedelta(minutes=3)
    limited = backtest(store, matcher, new, batch_size=2, limit=3)
    assert limited.scanned == 3 and [c.article_id for c in limited.newly_relevant] == []


def test_backtest_of_the_same_config_changes_nothing(store, matcher):
    _save(store, matcher=matcher)
    report = backtest(store, matcher, load_matcher(topics_file()))
    assert (report.newly_relevant, report.no_longer_relevant, report.score_changed) == ((), (), 0)


# --------------------------------------------------------------------------------------------------
# The commands, on a stored database
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def monitor_config(tmp_path, matcher) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[storage]\npath = "{(tmp_path / "m.db").as_posix()}"\n\n'
        f'[matching]\ntopics = "{topics_file().as_posix()}"\n',
        encoding="utf-8",
    )
    with Store.open(tmp_path / "m.db") as s:
        _save(s, matcher=matcher)
    return config


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_label_list_remove_and_errors(monitor_config, capsys):
    c = str(monitor_config)
    code, out, _ = run(capsys, "--config", c, "label", "1", "relevant", "--note", "seed-like")
    assert code == 0 and "#1 labelled relevant" in out
    code, out, _ = run(capsys, "--config", c, "label", "http://a.example/2", "irrelevant")
    assert code == 0 and "#2 labelled irrelevant" in out
    code, out, _ = run(capsys, "--config", c, "labels")
    assert code == 0 and "seed-like" in out and "1 relevant, 1 irrelevant" in out
    code, out, _ = run(capsys, "--config", c, "label", "--list", "--json")
    assert json.loads(out)["counts"] == {"relevant": 1, "irrelevant": 1}
    code, _, err = run(capsys, "--config", c, "label", "1", "relevent")
    assert code == 2 and "did you mean 'relevant'" in err
    code, _, err = run(capsys, "--config", c, "label", "12345", "relevant")
    assert code == 2 and "no stored article with id or URL '12345'" in err and "hint:" in err
    code, _, err = run(capsys, "--config", c, "label", "1")
    assert code == 2 and "give the label" in err
    code, out, _ = run(capsys, "--config", c, "label", "2", "--remove")
    assert code == 0 and "label removed" in out
    code, out, _ = run(capsys, "--config", c, "label", "2", "--remove")
    assert code == 1 and "had no label" in out


def test_cli_eval_labels_text_and_json(monitor_config, capsys):
    c = str(monitor_config)
    for article_id, label in (("1", "relevant"), ("2", "irrelevant"), ("5", "relevant"), ("6", "relevant")):
        assert run(capsys, "--config", c, "label", article_id, label)[0] == 0
    code, out, _ = run(capsys, "--config", c, "eval", "--labels", "--json")
    report = json.loads(out)
    assert code == 0
    assert (report["tp"], report["fp"], report["fn"], report["tn"]) == (2, 0, 1, 1)
    assert {item["id"] for item in report["items"]} == {"1", "2", "5", "6"} or len(report["items"]) == 4
    code, out, _ = run(capsys, "--config", c, "eval", "--labels")
    assert code == 0 and "precision 1.000" in out and "recall 0.667" in out


def test_cli_eval_labels_with_no_labels(monitor_config, capsys):
    code, _, err = run(capsys, "--config", str(monitor_config), "eval", "--labels")
    assert code == 1 and "no usable items" in err


def test_cli_backtest_topics_file_and_monitor_config(monitor_config, changed_topics, capsys, tmp_path):
    c = str(monitor_config)
    code, out, _ = run(capsys, "--config", c, "backtest", str(changed_topics))
    assert code == 0
    assert "1 would newly match, 1 would stop matching" in out
    assert "#5" in out and "+농축 우라늄" in out and "2026-11-20 09:55 KST" in out
    assert "−공급망" in out and "excluded by 조선 공급망 협력 논의" in out
    # a whole monitor config naming the new topics file, in the issue's `--config` spelling, as JSON
    new_config = tmp_path / "new.toml"
    new_config.write_text(f'[matching]\ntopics = "{changed_topics.as_posix()}"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--config", c, "backtest", "--config", str(new_config), "--json")
    data = json.loads(out)
    assert code == 0 and data["scanned"] == 6
    assert [x["id"] for x in data["newly_relevant"]] == [5]
    assert data["no_longer_relevant"][0]["lost_terms"] == ["공급망"]
    code, _, err = run(capsys, "--config", c, "backtest", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err
    (tmp_path / "odd.toml").write_text("[storage]\npath = 'x.db'\n", encoding="utf-8")
    code, _, err = run(capsys, "--config", c, "backtest", str(tmp_path / "odd.toml"))
    assert code == 2 and "neither a topics file" in err


def test_cli_rematch_prints_true_numbers(monitor_config, capsys):
    c = str(monitor_config)
    with Store.open(monitor_config.parent / "m.db") as s:
        s.db.execute("UPDATE matches SET config_digest = 'old', relevant = 0 WHERE article_id = 1")
    code, out, err = run(capsys, "--config", c, "rematch")
    assert code == 0 and "re-scored 1 article" in out and "decision changed for 1: 1 now relevant" in out
    assert "rematch: 1/1 articles" in err
    code, out, _ = run(capsys, "--config", c, "rematch")
    assert code == 0 and "nothing to re-match" in out
    code, out, _ = run(capsys, "--config", c, "rematch", "--all", "--json")
    data = json.loads(out)
    assert (data["scanned"], data["changed_decision"], data["changed_article_ids"]) == (6, 0, [])


def test_cli_rematch_refreshes_the_stories_of_changed_verdicts(monitor_config, capsys):
    """A story's relevance and best score follow its members' verdicts after a rematch."""
    from monitor.stories import StoryTracker

    with Store.open(monitor_config.parent / "m.db") as s:
        StoryTracker().catch_up(s)
        story = s.story_of(1)
        before = s.story_row(story)
        assert before["relevant"] == 1
        s.db.execute(
            "UPDATE matches SET config_digest = 'old', relevant = 0, score = 0 "
            "WHERE article_id IN (SELECT article_id FROM article_story WHERE story_id = ?)",
            [story],
        )
        s.refresh_stories([story])
        assert s.story_row(story)["relevant"] == 0
    code, _, _ = run(capsys, "--config", str(monitor_config), "rematch")
    assert code == 0
    with Store.open(monitor_config.parent / "m.db") as s:
        after = s.story_row(story)
    assert after["relevant"] == 1 and after["best_score"] == before["best_score"]
    assert after["last_updated_at"] == before["last_updated_at"]  # a re-score is not news


def test_cli_explain_shows_the_stored_evidence(monitor_config, changed_topics, capsys):
    c = str(monitor_config)
    code, out, _ = run(capsys, "--config", c, "explain", "http://a.example/3")
    assert code == 0
    assert "article:   #3 한미 정상, 조선 공급망 협력 논의" in out
    assert "with topics" in out and "(the current file)" in out
    assert "decision:  relevant" in out
    assert "공급망 (topic supply_chain, w 1" in out and "[title" in out  # term, topic, weight, position
    assert "now:" not in out
    # under a changed topics file the stored evidence is still what is shown, with today's decision below
    code, out, _ = run(capsys, "--config", c, "explain", "3", "--topics", str(changed_topics))
    assert code == 0 and "decision:  relevant" in out
    assert "now:       irrelevant" in out and "`monitor rematch` stores it" in out
    code, out, _ = run(capsys, "--config", c, "explain", "3", "--topics", str(changed_topics), "--current")
    assert "decision:  irrelevant" in out and "exclusions that fired (1):" in out
    assert "조선 공급망 협력 논의" in out
    code, out, _ = run(capsys, "--config", c, "explain", "3", "--json", "--topics", str(changed_topics))
    data = json.loads(out)
    assert data["source"] == "stored" and data["result"]["decision"] == "relevant"
    assert data["current"]["decision"] == "irrelevant" and data["current"]["exclusions"]
    code, _, err = run(capsys, "--config", c, "explain", "77")
    assert code == 2 and "no stored article with id or URL '77'" in err
