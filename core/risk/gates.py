"""Global gates for new orders (SPEC §3.8): results, reason texts, weekend closure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.config.settings import Settings

GATE_ORDER = ("PAUSED", "WEEKEND", "SESSION_BLOCKED", "LIFETIME_CAP", "DAILY_CAP",
              "PROFIT_TARGET_REACHED", "MAX_OPEN", "MAX_DAILY_TRADES")


@dataclass(frozen=True, slots=True)
class GateResult:
    """`code` is the reason code of the first failing gate, None when the order may go.

    `text` says why in a trader's words ("blocked: daily loss cap $200 reached"); an allowed
    result may still carry a warning (a manual order bypassing the session filter).
    """

    code: str | None
    text: str = ""
    warning: str = ""

    @property
    def allowed(self) -> bool:
        return self.code is None


ALLOWED = GateResult(None)


def usd(value: float) -> str:
    """`$200`, `$1,250.50`: whole dollars without cents."""
    if abs(value - round(value)) < 0.005:
        return f"${round(value):,}"
    return f"${value:,.2f}"


def in_weekend_closure(when: datetime) -> bool:
    """Friday 22:00 UTC to Sunday 22:00 UTC (SPEC §8.2); start inclusive, end exclusive."""
    utc = when.astimezone(UTC)
    weekday, hour = utc.weekday(), utc.hour
    return (weekday == 4 and hour >= 22) or weekday == 5 or (weekday == 6 and hour < 22)


def weekend_blocked(settings: Settings, now: datetime) -> bool:
    return settings.risk.weekend_block and in_weekend_closure(now)



def paused_text(reason: str | None) -> str:
    return f"blocked: trading is paused ({reason or 'MANUAL'})"


WEEKEND_TEXT = "blocked: weekend closure (Fri 22:00 to Sun 22:00 UTC)"
