"""SQLite storage: the only package that talks to the database (through sqlite-utils).

One area per module, each a mixin over :class:`~monitor.store.core.CoreStore` (opening, migrations,
transactions and what a poll writes): ``labels`` (users' judgments), ``stories`` (clusters), ``delivery``
(digest ledger, channel backoff, claims), ``service`` (`monitor run`'s job table and retention).
:class:`Store` is all of them on one connection, so a caller holds one object and one transaction covers
any areas.

Every write a poll makes for one feed happens in one transaction, so a crash or a failed poll leaves the
database as it was before that feed: nothing already stored is lost or half-changed. The database is in
WAL mode so `monitor status` and `monitor search` can read while a poll writes.
"""

from __future__ import annotations

from monitor.store.core import FeedState, KnownSource, MatchRow, SaveOutcome, SourceRef
from monitor.store.delivery import DeliveryStore, PendingStory
from monitor.store.labels import LABELS, LabelStore
from monitor.store.service import JobRow, PruneOutcome, ServiceStore
from monitor.store.stories import StoryStore


class Store(LabelStore, StoryStore, DeliveryStore, ServiceStore):
    """The database, every area of it."""


__all__ = [
    "LABELS",
    "FeedState",
    "JobRow",
    "KnownSource",
    "MatchRow",
    "PendingStory",
    "PruneOutcome",
    "SaveOutcome",
    "ServiceStore",
    "SourceRef",
    "Store",
]
