"""Delivery channels: each takes a Digest, renders the formats it needs, and hands back a Receipt.

    for channel in channels:
        try:
            receipt = channel.send(digest)          # accepted: record receipt.story_ids as delivered
        except DeliveryError as e:                  # not (or partly) accepted: record e.accepted_story_ids
            ...                                     # and try the rest again next run if e.retryable

A channel knows nothing of the store: the caller records what the receipt says, and only after ``send``
returned, so a crash between acceptance and recording repeats a digest at most once and never loses one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from monitor.deliver.email import EmailChannel
from monitor.deliver.file import FileChannel, write_preview
from monitor.deliver.slack import SlackChannel
from monitor.models import Digest, Receipt


@runtime_checkable
class Channel(Protocol):
    #: The name the ledger records deliveries under ("file", "email", "slack", or a configured name).
    name: str

    def send(self, digest: Digest) -> Receipt:
        """Deliver ``digest``; return only once the other side accepted it, else raise DeliveryError."""
        ...


__all__ = ["Channel", "EmailChannel", "FileChannel", "SlackChannel", "write_preview"]
