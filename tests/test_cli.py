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


def test_a_closed_pipe_ends_quietly_without_a_traceback(tmp_path) -> None:
    """`monitor … | head`: the reader closed the pipe; no BrokenPipeError traceback on stderr."""
    import subprocess
    import sys

    code = (
        "import sys; from monitor.cli import main\n"
        "import monitor.cli.config_cmds as c\n"
        "def flood(args):\n"
        "    for _ in range(100000): print('한미일 공급망 ' * 20)\n"
        "c.cmd_check = flood\n"
        "sys.exit(main(['config', 'check']))\n"
    )
    reader = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # as `head -1` does
    _, err = reader.communicate(timeout=60)
    assert reader.returncode == 141
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
