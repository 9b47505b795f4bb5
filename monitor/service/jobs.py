"""Job planning: which jobs the service schedules, with which triggers, and which digests it missed.

Pure functions over the config's feeds, the stored feed states and the job table: no scheduler, no
store, no clock of their own (``now`` is passed in), so each decision is tested with plain values.
:mod:`monitor.service.scheduler` turns the :class:`PlannedJob` values into APScheduler jobs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.clock import KST, from_iso
from monitor.config import RetentionSettings
from monitor.models import FeedSpec
from monitor.store import FeedState


@dataclass(frozen=True, slots=True)
class PlannedJob:
    """A job as the service schedules it (and as the job table shows it)."""

    id: str
    kind: str  # poll | digest | retention
    target: str | None
    trigger: BaseTrigger
    schedule: str  # for people
    misfire_grace_s: int
    first_run: datetime | None = None  # None: the trigger's own next fire time


def poll_job_id(feed: str) -> str:
    return f"poll:{feed}"


def plan_poll_jobs(
    feeds: tuple[FeedSpec, ...],
    states: Mapping[str, FeedState],
    *,
    now: datetime,
    jitter_s: float,
    rng: random.Random | None = None,
) -> list[PlannedJob]:
    """One interval job per enabled feed, starting when the feed is next due (stored), plus jitter.

    The jitter is at most a quarter of the feed's interval, so a 1-minute feed stays roughly a
    1-minute feed. The start offset spreads feeds that are all due now (first start, long downtime)
    over the jitter window instead of firing them in one burst.
    """
    rng = rng or random.Random()
    jobs = []
    for spec in feeds:
        if not spec.enabled:
            continue
        jitter = min(jitter_s, spec.interval_s / 4)
        state = states.get(spec.name)
        due = state.next_attempt_at if state and state.next_attempt_at else now
        first = max(now, due) + timedelta(seconds=rng.uniform(0, jitter))
        trigger = IntervalTrigger(
            seconds=spec.interval_s, start_date=first, timezone=KST, jitter=int(jitter) or None
        )
        jobs.append(
            PlannedJob(
                poll_job_id(spec.name),
                "poll",
                spec.name,
                trigger,
                f"every {span(spec.interval_s)} +≤{span(jitter)}",
                misfire_grace_s=spec.interval_s,
                first_run=first,
            )
        )
    return jobs


def plan_digest_jobs(schedules: Mapping[str, tuple[str, ...]], *, grace_s: float) -> list[PlannedJob]:
    """One job per channel, firing at any of its cron expressions (Asia/Seoul)."""
    jobs = []
    for channel, crons in sorted(schedules.items()):
        if not crons:
            continue
        triggers = [CronTrigger.from_crontab(c, timezone=KST) for c in crons]
        trigger = triggers[0] if len(triggers) == 1 else OrTrigger(triggers)
        jobs.append(
            PlannedJob(
                f"digest:{channel}",
                "digest",
                channel,
                trigger,
                "cron " + " | ".join(crons) + " KST",
                misfire_grace_s=max(1, int(grace_s)),
            )
        )
    return jobs


def plan_retention_job(retention: RetentionSettings) -> PlannedJob:
    hour, minute = (int(x) for x in retention.run_at.split(":"))
    trigger = CronTrigger(hour=hour, minute=minute, timezone=KST)
    return PlannedJob(
        "retention", "retention", None, trigger, f"daily {retention.run_at} KST", misfire_grace_s=12 * 3600
    )


def previous_fire_time(trigger: BaseTrigger, *, now: datetime, since: datetime) -> datetime | None:
    """The last time in (since, now] the trigger fired, or None."""
    found = None
    t = trigger.get_next_fire_time(None, since + timedelta(seconds=1))
    for _ in range(100_000):  # a bound: a per-minute cron over a long grace is still far below it
        if t is None or t > now:
            break
        found = t
        t = trigger.get_next_fire_time(t, t + timedelta(seconds=1))
    return found


def missed_digests(
    jobs: list[PlannedJob], table: Mapping[str, Mapping[str, Any]], *, now: datetime, grace_s: float
) -> list[str]:
    """Digest jobs whose time passed while no service ran, within the grace: they run once at start.

    Only a job the job table already knew (a service ran it before) can have been missed; a digest that
    was started but never finished (killed mid-send) counts as missed: the delivery ledger makes the
    repeat at most one item long.
    """
    missed = []
    for job in jobs:
        row = table.get(job.id)
        if job.kind != "digest" or row is None:
            continue
        since = max(now - timedelta(seconds=grace_s), from_iso(row["created_at"]) or now)
        prev = previous_fire_time(job.trigger, now=now, since=since)
        finished = from_iso(row.get("last_finished_at"))
        if prev is not None and (finished is None or finished < prev):
            missed.append(job.id)
    return missed


def span(seconds: float) -> str:
    """A duration for people: "15m", "1h", "90s"."""
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
