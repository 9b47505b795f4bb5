"""Delivery channels without a network: the file channel on disk, the email message as built, and the
Slack channel's retry and partial-acceptance logic through httpx.MockTransport (the real servers are in
tests/integration/)."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import httpx
import pytest

from monitor.deliver import Channel, EmailChannel, FileChannel, SlackChannel, write_preview
from monitor.deliver.email import build_message
from monitor.digest import build_digest, render_slack, slack_story_ids
from monitor.errors import DeliveryError, MonitorError
from monitor.models import Digest, EmailSettings, SlackSettings
from tests.digest_samples import GENERATED_AT, SINCE, many_stories, sample_stories

ACCEPTED_AT = datetime(2026, 11, 22, 23, 0, 5, tzinfo=UTC)
WEBHOOK = "https://hooks.slack.example/services/T000/B000/SECRETTOKEN"


def digest(channel: str = "file", n: int | None = None) -> Digest:
    stories = sample_stories() if n is None else many_stories(n)
    return build_digest(stories, channel=channel, generated_at=GENERATED_AT, cap=500, since=SINCE)


# --------------------------------------------------------------------------------------------------
# File
# --------------------------------------------------------------------------------------------------


def test_file_channel_writes_markdown_and_html_named_by_kst_time(tmp_path: Path) -> None:
    d = digest()
    receipt = FileChannel(tmp_path / "digests", now=lambda: ACCEPTED_AT).send(d)
    names = sorted(p.name for p in (tmp_path / "digests").iterdir())
    assert names == ["digest-20261123-080000-KST.html", "digest-20261123-080000-KST.md"]
    assert sorted(Path(p).name for p in receipt.paths) == names
    assert receipt.story_ids == d.story_ids and receipt.messages == 2 and receipt.accepted_at == ACCEPTED_AT
    assert "한미일 산업장관 첫 회의" in Path(receipt.paths[0]).read_text(encoding="utf-8")


def test_file_channel_replaces_atomically_and_leaves_no_temp_files(tmp_path: Path) -> None:
    d = digest()
    FileChannel(tmp_path).send(d)
    first = {p: p.stat().st_ino for p in tmp_path.iterdir()}
    FileChannel(tmp_path).send(d)
    assert {p: p.stat().st_ino for p in tmp_path.iterdir()}.keys() == first.keys()
    assert all(p.stat().st_ino != ino for p, ino in first.items())  # renamed over, not rewritten
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_file_channel_permission_error_needs_a_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: Path) -> int:
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr("monitor.deliver.file._create", refuse)
    with pytest.raises(DeliveryError) as info:
        FileChannel(tmp_path).send(digest())
    assert info.value.retryable is False and f"{tmp_path}: Permission denied" in str(info.value)


def test_file_channel_path_that_is_a_file_is_a_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "digests"
    blocker.write_text("not a directory")
    with pytest.raises(DeliveryError) as info:
        FileChannel(blocker).send(digest())
    err = info.value
    assert err.kind == "delivery" and err.channel == "file" and "digests" in str(err)
    assert isinstance(err, MonitorError) and err.hint and err.accepted_story_ids == ()


def test_preview_writes_every_format_without_a_receipt(tmp_path: Path) -> None:
    d = digest("slack")
    paths = write_preview(d, tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        f"preview-slack-20261123-080000-KST{ext}" for ext in (".txt", ".md", ".html", ".slack.json")
    )
    slack = json.loads(next(p for p in paths if p.name.endswith(".json")).read_text(encoding="utf-8"))
    assert slack == render_slack(d)


def test_channels_satisfy_the_protocol(tmp_path: Path) -> None:
    settings = EmailSettings(host="127.0.0.1", sender="m@example.org", recipients=("a@example.org",))
    channels: list[Channel] = [
        FileChannel(tmp_path),
        EmailChannel(settings),
        SlackChannel(SlackSettings(WEBHOOK)),
    ]
    assert all(isinstance(c, Channel) for c in channels)
    assert [c.name for c in channels] == ["file", "email", "slack"]


# --------------------------------------------------------------------------------------------------
# Email message (the SMTP conversation is tested against a real server in tests/integration/)
# --------------------------------------------------------------------------------------------------

SETTINGS = EmailSettings(
    host="smtp.example.org",
    sender="한미일 모니터 <monitor@example.org>",
    recipients=("analyst@example.org", "desk@example.com"),
    password="hunter2",
)


def parsed_message(d: Digest) -> Message:
    raw = build_message(d, SETTINGS, now=ACCEPTED_AT).as_bytes()
    assert raw.isascii()  # 7-bit clean: no relay needs SMTPUTF8 or 8BITMIME for it
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))  # RFC 5322 line limit
    return email.message_from_bytes(raw)


def test_message_headers_encode_the_korean_subject_and_name_every_recipient() -> None:
    d = digest("email")
    msg = parsed_message(d)
    assert "=?utf-8?" in msg["Subject"]  # RFC 2047 on the wire
    assert str(make_header(decode_header(msg["Subject"]))) == d.subject
    assert msg["To"] == "analyst@example.org, desk@example.com"
    assert msg["Date"] == "Mon, 23 Nov 2026 08:00:05 +0900"
    assert msg["Message-ID"].endswith("@example.org>") and d.digest_id in msg["Message-ID"]
    assert "hunter2" not in msg.as_string() and "hunter2" not in repr(SETTINGS)


def test_message_is_alternative_text_then_html_in_utf8() -> None:
    msg = parsed_message(digest("email"))
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p for p in msg.walk() if not p.is_multipart()]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert {p.get_content_charset() for p in parts} == {"utf-8"}


# --------------------------------------------------------------------------------------------------
# Slack logic
# --------------------------------------------------------------------------------------------------


class Hook:
    """A scripted webhook: answers in order (the last answer repeats) and keeps every body it got."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.bodies: list[dict] = []  # type: ignore[type-arg]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def slack(hook: Hook, sleeps: list[float], **kw: object) -> SlackChannel:
    return SlackChannel(
        SlackSettings(WEBHOOK, timeout_s=2),
        transport=httpx.MockTransport(hook),
        sleep=sleeps.append,
        now=lambda: ACCEPTED_AT,
        **kw,  # type: ignore[arg-type]
    )


