"""The bridge in the real engine: passthrough, translate, hybrid, fallback, runtime switches."""

from __future__ import annotations

import pytest

from core.engine import Engine, EngineOptions
from core.strategies.api import Decision
from tests.engine.helpers import legacy, quote
from tests.engine.signal_helpers import (
    RecordingPlugin,
    install,
    layers,
    post,
    record_of,
    run,
    v6_entry,
)


async def aligned(engine: Engine, symbol: str = "EURUSD", price: float = 1.084) -> None:
    quote(engine, symbol, price)
    for tf in ("1h", "15m"):
        await post(engine, legacy("trend", "bull", tf, symbol, price).decode())


async def entry(engine: Engine, price: float = 1.084) -> dict[str, object]:
    answer = await post(engine, legacy("entry", "buy", "15m", price=price).decode())
    return record_of(engine, str(answer["signal_id"]))


async def test_hybrid_default_the_plugin_trades_and_v4_is_shadow(engine: Engine) -> None:
    assert engine.settings.bridge.mode == "hybrid"
    await aligned(engine)
    record = await entry(engine)
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert layers(record) == [("V4", False, "shadow", "SHADOW", False),
                              ("v3_combined", True, "executed", "ORDER_PLACED", False)]
    assert engine.trading is not None
    [position] = engine.trading.positions.values()  # Logic 2 V3 routing: Order A only
    assert engine.trading.meta(position.ticket)["strategy"] == "v3_combined"
    assert engine.bridge is not None and not engine.bridge.stats.fallback_trades


async def test_a_disabled_plugin_falls_back_to_v4_which_trades_dual_orders(
        engine: Engine) -> None:
    assert (await run(engine, "/disable v3_combined")).ok
    await aligned(engine)
    record = await entry(engine)
    assert layers(record) == [("V4", True, "executed", "ORDER_PLACED", True)]
    assert engine.trading is not None
    kinds = sorted(engine.trading.meta(t)["kind"] for t in engine.trading.positions)
    assert kinds == ["A", "B"]  # V4 Logic 2 routing: dual orders
    assert engine.bridge is not None
    assert engine.bridge.stats.fallback_trades["v3_combined"] == 1


async def test_passthrough_trades_through_v4_only(engine: Engine) -> None:
    assert (await run(engine, "/mode passthrough")).ok
    await aligned(engine)
    record = await entry(engine)
    assert layers(record) == [("V4", True, "executed", "ORDER_PLACED", False)]


async def test_passthrough_never_invokes_plugins(engine: Engine) -> None:
    plugin = RecordingPlugin(Decision.ignore("NOT_TRADED", "recorded"))
    install(engine, "v3_combined", plugin)
    await run(engine, "/mode passthrough")
    await aligned(engine)
    await entry(engine)
    assert plugin.seen == [] and engine.trading is not None and engine.trading.positions


async def test_translate_with_the_plugin_disabled_falls_back_and_says_so(
        engine: Engine) -> None:
    await run(engine, "/disable v3_combined")
    await run(engine, "/tf1m_off")
    reply = await run(engine, "/mode translate")
    assert "V3_COMBINED: plugin disabled → V4 fallback (V4 logic)" in reply.lines
    await aligned(engine)
    record = await entry(engine)
    assert layers(record) == [("V4", True, "executed", "ORDER_PLACED", True)]
    status = await run(engine, "/mode status")
    assert any(line.startswith("V6_PRICE_ACTION 1m: plugin disabled → not traded")
               for line in status.lines)


async def test_without_fallback_a_disabled_plugins_strategy_is_not_traded(
        engine_options: EngineOptions) -> None:
    engine_options.config_overrides["bridge.fallback_on_failure"] = False
    engine_options.config_overrides["plugins.v3_combined.enabled"] = False
    engine = Engine(engine_options)
    await engine.start()
    try:
        await aligned(engine)
        record = await entry(engine)
        assert (record["outcome"], record["reason"]) == ("blocked", "PLUGIN_DISABLED")
        assert "fallback_on_failure is off" in record["detail"]
        assert layers(record) == [("V4", False, "shadow", "SHADOW", False)]
        assert engine.trading is not None and not engine.trading.positions
    finally:
        await engine.stop()


async def test_hybrid_with_a_plugin_the_plugin_trades_and_v4_is_shadow(engine: Engine) -> None:
    plugin = RecordingPlugin(Decision.ignore("NOT_TRADED", "recorded"))
    install(engine, "v3_combined", plugin)
    await aligned(engine)
    record = await entry(engine)
    assert layers(record) == [("V4", False, "shadow", "SHADOW", False),
                              ("v3_combined", True, "ignored", "NOT_TRADED", False)]
    assert record["decisions"][0]["detail"].startswith("would place A BUY 0.04 EURUSD")
    # the trend alerts reach it too (as trend_update), after the shared store took them
    assert [s.action for s in plugin.seen] == ["trend_update", "trend_update", "entry_long"]
    sent = plugin.seen[-1]
    assert (sent.target_plugin, sent.symbol, sent.timeframe, sent.direction) == (
        "v3_combined", "EURUSD", "15m", "long")
    # the V4 shadow decided the same order but placed nothing
    assert engine.trading is not None and not engine.trading.positions
    assert engine.store is not None and engine.store.all("order_intents") == []
    reply = await run(engine, "/mode")
    assert "V3_COMBINED: v3_combined trades (V4 logic in shadow)" in reply.lines


