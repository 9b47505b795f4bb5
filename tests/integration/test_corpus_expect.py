"""feedparser's test files served with their declared headers, checked against their ``Expect:`` lines.

Only the parts of each expression about title, link and encoding apply (tests/corpus_expect.py maps them
to stored fields). Every disagreement must fall in a category we understand and have documented in
README.md ("Reliability"); a new kind of disagreement, or fewer agreements, fails the test.
"""

from __future__ import annotations

import collections

import pytest

from monitor.config import load_config
from monitor.pipeline import run_poll
from monitor.store import Store
from tests.conftest import corpus_path
from tests.corpus_expect import Stored, check, check_corpus
from tests.corpus_feeds import corpus_config, corpus_files, serve_corpus
from tests.servers import LoopbackHTTPServer

#: Categories of disagreement explained in README.md, with the most of each we accept.
EXPLAINED = {
    "encoding: feedparser's RFC 3023 us-ascii default": 10,
    "encoding: the same charset family (superset label)": 4,
    "entry link: differs": 5,  # Atom <link> without href, Content-Location as base
    "feed link: differs": 2,  # Content-Location as base
    "feed not stored (parse)": 3,  # JSON Feed and CDF
    "entry not stored": 2,  # entries with a repeated id are stored once
    "feed title: text differs": 3,  # HTML5 comment/object parsing vs feedparser's sanitizer
    "entry title: text differs": 2,
}


def test_expect_interpreter_never_evaluates_code() -> None:
    stored = Stored("ok", None, "제목", "http://x.kr/", "utf-8", [("기사", "http://x.kr/1", False)])
    for expr in (
        "__import__('os').system('false')",
        "feed.__class__",
        "open('/etc/passwd')",
        "[c for c in ()]",
        "(lambda: 1)()",
        "_touched",
    ):
        assert check(expr, stored, "http://127.0.0.1:1").outcome == "n/a"
    assert check("not bozo and feed['title'] == '제목'", stored, "").outcome == "agree"
    assert check("feed.title == '<b>제목</b>'", stored, "").outcome == "agree as plain text"
    assert check("encoding == 'UTF-8' and entries[0].link == 'http://x.kr/1'", stored, "").outcome == "agree"
    wrong = check("entries[0]['title'] == 'other'", stored, "")
    assert (wrong.outcome, wrong.category) == ("disagree", "entry title: text differs")
    assert check("entries[3]['title'] == 'x'", stored, "").category == "entry not stored"
    assert check("feed['description'] == ''", stored, "").outcome == "n/a"


@pytest.mark.corpus
@pytest.mark.slow
def test_feedparser_expectations_agree_or_are_explained(tmp_path) -> None:
    root = corpus_path("feeds")
    files = [p for p in corpus_files(root) if "feedparser-tests" in p.as_posix()]
    with LoopbackHTTPServer() as server:
        feeds = serve_corpus(server, root, files)
        config = load_config(corpus_config(tmp_path / "monitor.toml", feeds))
        with Store.open(config.storage.path) as store:
            report = run_poll(config, store)
            verdicts = check_corpus(store, root, files, server.url("").rstrip("/"))
    assert not [r.feed for r in report.feeds if r.error_kind == "bug"]
    outcomes = collections.Counter(v.outcome for v in verdicts.values())
    applicable = sum(n for outcome, n in outcomes.items() if outcome != "n/a")
    assert len(verdicts) > 2000 and applicable > 500
    assert outcomes["agree"] + outcomes["agree as plain text"] >= applicable - sum(EXPLAINED.values())
    categories = collections.Counter(v.category for v in verdicts.values() if v.outcome == "disagree")
    unexplained = {c: n for c, n in categories.items() if n > EXPLAINED.get(c, 0)}
    assert not unexplained, [(k, v.detail) for k, v in verdicts.items() if v.category in unexplained]
