"""The file channel: a digest as Markdown and HTML files in a directory (the default channel).

It needs no account, so the demo and a first-time user see a digest at once. Files are named by the
digest's KST time (``digest-20261123-080000-KST.md``), so a directory listing reads as a timeline. Each
file is written to a temporary file in the same directory and renamed into place, so a reader (or a
crash) never sees half a digest.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from monitor.clock import utcnow
from monitor.digest import kst_stamp, render_html, render_markdown, render_slack, render_text
from monitor.errors import DeliveryError
from monitor.models import Digest, Receipt


class FileChannel:
    """Writes ``<dir>/digest-<KST time>.md`` and ``.html``; ``Receipt.paths`` holds both paths."""

    def __init__(self, directory: str | Path, *, name: str = "file", now: Callable[[], datetime] = utcnow):
        self.directory = Path(directory)
        self.name = name
        self._now = now

    def send(self, digest: Digest) -> Receipt:
        base = f"digest-{kst_stamp(digest)}"
        markdown = render_markdown(digest)
        if _holds_other(self.directory / f"{base}.md", markdown):
            # Another digest of the same second (an alert and a scheduled digest, say): never write over
            # what a reader may already have opened. The same digest again (a repeat) replaces itself.
            base = f"{base}-{digest.digest_id[:8]}"
        contents = {f"{base}.md": markdown, f"{base}.html": render_html(digest)}
        paths = _write_all(self.directory, contents, channel=self.name)
        return Receipt(
            channel=self.name,
            message_id=f"{base}.md",
            accepted_at=self._now(),
            messages=len(paths),
            story_ids=digest.story_ids,
            paths=tuple(str(p) for p in paths),
        )


def write_preview(digest: Digest, directory: str | Path) -> tuple[Path, ...]:
    """Every rendered form of ``digest`` into ``directory`` (for ``monitor digest --preview``).

    Text and HTML are the email's two parts, Markdown the file channel's, and ``.slack.json`` the list of
    webhook payloads exactly as they would be posted. Nothing is delivered or recorded.
    """
    base = f"preview-{digest.channel}-{kst_stamp(digest)}"
    slack = json.dumps(render_slack(digest), ensure_ascii=False, indent=2) + "\n"
    contents = {
        f"{base}.txt": render_text(digest),
        f"{base}.md": render_markdown(digest),
        f"{base}.html": render_html(digest),
        f"{base}.slack.json": slack,
    }
    return _write_all(Path(directory), contents, channel="preview")


def _holds_other(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") != text
    except (OSError, UnicodeDecodeError):  # absent (the usual case) or unreadable: nothing to keep
        return False


def _write_all(directory: Path, contents: dict[str, str], *, channel: str) -> tuple[Path, ...]:
    """Write every file, or raise DeliveryError naming the path; temporary files never stay behind."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        paths = tuple(_write_atomic(directory / name, text) for name, text in contents.items())
        _sync_directory(directory)
    except OSError as e:
        where = e.filename or directory
        raise DeliveryError(
            f"cannot write the digest to {where}: {e.strerror or e}",
            channel=channel,
            retryable=not isinstance(e, PermissionError),
            hint="check that [delivery.file] dir is a writable directory",
        ) from e
    return paths


def _write_atomic(path: Path, text: str) -> Path:
    """Temp file in the same directory, fsync, rename over ``path``: all of the file or none of it.

    The temporary file is opened with mode 0666 less the umask (0644 under the usual 022), like any file
    a program writes: a digest is meant to be read, by a web server or a colleague, and holds nothing a
    person could not see in the feeds. (mkstemp's 0600 made every digest private to the service user.)
    Anyone who wants them private sets the service's umask to 077."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = _create(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _create(path: Path) -> int:
    """A new file (never an existing one) with the umask's mode, open for writing."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)


def _sync_directory(directory: Path) -> None:
    """Make the renames durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
