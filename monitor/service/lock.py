"""One writing process per database: an exclusive ``flock`` on ``<db>.lock`` for the process's life.

`monitor run` holds it while it runs; `monitor poll` takes it for one cycle. A second one fails at once
with a message naming the holder (its pid, command and start time, which the holder writes into the
file). The kernel drops a flock when its process dies, however it dies (SIGKILL, OOM), so a crash never
leaves a stale lock to clean up by hand; the file itself stays and is harmless.

Readers (`monitor status`, `search`, `health`) don't lock: SQLite's WAL lets them read while a poll writes.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path
from typing import Any

from monitor.clock import format_kst, to_iso, utcnow
from monitor.errors import DatabaseBusy


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


class ProcessLock:
    """``with ProcessLock(db, "run"):`` … or ``acquire()``/``release()``; not re-entrant."""

    def __init__(self, db_path: str | Path, command: str) -> None:
        self.db_path = str(db_path)
        self.path = lock_path(db_path)
        self.command = command
        self._fd: int | None = None

    def acquire(self) -> None:
        if self.db_path == ":memory:":
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self._busy() from None
        # Say who holds it, for the next process's message. Written after locking, so a reader may
        # briefly see an empty file; it then says "pid unknown" rather than a wrong pid.
        os.ftruncate(fd, 0)
        holder = {
            "pid": os.getpid(),
            "command": self.command,
            "host": socket.gethostname(),
            "started_at": to_iso(utcnow()),
        }
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ProcessLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _busy(self) -> DatabaseBusy:
        holder = read_holder(self.path)
        pid = holder.get("pid")
        who = f"`monitor {holder.get('command', '?')}` (pid {pid if pid else 'unknown'}"
        if holder.get("started_at"):
            who += f", since {format_kst(holder['started_at'])}"
        who += ")"
        if holder.get("command") == "run":
            hint = (
                "the running service already polls every feed on its schedule; see `monitor status`, "
                f"or stop it first (kill -TERM {pid})"
                if pid
                else "see `monitor status`"
            )
        else:
            hint = "wait for it to finish, or point --config at another database"
        return DatabaseBusy(f"database {self.db_path} is in use by {who}", pid=pid, hint=hint)


def read_holder(path: Path) -> dict[str, Any]:
    """What the lock holder wrote about itself; {} when unreadable or not yet written."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
