"""Closed-trade records from the trades journal: parsing, partial folding, mode filtering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from core.analytics.labels import StrategyLabel, classify

EXPORT_FIELDS = ("ticket", "symbol", "direction", "volume", "price_open", "price_close",
                 "profit", "close_reason", "strategy", "strategy_label", "kind", "opened_at",
                 "closed_at", "mode", "signal_id", "group_id")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Trade:
    """One closed order (partials folded into their order) with its owner label."""

    ticket: int
    symbol: str
    direction: str
    volume: float
    price_open: float
    price_close: float
    profit: float
    close_reason: str
    strategy: str
    label: StrategyLabel
    kind: str
    opened_at: datetime | None
    closed_at: datetime
    mode: str | None = None
    signal_id: str | None = None
    group_id: str | None = None

    @classmethod
    def from_record(cls, doc: Mapping[str, Any]) -> Trade:
        strategy = str(doc.get("strategy") or "")
        owner = " ".join(str(doc.get(k) or "") for k in ("strategy", "logic", "timeframe"))
        closed = _when(doc.get("closed_at"))
        if closed is None:
            raise ValueError(f"trade #{doc.get('ticket')} has no closed_at")
        return cls(
            ticket=int(doc["ticket"]), symbol=str(doc.get("symbol") or "?"),
            direction=str(doc.get("direction") or "?"), volume=float(doc.get("volume") or 0),
            price_open=float(doc.get("price_open") or 0),
            price_close=float(doc.get("price_close") or 0),
            profit=round(float(doc.get("profit") or 0), 2),
            close_reason=str(doc.get("close_reason") or "UNKNOWN"), strategy=strategy,
            label=classify(owner.strip() or None, doc.get("comment"),
                           int(doc["magic"]) if doc.get("magic") is not None else None),
            kind=str(doc.get("kind") or ""), opened_at=_when(doc.get("opened_at")),
            closed_at=closed, mode=(str(doc["mode"]).upper() if doc.get("mode") else None),
            signal_id=doc.get("signal_id"), group_id=doc.get("group_id"))

    def row(self) -> dict[str, Any]:
        """The export row (SPEC §5.6 fields the journal holds)."""
        return {
            "ticket": self.ticket, "symbol": self.symbol, "direction": self.direction,
            "volume": self.volume, "price_open": self.price_open,
            "price_close": self.price_close, "profit": self.profit,
            "close_reason": self.close_reason, "strategy": self.strategy,
            "strategy_label": self.label.name, "kind": self.kind,
            "opened_at": self.opened_at.isoformat() if self.opened_at else "",
            "closed_at": self.closed_at.isoformat(), "mode": self.mode or "",
            "signal_id": self.signal_id or "", "group_id": self.group_id or "",
        }


def load_trades(docs: Iterable[Mapping[str, Any]], mode: str) -> list[Trade]:
    """Trades of one mode (records without a mode belong to the running mode), shadow never,
    partial closes of one ticket folded into one order; sorted by closing time."""
    wanted = mode.upper()
    by_ticket: dict[int, Trade] = {}
    order: list[int] = []
    for doc in docs:
        trade = Trade.from_record(doc)
        if (trade.mode or wanted) != wanted or trade.mode == "SHADOW":
            continue
        known = by_ticket.get(trade.ticket)
        if known is None:
            by_ticket[trade.ticket] = trade
            order.append(trade.ticket)
        else:  # a partial close earlier, the final close now: one order, summed P&L
            by_ticket[trade.ticket] = replace(
                trade, profit=round(known.profit + trade.profit, 2),
                volume=max(known.volume, trade.volume),
                opened_at=known.opened_at or trade.opened_at)
    return sorted((by_ticket[t] for t in order), key=lambda t: t.closed_at)
