"""The service's health endpoint: how fast /metrics and /healthz answer, and whether they still answer
while the service's event loop is busy.

    python bench/bench_endpoint.py                # 300 requests of each, then a 2 s busy loop
    python bench/bench_endpoint.py --requests 1000 --busy 5

The endpoint serves from its own thread (monitor/service/endpoint.py), so a probe is answered while a
poll cycle keeps the loop busy with Python work; an endpoint on the loop itself would answer only once
the loop is free. The busy phase blocks the loop with a CPU-bound call and times the requests made
meanwhile from another thread. A real Service object (no feeds, its scheduler not started) supplies the
numbers and the health JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import describe  # noqa: E402  (bench/ is on sys.path as a script)

from monitor.config import MonitorConfig  # noqa: E402
from monitor.models import FetchSettings, StorageSettings  # noqa: E402
from monitor.service import Service  # noqa: E402


def get_ms(url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        size = len(r.read())
    return (time.perf_counter() - t0) * 1000, size


def figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--busy", type=float, default=2.0, help="seconds the loop is kept busy")
    args = ap.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        config = MonitorConfig(
            path=Path(tmp) / "c.toml",
            base_dir=Path(tmp),
            storage=StorageSettings(str(Path(tmp) / "m.db")),
            fetch=FetchSettings(),
            feeds=(),
            raw={},
        )
        service = Service(config, health_port=0, health_file=str(Path(tmp) / "h.json"))
        # Numbers of a service that has run a while: every label set the tables know.
        for result in ("ok", "not_modified", "deferred", "error"):
            service.counters["poll", result] += 1000
        for job in ("digest", "alerts", "retention"):
            service.counters["job", job, "ok"] += 10
        service.counters["articles_new",] += 25_000
        return asyncio.run(run(service, args.requests, args.busy))


async def run(service: Service, requests: int, busy_s: float) -> int:
    loop = asyncio.get_running_loop()
    service._stop = asyncio.Event()
    service.scheduler = service._new_scheduler(loop)
    endpoint = service._start_health_endpoint()
    assert endpoint is not None
    base = endpoint.url.removesuffix("/healthz")
    try:
        for path in ("/metrics", "/healthz"):
            timed = [await asyncio.to_thread(get_ms, base + path) for _ in range(requests)]
            print(f"{path}: {requests} requests, {timed[0][1]} bytes: {figures([t for t, _ in timed])}")

        during: list[float] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                during.append(get_ms(base + "/healthz")[0])

        prober = threading.Thread(target=probe)
        prober.start()
        deadline = time.perf_counter() + busy_s
        spins = 0
        while time.perf_counter() < deadline:  # the loop is blocked: no await until the end
            spins += 1
        done.set()
        prober.join()
        print(
            f"/healthz while the event loop is blocked for {busy_s:.1f} s: {len(during)} answered, "
            f"{figures(during)}"
        )
    finally:
        endpoint.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
