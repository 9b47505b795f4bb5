"""The whole ingest path through a real HTTP server on loopback: feeds, pages, faults, storage."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.pipeline import load_configured_matcher, run_poll
from monitor.store import Store
from tests.conftest import kept_logs
from tests.servers import LoopbackHTTPServer, Reply, closed_port

RSS = "application/rss+xml; charset=utf-8"


def rss(items: list[dict], *, encoding: str = "utf-8", title: str = "테스트 피드") -> bytes:
    body = []
    for it in items:
        parts = [f"<title>{it['title']}</title>"]
        if it.get("link"):
            parts.append(f"<link>{it['link']}</link>")
        if it.get("guid"):
            parts.append(f'<guid isPermaLink="false">{it["guid"]}</guid>')
        if it.get("date"):
            parts.append(f"<pubDate>{format_datetime(it['date'])}</pubDate>")
        parts.append(f"<description>{it.get('summary', '요약입니다.')}</description>")
        body.append("<item>" + "".join(parts) + "</item>")
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.org/</link>{''.join(body)}</channel></rss>"
    )
    return doc.encode(encoding if encoding != "euc-kr" else "cp949")


def page(title: str, paragraphs: list[str]) -> bytes:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html lang='ko'><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<nav><a href='/'>홈</a><a href='/e'>경제</a></nav>"
        f"<article><h1>{title}</h1>{ps}</article>"
        "<aside><h3>주요 뉴스</h3><ul><li><a href='/x'>다른 기사 제목 하나</a></li></ul></aside>"
        "<footer>무단전재 및 재배포 금지</footer></body></html>"
    ).encode()


BODY = [
    "한미일 3국이 반도체와 배터리 공급망 협력을 강화하기로 했다. 3국 장관은 공동 선언문을 채택했다.",
    "이번 회의는 핵심광물 공동투자와 수출통제 공조 방안도 논의했다고 산업통상자원부가 밝혔다.",
    "정부는 후속 실무 협의를 이어가고, 내년 회의에서 이행 상황을 점검하기로 했다.",
]


def write_config(tmp_path: Path, feeds: dict[str, str], *, private: bool = True, extra: str = "") -> Path:
    lines = [
        '[storage]\npath = "data/monitor.db"\n',
        "[fetch]",
        f"allow_private_networks = {'true' if private else 'false'}",
        'per_host_delay = "0s"',
        "per_host_concurrency = 4",
        'connect_timeout = "2s"',
        'read_timeout = "2s"',
        'total_timeout = "5s"',
        'backoff_base = "60s"',
        extra,
        "",
    ]
    for name, url in feeds.items():
        lines += ["[[feeds]]", f'name = "{name}"', f'url = "{url}"', ""]
    path = tmp_path / "monitor.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def server():
    with LoopbackHTTPServer() as srv:
        yield srv


def etag_feed(body: bytes, etag: str = '"v1"'):
    def handler(req):
        if req.headers.get("If-None-Match") == etag:
            return Reply(status=304, headers={"ETag": etag})
        return Reply(body=body, headers={"Content-Type": RSS, "ETag": etag})

    return handler


def poll(path: Path, **kw):
    config = load_config(path)
    with Store.open(config.storage.path) as store:
        return run_poll(config, store, **kw), store.counts()


def db(path: Path) -> Store:
    return Store.open(load_config(path).storage.path)


def test_poll_stores_page_text_and_second_poll_adds_nothing(tmp_path, server):
    now = datetime.now(UTC)
    server.route(
        "/a1", Reply(body=page("한미일 공급망 협력 강화", BODY), headers={"Content-Type": "text/html"})
    )
    server.route("/a2", Reply(body=page("두 번째 기사", BODY[::-1]), headers={"Content-Type": "text/html"}))
    items = [
        {"title": "한미일 공급망 협력 강화", "link": server.url("/a1"), "guid": "g1", "date": now},
        {"title": "두 번째 기사", "link": server.url("/a2"), "guid": "g2", "date": now},
    ]
    server.route("/feed", etag_feed(rss(items)))
    cfg = write_config(tmp_path, {"피드": server.url("/feed")})

    report, counts = poll(cfg)
    assert report.feeds[0].status == "ok" and report.feeds[0].new_articles == 2
    assert counts["articles"] == 2 and counts["article_sources"] == 2
    with db(cfg) as store:
        row = store.article(server.url("/a1"))
    assert row["text_source"] == "page"
    assert "핵심광물 공동투자" in row["text"]
    assert "주요 뉴스" not in row["text"] and "무단전재" not in row["text"]

    report2, counts2 = poll(cfg)
    assert report2.feeds[0].status == "not_modified"
    assert server.requests[-1].headers.get("If-None-Match") == '"v1"'
    assert {k: counts2[k] for k in ("articles", "article_sources")} == {"articles": 2, "article_sources": 2}
    assert server.hits("/a1") == 1  # pages are not fetched again


def test_unchanged_feed_without_validators_adds_nothing(tmp_path, server):
    items = [{"title": "기사", "link": server.url("/a1"), "guid": "g1"}]
    server.route("/a1", Reply(body=page("기사", BODY), headers={"Content-Type": "text/html"}))
    server.route("/feed", Reply(body=rss(items), headers={"Content-Type": RSS}))
    cfg = write_config(tmp_path, {"피드": server.url("/feed")})
    poll(cfg)
    report, counts = poll(cfg)
    assert report.feeds[0].status == "ok" and report.feeds[0].new_articles == 0
    assert counts["articles"] == 1 and counts["article_sources"] == 1
    assert server.hits("/a1") == 1


def test_same_article_in_two_feeds_is_one_row(tmp_path, server):
    server.route("/a1", Reply(body=page("기사", BODY), headers={"Content-Type": "text/html"}))
    server.route(
        "/f1",
        Reply(
            body=rss([{"title": "기사", "link": server.url("/a1"), "guid": "x"}]),
            headers={"Content-Type": RSS},
        ),
    )
    server.route(
        "/f2",
        Reply(
            body=rss([{"title": "기사", "link": server.url("/a1?utm_source=rss"), "guid": "y"}]),
            headers={"Content-Type": RSS},
        ),
    )
    cfg = write_config(tmp_path, {"첫째": server.url("/f1"), "둘째": server.url("/f2")})
    _, counts = poll(cfg)
    assert counts["articles"] == 1 and counts["article_sources"] == 2


def test_one_broken_feed_does_not_stop_the_others_and_loses_nothing(tmp_path, server):
    server.route("/a1", Reply(body=page("기사", BODY), headers={"Content-Type": "text/html"}))
    good = rss([{"title": "기사", "link": server.url("/a1"), "guid": "g"}])
    state = {"broken": False}
    server.route("/good", Reply(body=good, headers={"Content-Type": RSS}))
    server.route(
        "/flaky",
        lambda req: (
            Reply(status=500, body=b"oops")
            if state["broken"]
            else Reply(body=good, headers={"Content-Type": RSS})
        ),
    )
    server.route(
        "/html", Reply(body=b"<html><body>not a feed</body></html>", headers={"Content-Type": "text/html"})
    )
    cfg = write_config(
        tmp_path,
        {
            "good": server.url("/good"),
            "flaky": server.url("/flaky"),
            "html": server.url("/html"),
            "refused": f"http://127.0.0.1:{closed_port()}/feed",
        },
    )
    report, counts = poll(cfg)
    by = {r.feed: r for r in report.feeds}
    assert by["good"].status == "ok" and by["flaky"].status == "ok"
    assert by["html"].status == "error" and by["html"].error_kind == "parse"
    assert by["html"].error == f"not a feed: looks like an HTML page ({server.url('/html')})"
    assert by["refused"].status == "error" and by["refused"].error_kind == "connect"
    with db(cfg) as store:
        before = store.db.execute("SELECT id, url, title, text, content_hash FROM articles").fetchall()

    state["broken"] = True
    report2, counts2 = poll(cfg, force=True)
    by2 = {r.feed: r for r in report2.feeds}
    assert by2["flaky"].status == "error" and by2["flaky"].http_status == 500
    with db(cfg) as store:
        after = store.db.execute("SELECT id, url, title, text, content_hash FROM articles").fetchall()
        health = {r["name"]: r for r in store.feed_health()}
    assert after == before
    assert health["flaky"]["consecutive_failures"] == 1 and "500" in health["flaky"]["last_error"]
    assert health["refused"]["consecutive_failures"] == 2
    assert health["good"]["consecutive_failures"] == 0


def test_failing_feed_is_deferred_until_its_backoff_then_forced(tmp_path, server):
    server.route("/limited", Reply(status=429, headers={"Retry-After": "3600"}))
    cfg = write_config(tmp_path, {"limited": server.url("/limited")})
    report, _ = poll(cfg)
    r = report.feeds[0]
    assert r.status == "error" and r.error_kind == "rate_limited"
    assert r.next_attempt >= datetime.now(UTC) + timedelta(minutes=59)
    report2, _ = poll(cfg)
    assert report2.feeds[0].status == "deferred"
    assert server.hits("/limited") == 1
    report3, _ = poll(cfg, force=True)
    assert report3.feeds[0].status == "error" and server.hits("/limited") == 2


def test_mislabelled_cp949_feed_stores_correct_hangul(tmp_path, server):
    # 똠 and 햏 exist in CP949 but not in EUC-KR: a strict EUC-KR decode of this feed fails.
    items = [{"title": "똠양꿍 가게와 햏자의 공급망 이야기", "link": server.url("/a1"), "guid": "g1"}]
    server.route(
        "/feed",
        Reply(
            body=rss(items, encoding="euc-kr"),
            headers={"Content-Type": "application/rss+xml; charset=euc-kr"},
        ),
    )
    server.route("/a1", Reply(body=page("똠양꿍", BODY), headers={"Content-Type": "text/html"}))
    cfg = write_config(tmp_path, {"cp949": server.url("/feed")})
    report, _ = poll(cfg)
    assert report.feeds[0].status == "ok"
    with db(cfg) as store:
        title = store.db.execute("SELECT title FROM articles").fetchone()[0]
    assert title == "똠양꿍 가게와 햏자의 공급망 이야기"


def test_private_article_links_are_refused_but_summary_kept(tmp_path, server):
    items = [
        {"title": "내부망 링크", "link": server.url("/a1"), "guid": "g1", "summary": "요약 본문"},
        {
            "title": "메타데이터 서버",
            "link": "http://169.254.169.254/latest/meta-data/",
            "guid": "g2",
            "summary": "두 번째 요약",
        },
    ]
    server.route("/a1", Reply(body=page("내부", BODY), headers={"Content-Type": "text/html"}))
    server.route("/feed", Reply(body=rss(items), headers={"Content-Type": RSS}))
    cfg = write_config(tmp_path, {"feed": server.url("/feed")}, private=False)
    report, counts = poll(cfg)
    assert report.feeds[0].status == "ok"  # the configured feed URL on loopback is trusted
    assert report.feeds[0].articles_failed == 2
    assert server.hits("/a1") == 0
    with db(cfg) as store:
        rows = store.db.execute(
            "SELECT title, text, text_source, extract_note FROM articles ORDER BY id"
        ).fetchall()
    assert rows[0][1:3] == ("요약 본문", "summary") and rows[0][3].startswith("blocked")
    assert "169.254.169.254" in rows[1][3]


def test_entries_without_links_dates_and_with_duplicates_or_future_dates(tmp_path, server):
    future = datetime.now(UTC) + timedelta(days=30)
    items = [
        {"title": "링크 없는 항목", "guid": "nolink", "summary": "링크가 없다"},
        {"title": "날짜 없는 항목", "link": server.url("/a2"), "guid": "nodate"},
        {"title": "미래 날짜", "link": server.url("/a3"), "guid": "future", "date": future},
        {"title": "중복 GUID 첫째", "link": server.url("/a4"), "guid": "dup"},
        {"title": "중복 GUID 둘째", "link": server.url("/a5"), "guid": "dup"},
    ]
    for p in ("/a2", "/a3", "/a4", "/a5"):
        server.route(p, Reply(body=page("기사", BODY), headers={"Content-Type": "text/html"}))
    server.route("/feed", Reply(body=rss(items), headers={"Content-Type": RSS}))
    cfg = write_config(tmp_path, {"feed": server.url("/feed")})
    report, counts = poll(cfg)
    assert report.feeds[0].status == "ok"
    with db(cfg) as store:
        rows = {r[0]: r for r in store.db.execute("SELECT title, url, published_at, text FROM articles")}
    assert (
        rows["링크 없는 항목"][1].startswith("urn:monitor:feed:")
        and rows["링크 없는 항목"][3] == "링크가 없다"
    )
    assert rows["날짜 없는 항목"][2] is None
    assert datetime.fromisoformat(rows["미래 날짜"][2]) < datetime.now(UTC) + timedelta(hours=2)
    assert "중복 GUID 둘째" not in rows  # the first entry with a GUID wins
    _, again = poll(cfg)
    assert again["articles"] == counts["articles"]


def test_edited_entry_updates_the_article(tmp_path, server):
    state = {"title": "첫 제목"}
    server.route(
        "/a1", lambda req: Reply(body=page(state["title"], BODY), headers={"Content-Type": "text/html"})
    )
    server.route(
        "/feed",
        lambda req: Reply(
            body=rss([{"title": state["title"], "link": server.url("/a1"), "guid": "g"}]),
            headers={"Content-Type": RSS},
        ),
    )
    cfg = write_config(tmp_path, {"feed": server.url("/feed")})
    poll(cfg)
    state["title"] = "[종합] 고친 제목"
    report, counts = poll(cfg)
    assert report.feeds[0].updated_articles == 1 and counts["articles"] == 1
    assert counts["article_revisions"] == 1


def test_cli_poll_status_search(tmp_path, server, capsys):
    server.route(
        "/a1", Reply(body=page("한미일 공급망 협력 강화", BODY), headers={"Content-Type": "text/html"})
    )
    server.route(
        "/feed",
        Reply(
            body=rss([{"title": "한미일 공급망 협력 강화", "link": server.url("/a1"), "guid": "g"}]),
            headers={"Content-Type": RSS},
        ),
    )
    cfg = write_config(tmp_path, {"좋은 피드": server.url("/feed"), "나쁜 피드": server.url("/missing")})

    assert main(["--config", str(cfg), "poll", "--once", "--json"]) == 0  # ran, though one feed failed
    out = json.loads(capsys.readouterr().out)
    by = {f["feed"]: f for f in out["feeds"]}
    assert by["좋은 피드"]["new_articles"] == 1 and by["나쁜 피드"]["http_status"] == 404

    assert main(["--config", str(cfg), "status"]) == 0
    text = capsys.readouterr().out
    assert "나쁜 피드" in text and "FAILING ×1" in text and "404" in text

    assert main(["--config", str(cfg), "status", "--json"]) == 0
    feeds = {f["name"]: f for f in json.loads(capsys.readouterr().out)["feeds"]}
    assert feeds["좋은 피드"]["entries_24h"] == 1 and feeds["나쁜 피드"]["consecutive_failures"] == 1

    assert main(["--config", str(cfg), "search", "공급망"]) == 0
    assert "한미일 공급망 협력 강화" in capsys.readouterr().out


def test_cli_config_error_exits_2_and_names_the_key(tmp_path, capsys):
    cfg = tmp_path / "monitor.toml"
    cfg.write_text('[[feeds]]\nname = "x"\nurl = "ftp://nope"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "poll", "--once"]) == 2
    assert "feeds[0]" in capsys.readouterr().err


def test_poll_matches_new_articles_and_stores_the_evidence(tmp_path, server):
    topics = Path(__file__).resolve().parents[2] / "config" / "topics.toml"
    server.route(
        "/a1",
        Reply(
            body=page("한미일 산업장관회의, 반도체 공급망 협력 강화", BODY),
            headers={"Content-Type": "text/html"},
        ),
    )
    server.route(
        "/a2",
        Reply(
            body=page("한미약품 주가 급등", ["한미약품 주가가 신약 기대감에 올랐다. " * 4]),
            headers={"Content-Type": "text/html"},
        ),
    )
    items = [
        {"title": "한미일 산업장관회의, 반도체 공급망 협력 강화", "link": server.url("/a1"), "guid": "1"},
        {"title": "한미약품 주가 급등", "link": server.url("/a2"), "guid": "2"},
    ]
    server.route("/feed", Reply(body=rss(items), headers={"Content-Type": RSS}))
    cfg = write_config(
        tmp_path, {"feed": server.url("/feed")}, extra=f'\n[matching]\ntopics = "{topics.as_posix()}"'
    )
    _, counts = poll(cfg)
    assert counts["matches"] == 2
    with db(cfg) as store:
        rows = dict(
            store.db.execute(
                "SELECT a.title, m.relevant FROM matches m JOIN articles a ON a.id = m.article_id"
            ).fetchall()
        )
        relevant = store.db.execute("SELECT title, topics, reason FROM v_relevant_articles").fetchall()
        evidence = json.loads(store.stored_match(1)["evidence"])
    assert rows == {"한미일 산업장관회의, 반도체 공급망 협력 강화": 1, "한미약품 주가 급등": 0}
    assert [r[0] for r in relevant] == ["한미일 산업장관회의, 반도체 공급망 협력 강화"]
    assert any(h["in_title"] and h["snippet"] for h in evidence["hits"])


def test_an_edited_topics_file_takes_effect_at_the_next_poll(tmp_path, server):
    """The matcher is kept between polls (a service polls every few seconds) but never outlives an edit."""
    topics = tmp_path / "topics.toml"
    base = (Path(__file__).resolve().parents[2] / "config" / "topics.toml").read_text(encoding="utf-8")
    topics.write_text(base, encoding="utf-8")
    first = {"title": "가나다라 해협 협정 서명", "link": server.url("/a1"), "guid": "1"}
    server.route("/feed", Reply(body=rss([first]), headers={"Content-Type": RSS}))
    cfg = write_config(
        tmp_path,
        {"feed": server.url("/feed")},
        extra=f'\n[matching]\ntopics = "{topics.as_posix()}"\n[stories]\nenabled = false',
    )
    poll(cfg)
    kept = load_configured_matcher(load_config(cfg))
    assert kept is load_configured_matcher(load_config(cfg))  # not rebuilt while the file is unchanged
    # The analyst adds a topic for the new strait agreement; the service is not restarted.
    topics.write_text(
        base + '\n[topics.strait]\nlabel = "해협 협정"\n'
        'terms = [{ term = "가나다라 해협", weight = 2.0, standalone = true }]\n',
        encoding="utf-8",
    )
    second = {"title": "가나다라 해협 협정 발효", "link": server.url("/a2"), "guid": "2"}
    server.route("/feed", Reply(body=rss([second, first]), headers={"Content-Type": RSS}))
    poll(cfg)
    assert load_configured_matcher(load_config(cfg)) is not kept
    with db(cfg) as store:
        rows = dict(
            store.db.execute(
                "SELECT a.title, m.relevant FROM matches m JOIN articles a ON a.id = m.article_id"
            ).fetchall()
        )
    # The first was matched under the old topics and stays as it was; the second under the edited file.
    assert rows == {"가나다라 해협 협정 서명": 0, "가나다라 해협 협정 발효": 1}


def test_a_missing_topics_file_is_reported_once_and_matching_resumes_when_it_appears(tmp_path, server):
    """A service polls every few seconds: the warning comes once per process, not at every poll."""
    topics = tmp_path / "later-topics.toml"
    item = {"title": "가나다라 해협 협정 서명", "link": server.url("/a1"), "guid": "1"}
    server.route("/feed", Reply(body=rss([item]), headers={"Content-Type": RSS}))
    cfg = write_config(
        tmp_path,
        {"feed": server.url("/feed")},
        extra=f'\n[matching]\ntopics = "{topics.as_posix()}"\n[stories]\nenabled = false',
    )
    with kept_logs("monitor.pipeline", level=logging.WARNING) as records:
        for _ in range(3):
            assert load_configured_matcher(load_config(cfg)) is None
        warned = [r.getMessage() for r in records if "no topics file" in r.getMessage()]
        assert warned == [
            f"no topics file at {topics} (matching.topics): articles are stored unmatched until it exists"
        ]
        poll(cfg)  # stored, unmatched: nothing lost while the file is missing
        topics.write_text(
            (Path(__file__).resolve().parents[2] / "config" / "topics.toml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
        assert load_configured_matcher(load_config(cfg)) is not None
        topics.unlink()  # gone again: said again
        assert load_configured_matcher(load_config(cfg)) is None
        assert sum("no topics file" in r.getMessage() for r in records) == 2
    with db(cfg) as store:
        assert store.counts()["articles"] == 1
