"""Per-strategy counts of the trading day (SPEC §4.2.7, §4.3.4): groups opened, realised P&L."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.events import Event, EventBus, PositionClosed, PositionOpened
from core.storage.store import Store
from core.strategies.api import StrategyDay
from core.trading.service import POSITIONS, TRADES, TradingService


@dataclass
class _Day:
    day: str
    groups: set[str] = field(default_factory=set)
    loss: float = 0.0
    profit: float = 0.0


class StrategyDayBook:
    """Counts live orders only: the shadow ledger never publishes these events. Everything it
    knows is already durable (position records, the trades journal), so it keeps the counts
    in memory and rebuilds them at start: no write of its own on the order path. The trading
    day comes from the risk ledger (03:35 IST reset), so both roll over together."""

    def __init__(self, store: Store, bus: EventBus, trading: TradingService,
                 trading_day: Callable[[], str], day_start: Callable[[], datetime]) -> None:
        self._trading = trading
        self._day = trading_day
        self._days: dict[str, _Day] = {}
        since = day_start()
        self._replay(store.all(POSITIONS), since, closed=False)
        self._replay(store.scan(TRADES, where=lambda d: _at(d, "closed_at") >= since), since,
                     closed=True)
        bus.listen(self._on_event, (PositionOpened, PositionClosed))

    def day(self, owner: str) -> StrategyDay:
        doc = self._doc(owner)
        open_count = sum(1 for p in self._trading.positions.values()
                         if self._trading.meta(p.ticket).get("strategy") == owner)
        return StrategyDay(doc.day, len(doc.groups), round(doc.loss, 2), round(doc.profit, 2),
                           open_count)

    def _doc(self, owner: str) -> _Day:
        today = self._day()
        doc = self._days.get(owner)
        if doc is None or doc.day != today:
            doc = self._days[owner] = _Day(today)
        return doc

    def _replay(self, records: Iterable[dict[str, Any]], since: datetime, closed: bool) -> None:
        for record in records:
            owner = str(record.get("strategy") or "")
            if not owner:
                continue
            doc = self._doc(owner)
            if _at(record, "opened_at") >= since:
                doc.groups.add(str(record.get("group_id") or record.get("ticket")))
            if closed:
                self._realised(doc, float(record.get("profit") or 0.0))

    def _on_event(self, event: Event) -> None:
        if isinstance(event, PositionOpened):
            meta = self._trading.meta(event.position.ticket)
            group = str(meta.get("group_id") or event.position.ticket)
            self._doc(event.strategy).groups.add(group)
        elif isinstance(event, PositionClosed) and event.strategy:
            self._realised(self._doc(event.strategy), event.profit)

    @staticmethod
    def _realised(doc: _Day, profit: float) -> None:
        if profit < 0:
            doc.loss += -profit
        else:
            doc.profit += profit


def _at(record: dict[str, Any], key: str) -> datetime:
    value = record.get(key)
    return datetime.fromisoformat(str(value)) if value else datetime.min.replace(tzinfo=UTC)
