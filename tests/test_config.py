"""monitor.config: the shipped file, every kind of problem with its key path, units, secrets, the CLI."""

from __future__ import annotations

import dataclasses
import json
import textwrap
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

import monitor.cli
from monitor.config import (
    Field,
    Problem,
    Rule,
    check_config,
    env_field,
    inspect_config,
    load_config,
    parse_duration,
    parse_size,
    register_section,
    resolve_config_path,
    secret_from_env,
)
from monitor.config import schema as config
from monitor.errors import ConfigError
from monitor.models import FetchSettings

#: Every branch registers its own sections; the "unknown section" message lists them all.
KNOWN_SECTIONS = ", ".join(sorted({name.split(".")[0] for name in config._SECTIONS}))

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "config" / "monitor.toml"

FEED = """
[[feeds]]
name = "연합뉴스 경제"
url = "https://www.yna.co.kr/rss/economy.xml"
"""


TOPICS_FILE = Path(__file__).resolve().parent.parent / "config" / "topics.toml"


def write(tmp_path: Path, text: str, name: str = "monitor.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    # matching.topics defaults to topics.toml beside the config; a missing one is a warning of its own
    # (test_a_missing_topics_file_is_a_warning_naming_its_key), not what the other tests are about.
    # `config check` also validates it (issue 13), so it is the project's own, valid, file.
    (tmp_path / "topics.toml").write_bytes(TOPICS_FILE.read_bytes())
    return path


def problems_in(tmp_path: Path, text: str) -> list[str]:
    return [str(p) for p in check_config(write(tmp_path, text), env={})]


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections a test registers vanish after it; the digest sections (issue 5) are out while it runs, so a
    test can register its own."""
    own = {k: v for k, v in config._SECTIONS.items() if k != "digest" and not k.startswith("delivery.")}
    monkeypatch.setattr(config, "_SECTIONS", own)


# --------------------------------------------------------------------------------------------------
# The shipped config
# --------------------------------------------------------------------------------------------------


def test_shipped_config_loads_without_any_problem() -> None:
    assert check_config(SHIPPED, env={}) == []
    cfg = load_config(SHIPPED, env={})
    assert cfg.path == SHIPPED and cfg.base_dir == SHIPPED.parent
    assert cfg.storage.path == str(SHIPPED.parent / "data" / "monitor.db")
    assert cfg.fetch.allow_private_networks is False
    assert cfg.fetch.per_host_delay_s == 0.5 and cfg.fetch.max_bytes == 10_000_000
    assert len(cfg.feeds) >= 25 and sum(f.enabled for f in cfg.feeds) >= 25


def test_shipped_config_covers_the_mission_sources() -> None:
    urls = [f.url for f in load_config(SHIPPED, env={}).feeds]
    for must in (
        "https://www.yna.co.kr/rss/economy.xml",
        "https://newsis.com/RSS/economy.xml",
        "https://www.korea.kr/rss/pressrelease.xml",
        # the ministries under their 2026 names (issue 15): 산업통상부, 재정경제부, 기획예산처
        "https://www.korea.kr/rss/dept_motir.xml",
        "https://www.korea.kr/rss/dept_mofe.xml",
        "https://www.korea.kr/rss/dept_mpb.xml",
        "https://www.korea.kr/rss/dept_mofa.xml",
        # English outlets
        "https://www.koreaherald.com/rss/newsAll",
        "https://en.yna.co.kr/RSS/news.xml",
        "https://www.kedglobal.com/newsRss",
    ):
        assert must in urls
    # the renamed ministries' old feeds are gone
    assert not {"https://www.korea.kr/rss/dept_motie.xml", "https://www.korea.kr/rss/dept_moef.xml"} & set(
        urls
    )
    queries = {
        parse_qs(urlsplit(u).query)["q"][0]: parse_qs(urlsplit(u).query) for u in urls if "news.google" in u
    }
    assert {"한미일 경제안보", "한미일 공급망", "한미일 산업장관회의"} <= set(queries)
    # news-search feeds for the outlets without a working feed, and measures that never say 한미일
    sites = {q.split()[0] for q in queries if q.startswith("site:")}
    assert {"site:news1.kr", "site:dt.co.kr", "site:korea.kr"} <= sites
    assert any("VEU" in q and "삼성" in q for q in queries)
    for query, params in queries.items():
        english = params["hl"] == ["en-US"]
        if english:
            assert params["gl"] == ["US"] and params["ceid"] == ["US:en"], query
        else:
            assert params["hl"] == ["ko"] and params["gl"] == ["KR"] and params["ceid"] == ["KR:ko"], query


def test_shipped_config_mentions_every_builtin_key() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    for section in config._SECTIONS.values():
        assert section.doc
        for f in section.fields:
            assert f.doc, f"{section.name}.{f.name} has no doc"
            assert f"{f.name} " in text, f"{section.name}.{f.name} is not documented in {SHIPPED.name}"


def test_empty_file_gives_defaults_and_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert [str(p) for p in check_config(path)] == [
        "feeds: no feeds configured; add [[feeds]] entries, or nothing will be polled"
    ]
    cfg = load_config(path)
    assert cfg.fetch == FetchSettings()
    assert cfg.feeds == ()
    assert cfg.storage.path == str(tmp_path / "data" / "monitor.db")


# --------------------------------------------------------------------------------------------------
# Every kind of problem, with its key path
# --------------------------------------------------------------------------------------------------

BAD = [
    pytest.param(
        '[fetch]\nmax_redirects = "five"',
        "fetch.max_redirects: must be a whole number, not string 'five'",
        id="wrong-type",
    ),
    pytest.param(
        '[fetch]\nallow_private_networks = "no"',
        "fetch.allow_private_networks: must be true or false, not string 'no'",
        id="wrong-type-bool",
    ),
    pytest.param(
        '[fetch]\nconnect_timeout = "10 sec"',
        "fetch.connect_timeout: not a duration: '10 sec'; use a number with a unit: "
        '"500ms", "30s", "15m", "1h30m", "2d"',
        id="bad-duration",
    ),
    pytest.param(
        '[fetch]\nread_timeout = "0s"',
        "fetch.read_timeout: must be more than 0",
        id="zero-timeout",
    ),
    pytest.param(
        '[fetch]\nmax_bytes = "10XB"',
        "fetch.max_bytes: not a size: '10XB'; use a number with a unit: "
        '"512KiB", "10MB", "1GiB" (KB/MB are powers of 1000)',
        id="bad-size",
    ),
    pytest.param(
        "[fetch]\ntotal_concurrency = -1",
        "fetch.total_concurrency: must be at least 1 (got -1)",
        id="negative-int",
    ),
    pytest.param(
        "[fetch]\nmax_redirects = -2",
        "fetch.max_redirects: must not be negative (got -2)",
        id="negative-count",
    ),
    pytest.param(
        "[fetch]\nper_host_delay = -1",
        "fetch.per_host_delay: must not be negative: -1",
        id="negative-duration",
    ),
    pytest.param(
        '[fetch]\nbackoff_base = "1h"\nbackoff_max = "10m"',
        "fetch.backoff_base: must not exceed fetch.backoff_max (10m)",
        id="cross-field",
    ),
    pytest.param(
        FEED + '[[feeds]]\nname = "동아일보 정치"\nurl = "ftp://rss.donga.com/politics.xml"',
        "feeds[1] (\"동아일보 정치\").url: not an http(s) URL: 'ftp://rss.donga.com/politics.xml'",
        id="bad-url",
    ),
    pytest.param(
        '[[feeds]]\nname = "검색"\nurl = "https://news.google.com/rss/search?q=한미일 경제안보"',
        'feeds[0] ("검색").url: contains whitespace; percent-encode it (a space is %20): '
        "'https://news.google.com/rss/search?q=한미일 경제안보'",
        id="url-with-space",
    ),
    pytest.param(
        '[[feeds]]\nname = "x"\nurl = "https://user:pw@example.com/rss"',
        'feeds[0] ("x").url: must not contain a user name or password; secrets never live in the config file',
        id="url-with-credentials",
    ),
    pytest.param(
        FEED + '[[feeds]]\nname = "연합뉴스 경제"\nurl = "https://www.yna.co.kr/rss/politics.xml"',
        'feeds[1] ("연합뉴스 경제").name: duplicate of feeds[0]; feed names must be unique '
        "(the database keys a feed's history by name)",
        id="duplicate-name",
    ),
    pytest.param(
        FEED + '[[feeds]]\nname = "다른 이름"\nurl = "https://WWW.YNA.CO.KR/rss/economy.xml"',
        'feeds[1] ("다른 이름").url: same URL as feeds[0] ("연합뉴스 경제")',
        id="duplicate-url",
    ),
    pytest.param(
        FEED + 'encoding = "euc-kr-x"',
        "feeds[0] (\"연합뉴스 경제\").encoding: unknown encoding 'euc-kr-x' "
        '(Korean sites mostly use "utf-8", "cp949" or "euc-kr")',
        id="unknown-encoding",
    ),
    pytest.param(
        FEED + 'encoding = "rot13"',
        "feeds[0] (\"연합뉴스 경제\").encoding: unknown encoding 'rot13' "
        '(Korean sites mostly use "utf-8", "cp949" or "euc-kr")',
        id="not-a-text-encoding",
    ),
    pytest.param(
        FEED + 'interval = "30s"',
        'feeds[0] ("연합뉴스 경제").interval: 30s is below the minimum of 1m '
        "(polite polling: at most once a minute per feed; only a feed on a loopback or private address "
        "may poll faster, down to 5s)",
        id="interval-floor",
    ),
    pytest.param(
        "[feed_defaults]\ninterval = 10",
        "feed_defaults.interval: 10s is below the minimum of 1m "
        "(polite polling: at most once a minute per feed)",
        id="default-interval-floor",
    ),
    pytest.param(
        FEED + 'tags = ["economy", ""]',
        "feeds[0] (\"연합뉴스 경제\").tags[1]: must be a non-empty string, not ''",
        id="bad-tag",
    ),
    pytest.param(
        '[[feeds]]\nname = "이름만"',
        'feeds[0] ("이름만").url: missing; every [[feeds]] entry needs it',
        id="missing-url",
    ),
    pytest.param(
        '[[feeds]]\nurl = "https://a.example/rss"',
        "feeds[0].name: missing; every [[feeds]] entry needs it",
        id="missing-name",
    ),
    pytest.param(
        '[feeds]\nname = "x"',
        "feeds: must be an array of tables: start each entry with [[feeds]]",
        id="feeds-as-table",
    ),
    pytest.param(
        "fetch = 3",
        "fetch: must be a table: write [fetch] on a line of its own, then its keys",
        id="section-as-value",
    ),
    pytest.param(
        "[fetch]\nmax_byte = 100",
        'fetch.max_byte: unknown key (did you mean "max_bytes"?)',
        id="did-you-mean-key",
    ),
    pytest.param(
        "[fetc]\nmax_bytes = 100", 'fetc: unknown section (did you mean "fetch"?)', id="did-you-mean-section"
    ),
    pytest.param(
        '[newsletter]\nsend_at = "08:00"',
        f"newsletter: unknown section (known: {KNOWN_SECTIONS})",
        id="unknown-section",
    ),
    pytest.param(
        FEED + 'max_bytes = "5MB"',
        'feeds[0] ("연합뉴스 경제").max_bytes: unknown key here; it is a setting of [fetch] '
        "(a key belongs to the nearest [header] above it)",
        id="key-under-wrong-header",
    ),
    pytest.param(
        "[storage]\npath = 5",
        "storage.path: must be a path, not integer 5",
        id="bad-path",
    ),
    pytest.param(
        "[fetch]\nmax_bytes = 1\n[fetch]\nmax_redirects = 2",
        "invalid TOML: Cannot declare ('fetch',) twice (at line 3, column 7)",
        id="toml-duplicate-table",
    ),
    pytest.param(
        "[fetch]\nmax_bytes = 10MB",
        "invalid TOML: Expected newline or end of document after a statement (at line 2, column 15)",
        id="toml-syntax",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_each_problem_is_reported_with_its_key_path(tmp_path: Path, text: str, expected: str) -> None:
    if "feeds" not in text:  # one feed, so the only problem is the one under test
        text += "\n" + FEED
    assert problems_in(tmp_path, text) == [expected]


def test_four_mistakes_give_four_problems_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [fetch]
        max_byte = "10MB"
        connect_timeout = "soon"

        [[feeds]]
        name = "연합뉴스 경제"
        url = "https://www.yna.co.kr/rss/economy.xml"
        interval = "5s"

        [[feeds]]
        name = "한겨레 정치"
        url = "www.hani.co.kr/rss/politics/"
    """,
    )
    expected = [
        'feeds[0] ("연합뉴스 경제").interval: 5s is below the minimum of 1m '
        "(polite polling: at most once a minute per feed; only a feed on a loopback or private address "
        "may poll faster, down to 5s)",
        "feeds[1] (\"한겨레 정치\").url: not an http(s) URL: 'www.hani.co.kr/rss/politics/'",
        "fetch.connect_timeout: not a duration: 'soon'; use a number with a unit: "
        '"500ms", "30s", "15m", "1h30m", "2d"',
        'fetch.max_byte: unknown key (did you mean "max_bytes"?)',
    ]
    assert [str(p) for p in check_config(path)] == expected
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == expected
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: 4 problems:\n")


