"""Paper-account persistence: a small state file replaced atomically, plus an append-only history.

Rewriting every deal on every trade made each save slower as history grew; now a save appends
only the new deals and orders (one fsync) and then replaces the small state file, which records
how many history lines belong to it. Lines past that count (a crash between the two writes) or
a torn last line are dropped on load, so the two files always agree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from core.brokers.sim.book import Book, SimPosition
from core.brokers.sim.market import SymbolState
from core.brokers.sim.types import TradeDeal, TradeOrder
from core.storage.atomic import atomic_write_text

FORMAT = 2


def _positions(book: Book) -> list[dict[str, Any]]:
    return [
        {
            "ticket": p.ticket, "symbol": p.state.name, "type": p.type, "volume": p.volume,
            "price_open": p.price_open, "sl": p.sl, "tp": p.tp, "magic": p.magic,
            "comment": p.comment, "reason": p.reason, "time_msc": p.time_msc,
            "update_msc": p.update_msc,
        }
        for p in book.positions.values()
    ]


class SimPersistence:
    """Owns the two files of one simulated account."""

    def __init__(self, state_path: Path, durable: bool = True) -> None:
        self.state_path = state_path
        self.history_path = state_path.with_name(state_path.stem + ".history.jsonl")
        self.durable = durable
        self.saved_deals = 0
        self.saved_orders = 0

    def save(self, book: Book, states: dict[str, SymbolState], login: int) -> None:
        new = [json.dumps({"k": "d", **d._asdict()}, separators=(",", ":"))
               for d in book.deals[self.saved_deals:]]
        new += [json.dumps({"k": "o", **o._asdict()}, separators=(",", ":"))
                for o in book.orders[self.saved_orders:]]
        if new:
            self.history_path.parent.mkdir(parents=True, exist_ok=True)
            with self.history_path.open("a", encoding="utf-8", newline="\n") as handle:
                handle.write("\n".join(new) + "\n")
                handle.flush()
                if self.durable:
                    os.fsync(handle.fileno())
        doc = {
            "format": FORMAT, "login": login, "balance": book.balance,
            "next_order": book.next_order, "next_deal": book.next_deal,
            "next_request": book.next_request, "positions": _positions(book),
            "history": {"deals": len(book.deals), "orders": len(book.orders)},
            "quotes": {name: {"bid": st.bid, "ask": st.ask, "time_msc": st.time_msc}
                       for name, st in states.items() if st.has_quote},
        }
        atomic_write_text(self.state_path, json.dumps(doc, separators=(",", ":")),
                          durable=self.durable)
        self.saved_deals, self.saved_orders = len(book.deals), len(book.orders)

    def load(self, text: str, states: dict[str, SymbolState], book: Book) -> None:
        """Fill a fresh `book` and the quotes of `states`; ValueError if unusable."""
        try:
            doc: dict[str, Any] = json.loads(text)
            if doc.get("format") != FORMAT:
                raise ValueError(f"unknown state format {doc.get('format')!r}")
            deals, orders = self._history(int(doc["history"]["deals"]),
                                          int(doc["history"]["orders"]))
            positions = [_position(raw, states) for raw in doc["positions"]]
            quotes = {name: (float(q["bid"]), float(q["ask"]), int(q["time_msc"]))
                      for name, q in doc["quotes"].items() if name in states}
            balance = float(doc["balance"])
            counters = (int(doc["next_order"]), int(doc["next_deal"]), int(doc["next_request"]))
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"corrupt simulator state: {exc}") from exc
        book.balance = balance
        book.deals, book.orders = deals, orders
        book.next_order, book.next_deal, book.next_request = counters
        for pos in positions:
            book.positions[pos.ticket] = pos
            pos.state.positions.append(pos)
        book.closed_ids = {d.position_id for d in deals if d.position_id} - set(book.positions)
        for st in states.values():
            st.recompute_thresholds()
        for name, (bid, ask, time_msc) in quotes.items():
            st = states[name]
            st.bid, st.ask, st.time_msc = bid, ask, time_msc
            st.has_quote = True
        self.saved_deals, self.saved_orders = len(deals), len(orders)

    def _history(self, n_deals: int, n_orders: int) -> tuple[list[TradeDeal], list[TradeOrder]]:
        deals: list[TradeDeal] = []
        orders: list[TradeOrder] = []
        kept: list[str] = []
        dirty = False
        try:
            lines = self.history_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            try:
                item = json.loads(line)
                kind = item.pop("k")
            except (json.JSONDecodeError, KeyError, AttributeError):
                dirty = True  # a torn last line from a crash mid-append
                break
            if kind == "d" and len(deals) < n_deals:
                deals.append(TradeDeal(**item))
            elif kind == "o" and len(orders) < n_orders:
                orders.append(TradeOrder(**item))
            else:
                dirty = True  # written after the last state file: not part of the account
                continue
            kept.append(line)
        if len(deals) != n_deals or len(orders) != n_orders:
            raise ValueError(f"history has {len(deals)}/{n_deals} deals and "
                             f"{len(orders)}/{n_orders} orders")
        if dirty:
            atomic_write_text(self.history_path, "".join(x + "\n" for x in kept),
                              durable=self.durable)
        return deals, orders


def _position(raw: dict[str, Any], states: dict[str, SymbolState]) -> SimPosition:
    st = states.get(raw["symbol"])
    if st is None:
        raise ValueError(f"position {raw['ticket']} on unknown symbol {raw['symbol']!r}")
    pos = SimPosition(
        int(raw["ticket"]), st, int(raw["type"]), float(raw["volume"]),
        float(raw["price_open"]), float(raw["sl"]), float(raw["tp"]), int(raw["magic"]),
        str(raw["comment"]), int(raw["reason"]), int(raw["time_msc"]))
    pos.update_msc = int(raw["update_msc"])
    return pos
