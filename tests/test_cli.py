"""The command surface: every command has help, is in the README, and errors are one clean line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from monitor.cli import build_parser, main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_and_is_documented(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip()
    assert f"monitor {command}" in README, f"`monitor {command}` is not in the README"


def test_missing_config_is_a_clean_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    assert main(["--config", str(tmp_path / "nope.toml"), "status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: error:") and "nope.toml" in err and "Traceback" not in err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out
