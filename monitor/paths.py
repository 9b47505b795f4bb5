"""Where the project's own files are when the code runs from a checkout, an install or a container."""

from __future__ import annotations

import os
from pathlib import Path

from monitor.errors import ConfigError

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def seeds_dir() -> Path:
    """The seed corpus: $MONITOR_SEEDS, ./seeds, or the checkout's seeds/ next to the package."""
    candidates = []
    if os.environ.get("MONITOR_SEEDS"):
        candidates.append(Path(os.environ["MONITOR_SEEDS"]))
    candidates += [Path.cwd() / "seeds", _PROJECT_ROOT / "seeds"]
    for path in candidates:
        if path.is_dir() and any(path.glob("*.txt")):
            return path
    raise ConfigError(
        [f"no seed documents found (looked in {', '.join(str(c) for c in candidates)})"],
    )


def topics_file() -> Path:
    """The shipped topics file: $MONITOR_TOPICS, ./config/topics.toml, or the checkout's."""
    candidates = []
    if os.environ.get("MONITOR_TOPICS"):
        candidates.append(Path(os.environ["MONITOR_TOPICS"]))
    candidates += [Path.cwd() / "config" / "topics.toml", _PROJECT_ROOT / "config" / "topics.toml"]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    raise ConfigError([f"no topics file found (looked in {', '.join(str(c) for c in candidates)})"])
