"""Today's realised net P&L and losses, kept incrementally from the trades journal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from core.analytics.periods import TradingCalendar
from core.storage.store import Store

TRADES = "trades"


class DayTally:
    """Net and losses of the current trading day. Reads only records it has not seen: on the
    first call it walks back from the newest record to the start of the day, then it follows
    the journal forward (records are appended as positions close)."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.net = 0.0
        self.losses = 0.0  # realised losses only: profits do not offset them (SPEC §5.4.4)
        self._through = 0

    def refresh(self, store: Store, calendar: TradingCalendar, now: datetime, mode: str) -> None:
        day = calendar.trading_day(now)
        if self.day is None:
            self.day = day
            self._add(self._today_tail(store, calendar.day_start(day)), calendar, mode)
        elif day != self.day:
            self.day, self.net, self.losses = day, 0.0, 0.0
        self._add(store.scan(TRADES, since_record=self._through), calendar, mode)

    @staticmethod
    def _today_tail(store: Store, start: datetime) -> list[dict[str, Any]]:
        n = 200
        while True:
            docs = store.tail(TRADES, n)
            oldest = docs[-1].get("closed_at") if docs else None
            if len(docs) < n or (oldest and datetime.fromisoformat(oldest) < start):
                return list(reversed(docs))
            n *= 4

    def _add(self, docs: Iterable[dict[str, Any]], calendar: TradingCalendar, mode: str) -> None:
        for doc in docs:
            number = int(doc["_no"])
            if number <= self._through:
                continue
            self._through = number
            if str(doc.get("mode") or mode).upper() != mode.upper() or not doc.get("closed_at"):
                continue
            if calendar.trading_day(datetime.fromisoformat(doc["closed_at"])) != self.day:
                continue
            profit = float(doc.get("profit") or 0)
            self.net = round(self.net + profit, 2)
            if profit < 0:
                self.losses = round(self.losses - profit, 2)
