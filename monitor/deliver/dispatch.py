"""Digest runs: the configured channels, their schedules, and one run per channel from SQLite to delivery.

This is the service the CLI (`monitor digest`) and the scheduler (`monitor run`, issue 6) call::

    digest_schedules(config)                     channel → cron expressions (Asia/Seoul)
    run_digest(config, store, channel, now=…)    one digest per channel → [DigestOutcome]
    run_alerts(config, store, now=…)             instant alerts → [DigestOutcome]
    preview(config, store, directory)            every format to files; nothing sent or recorded

One channel's run, in order (the exactly-once argument is in monitor/store/delivery.py):

1. quiet hours → ``quiet`` (nothing sent, the stories wait); backoff after a failure → ``skipped``;
2. claim the channel in the database → ``busy`` if another run holds it;
3. select the pending stories, build the digest, ``channel.send``;
4. only after the channel accepted: record the stories in the ledger (what a failing channel accepted
   before failing is recorded too, nothing more); on failure set the channel's backoff → ``failed``;
5. release the claim.

A failure is a value (``DigestOutcome.status == "failed"``), never an exception that stops the other
channels. Channels are ``file`` (the default when nothing else is configured), ``email`` and ``slack``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.clock import KST, format_kst, to_utc, utcnow
from monitor.config import (
    ChannelOverrides,
    DigestSettings,
    EmailDeliverySettings,
    MonitorConfig,
    SlackDeliverySettings,
    file_digest_dir,
    secret_from_env,
)
from monitor.deliver import Channel, EmailChannel, FileChannel, SlackChannel, write_preview
from monitor.digest import BRAND, build_digest
from monitor.errors import ConfigError, DeliveryError, MonitorError
from monitor.logs import ctx
from monitor.match import load_topics
from monitor.models import Digest, DigestOutcome, EmailSettings, SlackSettings
from monitor.store import PendingStory, Store

log = logging.getLogger(__name__)

CHANNELS = ("file", "email", "slack")
ALERT_HEADING = f"{BRAND} 주요 소식 알림"


@dataclass(frozen=True)
class ChannelPlan:
    """A configured channel with its [digest] settings after its own overrides."""

    name: str
    schedules: tuple[str, ...]
    threshold: float | None
    cap: int
    send_empty: bool
    quiet_hours: tuple[int, int] | None
    alert_threshold: float | None
    #: Builds the channel; secrets are read from the environment here, at send time, not at load.
    make: Callable[[], Channel]


# --------------------------------------------------------------------------------------------------
# Which channels, when
# --------------------------------------------------------------------------------------------------


def channel_plans(config: MonitorConfig) -> dict[str, ChannelPlan]:
    """Every enabled channel, in the order file, email, slack.

    Email is configured by ``host`` (with ``from`` and ``to``), Slack by ``webhook_url_env``. The file
    channel is on when ``[delivery.file]`` is in the file (unless ``enabled = false``), or when no other
    channel is, so a first-time user sees a digest with no accounts.
    """
    digest = config.digest
    email, slack, files = config.delivery.email, config.delivery.slack, config.delivery.file
    wanted: dict[str, tuple[ChannelOverrides, Callable[[], Channel]]] = {}
    if email.host is not None and email.enabled is not False:
        wanted["email"] = (email, lambda: EmailChannel(_email_settings(email), name="email"))
    if slack.webhook_url_env is not None and slack.enabled is not False:
        wanted["slack"] = (slack, lambda: SlackChannel(_slack_settings(slack), name="slack"))
    delivery = config.raw.get("delivery")
    file_written = isinstance(delivery, dict) and "file" in delivery
    if files.enabled or (files.enabled is None and (file_written or not wanted)):
        wanted = {"file": (files, lambda: FileChannel(file_digest_dir(config), name="file")), **wanted}

    def pick(own: ChannelOverrides, key: str) -> Any:
        mine = getattr(own, key)  # the override keys are [digest]'s own names
        return getattr(digest, key) if mine is None else mine

    return {
        name: ChannelPlan(
            name=name,
            schedules=tuple(pick(own, "schedules")),
            threshold=pick(own, "threshold"),
            cap=pick(own, "cap"),
            send_empty=pick(own, "send_empty"),
            quiet_hours=pick(own, "quiet_hours"),
            alert_threshold=pick(own, "alert_threshold"),
            make=make,
        )
        for name, (own, make) in wanted.items()
    }


def digest_schedules(config: MonitorConfig) -> dict[str, tuple[str, ...]]:
    """Channel name → its cron expressions, to be read in Asia/Seoul."""
    return {name: plan.schedules for name, plan in channel_plans(config).items()}


def _email_settings(v: EmailDeliverySettings) -> EmailSettings:
    def secret(env_name: str | None, key: str) -> str | None:
        return secret_from_env(env_name, key=f"delivery.email.{key}") if env_name else None

    user, password = secret(v.username_env, "username_env"), secret(v.password_env, "password_env")
    # host, from and to are set together (a rule of [delivery.email]) and the channel is on with host
    assert v.host is not None and v.sender is not None and v.recipients is not None
    return EmailSettings(
        host=v.host,
        sender=v.sender,
        recipients=tuple(v.recipients),
        port=v.port,
        security=v.security,
        username=user,
        password=password,
        timeout_s=v.timeout_s,
    )


def _slack_settings(v: SlackDeliverySettings) -> SlackSettings:
    assert v.webhook_url_env is not None  # the channel is on only when it is set
    url = secret_from_env(v.webhook_url_env, key="delivery.slack.webhook_url_env")
    return SlackSettings(webhook_url=url, timeout_s=v.timeout_s)


def topic_order(config: MonitorConfig) -> tuple[str, ...] | None:
    """The topic labels in the order of the topics file, which is the order the user gave them weight in;
    None (sections by their strongest story) when the file cannot be read: a digest must not fail on it."""
    path = config.matching.topics
    try:
        return tuple(t.label for t in load_topics(path).topics)
    except MonitorError as e:
        log.debug(
            "digest sections by strength: topics file %s unusable: %s", path, e, extra=ctx(stage="digest")
        )
        return None


def topic_labels(config: MonitorConfig) -> dict[str, str]:
    """Topic id → the label people read, from the topics file (empty when it cannot be read): a story
    whose topics came from a member without stored labels must still read "공급망 회복력", not
    ``supply_chain``."""
    path = config.matching.topics
    try:
        return {t.id: t.label for t in load_topics(path).topics}
    except MonitorError:
        return {}


def in_quiet_hours(span: tuple[int, int] | None, now: datetime) -> datetime | None:
    """When ``now`` is inside the KST span, the time (UTC) it ends; else None."""
    if span is None:
        return None
    start, end = span
    local = to_utc(now).astimezone(KST)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    ends = midnight + timedelta(minutes=end)
    if ends <= local:
        ends += timedelta(days=1)
    return to_utc(ends)


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


def run_digest(
    config: MonitorConfig,
    store: Store,
    channel: str | None = None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    manual: bool = False,
) -> list[DigestOutcome]:
    """One digest for ``channel`` (default: every configured channel); one outcome per channel.

    ``manual`` (`monitor digest --now`): a person asked for it, so quiet hours and a failed channel's
    backoff do not hold it back; the claim still does. ``dry_run`` selects and builds but neither
    sends nor records (and takes no claim).
    """
    return _run(config, store, channel, now=now, dry_run=dry_run, manual=manual, alerts=False)


def run_alerts(
    config: MonitorConfig,
    store: Store,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    channel: str | None = None,
    manual: bool = False,
) -> list[DigestOutcome]:
    """Instant alerts: stories scoring at least the channel's ``alert_threshold``, first seen within
    ``digest.alert_window`` and never sent to that channel in any form. Each goes out at most once; the
    ledger's ``alert`` row keeps it out of the next regular digest (unless it grows into an update).
    Channels without an alert threshold are left out of the result; ``manual`` as for run_digest."""
    return _run(config, store, channel, now=now, dry_run=dry_run, manual=manual, alerts=True)


def _run(
    config: MonitorConfig,
    store: Store,
    channel: str | None,
    *,
    now: datetime | None,
    dry_run: bool,
    manual: bool,
    alerts: bool,
) -> list[DigestOutcome]:
    plans = channel_plans(config)
    if channel is not None and channel not in plans:
        raise _unknown_channel(channel, plans)
    when = to_utc(now) if now else utcnow().replace(microsecond=0)
    digest = config.digest
    chosen = [plans[channel]] if channel else list(plans.values())
    order = topic_order(config)
    labels = topic_labels(config)
    outcomes = []
    for plan in chosen:
        if alerts and plan.alert_threshold is None:
            continue
        run = _ChannelRun(plan, digest, store, when, dry_run=dry_run, manual=manual, alerts=alerts)
        run.topic_order = order
        run.topic_labels = labels
        try:
            outcome = run.go()
        except MonitorError as e:  # e.g. a secret's variable unset: this channel fails, the others go on
            outcome = DigestOutcome(plan.name, "failed", error=str(e), kind=run.kind, dry_run=dry_run)
            if not dry_run:
                retry = store.record_failure(
                    plan.name, error=str(e), at=when, base=run.retry_base, cap=run.retry_max
                )
                outcome = replace(outcome, next_retry=retry)
        _log(outcome)
        outcomes.append(outcome)
    return outcomes


def _unknown_channel(channel: str, plans: Mapping[str, ChannelPlan]) -> ConfigError:
    configured = ", ".join(plans) or "none"
    if channel in CHANNELS:
        problem = f"channel {channel!r} is not configured (configured: {configured})"
        hint = f"add a [delivery.{channel}] section to the config (see README, Digests)"
    else:
        problem = f"no channel named {channel!r} (channels: {', '.join(CHANNELS)}; configured: {configured})"
        hint = "pass --channel file, email or slack"
    error = ConfigError([problem])
    error.hint = hint
    return error


class _ChannelRun:
    """One channel's digest or alert run (steps in the module docstring)."""

    def __init__(
        self,
        plan: ChannelPlan,
        digest: DigestSettings,
        store: Store,
        now: datetime,
        *,
        dry_run: bool,
        manual: bool,
        alerts: bool,
    ) -> None:
        self.plan = plan
        self.settings = digest
        self.store = store
        self.now = now
        self.dry_run = dry_run
        self.manual = manual
        self.alerts = alerts
        self.kind: Any = "alert" if alerts else "digest"
        self.topic_order: tuple[str, ...] | None = None
        self.topic_labels: dict[str, str] = {}
        self.include_sent = False  # a preview that shows the stories already sent as well
        self.retry_base = timedelta(seconds=digest.retry_base_s)
        self.retry_max = timedelta(seconds=digest.retry_max_s)

    def outcome(self, status: Any, **kw: Any) -> DigestOutcome:
        return DigestOutcome(self.plan.name, status, kind=self.kind, dry_run=self.dry_run, **kw)

    def go(self) -> DigestOutcome:
        name = self.plan.name
        if not self.manual:
            quiet_until = in_quiet_hours(self.plan.quiet_hours, self.now)
            if quiet_until is not None:
                if not self.dry_run:
                    self.store.record_attempt(name, status="quiet", at=self.now)
                return self.outcome("quiet", next_retry=quiet_until)
            backoff = self.store.channel_backoff(name)
            if backoff is not None and backoff > self.now:
                return self.outcome(
                    "skipped",
                    next_retry=backoff,
                    error=f"backing off after a failure until {format_kst(backoff)}",
                )
        if self.dry_run:
            return self.send(dry=True)
        ttl = timedelta(seconds=self.settings.claim_ttl_s)
        token = self.store.claim(name, now=self.now, ttl=ttl)
        if token is None:
            return self.outcome("busy", error="another digest run is sending to this channel")
        try:
            return self.send(dry=False)
        finally:
            self.store.release(name, token)

    def select(self) -> list[PendingStory]:
        s = self.settings
        if self.alerts:
            pending = self.store.pending_stories(
                self.plan.name,
                now=self.now,
                threshold=self.plan.threshold,
                max_age=timedelta(seconds=s.alert_window_s),
                update_min_outlets=s.update_min_outlets,
                alerts_only_above=self.plan.alert_threshold,
            )
            window = self.now - timedelta(seconds=s.alert_window_s)
            return [p for p in pending if p.story.first_seen >= window]
        return self.store.pending_stories(
            self.plan.name,
            now=self.now,
            threshold=self.plan.threshold,
            max_age=timedelta(seconds=s.max_age_s),
            update_min_outlets=s.update_min_outlets,
            include_sent=self.include_sent,
        )

    def build(self, pending: list[PendingStory]) -> Digest:
        since = self.store.last_success(self.plan.name)
        cap = max(len(pending), 1) if self.alerts else self.plan.cap
        digest = build_digest(
            [p.story for p in pending],
            channel=self.plan.name,
            generated_at=self.now,
            cap=cap,
            since=since,
            topic_order=self.topic_order,
            topic_labels=self.topic_labels,
        )
        if self.alerts:
            when = format_kst(self.now, weekday=True)
            digest = replace(
                digest, heading=ALERT_HEADING, subject=f"[{BRAND}] 주요 소식 알림 {len(pending)}건 — {when}"
            )
        return digest

    def send(self, *, dry: bool) -> DigestOutcome:
        name = self.plan.name
        pending = self.select()
        if not pending and (self.alerts or not self.plan.send_empty):
            if not dry:
                self.store.record_attempt(name, status="empty", at=self.now)
            return self.outcome("empty")
        digest = self.build(pending)
        by_id = {p.story.story_id: p for p in pending}
        shown = [by_id[i] for i in digest.story_ids]
        updates = sum(p.kind == "update" for p in shown)
        if dry:
            return self.outcome(
                "sent", stories=len(shown), updates=updates, pending=len(pending) - len(shown)
            )
        try:
            receipt = self.plan.make().send(digest)
        except DeliveryError as e:
            return self.failed(e, digest, by_id, len(pending))
        sent = [by_id[i] for i in receipt.story_ids if i in by_id]
        self.store.record_sent(
            name, sent, digest_id=digest.digest_id, message_id=receipt.message_id, at=self.now
        )
        # The server took the mail for the other recipients: it counts as sent (retrying would repeat it
        # to them); the refused addresses are reported so a person can fix them.
        refused = f"refused recipients: {', '.join(receipt.refused)}" if receipt.refused else None
        return self.outcome(
            "sent",
            stories=len(sent),
            message_ids=(receipt.message_id,),
            updates=updates,
            pending=len(pending) - len(sent),
            paths=receipt.paths,
            error=refused,
        )

    def failed(
        self, e: DeliveryError, digest: Digest, by_id: Mapping[int, PendingStory], selected: int
    ) -> DigestOutcome:
        """Record what the channel accepted before failing (a Slack digest's first messages), back off."""
        name = self.plan.name
        accepted = [by_id[i] for i in e.accepted_story_ids if i in by_id]
        message_id = f"{digest.digest_id}.partial@{name}"
        if accepted:
            self.store.record_sent(
                name, accepted, digest_id=digest.digest_id, message_id=message_id, at=self.now, success=False
            )
        error = f"{e}" + (f" (hint: {e.hint})" if e.hint else "")
        retry = self.store.record_failure(
            name,
            error=error,
            at=self.now,
            base=self.retry_base,
            cap=self.retry_max,
            retry_after=e.retry_after,
        )
        return self.outcome(
            "failed",
            stories=len(accepted),
            error=error,
            next_retry=retry,
            message_ids=(message_id,) if accepted else (),
            pending=selected - len(accepted),
        )


