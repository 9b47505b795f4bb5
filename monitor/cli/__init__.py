"""The `monitor` command: thin subcommands over library calls.

Each command group lives in its own module exposing ``register(subparsers)``; the command functions take
the parsed ``argparse.Namespace`` and return an exit code. Library errors (``MonitorError``) are turned
into one clean message with a hint here, in one place, instead of a traceback.

Exit codes: 0 success (a poll that ran is a success even when some feeds failed), 1 the command ran but
found a problem (e.g. `config check` found errors), 2 usage/config/database errors.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from monitor import __version__
from monitor.errors import MonitorError

# Order is the order of `monitor --help`.
COMMAND_MODULES = (
    "monitor.cli.ingest",  # poll, status, search
    "monitor.cli.config_cmds",  # config check
    "monitor.cli.match_cmds",  # topics, explain, eval
    "monitor.cli.tune_cmds",  # label, labels, backtest, rematch
    "monitor.cli.stories_cmds",  # stories, story
    "monitor.cli.demo",  # demo
    "monitor.cli.digest_cmds",  # digest
    "monitor.cli.run_cmd",  # run, health
    "monitor.cli.feeds_cmds",  # feeds check, add, import, export
)


#: The options every command takes, before or after its name (`monitor -q status` = `monitor status -q`):
#: (flags, argparse keywords, the value when not given). The top-level parser has them with that default;
#: each subcommand gets a copy whose default is SUPPRESS, so a subcommand sets the value only when the
#: option is given after it, and never resets one given before it. (-v on both sides: the count after
#: the command wins, `-vv poll -v` is -v; the subcommand's parser counts afresh, as argparse does.)
COMMON_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any], Any], ...] = (
    (
        ("--config",),
        {"metavar": "PATH", "help": "config file (default: $MONITOR_CONFIG, else config/monitor.toml)"},
        None,
    ),
    (("-v", "--verbose"), {"action": "count", "help": "more log output (-vv: debug)"}, 0),
    (("-q", "--quiet"), {"action": "store_true", "help": "only warnings and errors"}, False),
    (("--log-format",), {"choices": ("text", "json"), "help": "log line format on stderr"}, "text"),
)
#: `monitor --json status` means `monitor status --json`; only commands with a --json of their own take it.
JSON_BEFORE = "json_before_command"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="Korea–US–Japan economic-security news monitor.",
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    for flags, options, default in COMMON_OPTIONS:
        parser.add_argument(*flags, **options, default=default)
    parser.add_argument(
        "--json",
        dest=JSON_BEFORE,
        action="store_true",
        help="JSON output, for the commands that have it (same as COMMAND --json)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command group not written yet must not break the others
            if exc.name != name:
                raise
            continue
        module.register(sub)
    for command in _subcommand_parsers(parser):
        _add_common_options(command)
    return parser


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser below ``parser`` (`config`, `config check`, ...), each once (aliases share one)."""
    found: dict[int, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if id(child) not in found:
                    found[id(child)] = child
                    for grandchild in _subcommand_parsers(child):
                        found.setdefault(id(grandchild), grandchild)
    return list(found.values())


def _add_common_options(command: argparse.ArgumentParser) -> None:
    taken = command._option_string_actions  # a command's own option of that name wins (backtest --config)
    for flags, options, _ in COMMON_OPTIONS:
        if not any(flag in taken for flag in flags):
            command.add_argument(*flags, **options, default=argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, JSON_BEFORE, False):
        if not hasattr(args, "json"):
            parser.error(
                f"--json: `monitor {args.command}` has no JSON output"
                if args.command
                else "--json needs a command, e.g. `monitor --json status`"
            )
        args.json = True
    from monitor.logs import setup_logging

    setup_logging(verbose=args.verbose, quiet=args.quiet, fmt=args.log_format)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MonitorError as exc:
        print(f"monitor: error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("monitor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `monitor search … | head`: the reader has what it wanted. Point stdout at /dev/null so the
        # interpreter's final flush does not raise again, and exit as a piped Unix tool does (SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        logging.shutdown()
