"""The service: silent-feed detection, health, metrics, the lock, retention and the job table."""

from __future__ import annotations

import asyncio
import re
import types
from datetime import UTC, datetime, timedelta

import pytest

import monitor.service.scheduler as service_module
from monitor.errors import DatabaseBusy
from monitor.models import Article, FeedSpec, StorageSettings
from monitor.service.health import feed_rhythm, judge_health
from monitor.service.lock import ProcessLock
from monitor.service.scheduler import Service
from monitor.store import JobRow, Store
from tests.conftest import kept_logs

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 12:00 KST


def test_feed_rhythm_flags_a_feed_silent_far_beyond_its_usual_gap():
    hourly = [NOW - timedelta(hours=h) for h in range(1, 30)]
    assert not feed_rhythm(hourly, now=NOW, interval_s=900).silent
    quiet = feed_rhythm(hourly, now=NOW + timedelta(hours=10), interval_s=900, factor=4)
    assert quiet.usual_gap == timedelta(hours=1) and quiet.threshold == timedelta(hours=4)
    assert quiet.silent and quiet.silent_for == timedelta(hours=11)
    # a feed too new to have a rhythm is never flagged
    assert not feed_rhythm(hourly[:3], now=NOW + timedelta(days=3), interval_s=900).silent
    # nights are part of a rhythm: a daily feed quiet for 2 days is not silent yet
    daily = [NOW - timedelta(days=d) for d in range(10)]
    assert not feed_rhythm(daily, now=NOW + timedelta(days=2), interval_s=900).silent


def test_health_verdict():
    beat = {"state": "running", "pid": 7, "heartbeat_at": (NOW - timedelta(seconds=30)).isoformat()}
    assert judge_health(beat, now=NOW).healthy
    assert not judge_health(beat, now=NOW + timedelta(minutes=5)).healthy
    assert not judge_health({**beat, "state": "stopped"}, now=NOW).healthy
    assert "no health file" in judge_health(None, now=NOW).reason


def test_metrics_follow_their_tables_in_prometheus_text():
    """The service's numbers → exposition by the COUNTERS/GAUGES tables, as prometheus_client writes it."""
    from prometheus_client.parser import text_string_to_metric_families

    from monitor.service.metrics import MetricsSnapshot, exposition, service_registry

    counters = {("poll", "ok"): 3, ("poll", 'o"k'): 1, ("job", "digest", "failed"): 2, ("articles_new",): 7}
    text = exposition(
        service_registry(lambda: MetricsSnapshot(counters, {"up": 1, "started_at": 1795440000}))
    )
    assert text.count("# TYPE monitor_feed_polls_total counter") == 1
    assert 'monitor_feed_polls_total{result="o\\"k"} 1.0' in text  # label values escaped
    assert "monitor_started_timestamp_seconds 1.79544e+09" in text
    got = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert got["monitor_feed_polls_total", (("result", "ok"),)] == 3
    assert got["monitor_job_runs_total", (("job", "digest"), ("outcome", "failed"))] == 2
    assert got["monitor_articles_new_total", ()] == 7 and got["monitor_poll_cycles_total", ()] == 0
    assert got["monitor_feeds", ()] == 0  # before the first heartbeat
    assert "process_resident_memory_bytes" in {name for name, _ in got}


# --------------------------------------------------------------------------------------------------


def test_lock_refuses_a_second_holder_and_names_it(tmp_path):
    db = tmp_path / "m.db"
    with ProcessLock(db, "run"):
        with pytest.raises(DatabaseBusy) as busy:
            ProcessLock(db, "poll").acquire()
        assert busy.value.pid is not None and str(busy.value.pid) in str(busy.value)
        assert "monitor run" in str(busy.value) and "kill -TERM" in busy.value.hint
    with ProcessLock(db, "poll"):  # released: the next one gets it
        pass


def article(url: str, seen: datetime) -> Article:
    return Article(
        url=url,
        link=url,
        title="제목 " + url[-1],
        text="본문 공급망 " * 20,
        summary="요약",
        text_source="page",
        feed_name="f",
        entry_id=url,
        fetched_at=seen,
        published=seen,
        content_hash=url,
    )


