"""A poll big enough to parse in worker processes (PARSE_IN_PROCESSES_FROM feeds): same results as in
threads, and workers fork from a forkserver that has already imported the pipeline."""

from __future__ import annotations

import multiprocessing.forkserver

import pytest

from monitor import pipeline
from monitor.config import load_config
from monitor.store import Store
from tests.faults import fault_config, feed_bytes
from tests.servers import LoopbackHTTPServer, Reply

pytestmark = pytest.mark.slow


def _poll(tmp_path, server: LoopbackHTTPServer, n: int, tag: str) -> tuple[dict[str, str], int]:
    feeds = {
        f"{tag}-{i}": server.route(
            f"/{tag}/{i}.xml",
            Reply(body=feed_bytes(f"{tag}-{i}", entries=3), headers={"Content-Type": "application/rss+xml"}),
        )
        for i in range(n)
    }
    path = tmp_path / f"{tag}.toml"
    # The fault limits are tight (1.5 s per request); 64 feeds at once on a shared machine need more.
    text = fault_config(feeds, db=f"{tag}.db").replace('"500ms"', '"10s"').replace('"1500ms"', '"30s"')
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    with Store.open(config.storage.path) as store:
        report = pipeline.run_poll(config, store)
        titles = {
            row[0]: row[1]
            for row in store.db.execute(
                "SELECT s.entry_id, a.title FROM article_sources s JOIN articles a ON a.id = s.article_id"
            )
        }
    assert {r.status for r in report.feeds} == {"ok"}
    return titles, sum(r.new_articles for r in report.feeds)


def test_worker_processes_store_what_threads_store(tmp_path, monkeypatch) -> None:
    # Off by default since the lxml fast path (see PARSE_IN_PROCESSES_FROM); a deployment may turn it on.
    n = 64
    monkeypatch.setattr(pipeline, "PARSE_IN_PROCESSES_FROM", n)
    with LoopbackHTTPServer() as server:
        server._httpd.socket.listen(256)  # a backlog for 64 connections at once (see tests/faults.py)
        in_processes, new = _poll(tmp_path, server, n, "proc")
        in_threads, _ = _poll(tmp_path, server, n - 1, "thread")
    assert new == 3 * n and len(in_processes) == 3 * n
    # Same parsing and keying either way: the feeds differ only by their name (and so their paths).
    as_procs = {k.replace("thread", "proc"): v.replace("thread", "proc") for k, v in in_threads.items()}
    assert as_procs == {k: v for k, v in in_processes.items() if f"proc-{n - 1}-" not in k}
    # The forkserver imported the pipeline before forking workers (each would import it otherwise).
    assert "monitor.pipeline" in multiprocessing.forkserver._forkserver._preload_modules