def test_problem_keys_stay_machine_readable() -> None:
    problem = Problem("feeds[3].url", "not an http(s) URL", item="연합뉴스 경제")
    assert problem.key == "feeds[3].url"
    assert str(problem) == 'feeds[3] ("연합뉴스 경제").url: not an http(s) URL'
    assert str(Problem("", "invalid TOML: x")) == "invalid TOML: x"


def test_problems_sort_feeds_numerically(tmp_path: Path) -> None:
    urls = {i: f"bad-{i}" if i in (2, 10) else f"https://e.example/{i}" for i in range(12)}
    text = "".join(f'[[feeds]]\nname = "f{i}"\nurl = "{url}"\n' for i, url in urls.items())
    assert [p.key for p in check_config(write(tmp_path, text))] == ["feeds[2].url", "feeds[10].url"]


def test_every_feed_disabled_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + "enabled = false")
    problems = check_config(path)
    assert [(p.key, p.severity) for p in problems] == [("feeds", "warning")]
    assert load_config(path).feeds[0].enabled is False


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_bytes(textwrap.dedent(FEED).encode("cp949"))
    assert [str(p) for p in check_config(path)] == [
        "not UTF-8 text (line 3); save the file as UTF-8, not cp949/EUC-KR"
    ]


def test_utf8_with_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    path.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(FEED).encode())
    assert load_config(path).feeds[0].name == "연합뉴스 경제"