def test_prune_empties_old_text_keeps_articles_and_search_by_title(tmp_path):
    from monitor.models import FeedReport, FetchResult
    from monitor.store import SourceRef

    with Store.open(tmp_path / "m.db") as store:
        store.sync_feeds([FeedSpec("f", "http://f/")])
        fid = store.feed_states()["f"].id
        old, new = article("http://x/1", NOW - timedelta(days=200)), article("http://x/2", NOW)
        result = FetchResult(url="http://f/", final_url="http://f/", status=200, headers={}, content=b"x")
        store.save_feed_success(
            fid,
            report=FeedReport("f", "http://f/", "ok"),
            started_at=NOW,
            result=result,
            parsed=None,
            articles=[old, new],
            next_attempt_at=NOW,
            sources=[SourceRef(a.url, "link", a.url, a.url, "h") for a in (old, new)],
        )
        store.index_pending()
        store.db.execute(
            "UPDATE articles SET first_seen_at = ? WHERE url = ?",
            ((NOW - timedelta(days=200)).isoformat(), old.url),
        )
        pruned = store.prune(
            text_before=NOW - timedelta(days=180), fetch_log_before=NOW + timedelta(seconds=1)
        )
        assert (pruned.article_texts, pruned.fetch_log_rows) == (1, 1)
        assert store.article(old.url)["text"] == "" and store.article(old.url)["text_pruned_at"]
        assert store.article(new.url)["text"] == new.text
        assert store.counts()["articles"] == 2 and store.counts()["article_sources"] == 2
        assert [h["url"] for h in store.search("제목 1")] == [old.url]  # still found by its title
        assert store.prune(text_before=NOW - timedelta(days=180), fetch_log_before=None).article_texts == 0
        store.vacuum()
        store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_job_table_sync_keeps_history_and_drops_gone_jobs(tmp_path):
    with Store.open(tmp_path / "m.db") as store:
        store.sync_jobs(
            [
                JobRow("poll:a", "poll", "a", "every 15m", NOW),
                JobRow("retention", "retention", None, "daily", NOW),
            ]
        )
        store.jobs_finished({"poll:a": ("ok", "3 new", NOW + timedelta(minutes=15))})
        store.sync_jobs([JobRow("poll:a", "poll", "a", "every 5m", NOW)])
        (row,) = store.service_jobs()
        assert (row["id"], row["runs"], row["last_outcome"], row["schedule"]) == (
            "poll:a",
            1,
            "ok",
            "every 5m",
        )
        run = store.service_started(pid=42, host="h")
        store.service_heartbeat(run, {"poll:a": NOW + timedelta(hours=1)})
        store.service_stopped(run, "SIGTERM")
        assert store.last_service_run()["stop_reason"] == "SIGTERM"
        assert store.service_jobs()[0]["next_run_at"] is None


# --------------------------------------------------------------------------------------------------
# Digest jobs against monitor.deliver.dispatch's interface, with a fake module
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_dispatch(monkeypatch):
    calls: list[tuple[str, object]] = []
    module = types.ModuleType("monitor.deliver.dispatch")
    # January 1st only: a digest that fires on its own during the test would add a call
    module.digest_schedules = lambda config: {"email": ("0 0 1 1 *",)}  # type: ignore[attr-defined]

    def run_digest(config, store, channel=None, *, now=None, dry_run=False):
        calls.append(("digest", channel))
        return [types.SimpleNamespace(channel=channel, status="sent", stories=2, error=None)]

    def run_alerts(config, store, *, now=None):
        calls.append(("alerts", None))
        return []

    module.run_digest = run_digest  # type: ignore[attr-defined]
    module.run_alerts = run_alerts  # type: ignore[attr-defined]
    monkeypatch.setattr(service_module, "dispatch", module)
    return calls


def feedless_service(tmp_path) -> Service:
    """A service over a config with no feeds and only the built-in sections' defaults."""
    from monitor.config import MonitorConfig
    from monitor.models import FetchSettings

    config = MonitorConfig(
        path=tmp_path / "c.toml",
        base_dir=tmp_path,
        storage=StorageSettings(str(tmp_path / "m.db")),
        fetch=FetchSettings(),
        feeds=(),
        raw={},
    )
    return Service(config, health_file=str(tmp_path / "h.json"))


def test_service_schedules_digests_and_retention_and_records_them(tmp_path, fake_dispatch):
    service = feedless_service(tmp_path)

    async def scenario() -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        await service._open()
        service.scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        await service._schedule()
        ids = sorted(j.id for j in service.scheduler.get_jobs())
        assert ids == ["digest:email", "retention"]
        job = service.scheduler.get_job("digest:email")
        assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time == 6 * 3600
        await service._digest_job("email")
        await service._retention_job()
        service.scheduler.shutdown(wait=False)
        rows.update({r["id"]: r for r in service.ops.service_jobs()})
        await service._close()

    rows: dict[str, dict] = {}
    asyncio.run(scenario())
    assert fake_dispatch == [("digest", "email")]
    assert rows["digest:email"]["last_outcome"] == "ok"
    assert rows["digest:email"]["last_detail"] == "email: sent 2 stories"
    assert rows["digest:email"]["schedule"] == "cron 0 0 1 1 * KST"
    assert rows["retention"]["last_outcome"] == "ok" and rows["retention"]["runs"] == 1
    assert rows["retention"]["last_detail"].startswith("emptied 0 article text(s)")


