"""Issue 16's first hour with `monitor demo`, through the installed `monitor` command in subprocesses.

c. it runs where the current folder is not writable (as in the container) and says where it wrote;
d. `--serve` keeps the sample site up, its printed commands (a poll included) work, SIGTERM ends it;
   without `--serve` every command it prints works with the site gone;
e. it finds its seeds and topics as package data from any folder, with no MONITOR_SEEDS/MONITOR_TOPICS;
f. no stored article is raw HTML;
h. `sqlite-utils search` (the real CLI) and sqlite_utils' Table.search find Korean substrings in its database.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlite_utils

import monitor
from monitor.paths import seeds_dir, topics_file

BIN = Path(sys.executable).parent
MONITOR = BIN / "monitor"
SQLITE_UTILS = BIN / "sqlite-utils"
pytestmark = pytest.mark.skipif(not MONITOR.exists(), reason="the monitor command is not installed here")
#: Any subprocess here that takes longer is stuck (the demo takes a few seconds): fail, don't hang.
STUCK_S = 300


def _env() -> dict[str, str]:
    """The environment of a user who never heard of MONITOR_SEEDS: none of the monitor's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _elsewhere(root: Path) -> Path:
    """A folder outside the checkout with decoys a demo must not read: ./seeds and ./config/topics.toml."""
    where = root / "elsewhere"
    (where / "seeds").mkdir(parents=True)
    (where / "seeds" / "decoy.txt").write_text("not a seed\n", encoding="utf-8")
    (where / "config").mkdir()
    (where / "config" / "topics.toml").write_text("not = [valid\n", encoding="utf-8")
    return where


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(argv, capture_output=True, text=True, env=_env(), timeout=STUCK_S, **kw)


def _commands(out: str) -> list[list[str]]:
    """The commands the demo printed for the user (indented lines naming monitor or sqlite-utils)."""
    found = []
    for line in out.splitlines():
        if line.startswith("  monitor ") or line.startswith("  sqlite-utils "):
            argv = shlex.split(line)
            found.append([str(BIN / argv[0]), *argv[1:]])
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    """One `monitor demo` run from a folder outside the checkout: (its --dir, what it printed)."""
    root = tmp_path_factory.mktemp("demo")
    done = _run([str(MONITOR), "demo", "--dir", str(root / "demo")], cwd=_elsewhere(root))
    assert done.returncode == 0, done.stderr
    return root / "demo", done.stdout


# --- e. package data ------------------------------------------------------------------------------------


def test_demo_runs_from_any_folder_on_its_package_data(demo):
    _, out = demo
    assert "13 articles stored" in out and "5 match the topics" in out
    assert "no seed documents" not in out


def test_seeds_and_topics_are_the_packages_not_the_current_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(_elsewhere(tmp_path))
    monkeypatch.delenv("MONITOR_SEEDS", raising=False)
    monkeypatch.delenv("MONITOR_TOPICS", raising=False)
    package_data = Path(monitor.__file__).resolve().parent / "demo" / "data"
    assert seeds_dir() == (package_data / "seeds").resolve() and len(list(seeds_dir().glob("*.txt"))) == 5
    assert topics_file() == (package_data / "topics.toml").resolve()


# --- f. no raw HTML ----------------------------------------------------------------------------------------

TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


def test_no_stored_article_is_raw_html(demo):
    workdir, _ = demo
    rows = (
        sqlite3.connect(workdir / "demo.db")
        .execute("SELECT id, title, text, summary FROM articles")
        .fetchall()
    )
    assert len(rows) == 13
    for article_id, title, text, summary in rows:
        for field in (title, text, summary or ""):
            assert not TAG.search(field), (article_id, TAG.search(field))
    # the HTML seed (002) is the one that was stored as markup: its words are there, its tags are not
    [text] = [r[2] for r in rows if r[1].startswith("한미일 산업장관회의 공급망과 첨단산업")]
    assert "공동선언문" in text and "data-ke-size" not in text


# --- h. sqlite-utils finds the full-text index -----------------------------------------------------------


def test_sqlite_utils_table_search_finds_korean(demo):
    workdir, _ = demo
    articles = sqlite_utils.Database(workdir / "demo.db")["articles"]
    assert articles.detect_fts() == "articles_fts"
    found = list(articles.search("공급망"))
    assert len(found) >= 4 and all("공급망" in r["title"] + r["text"] for r in found)


