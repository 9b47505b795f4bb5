"""Delivery channels: each takes a Digest, renders the formats it needs, and hands back a Receipt.

    for channel in channels:
        try:
            receipt = channel.send(digest)          # accepted: record receipt.story_ids as delivered
        except DeliveryError as e:                  # not (or partly) accepted: record e.accepted_story_ids
            ...                                     # and try the rest again next run if e.retryable

A channel knows nothing of the store: the caller records what the receipt says, and only after ``send``
returned, so a crash between acceptance and recording repeats a digest at most once and never loses one.
That caller is ``dispatch`` (a digest run: the store, the digest and the channels meet there), whose
names load on first use, since it needs the store and the topics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from monitor.deliver.email import EmailChannel
from monitor.deliver.file import FileChannel, write_preview
from monitor.deliver.slack import SlackChannel
from monitor.faces import lazy_names
from monitor.models import Digest, Receipt

if TYPE_CHECKING:
    from monitor.deliver.dispatch import (
        channel_plans,
        digest_schedules,
        in_quiet_hours,
        preview,
        run_alerts,
        run_digest,
        topic_labels,
    )


@runtime_checkable
class Channel(Protocol):
    #: The name the ledger records deliveries under ("file", "email", "slack", or a configured name).
    name: str

    def send(self, digest: Digest) -> Receipt:
        """Deliver ``digest``; return only once the other side accepted it, else raise DeliveryError."""
        ...


_DISPATCH = (
    "channel_plans",
    "digest_schedules",
    "in_quiet_hours",
    "preview",
    "run_alerts",
    "run_digest",
    "topic_labels",
)

__all__ = [
    "Channel",
    "EmailChannel",
    "FileChannel",
    "SlackChannel",
    "channel_plans",
    "digest_schedules",
    "in_quiet_hours",
    "preview",
    "run_alerts",
    "run_digest",
    "topic_labels",
    "write_preview",
]

__getattr__ = lazy_names(__name__, dict.fromkeys(_DISPATCH, "dispatch"))
