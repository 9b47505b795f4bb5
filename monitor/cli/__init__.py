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
import sys
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor",
        description="Korea–US–Japan economic-security news monitor.",
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $MONITOR_CONFIG, else config/monitor.toml)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log line format on stderr"
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
    finally:
        logging.shutdown()