async def test_translate_with_a_plugin_does_not_run_v4(engine: Engine) -> None:
    plugin = RecordingPlugin(Decision.reject("CONSENSUS_LOW", "5 < 7"))
    install(engine, "v3_combined", plugin)
    await run(engine, "/mode translate")
    await aligned(engine)
    record = await entry(engine)
    assert (record["outcome"], record["reason"]) == ("blocked", "CONSENSUS_LOW")
    assert layers(record) == [("v3_combined", True, "blocked", "CONSENSUS_LOW", False)]


async def test_a_failing_plugin_is_recorded_and_counted(engine: Engine) -> None:
    install(engine, "v3_combined", RecordingPlugin(RuntimeError("boom")))
    await aligned(engine)
    record = await entry(engine)
    assert (record["outcome"], record["reason"]) == ("error", "PLUGIN_ERROR")
    assert "RuntimeError: boom" in record["detail"]
    assert engine.bridge is not None
    stats = engine.bridge.stats.layers["v3_combined"]
    # two trend updates and the entry reached it; the trends were stored all the same
    assert (stats.calls, stats.errors, stats.last_error) == (3, 3, "RuntimeError: boom")
    assert engine.trends is not None and engine.trends.get("EURUSD", "15m").value == "BULLISH"
    health = await run(engine, "/health")
    assert any("v3_combined: 3 calls, 3 errors (3 in 10 min)" in line for line in health.lines)


async def test_a_disabled_plugin_means_fallback(engine: Engine) -> None:
    plugin = RecordingPlugin(Decision.ignore("NOT_TRADED", "recorded"))
    install(engine, "v3_combined", plugin)
    assert engine.bridge is not None
    engine.bridge.host.set_enabled("v3_combined", False)  # type: ignore[attr-defined]
    await aligned(engine)
    record = await entry(engine)
    assert plugin.seen == [] and layers(record)[-1] == ("V4", True, "executed",
                                                        "ORDER_PLACED", True)
    assert "V3_COMBINED: plugin disabled → V4 fallback (V4 logic)" in (
        await run(engine, "/mode")).lines