def test_feed_jobs_share_a_poll_cycle_record_outcomes_and_trigger_alerts(
    tmp_path, http_server, fake_dispatch
):
    """Two feeds due together go through the lane in one cycle; a second firing of a feed in flight joins
    it instead of polling again; new articles set off one alerts run."""
    from monitor.config import load_config
    from tests.integration.test_poll import RSS, rss, write_config
    from tests.servers import Reply

    for n in range(2):
        items = [
            {"title": f"기사 {n}-{i}", "link": f"http://example.org/{n}/{i}", "summary": "요약"}
            for i in range(3)
        ]
        http_server.route(f"/f{n}.xml", Reply(body=rss(items), headers={"Content-Type": RSS}))
    path = write_config(
        tmp_path,
        {"a": http_server.url("/f0.xml"), "b": http_server.url("/f1.xml")},
        extra="[feed_defaults]\nfetch_articles = false\n[matching]\nenabled = false\n",
    )
    service = Service(load_config(path), health_file=str(tmp_path / "h.json"))

    async def scenario() -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        await service._open()
        service.scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        await service._schedule()
        lane = asyncio.create_task(service._poll_lane())
        await asyncio.gather(service._poll_job("a"), service._poll_job("b"), service._poll_job("a"))
        await service._alerts
        lane.cancel()
        service.scheduler.shutdown(wait=False)
        rows.update({r["id"]: r for r in service.ops.service_jobs()})
        await service._close()

    rows: dict[str, dict] = {}
    asyncio.run(scenario())
    assert http_server.hits("/f0.xml") == 1 and http_server.hits("/f1.xml") == 1
    assert service.counters["poll_cycles",] == 1 and service.counters["articles_new",] == 6
    assert fake_dispatch == [("alerts", None)]
    assert rows["poll:a"]["last_outcome"] == "ok" and rows["poll:a"]["last_detail"] == "3 entries, 3 new"
    assert rows["poll:a"]["runs"] == 1 and rows["poll:a"]["next_run_at"]


def test_a_stalled_feed_holds_back_only_its_own_cycle(tmp_path, http_server):
    """A feed that comes due while another cycle waits on a stalled server is polled on another lane."""
    from monitor.config import load_config
    from tests.integration.test_poll import RSS, rss, write_config
    from tests.servers import Reply

    body = rss([{"title": "기사", "link": "http://example.org/1", "summary": "요약"}])
    http_server.route("/slow.xml", Reply(body=body, headers={"Content-Type": RSS}, delay_s=4.0))
    http_server.route("/fast.xml", Reply(body=body, headers={"Content-Type": RSS}))
    path = write_config(
        tmp_path,
        {"slow": http_server.url("/slow.xml"), "fast": http_server.url("/fast.xml")},
        extra="[feed_defaults]\nfetch_articles = false\n[matching]\nenabled = false\n",
    )
    service = Service(load_config(path), health_file=str(tmp_path / "h.json"))

    async def scenario() -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        await service._open()
        service.scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        lane = asyncio.create_task(service._poll_lane())
        slow = asyncio.create_task(service._poll_job("slow"))
        while not http_server.hits("/slow.xml"):  # the slow cycle is waiting on its server
            await asyncio.sleep(0.05)
        await service._poll_job("fast")
        order.append("fast")
        await slow
        order.append("slow")
        lane.cancel()
        await service._close()

    order: list[str] = []
    asyncio.run(scenario())
    assert order == ["fast", "slow"]
    # the stalled server outlasts the read timeout (2 s in write_config): the slow feed fails, alone
    assert service.counters["poll_cycles",] == 2
    assert (service.counters["poll", "ok"], service.counters["poll", "error"]) == (1, 1)


