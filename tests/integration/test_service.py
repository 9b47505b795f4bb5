"""`monitor run` as a real process against loopback feeds: lock, graceful stop, status, and SIGKILL.

The kill test starts the service, SIGKILLs it at random moments (during start-up, migration, fetching,
storing), restarts it, and when it has polled every feed compares the database with one uninterrupted
poll of the same feeds: the same articles, sources and matches, nothing half-stored, indexes intact.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.test_poll import BODY, RSS, page, rss, write_config
from tests.servers import LoopbackHTTPServer, Reply

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ROOT / "config" / "topics.toml"
HTML = {"Content-Type": "text/html; charset=utf-8"}
FEEDS, ENTRIES = 4, 8


def serve_feeds(
    srv: LoopbackHTTPServer, *, page_delay_s: float = 0.0, feeds: int = FEEDS, entries: int = ENTRIES
) -> dict[str, str]:
    """``feeds`` RSS feeds of ``entries`` items (every other one on topic), each with its article page."""
    now = datetime.now(UTC).replace(microsecond=0)
    urls = {}
    for f in range(feeds):
        items = []
        for i in range(entries):
            path = f"/news/{f}/{i}.html"
            title = f"한미일 공급망 협력 {f}-{i}" if i % 2 else f"지역 소식 {f}-{i}"
            # Slower pages for later feeds: the feeds finish (and commit) one after another, so a kill
            # can land between two feeds' transactions as well as inside one.
            srv.route(
                path,
                Reply(
                    body=page(title, [*BODY, f"기사 번호 {f}-{i}."]),
                    headers=HTML,
                    delay_s=page_delay_s * (1 + f % 4),
                ),
            )
            items.append(
                {
                    "title": title,
                    "link": srv.url(path),
                    "date": now - timedelta(hours=3 * i + f),
                    "summary": f"요약 {f}-{i}",
                }
            )
        srv.route(f"/feed{f}.xml", Reply(body=rss(items), headers={"Content-Type": RSS}))
        urls[f"피드{f}"] = srv.url(f"/feed{f}.xml")
    return urls


def service_config(tmp_path: Path, feeds: dict[str, str]) -> Path:
    extra = (
        '\n[service]\njitter = "1s"\nstop_timeout = "10s"\n'
        f'\n[matching]\ntopics = "{TOPICS}"\nmorphology = false\n'
    )
    return write_config(tmp_path, feeds, extra=extra)


def monitor(config: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )  # type: ignore[call-overload]


def start(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def db_path(config: Path) -> Path:
    return config.parent / "data" / "monitor.db"


def cycle_finished(config: Path) -> bool:
    """Every stored article indexed for search and in a story: the end-of-cycle steps, which run after
    the feeds' own transactions (a SIGTERM between the two leaves them to the next start)."""
    try:
        with sqlite3.connect(f"file:{db_path(config)}?mode=ro", uri=True, timeout=5) as conn:
            return bool(
                conn.execute(
                    "SELECT (SELECT indexed_upto FROM fts_state) >= (SELECT coalesce(max(id), 0) FROM articles) "
                    "AND NOT EXISTS (SELECT 1 FROM articles a WHERE NOT EXISTS "
                    "(SELECT 1 FROM article_story s WHERE s.article_id = a.id))"
                ).fetchone()[0]
            )
    except sqlite3.Error:
        return False


def feeds_done(config: Path) -> int:
    path = db_path(config)
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM feeds WHERE last_status = 'ok'").fetchone()[0]
    except sqlite3.Error:  # not created or not migrated yet
        return 0


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    if not wait_until(predicate, timeout):
        raise AssertionError(f"timed out waiting for {what}")


def wait_ready(config: Path, proc: subprocess.Popen[str]) -> None:
    """Until this process's health file says it is running (its signal handlers are installed)."""
    health = config.parent / "data" / "monitor.health.json"

    def ready() -> bool:
        try:
            data = json.loads(health.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return data.get("pid") == proc.pid and data.get("state") == "running"

    wait_for(lambda: ready() or proc.poll() is not None, what="the service to start")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def snapshot(path: Path) -> dict[str, object]:
    """What must agree between a killed-and-restarted run and an uninterrupted one."""
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        orphans = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM article_sources s WHERE s.article_id = a.id)"
        ).fetchone()[0]
        assert orphans == 0, "an article stored without the feed entry that brought it (half-stored)"
        unmatched = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM matches m WHERE m.article_id = a.id)"
        ).fetchone()[0]
        assert unmatched == 0, "an article stored without its match verdict (half-stored)"
        articles = sorted(
            conn.execute(
                "SELECT url, title, text, text_source, content_hash, published_at FROM articles"
            ).fetchall()
        )
        sources = sorted(
            conn.execute(
                "SELECT f.name, s.entry_id, a.url, s.entry_hash FROM article_sources s "
                "JOIN feeds f ON f.id = s.feed_id JOIN articles a ON a.id = s.article_id"
            ).fetchall()
        )
        matches = sorted(
            conn.execute(
                "SELECT a.url, m.decision, m.relevant, round(m.score, 6), m.topics FROM matches m "
                "JOIN articles a ON a.id = m.article_id"
            ).fetchall()
        )
        fts = conn.execute(
            "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '\"공급망\"'"
        ).fetchone()[0]
    return {"articles": articles, "sources": sources, "matches": matches, "fts_공급망": fts}


# --------------------------------------------------------------------------------------------------


