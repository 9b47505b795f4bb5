"""The files and folders a config names, checked before a poll needs them.

`monitor config check` validates the file itself and then every path it names, so a database that is not
one, or a data folder the service cannot write (a container whose volume is mounted elsewhere), shows up
in the check rather than as a traceback at the first poll. The topics file is checked by its own loader
(:mod:`monitor.cli.config_cmds`); here are the others. Each check is one named entry of :data:`CHECKS`:
the key it reports under, what it checks, and an example of what it says.

No SQLite here (the config package must not know it): a database is recognised by the 16-byte header
every SQLite 3 file begins with.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from monitor.config.schema import Problem
from monitor.config.sections import MonitorConfig, file_digest_dir

#: The first 16 bytes of every SQLite 3 database file (https://www.sqlite.org/fileformat.html).
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class PathCheck:
    """One path the config names: which key, how to find it, whether a poll fails without it."""

    key: str
    path: Callable[[MonitorConfig], Path | None]
    #: "file" (the path is a file the monitor writes), "folder" (a folder it writes files into)
    kind: Literal["file", "folder"]
    #: error: a poll or the service cannot work; warning: one feature (a channel, the health file) fails
    severity: Literal["error", "warning"]
    example: str
    #: What an existing file must hold (the database's header), beyond being writable.
    content: Callable[[Path], Iterator[str]] | None = None


def _database(config: MonitorConfig) -> Path:
    return Path(config.storage.path)


def _digests(config: MonitorConfig) -> Path | None:
    channel = config.delivery.file
    # the file channel is on while [delivery.file] is in the file or no other channel is configured;
    # checking its folder whenever it could be used costs nothing and catches the container case
    return None if channel.enabled is False else file_digest_dir(config)


def _health_file(config: MonitorConfig) -> Path | None:
    return Path(config.service.health_file) if config.service.health_file else None


def _database_problems(path: Path) -> Iterator[str]:
    """An existing database file: empty (SQLite makes it one) or an SQLite 3 file by its header."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        yield f"cannot read {path}: {exc.strerror or exc}"
        return
    if head and head != SQLITE_HEADER:
        shown = head.decode("utf-8", "replace").split("\n")[0][:20]
        yield f"{path} is not an SQLite database (it begins with {shown!r})"


CHECKS: tuple[PathCheck, ...] = (
    PathCheck(
        "storage.path",
        _database,
        "file",
        "error",
        "storage.path: /data/monitor.db is not an SQLite database (it begins with '[storage]')",
        content=_database_problems,
    ),
    PathCheck(
        "delivery.file.dir",
        _digests,
        "folder",
        "warning",
        "delivery.file.dir: cannot write digests into /app/config/digests: permission denied",
    ),
    PathCheck(
        "service.health_file",
        _health_file,
        "file",
        "warning",
        "service.health_file: cannot create /run/monitor/health.json: its folder /run/monitor does not exist",
    ),
)


def path_problems(config: MonitorConfig) -> list[Problem]:
    """The problems of every path :data:`CHECKS` names, for this config."""
    problems = []
    for check in CHECKS:
        path = check.path(config)
        if path is None:
            continue
        messages = list(_file_problems(path) if check.kind == "file" else _folder_problems(path))
        if check.content is not None and path.is_file():
            messages += check.content(path)
        problems += [Problem(check.key, message, check.severity) for message in messages]
    return problems


def _file_problems(path: Path) -> Iterator[str]:
    """A file the monitor creates or rewrites: it is a file (or absent) in a folder that can hold it."""
    if path.is_dir():
        yield f"{path} is a folder, not a file"
    elif path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            yield f"cannot read and write {path}: permission denied"
    else:
        yield from _creatable(path, f"cannot create {path}")


def _folder_problems(path: Path) -> Iterator[str]:
    """A folder the monitor writes files into: a writable folder, or one that can be made."""
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            yield f"cannot write into {path}: permission denied"
    elif path.exists():
        yield f"{path} is a file, not a folder"
    else:
        yield from _creatable(path, f"cannot create the folder {path}")


def _creatable(path: Path, what: str) -> Iterator[str]:
    """``path`` does not exist: its nearest existing ancestor must be a folder this process may write."""
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        yield f"{what}: {ancestor} is a file, not a folder"
    elif not os.access(ancestor, os.W_OK | os.X_OK):
        yield f"{what}: {ancestor} is not writable"
