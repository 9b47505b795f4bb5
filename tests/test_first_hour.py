"""Issue 16, "the first hour": what a new user met in their first hour with the monitor, each fixed.

a. `config check` validates the topics file the config names, with the topics loader's own validation;
b. common options work before or after the subcommand;
c. the file digest's default folder is beside the database (the container's volume); files get 0644;
g. hints that fit the error, counts in correct English, a failed feed's error printed once.

The demo's items (c, d, e, f, h) run the demo and are in tests/integration/test_demo_first_hour.py.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from monitor.cli import build_parser, main
from monitor.config import file_digest_dir, load_config
from monitor.errors import ConfigError
from monitor.match import load_topics
from monitor.plural import IRREGULAR, counted, plural
from tests.servers import LoopbackHTTPServer, Reply

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "config" / "topics.toml"
TYPO = (
    '{ term = "한미일 산업 장관 회의", weight = 2.0, standalone = true }',
    '{ term = "한미일 산업 장관 회의", wieght = 2.0, standalone = true }',
)


def _config(tmp_path: Path, body: str = "", *, topics: str | None = None) -> Path:
    if topics is not None:
        (tmp_path / "topics.toml").write_text(topics, encoding="utf-8")
    path = tmp_path / "monitor.toml"
    path.write_text('[storage]\npath = "m.db"\n' + body, encoding="utf-8")
    return path


def _misspelt_topics() -> str:
    text = TOPICS.read_text(encoding="utf-8")
    assert TYPO[0] in text  # the shipped file's first term table of [topics.frameworks]
    return text.replace(TYPO[0], TYPO[1], 1)


# --- a. config check validates the topics file ------------------------------------------------------------


def test_config_check_fails_on_an_unknown_key_in_a_term_table_naming_the_file_and_key(tmp_path, capsys):
    config = _config(
        tmp_path, '[[feeds]]\nname = "a"\nurl = "https://a.example/rss"\n', topics=_misspelt_topics()
    )
    assert main(["--config", str(config), "config", "check"]) == 1
    out = capsys.readouterr().out
    key = "topics.frameworks.terms[0].wieght: unknown key (did you mean 'weight'?)"
    assert f"error: matching.topics: {tmp_path / 'topics.toml'}: {key}" in out
    assert "config OK" not in out and "1 error, 0 warnings" in out
    assert main(["--config", str(config), "config", "check", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [(p["key"], p["severity"]) for p in report["problems"]] == [("matching.topics", "error")]


def test_config_check_and_the_topics_loader_report_the_same_problem(tmp_path, capsys):
    """One validation, two callers: what `config check` lists is what a poll would stop on."""
    _config(tmp_path, topics=_misspelt_topics())
    with pytest.raises(ConfigError) as loading:
        load_topics(tmp_path / "topics.toml")
    assert main(["--config", str(tmp_path / "monitor.toml"), "config", "check"]) == 1
    out = capsys.readouterr().out
    assert loading.value.problems and all(p in out for p in loading.value.problems)


def test_config_check_passes_the_shipped_topics_file(tmp_path, capsys):
    config = _config(
        tmp_path,
        '[[feeds]]\nname = "a"\nurl = "https://a.example/rss"\n',
        topics=TOPICS.read_text(encoding="utf-8"),
    )
    assert main(["--config", str(config), "config", "check"]) == 0
    assert "config OK: 1 feed (1 enabled)" in capsys.readouterr().out


# --- b. common options before or after the subcommand -------------------------------------------------------

COMMON = ("config", "verbose", "quiet", "log_format")


def _common(argv: list[str]) -> dict[str, object]:
    args = build_parser().parse_args(argv)
    return {k: getattr(args, k) for k in COMMON}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["-q", "status"], ["status", "-q"]),
        (["-q", "run"], ["run", "-q"]),
        (["-v", "poll", "--once"], ["poll", "--once", "-v"]),
        (["-vv", "poll"], ["poll", "-vv"]),
        (["--config", "x.toml", "run"], ["run", "--config", "x.toml"]),
        (["--log-format", "json", "stories"], ["stories", "--log-format", "json"]),
        (["-q", "config", "check"], ["config", "check", "-q"]),
        (["-q", "feeds", "check"], ["feeds", "check", "-q"]),
    ],
)
def test_a_common_option_means_the_same_before_or_after_the_command(before, after):
    nothing_given = {"config": None, "verbose": 0, "quiet": False, "log_format": "text"}
    assert _common(before) == _common(after) != nothing_given


def test_an_option_before_the_command_is_not_reset_by_the_commands_default():
    assert _common(["-q", "--config", "c.toml", "--log-format", "json", "-v", "status"]) == {
        "config": "c.toml",
        "verbose": 1,
        "quiet": True,
        "log_format": "json",
    }
    assert _common(["status"]) == {"config": None, "verbose": 0, "quiet": False, "log_format": "text"}
    # given on both sides, the one after the command wins (argparse's last-one-wins)
    assert _common(["--config", "a.toml", "status", "--config", "b.toml"])["config"] == "b.toml"


def test_json_before_the_command_is_the_commands_own_json(capsys):
    parser = build_parser()
    assert parser.parse_args(["status", "--json"]).json is True
    with pytest.raises(SystemExit):
        main(["--json", "demo"])  # demo has no JSON output: a usage error, not a silent ignore
    assert "`monitor demo` has no JSON output" in capsys.readouterr().err


def test_a_commands_own_option_of_a_common_name_is_kept():
    """`monitor backtest --config NEW.toml` names the new config (issue 13); before the command, the
    current one."""
    args = build_parser().parse_args(["--config", "now.toml", "backtest", "--config", "new.toml"])
    assert (args.config, args.new_config) == ("now.toml", "new.toml")


def test_status_quiet_after_the_command_runs(tmp_path, capsys):
    config = _config(
        tmp_path, '[[feeds]]\nname = "a"\nurl = "https://a.example/rss"\n[matching]\nenabled = false\n'
    )
    assert main(["status", "-q", "--config", str(config)]) == 0
    after = capsys.readouterr().out
    assert main(["-q", "--config", str(config), "status"]) == 0
    assert capsys.readouterr().out.split("\n")[:3] == after.split("\n")[:3] and "0 feeds, 0 failing" in after
    assert main(["--json", "--config", str(config), "status"]) == 0
    assert json.loads(capsys.readouterr().out)["database"] == str(tmp_path / "m.db")


# --- c. the file digest's folder and its files' mode -------------------------------------------------------


def test_the_default_digest_folder_is_beside_the_database(tmp_path):
    (tmp_path / "monitor.toml").write_text('[storage]\npath = "data/monitor.db"\n[delivery.file]\n')
    assert file_digest_dir(load_config(tmp_path / "monitor.toml")) == tmp_path / "data" / "digests"
    (tmp_path / "own.toml").write_text('[storage]\npath = "data/monitor.db"\n[delivery.file]\ndir = "out"\n')
    assert file_digest_dir(load_config(tmp_path / "own.toml")) == tmp_path / "out"


def test_the_shipped_config_puts_digests_on_the_data_volume():
    """The Dockerfile's volume is config/data; the service user may write nothing else under config/."""
    config = load_config(ROOT / "config" / "monitor.toml", env={})
    assert file_digest_dir(config) == ROOT / "config" / "data" / "digests"


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_digest_files_get_the_umasks_mode(tmp_path, umask, mode):
    from monitor.deliver import FileChannel
    from tests.test_deliver import digest

    old = os.umask(umask)
    try:
        receipt = FileChannel(tmp_path / "digests").send(digest())
    finally:
        os.umask(old)
    assert receipt.paths and all(Path(p).stat().st_mode & 0o777 == mode for p in receipt.paths)
    assert not list((tmp_path / "digests").glob(".*.tmp"))


