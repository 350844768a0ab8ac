"""Save and restore the simulated account (JSON, replaced atomically) so paper trading survives."""

from __future__ import annotations

import json
from typing import Any

from core.brokers.sim.book import Book, SimPosition
from core.brokers.sim.market import SymbolState
from core.brokers.sim.types import TradeDeal, TradeOrder

FORMAT = 1


def dump_state(book: Book, states: dict[str, SymbolState], login: int) -> str:
    positions = [
        {
            "ticket": p.ticket, "symbol": p.state.name, "type": p.type, "volume": p.volume,
            "price_open": p.price_open, "sl": p.sl, "tp": p.tp, "magic": p.magic,
            "comment": p.comment, "reason": p.reason, "time_msc": p.time_msc,
            "update_msc": p.update_msc,
        }
        for p in book.positions.values()
    ]
    quotes = {
        name: {"bid": st.bid, "ask": st.ask, "time_msc": st.time_msc}
        for name, st in states.items()
        if st.has_quote
    }
    doc = {
        "format": FORMAT,
        "login": login,
        "balance": book.balance,
        "next_order": book.next_order,
        "next_deal": book.next_deal,
        "next_request": book.next_request,
        "positions": positions,
        "deals": [d._asdict() for d in book.deals],
        "orders": [o._asdict() for o in book.orders],
        "quotes": quotes,
    }
    return json.dumps(doc, separators=(",", ":"))


def load_state(text: str, states: dict[str, SymbolState], book: Book) -> None:
    """Fill a fresh `book` and the quotes of `states` from saved text; ValueError if unusable."""
    try:
        doc: dict[str, Any] = json.loads(text)
        if doc.get("format") != FORMAT:
            raise ValueError(f"unknown state format {doc.get('format')!r}")
        deals = [TradeDeal(**d) for d in doc["deals"]]
        orders = [TradeOrder(**o) for o in doc["orders"]]
        positions: list[SimPosition] = []
        for raw in doc["positions"]:
            st = states.get(raw["symbol"])
            if st is None:
                raise ValueError(f"position {raw['ticket']} on unknown symbol {raw['symbol']!r}")
            positions.append(SimPosition(
                int(raw["ticket"]), st, int(raw["type"]), float(raw["volume"]),
                float(raw["price_open"]), float(raw["sl"]), float(raw["tp"]), int(raw["magic"]),
                str(raw["comment"]), int(raw["reason"]), int(raw["time_msc"])))
            positions[-1].update_msc = int(raw["update_msc"])
        quotes = {
            name: (float(q["bid"]), float(q["ask"]), int(q["time_msc"]))
            for name, q in doc["quotes"].items()
            if name in states
        }
        balance = float(doc["balance"])
        counters = (int(doc["next_order"]), int(doc["next_deal"]), int(doc["next_request"]))
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"corrupt simulator state: {exc}") from exc
    book.balance = balance
    book.deals = deals
    book.orders = orders
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