def _log(o: DigestOutcome) -> None:
    level = logging.WARNING if o.status == "failed" else logging.INFO
    log.log(
        level,
        "%s %s: %s, %d stories%s",
        o.kind,
        o.channel,
        o.status,
        o.stories,
        f" ({o.error})" if o.error else "",
        extra=ctx(stage="digest"),
    )


def preview(
    config: MonitorConfig,
    store: Store,
    directory: str | Path,
    channel: str | None = None,
    *,
    now: datetime | None = None,
    include_sent: bool = False,
) -> dict[str, tuple[Path, ...]]:
    """Each channel's pending digest in every format (text, Markdown, HTML, Slack JSON) in ``directory``.

    Nothing is sent, recorded or claimed; quiet hours and backoff are ignored (it is for looking).
    ``include_sent``: the stories already sent too, so a digest that went out can be looked at again.
    """
    plans = channel_plans(config)
    if channel is not None and channel not in plans:
        raise _unknown_channel(channel, plans)
    when = to_utc(now) if now else utcnow().replace(microsecond=0)
    digest = config.digest
    written = {}
    for plan in [plans[channel]] if channel else plans.values():
        run = _ChannelRun(plan, digest, store, when, dry_run=True, manual=True, alerts=False)
        run.topic_order = topic_order(config)
        run.topic_labels = topic_labels(config)
        run.include_sent = include_sent
        written[plan.name] = write_preview(run.build(run.select()), directory)
    return written


__all__ = [
    "CHANNELS",
    "ChannelPlan",
    "channel_plans",
    "digest_schedules",
    "in_quiet_hours",
    "preview",
    "run_alerts",
    "run_digest",
]
