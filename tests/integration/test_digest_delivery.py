"""Digest runs end to end: SQLite stories → monitor.deliver.dispatch → a real SMTP server (aiosmtpd) and a real
webhook sink on 127.0.0.1, with the ledger checked after every run.

What the issue asks to be checked: a digest arrives once; a second run sends nothing; after an outage the
pending stories arrive on the next run; the email parses and both parts carry the same stories; Slack
payloads respect every limit; concurrent runs don't double-send; faults leave nothing marked sent that
was not accepted.
"""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from monitor.config import load_config
from monitor.deliver.dispatch import run_digest
from monitor.digest import slack_story_ids
from monitor.store import Store
from tests.digest_samples import HOSTILE_TITLE, check_slack_limits
from tests.integration.test_email_smtp import Inbox, accept_only, smtp_server
from tests.servers import LoopbackHTTPServer, Reply, closed_port
from tests.story_db import NOW, add_story, write_config

HOOK = "/services/T000/B000/secret"


def config_for(tmp_path: Path, delivery: str) -> Any:
    return load_config(write_config(tmp_path, delivery))


def email_config(tmp_path: Path, port: int, extra: str = "") -> Any:
    return config_for(
        tmp_path,
        f"""
[delivery.email]
host = "127.0.0.1"
port = {port}
security = "none"
from = "한미일 모니터 <monitor@example.org>"
to = ["analyst@example.org", "desk@example.com"]
timeout = "5s"
{extra}""",
    )


def slack_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer) -> Any:
    monkeypatch.setenv("MONITOR_TEST_SLACK_HOOK", sink.url(HOOK))
    slack = '[delivery.slack]\nwebhook_url_env = "MONITOR_TEST_SLACK_HOOK"\ntimeout = "2s"\n'
    return config_for(tmp_path, slack)


