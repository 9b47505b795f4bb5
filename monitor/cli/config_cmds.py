"""`monitor config check`: validate the config file and list every problem at once.

Exit codes follow ``monitor.cli``: 0 no errors (warnings allowed), 1 the file has errors, 2 the file could
not be found.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from monitor.cli.common import print_json
from monitor.config import ConfigReport, Problem, inspect_config, path_problems, resolve_config_path
from monitor.errors import ConfigError
from monitor.match import load_topics
from monitor.plural import counted


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("config", help="check the configuration file")
    commands = group.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    check = commands.add_parser(
        "check", help="validate the config file and list every problem with its key (exit 1 on errors)"
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    report = _with_paths(_with_topics(inspect_config(resolve_config_path(args.config))))
    if args.json:
        print_json(_report_json(report))
    else:
        print(_report_text(report))
    return 0 if report.ok else 1


def _with_topics(report: ConfigReport) -> ConfigReport:
    """The report with the problems of the topics file the config names, each keyed by its path inside
    that file (``matching.topics: …/topics.toml: topics.trade.terms[1]: …``), so a broken topics file
    (hand-edited, or written by `monitor topics tune --write`) is caught here, not at the first poll.
    Done by the command, not by loading: a service keeps running unmatched on a broken topics file."""
    topics = report.config.matching.topics if report.config else None
    if topics is None or not Path(topics).is_file():
        return report  # a missing file is already a warning of inspect_config's
    try:
        load_topics(topics)
    except ConfigError as exc:
        found = tuple(Problem("matching.topics", f"{topics}: {p}") for p in exc.problems)
        return replace(report, problems=(*report.problems, *found))
    return report


def _with_paths(report: ConfigReport) -> ConfigReport:
    """The report with the problems of the other files and folders the config names (the database, the
    digest folder, the health file: :data:`monitor.config.files.CHECKS`)."""
    if report.config is None:
        return report
    found = path_problems(report.config)
    return replace(report, problems=(*report.problems, *found)) if found else report


def _report_text(report: ConfigReport) -> str:
    lines = [f"config: {report.path}"]
    lines += [f"{p.severity}: {p}" for p in report.problems]
    warnings = counted(len(report.warnings), "warning")
    if report.config is None or report.errors:  # errors outside the config itself (its topics file)
        lines.append(f"{counted(len(report.errors), 'error')}, {warnings}")
    else:
        feeds = report.config.feeds
        ok = f"config OK ({warnings})" if report.warnings else "config OK"
        lines.append(
            f"{ok}: {counted(len(feeds), 'feed')} ({sum(f.enabled for f in feeds)} enabled), "
            f"database {_shown_path(report.config.storage.path)}"
        )
    return "\n".join(lines)


def _report_json(report: ConfigReport) -> dict[str, Any]:
    config = report.config
    return {
        "path": str(report.path),
        "ok": report.ok,
        "problems": [
            {"key": p.key, "message": p.message, "severity": p.severity, "item": p.item}
            for p in report.problems
        ],
        "feeds": len(config.feeds) if config else 0,
        "enabled_feeds": sum(f.enabled for f in config.feeds) if config else 0,
        "database": config.storage.path if config else None,
    }


def _shown_path(path: str) -> str:
    """Relative to the current directory when inside it: shorter, and what the user would type."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path
