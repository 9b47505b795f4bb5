"""The service's health endpoint through real HTTP on port 0: /metrics parsed as Prometheus reads it, and
/healthz, after a service polled two loopback feeds and ran a digest to a file channel."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.service import Service
from monitor.service.endpoint import HealthEndpoint
from monitor.service.metrics import COUNTERS, GAUGES, MetricsSnapshot, service_registry
from tests.integration.test_poll import RSS, rss, write_config
from tests.servers import LoopbackHTTPServer, Reply

#: A file channel whose digest never fires on its own (January 1st): the test runs it by hand.
DIGEST = '[digest]\nschedules = ["0 0 1 1 *"]\n[delivery.file]\ndir = "out"\n'


def get(url: str) -> tuple[int, str, str]:
    """Status, content type and body of a GET (an HTTP error status is an answer here, not a failure)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers["Content-Type"], r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode("utf-8")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``(sample name, sorted labels) → value``, parsed by prometheus_client as a scraper would."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def two_feed_service(tmp_path: Path, srv: LoopbackHTTPServer) -> Service:
    """A service over two loopback feeds of three entries and a file channel (not yet polled)."""
    tmp_path.mkdir(exist_ok=True)
    for n in range(2):
        items = [
            {"title": f"한미일 공급망 기사 {n}-{i}", "link": f"http://example.org/{n}/{i}", "summary": "요약"}
            for i in range(3)
        ]
        srv.route(f"/f{n}.xml", Reply(body=rss(items), headers={"Content-Type": RSS}))
    path = write_config(
        tmp_path,
        {"가 피드": srv.url("/f0.xml"), "나 피드": srv.url("/f1.xml")},
        extra="[feed_defaults]\nfetch_articles = false\n[matching]\nenabled = false\n" + DIGEST,
    )
    return Service(load_config(path), health_port=0, health_file=str(tmp_path / "h.json"))


def test_metrics_and_health_over_http_after_a_poll_and_a_digest(tmp_path, http_server):
    service = two_feed_service(tmp_path, http_server)
    seen: dict[str, Any] = {}

    async def scenario() -> None:
        await service._open()
        service.scheduler = service._new_scheduler(asyncio.get_running_loop())
        endpoint = service._start_health_endpoint()
        assert endpoint is not None and service.health_url == endpoint.url
        try:
            await service._schedule()
            lane = asyncio.create_task(service._poll_lane())
            await asyncio.gather(service._poll_job("가 피드"), service._poll_job("나 피드"))
            await service._alerts
            await service._digest_job("file")
            service.run_id = await service._ops(service.ops.service_started, pid=1, host="test")
            await service._heartbeat()  # the feed and article gauges
            base = service.health_url.removesuffix("/healthz")
            for path in ("/metrics", "/healthz", "/nowhere"):
                seen[path] = await asyncio.to_thread(get, base + path)
            service._stop.set()  # as a SIGTERM does: the probe now says "stopping"
            seen["stopping"] = await asyncio.to_thread(get, base + "/healthz")
            lane.cancel()
            service.scheduler.shutdown(wait=False)
        finally:
            endpoint.stop()
            await service._close()
        with pytest.raises(urllib.error.URLError):  # stopped: nothing listens any more
            urllib.request.urlopen(base + "/healthz", timeout=5)

    asyncio.run(scenario())

    status, ctype, text = seen["/metrics"]
    assert status == 200 and ctype.startswith("text/plain")
    got = samples(text)
    assert got["monitor_up", ()] == 1
    assert got["monitor_feed_polls_total", (("result", "ok"),)] == 2
    assert got["monitor_articles_new_total", ()] == 6
    assert got["monitor_poll_cycles_total", ()] == 1
    assert got["monitor_poll_cycle_errors_total", ()] == 0
    assert got["monitor_poll_cycle_seconds_total", ()] > 0
    assert got["monitor_job_runs_total", (("job", "digest"), ("outcome", "ok"))] == 1
    assert got["monitor_job_runs_total", (("job", "alerts"), ("outcome", "ok"))] == 1
    assert (got["monitor_feeds", ()], got["monitor_feeds_failing", ()], got["monitor_articles", ()]) == (
        2,
        0,
        6,
    )
    assert got["monitor_started_timestamp_seconds", ()] == service.started_at.timestamp()
    # every row of the metric tables is exposed (labelled ones before their first sample too), once
    families = [f.name for f in text_string_to_metric_families(text)]
    assert {s.name for s in COUNTERS} | {g.name for g in GAUGES} <= set(families)
    assert len(families) == len(set(families))
    assert not [name for name, _ in got if name.endswith("_created")]

    status, ctype, body = seen["/healthz"]
    health = json.loads(body)
    assert status == 200 and ctype == "application/json"
    assert health["state"] == "running" and health["health_url"] == service.health_url
    assert (health["feeds"], health["feeds_failing"], health["last_poll"]["new_articles"]) == (2, 0, 6)
    assert health["jobs"] == 5  # two feeds, the digest, retention, the heartbeat
    assert seen["/nowhere"][0] == 404 and "/healthz" in seen["/nowhere"][2]
    status, _, body = seen["stopping"]
    assert status == 503 and json.loads(body)["state"] == "stopping"


def test_two_services_in_one_process_keep_their_own_numbers(tmp_path, http_server):
    """Each service has a registry of its own (not prometheus_client's global one)."""
    busy = two_feed_service(tmp_path / "busy", http_server)
    idle = two_feed_service(tmp_path / "idle", http_server)
    busy.counters["poll", "ok"] += 5
    endpoints = [
        HealthEndpoint(s.registry, lambda: (True, {}), host="127.0.0.1", port=0) for s in (busy, idle)
    ]
    try:
        urls = [e.start().replace("/healthz", "/metrics") for e in endpoints]
        assert urls[0] != urls[1]
        busy_text, idle_text = (get(url)[2] for url in urls)
    finally:
        for e in endpoints:
            e.stop()
    assert samples(busy_text)["monitor_feed_polls_total", (("result", "ok"),)] == 5
    assert ("monitor_feed_polls_total", (("result", "ok"),)) not in samples(idle_text)


def test_a_port_in_use_is_a_clear_error_naming_the_setting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        endpoint = HealthEndpoint(
            service_registry(lambda: MetricsSnapshot({}, {})), lambda: (True, {}), host="127.0.0.1", port=port
        )
        with pytest.raises(ConfigError) as error:
            endpoint.start()
    assert f"service.health_port: cannot listen on 127.0.0.1:{port}" in str(error.value)
    assert "--health-port" in (error.value.hint or "")
