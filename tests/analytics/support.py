"""A small fixed set of closed trades whose numbers are worked out by hand in the tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.analytics.records import Trade, load_trades
from core.engine import Engine

IST = ZoneInfo("Asia/Kolkata")


def ist(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=IST)


def record(ticket: int, symbol: str, profit: float, strategy: str, closed: datetime,
           reason: str = "EXIT_SIGNAL", kind: str = "A", **extra: Any) -> dict[str, Any]:
    """A closed-trade record as the trading service journals it."""
    return {"ticket": ticket, "symbol": symbol, "direction": "BUY", "volume": 0.1,
            "price_open": 1.1, "price_close": 1.2, "profit": profit, "close_reason": reason,
            "strategy": strategy, "kind": kind,
            "opened_at": (closed - timedelta(hours=1)).astimezone(UTC).isoformat(),
            "closed_at": closed.astimezone(UTC).isoformat(), **extra}


# P&L +50, −20, 0, −40, +30, −10 → net +10; trading days 25 Nov (+30) and 26 Nov (−20).
RECORDS = [
    record(1, "EURUSD", 50.0, "combinedlogic-1", ist(25, 10)),
    record(2, "EURUSD", -20.0, "combinedlogic-2", ist(25, 15)),
    record(3, "GBPUSD", 0.004, "manual", ist(26, 3, 34, 59), kind="M"),  # still 25 Nov
    record(4, "XAUUSD", -40.0, "v6_price_action_15m", ist(26, 3, 35)),  # 26 Nov begins
    record(5, "GBPUSD", 30.0, "v3_combined", ist(26, 12), reason="TP", logic="combinedlogic-1"),
    record(6, "XAUUSD", -10.0, "combinedlogic-1", ist(26, 13), reason="SL", kind="R"),
]


def trades() -> list[Trade]:
    return load_trades(RECORDS, "paper")


def journal(engine: Engine, records: list[dict[str, Any]] | None = None) -> None:
    assert engine.store is not None
    for doc in RECORDS if records is None else records:
        engine.store.append("trades", doc)