# --------------------------------------------------------------------------------------------------
# Values: defaults, inheritance, paths
# --------------------------------------------------------------------------------------------------


def test_fetch_keys_map_to_settings_with_units(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
        [fetch]
        user_agent = "test/1"
        connect_timeout = "2s"
        read_timeout = "1.5s"
        total_timeout = "1m"
        max_bytes = "512KiB"
        max_redirects = 0
        per_host_concurrency = 1
        per_host_delay = "250ms"
        total_concurrency = 4
        article_concurrency = 2
        allow_private_networks = true
        backoff_base = 30
        backoff_max = "1h30m"
    """,
        )
    )
    assert cfg.fetch == FetchSettings(
        user_agent="test/1",
        connect_timeout_s=2.0,
        read_timeout_s=1.5,
        total_timeout_s=60.0,
        max_bytes=524_288,
        max_redirects=0,
        per_host_concurrency=1,
        per_host_delay_s=0.25,
        total_concurrency=4,
        article_concurrency=2,
        allow_private_networks=True,
        backoff_base_s=30.0,
        backoff_max_s=5400.0,
    )


def test_feeds_inherit_feed_defaults_and_override_them(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
        [feed_defaults]
        interval = "20m"
        fetch_articles = false
        encoding = "cp949"

        [[feeds]]
        name = "상속"
        url = "https://a.example/rss"

        [[feeds]]
        name = "  재정의  "
        url = "https://b.example/rss"
        interval = "1h"
        enabled = false
        fetch_articles = true
        encoding = "utf-8"
        tags = ["economy", "wire"]
    """,
        )
    )
    inherited, overridden = cfg.feeds
    assert (inherited.interval_s, inherited.enabled, inherited.fetch_articles, inherited.encoding) == (
        1200,
        True,
        False,
        "cp949",
    )
    assert inherited.tags == ()
    assert overridden.name == "재정의"
    assert (overridden.interval_s, overridden.enabled, overridden.fetch_articles, overridden.encoding) == (
        3600,
        False,
        True,
        "utf-8",
    )
    assert overridden.tags == ("economy", "wire")


