"""Digest delivery: choosing a channel's stories, the ledger of what it accepted, its backoff and claims.

Exactly-once, as far as a channel lets us (monitor.deliver.dispatch runs these steps in this order)::

    claim(channel) ─▶ pending_stories ─▶ channel.send ─▶ record_sent (ledger + state, one transaction)
                                                         ─▶ release(channel)

A story is in the ledger only after the channel accepted it, so a failure loses nothing: it stays pending.
A crash after the channel accepted but before ``record_sent`` committed leaves the story pending, and the
next run sends it again: at most one repeat, never a loss (no channel offers a two-phase commit, so the
ledger cannot do better). The claim row keeps a second run off the channel while one is sending; it
expires (``ttl``) so a crashed run's claim blocks the channel only until then.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from monitor.clock import from_iso, to_iso
from monitor.models import DigestStory
from monitor.store.core import CoreStore, chunks
from monitor.store.stories import stored_outlet
from monitor.why import why_from_evidence

log = logging.getLogger(__name__)

DeliveryKind = Literal["new", "update", "alert"]

#: Characters of article text kept for a snippet; the digest cuts it to about two lines.
_SNIPPET_SOURCE = 400


@dataclass(frozen=True, slots=True)
class PendingStory:
    """A story selected for a channel, with what the ledger records about it if it is delivered."""

    story: DigestStory
    kind: DeliveryKind
    size: int
    outlet_count: int


def replace_links(pending: PendingStory, links: tuple[tuple[str, str], ...]) -> PendingStory:
    """``pending`` with its story's per-outlet links."""
    return dataclasses.replace(pending, story=dataclasses.replace(pending.story, outlet_links=links))


