"""`monitor feeds check | add | import | export` through real loopback servers (issue 15, "Checked")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import check_config, load_config
from monitor.sources.check import STATE_FILE
from tests.integration.test_poll import RSS, rss, write_config
from tests.servers import LoopbackHTTPServer, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}


def fresh_items(n: int = 3, *, age: timedelta = timedelta(minutes=5)) -> list[dict]:
    now = datetime.now(UTC).replace(microsecond=0)
    return [
        {
            "title": f"공급망 점검 회의 {i}",
            "link": f"https://news.example/{i}",
            "guid": f"g{i}",
            "date": now - age - timedelta(minutes=i),
        }
        for i in range(n)
    ]


@pytest.fixture
def server():
    with LoopbackHTTPServer() as srv:
        yield srv


def run_json(capsys, *argv: str) -> tuple[int, list[dict]]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


# --- feeds check ------------------------------------------------------------------------------------


def test_check_reports_every_feed_and_flags_zombie_and_html(tmp_path, server, capsys):
    server.route("/ok.xml", Reply(body=rss(fresh_items()), headers={"Content-Type": RSS}))
    server.route(
        "/zombie.xml", Reply(body=rss(fresh_items(age=timedelta(days=200))), headers={"Content-Type": RSS})
    )
    server.route(
        "/site",
        Reply(
            body=(
                "<!doctype html><html><head><title>산업 뉴스</title>"
                "<link rel='alternate' type='application/rss+xml' title='전체' href='/rss/all.xml'>"
                "</head><body><p>기사 목록</p></body></html>"
            ).encode(),
            headers=HTML,
        ),
    )
    cfg = write_config(
        tmp_path,
        {"정상": server.url("/ok.xml"), "좀비": server.url("/zombie.xml"), "사이트": server.url("/site")},
    )
    code, checks = run_json(capsys, "--config", str(cfg), "feeds", "check", "--json")
    assert code == 1
    by_name = {c["feed"]: c for c in checks}
    assert set(by_name) == {"정상", "좀비", "사이트"}
    ok = by_name["정상"]
    assert ok["usable"] and ok["http_status"] == 200 and ok["items"] == 3 and ok["encoding"] == "utf-8"
    assert ok["content_type"].startswith("application/rss+xml") and ok["newest"] and ok["elapsed_s"] >= 0
    zombie = by_name["좀비"]
    assert not zombie["usable"] and zombie["problem"] == "zombie" and "days ago" in zombie["detail"]
    html = by_name["사이트"]
    assert html["problem"] == "html" and html["alternates"] == [server.url("/rss/all.xml")]
    assert html["fix"] == f'url = "{server.url("/rss/all.xml")}"'
    # Nothing was stored: no database was even created (the check keeps only its small state file).
    assert not (tmp_path / "data" / "monitor.db").exists()
    assert (tmp_path / "data" / STATE_FILE).exists()


def test_check_exits_0_when_every_enabled_feed_is_usable_and_text_names_them(tmp_path, server, capsys):
    server.route("/ok.xml", Reply(body=rss(fresh_items()), headers={"Content-Type": RSS}))
    cfg = write_config(tmp_path, {"정상": server.url("/ok.xml")})
    assert main(["--config", str(cfg), "feeds", "check"]) == 0
    out = capsys.readouterr().out
    assert "정상" in out and "1 of 1 feed usable" in out


def test_check_names_permanent_redirects_and_bad_answers(tmp_path, server, capsys):
    server.route("/new.xml", Reply(body=rss(fresh_items()), headers={"Content-Type": RSS}))
    server.route("/old.xml", Reply(status=301, headers={"Location": server.url("/new.xml")}))
    server.route("/moved-for-now", Reply(status=302, headers={"Location": server.url("/new.xml")}))
    server.route("/empty", Reply(body=b"", headers={"Content-Type": RSS}))
    server.route(
        "/login",
        Reply(
            body=(
                "<html><head><title>로그인</title></head><body><form>"
                "<input name=id><input type=password name=pw></form></body></html>"
            ).encode(),
            headers=HTML,
        ),
    )
    cfg = write_config(
        tmp_path,
        {
            "이전": server.url("/old.xml"),
            "임시": server.url("/moved-for-now"),
            "빈": server.url("/empty"),
            "로그인": server.url("/login"),
            "없음": server.url("/gone"),
        },
    )
    code, checks = run_json(capsys, "--config", str(cfg), "feeds", "check", "--json")
    assert code == 1
    by_name = {c["feed"]: c for c in checks}
    moved = by_name["이전"]
    assert moved["usable"] and moved["redirects"] == [{"status": 301, "url": server.url("/new.xml")}]
    assert moved["fix"].startswith(f'url = "{server.url("/new.xml")}"')
    assert (
        by_name["임시"]["usable"] and by_name["임시"]["fix"] is None
    )  # a 302 is not to be followed for good
    assert by_name["빈"]["problem"] == "empty" and server.url("/empty") in by_name["빈"]["detail"]
    assert by_name["로그인"]["problem"] == "login"
    gone = by_name["없음"]
    assert gone["problem"] == "unreachable" and gone["http_status"] == 404 and "feeds add" in gone["fix"]


def test_check_flags_a_feed_serving_the_same_items_for_days(tmp_path, server, capsys):
    # Undated items, so only the "same items as before" rule can tell.
    items = [{"title": "고정된 기사", "link": "https://news.example/1", "guid": "same-1"}]
    server.route("/static.xml", Reply(body=rss(items), headers={"Content-Type": RSS}))
    cfg = write_config(tmp_path, {"고정": server.url("/static.xml")})
    code, checks = run_json(capsys, "--config", str(cfg), "feeds", "check", "--json")
    assert code == 0 and checks[0]["usable"]  # first sight: nothing to compare with
    state_path = tmp_path / "data" / STATE_FILE
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state["feeds"]["고정"]["since"] = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    state_path.write_text(json.dumps(state), encoding="utf-8")
    code, checks = run_json(capsys, "--config", str(cfg), "feeds", "check", "--json")
    assert code == 1 and checks[0]["problem"] == "zombie" and "the same 1 items" in checks[0]["detail"]


def test_check_one_feed_and_unknown_name(tmp_path, server, capsys):
    server.route("/ok.xml", Reply(body=rss(fresh_items()), headers={"Content-Type": RSS}))
    cfg = write_config(tmp_path, {"정상": server.url("/ok.xml"), "없음": server.url("/gone")})
    code, checks = run_json(capsys, "--config", str(cfg), "feeds", "check", "--json", "--feed", "정상")
    assert code == 0 and [c["feed"] for c in checks] == ["정상"]
    assert main(["--config", str(cfg), "feeds", "check", "--feed", "누구"]) == 2
    err = capsys.readouterr().err
    assert "'누구'" in err and "Traceback" not in err


# --- feeds add --------------------------------------------------------------------------------------

CONFIG_WITH_COMMENTS = """\
# 내 설정: 이 주석은 남아야 한다
[storage]
path = "data/monitor.db"  # 옆 주석

