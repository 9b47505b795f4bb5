"""Time: UTC for storage, KST for people.

Korea has kept UTC+9 without daylight saving since 1988, but we still use the tz database name so that
the scheduler and people's expectations agree on "Asia/Seoul".
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")

_WEEKDAYS_KO = "월화수목금토일"


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """Aware UTC datetime; a naive value is taken to be UTC already (that is how we store)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_iso(value: datetime | None) -> str | None:
    """Storage form: ISO 8601 UTC with a 'Z'-free '+00:00' offset, second precision, sortable as text."""
    if value is None:
        return None
    return to_utc(value).replace(microsecond=0).isoformat()


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return to_utc(datetime.fromisoformat(value))


def format_kst(value: datetime | str | None, *, weekday: bool = False, seconds: bool = False) -> str:
    """'2026-11-23 08:00 KST' (optionally '2026-11-23 (월) 08:00 KST'); '-' for no time."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        parsed = from_iso(value)
        assert parsed is not None
        value = parsed
    local = to_utc(value).astimezone(KST)
    day = local.strftime("%Y-%m-%d")
    if weekday:
        day += f" ({_WEEKDAYS_KO[local.weekday()]})"
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{day} {clock} KST"
