"""Clocks (system, frozen) and the operator-facing time formats of SPEC §8.4."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DISPLAY_TZ = "Asia/Kolkata"


class Clock(Protocol):
    """Source of the current time; every component reads time through one of these."""

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FrozenClock:
    """A clock that moves only when told to (tests, snapshots, replays)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2025, 11, 24, 8, 35, 12, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def set(self, when: datetime) -> None:
        """Jump to a time (forward or backward; the monotonic part only moves forward)."""
        when = when.astimezone(UTC)
        delta = (when - self._now).total_seconds()
        if delta > 0:
            self._mono += delta
        self._now = when

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += max(seconds, 0.0)


def to_display(when: datetime, tz: str = DISPLAY_TZ) -> datetime:
    return when.astimezone(ZoneInfo(tz))


def fmt_time(when: datetime, tz: str = DISPLAY_TZ) -> str:
    """`14:05:12 IST`."""
    local = to_display(when, tz)
    return f"{local:%H:%M:%S} {local.tzname()}"


def fmt_date(when: datetime, tz: str = DISPLAY_TZ) -> str:
    """`24 Nov 2025 (Monday)`."""
    local = to_display(when, tz)
    return f"{local:%d %b %Y (%A)}"


def fmt_header(when: datetime, tz: str = DISPLAY_TZ) -> str:
    """Compact header form `14:05:12 IST | 24 Nov (Mon)`."""
    local = to_display(when, tz)
    return f"{local:%H:%M:%S} {local.tzname()} | {local:%d %b (%a)}"


def fmt_duration(seconds: float) -> str:
    """`1h 12m`, `3m 05s`, `42s`."""
    total = int(max(seconds, 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
