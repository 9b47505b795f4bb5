"""Where the project's own files are when the code runs from a checkout, an install or a container.

The seeds and the shipped topics file live at the top of the project (``seeds/``, ``config/topics.toml``:
the design card names them there) and reach the installed package as package data through two symlinks,
``monitor/demo/data/seeds`` and ``monitor/demo/data/topics.toml``: setuptools copies what they point at
into the wheel, so `monitor demo` works from ``pip install .`` in any directory, and git holds one copy.
The current directory is not searched: a ``seeds/`` folder that happens to be there is not the demo's.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

from monitor.errors import ConfigError

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The package's own copy (an install) or the symlinks into the checkout (an editable install).
_PACKAGE_DATA = Path(str(files("monitor"))) / "demo" / "data"


def seeds_dir() -> Path:
    """The seed corpus: $MONITOR_SEEDS, else the package's (or the checkout's) seeds."""
    candidates = []
    if os.environ.get("MONITOR_SEEDS"):
        candidates.append(Path(os.environ["MONITOR_SEEDS"]))
    candidates += [_PACKAGE_DATA / "seeds", _PROJECT_ROOT / "seeds"]
    for path in candidates:
        if path.is_dir() and any(path.glob("*.txt")):
            return path.resolve()
    raise ConfigError(
        [f"no seed documents (*.txt) found; looked in {', '.join(str(c) for c in _unique(candidates))}"],
        hint="set MONITOR_SEEDS to a folder of seed .txt files, or reinstall the monitor "
        "(its package data monitor/demo/data/seeds is missing)",
    )


def topics_file() -> Path:
    """The shipped topics file: $MONITOR_TOPICS, else the package's (or the checkout's) topics.toml."""
    candidates = []
    if os.environ.get("MONITOR_TOPICS"):
        candidates.append(Path(os.environ["MONITOR_TOPICS"]))
    candidates += [_PACKAGE_DATA / "topics.toml", _PROJECT_ROOT / "config" / "topics.toml"]
    for path in candidates:
        if path.is_file():
            return path.resolve()
    raise ConfigError(
        [f"no topics file found; looked in {', '.join(str(c) for c in _unique(candidates))}"],
        hint="set MONITOR_TOPICS to a topics file, or reinstall the monitor "
        "(its package data monitor/demo/data/topics.toml is missing)",
    )


def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))
