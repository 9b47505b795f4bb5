"""Real-world feeds from ../shared/corpus served over loopback and polled (skipped without ../shared)."""

from __future__ import annotations

import pytest

from monitor.config import load_config
from monitor.pipeline import run_poll
from monitor.store import Store
from tests.conftest import corpus_path
from tests.corpus_feeds import corpus_config, corpus_files, serve_corpus
from tests.servers import LoopbackHTTPServer

pytestmark = pytest.mark.corpus


def _poll_twice(tmp_path, root, files):
    with LoopbackHTTPServer() as server:
        feeds = serve_corpus(server, root, files)
        config = load_config(corpus_config(tmp_path / "monitor.toml", feeds))
        with Store.open(config.storage.path) as store:
            first = run_poll(config, store)
            counts = store.counts()
            second = run_poll(config, store)
            again = store.counts()
            titles: dict[str, set[str]] = {}
            for name, title in store.db.execute(
                "SELECT f.name, a.title FROM articles a JOIN feeds f ON f.id = a.feed_id"
            ):
                titles.setdefault(name, set()).add(title)
    return first, second, counts, again, titles


def test_encoding_and_illformed_corpus_polls_without_a_crash(tmp_path):
    root = corpus_path("feeds")
    files = [
        p
        for p in corpus_files(root)
        if "/encoding/" in p.as_posix() or "/illformed/" in p.as_posix() or "chardet-tests" in p.as_posix()
    ]
    first, second, counts, again, titles = _poll_twice(tmp_path, root, files)
    assert not [r for r in first.feeds if r.error_kind == "bug"]
    assert sum(r.status == "ok" for r in first.feeds) >= len(files) - 2
    assert again["articles"] == counts["articles"] and again["article_sources"] == counts["article_sources"]
    ricanet = titles["korean/chardet-tests/CP949/ricanet.com.xml"]
    assert len(ricanet) == 10 and "구라치다 걸리면" in ricanet  # declared euc-kr, really CP949


def test_knews_day_polled_twice_changes_nothing(tmp_path):
    root = corpus_path("feeds")
    files = [p for p in corpus_files(root) if "knews-rss/2022-07-30" in p.as_posix()]
    first, second, counts, again, titles = _poll_twice(tmp_path, root, files)
    assert all(r.status == "ok" for r in first.feeds)
    assert counts["articles"] > 4000
    assert again == {**counts, "fetch_log": counts["fetch_log"] + len(files)}
    assert not any("&amp;" in t or "&#" in t for group in titles.values() for t in group)
