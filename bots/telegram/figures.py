"""Today's numbers for headers and the dashboard, read from the trades journal and positions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.config import Settings

if TYPE_CHECKING:
    from core.engine import Engine

BREAKEVEN = 0.01  # |P&L| below this is neither a win nor a loss (SPEC §9.9)
TAIL = 5000


def trading_day_start(now: datetime, settings: Settings) -> datetime:
    """The last daily reset (`risk.daily_reset_time` in its timezone) at or before `now`."""
    zone = ZoneInfo(settings.risk.daily_reset_timezone)
    hour, minute = (int(x) for x in settings.risk.daily_reset_time.split(":"))
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    if start > local:
        start -= timedelta(days=1)
    return start


@dataclass(frozen=True, slots=True)
class Today:
    trades: int = 0
    wins: int = 0
    losses: int = 0
    gross_profit: float = 0.0
    gross_loss: float = 0.0
    entries: int = 0

    @property
    def net(self) -> float:
        return round(self.gross_profit + self.gross_loss, 2)

    @property
    def win_rate(self) -> float | None:
        decided = self.wins + self.losses
        return None if decided == 0 else self.wins / decided


def _since(records: list[dict[str, Any]], key: str, start: datetime) -> list[dict[str, Any]]:
    out = []
    for record in records:
        stamp = record.get(key)
        if stamp and datetime.fromisoformat(str(stamp)) >= start:
            out.append(record)
    return out


def today(engine: Engine) -> Today:
    """Closed trades (and entries) since the last daily reset."""
    if engine.store is None:
        return Today()
    start = trading_day_start(engine.clock.now(), engine.settings)
    closed = _since(engine.store.tail("trades", TAIL), "closed_at", start)
    profits = [float(r.get("profit") or 0.0) for r in closed]
    opened = _since(closed, "opened_at", start)
    open_now = _since(engine.store.all("positions"), "opened_at", start)
    return Today(
        trades=len(closed),
        wins=sum(1 for p in profits if p >= BREAKEVEN),
        losses=sum(1 for p in profits if p <= -BREAKEVEN),
        gross_profit=round(sum(p for p in profits if p > 0), 2),
        gross_loss=round(sum(p for p in profits if p < 0), 2),
        entries=len(opened) + len(open_now),
    )


def signed_money(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}${abs(value):,.2f}"
