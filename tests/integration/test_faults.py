"""The whole poll cycle against every fault of tests/faults.py at once, next to healthy feeds.

tests/integration/test_fetch_faults.py checks the fetcher's answer to each fault alone; here the pipeline
must turn each into a clear error recorded on that feed only (report, feeds row, fetch_log), keep storing
the healthy feeds in the same cycle, honour Retry-After, and pick a flapping feed up again once it is back.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from monitor.config import load_config
from monitor.ingest.fetch import Fetcher
from monitor.models import PollReport
from monitor.pipeline import poll_cycle
from monitor.store import Store
from tests.faults import FAULTS, FaultFarm, fault_config, fault_kind

pytestmark = pytest.mark.slow


def _cycle(config, store, farm: FaultFarm, *, force: bool) -> PollReport:
    async def go() -> PollReport:
        async with Fetcher(config.fetch, transport=farm.transport()) as fetcher:
            return await poll_cycle(config, store, fetcher=fetcher, force=force)

    return asyncio.run(go())


@pytest.fixture
def farm():
    with FaultFarm() as farm:
        yield farm


def test_every_fault_is_an_error_on_its_own_feed_and_the_rest_is_stored(tmp_path, farm) -> None:
    feeds = farm.add_all(copies=1, healthy=3)
    (tmp_path / "monitor.toml").write_text(fault_config(feeds), encoding="utf-8")
    config = load_config(tmp_path / "monitor.toml")
    with Store.open(config.storage.path) as store:
        report = _cycle(config, store, farm, force=False)
        by_name = {r.feed: r for r in report.feeds}
        assert len(by_name) == len(feeds) == len(FAULTS) + 3

        for name, r in by_name.items():
            kind = fault_kind(name)
            if kind is None:
                assert (r.status, r.entries, r.new_articles) == ("ok", 5, 5), name
                continue
            assert r.status == "error", name
            assert r.error_kind == FAULTS[kind], (name, r.error_kind, r.error)
            assert r.error and r.error_kind != "bug"
            # The message says which URL failed (the loop names both hops, the rest the feed URL).
            assert feeds[name].rsplit("/", 1)[0] in r.error, (name, r.error)

        rows = {
            row["name"]: row
            for row in store.db.query(
                "SELECT f.name, f.last_status, f.consecutive_failures, f.next_attempt_at, f.last_attempt_at, "
                "l.error_kind, l.error FROM feeds f JOIN fetch_log l ON l.feed_id = f.id"
            )
        }
        for name, row in rows.items():
            kind = fault_kind(name)
            assert row["last_status"] == ("ok" if kind is None else "error")
            assert row["error_kind"] == (None if kind is None else FAULTS[kind]), name
            assert row["consecutive_failures"] == (0 if kind is None else 1)
        # Articles come from the healthy feeds and nothing else.
        sources = {
            name
            for (name,) in store.db.execute(
                "SELECT DISTINCT f.name FROM article_sources s JOIN feeds f ON f.id = s.feed_id"
            )
        }
        assert sources == {"healthy-0", "healthy-1", "healthy-2"}
        assert store.counts()["articles"] == 15

        # Retry-After is honoured: 120 s and the 10-minute date, not the 60 s first backoff step alone.
        started = report.started
        storm429 = by_name["storm429-0"].next_attempt
        storm503 = by_name["storm503-0"].next_attempt
        assert storm429 is not None and storm429 >= started + timedelta(seconds=119)
        assert storm503 is not None and storm503 >= started + timedelta(seconds=590)

        # Without force, the failed feeds wait out their backoff; the healthy ones poll again.
        farm.flip()
        again = {r.feed: r for r in _cycle(config, store, farm, force=False).feeds}
        for name, r in again.items():
            assert r.status == ("ok" if fault_kind(name) is None else "deferred"), (name, r.status)
        assert store.counts()["articles"] == 30  # the healthy feeds published new items


def test_flapping_feeds_recover_and_fail_again(tmp_path, farm) -> None:
    feeds = {
        "healthy-0": farm.healthy("healthy-0"),
        "flap_port-0": farm.fault("flap_port", "flap_port-0"),
        "flap_dns-0": farm.fault("flap_dns", "flap_dns-0"),
    }
    (tmp_path / "monitor.toml").write_text(fault_config(feeds), encoding="utf-8")
    config = load_config(tmp_path / "monitor.toml")
    seen: list[dict[str, tuple[str, str | None]]] = []
    with Store.open(config.storage.path) as store:
        for _ in range(4):  # down, up, down, up
            report = _cycle(config, store, farm, force=True)
            seen.append({r.feed: (r.status, r.error_kind) for r in report.feeds})
            farm.flip()
        failures = {
            row["name"]: row["consecutive_failures"]
            for row in store.db.query("SELECT name, consecutive_failures FROM feeds")
        }
        flap_articles = store.db.execute(
            "SELECT count(*) FROM article_sources s JOIN feeds f ON f.id = s.feed_id "
            "WHERE f.name LIKE 'flap%'"
        ).fetchone()[0]
    for n, cycle in enumerate(seen):
        assert cycle["healthy-0"] == ("ok", None)
        expected = ("error", "connect") if n % 2 == 0 else ("ok", None)
        assert cycle["flap_port-0"] == expected and cycle["flap_dns-0"] == expected, (n, cycle)
    assert failures == {"healthy-0": 0, "flap_port-0": 0, "flap_dns-0": 0}  # last cycle: back up
    assert flap_articles == 2 * 2 * 5  # two feeds × two good cycles × five new items each