# --- g. hints, counts, errors once ---------------------------------------------------------------


def test_plural_rules_with_their_examples():
    assert [counted(n, "feed") for n in (0, 1, 2)] == ["0 feeds", "1 feed", "2 feeds"]
    assert counted(1, "entry") == "1 entry" and counted(5, "entry") == "5 entries"
    assert counted(3, "story") == "3 stories" and counted(2, "day") == "2 days"  # vowel + y: just s
    assert counted(5, "new link") == "5 new links" and counted(1, "new article") == "1 new article"
    assert all(plural(noun) == plural_form for noun, plural_form in IRREGULAR.items())
    assert counted(2, "batch") == "2 batches"


def test_an_unknown_feed_name_lists_the_feeds_there_are(tmp_path, capsys):
    config = _config(
        tmp_path,
        '[matching]\nenabled = false\n[[feeds]]\nname = "연합뉴스 경제"\n'
        'url = "https://a.example/rss"\n[[feeds]]\nname = "b"\nurl = "https://b.example/rss"\n',
    )
    assert main(["--config", str(config), "poll", "--feed", "없는피드"]) == 2
    err = capsys.readouterr().err
    assert "--feed '없는피드': no feed of that name in the config" in err
    assert "hint: --feed takes a feed's name as written in the config: '연합뉴스 경제', 'b'" in err
    assert "fix the keys named above" not in err


