"""Per-strategy counts of the trading day (SPEC §4.2.7, §4.3.4): groups opened, realised P&L."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.events import Event, EventBus, PositionClosed, PositionOpened
from core.storage.store import Store
from core.strategies.api import StrategyDay
from core.trading.service import TradingService

TABLE = "strategy_days"


class StrategyDayBook:
    """Counts live orders only: the shadow ledger never publishes these events. The trading
    day comes from the risk ledger (03:35 IST reset), so both roll over together."""

    def __init__(self, store: Store, bus: EventBus, trading: TradingService,
                 trading_day: Callable[[], str]) -> None:
        self._store = store
        self._trading = trading
        self._day = trading_day
        bus.listen(self._on_event, (PositionOpened, PositionClosed))

    def day(self, owner: str) -> StrategyDay:
        doc = self._doc(owner)
        open_count = sum(1 for p in self._trading.positions.values()
                         if self._trading.meta(p.ticket).get("strategy") == owner)
        return StrategyDay(doc["day"], len(doc["groups"]), round(doc["loss"], 2),
                           round(doc["profit"], 2), open_count)

    def _doc(self, owner: str) -> dict[str, Any]:
        today = self._day()
        doc = self._store.get(TABLE, owner)
        if doc is None or doc.get("day") != today:
            return {"day": today, "groups": [], "loss": 0.0, "profit": 0.0}
        return {"day": today, "groups": list(doc.get("groups") or []),
                "loss": float(doc.get("loss") or 0.0), "profit": float(doc.get("profit") or 0.0)}

    def _on_event(self, event: Event) -> None:
        if isinstance(event, PositionOpened):
            owner = event.strategy
            meta = self._trading.meta(event.position.ticket)
            group = str(meta.get("group_id") or event.position.ticket)
            doc = self._doc(owner)
            if group not in doc["groups"]:
                doc["groups"].append(group)
                self._store.put(TABLE, owner, doc)
        elif isinstance(event, PositionClosed) and event.strategy:
            doc = self._doc(event.strategy)
            if event.profit < 0:
                doc["loss"] += -event.profit
            else:
                doc["profit"] += event.profit
            self._store.put(TABLE, event.strategy, doc)
