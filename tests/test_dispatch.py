"""Digest runs over a real SQLite store and the file channel: selection, ledger, backoff, claims, alerts."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import check_config, load_config
from monitor.deliver.dispatch import (
    channel_plans,
    digest_schedules,
    in_quiet_hours,
    preview,
    run_alerts,
    run_digest,
)
from monitor.errors import ConfigError
from monitor.store import Store
from tests.story_db import NOW, add_story, delete_lead_article, grow_story, write_config


@pytest.fixture
def config(tmp_path):
    return load_config(write_config(tmp_path))


@pytest.fixture
def store(config):
    with Store.open(config.storage.path) as s:
        yield s


def files(config) -> list[Path]:
    return sorted((config.base_dir / "digests").glob("*.md"))


# --- configuration -------------------------------------------------------------------------------


def test_file_channel_is_the_default_with_weekday_schedules(config):
    assert list(channel_plans(config)) == ["file"]
    assert digest_schedules(config) == {"file": ("0 8 * * mon-fri", "0 17 * * mon-fri")}


def test_channels_and_per_channel_overrides(tmp_path):
    cfg = load_config(
        write_config(
            tmp_path,
            """
[digest]
schedules = ["30 7 * * *"]
cap = 5
[delivery.file]
dir = "out"
cap = 3
[delivery.email]
host = "smtp.example.org"
from = "monitor@example.org"
to = ["a@example.org"]
schedules = ["0 9 * * mon-fri"]
[delivery.slack]
webhook_url_env = "MONITOR_TEST_HOOK"
enabled = false
""",
        ),
        env={},
    )
    plans = channel_plans(cfg)
    assert list(plans) == ["file", "email"]  # slack disabled; file kept because its section is written
    assert plans["file"].cap == 3 and plans["email"].cap == 5
    assert digest_schedules(cfg) == {"file": ("30 7 * * *",), "email": ("0 9 * * mon-fri",)}
    assert cfg.delivery.file.dir == str(tmp_path / "out")


def test_email_alone_turns_the_default_file_channel_off(tmp_path):
    email = '[delivery.email]\nhost = "h"\nfrom = "m@x.org"\nto = "a@x.org"\n'
    cfg = load_config(write_config(tmp_path, email))
    assert list(channel_plans(cfg)) == ["email"]


def test_config_errors_name_their_keys(tmp_path):
    path = write_config(
        tmp_path,
        """
