"""What every command needs: the config from --config/$MONITOR_CONFIG, the store, and plain output."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from typing import Any

from monitor.config import MonitorConfig, load_config, resolve_config_path
from monitor.store import Store


def config_from(args: argparse.Namespace) -> MonitorConfig:
    return load_config(resolve_config_path(getattr(args, "config", None)))


def open_store(config: MonitorConfig) -> Store:
    return Store.open(config.storage.path)


def print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def _cols(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def width(text: str) -> int:
    """Columns a string takes in a terminal: Hangul and other wide characters take two."""
    return sum(_cols(ch) for ch in text)


def fit(text: str, cols: int) -> str:
    """Cut (with an ellipsis) or pad ``text`` to exactly ``cols`` terminal columns."""
    if width(text) > cols:
        out, used = [], 0
        for ch in text:
            if used + _cols(ch) > cols - 1:
                break
            out.append(ch)
            used += _cols(ch)
        text = "".join(out) + "…"
    return text + " " * (cols - width(text))


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain text table whose columns line up with Korean text in them."""
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(fit(c, w) for c, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(lines)
