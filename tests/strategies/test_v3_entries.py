"""V3 Combined entry_v3 end to end (SPEC §4.2.1-§4.2.7, §5.1.2) through the real engine."""

from __future__ import annotations

import pytest

from core.domain.enums import Direction
from core.engine import Engine
from tests.engine.signal_helpers import run
from tests.strategies.v3_support import (
    PLUGIN,
    SL_PIPS,
    at,
    closed_reason,
    held,
    plugin_layer,
    send,
    spec_lot,
    v3_entry,
)

BUY, SELL = Direction.BUY, Direction.SELL


@pytest.mark.parametrize(("multiplier", "lot"), [(None, 0.06), (0.8, 0.05), (0.5, 0.03)])
async def test_15m_entry_is_one_order_a_at_the_alert_sl_and_tp2(
        engine: Engine, multiplier: float | None, lot: float) -> None:
    at(engine)
    body = v3_entry(tf="15", consensus=6, multiplier=multiplier)
    record = await send(engine, body)
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert plugin_layer(record)["live"] is True
    [a] = held(engine)  # Logic 2 routes order_a_only
    assert (a.kind, a.strategy, a.logic, a.magic, a.direction) == (
        "A", PLUGIN, "combinedlogic-2", 505032, BUY)
    assert (a.sl, a.tp) == (body["sl_price"], body["tp2_price"])
    # risk lot × Logic 2's 1.0 × the alert's position multiplier (SPEC §5.4.2 by hand)
    assert a.volume == lot == spec_lot(SL_PIPS, 1.0 * (multiplier or 1.0))
    assert "consensus 6 → combinedlogic-2 (order_a_only" in record["detail"]


async def test_1h_entry_is_order_a_to_tp2_and_order_b_to_tp1(engine: Engine) -> None:
    at(engine)
    body = v3_entry("Momentum_Breakout", tf="60", consensus=6)
    record = await send(engine, body)
    assert record["reason"] == "ORDER_PLACED"
    a, b = held(engine)  # Logic 3 routes dual_orders
    assert [(p.kind, p.logic, p.magic) for p in (a, b)] == [
        ("A", "combinedlogic-3", 505033), ("B", "combinedlogic-3", 505033)]
    assert (a.sl, a.tp, b.sl, b.tp) == (body["sl_price"], body["tp2_price"],
                                        body["sl_price"], body["tp1_price"])
    assert a.volume == spec_lot(SL_PIPS, 0.625) == 0.04 and b.volume == 0.02


async def test_alert_without_levels_trades_on_the_table_sl(engine: Engine) -> None:
    at(engine)
    body = {k: v for k, v in v3_entry(tf="15").items() if k not in ("sl_price", "tp1_price")}
    record = await send(engine, body)
    assert record["reason"] == "ORDER_PLACED" and "no usable levels" in record["detail"]
    [a] = held(engine)
    assert engine.risk is not None and a.sl is not None and a.tp is not None
    spec = engine.symbols()["EURUSD"]
    table_pips = engine.risk.sl_pips(spec, sl_multiplier=1.0)
    sl_pips = spec.pips(body["price"] - a.sl)
    # Logic 2's SL multiplier 1.5 on the table SL, TP at R:R 1.5
    assert sl_pips == pytest.approx(table_pips * 1.5, abs=0.11)
    assert spec.pips(a.tp - body["price"]) == pytest.approx(sl_pips * 1.5, abs=0.11)


async def test_the_plugins_own_rr_ratio_sets_the_tp_without_levels(engine: Engine) -> None:
    """SPEC §4.2.7 "R:R when no levels" is the plugin's setting, not the global one."""
    engine.persist_override("plugins.v3_combined.config.rr_ratio", 2.0)
    at(engine)
    body = {k: v for k, v in v3_entry(tf="15").items() if k not in ("sl_price", "tp1_price")}
    assert (await send(engine, body))["reason"] == "ORDER_PLACED"
    [a] = held(engine)
    assert a.sl is not None and a.tp is not None
    spec = engine.symbols()["EURUSD"]
    sl_pips = spec.pips(body["price"] - a.sl)
    assert spec.pips(a.tp - body["price"]) == pytest.approx(sl_pips * 2.0, abs=0.11)
    assert engine.settings.dual_orders.rr_ratio == 1.5


