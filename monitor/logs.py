"""Logging setup: one line per event on stderr, carrying the feed, URL and stage it is about.

Modules log with ``log.info("...", extra=ctx(feed=..., url=..., stage=...))``; the formatter appends the
fields that are present, so a line reads ``12:00:01 WARNING fetch feed=연합뉴스 url=https://… timed out``.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from monitor.clock import KST

CONTEXT_FIELDS = ("feed", "url", "stage")


def ctx(**fields: Any) -> dict[str, Any]:
    """The ``extra=`` mapping for a log call; None values are left out."""
    return {k: v for k, v in fields.items() if v is not None}


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from datetime import datetime

        when = datetime.fromtimestamp(record.created, KST).strftime("%H:%M:%S")
        parts = [when, record.levelname]
        stage = getattr(record, "stage", None)
        parts.append(stage or record.name.removeprefix("monitor."))
        for key in ("feed", "url"):
            value = getattr(record, key, None)
            if value is not None:
                parts.append(f"{key}={value}")
        parts.append(record.getMessage())
        line = " ".join(str(p) for p in parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from datetime import UTC, datetime

        obj: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                obj[key] = value
        if record.exc_info:
            obj["exc"] = self.formatException(record.exc_info)
        return json.dumps(obj, ensure_ascii=False)


def setup_logging(*, verbose: int = 0, quiet: bool = False, fmt: str = "text") -> None:
    if quiet:
        level = logging.WARNING
    else:
        level = logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("monitor")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs every request at INFO; that is our fetch module's job, with feed context.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