def test_decomposed_hangul_names_count_as_duplicates(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "연합뉴스 경제")
    text = FEED + f'[[feeds]]\nname = "{nfd}"\nurl = "https://other.example/rss"\n'
    assert [p.key for p in check_config(write(tmp_path, text))] == ["feeds[1].name"]


def test_storage_path_is_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = write(folder, '[storage]\npath = "../var/news.db"\n')
    monkeypatch.chdir(tmp_path / "etc")
    assert load_config(path).storage.path == str(tmp_path / "var" / "news.db")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the current directory must not matter
    assert load_config(path).storage.path == str(tmp_path / "var" / "news.db")
    assert load_config(write(folder, '[storage]\npath = "/srv/m.db"\n')).storage.path == "/srv/m.db"


def test_raw_and_sections_are_kept(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, FEED))
    assert cfg.raw["feeds"][0]["name"] == "연합뉴스 경제"
    assert cfg.section("fetch").max_bytes == 10_000_000 and cfg.section("fetch") is cfg.fetch
    assert cfg.section("feeds")[0].interval_s is None  # not given: inherited when building FeedSpec


# --------------------------------------------------------------------------------------------------
# Which file: --config > $MONITOR_CONFIG > ./config/monitor.toml
# --------------------------------------------------------------------------------------------------


