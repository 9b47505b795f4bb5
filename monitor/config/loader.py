"""Finding the config file, loading it, and reporting what is wrong with it.

:func:`load_config` is what the program uses (a ConfigError carries every error; warnings are logged);
:func:`inspect_config` and :func:`check_config` return the problems instead, for `monitor config check`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from monitor.config.schema import Context, Problem, read_toml, sort_problems, validate
from monitor.config.sections import MonitorConfig, build_config, feed_list_problems
from monitor.errors import ConfigError
from monitor.logs import ctx

log = logging.getLogger(__name__)

#: The environment variable that names the config file when ``--config`` is not given.
ENV_VAR = "MONITOR_CONFIG"
#: Where the config file is looked for last, relative to the current directory.
DEFAULT_PATH = Path("config/monitor.toml")


@dataclass(frozen=True)
class ConfigReport:
    """Everything :func:`inspect_config` found: the problems and, when there were no errors, the config."""

    path: Path
    problems: tuple[Problem, ...]
    config: MonitorConfig | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors


def resolve_config_path(cli_value: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """``--config`` if given, else ``$MONITOR_CONFIG``, else ``./config/monitor.toml``; absolute."""
    if cli_value is not None:
        candidate, source = cli_value, "given with --config"
    elif env.get(ENV_VAR):
        candidate, source = env[ENV_VAR], f"named by ${ENV_VAR}"
    else:
        candidate, source = str(DEFAULT_PATH), "the default, as neither --config nor $MONITOR_CONFIG was set"
    path = Path(candidate).expanduser().absolute()
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "not found"
        error = ConfigError([f"config file {what}: {path} ({source})"])
        error.hint = f"pass --config PATH, or set {ENV_VAR}, or run from the folder that holds {DEFAULT_PATH}"
        raise error
    return path


def load_config(path: Path | str, env: Mapping[str, str] = os.environ) -> MonitorConfig:
    """The validated config; ConfigError listing every error otherwise. Warnings are logged."""
    report = inspect_config(path, env)
    if report.config is None:
        raise ConfigError([str(p) for p in report.errors], str(report.path))
    for warning in report.warnings:
        log.warning("%s: %s", report.path, warning, extra=ctx(stage="config"))
    return report.config


def check_config(path: Path | str, env: Mapping[str, str] = os.environ) -> list[Problem]:
    """Every problem in the file, errors and warnings, sorted by key path; empty when all is well."""
    return list(inspect_config(path, env).problems)


def inspect_config(path: Path | str, env: Mapping[str, str] = os.environ) -> ConfigReport:
    """Read, validate and (when there are no errors) build the config, in one pass that misses nothing."""
    path = Path(path).expanduser().absolute()
    try:
        raw = read_toml(path)
    except ValueError as exc:
        return ConfigReport(path, (Problem("", str(exc)),), None)
    values, problems = validate(raw, Context(base_dir=path.parent, env=env))
    problems.extend(feed_list_problems(raw.get("feeds")))
    config = None
    if not any(p.severity == "error" for p in problems):
        config = build_config(path, raw, values)
        if config.feeds and not any(f.enabled for f in config.feeds):
            problems.append(Problem("feeds", "every feed is disabled; nothing will be polled", "warning"))
        matching = config.matching
        if matching.enabled and not Path(matching.topics).is_file():
            # Not an error: the monitor runs and stores articles unmatched; but it is most likely a typo.
            problems.append(
                Problem(
                    "matching.topics",
                    f"no file at {matching.topics}; articles will be stored unmatched until it exists",
                    "warning",
                )
            )
    return ConfigReport(path, sort_problems(problems), config)
