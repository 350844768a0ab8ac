"""Global gates for new orders (SPEC §3.8) that exist so far: pause, weekend, max open."""

from __future__ import annotations

from datetime import datetime

from core.config.settings import Settings


def in_weekend_closure(when: datetime) -> bool:
    """Friday 22:00 UTC to Sunday 22:00 UTC (SPEC §8.2)."""
    weekday, hour = when.weekday(), when.hour
    return (weekday == 4 and hour >= 22) or weekday == 5 or (weekday == 6 and hour < 22)


def new_order_block(settings: Settings, now: datetime, paused: bool, open_count: int) -> str | None:
    """The reason code of the first failing gate, or None when a new order may go."""
    if paused:
        return "PAUSED"
    if settings.risk.weekend_block and in_weekend_closure(now):
        return "WEEKEND"
    if open_count >= settings.risk.max_open_trades:
        return "MAX_OPEN"
    return None