@pytest.mark.parametrize(("body", "code", "words"), [
    (v3_entry(consensus=4), "CONSENSUS_LOW", "filtered: V3 consensus 4 < 5"),
    (v3_entry("Institutional_Launchpad", consensus=6), "LAUNCHPAD_CONSENSUS_LOW",
     "filtered: Institutional_Launchpad buy needs consensus 7, got 6"),
])
async def test_consensus_filter_blocks_with_words(engine: Engine, body: dict[str, object],
                                                  code: str, words: str) -> None:
    at(engine)
    record = await send(engine, body)
    assert (record["outcome"], record["reason"], record["detail"]) == ("blocked", code, words)
    assert held(engine) == []


async def test_launchpad_sell_needs_only_the_general_floor(engine: Engine) -> None:
    at(engine)
    record = await send(engine, v3_entry("Institutional_Launchpad", "sell", consensus=5))
    assert record["reason"] == "ORDER_PLACED" and held(engine)[0].direction is SELL


async def test_opposite_position_blocks_a_calm_entry(engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="15"))
    record = await send(engine, v3_entry("Momentum_Breakout", "sell", tf="5", consensus=6))
    assert (record["outcome"], record["reason"]) == ("rejected", "OPPOSITE_OPEN")
    assert "V3 holds 1 BUY position on EURUSD" in record["detail"]
    assert [p.direction for p in held(engine)] == [BUY]


@pytest.mark.parametrize(("signal_type", "consensus"), [
    ("Liquidity_Trap_Reversal", 5), ("Golden_Pocket_Flip", 5), ("Screener_Full_Bearish", 5),
    ("Momentum_Breakout", 7)])
async def test_aggressive_reversal_closes_every_logic_then_opens(
        engine: Engine, signal_type: str, consensus: int) -> None:
    at(engine)
    await send(engine, v3_entry(tf="5"))  # Logic 1: A
    await send(engine, v3_entry(tf="60"))  # Logic 3: A + B
    before = [p.ticket for p in held(engine)]
    assert len(before) == 3
    record = await send(engine, v3_entry(signal_type, "sell", tf="15", consensus=consensus))
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert record["detail"].startswith("aggressive reversal: closing 3 BUY positions")
    assert [closed_reason(engine, t) for t in before] == ["REVERSAL"] * 3
    opened = held(engine)  # Screener_Full_* routes to Logic 3 (A + B), the others to Logic 2
    assert opened and {(p.direction, p.strategy) for p in opened} == {(SELL, PLUGIN)}


async def test_one_open_group_per_logic_per_symbol(engine: Engine) -> None:
    at(engine)
    await send(engine, v3_entry(tf="15"))
    again = await send(engine, v3_entry("Mitigation_Test_Entry", tf="15", consensus=8,
                                        price=1.0846))
    assert (again.get("outcome"), again["reason"], again["detail"]) == (
        "rejected", "ALREADY_OPEN", "combinedlogic-2 already holds a BUY group on EURUSD")
    other_logic = await send(engine, v3_entry(tf="5"))
    assert other_logic["reason"] == "ORDER_PLACED"
    assert [p.logic for p in held(engine)] == ["combinedlogic-2", "combinedlogic-1"]


async def test_switched_off_logic_is_logic_disabled(engine: Engine) -> None:
    at(engine)
    engine.persist_override("logics.combinedlogic-2.enabled", False)
    record = await send(engine, v3_entry(tf="15"))
    assert (record["outcome"], record["reason"]) == ("blocked", "LOGIC_DISABLED")
    assert record["detail"] == "combinedlogic-2 is switched off (/logic2 on turns it back on)"
    assert held(engine) == []
    assert (await send(engine, v3_entry(tf="5")))["reason"] == "ORDER_PLACED"


async def test_global_gates_answer_before_the_consensus_filter(engine: Engine) -> None:
    at(engine)
    assert (await run(engine, "/pause")).ok
    record = await send(engine, v3_entry(consensus=2))
    assert (record["outcome"], record["reason"]) == ("blocked", "PAUSED")
    assert held(engine) == []


async def test_plugin_daily_trade_limit(engine: Engine) -> None:
    at(engine)
    engine.persist_override("plugins.v3_combined.config.max_daily_trades", 2)
    await send(engine, v3_entry(tf="15"))
    await send(engine, v3_entry(tf="60"))  # one group of two orders counts once
    record = await send(engine, v3_entry(tf="5"))
    assert (record["outcome"], record["reason"], record["detail"]) == (
        "blocked", "PLUGIN_DAILY_TRADES",
        "V3 daily trade limit reached: 2 of 2 groups opened today")
    assert len(held(engine)) == 3


