"""The Slack channel against a real HTTP server on 127.0.0.1 (tests.servers.LoopbackHTTPServer).

The sink answers 200, 500, 429 with Retry-After, or too late, and keeps every JSON body it was sent so
the test can check order, limits and what was accepted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from monitor.deliver import SlackChannel
from monitor.digest import build_digest, render_slack, slack_story_ids
from monitor.errors import DeliveryError
from monitor.models import Digest, SlackSettings
from tests.digest_samples import GENERATED_AT, check_slack_limits, many_stories, sample_stories
from tests.servers import LoopbackHTTPServer, Reply, Request

HOOK = "/services/T000/B000/secret"


class WebhookSink(LoopbackHTTPServer):
    """The loopback server as a webhook sink: ``posts`` are the JSON bodies POSTed to the hook, in order."""

    @property
    def posts(self) -> list[dict[str, Any]]:
        return self.posted(HOOK)


@pytest.fixture
def sink() -> Iterator[WebhookSink]:
    srv = WebhookSink()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def channel(sink: WebhookSink, **kw: Any) -> SlackChannel:
    settings = SlackSettings(sink.url(HOOK), timeout_s=kw.pop("timeout_s", 5.0))
    return SlackChannel(settings, pause_s=0, **kw)


def digest(n: int | None = None) -> Digest:
    stories = sample_stories() if n is None else many_stories(n)
    return build_digest(stories, channel="slack", generated_at=GENERATED_AT, cap=500)


def answers(*replies: Reply) -> Any:
    """A route handler giving ``replies`` in order, then repeating the last."""
    queue = list(replies)
    lock = threading.Lock()

    def handler(_: Request) -> Reply:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def test_long_digest_arrives_in_order_within_every_limit(sink: WebhookSink) -> None:
    sink.route(HOOK, Reply(body=b"ok"))
    d = digest(200)
    receipt = channel(sink).send(d)
    assert sink.posts == render_slack(d) and len(sink.posts) == receipt.messages >= 5
    check_slack_limits(sink.posts)
    assert tuple(i for p in sink.posts for i in slack_story_ids(p)) == d.story_ids == receipt.story_ids
    assert all(r.headers.get("Content-Type") == "application/json" for r in sink.requests)


def test_500_fails_retryably_and_accepts_nothing(sink: WebhookSink) -> None:
    sink.route(HOOK, Reply(status=500, body=b"internal error"))
    with pytest.raises(DeliveryError) as info:
        channel(sink).send(digest())
    err = info.value
    assert err.retryable and err.accepted_story_ids == () and "HTTP 500 internal error" in str(err)
    assert "secret" not in str(err) and "127.0.0.1" in str(err)
    assert len(sink.posts) == 1  # a 5xx is not retried within the run: Slack may have posted it


def test_500_on_a_later_message_reports_the_earlier_ones_as_accepted(sink: WebhookSink) -> None:
    sink.route(HOOK, answers(Reply(body=b"ok"), Reply(body=b"ok"), Reply(status=502)))
    d = digest(200)
    with pytest.raises(DeliveryError) as info:
        channel(sink).send(d)
    first_two = tuple(i for p in sink.posts[:2] for i in slack_story_ids(p))
    assert info.value.accepted_story_ids == first_two == d.story_ids[: len(first_two)]


def test_429_is_waited_out_then_delivered(sink: WebhookSink) -> None:
    sink.route(HOOK, answers(Reply(status=429, headers={"Retry-After": "1"}), Reply(body=b"ok")))
    receipt = channel(sink).send(digest())
    first, second = (r.received_at for r in sink.requests)
    assert second - first >= 0.9 and receipt.messages == 1 and sink.posts[0] == sink.posts[1]


def test_429_beyond_the_retry_budget_fails_retryably(sink: WebhookSink) -> None:
    sink.route(HOOK, Reply(status=429, headers={"Retry-After": "0"}))
    with pytest.raises(DeliveryError) as info:
        channel(sink, max_retries=2).send(digest())
    assert info.value.retryable and len(sink.posts) == 3 and info.value.retry_after == 0.0


def test_slow_webhook_times_out(sink: WebhookSink) -> None:
    sink.route(HOOK, Reply(body=b"ok", delay_s=1.0))
    with pytest.raises(DeliveryError) as info:
        channel(sink, timeout_s=0.2).send(digest())
    assert info.value.retryable and "no answer within 0.2 s" in str(info.value)