[fetch]
allow_private_networks = true
per_host_delay = "0s"
connect_timeout = "2s"
read_timeout = "2s"
total_timeout = "5s"

# 첫 피드
[[feeds]]
name = "기존"
url = "{existing}"
tags = ["wire"]
"""


def test_add_discovers_the_feed_a_site_names_and_keeps_the_file(tmp_path, server, capsys):
    server.route(
        "/",
        Reply(
            body=(
                '<html><head><link rel="alternate" type="application/rss+xml" '
                'href="/rss/economy.xml"></head><body>홈</body></html>'
            ).encode(),
            headers=HTML,
        ),
    )
    server.route(
        "/rss/economy.xml", Reply(body=rss(fresh_items(), title="경제 뉴스"), headers={"Content-Type": RSS})
    )
    server.route("/existing.xml", Reply(body=rss(fresh_items()), headers={"Content-Type": RSS}))
    cfg = tmp_path / "monitor.toml"
    before = CONFIG_WITH_COMMENTS.format(existing=server.url("/existing.xml"))
    cfg.write_text(before, encoding="utf-8")
    assert main(["--config", str(cfg), "feeds", "add", server.url("/"), "--language", "ko"]) == 0
    assert "경제 뉴스" in capsys.readouterr().out
    after = cfg.read_text(encoding="utf-8")
    assert after.startswith(before)  # every comment and line as it was; the new entry after the last
    config = load_config(cfg)
    added = config.feeds[-1]
    assert (added.name, added.url, added.language) == ("경제 뉴스", server.url("/rss/economy.xml"), "ko")
    assert [p for p in check_config(cfg) if p.severity == "error"] == []


def test_add_finds_a_common_path_and_keeps_inline_tables(tmp_path, server, capsys):
    server.route(
        "/", Reply(body=b"<html><head><title>no feed named</title></head><body>x</body></html>", headers=HTML)
    )
    server.route("/rss", Reply(body=rss(fresh_items(), title="사이트 RSS"), headers={"Content-Type": RSS}))
    cfg = tmp_path / "monitor.toml"
    cfg.write_text(
        f'feeds = [{{ name = "인라인", url = "{server.url("/other.xml")}" }}]  # inline\n'
        '[storage]\npath = "data/monitor.db"\n[fetch]\nallow_private_networks = true\n',
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), "feeds", "add", server.url("/"), "--name", "새 피드"]) == 0
    text = cfg.read_text(encoding="utf-8")
    assert '{ name = "인라인"' in text and "# inline" in text and "[[feeds]]" not in text
    assert [f.name for f in load_config(cfg).feeds] == ["인라인", "새 피드"]


def test_add_refuses_what_is_not_a_feed_and_leaves_the_file_untouched(tmp_path, server, capsys):
    server.route("/", Reply(body=b"<html><body>nothing here</body></html>", headers=HTML))
    server.route("/existing.xml", Reply(body=rss(fresh_items()), headers={"Content-Type": RSS}))
    cfg = tmp_path / "monitor.toml"
    before = CONFIG_WITH_COMMENTS.format(existing=server.url("/existing.xml"))
    cfg.write_text(before, encoding="utf-8")
    assert main(["--config", str(cfg), "feeds", "add", server.url("/")]) == 2
    err = capsys.readouterr().err
    assert "no usable feed found" in err and server.url("/") in err and "Traceback" not in err
    assert main(["--config", str(cfg), "feeds", "add", server.url("/existing.xml")]) == 2
    assert "already configured as feed '기존'" in capsys.readouterr().err
    assert cfg.read_text(encoding="utf-8") == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- feeds import / export --------------------------------------------------------------------------


def opml(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n<head><title>구독</title></head>\n'
        f"<body>\n{body}\n</body>\n</opml>\n"
    )


def test_import_three_feeds_then_config_check_and_export_round_trip(tmp_path, server, capsys):
    cfg = write_config(tmp_path, {})
    subs = tmp_path / "subs.opml"
    subs.write_text(
        opml(
            '<outline text="뉴스">\n'
            '  <outline text="경제">\n'
            f'    <outline type="rss" text="경제 A" xmlUrl="{server.url("/a.xml")}"/>\n'
            "  </outline>\n"
            f'  <outline type="rss" text="English desk" xmlUrl="{server.url("/b.xml")}" language="en"/>\n'
            "</outline>\n"
            f'<outline type="rss" title="정부 C" text="c" xmlUrl="{server.url("/c.xml")}"/>'
        ),
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), "feeds", "import", str(subs)]) == 0
    assert "imported 3 feeds" in capsys.readouterr().out
    assert [p for p in check_config(cfg) if p.severity == "error"] == []
    feeds = load_config(cfg).feeds
    assert [(f.name, f.tags, f.language) for f in feeds] == [
        ("경제 A", ("뉴스", "경제"), None),
        ("English desk", ("뉴스",), "en"),
        ("정부 C", (), None),
    ]
    assert main(["--config", str(cfg), "feeds", "export", "-o", str(tmp_path / "out.opml")]) == 0
    capsys.readouterr()
    # Back in an empty config, the export gives the same feeds.
    other = tmp_path / "other"
    other.mkdir()
    cfg2 = write_config(other, {})
    assert main(["--config", str(cfg2), "feeds", "import", str(tmp_path / "out.opml")]) == 0
    again = load_config(cfg2).feeds
    assert [(f.name, f.url, f.language, f.tags) for f in again] == [
        (f.name, f.url, f.language, f.tags) for f in feeds
    ]


def test_import_skips_duplicates_and_non_http_naming_lines(tmp_path, server, capsys):
    cfg = write_config(tmp_path, {"기존": server.url("/a.xml")})
    subs = tmp_path / "subs.opml"
    subs.write_text(
        opml(
            f'<outline type="rss" text="중복" xmlUrl="{server.url("/a.xml")}"/>\n'
            '<outline type="rss" text="ftp" xmlUrl="ftp://files.example/feed.xml"/>\n'
            f'<outline type="rss" text="새" xmlUrl="{server.url("/n.xml")}"/>\n'
            f'<outline type="rss" text="새" xmlUrl="{server.url("/n.xml")}"/>'
        ),
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), "feeds", "import", str(subs)]) == 0
    captured = capsys.readouterr()
    assert "imported 1 feed" in captured.out
    assert f"{subs}:5: {server.url('/a.xml')} is already configured as feed '기존'" in captured.err
    assert f"{subs}:6: 'ftp://files.example/feed.xml' is not an http(s) URL" in captured.err
    assert (
        f"{subs}:8: {server.url('/n.xml')} is already configured as feed '새'" in captured.err
    )  # the repeat inside the file
    assert [f.name for f in load_config(cfg).feeds] == ["기존", "새"]


def test_import_of_broken_xml_names_the_line_and_changes_nothing(tmp_path, capsys):
    cfg = write_config(tmp_path, {})
    before = cfg.read_text(encoding="utf-8")
    broken = tmp_path / "broken.opml"
    broken.write_text(
        '<?xml version="1.0" encoding="UTF-8"\n<opml version="2.0"><body>\n'
        '<outline text="a" xmlUrl="https://a.example/rss">\n</body></opml>\n',
        encoding="utf-8",
    )
    assert main(["--config", str(cfg), "feeds", "import", str(broken)]) == 2
    err = capsys.readouterr().err
    # lxml names the line where it saw the declaration was not closed
    assert (
        f"{broken}:2:" in err
        and "not well-formed" in err
        and "'?>' expected" in err
        and "Traceback" not in err
    )
    unclosed = tmp_path / "unclosed.opml"
    unclosed.write_text(opml('<outline text="a" xmlUrl="https://a.example/rss">'), encoding="utf-8")
    assert main(["--config", str(cfg), "feeds", "import", str(unclosed)]) == 2
    assert f"{unclosed}:6:" in capsys.readouterr().err
    assert cfg.read_text(encoding="utf-8") == before


SHIPPED = Path(__file__).resolve().parents[2] / "config" / "monitor.toml"


def test_the_shipped_list_round_trips_through_opml(tmp_path, capsys):
    out = tmp_path / "shipped.opml"
    assert main(["--config", str(SHIPPED), "feeds", "export", "-o", str(out)]) == 0
    cfg = write_config(tmp_path, {})
    assert main(["--config", str(cfg), "feeds", "import", str(out)]) == 0
    capsys.readouterr()
    shipped = load_config(SHIPPED, env={}).feeds
    again = load_config(cfg).feeds
    assert {(f.name, f.url, f.language, f.tags) for f in again} == {
        (f.name, f.url, f.language, f.tags) for f in shipped
    }
    assert [p for p in check_config(cfg) if p.severity == "error"] == []


def test_the_shipped_english_outlets_declare_their_language():
    feeds = load_config(SHIPPED, env={}).feeds
    english = [f for f in feeds if "english" in f.tags]
    assert len(english) >= 8 and all(f.language == "en" for f in english)


def test_add_keeps_a_permanent_redirects_target_but_not_a_temporary_ones(tmp_path, server, capsys):
    server.route("/new.xml", Reply(body=rss(fresh_items(), title="옮긴 피드"), headers={"Content-Type": RSS}))
    server.route("/old.xml", Reply(status=308, headers={"Location": server.url("/new.xml")}))
    server.route("/alias.xml", Reply(status=302, headers={"Location": server.url("/new.xml")}))
    cfg = write_config(tmp_path, {})
    assert main(["--config", str(cfg), "feeds", "add", server.url("/old.xml"), "--name", "a"]) == 0
    assert main(["--config", str(cfg), "feeds", "add", server.url("/alias.xml"), "--name", "b"]) == 0
    # 308: the feed moved for good, the config names where; 302: the alias is the feed's address.
    assert [f.url for f in load_config(cfg).feeds] == [server.url("/new.xml"), server.url("/alias.xml")]


def test_feeds_without_an_action_prints_help(capsys):
    assert main(["feeds"]) == 2
    assert "check" in capsys.readouterr().out