@pytest.mark.skipif(not SQLITE_UTILS.exists(), reason="the sqlite-utils command is not installed here")
def test_the_sqlite_utils_cli_finds_a_korean_substring(demo):
    workdir, _ = demo
    # 산업장관 is inside 산업장관회의: a substring, which the trigram index finds
    done = _run(
        [str(SQLITE_UTILS), "search", str(workdir / "demo.db"), "articles", "산업장관", "-c", "title"]
    )
    assert done.returncode == 0, done.stderr
    assert "산업장관회의" in done.stdout and "not configured for full-text search" not in done.stderr


# --- d. next steps --------------------------------------------------------------------------------------


def test_without_serve_every_printed_command_works(demo, tmp_path):
    workdir, out = demo
    assert "the demo site has stopped" in out and "--serve" in out
    commands = _commands(out)
    assert commands and not any("poll" in argv for argv in commands)  # the site is gone: no poll offered
    for argv in commands:
        done = _run(argv, cwd=tmp_path)
        assert done.returncode == 0, (argv, done.stderr)
        assert "error" not in done.stderr.lower(), (argv, done.stderr)
        if "search" in argv:
            assert "공급망" in done.stdout, argv
    # the preview shows the stories the demo delivered, not "nothing new"
    [text] = (workdir / "preview").glob("preview-file-*.txt")
    preview = text.read_text(encoding="utf-8")
    assert "새 소식 4건" in preview and "새 소식 없음" not in preview


def test_serve_keeps_the_site_up_for_a_poll_until_sigterm(tmp_path):
    proc = subprocess.Popen(
        [str(MONITOR), "demo", "--serve", "--dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=_elsewhere(tmp_path),
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    printed: list[str] = []
    try:
        while not any(line.startswith("  sqlite-utils ") for line in printed):  # the last command printed
            line = lines.get(timeout=STUCK_S)
            assert line is not None, "".join(printed) + (proc.stderr.read() if proc.stderr else "")
            printed.append(line)
        out = "".join(printed)
        site = re.search(r"^site: (http://127\.0\.0\.1:\d+) ", out, re.M)
        assert site, out
        commands = _commands(out)
        polls = [argv for argv in commands if "poll" in argv]
        assert polls == [
            [str(MONITOR), "--config", str(tmp_path / "demo" / "monitor.toml"), "poll", "--once"]
        ]
        done = _run(polls[0], cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "polled 3 feeds" in done.stdout and "FAILED" not in done.stdout, done.stdout
        assert "unchanged" in done.stdout  # the site answers the poll's conditional GETs with 304
        for argv in commands:
            assert _run(argv, cwd=tmp_path).returncode == 0, argv
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=STUCK_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rest = []
    while (line := lines.get(timeout=STUCK_S)) is not None:
        rest.append(line)
    assert "demo site stopped" in "".join(rest)


# --- c. a folder the demo cannot write -------------------------------------------------------------------


def _as_another_user() -> list[str]:
    """The prefix that runs a command as an unprivileged user: none when we are not root; as root, whom
    chmod does not bind, `setpriv` to nobody, when it exists and nobody can run the installed monitor."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder does not bind root")
    prefix = [setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import monitor.cli"],
        capture_output=True,
        env=_env(),
        cwd="/",
        timeout=STUCK_S,
    )
    if probe.returncode != 0:
        pytest.skip("nobody cannot read the installed monitor here (a checkout under a private folder)")
    return prefix


def test_demo_in_a_read_only_folder_writes_elsewhere_and_says_where(tmp_path):
    prefix = _as_another_user()
    locked = tmp_path / "locked"
    locked.mkdir()
    tmp_path.chmod(0o755)
    locked.chmod(0o555)
    env = {**_env(), "HOME": str(locked), "XDG_STATE_HOME": str(locked / "state")}
    done = subprocess.run(
        [*prefix, str(MONITOR), "demo"], capture_output=True, text=True, env=env, cwd=locked, timeout=STUCK_S
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "PermissionError" not in done.stderr
    where = re.search(
        r"^writing the demo to (\S+) \(neither the current folder nor .* is writable\)$", done.stdout, re.M
    )
    assert where, done.stdout
    workdir = Path(where.group(1))
    assert (workdir / "demo.db").is_file() and f"config:   {workdir / 'monitor.toml'}" in done.stdout
    shutil.rmtree(workdir, ignore_errors=True)
    # a --dir that cannot be written is a clear error naming it
    refused = subprocess.run(
        [*prefix, str(MONITOR), "demo", "--dir", str(locked / "d")],
        capture_output=True,
        text=True,
        env=env,
        cwd=locked,
        timeout=STUCK_S,
    )
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"monitor: error: cannot write the demo to {locked / 'd'}: Permission denied" in refused.stderr
    assert "hint: pass --dir" in refused.stderr
