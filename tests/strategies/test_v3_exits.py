"""V3 Combined exit_v3, squeeze and trend pulses end to end (SPEC §4.2.8-§4.2.9)."""

from __future__ import annotations

from core.domain.enums import Direction
from core.engine import Engine
from tests.engine.signal_helpers import run
from tests.strategies.v3_support import (
    PLUGIN,
    at,
    closed_reason,
    held,
    plugin_layer,
    send,
    v3_entry,
    v3_exit,
)

BUY, SELL = Direction.BUY, Direction.SELL
GBP = 1.2650


async def buys_and_a_gbp_sell(engine: Engine) -> None:
    at(engine)
    at(engine, GBP, "GBPUSD")
    await send(engine, v3_entry(tf="5"))  # Logic 1 BUY
    await send(engine, v3_entry(tf="60", price=1.0846))  # Logic 3 BUY A + B
    await send(engine, v3_entry("Momentum_Breakout", "sell", tf="15", symbol="GBPUSD",
                                price=GBP))


async def test_exit_sell_closes_every_v3_buy_on_the_symbol(engine: Engine) -> None:
    await buys_and_a_gbp_sell(engine)
    buys = [p.ticket for p in held(engine) if p.symbol == "EURUSD"]
    assert len(buys) == 3
    record = await send(engine, v3_exit("sell"))
    assert (record["outcome"], record["reason"]) == ("executed", "EXIT_SIGNAL")
    assert "exit: closing 3 BUY positions of V3 on EURUSD (consensus faded)" in record["detail"]
    assert [closed_reason(engine, t) for t in buys] == ["EXIT_SIGNAL"] * 3
    assert [(p.symbol, p.direction) for p in held(engine)] == [("GBPUSD", SELL)]


async def test_exit_buy_closes_sells_only(engine: Engine) -> None:
    await buys_and_a_gbp_sell(engine)
    record = await send(engine, v3_exit("buy", "GBPUSD", price=GBP))
    assert record["reason"] == "EXIT_SIGNAL"
    assert {p.symbol for p in held(engine)} == {"EURUSD"} and len(held(engine)) == 3


async def test_exit_without_matching_positions(engine: Engine) -> None:
    await buys_and_a_gbp_sell(engine)
    record = await send(engine, v3_exit("buy"))  # EURUSD holds BUYs only
    assert (record["outcome"], record["reason"], record["detail"]) == (
        "ignored", "NO_POSITIONS", "no V3 SELL positions on EURUSD to close")
    assert len(held(engine)) == 4


async def test_exits_are_never_gated(engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="15"))
    assert (await run(engine, "/pause")).ok
    record = await send(engine, v3_exit("sell"))
    assert record["reason"] == "EXIT_SIGNAL" and held(engine) == []


async def test_exit_in_shadow_closes_the_virtual_positions(engine: Engine) -> None:
    at(engine)
    engine.persist_override("plugins.v3_combined.shadow_mode", True)
    await send(engine, v3_entry(tf="60"))
    assert engine.shadow is not None and len(engine.shadow.positions(PLUGIN, "EURUSD")) == 2
    layer = plugin_layer(await send(engine, v3_exit("sell")))
    assert (layer["outcome"], layer["reason"]) == ("shadow", "SHADOW")
    assert layer["detail"].count("would close S") == 2
    assert engine.shadow.positions(PLUGIN, "EURUSD") == []


async def test_trend_pulse_never_trades(engine: Engine) -> None:
    at(engine)
    pulse = {"type": "trend_pulse_v3", "signal_type": "Trend_Pulse", "symbol": "EURUSD",
             "direction": "neutral", "tf": "15", "current_trends": "1,-1,-1,-1,-1,-1"}
    await send(engine, v3_entry(tf="15"))
    layer = plugin_layer(await send(engine, pulse))
    assert (layer["outcome"], layer["reason"]) == ("ignored", "NOT_TRADED")
    assert "trend pulse EURUSD 15m is in the trend store; it never trades" in layer["detail"]
    assert len(held(engine)) == 1
    assert engine.trends is not None and engine.trends.get("EURUSD", "1h").value == "BEARISH"


async def test_squeeze_stops_before_the_plugin(engine: Engine) -> None:
    squeeze = {"type": "squeeze_v3", "signal_type": "Volatility_Squeeze", "symbol": "EURUSD",
               "tf": "15"}
    record = await send(engine, squeeze)
    assert (record["outcome"], record["reason"]) == ("ignored", "INFORMATIONAL")
    assert all(d["layer"] != PLUGIN for d in record["decisions"])
