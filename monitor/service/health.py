"""What an operator is shown: a feed's rhythm and silence, and the health file.

Pure functions over values the store and the service hand in; no I/O except the health file, so
`monitor status`, `monitor health` and the service share one definition of "silent" and "healthy".
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.clock import from_iso

#: Fewer dated articles than this say nothing about a feed's rhythm.
MIN_RHYTHM_SAMPLES = 5
#: However regular a feed, silence shorter than this is never flagged (a wire posting every 2 minutes
#: is not "silent" after 10).
MIN_SILENCE = timedelta(hours=2)
#: The health check's default: two missed heartbeats (one a minute) and the service is unhealthy.
HEALTH_MAX_AGE_S = 180.0


@dataclass(frozen=True, slots=True)
class Rhythm:
    """How often a feed publishes, from its stored article times."""

    samples: int
    usual_gap: timedelta | None  # the 90th-percentile gap between consecutive articles
    last_entry: datetime | None
    silent_for: timedelta | None
    silent: bool
    threshold: timedelta | None  # silence longer than this is flagged


def feed_rhythm(
    times: Sequence[str | datetime], *, now: datetime, interval_s: float, factor: int = 4
) -> Rhythm:
    """The feed's usual longest gap and whether it has been silent ``factor`` times longer than that.

    The 90th percentile rather than the median: news feeds go quiet every night and weekend, and those
    long gaps are part of the rhythm, not silence. The threshold is never below two poll intervals (we
    can't see an article before we poll) or :data:`MIN_SILENCE`.
    """
    parsed = (t if isinstance(t, datetime) else from_iso(t) for t in times)
    stamps = sorted((t for t in parsed if t is not None and t <= now), reverse=True)
    last = stamps[0] if stamps else None
    silent_for = now - last if last else None
    if len(stamps) < MIN_RHYTHM_SAMPLES:
        return Rhythm(len(stamps), None, last, silent_for, False, None)
    gaps = sorted(a - b for a, b in zip(stamps, stamps[1:], strict=False))
    usual = gaps[min(len(gaps) - 1, int(0.9 * len(gaps)))]
    threshold = max(usual * factor, timedelta(seconds=2 * interval_s), MIN_SILENCE)
    silent = silent_for is not None and silent_for > threshold
    return Rhythm(len(stamps), usual, last, silent_for, silent, threshold)


# --------------------------------------------------------------------------------------------------
# The health file: rewritten by the service every minute, read by `monitor health` (Docker HEALTHCHECK)
# --------------------------------------------------------------------------------------------------


def default_health_file(db_path: str) -> Path:
    path = Path(db_path)
    return path.with_name(path.stem + ".health.json")


def write_health(path: Path, payload: Mapping[str, Any]) -> None:
    """Replace the file atomically, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


@dataclass(frozen=True, slots=True)
class HealthVerdict:
    healthy: bool
    reason: str
    payload: dict[str, Any]


def judge_health(
    payload: Mapping[str, Any] | None, *, now: datetime, max_age_s: float = HEALTH_MAX_AGE_S
) -> HealthVerdict:
    """Healthy: the service says it is running and its heartbeat is recent."""
    if not payload:
        return HealthVerdict(False, "no health file: is `monitor run` running?", {})
    data = dict(payload)
    state = data.get("state")
    beat = from_iso(data.get("heartbeat_at"))
    if state != "running":
        return HealthVerdict(False, f"service state is {state!r}", data)
    if beat is None:
        return HealthVerdict(False, "no heartbeat recorded", data)
    age = (now - beat).total_seconds()
    if age > max_age_s:
        return HealthVerdict(
            False,
            f"last heartbeat {age:.0f}s ago (limit {max_age_s:.0f}s): the service is stuck or was killed",
            data,
        )
    return HealthVerdict(True, f"running (pid {data.get('pid')}), heartbeat {age:.0f}s ago", data)


def read_health(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
