"""`monitor config check` checks every file and folder the config names, not only the TOML itself."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config, path_problems
from monitor.config.files import CHECKS, SQLITE_HEADER

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "config" / "topics.toml"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # permissions do not bind root


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(
        f'[storage]\npath = "data/monitor.db"\n\n[matching]\ntopics = "{TOPICS.as_posix()}"\n{extra}\n'
        '[[feeds]]\nname = "예시"\nurl = "https://example.org/rss"\n',
        encoding="utf-8",
    )
    return path


def problems(path: Path) -> list[tuple[str, str, str]]:
    return [(p.key, p.severity, p.message) for p in path_problems(load_config(path))]


def test_a_fresh_setup_has_no_path_problems(tmp_path: Path) -> None:
    assert problems(write_config(tmp_path)) == []  # data/ does not exist yet, but can be made


def test_an_existing_database_is_recognised_by_its_header(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "monitor.db").execute("CREATE TABLE t (x)").connection.close()
    assert (tmp_path / "data" / "monitor.db").read_bytes()[:16] == SQLITE_HEADER
    assert problems(config) == []


def test_a_file_that_is_not_a_database_is_an_error_naming_the_key_and_what_it_holds(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "monitor.db").write_text("[storage]\npath = 'oops'\n", encoding="utf-8")
    [(key, severity, message)] = problems(config)
    assert (key, severity) == ("storage.path", "error")
    assert "is not an SQLite database (it begins with '[storage]')" in message


def test_an_empty_database_file_is_fine(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "monitor.db").touch()  # SQLite writes its header on first use
    assert problems(config) == []


def test_a_folder_where_the_database_should_be(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data" / "monitor.db").mkdir(parents=True)
    [(key, severity, message)] = problems(config)
    assert (key, severity) == ("storage.path", "error") and message.endswith("is a folder, not a file")


def test_a_file_where_the_digest_folder_should_be_is_a_warning(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "digests").write_text("not a folder", encoding="utf-8")
    [(key, severity, message)] = problems(config)
    assert (key, severity) == ("delivery.file.dir", "warning") and message.endswith("is a file, not a folder")


def test_a_disabled_file_channel_is_not_checked(tmp_path: Path) -> None:
    config = write_config(tmp_path, "\n[delivery.file]\nenabled = false\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "digests").write_text("not a folder", encoding="utf-8")
    assert problems(config) == []


def test_a_health_file_under_a_file_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("x", encoding="utf-8")
    config = write_config(
        tmp_path, f'\n[service]\nhealth_file = "{(tmp_path / "blocker" / "h.json").as_posix()}"\n'
    )
    [(key, severity, message)] = problems(config)
    assert key == "service.health_file" and severity == "warning"
    assert message.endswith("is a file, not a folder")


@pytest.mark.skipif(AS_ROOT, reason="root writes anywhere")
def test_a_read_only_data_folder_is_an_error_before_the_first_poll(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data").chmod(0o555)
    try:
        found = problems(config)
    finally:
        (tmp_path / "data").chmod(0o755)
    assert ("storage.path", "error") in {(k, s) for k, s, _ in found}
    assert any("is not writable" in m for _, _, m in found)


def test_every_check_has_a_key_the_config_knows_and_an_example_that_names_it() -> None:
    keys = {c.key for c in CHECKS}
    assert keys == {"storage.path", "delivery.file.dir", "service.health_file"}
    for check in CHECKS:
        assert check.example.startswith(check.key + ": ")
        assert check.kind in ("file", "folder") and check.severity in ("error", "warning")


def test_config_check_exits_1_on_a_database_that_is_not_one(tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "monitor.db").write_bytes(b"PK\x03\x04 a zip file")
    assert main(["config", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert (
        "error: storage.path:" in out and "is not an SQLite database" in out and "1 error, 0 warnings" in out
    )


def test_config_check_still_passes_a_good_setup(tmp_path: Path, capsys) -> None:
    assert main(["config", "check", "--config", str(write_config(tmp_path))]) == 0
    assert "config OK" in capsys.readouterr().out


def test_a_folder_this_process_may_not_write_is_reported(tmp_path: Path, monkeypatch) -> None:
    """The permission branch, also where the suite runs as root (where chmod does not bind)."""
    config = write_config(tmp_path)
    (tmp_path / "data").mkdir()
    data = str(tmp_path / "data")
    real_access = os.access
    monkeypatch.setattr(
        "monitor.config.files.os.access", lambda p, mode: False if str(p) == data else real_access(p, mode)
    )
    found = problems(config)
    assert ("storage.path", "error") in {(k, s) for k, s, _ in found}
    assert ("delivery.file.dir", "warning") in {(k, s) for k, s, _ in found}
    assert all(data in m for _, _, m in found)