async def test_switching_mode_at_runtime_changes_who_decides(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    await engine.start()
    plugin = RecordingPlugin(Decision.ignore("NOT_TRADED", "recorded"))
    try:
        install(engine, "v3_combined", plugin)
        await aligned(engine)
        assert layers(await entry(engine, 1.0841))[-1][0] == "v3_combined"
        await run(engine, "/mode passthrough")
        assert layers(await entry(engine, 1.0842)) == [
            ("V4", True, "executed", "ORDER_PLACED", False)]
        await run(engine, "/mode translate")
        assert layers(await entry(engine, 1.0843)) == [
            ("v3_combined", True, "ignored", "NOT_TRADED", False)]
        assert [s.action for s in plugin.seen if s.action != "trend_update"] == [
            "entry_long", "entry_long"]
    finally:
        await engine.stop()
    restarted = Engine(engine_options)  # the choice survives a restart
    await restarted.start()
    try:
        assert restarted.settings.bridge.mode == "translate"
    finally:
        await restarted.stop()


async def test_passthrough_v6_entries_reach_the_logic_of_their_timeframe(
        engine: Engine) -> None:
    await run(engine, "/mode passthrough")
    await aligned(engine)
    record = record_of(engine, str((await post(engine, v6_entry("15")))["signal_id"]))
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert engine.trading is not None
    # V4 Logic 2 with the alert's levels (SPEC §3.4.1): Order A and Order B
    owners = sorted((engine.trading.meta(t)["strategy"], engine.trading.meta(t)["kind"])
                    for t in engine.trading.positions)
    assert owners == [("combinedlogic-2", "A"), ("combinedlogic-2", "B")]
    exit_ = await post(engine, "EXIT_BULLISH|EURUSD|15|1.0850|4")
    assert record_of(engine, str(exit_["signal_id"]))["reason"] == "EXIT_SIGNAL"
    assert not engine.trading.positions


@pytest.mark.parametrize(("mode", "tf", "reason"), [
    ("passthrough", "1", "NO_LOGIC_FOR_TF"), ("hybrid", "240", "NO_PLUGIN_FOR_TF"),
    ("translate", "240", "NO_PLUGIN_FOR_TF"), ("passthrough", "240", "NO_LOGIC_FOR_TF"),
])
async def test_v6_timeframes_without_a_logic_or_plugin(engine: Engine, mode: str, tf: str,
                                                       reason: str) -> None:
    await run(engine, f"/mode {mode}")
    await aligned(engine)
    record = record_of(engine, str((await post(engine, v6_entry(tf)))["signal_id"]))
    assert (record["outcome"], record["reason"]) == ("ignored", reason)
    assert engine.trading is not None and not engine.trading.positions


@pytest.mark.parametrize("mode", ["passthrough", "translate", "hybrid"])
async def test_v3_pillars_update_the_trend_store_in_every_mode(engine: Engine,
                                                               mode: str) -> None:
    install(engine, "v3_combined", RecordingPlugin(Decision.ignore("NOT_TRADED", "recorded")))
    await run(engine, f"/mode {mode}")
    quote(engine, "EURUSD", 1.084)
    body = {"type": "entry_v3", "signal_type": "Momentum_Breakout", "symbol": "EURUSD",
            "direction": "sell", "tf": "60", "price": 1.084, "consensus_score": 6,
            "sl_price": 1.087, "tp1_price": 1.080, "mtf_trends": "1,1,-1,-1,0,1"}
    record = record_of(engine, str((await post(engine, body))["signal_id"]))
    assert engine.trends is not None
    assert [engine.trends.get("EURUSD", tf).value for tf in ("15m", "1h", "4h", "1d")] == [
        "BEARISH", "BEARISH", "NEUTRAL", "BULLISH"]
    assert engine.trends.get("EURUSD", "5m").updated_at == ""  # 1m/5m are noise
    stores = [d for d in record["decisions"] if d["layer"] == "stores"]
    assert stores[0]["reason"] == "TREND_UPDATED" and "changed 15m, 1h, 4h, 1d" in stores[0][
        "detail"]


async def test_legacy_trends_update_the_store_even_when_v4_is_not_invoked(
        engine: Engine) -> None:
    install(engine, "v3_combined", RecordingPlugin(Decision.ignore("NOT_TRADED", "recorded")))
    await run(engine, "/mode translate")
    answer = await post(engine, legacy("trend", "bear", "1h").decode())
    record = record_of(engine, str(answer["signal_id"]))
    assert (record["outcome"], record["reason"]) == ("executed", "TREND_UPDATED")
    assert engine.trends is not None and engine.trends.get("EURUSD", "1h").value == "BEARISH"


async def test_a_v3_pulse_respects_manual_locks(engine: Engine) -> None:
    assert engine.trends is not None
    engine.trends.set_manual("GBPUSD", "15m", "BULLISH", engine.clock.now())
    body = {"type": "trend_pulse_v3", "symbol": "GBPUSD", "tf": "15",
            "current_trends": "1,-1,-1,1,1,1"}
    record = record_of(engine, str((await post(engine, body))["signal_id"]))
    assert (record["outcome"], record["reason"]) == ("executed", "TREND_UPDATED")
    assert "MANUAL kept 15m" in record["detail"]
    assert engine.trends.get("GBPUSD", "15m").value == "BULLISH"
    assert engine.trends.get("GBPUSD", "1h").value == "BULLISH"
    again = record_of(engine, str((await post(engine, {**body, "message": "x"}))["signal_id"]))
    assert (again["outcome"], again["reason"]) == ("ignored", "TREND_UNCHANGED")


@pytest.mark.parametrize(("body", "detail"), [
    ({"type": "squeeze_v3", "symbol": "EURUSD", "tf": "15"},
     "Volatility squeeze on EURUSD 15m — a large move is likely."),
    ("STATE_CHANGE|EURUSD|15|CHOPPY|TRENDING|3/3", "STATE_CHANGE EURUSD 15m: informational"),
    ("SCREENER_FULL_BULLISH|XAUUSD|60|9|RSI,MACD", "never trades"),
])
async def test_informational_alerts_never_trade(engine: Engine, body: object,
                                                detail: str) -> None:
    record = record_of(engine, str((await post(engine, body))["signal_id"]))  # type: ignore[arg-type]
    assert (record["outcome"], record["reason"]) == ("ignored", "INFORMATIONAL")
    assert detail in record["detail"]


async def test_a_v6_pulse_is_recorded_without_trading(engine: Engine) -> None:
    answer = await post(engine, "TREND_PULSE|XAUUSD|60|5|1|15,240|TRENDING_BULLISH")
    record = record_of(engine, str(answer["signal_id"]))
    # the pulse store took it (SPEC §4.3.5); nothing trades on a pulse
    assert (record["outcome"], record["reason"]) == ("executed", "PULSE_UPDATED")
    assert "XAUUSD 1h pulse 5 bull / 1 bear: TRENDING_BULLISH" in record["detail"]
    assert engine.trading is not None and not engine.trading.positions
    assert engine.trends is not None and engine.trends.get("XAUUSD", "1h").updated_at == ""
