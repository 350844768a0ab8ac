"""TRADING views: /orders, /pnl, /equity, /margin, /symbols, /price, /spread (real engine)."""

from __future__ import annotations

from typing import Any

import pytest

from core.engine import Engine
from tests.engine.helpers import quote
from tests.engine.signal_helpers import run


def _closed(ticket: int, closed_at: str, profit: float) -> dict[str, Any]:
    return {"ticket": ticket, "symbol": "EURUSD", "direction": "BUY", "volume": 0.1,
            "price_open": 1.08, "price_close": 1.081, "profit": profit, "close_reason": "TP",
            "strategy": "manual", "kind": "M", "magic": 505000, "comment": "manual|M|x",
            "closed_at": closed_at}


async def test_price_and_spread_read_the_broker_quote(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400, 0.00012)
    price = await run(engine, "/price EURUSD")
    assert price.ok and (price.data["bid"], price.data["ask"]) == (1.084, 1.08412)
    assert price.title == "EURUSD bid 1.08400 / ask 1.08412"
    spread = await run(engine, "/spread eurusd")
    assert spread.ok and spread.data["spread_pips"] == pytest.approx(1.2)
    quote(engine, "XAUUSD", 2650.00, 0.30)
    gold = await run(engine, "/spread XAUUSD")
    assert gold.data["spread_pips"] == pytest.approx(30)


async def test_price_refuses_unknown_or_unquoted_symbols(engine: Engine) -> None:
    unknown = await run(engine, "/price FOO")
    assert not unknown.ok and "not in the symbol table" in unknown.text()
    unquoted = await run(engine, "/spread GBPJPY")
    assert not unquoted.ok and "no price for GBPJPY" in unquoted.text()
    missing = await run(engine, "/price")
    assert not missing.ok


async def test_symbols_show_broker_names_session_and_spread(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400, 0.00008)
    reply = await run(engine, "/symbols")
    assert reply.ok
    rows = {r["Symbol"]: r for r in reply.data["symbols"]}
    assert list(rows) == engine.settings.symbols.enabled
    assert rows["XAUUSD"]["Broker name"] == "GOLD"
    assert rows["EURUSD"]["Allowed now"] == "yes"
    assert rows["EURUSD"]["Spread (pips)"] == "0.8"
    assert rows["USDJPY"]["Allowed now"].startswith("no (USDJPY is not traded in the London")
    assert rows["GBPUSD"]["Spread (pips)"] == "—"  # no quote yet


async def test_equity_and_margin_follow_an_open_position(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    idle = await run(engine, "/margin")
    assert idle.ok and idle.data["margin"] == 0 and idle.data["margin_level"] is None
    assert (await run(engine, "/buy EURUSD 0.1")).ok
    quote(engine, "EURUSD", 1.08300)  # 10.8 pips against the 1.08408 entry
    equity = await run(engine, "/equity")
    assert equity.data["floating"] == pytest.approx(-10.8)
    assert equity.data["equity"] == pytest.approx(equity.data["balance"] - 10.8)
    margin = await run(engine, "/margin")
    assert margin.data["margin"] > 0
    assert margin.data["free_margin"] == pytest.approx(equity.data["equity"]
                                                       - margin.data["margin"])
    assert margin.data["margin_level"] == pytest.approx(
        100 * equity.data["equity"] / margin.data["margin"], rel=1e-3)


async def test_pnl_splits_today_week_month_in_ist_trading_days(engine: Engine) -> None:
    assert engine.store is not None
    # now: Wed 26 Nov 2025 14:05 IST; the trading day starts at 03:35 IST (22:05 UTC)
    engine.store.append("trades", _closed(1, "2025-11-26T06:00:00+00:00", 12.5))  # today
    engine.store.append("trades", _closed(2, "2025-11-25T21:40:00+00:00", -4.0))  # Tue's day
    engine.store.append("trades", _closed(3, "2025-11-03T10:00:00+00:00", 30.0))  # month
    engine.store.append("trades", _closed(4, "2025-10-30T10:00:00+00:00", 99.0))  # October
    quote(engine, "EURUSD", 1.08400)
    assert (await run(engine, "/buy EURUSD 0.1")).ok  # floating −0.80 (spread)
    reply = await run(engine, "/pnl")
    assert reply.ok
    assert (reply.data["today"]["net"], reply.data["today"]["trades"]) == (12.5, 1)
    assert (reply.data["week"]["net"], reply.data["week"]["trades"]) == (8.5, 2)
    assert (reply.data["month"]["net"], reply.data["month"]["trades"]) == (38.5, 3)
    assert reply.data["floating"] == pytest.approx(-0.8)
    only = await run(engine, "/pnl week")
    assert only.table is not None and [r[0] for r in only.table.rows] == ["week"]
    assert "today" not in only.data
    v6 = await run(engine, "/pnl month --family v6")  # manual trades belong to "both" only
    assert v6.data["month"]["trades"] == 0 and v6.data["floating"] == 0
    bad = await run(engine, "/pnl year")
    assert not bad.ok and "today, week, month" in bad.text()


async def test_orders_says_there_are_no_pending_orders(engine: Engine) -> None:
    reply = await run(engine, "/orders")
    assert reply.ok and reply.data["pending"] == 0
    assert "market orders only" in reply.text()