class DeliveryStore(CoreStore):
    """The ``deliveries``, ``channel_state`` and ``digest_claims`` tables (migration 6)."""

    # ---------------------------------------------------------------------------------------------
    # Selecting
    # ---------------------------------------------------------------------------------------------

    def pending_stories(
        self,
        channel: str,
        *,
        now: datetime,
        threshold: float | None,
        max_age: timedelta,
        update_min_outlets: int,
        alerts_only_above: float | None = None,
        include_sent: bool = False,
    ) -> list[PendingStory]:
        """Relevant stories ``channel`` has not been sent, and sent ones that grew since; newest first.

        A story counts when a member was matched relevant and, if ``threshold`` is given, its best score
        reaches it; only stories that changed within ``max_age`` are considered. One sent before is an
        update when it gained at least ``update_min_outlets`` outlets since its last send (an alert
        counts as a send, so an alerted story is left out of the next digest). ``alerts_only_above``
        selects alert candidates instead: never sent to the channel in any form, score above it.
        ``include_sent`` also keeps the stories already sent and unchanged (as "new"), for a preview that
        shows a digest again (`monitor digest --preview DIR --include-sent`).
        """
        since = to_iso(now - max_age)
        floor = alerts_only_above if alerts_only_above is not None else threshold
        rows = self.db.execute(
            "SELECT s.id, s.lead_article_id, s.title, s.first_seen_at, s.size, s.outlet_count, s.outlets, "
            "s.best_score, s.topics, a.id, a.title, a.link, a.published_at, a.summary, a.text, "
            "d.outlet_count, d.size "
            "FROM stories s "
            "LEFT JOIN articles a ON a.id = s.lead_article_id "
            "LEFT JOIN (SELECT story_id, outlet_count, size, "
            "           row_number() OVER (PARTITION BY story_id ORDER BY sent_at DESC, id DESC) AS k "
            "           FROM deliveries WHERE channel = ?) d ON d.story_id = s.id AND d.k = 1 "
            "WHERE s.relevant = 1 AND s.last_updated_at >= ? AND (? IS NULL OR s.best_score >= ?) "
            "ORDER BY s.last_updated_at DESC, s.id",
            (channel, since, floor, floor),
        ).fetchall()
        chosen: list[tuple[Any, DeliveryKind]] = []
        for row in rows:
            sent_outlets = row[15]
            if sent_outlets is None:
                chosen.append((row, "alert" if alerts_only_above is not None else "new"))
            elif alerts_only_above is None and row[5] - sent_outlets >= update_min_outlets:
                chosen.append((row, "update"))
            elif include_sent and alerts_only_above is None:
                chosen.append((row, "new"))
        evidence, tiers = self._evidence([r[0] for r, _ in chosen])
        links = self._outlet_links([r[0] for r, _ in chosen])
        return [
            replace_links(
                self._pending(row, kind, evidence.get(row[0]), tiers.get(row[0], "core")),
                links.get(row[0], ()),
            )
            for row, kind in chosen
        ]

    def _outlet_links(self, story_ids: Sequence[int]) -> dict[int, tuple[tuple[str, str], ...]]:
        """Per story, each outlet's own report (its earliest member's link), so a digest links every
        outlet it names, not only the lead's (issue 15)."""
        found: dict[int, dict[str, str]] = {}
        for chunk in chunks(list(story_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT ast.story_id, a.url, f.name, a.outlet, a.link FROM article_story ast "
                "JOIN articles a ON a.id = ast.article_id LEFT JOIN feeds f ON f.id = a.feed_id "
                f"WHERE ast.story_id IN ({marks}) "
                "ORDER BY ast.story_id, coalesce(a.published_at, a.first_seen_at), a.id",
                chunk,
            )
            for story_id, url, feed, credited, link in rows:
                outlet = stored_outlet(url, feed, credited)[0]
                if outlet and link:
                    found.setdefault(story_id, {}).setdefault(outlet, link)
        return {story_id: tuple(by_outlet.items()) for story_id, by_outlet in found.items()}

    def _evidence(self, story_ids: Sequence[int]) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
        """Each story's strongest stored match evidence (lead first when scores tie), parsed; and its tier:
        ``core`` when any relevant member is core (or has no tier), else ``context``."""
        found: dict[int, dict[str, Any]] = {}
        tiers: dict[int, str] = {}
        for chunk in chunks(list(story_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT ast.story_id, m.evidence, m.tier FROM article_story ast "
                "JOIN matches m ON m.article_id = ast.article_id "
                "JOIN stories s ON s.id = ast.story_id "
                f"WHERE ast.story_id IN ({marks}) AND m.relevant = 1 "
                "ORDER BY ast.story_id, m.score DESC, ast.article_id = s.lead_article_id DESC",
                chunk,
            )
            for story_id, evidence, tier in rows:
                if tier != "context" or tiers.get(story_id) == "core":
                    tiers[story_id] = "core"
                else:
                    tiers.setdefault(story_id, "context")
                if story_id in found:
                    continue
                try:
                    found[story_id] = json.loads(evidence)
                except (TypeError, ValueError):  # a damaged row costs the "why", not the digest
                    log.warning("story %s: unreadable match evidence", story_id)
        return found, tiers

    def _pending(
        self, row: Any, kind: DeliveryKind, evidence: dict[str, Any] | None, tier: str
    ) -> PendingStory:
        (
            story_id,
            _lead_id,
            story_title,
            first_seen,
            size,
            outlet_count,
            outlets_json,
            best_score,
            topics_json,
            article_id,
            title,
            link,
            published,
            summary,
            text,
            sent_outlets,
            _sent_size,
        ) = row
        outlets = [str(o) for o in _json_list(outlets_json)]
        labels = _topic_labels(evidence)
        topics = tuple(labels.get(str(t), str(t)) for t in _json_list(topics_json))
        snippet = (summary or "").strip() or (text or "")[:_SNIPPET_SOURCE]
        note = None
        if kind == "update":
            note = f"전달 후 매체 {sent_outlets}개 → {outlet_count}개로 늘었습니다"
        story = DigestStory(
            story_id=story_id,
            # The lead article may have been deleted (the FK allows it with foreign_keys off, and a
            # clean-up script may do it): the story's own title and no link, never a crash.
            title=title if article_id is not None else story_title,
            url=link if article_id is not None else None,
            lead_outlet=outlets[0] if outlets else "",
            other_outlets=tuple(outlets[1:]),
            first_seen=from_iso(first_seen),  # type: ignore[arg-type]  # NOT NULL column
            published=from_iso(published) if article_id is not None else None,
            topics=topics,
            matched_terms=_matched_terms(evidence),
            snippet=snippet[:_SNIPPET_SOURCE],
            score=float(best_score or 0.0),
            is_update=kind == "update",
            update_note=note,
            why=why_from_evidence(evidence),
            tier=tier,
        )
        return PendingStory(story, kind, int(size), int(outlet_count))

    # ---------------------------------------------------------------------------------------------
    # Recording
    # ---------------------------------------------------------------------------------------------

    def record_sent(
        self,
        channel: str,
        sent: Iterable[PendingStory],
        *,
        digest_id: str,
        message_id: str,
        at: datetime,
        success: bool = True,
    ) -> int:
        """Write the ledger rows for ``sent`` and (``success``) the channel's success, in one transaction.

        ``success=False`` records only the ledger rows: what a channel accepted before it failed.
        """
        rows = [
            (
                channel,
                p.story.story_id,
                p.kind,
                p.size,
                p.outlet_count,
                p.story.score,
                digest_id,
                message_id,
                to_iso(at),
            )
            for p in sent
        ]
        with self.transaction():
            self.db.conn.executemany(
                "INSERT INTO deliveries (channel, story_id, kind, size, outlet_count, score, digest_id, "
                "message_id, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if not success:
                return len(rows)
            self._upsert_state(channel, at)
            self.db.conn.execute(
                "UPDATE channel_state SET last_success_at = ?, last_status = 'sent', last_story_count = ?, "
                "last_message_id = ?, consecutive_failures = 0, next_attempt_at = NULL WHERE channel = ?",
                (to_iso(at), len(rows), message_id, channel),
            )
        return len(rows)

    def record_attempt(self, channel: str, *, status: str, at: datetime, stories: int = 0) -> None:
        """A run that sent nothing and failed at nothing (empty, quiet): health only, backoff untouched."""
        with self.transaction():
            self._upsert_state(channel, at)
            self.db.conn.execute(
                "UPDATE channel_state SET last_status = ?, last_story_count = ? WHERE channel = ?",
                (status, stories, channel),
            )

    def record_failure(
        self,
        channel: str,
        *,
        error: str,
        at: datetime,
        base: timedelta,
        cap: timedelta,
        retry_after: float | None = None,
    ) -> datetime:
        """Count a failure and set the channel's backoff: ``base`` doubling per failure up to ``cap``, and
        never sooner than the server's Retry-After. Returns the time before which it is not retried."""
        with self.transaction():
            self._upsert_state(channel, at)
            failures = (
                int(
                    self.db.execute(
                        "SELECT consecutive_failures FROM channel_state WHERE channel = ?", (channel,)
                    ).fetchone()[0]
                )
                + 1
            )
            wait = min(base * 2 ** min(failures - 1, 30), cap)
            if retry_after is not None:
                wait = max(wait, timedelta(seconds=retry_after))
            retry = at + wait
            self.db.conn.execute(
                "UPDATE channel_state SET last_status = 'failed', last_error = ?, last_error_at = ?, "
                "consecutive_failures = ?, next_attempt_at = ? WHERE channel = ?",
                (error, to_iso(at), failures, to_iso(retry), channel),
            )
        return retry

    def _upsert_state(self, channel: str, at: datetime) -> None:
        self.db.conn.execute(
            "INSERT INTO channel_state (channel, last_attempt_at) VALUES (?, ?) "
            "ON CONFLICT (channel) DO UPDATE SET last_attempt_at = excluded.last_attempt_at",
            (channel, to_iso(at)),
        )

    def channel_backoff(self, channel: str) -> datetime | None:
        """Not before this time after a failure; None when the channel may be tried now."""
        row = self.db.execute(
            "SELECT next_attempt_at FROM channel_state WHERE channel = ?", (channel,)
        ).fetchone()
        return from_iso(row[0]) if row else None

    def last_success(self, channel: str) -> datetime | None:
        row = self.db.execute(
            "SELECT last_success_at FROM channel_state WHERE channel = ?", (channel,)
        ).fetchone()
        return from_iso(row[0]) if row else None

    def last_digests(self) -> dict[str, dict[str, Any]]:
        """Per channel: last attempt/success (UTC datetimes), status, story count, error, backoff.

        For `monitor status`; stories ever delivered are counted from the ledger.
        """
        rows = self.db.execute(
            "SELECT c.channel, c.last_attempt_at, c.last_success_at, c.last_status, c.last_story_count, "
            "c.last_message_id, c.last_error, c.last_error_at, c.consecutive_failures, c.next_attempt_at, "
            "(SELECT count(*) FROM deliveries d WHERE d.channel = c.channel) "
            "FROM channel_state c ORDER BY c.channel"
        ).fetchall()
        return {
            r[0]: {
                "last_attempt_at": from_iso(r[1]),
                "last_success_at": from_iso(r[2]),
                "last_status": r[3],
                "last_story_count": r[4],
                "last_message_id": r[5],
                "last_error": r[6],
                "last_error_at": from_iso(r[7]),
                "consecutive_failures": r[8],
                "next_attempt_at": from_iso(r[9]),
                "delivered_total": r[10],
            }
            for r in rows
        }

    def deliveries(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Ledger rows, oldest first (for tests and people)."""
        cur = self.db.execute(
            "SELECT channel, story_id, kind, size, outlet_count, score, digest_id, message_id, sent_at "
            "FROM deliveries WHERE (? IS NULL OR channel = ?) ORDER BY id",
            (channel, channel),
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    # ---------------------------------------------------------------------------------------------
    # Claims: one run per channel at a time
    # ---------------------------------------------------------------------------------------------

    def claim(self, channel: str, *, now: datetime, ttl: timedelta, owner: str | None = None) -> str | None:
        """Take the channel for one run; return the owner token, or None while another run holds it.

        BEGIN IMMEDIATE serialises claimers across processes. A claim is taken over once it has
        expired, or at once when its owner was a process on this host that no longer exists (a run
        killed mid-send must not hold the channel for the whole ``claim_ttl``).
        """
        token = owner or make_owner()
        with self.transaction():
            row = self.db.execute(
                "SELECT owner, expires_at FROM digest_claims WHERE channel = ?", (channel,)
            ).fetchone()
            if row is not None and row[0] != token:
                expired = (from_iso(row[1]) or now) <= now
                if not expired and not owner_is_gone(row[0]):
                    return None
                why = "expired" if expired else "dead process's"
                log.warning("channel %s: taking over the %s claim of %s", channel, why, row[0])
            self.db.conn.execute(
                "INSERT INTO digest_claims (channel, owner, claimed_at, expires_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel) DO UPDATE SET owner = excluded.owner, "
                "claimed_at = excluded.claimed_at, expires_at = excluded.expires_at",
                (channel, token, to_iso(now), to_iso(now + ttl)),
            )
        return token

    def release(self, channel: str, owner: str) -> None:
        """Give the channel back; only the holder's claim is removed."""
        with self.transaction():
            self.db.conn.execute(
                "DELETE FROM digest_claims WHERE channel = ? AND owner = ?", (channel, owner)
            )


def make_owner() -> str:
    """host:pid:random, so a person reading digest_claims can tell which run holds a channel."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_gone(owner: str) -> bool:
    """Whether a claim's owner (:func:`make_owner`) was a process on this host that has exited.

    Only a certain answer counts: another host's process, or a live pid (possibly reused), keeps its
    claim until it expires."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but not ours to signal
        return False
    return False


def _json_list(text: str | None) -> list[Any]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _topic_labels(evidence: dict[str, Any] | None) -> dict[str, str]:
    """Topic id → the label people read ("supply_chain" → "공급망"), from the match evidence."""
    labels: dict[str, str] = {}
    for t in (evidence or {}).get("topics") or ():
        if isinstance(t, dict) and t.get("topic") and t.get("label"):
            labels[str(t["topic"])] = str(t["label"])
    return labels


def _matched_terms(evidence: dict[str, Any] | None) -> tuple[str, ...]:
    """The counted hits as "term(matched text)" (just "term" when they agree), each term once."""
    out: dict[str, str] = {}
    for hit in (evidence or {}).get("hits") or ():
        if not isinstance(hit, dict) or hit.get("kind") not in ("topic", "actor") or not hit.get("term"):
            continue
        term, matched = str(hit["term"]), str(hit.get("matched") or "")
        out.setdefault(term, term if not matched or matched == term else f"{term}({matched})")
    return tuple(out.values())