[digest]
schedules = ["0 8 * * mon-fri", "0 25 * * *"]
quiet_hours = "22-07"
alert_threshold = 0.3
threshold = 0.5
[delivery.email]
host = "smtp.example.org"
security = "ssl"
[delivery.slack]
webhook_url = "https://hooks.slack.com/x"
""",
    )
    problems = {p.key: p.message for p in check_config(path, env={})}
    assert "0 25 * * *" in problems["digest.schedules[1]"]
    assert "HH:MM-HH:MM" in problems["digest.quiet_hours"]
    assert "digest.threshold" in problems["digest.alert_threshold"]
    assert "starttls" in problems["delivery.email.security"]
    assert "from, to" in problems["delivery.email.host"]
    assert "webhook_url_env" in problems["delivery.slack.webhook_url"]


def test_shipped_config_declares_the_sections():
    shipped = Path(__file__).resolve().parent.parent / "config" / "monitor.toml"
    problems = [p for p in check_config(shipped, env={}) if p.severity == "error"]
    assert problems == []
    cfg = load_config(shipped, env={})
    assert list(channel_plans(cfg)) == ["file"] and cfg.digest.cap == 20


def test_quiet_hours_across_midnight():
    span = (22 * 60, 7 * 60)
    # NOW is 08:00 KST: outside; 23:30 KST inside, ending 07:00 KST (22:00 UTC)
    assert in_quiet_hours(span, NOW) is None
    late = NOW + timedelta(hours=15, minutes=30)  # 23:30 KST
    assert in_quiet_hours(span, late) == NOW + timedelta(days=1) - timedelta(hours=1)


# --- selection and the ledger --------------------------------------------------------------------


def test_digest_goes_out_once_and_a_second_run_sends_nothing(config, store):
    a = add_story(store, "한미일 공급망 협력 강화", outlets=("연합뉴스", "뉴시스", "뉴스1"), score=0.9)
    b = add_story(store, "반도체 수출통제 논의", topics=("chips",), score=0.6)
    add_story(store, "무관한 기사", relevant=False)
    [first] = run_digest(config, store, now=NOW)
    assert (first.channel, first.status, first.stories) == ("file", "sent", 2)
    assert {d["story_id"] for d in store.deliveries("file")} == {a, b}
    [md] = files(config)
    text = md.read_text(encoding="utf-8")
    assert "한미일 공급망 협력 강화" in text and "연합뉴스 외 2개 매체" in text and "무관한 기사" not in text
    assert "공급망(공급망 협력)" in text  # why it matched, from the stored evidence
    [second] = run_digest(config, store, now=NOW + timedelta(hours=9))
    assert second.status == "empty" and second.stories == 0 and len(files(config)) == 1
    assert len(store.deliveries()) == 2


def test_threshold_and_max_age_limit_the_selection(tmp_path):
    cfg = load_config(write_config(tmp_path, '[digest]\nthreshold = 0.7\nmax_age = "1d"\n'))
    with Store.open(cfg.storage.path) as store:
        keep = add_story(store, "강한 기사", score=0.75)
        add_story(store, "약한 기사", score=0.65)
        add_story(store, "오래된 기사", score=0.9, age=timedelta(days=2))
        [out] = run_digest(cfg, store, now=NOW)
        assert out.stories == 1 and [d["story_id"] for d in store.deliveries()] == [keep]


def test_a_story_that_grew_is_sent_once_as_an_update(config, store):
    sid = add_story(store, "한미일 핵심광물 공동투자", outlets=("연합뉴스",))
    run_digest(config, store, now=NOW)
    grow_story(store, sid, "뉴시스")  # one more outlet: not material (update_min_outlets = 2)
    assert run_digest(config, store, now=NOW + timedelta(hours=1))[0].status == "empty"
    grow_story(store, sid, "뉴스1", "KBS")
    [out] = run_digest(config, store, now=NOW + timedelta(hours=2))
    assert (out.status, out.stories, out.updates) == ("sent", 1, 1)
    assert "업데이트" in files(config)[-1].read_text(encoding="utf-8")
    assert [d["kind"] for d in store.deliveries()] == ["new", "update"]
    assert store.deliveries()[-1]["outlet_count"] == 4
    assert run_digest(config, store, now=NOW + timedelta(hours=3))[0].status == "empty"


def test_a_story_whose_lead_article_was_deleted_still_goes_out(config, store):
    sid = add_story(store, "삭제된 기사의 스토리", outlets=("연합뉴스", "뉴시스"))
    delete_lead_article(store, sid)
    [out] = run_digest(config, store, now=NOW)
    assert out.status == "sent" and out.stories == 1
    text = files(config)[0].read_text(encoding="utf-8")
    assert "삭제된 기사의 스토리" in text and "https://news.example.kr" not in text


def test_cap_leaves_the_rest_pending_with_a_pointer(tmp_path):
    cfg = load_config(write_config(tmp_path, "[digest]\ncap = 3\n"))
    with Store.open(cfg.storage.path) as store:
        for i in range(5):
            add_story(store, f"기사 {i}", score=0.5 + i / 20)
        [out] = run_digest(cfg, store, now=NOW)
        assert (out.stories, out.pending) == (3, 2)
        text = files(cfg)[0].read_text(encoding="utf-8")
        assert "외 2건 더" in text and "monitor stories" in text
        [again] = run_digest(cfg, store, now=NOW + timedelta(hours=1))
        assert (again.stories, again.pending) == (2, 0)


def test_empty_digest_is_skipped_unless_send_empty(tmp_path):
    cfg = load_config(write_config(tmp_path, "[digest]\nsend_empty = true\n"))
    with Store.open(cfg.storage.path) as store:
        [out] = run_digest(cfg, store, now=NOW)
        assert out.status == "sent" and out.stories == 0
        assert "새로 전할 소식이 없습니다" in files(cfg)[0].read_text(encoding="utf-8")


def test_dry_run_sends_and_records_nothing(config, store):
    add_story(store, "한미일 공급망")
    [out] = run_digest(config, store, now=NOW, dry_run=True)
    assert out.dry_run and out.status == "sent" and out.stories == 1
    assert store.deliveries() == [] and files(config) == [] and store.last_digests() == {}


def test_preview_writes_every_format_and_records_nothing(config, store, tmp_path):
    add_story(store, "한미일 공급망")
    written = preview(config, store, tmp_path / "pv", now=NOW)
    suffixes = sorted(p.name.split(".", 1)[1] for p in written["file"])
    assert suffixes == ["html", "md", "slack.json", "txt"] and store.deliveries() == []


def test_unknown_channel_is_a_config_error(config, store):
    with pytest.raises(ConfigError) as info:
        run_digest(config, store, "slack", now=NOW)
    assert "not configured" in str(info.value) and "[delivery.slack]" in (info.value.hint or "")


# --- failures, backoff, crash, claims ------------------------------------------------------------


def test_failed_channel_backs_off_then_delivers_what_was_pending(config, store):
    sid = add_story(store, "한미일 공급망")
    target = config.base_dir / "digests"
    target.write_text("a file where the directory should be")
    [out] = run_digest(config, store, now=NOW)
    assert out.status == "failed" and "digests" in (out.error or "")
    assert out.next_retry == NOW + timedelta(minutes=5)
    assert store.deliveries() == []
    [held] = run_digest(config, store, now=NOW + timedelta(minutes=1))
    assert held.status == "skipped" and held.next_retry == out.next_retry
    [again] = run_digest(config, store, now=NOW + timedelta(minutes=6))  # still broken: the wait doubles
    assert again.status == "failed" and again.next_retry == NOW + timedelta(minutes=16)
    target.unlink()
    [ok] = run_digest(config, store, now=NOW + timedelta(minutes=16))
    assert ok.status == "sent" and [d["story_id"] for d in store.deliveries()] == [sid]
    state = store.last_digests()["file"]
    assert state["consecutive_failures"] == 0 and state["next_attempt_at"] is None
    assert state["last_status"] == "sent" and state["delivered_total"] == 1 and state["last_error"]


def test_manual_run_ignores_backoff(config, store):
    add_story(store, "한미일 공급망")
    (config.base_dir / "digests").write_text("x")
    run_digest(config, store, now=NOW)
    (config.base_dir / "digests").unlink()
    [out] = run_digest(config, store, now=NOW + timedelta(minutes=1), manual=True)
    assert out.status == "sent"


def test_crash_between_acceptance_and_recording_repeats_once(config, store, monkeypatch):
    sid = add_story(store, "한미일 공급망")

    def crash(*a, **k):
        raise KeyboardInterrupt("killed after the channel accepted")

    monkeypatch.setattr(store, "record_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        run_digest(config, store, now=NOW)
    monkeypatch.undo()
    assert len(files(config)) == 1 and store.deliveries() == []  # delivered, not recorded
    [out] = run_digest(config, store, now=NOW + timedelta(hours=1))
    assert out.status == "sent" and len(files(config)) == 2  # the one repeat
    assert [d["story_id"] for d in store.deliveries()] == [sid]
    assert run_digest(config, store, now=NOW + timedelta(hours=2))[0].status == "empty"


def test_a_held_claim_makes_a_second_run_busy_until_it_expires(config, store):
    add_story(store, "한미일 공급망")
    token = store.claim("file", now=NOW, ttl=timedelta(minutes=30), owner="other-run")
    assert token == "other-run"
    [busy] = run_digest(config, store, now=NOW + timedelta(minutes=10))
    assert busy.status == "busy" and store.deliveries() == []
    [out] = run_digest(config, store, now=NOW + timedelta(minutes=31))  # the other run crashed
    assert out.status == "sent"
    assert store.db.execute("SELECT count(*) FROM digest_claims").fetchone()[0] == 0


def test_a_killed_runs_claim_is_taken_over_at_once_and_a_live_ones_is_not(config, store):
    """A run SIGKILLed mid-send leaves its claim; a process on this host that is gone can't be sending."""
    import socket
    import subprocess
    import sys

    add_story(store, "한미일 공급망")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    store.claim("file", now=NOW, ttl=timedelta(minutes=30), owner=f"{host}:{dead.pid}:abcd")
    [out] = run_digest(config, store, now=NOW + timedelta(minutes=1))
    assert out.status == "sent"
    # a live process on this host, and any process on another host, keep theirs until it expires
    add_story(store, "한미일 핵심광물")
    for holder in (f"{host}:{os.getpid()}:abcd", f"elsewhere.example:{dead.pid}:abcd"):
        store.claim("file", now=NOW, ttl=timedelta(minutes=30), owner=holder)
        [busy] = run_digest(config, store, now=NOW + timedelta(minutes=2))
        assert busy.status == "busy"
        store.release("file", holder)