def test_status_flags_a_silent_feed_and_shows_a_killed_service(tmp_path, capsys):
    """`monitor status` from the database alone: a feed quiet for far longer than its hourly rhythm is
    SILENT, and a service whose heartbeat stopped without a stop reason is shown as not responding."""
    import json

    from monitor.cli import main
    from monitor.models import FeedReport, FetchResult
    from monitor.store import SourceRef

    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        '[storage]\npath = "m.db"\n[[feeds]]\nname = "조용한 피드"\nurl = "http://quiet.example/rss"\n'
        '[[feeds]]\nname = "바쁜 피드"\nurl = "http://busy.example/rss"\n',
        encoding="utf-8",
    )
    now = datetime.now(UTC).replace(microsecond=0)
    with Store.open(tmp_path / "m.db") as store:
        store.sync_feeds(
            [
                FeedSpec("조용한 피드", "http://quiet.example/rss"),
                FeedSpec("바쁜 피드", "http://busy.example/rss"),
            ]
        )
        states = store.feed_states()
        result = FetchResult(url="http://x/", final_url="http://x/", status=200, headers={}, content=b"x")
        for name, newest in (
            ("조용한 피드", now - timedelta(hours=30)),
            ("바쁜 피드", now - timedelta(minutes=20)),
        ):
            arts = [article(f"http://{name}/{h}", newest - timedelta(hours=h)) for h in range(20)]
            store.save_feed_success(
                states[name].id,
                report=FeedReport(name, "http://x/", "ok"),
                started_at=now,
                result=result,
                parsed=None,
                articles=arts,
                next_attempt_at=now,
                sources=[SourceRef(a.url, "link", a.url, a.url, "h") for a in arts],
            )
        run = store.service_started(pid=4242, host="box")
        store.db.execute(
            "UPDATE service_runs SET heartbeat_at = ? WHERE id = ?",
            ((now - timedelta(minutes=10)).isoformat(), run),
        )
    assert main(["--config", str(cfg), "status", "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    feeds = {f["name"]: f for f in view["feeds"]}
    assert feeds["조용한 피드"]["silent"] and not feeds["바쁜 피드"]["silent"]
    assert feeds["조용한 피드"]["usual_gap_s"] == 3600 and feeds["조용한 피드"]["silent_for_s"] >= 30 * 3600
    assert view["service"]["state"].startswith("not responding") and view["service"]["pid"] == 4242
    assert main(["--config", str(cfg), "status"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"조용한 피드\s+SILENT 1\.[23]d", text) and "1 silent" in text
    assert "not responding" in text and "pid 4242" in text


def test_a_job_outlasting_its_interval_is_logged_at_most_hourly_and_every_skip_counted(tmp_path, monkeypatch):
    """APScheduler warns at every tick a still-running job is skipped (41 % of a soak's log); the service
    logs it at most once an hour per job, naming the feed and how many were skipped since, and counts
    each skip in the metrics. Through a real scheduler on a 0.1 s interval: runs of 0.5, 0.02, 0.02 and
    0.5 s, and an "hour" of 0.6 s: each long run is said once, at its first skip."""
    monkeypatch.setattr(service_module, "SKIP_LOG_EVERY_S", 0.6)
    service = feedless_service(tmp_path)
    durations = [0.5, 0.02, 0.02, 0.5]
    started: list[float] = []

    async def job() -> None:
        started.append(durations[len(started)] if len(started) < len(durations) else 0.02)
        await asyncio.sleep(started[-1])

    async def scenario() -> None:
        from apscheduler.triggers.interval import IntervalTrigger

        service.scheduler = service._new_scheduler(asyncio.get_running_loop())
        service.scheduler.add_job(
            job,
            IntervalTrigger(seconds=0.1),
            id="poll:느린피드",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=1,
        )
        service.scheduler.start()
        while len(started) < 5:  # the fourth (long) run has ended
            await asyncio.sleep(0.01)
        service.scheduler.shutdown(wait=False)

    with kept_logs("monitor.service.scheduler", "apscheduler.scheduler") as records:
        asyncio.run(scenario())
    assert not [r for r in records if r.name == "apscheduler.scheduler" and "skipped" in r.getMessage()]
    said = [r for r in records if r.name == "monitor.service.scheduler"]
    assert len(said) == 2  # ~0.1 s into the first run, and ~0.1 s into the fourth (0.8 s later)
    assert all(getattr(r, "feed", None) == "느린피드" for r in said)
    assert said[0].getMessage().startswith("poll run skipped: the previous run is still going (1 skipped")
    skips = service.counters["job_skipped", "poll"]
    counted = [int(r.getMessage().split("(")[1].split()[0]) for r in said]
    assert skips > 3 and counted[1] > 1  # the second line counts the skips left unsaid since the first
    assert f'monitor_job_runs_skipped_total{{job="poll"}} {skips}' in service.metrics()