def test_run_polls_stops_on_sigterm_and_holds_the_lock(tmp_path):
    with LoopbackHTTPServer() as srv:
        config = service_config(tmp_path, serve_feeds(srv))
        proc = start(config, "--health-port", "0")
        try:
            wait_for(lambda: feeds_done(config) == FEEDS, what="every feed polled")
            second = monitor(config, "run")
            assert second.returncode == 2
            assert f"in use by `monitor run` (pid {proc.pid}" in second.stderr
            poll = monitor(config, "poll")
            assert poll.returncode == 2 and f"kill -TERM {proc.pid}" in poll.stderr

            health = monitor(config, "health", "--json")
            assert health.returncode == 0, health.stdout
            payload = json.loads(health.stdout)
            assert payload["pid"] == proc.pid and payload["state"] == "running"

            import urllib.request

            with urllib.request.urlopen(
                payload["health_url"].replace("/healthz", "/metrics"), timeout=10
            ) as r:
                metrics = r.read().decode()
            assert "monitor_up 1" in metrics
            assert f'monitor_feed_polls_total{{result="ok"}} {FEEDS}' in metrics
            assert f"monitor_articles_new_total {FEEDS * ENTRIES}" in metrics

            status = json.loads(monitor(config, "status", "--json").stdout)
            assert status["service"]["state"] == "running" and status["service"]["pid"] == proc.pid
            polls = {j["target"]: j for j in status["jobs"] if j["kind"] == "poll"}
            assert sorted(polls) == sorted(f"피드{f}" for f in range(FEEDS))
            assert all(j["last_outcome"] == "ok" and j["next_run_at"] for j in polls.values())
            for feed in status["feeds"]:
                assert feed["entries_24h"] == ENTRIES and feed["consecutive_failures"] == 0
                assert feed["next_poll_at"] == polls[feed["name"]]["next_run_at"]
                assert feed["silent"] is False  # newest entry is at most 3 h old, every 3 h
        finally:
            code, err = stop(proc)
        assert code == 0, err
        assert "SIGTERM" in err
    status = json.loads(monitor(config, "status", "--json").stdout)
    assert status["service"]["state"] == "stopped" and status["service"]["stop_reason"] == "SIGTERM"
    assert all(j["next_run_at"] is None for j in status["jobs"])  # nothing runs while stopped
    assert monitor(config, "health").returncode == 1  # the health file says "stopped"
    assert snapshot(db_path(config))["articles"]


def test_sigterm_during_a_poll_leaves_whole_feeds(tmp_path):
    """Stopped mid-poll with a short stop_timeout: each feed is either fully stored or not at all."""
    with LoopbackHTTPServer() as srv:
        config = service_config(tmp_path, serve_feeds(srv, page_delay_s=1.5))
        text = config.read_text(encoding="utf-8").replace('stop_timeout = "10s"', 'stop_timeout = "1s"')
        config.write_text(text, encoding="utf-8")
        proc = start(config)
        wait_for(lambda: srv.hits("/news/0/0.html") + srv.hits("/news/1/0.html") > 0, what="page fetches")
        code, err = stop(proc)
        assert code == 0, err
        # A graceful stop is not an error: the poll jobs waiting for the cancelled cycle end quietly.
        assert "Traceback" not in err and "raised an exception" not in err, err
    with sqlite3.connect(db_path(config)) as conn:
        per_feed = conn.execute(
            "SELECT f.name, count(s.entry_id) FROM feeds f LEFT JOIN article_sources s "
            "ON s.feed_id = f.id GROUP BY f.name"
        ).fetchall()
        assert all(n in (0, ENTRIES) for _, n in per_feed), per_feed
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing_and_half_stores_nothing(tmp_path):
    kills = int(os.environ.get("MONITOR_KILLS", "6"))
    rng = random.Random(int(os.environ.get("MONITOR_KILL_SEED", "6")))
    with LoopbackHTTPServer() as srv:
        feeds = serve_feeds(srv, page_delay_s=0.15)
        (tmp_path / "reference").mkdir()
        reference = service_config(tmp_path / "reference", feeds)
        t0 = time.monotonic()
        done = monitor(reference, "poll")
        assert done.returncode == 0, done.stderr
        span = time.monotonic() - t0  # kills land anywhere within one uninterrupted poll's time

        (tmp_path / "killed").mkdir()
        config = service_config(tmp_path / "killed", feeds)
        for n in range(kills):
            if feeds_done(config) == FEEDS:  # a restart now has nothing to do until the feeds' interval
                break
            seen = len(srv.requests)
            proc = start(config)
            if n % 3 == 0:  # during start-up: imports, migrations, the lock, scheduling
                time.sleep(rng.uniform(0.0, 2.0))
            else:  # during the poll: from its first request on
                # (no request at all once every feed is stored: the restart waits for their interval)
                wait_until(
                    lambda seen=seen, proc=proc: len(srv.requests) > seen or proc.poll() is not None,
                    timeout=15,
                )
                time.sleep(rng.uniform(0.0, span))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode == -signal.SIGKILL
        proc = start(config)
        try:
            wait_ready(config, proc)
            wait_for(
                lambda: feeds_done(config) == FEEDS, timeout=120, what="every feed polled after restarts"
            )
            wait_for(lambda: cycle_finished(config), timeout=60, what="the last cycle's index and stories")
        finally:
            code, err = stop(proc)
        assert code == 0, err

    expected, got = snapshot(db_path(reference)), snapshot(db_path(config))
    assert len(expected["articles"]) == FEEDS * ENTRIES
    assert got == expected
