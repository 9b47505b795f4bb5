"""The Slack channel: Block Kit messages through an incoming webhook.

A long digest is several messages (see ``monitor.digest.render_slack``), posted in order, one a second
(Slack's guideline for webhooks). A 429 is honoured: we wait its Retry-After and try that message again,
a bounded number of times and never longer than ``max_wait_s`` at once. Any other failure stops the
digest: the DeliveryError carries the stories of the messages already accepted, so only those are
recorded as delivered and the rest go out on the next run. Nothing is retried after a timeout or a
5xx within one send, because Slack may have posted the message anyway: the next run retries, which
bounds a duplicate to one. The webhook URL is a secret and never appears in a message or log: errors
name its host only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from monitor.clock import utcnow
from monitor.digest import render_slack, slack_story_ids
from monitor.errors import DeliveryError
from monitor.ingest import parse_retry_after
from monitor.models import Digest, Receipt, SlackSettings


class _Failure(Exception):
    """One message was not accepted; ``send`` turns this into a DeliveryError with the accepted ids."""

    def __init__(
        self, what: str, *, retryable: bool, retry_after: float | None = None, hint: str | None = None
    ):
        super().__init__(what)
        self.retryable = retryable
        self.retry_after = retry_after
        self.hint = hint


class SlackChannel:
    """Posts a digest to one incoming webhook; ``transport`` and ``sleep`` are for tests."""

    def __init__(
        self,
        settings: SlackSettings,
        *,
        name: str = "slack",
        max_retries: int = 3,
        max_wait_s: float = 60.0,
        pause_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.name = name
        self._max_retries = max_retries
        self._max_wait_s = max_wait_s
        self._pause_s = pause_s
        self._transport = transport
        self._sleep = sleep
        self._now = now

    def send(self, digest: Digest) -> Receipt:
        payloads = render_slack(digest)
        accepted: list[int] = []
        with httpx.Client(timeout=self.settings.timeout_s, transport=self._transport) as client:
            for k, payload in enumerate(payloads, 1):
                if k > 1 and self._pause_s:
                    self._sleep(self._pause_s)
                try:
                    self._post(client, payload)
                except _Failure as f:
                    raise self._error(f, k, len(payloads), accepted) from f.__cause__
                accepted.extend(slack_story_ids(payload))
        return Receipt(
            channel=self.name,
            message_id=f"{digest.digest_id}.{len(payloads)}of{len(payloads)}@slack",
            accepted_at=self._now(),
            messages=len(payloads),
            story_ids=tuple(accepted),
        )

    def _post(self, client: httpx.Client, payload: dict[str, Any]) -> None:
        """Post one message, waiting out 429s; raise _Failure when it was not accepted."""
        for attempt in range(self._max_retries + 1):
            response = self._exchange(client, payload)
            if response.is_success:
                return
            if response.status_code != 429:
                raise _status_failure(response)
            wait = parse_retry_after(response.headers.get("retry-after"), self._now())
            wait = 2.0**attempt if wait is None else wait
            if attempt == self._max_retries or wait > self._max_wait_s:
                raise _Failure(
                    f"rate limited (429), Retry-After {wait:g} s, after {attempt + 1} attempts",
                    retryable=True,
                    retry_after=wait,
                )
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _exchange(self, client: httpx.Client, payload: dict[str, Any]) -> httpx.Response:
        try:
            return client.post(self.settings.webhook_url, json=payload)
        except httpx.TimeoutException as e:
            hint = "raise [delivery.slack] timeout if this keeps happening"
            raise _Failure(
                f"no answer within {self.settings.timeout_s:g} s", retryable=True, hint=hint
            ) from e
        except httpx.HTTPError as e:
            raise _Failure(f"request failed: {type(e).__name__}", retryable=True) from e

    def _error(self, f: _Failure, k: int, n: int, accepted: list[int]) -> DeliveryError:
        host = httpx.URL(self.settings.webhook_url).host or "?"
        sent = f" ({k - 1} of {n} messages were accepted)" if k > 1 else ""
        return DeliveryError(
            f"Slack webhook ({host}) message {k}/{n}: {f}{sent}",
            channel=self.name,
            retryable=f.retryable,
            accepted_story_ids=accepted,
            retry_after=f.retry_after,
            hint=f.hint,
        )


def _status_failure(response: httpx.Response) -> _Failure:
    """5xx: Slack's trouble, try later. 4xx: the webhook or the payload is wrong, a person must look."""
    status = response.status_code
    body = " ".join(response.text.split())[:120]
    if status >= 500:
        return _Failure(f"HTTP {status} {body}".rstrip(), retryable=True)
    hint = "the webhook may be revoked or its channel archived: check the URL in webhook_url_env"
    return _Failure(f"HTTP {status} {body}".rstrip(), retryable=False, hint=hint)