def test_slack_posts_every_message_in_order_with_a_pause_between() -> None:
    d = digest("slack", n=120)
    sleeps: list[float] = []
    hook = Hook(httpx.Response(200, text="ok"))
    receipt = slack(hook, sleeps).send(d)
    assert hook.bodies == render_slack(d) and len(hook.bodies) == 3
    assert receipt.story_ids == d.story_ids and receipt.messages == 3
    assert sleeps == [1.0, 1.0]


def test_slack_waits_out_429_then_succeeds() -> None:
    hook = Hook(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, text="ok"))
    sleeps: list[float] = []
    receipt = slack(hook, sleeps).send(digest("slack"))
    assert sleeps == [7.0] and len(hook.bodies) == 2 and hook.bodies[0] == hook.bodies[1]
    assert receipt.messages == 1


def test_slack_gives_up_after_bounded_429_retries() -> None:
    sleeps: list[float] = []
    hook = Hook(httpx.Response(429, headers={"Retry-After": "2"}))
    with pytest.raises(DeliveryError) as info:
        slack(hook, sleeps, max_retries=3).send(digest("slack"))
    assert len(hook.bodies) == 4 and sleeps == [2.0, 2.0, 2.0]
    assert info.value.retryable and info.value.retry_after == 2.0 and "429" in str(info.value)


def test_slack_does_not_sleep_through_an_absurd_retry_after() -> None:
    sleeps: list[float] = []
    hook = Hook(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(DeliveryError) as info:
        slack(hook, sleeps, max_wait_s=60).send(digest("slack"))
    assert sleeps == [] and info.value.retry_after == 3600.0 and info.value.retryable


def test_slack_failure_mid_digest_reports_the_accepted_stories() -> None:
    d = digest("slack", n=120)
    payloads = render_slack(d)
    hook = Hook(httpx.Response(200), httpx.Response(503, text="service unavailable"))
    with pytest.raises(DeliveryError) as info:
        slack(hook, []).send(d)
    err = info.value
    assert err.accepted_story_ids == slack_story_ids(payloads[0]) and err.retryable
    assert "message 2/3" in str(err) and "1 of 3 messages were accepted" in str(err)


def test_slack_4xx_is_not_retryable_and_never_shows_the_secret_url() -> None:
    hook = Hook(httpx.Response(404, text="no_service"))
    with pytest.raises(DeliveryError) as info:
        slack(hook, []).send(digest("slack"))
    message = str(info.value)
    assert not info.value.retryable and "no_service" in message and "hooks.slack.example" in message
    assert "SECRETTOKEN" not in message and "SECRETTOKEN" not in repr(SlackSettings(WEBHOOK))


def test_slack_connection_error_is_retryable_and_accepts_nothing() -> None:
    hook = Hook(httpx.ConnectError("refused"))
    with pytest.raises(DeliveryError) as info:
        slack(hook, []).send(digest("slack"))
    assert info.value.retryable and info.value.accepted_story_ids == ()
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_file_channel_keeps_another_digest_of_the_same_second(tmp_path: Path) -> None:
    first = digest()
    second = build_digest(sample_stories()[:2], channel="file", generated_at=GENERATED_AT, cap=20)
    FileChannel(tmp_path).send(first)
    receipt = FileChannel(tmp_path).send(second)
    assert len(list(tmp_path.glob("*.md"))) == 2 and second.digest_id[:8] in receipt.message_id
    texts = {p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    assert len(texts) == 2
