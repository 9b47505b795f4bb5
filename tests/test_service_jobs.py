"""Job planning (monitor.service.jobs): feeds on their stored due time plus jitter, digests on their KST crons,
retention daily, and the digests a stopped service missed. Plain values in, PlannedJob values out."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from monitor.config import RetentionSettings
from monitor.models import FeedSpec
from monitor.service.jobs import (
    missed_digests,
    plan_digest_jobs,
    plan_poll_jobs,
    plan_retention_job,
    previous_fire_time,
    span,
)
from monitor.store import FeedState

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 12:00 KST


def state(name: str, next_at: datetime | None) -> FeedState:
    return FeedState(1, name, "http://x/", None, None, 0, next_at, None)


def test_poll_jobs_start_when_due_spread_by_jitter_and_skip_disabled():
    feeds = (
        FeedSpec("a", "http://a/", interval_s=900),
        FeedSpec("b", "http://b/", interval_s=60),
        FeedSpec("off", "http://c/", enabled=False),
        FeedSpec("later", "http://d/", interval_s=900),
    )
    states = {
        "a": state("a", None),
        "b": state("b", NOW - timedelta(hours=1)),
        "later": state("later", NOW + timedelta(minutes=10)),
    }
    jobs = {j.target: j for j in plan_poll_jobs(feeds, states, now=NOW, jitter_s=30, rng=random.Random(1))}
    assert set(jobs) == {"a", "b", "later"}
    assert NOW <= jobs["a"].first_run <= NOW + timedelta(seconds=30)
    # jitter is capped at a quarter of the interval: a 1-minute feed stays a 1-minute feed
    assert NOW <= jobs["b"].first_run <= NOW + timedelta(seconds=15)
    assert jobs["b"].trigger.jitter == 15 and jobs["b"].schedule == "every 1m +≤15s"
    # a feed polled shortly before a restart is not polled again before its time
    assert jobs["later"].first_run >= NOW + timedelta(minutes=10)
    assert jobs["a"].misfire_grace_s == 900 and jobs["a"].id == "poll:a"


def test_jitter_spreads_feeds_that_are_all_due():
    feeds = tuple(FeedSpec(f"f{i}", f"http://h/{i}", interval_s=900) for i in range(50))
    jobs = plan_poll_jobs(feeds, {}, now=NOW, jitter_s=30, rng=random.Random(2))
    starts = sorted(j.first_run for j in jobs)
    assert starts[-1] - starts[0] > timedelta(seconds=20)
    assert len(set(starts)) == 50


def test_digest_jobs_fire_at_any_of_their_crons_in_kst():
    (job,) = plan_digest_jobs({"email": ("0 8 * * *", "0 18 * * *"), "idle": ()}, grace_s=3600)
    assert job.id == "digest:email" and job.schedule == "cron 0 8 * * * | 0 18 * * * KST"
    first = job.trigger.get_next_fire_time(None, NOW)  # 12:00 KST → 18:00 KST = 09:00 UTC
    assert first.astimezone(UTC) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert previous_fire_time(job.trigger, now=NOW, since=NOW - timedelta(hours=6)).astimezone(
        UTC
    ) == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # 08:00 KST


def test_retention_runs_daily_at_its_kst_time():
    job = plan_retention_job(RetentionSettings(run_at="04:30"))
    nxt = job.trigger.get_next_fire_time(None, NOW)
    assert nxt.astimezone(UTC) == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)


def test_a_digest_missed_while_down_runs_once_and_only_then():
    jobs = plan_digest_jobs(
        {"email": ("0 8 * * *",), "slack": ("0 11 * * *",), "new": ("0 9 * * *",)}, grace_s=6 * 3600
    )
    iso = lambda d: d.isoformat()  # noqa: E731
    table = {
        # known since yesterday, last sent yesterday 08:00 KST: today's 08:00 KST (23:00 UTC) was missed
        "digest:email": {
            "created_at": iso(NOW - timedelta(days=2)),
            "last_finished_at": iso(NOW - timedelta(days=1, hours=4)),
        },
        # sent today at 11:00 KST: nothing missed
        "digest:slack": {
            "created_at": iso(NOW - timedelta(days=2)),
            "last_finished_at": iso(NOW - timedelta(minutes=50)),
        },
    }
    assert missed_digests(jobs, table, now=NOW, grace_s=6 * 3600) == ["digest:email"]
    # beyond the grace it is skipped: a digest 30 hours late is noise
    assert missed_digests(jobs, table, now=NOW + timedelta(days=1), grace_s=3600) == []


def test_a_digest_is_missed_only_if_a_service_knew_it_and_a_started_one_counts():
    (job,) = plan_digest_jobs({"email": ("0 8 * * *",)}, grace_s=6 * 3600)
    # never in the job table: no service ever ran it, so nothing was missed (a first start sends nothing)
    assert missed_digests([job], {}, now=NOW, grace_s=6 * 3600) == []
    # started before today's 08:00 KST and never finished (killed mid-send): run again once
    started_only = {"digest:email": {"created_at": (NOW - timedelta(days=3)).isoformat()}}
    assert missed_digests([job], started_only, now=NOW, grace_s=6 * 3600) == ["digest:email"]
    # a poll job in the table is never "missed": feeds are scheduled from their stored due time
    (poll,) = plan_poll_jobs((FeedSpec("a", "http://a/"),), {}, now=NOW, jitter_s=0)
    known = {"poll:a": {"created_at": (NOW - timedelta(days=3)).isoformat()}}
    assert missed_digests([poll], known, now=NOW, grace_s=6 * 3600) == []


def test_previous_fire_time_is_none_when_the_trigger_did_not_fire_in_the_window():
    (job,) = plan_digest_jobs({"email": ("0 8 * * *",)}, grace_s=3600)
    # 09:00–12:00 KST: after the 08:00 digest
    assert previous_fire_time(job.trigger, now=NOW, since=NOW - timedelta(hours=3)) is None


def test_retention_job_names_its_kst_time_and_a_half_day_grace():
    job = plan_retention_job(RetentionSettings(run_at="23:05"))
    assert (job.id, job.kind, job.target, job.schedule) == ("retention", "retention", None, "daily 23:05 KST")
    assert job.misfire_grace_s == 12 * 3600 and job.first_run is None


def test_spans_are_written_in_the_largest_whole_unit():
    assert [span(s) for s in (90, 60, 900, 3600, 5400, 86400, 0.5)] == [
        "90s",
        "1m",
        "15m",
        "1h",
        "90m",
        "1d",
        "0s",
    ]