def test_config_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config").mkdir()
    default = write(tmp_path / "config", FEED)
    from_env = write(tmp_path, FEED, "env.toml")
    from_cli = write(tmp_path, FEED, "cli.toml")
    env = {"MONITOR_CONFIG": str(from_env)}
    assert resolve_config_path(str(from_cli), env) == from_cli
    assert resolve_config_path(None, env) == from_env
    assert resolve_config_path(None, {}) == default
    assert resolve_config_path(None, {"MONITOR_CONFIG": ""}) == default
    assert resolve_config_path("cli.toml", {}) == from_cli  # relative to the current directory


@pytest.mark.parametrize(
    ("cli", "env", "source"),
    [
        ("missing.toml", {}, "(given with --config)"),
        (None, {"MONITOR_CONFIG": "missing.toml"}, "(named by $MONITOR_CONFIG)"),
        (None, {}, "(the default, as neither --config nor $MONITOR_CONFIG was set)"),
    ],
)
def test_missing_config_names_the_path_and_how_it_was_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: str | None, env: dict[str, str], source: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        resolve_config_path(cli, env)
    message = str(caught.value)
    assert message.startswith(f"config file not found: {tmp_path}")
    assert message.endswith(source)
    assert "MONITOR_CONFIG" in (caught.value.hint or "")


# --------------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------------


def test_secret_looking_keys_are_errors_anywhere(tmp_path: Path) -> None:
    problems = problems_in(
        tmp_path,
        FEED
        + """
        api_key = "abc"

        [delivery.slack]
        webhook_url = "https://hooks.slack.com/services/T000/B000/XXXX"
    """,
    )
    hint = "secrets never live in the config file; put the value in an environment variable and name it with"
    assert problems == [
        f'delivery.slack.webhook_url: {hint} webhook_url_env = "VARIABLE_NAME"',
        f'feeds[0] ("연합뉴스 경제").api_key: {hint} api_key_env = "VARIABLE_NAME"',
    ]


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "smtp_password",
        "token",
        "bot_token",
        "client_secret",
        "api_key",
        "apikey",
        "webhook_url",
        "slack_webhook_url",
    ],
)
def test_secret_names(key: str) -> None:
    assert config._looks_secret(key)
    assert not config._looks_secret(f"{key}_env")


@pytest.mark.parametrize("key", ["max_tokens", "tokenizer", "user_agent", "url", "secretary"])
def test_not_secret_names(key: str) -> None:
    assert not config._looks_secret(key)


def test_env_settings_of_a_registered_section(tmp_path: Path, own_registry: None) -> None:
    webhook = env_field("webhook_url", "Slack incoming-webhook URL", required=True)
    register_section("delivery.slack", [webhook], doc="Slack delivery.")
    text = FEED + '\n[delivery.slack]\nwebhook_url_env = "{}"\n'
    bad = check_config(write(tmp_path, text.format("SLACK HOOK")), env={})
    assert [str(p) for p in bad] == [
        "delivery.slack.webhook_url_env: must name an environment variable (letters, digits and _, "
        "e.g. \"SMTP_PASSWORD\"), not 'SLACK HOOK'; the secret itself goes in that variable"
    ]
    unset = check_config(write(tmp_path, text.format("SLACK_WEBHOOK_URL")), env={})
    assert [(str(p), p.severity) for p in unset] == [
        (
            "delivery.slack.webhook_url_env: environment variable SLACK_WEBHOOK_URL is not set here; "
            "it must be where the monitor runs",
            "warning",
        )
    ]
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X"}
    cfg = load_config(write(tmp_path, text.format("SLACK_WEBHOOK_URL")), env=env)
    name = cfg.section("delivery.slack").webhook_url_env
    assert secret_from_env(name, env) == env["SLACK_WEBHOOK_URL"]