def test_quiet_hours_hold_scheduled_digests(tmp_path):
    cfg = load_config(write_config(tmp_path, '[digest]\nquiet_hours = "07:00-09:00"\n'))
    with Store.open(cfg.storage.path) as store:
        add_story(store, "한미일 공급망")
        [out] = run_digest(cfg, store, now=NOW)  # 08:00 KST
        assert out.status == "quiet" and out.next_retry == NOW + timedelta(hours=1)
        assert store.deliveries() == []
        assert run_digest(cfg, store, now=NOW + timedelta(hours=1))[0].status == "sent"


# --- alerts --------------------------------------------------------------------------------------


def test_alert_goes_out_once_and_is_left_out_of_the_next_digest(tmp_path):
    cfg = load_config(write_config(tmp_path, "[digest]\nalert_threshold = 0.9\n"))
    with Store.open(cfg.storage.path) as store:
        hot = add_story(store, "속보: 한미일 정상 공동성명", score=0.95, age=timedelta(minutes=20))
        add_story(store, "보통 기사", score=0.6, age=timedelta(minutes=20))
        [alert] = run_alerts(cfg, store, now=NOW)
        assert (alert.kind, alert.status, alert.stories) == ("alert", "sent", 1)
        md = files(cfg)[0].read_text(encoding="utf-8")
        assert "주요 소식 알림" in md and "속보" in md and "보통 기사" not in md
        assert run_alerts(cfg, store, now=NOW + timedelta(minutes=5))[0].status == "empty"
        [digest] = run_digest(cfg, store, now=NOW + timedelta(hours=1))
        assert digest.stories == 1
        kinds = {d["story_id"]: d["kind"] for d in store.deliveries()}
        assert kinds[hot] == "alert" and list(kinds.values()).count("new") == 1


