"""/compare on the real engine: live vs shadow decisions per signal from the signal log, and
results per layer and family from the shadow ledger and the trades journal."""

from __future__ import annotations

import pytest

from core.engine import Engine
from tests.commands.support import aligned_buy, refused, run, v6_buy
from tests.engine.helpers import quote


async def test_hybrid_entry_shows_live_plugin_and_v4_shadow_side_by_side(
        engine: Engine) -> None:
    record = await aligned_buy(engine, "15m")
    reply = await run(engine, "/compare v4")
    assert reply.table is not None and len(reply.table.rows) == 1
    [(when, signal, live, shadow)] = reply.table.rows
    assert signal == "EURUSD 15m BUY_SIGNAL" and when.startswith("26 Nov 14:05")
    assert live.startswith("v3_combined: executed ORDER_PLACED — legacy BUY EURUSD 15m")
    assert shadow.startswith("V4: shadow SHADOW — would place A BUY")
    assert reply.data["signals"][0]["signal_id"] == record["signal"]["signal_id"]


async def test_family_filter_and_count(engine: Engine) -> None:
    await aligned_buy(engine, "15m")
    await v6_buy(engine, "15", symbol="GBPUSD", price=1.26)
    await v6_buy(engine, "5", symbol="USDJPY", price=155.2)
    v6 = await run(engine, "/compare v6")
    assert v6.table is not None
    assert [r[1] for r in v6.table.rows] == ["USDJPY 5m BUY_SIGNAL", "GBPUSD 15m BUY_SIGNAL"]
    assert list(v6.data["layers"]) == ["v6_price_action_1m", "v6_price_action_5m",
                                       "v6_price_action_15m", "v6_price_action_1h"]
    v3 = await run(engine, "/compare v3")
    assert v3.table is not None and [r[1] for r in v3.table.rows] == ["EURUSD 15m BUY_SIGNAL"]
    newest = await run(engine, "/compare all today 1")
    assert newest.table is not None and len(newest.table.rows) == 1
    assert newest.table.rows[0][1] == "USDJPY 5m BUY_SIGNAL"
    none = await run(engine, "/compare v4 today 5")
    assert none.table is not None and len(none.table.rows) == 3  # V4 shadowed all three


async def test_results_per_layer_and_family(engine: Engine) -> None:
    await aligned_buy(engine, "15m")
    assert engine.shadow is not None and engine.trading is not None
    virtual = engine.shadow.positions("V4")
    assert virtual
    closed = [engine.shadow.close(str(p["id"]), float(p["price_open"]) + 0.0020, "TP")
              for p in virtual]
    [ticket] = list(engine.trading.positions)
    quote(engine, "EURUSD", 1.0830)
    await engine.trading.close(ticket)
    [trade] = engine.store.tail("trades", 1) if engine.store else []
    reply = await run(engine, "/compare")
    layers = reply.data["layers"]
    assert layers["V4"]["shadow"] == {"trades": len(closed), "wins": len(closed),
                                      "net": round(sum(c["profit"] for c in closed), 2),
                                      "win_rate": 100.0}
    assert layers["v3_combined"]["live"]["trades"] == 1
    assert layers["v3_combined"]["live"]["net"] == trade["profit"] < 0
    families = reply.data["families"]
    assert families["V5"]["live"]["trades"] == families["V3"]["live"]["trades"] == 1
    assert families["V6"]["live"]["trades"] == 0 and families["V4"]["shadow"]["trades"] == 2
    assert any(line.startswith("  V4: live no trades | shadow 2 trade(s), 100.0 % won")
               for line in reply.lines)


async def test_period_limits_signals_and_results(engine: Engine) -> None:
    await aligned_buy(engine, "15m")
    engine.clock.advance(3 * 86_400)  # type: ignore[attr-defined]
    today = await run(engine, "/compare all today")
    assert today.table is not None and today.table.rows == ()
    assert "No signal in this period was decided by that family." in today.lines
    week = await run(engine, "/compare all 7d")
    assert week.table is not None and len(week.table.rows) == 1
    assert week.title == "Live vs shadow · all · 7d"


@pytest.mark.parametrize(("line", "message"), [
    ("/compare v7", "family: 'v7' is not allowed; use one of all, v4, v5, v3, v6"),
    ("/compare all 1y", "period: '1y' is not allowed; use one of today, 7d, 30d, all"),
    ("/compare all today 0", "count: 0 is out of range (allowed 1–50)"),
    ("/compare all today many", "count: 'many' is not a number"),
])
async def test_compare_invalid_input(engine: Engine, line: str, message: str) -> None:
    assert message in await refused(engine, line)
