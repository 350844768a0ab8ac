"""Legacy-origin alerts at the V3 plugin follow the V4 rules (SPEC §4.2.6, §4.1.2-§4.1.4)."""

from __future__ import annotations

import pytest

from core.domain.enums import Direction
from core.engine import Engine
from tests.strategies.v3_support import (
    PLUGIN,
    at,
    closed_reason,
    held,
    legacy,
    plugin_layer,
    send,
    v3_entry,
)

BUY, SELL = Direction.BUY, Direction.SELL


async def trend(engine: Engine, value: str, *tfs: str) -> None:
    for tf in tfs:
        await send(engine, legacy("trend", value, tf))


def lock(engine: Engine, tf: str, value: str) -> None:
    """The operator's /set_trend: a MANUAL value no alert changes (SPEC §4.1.1)."""
    assert engine.trends is not None
    engine.trends.set_manual("EURUSD", tf, value, engine.clock.now())


async def test_aligned_legacy_entry_is_a_v3_order_a_with_the_table_sl(engine: Engine) -> None:
    at(engine)
    await trend(engine, "bull", "1h", "15m")
    record = await send(engine, legacy("entry", "buy", "15m"))
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert plugin_layer(record)["live"] is True
    [a] = held(engine)  # v3_routing of Logic 2: order_a_only
    assert (a.kind, a.strategy, a.logic, a.magic, a.direction) == (
        "A", PLUGIN, "combinedlogic-2", 505032, BUY)
    assert engine.risk is not None and a.sl is not None and a.tp is not None
    spec = engine.symbols()["EURUSD"]
    sl_pips = spec.pips(spec.round_price(1.0845) - a.sl)
    # no levels: table SL × Logic 2's SL multiplier 1.5, TP at R:R 1.5 (SPEC §5.1.3)
    assert sl_pips == pytest.approx(engine.risk.sl_pips(spec, sl_multiplier=1.5), abs=0.11)
    assert spec.pips(a.tp - 1.0845) == pytest.approx(sl_pips * 1.5, abs=0.11)


@pytest.mark.parametrize(("trends", "words"), [
    ({"1h": "bull"}, "combinedlogic-2 needs 1h and 15m both BULLISH; now 1h BULLISH, "
                     "15m NEUTRAL"),
    ({"1h": "bull", "15m": "bear"}, "combinedlogic-2 needs 1h and 15m both BULLISH; now "
                                    "1h BULLISH, 15m BEARISH"),
])
async def test_misaligned_legacy_entry(engine: Engine, trends: dict[str, str],
                                       words: str) -> None:
    at(engine)
    for tf, value in trends.items():
        await trend(engine, value, tf)
    record = await send(engine, legacy("entry", "buy", "15m"))
    assert (record["outcome"], record["reason"], record["detail"]) == (
        "blocked", "TREND_MISALIGNED", words)
    assert held(engine) == []


async def test_legacy_entries_have_no_consensus_filter_but_one_group_per_logic(
        engine: Engine) -> None:
    at(engine)
    await trend(engine, "bull", "1h", "15m")
    assert (await send(engine, legacy("entry", "buy", "15m")))["reason"] == "ORDER_PLACED"
    again = await send(engine, legacy("entry", "buy", "15m", price=1.0846))
    assert (again["reason"], again["detail"]) == (
        "ALREADY_OPEN", "combinedlogic-2 already holds a BUY group on EURUSD")


async def test_legacy_switched_off_logic(engine: Engine) -> None:
    at(engine)
    await trend(engine, "bull", "1h", "15m")
    engine.persist_override("logics.combinedlogic-2.enabled", False)
    record = await send(engine, legacy("entry", "buy", "15m"))
    assert (record["outcome"], record["reason"]) == ("blocked", "LOGIC_DISABLED")


async def test_opposite_legacy_entry_closes_only_its_own_logic_first(engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="5"))  # Logic 1 BUY
    await send(engine, v3_entry(tf="15", price=1.0846))  # Logic 2 BUY
    logic1, logic2 = held(engine)
    lock(engine, "1h", "BEARISH")  # locked: no TREND_FLIP alert closes anything first
    lock(engine, "15m", "BEARISH")
    record = await send(engine, legacy("entry", "sell", "15m"))
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert record["detail"].startswith("closing 1 BUY position of combinedlogic-2 first")
    assert closed_reason(engine, logic2.ticket) == "REVERSAL"
    assert [(p.ticket, p.direction, p.logic) for p in held(engine)][0] == (
        logic1.ticket, BUY, "combinedlogic-1")
    assert [(p.direction, p.logic) for p in held(engine)][1:] == [(SELL, "combinedlogic-2")]


async def test_legacy_exit_closes_the_logic_of_its_timeframe_on_that_side(
        engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="5"))
    await send(engine, v3_entry(tf="15", price=1.0846))
    logic1, logic2 = held(engine)
    nothing = await send(engine, legacy("exit", "bull", "15m"))  # CLOSE_SELL: no SELLs
    assert (nothing["outcome"], nothing["reason"], nothing["detail"]) == (
        "ignored", "NO_POSITIONS", "no combinedlogic-2 SELL positions on EURUSD to close")
    record = await send(engine, legacy("exit", "bear", "15m"))  # CLOSE_BUY
    assert (record["outcome"], record["reason"]) == ("executed", "EXIT_SIGNAL")
    assert closed_reason(engine, logic2.ticket) == "EXIT_SIGNAL"
    assert [p.ticket for p in held(engine)] == [logic1.ticket]


async def test_legacy_reversal_closes_the_other_side_and_opens_nothing(
        engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="5"))
    await send(engine, v3_entry(tf="15", price=1.0846))
    logic1, logic2 = held(engine)
    record = await send(engine, legacy("reversal", "reversal_bear", "5m"))
    assert (record["outcome"], record["reason"]) == ("executed", "REVERSAL")
    assert closed_reason(engine, logic1.ticket) == "REVERSAL"
    assert [(p.ticket, p.direction) for p in held(engine)] == [(logic2.ticket, BUY)]


async def test_trend_alert_on_an_entry_timeframe_flips_that_logic_out(engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="5"))
    await send(engine, v3_entry(tf="15", price=1.0846))
    logic1, logic2 = held(engine)
    bias = await send(engine, legacy("bias", "bear", "15m"))  # a bias never closes
    assert plugin_layer(bias)["reason"] == "NOT_TRADED" and len(held(engine)) == 2
    await send(engine, legacy("trend", "bear", "1d"))  # no logic enters on 1d
    assert len(held(engine)) == 2
    flip = await send(engine, legacy("trend", "bear", "15m", price=1.0844))
    layer = plugin_layer(flip)
    assert (layer["outcome"], layer["reason"]) == ("executed", "TREND_FLIP")
    assert "trend 15m turned BEARISH: closing 1 BUY position on EURUSD" in layer["detail"]
    assert closed_reason(engine, logic2.ticket) == "TREND_FLIP"
    assert [p.ticket for p in held(engine)] == [logic1.ticket]


async def test_a_locked_trend_keeps_the_positions(engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="15"))
    lock(engine, "15m", "BULLISH")
    layer = plugin_layer(await send(engine, legacy("trend", "bear", "15m")))
    assert (layer["outcome"], layer["reason"]) == ("ignored", "MANUAL_LOCK")
    assert len(held(engine)) == 1