def test_no_alert_threshold_means_no_alert_outcomes(config, store):
    add_story(store, "한미일 공급망", score=0.99)
    assert run_alerts(config, store, now=NOW) == []


def test_alerts_wait_for_quiet_hours_and_go_to_the_named_channel_only(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_TEST_HOOK", "http://127.0.0.1:9/hook")
    cfg = load_config(
        write_config(
            tmp_path,
            """
[digest]
alert_threshold = 0.9
quiet_hours = "07:30-08:30"
[delivery.file]
[delivery.slack]
webhook_url_env = "MONITOR_TEST_HOOK"
""",
        )
    )
    with Store.open(cfg.storage.path) as store:
        add_story(store, "속보", score=0.95, age=timedelta(minutes=5))
        assert [o.status for o in run_alerts(cfg, store, now=NOW)] == ["quiet", "quiet"]  # 08:00 KST
        later = NOW + timedelta(minutes=31)
        [out] = run_alerts(cfg, store, now=later, channel="file")
        assert (out.channel, out.status, out.stories) == ("file", "sent", 1)
        assert [d["channel"] for d in store.deliveries()] == ["file"]


def test_ledger_view_and_status_per_channel(config, store):
    sid = add_story(store, "한미일 공급망")
    [out] = run_digest(config, store, now=NOW)
    row = store.db.execute("SELECT channel, sent_kst, kind, story_id, title FROM v_deliveries").fetchone()
    assert row == ("file", "2026-11-23 08:00:00", "new", sid, "한미일 공급망")
    state = store.last_digests()["file"]
    assert state["last_success_at"] == NOW and state["last_story_count"] == 1
    assert state["last_message_id"] == out.message_ids[0] and state["last_status"] == "sent"


def test_sections_follow_the_topics_file_order(tmp_path):
    topics = Path(__file__).resolve().parent.parent / "config" / "topics.toml"
    path = write_config(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "enabled = false", f'enabled = false\ntopics = "{topics.as_posix()}"'
        ),
        encoding="utf-8",
    )
    cfg = load_config(path)
    with Store.open(cfg.storage.path) as store:
        add_story(store, "희토류 비축 확대", topics=("critical_minerals",), score=0.95)
        add_story(store, "한미일 산업장관회의 개최", topics=("frameworks",), score=0.55)
        run_digest(cfg, store, now=NOW)
    text = files(cfg)[0].read_text(encoding="utf-8")
    # the topics file lists the frameworks first, so they lead although the minerals story scores higher
    assert text.index("## 협의체") < text.index("## 핵심광물·희토류")