def test_secret_from_env_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        secret_from_env("SMTP_PASSWORD", {"SMTP_PASSWORD": ""}, key="delivery.email.password_env")
    assert str(caught.value) == (
        "delivery.email.password_env = 'SMTP_PASSWORD': "
        "environment variable SMTP_PASSWORD is not set or empty"
    )
    assert "SMTP_PASSWORD" in (caught.value.hint or "")


def test_register_section_refuses_secret_fields(own_registry: None) -> None:
    with pytest.raises(ValueError, match="secrets never live in the file"):
        register_section("delivery.email", [Field("password", config.text, "no")], doc="x")
    with pytest.raises(ValueError, match="names an environment variable"):
        register_section("delivery.email", [Field("user_env", config.text, "no")], doc="x")
    with pytest.raises(ValueError, match="already registered"):
        register_section("fetch", [], doc="again")


def test_registered_section_is_validated_like_builtin_ones(tmp_path: Path, own_registry: None) -> None:
    def every_vs_window(values: Mapping[str, Any]) -> str | None:
        return "must not be shorter than digest.window" if values["every"] < values["window"] else None

    register_section(
        "digest",
        [
            Field("every", config.duration(), "how often", "1d"),
            Field("window", config.duration(), "span", "1d"),
            Field("max_items", config.integer(1), "cap", 50),
        ],
        doc="Digests.",
        rules=[Rule(("every", "window"), every_vs_window)],
    )
    # registered without a settings class: a frozen one is made from the fields
    assert dataclasses.asdict(load_config(write(tmp_path, FEED)).section("digest")) == {
        "every": 86400.0,
        "window": 86400.0,
        "max_items": 50,
    }
    text = FEED + '\n[digest]\nevery = "30m"\nmax_items = 0\nmax_item = 3\n'
    assert problems_in(tmp_path, text) == [  # the rule still runs though max_items is wrong
        "digest.every: must not be shorter than digest.window",
        'digest.max_item: unknown key (did you mean "max_items"?)',
        "digest.max_items: must be at least 1 (got 0)",
    ]


# --------------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15m", 900),
        ("30s", 30),
        ("1h30m", 5400),
        ("2d", 172800),
        ("500ms", 0.5),
        ("1m 30s", 90),
        ("1.5h", 5400),
        ("0s", 0),
        (90, 90),
        (2.5, 2.5),
        ("1d2h3m4s5ms", 93784.005),
    ],
)
def test_parse_duration(text: str | int | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "15",
        "15x",
        "m",
        "30m1h",
        "1m1m",
        "1h 30",
        "-5s",
        -1,
        True,
        float("nan"),
        float("inf"),
        "15M",
        None,
    ],
)
def test_parse_duration_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match=r"not a duration|must not be negative"):
        parse_duration(bad)  # type: ignore[arg-type]


@given(st.integers(0, 10_000), st.integers(0, 59), st.integers(0, 59))
def test_parse_duration_round_trips_h_m_s(hours: int, minutes: int, seconds: int) -> None:
    assert parse_duration(f"{hours}h{minutes}m{seconds}s") == hours * 3600 + minutes * 60 + seconds


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        ("10MB", 10_000_000),
        ("512KiB", 524_288),
        ("1GiB", 2**30),
        ("1.5 kB", 1500),
        ("10mb", 10_000_000),
        ("100B", 100),
        (1_000_000, 1_000_000),
        (0, 0),
    ],
)
def test_parse_size(text: str | int, nbytes: int) -> None:
    assert parse_size(text) == nbytes