async def test_plugin_daily_loss_limit(engine: Engine) -> None:
    at(engine)
    engine.persist_override("plugins.v3_combined.config.max_daily_loss", 20)
    await send(engine, v3_entry(tf="15"))
    at(engine, 1.0795)  # 50 pips against the 0.06 BUY: about $30 lost
    closed = await send(engine, {"type": "exit_v3", "signal_type": "Bullish_Exit",
                                 "symbol": "EURUSD", "direction": "sell", "tf": "15",
                                 "price": 1.0795})
    assert closed["reason"] == "EXIT_SIGNAL" and held(engine) == []
    record = await send(engine, v3_entry(tf="15", price=1.0795))
    assert (record["outcome"], record["reason"]) == ("blocked", "PLUGIN_DAILY_LOSS")
    assert record["detail"].startswith("V3 daily loss limit reached: $") and \
        record["detail"].endswith("lost today (limit $20)")


async def test_symbol_outside_the_allowed_list(engine: Engine) -> None:
    at(engine)
    engine.persist_override("plugins.v3_combined.config.allowed_symbols", ["GBPUSD"])
    record = await send(engine, v3_entry())
    assert (record["outcome"], record["reason"], record["detail"]) == (
        "blocked", "SYMBOL_NOT_ALLOWED",
        "EURUSD is not among the V3 plugin's allowed symbols (GBPUSD)")


async def test_fresh_entries_bypass_the_pillar_check_unless_switched_off(
        engine: Engine) -> None:
    at(engine)
    weak = "1,1,-1,0,0,1"  # pillars 15m BEARISH, 1h/4h NEUTRAL, 1d BULLISH: 1 of 4
    assert (await send(engine, v3_entry(tf="5", mtf=weak)))["reason"] == "ORDER_PLACED"
    engine.persist_override("plugins.v3_combined.config.bypass_trend_check_for_fresh_entries",
                            False)
    record = await send(engine, v3_entry(tf="15", mtf=weak))
    assert (record["reason"], record["detail"]) == (
        "TREND_MISALIGNED", "V3 needs 3 of 4 pillars BULLISH; now 15m BEARISH, 1h NEUTRAL, "
                            "4h NEUTRAL, 1d BULLISH")
    assert (await send(engine, v3_entry(tf="60")))["reason"] == "ORDER_PLACED"


async def test_shadow_mode_decides_the_same_and_sends_nothing(engine: Engine) -> None:
    at(engine)
    engine.persist_override("plugins.v3_combined.shadow_mode", True)
    record = await send(engine, v3_entry(tf="60"))
    layer = plugin_layer(record)
    assert (layer["live"], layer["outcome"], layer["reason"]) == (False, "shadow", "SHADOW")
    assert "would place" in layer["detail"]
    assert held(engine) == []
    assert engine.shadow is not None
    virtual = engine.shadow.positions(PLUGIN, "EURUSD")
    assert [(v["kind"], v["logic"]) for v in virtual] == [
        ("A", "combinedlogic-3"), ("B", "combinedlogic-3")]
    # the virtual group counts for the shadow's own rules, not for the live day
    again = plugin_layer(await send(engine, v3_entry(tf="60", consensus=8, price=1.0846)))
    assert (again["outcome"], again["reason"]) == ("rejected", "ALREADY_OPEN")
    assert engine.plugins is not None
    assert engine.plugins.services[PLUGIN].day().groups_opened == 0


async def test_reversal_closes_stand_when_the_new_entry_is_then_refused(
        engine: Engine) -> None:
    at(engine)
    engine.persist_override("plugins.v3_combined.config.max_daily_trades", 1)
    await send(engine, v3_entry(tf="15"))
    [buy] = held(engine)
    record = await send(engine, v3_entry("Liquidity_Trap_Reversal", "sell", tf="15"))
    assert (record["outcome"], record["reason"]) == ("executed", "REVERSAL")
    assert record["detail"].startswith(
        "aggressive reversal done; no new entry (PLUGIN_DAILY_TRADES): V3 daily trade limit")
    assert held(engine) == [] and closed_reason(engine, buy.ticket) == "REVERSAL"