def seed(store: Store) -> list[int]:
    return [
        add_story(
            store, "한미일 산업장관 첫 회의…공급망 협력", outlets=("뉴스핌", "연합뉴스", "뉴시스"), score=0.9
        ),
        add_story(store, "반도체 수출통제 공조 논의", topics=("chips",), score=0.7),
        add_story(store, HOSTILE_TITLE, score=0.6),
    ]


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def bodies(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


# --- email ---------------------------------------------------------------------------------------


def test_email_digest_arrives_once_and_a_second_run_sends_nothing(tmp_path: Path) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as srv:
        cfg = email_config(tmp_path, srv.port)
        with Store.open(cfg.storage.path) as store:
            ids = seed(store)
            [out] = run_digest(cfg, store, now=NOW)
            assert (out.channel, out.status, out.stories) == ("email", "sent", 3)
            [again] = run_digest(cfg, store, now=NOW + timedelta(hours=9))
            assert again.status == "empty"
            ledger = store.deliveries("email")
    assert len(inbox.received) == 1
    _, rcpts, raw = inbox.received[0]
    message = parse(raw)
    assert rcpts == ["analyst@example.org", "desk@example.com"]
    assert str(message["Subject"]).startswith("[한미일 경제안보] 새 소식 3건 — 2026-11-23 (월) 08:00 KST")
    assert "=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].decode("ascii").lower()  # RFC 2047 on the wire
    assert message["Message-ID"] == out.message_ids[0] and message["Date"]
    parts = bodies(message)
    assert set(parts) == {"text/plain", "text/html"}
    for title in ("한미일 산업장관 첫 회의…공급망 협력", "반도체 수출통제 공조 논의"):
        assert title in parts["text/plain"] and title in parts["text/html"]
    assert "<script>" not in parts["text/html"] and "&lt;script&gt;" in parts["text/html"]
    assert {d["story_id"] for d in ledger} == set(ids)
    assert {d["message_id"] for d in ledger} == {out.message_ids[0]}


def test_after_an_smtp_outage_the_pending_stories_arrive_on_the_next_run(tmp_path: Path) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as srv:
        port = srv.port
    # The server is gone: the same port now refuses connections.
    cfg = email_config(tmp_path, port)
    with Store.open(cfg.storage.path) as store:
        ids = seed(store)
        [down] = run_digest(cfg, store, now=NOW)
        assert down.status == "failed" and "connection refused" in (down.error or "")
        assert "127.0.0.1" in (down.error or "") and down.next_retry == NOW + timedelta(minutes=5)
        assert store.deliveries() == []
        inbox = Inbox()
        with smtp_server(inbox) as srv:
            cfg = email_config(tmp_path, srv.port)
            assert run_digest(cfg, store, now=NOW + timedelta(minutes=1))[0].status == "skipped"
            [up] = run_digest(cfg, store, now=NOW + timedelta(minutes=6))
        assert up.status == "sent" and {d["story_id"] for d in store.deliveries()} == set(ids)
    assert len(inbox.received) == 1


@pytest.mark.parametrize("fault", ["refused", "recipients", "drop", "auth"])
def test_smtp_faults_give_clear_errors_and_mark_nothing_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    inbox = Inbox()
    server_kw: dict[str, Any] = {}
    extra = ""
    if fault == "recipients":
        inbox.refuse = {a: "550 5.1.1 no such user" for a in ("analyst@example.org", "desk@example.com")}
    elif fault == "drop":
        inbox.drop_in_data = True
    elif fault == "auth":
        server_kw = {"authenticator": accept_only("monitor", "right"), "auth_require_tls": False}
        monkeypatch.setenv("MONITOR_TEST_SMTP_USER", "monitor")
        monkeypatch.setenv("MONITOR_TEST_SMTP_PASSWORD", "wrong")
        extra = 'username_env = "MONITOR_TEST_SMTP_USER"\npassword_env = "MONITOR_TEST_SMTP_PASSWORD"\n'
    with smtp_server(inbox, **server_kw) as srv:
        port = closed_port() if fault == "refused" else srv.port
        cfg = email_config(tmp_path, port, extra)
        with Store.open(cfg.storage.path) as store:
            seed(store)
            [out] = run_digest(cfg, store, now=NOW)
            ledger = store.deliveries()
            state = store.last_digests()["email"]
    expected = {
        "refused": "connection refused",
        "recipients": "RCPT TO refused every recipient",
        "drop": "during send",
        "auth": "login failed",
    }[fault]
    assert out.status == "failed" and expected in (out.error or ""), out.error
    assert f"SMTP 127.0.0.1:{port}" in (out.error or "") and "wrong" not in (out.error or "")
    assert ledger == [] and inbox.received == [] and out.stories == 0
    assert state["last_status"] == "failed" and state["consecutive_failures"] == 1


# --- Slack ---------------------------------------------------------------------------------------


@pytest.fixture
def sink() -> Any:
    with LoopbackHTTPServer() as srv:
        yield srv


def test_slack_digest_through_a_real_webhook_within_every_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    sink.route(HOOK, Reply(body=b"ok"))
    cfg = slack_config(tmp_path, monkeypatch, sink)
    with Store.open(cfg.storage.path) as store:
        ids = seed(store)
        [out] = run_digest(cfg, store, now=NOW)
        assert out.status == "sent" and out.stories == 3
        assert run_digest(cfg, store, now=NOW + timedelta(hours=1))[0].status == "empty"
        assert {d["story_id"] for d in store.deliveries("slack")} == set(ids)
    posts = sink.posted(HOOK)
    assert len(posts) == 1
    check_slack_limits(posts)
    text = str(posts[0])
    assert "<!channel>" not in text and "<script>" not in text and "&lt;!channel&gt;" in text
    assert set(slack_story_ids(posts[0])) == set(ids)


def test_slack_500_then_recovery_delivers_the_pending_stories_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    sink.route(HOOK, Reply(status=500, body=b"internal_error"))
    cfg = slack_config(tmp_path, monkeypatch, sink)
    with Store.open(cfg.storage.path) as store:
        ids = seed(store)
        [down] = run_digest(cfg, store, now=NOW)
        assert down.status == "failed" and "HTTP 500" in (down.error or "")
        assert "secret" not in (down.error or "")
        assert store.deliveries() == []
        sink.route(HOOK, Reply(body=b"ok"))
        [up] = run_digest(cfg, store, now=NOW + timedelta(minutes=5))
        assert up.status == "sent" and {d["story_id"] for d in store.deliveries()} == set(ids)
    assert len(sink.posted(HOOK)) == 2  # the refused one and the accepted one


def test_slack_429_retry_after_is_honoured_across_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    # Retry-After beyond what one send waits (60 s): the run fails and the backoff honours it.
    sink.route(HOOK, Reply(status=429, headers={"Retry-After": "3600"}))
    cfg = slack_config(tmp_path, monkeypatch, sink)
    with Store.open(cfg.storage.path) as store:
        seed(store)
        [out] = run_digest(cfg, store, now=NOW)
        assert out.status == "failed" and "429" in (out.error or "")
        assert out.next_retry == NOW + timedelta(hours=1) and store.deliveries() == []
        assert run_digest(cfg, store, now=NOW + timedelta(minutes=30))[0].status == "skipped"


def test_slack_timeout_fails_retryably_and_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    sink.route(HOOK, Reply(body=b"ok", delay_s=3.0))
    cfg = slack_config(tmp_path, monkeypatch, sink)
    with Store.open(cfg.storage.path) as store:
        seed(store)
        [out] = run_digest(cfg, store, now=NOW)
        assert out.status == "failed" and "no answer within 2 s" in (out.error or "")
        assert store.deliveries() == []


def test_concurrent_runs_do_not_double_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    """Two runs, each with its own connection, start together; the webhook is slow, so they overlap."""
    sink.route(HOOK, Reply(body=b"ok", delay_s=0.5))
    cfg = slack_config(tmp_path, monkeypatch, sink)
    with Store.open(cfg.storage.path) as store:
        ids = seed(store)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def one_run() -> None:
        with Store.open(cfg.storage.path) as own:
            barrier.wait()
            results.extend(run_digest(cfg, own, now=NOW))

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    statuses = sorted(o.status for o in results)
    # The loser either found the claim held ("busy") or ran after the winner finished ("empty").
    assert statuses in (["busy", "sent"], ["empty", "sent"])
    assert len(sink.posted(HOOK)) == 1
    with Store.open(cfg.storage.path) as store:
        assert sorted(d["story_id"] for d in store.deliveries()) == sorted(ids)


def test_slack_failure_mid_digest_records_exactly_the_accepted_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    """Message 2 of 3 fails: the stories of message 1 are in the ledger, the rest go out next run."""
    replies = [Reply(body=b"ok"), Reply(status=502, body=b"bad gateway")]
    lock = threading.Lock()

    def first_ok_then_502(_: Any) -> Reply:
        with lock:
            return replies.pop(0) if len(replies) > 1 else replies[0]

    sink.route(HOOK, first_ok_then_502)
    monkeypatch.setenv("MONITOR_TEST_SLACK_HOOK", sink.url(HOOK))
    slack = '[digest]\ncap = 120\n[delivery.slack]\nwebhook_url_env = "MONITOR_TEST_SLACK_HOOK"\n'
    cfg = config_for(tmp_path, slack)
    with Store.open(cfg.storage.path) as store:
        ids = [add_story(store, f"한미일 공급망 기사 {i}", score=0.5 + i / 1000) for i in range(120)]
        [out] = run_digest(cfg, store, now=NOW)
        first = slack_story_ids(sink.posted(HOOK)[0])
        assert out.status == "failed" and "message 2/3" in (out.error or "") and out.stories == len(first) > 0
        assert sorted(d["story_id"] for d in store.deliveries()) == sorted(first)
        sink.route(HOOK, Reply(body=b"ok"))
        [rest] = run_digest(cfg, store, now=NOW + timedelta(minutes=5))
        assert rest.status == "sent" and rest.stories == 120 - len(first)
        assert sorted(d["story_id"] for d in store.deliveries()) == sorted(ids)
    later = [i for p in sink.posted(HOOK)[2:] for i in slack_story_ids(p)]
    assert not set(later) & set(first)  # nothing accepted before was sent again


def test_one_refused_recipient_is_reported_and_the_digest_counts_as_sent(tmp_path: Path) -> None:
    inbox = Inbox()
    inbox.refuse = {"desk@example.com": "550 5.1.1 no such user"}
    with smtp_server(inbox) as srv:
        cfg = email_config(tmp_path, srv.port)
        with Store.open(cfg.storage.path) as store:
            ids = seed(store)
            [out] = run_digest(cfg, store, now=NOW)
            assert out.status == "sent" and "refused recipients: desk@example.com" in (out.error or "")
            assert {d["story_id"] for d in store.deliveries()} == set(ids)
    assert [rcpts for _, rcpts, _ in inbox.received] == [["analyst@example.org"]]