@pytest.mark.parametrize("bad", ["", "10", "10XB", "MB", "-1MB", -5, 1.5, True])
def test_parse_size_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match=r"not a size|must not be negative"):
        parse_size(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# `monitor config check`
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the config command group: this file tests `config check`, not the other groups' imports."""
    monkeypatch.setattr(monitor.cli, "COMMAND_MODULES", ("monitor.cli.config_cmds",))


def test_check_shipped_config(
    cli: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    assert monitor.cli.main(["config", "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    feeds = load_config(SHIPPED, env={}).feeds
    assert lines == [
        f"config: {SHIPPED}",
        f"config OK: {len(feeds)} feeds ({sum(f.enabled for f in feeds)} enabled), "
        f"database {Path('config', 'data', 'monitor.db')}",
    ]


def test_check_reports_problems_and_exits_1(
    cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[fetch]\nmax_byte = 1\nread_timeout = "x"\n')
    assert monitor.cli.main(["--config", str(path), "config", "check"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"config: {path}",
        "warning: feeds: no feeds configured; add [[feeds]] entries, or nothing will be polled",
        'error: fetch.max_byte: unknown key (did you mean "max_bytes"?)',
        "error: fetch.read_timeout: not a duration: 'x'; use a number with a unit: "
        '"500ms", "30s", "15m", "1h30m", "2d"',
        "2 errors, 1 warning",
    ]


def test_check_json(
    cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = write(tmp_path, FEED.replace("https://", "gopher://"), "bad.toml")
    monkeypatch.setenv("MONITOR_CONFIG", str(bad))
    assert monitor.cli.main(["config", "check", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "path": str(bad),
        "ok": False,
        "feeds": 0,
        "enabled_feeds": 0,
        "database": None,
        "problems": [
            {
                "key": "feeds[0].url",
                "item": "연합뉴스 경제",
                "severity": "error",
                "message": "not an http(s) URL: 'gopher://www.yna.co.kr/rss/economy.xml'",
            }
        ],
    }
    good = write(tmp_path, FEED, "good.toml")
    assert monitor.cli.main(["--config", str(good), "config", "check", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["feeds"] == 1 and out["problems"] == []
    assert out["database"] == str(tmp_path / "data" / "monitor.db")


def test_check_missing_file_exits_2(cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert monitor.cli.main(["--config", str(tmp_path / "nope.toml"), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert f"config file not found: {tmp_path / 'nope.toml'} (given with --config)" in err
    assert "hint:" in err


def test_check_with_only_warnings_exits_0(
    cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, FEED + "enabled = false")
    assert monitor.cli.main(["--config", str(path), "config", "check"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "warning: feeds: every feed is disabled; nothing will be polled",
        f"config OK (1 warning): 1 feed (0 enabled), database {tmp_path / 'data' / 'monitor.db'}",
    ]


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.7:8080", "localhost", "10.1.2.3", "[::1]", "192.168.0.9"]
)
def test_a_feed_on_the_operators_own_network_may_poll_faster(tmp_path: Path, host: str) -> None:
    text = f"""
        [[feeds]]
        name = "local relay"
        url = "http://{host}/feed.xml"
        interval = "10s"
    """
    path = tmp_path / "monitor.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    assert [p for p in check_config(path) if p.severity == "error"] == []
    assert load_config(path).feeds[0].interval_s == 10


@pytest.mark.parametrize(
    ("url", "interval", "expected"),
    [
        # A public name is public even if it resolves to a private address: nothing is resolved here.
        ("http://feeds.example.org/rss", "10s", "10s is below the minimum of 1m"),
        ("http://127.0.0.1/rss", "2s", "2s is below the minimum of 5s"),
    ],
)
def test_the_floor_still_holds(tmp_path: Path, url: str, interval: str, expected: str) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text(f'[[feeds]]\nname = "f"\nurl = "{url}"\ninterval = "{interval}"\n', encoding="utf-8")
    (problem,) = check_config(path)
    assert problem.key == "feeds[0].interval" and expected in problem.message


def test_a_missing_topics_file_is_a_warning_naming_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, FEED + '[matching]\ntopics = "topcis.toml"\n')
    report = inspect_config(path, env={})
    assert report.ok and report.config is not None  # the monitor still runs, storing articles unmatched
    assert [(p.key, p.severity) for p in report.problems] == [("matching.topics", "warning")]
    assert str(tmp_path / "topcis.toml") in str(report.problems[0])
    off = write(tmp_path, FEED + '[matching]\nenabled = false\ntopics = "topcis.toml"\n', "off.toml")
    assert inspect_config(off, env={}).problems == ()