def test_missing_seeds_say_where_they_were_looked_for(tmp_path, monkeypatch):
    from monitor import paths

    monkeypatch.setenv("MONITOR_SEEDS", str(tmp_path / "none"))
    monkeypatch.setattr(paths, "_PACKAGE_DATA", tmp_path / "pkg")
    monkeypatch.setattr(paths, "_PROJECT_ROOT", tmp_path)
    with pytest.raises(ConfigError) as info:
        paths.seeds_dir()
    assert str(tmp_path / "none") in str(info.value) and str(tmp_path / "pkg" / "seeds") in str(info.value)
    assert "MONITOR_SEEDS" in (info.value.hint or "") and "fix the keys" not in (info.value.hint or "")


def test_a_poll_where_every_feed_failed_prints_each_error_once(tmp_path, capsys):
    with LoopbackHTTPServer() as srv:
        srv.route("/a.xml", Reply(status=500, body=b"down"))
        srv.route("/b.xml", Reply(status=503, body=b"down"))
        config = _config(
            tmp_path,
            '[fetch]\nallow_private_networks = true\nbackoff_base = "1s"\n'
            "[matching]\nenabled = false\n"
            f'[[feeds]]\nname = "a"\nurl = "{srv.url("/a.xml")}"\n'
            f'[[feeds]]\nname = "b"\nurl = "{srv.url("/b.xml")}"\n',
        )
        assert main(["--config", str(config), "poll", "--once"]) == 0
    captured = capsys.readouterr()
    both = captured.out + captured.err
    for path in ("/a.xml", "/b.xml"):
        assert both.count(srv.url(path)) == 1, both
    assert "polled 2 feeds" in captured.out and "0 new articles" in captured.out
    logging.getLogger("monitor").handlers[:] = []  # main's stderr handler points at capsys' stream


def test_a_poll_of_one_feed_counts_in_the_singular(tmp_path, capsys):
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x/</link>'
        "<description>d</description><item><title>한미일 공급망 협력</title><link>{url}</link>"
        "<guid>g1</guid><description>한미일 3국이 공급망 협력을 논의했다.</description></item>"
        "</channel></rss>"
    )
    page = (
        "<html><body><article><p>"
        + "한미일 3국이 공급망 협력을 논의했다. " * 20
        + "</p></article></body></html>"
    )
    with LoopbackHTTPServer() as srv:
        srv.route(
            "/feed.xml",
            Reply(
                body=feed.format(url=srv.url("/n/1.html")).encode(),
                headers={"Content-Type": "application/rss+xml"},
            ),
        )
        srv.route(
            "/n/1.html", Reply(body=page.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
        )
        config = _config(
            tmp_path,
            '[fetch]\nallow_private_networks = true\nper_host_delay = "0s"\n'
            "[matching]\nenabled = false\n"
            f'[[feeds]]\nname = "a"\nurl = "{srv.url("/feed.xml")}"\n',
        )
        assert main(["--config", str(config), "poll"]) == 0
    out = capsys.readouterr().out
    assert "polled 1 feed in" in out and "1 new article stored" in out and "1 entry, 1 new" in out
    assert "links" not in out and "for stored articles" not in out  # the new article's own entry is no news
    logging.getLogger("monitor").handlers[:] = []


def test_entries_for_stored_articles_are_counted_apart_from_the_new_ones():
    from datetime import UTC, datetime

    from monitor.cli.ingest import _report_text
    from monitor.models import FeedReport, PollReport

    now = datetime(2026, 12, 8, tzinfo=UTC)
    report = PollReport(
        now, now, (FeedReport("a", "http://a/", "ok", entries=7, new_articles=5, new_sources=7),)
    )
    text = _report_text(report, "m.db")
    assert "7 entries, 5 new, 2 entries for stored articles" in text and "new links" not in text
