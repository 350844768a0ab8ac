"""TIMEFRAME commands on the real engine: menu and cards, the trend store (view, lock, AUTO),
logic settings and their reset — every change persisted and seen by the next alert."""

from __future__ import annotations

import pytest

from core.engine import Engine
from core.strategies.trend_store import TrendStore
from tests.commands.support import CLI, aligned_buy, decided_by, refused, reloaded, run
from tests.engine.helpers import legacy
from tests.engine.signal_helpers import post, record_of


async def test_timeframe_menu_binds_each_tf_to_its_plugin_and_logic(engine: Engine) -> None:
    await run(engine, "/logic1 off")
    await run(engine, "/tf1h_off")
    reply = await run(engine, "/timeframe")
    assert reply.lines[:4] == ("1m: V6 active · no V4 logic — /tf1m",
                               "5m: V6 active · Logic 1 OFF — /tf5m",
                               "15m: V6 active · Logic 2 ON — /tf15m",
                               "1h: V6 disabled · Logic 3 ON — /tf1h")
    assert {"/trends", "/set_trend", "/reset_timeframe_default"} <= set(reply.data["commands"])


async def test_tf1m_card_follows_the_v6_config(engine: Engine) -> None:
    await run(engine, "/filters 1m adx_min 35")
    reply = await run(engine, "/tf1m")
    assert reply.data["config"]["adx_min"] == 35 and "logic" not in reply.data
    assert any(line.startswith("Filters: ADX ≥ 35 · confidence ≥ 80 · spread < 2 pips")
               for line in reply.lines)
    assert any("3 levels / 3 s cooldown" in line for line in reply.lines)


@pytest.mark.parametrize(("tf", "logic", "text"), [
    ("5m", "combinedlogic-1", "Logic 1 (combinedlogic-1) ON: lot × 1.25 · SL × 1 · window 30"),
    ("15m", "combinedlogic-2", "Logic 2 (combinedlogic-2) ON: lot × 1.5 · SL × 1.5 · window 45"),
    ("1h", "combinedlogic-3", "Logic 3 (combinedlogic-3) ON: lot × 0.625 · SL × 2.5 · window "
                              "120"),
])
async def test_tf_cards_show_the_bound_logic(engine: Engine, tf: str, logic: str,
                                             text: str) -> None:
    await run(engine, "/multiplier logic2 1.5")
    reply = await run(engine, f"/tf{tf}")
    assert reply.data["logic"]["logic"] == logic
    assert any(line.startswith(text) for line in reply.lines)
    assert reply.data["plugin"] == f"v6_price_action_{tf}"


async def test_trends_show_value_mode_source_and_age(engine: Engine) -> None:
    await post(engine, legacy("trend", "bull", "1h", "EURUSD").decode())
    engine.clock.advance(120)  # type: ignore[attr-defined]
    reply = await run(engine, "/show_trends eurusd")
    assert reply.title == "Trends · EURUSD" and reply.table is not None
    rows = {r[1]: r for r in reply.table.rows}
    assert rows["1h"] == ("EURUSD", "1h", "BULLISH", "AUTO", "LEGACY", "2m 00s ago")
    assert rows["4h"][2:] == ("NEUTRAL", "AUTO", "LEGACY", "never")
    every = await run(engine, "/trends")
    assert every.table is not None and {r[0] for r in every.table.rows} == {"EURUSD"}
    assert "GBPUSD" in every.lines[0]


async def test_trends_refuse_an_unknown_symbol(engine: Engine) -> None:
    assert "not in the symbol table; use one of XAUUSD, EURUSD" in await refused(
        engine, "/trends DOGEUSD")


async def test_set_trend_asks_confirmation_then_locks_and_persists(engine: Engine) -> None:
    pending = await engine.execute("/set_trend EURUSD 1h BEARISH", CLI, False)
    assert pending.needs_confirmation and pending.command_line == "/set_trend EURUSD 1h BEARISH"
    assert engine.trends is not None and engine.trends.get("EURUSD", "1h").mode == "AUTO"
    done = await run(engine, "/set_trend eurusd 1h bearish")
    assert done.title == "EURUSD 1h: NEUTRAL (AUTO) → BEARISH (MANUAL)"
    assert engine.store is not None
    stored = TrendStore(engine.store).get("EURUSD", "1h")  # what a restart reads
    assert (stored.value, stored.mode, stored.source) == ("BEARISH", "MANUAL", "MANUAL")
    answer = await post(engine, legacy("trend", "bull", "1h", "EURUSD").decode())
    assert record_of(engine, str(answer["signal_id"]))["reason"] == "MANUAL_LOCK"
    assert engine.trends.get("EURUSD", "1h").value == "BEARISH"
    back = await run(engine, "/set_trend EURUSD 1h AUTO")
    assert back.title == "EURUSD 1h: BEARISH (MANUAL) → BEARISH (AUTO)"
    await post(engine, legacy("trend", "bull", "1h", "EURUSD", 1.085).decode())
    assert engine.trends.get("EURUSD", "1h").value == "BULLISH"


@pytest.mark.parametrize(("line", "message"), [
    ("/set_trend EURUSD 1h UP", "trend: 'UP' is not allowed; use one of BULLISH, BEARISH, "
                                "NEUTRAL, AUTO"),
    ("/set_trend EURUSD 2h BULLISH", "timeframe: '2h' is not allowed; use one of 5m, 15m, 1h, "
                                     "4h, 1d"),
    ("/set_trend BTCUSD 1h BULLISH", "'BTCUSD' is not in the symbol table"),
    ("/set_auto EURUSD", "missing timeframe"),
])
async def test_trend_commands_refuse_invalid_input(engine: Engine, line: str,
                                                   message: str) -> None:
    assert message in await refused(engine, line)
    assert engine.trends is not None and engine.trends.all() == []


async def test_set_auto_returns_to_auto_keeping_the_value(engine: Engine) -> None:
    await run(engine, "/set_trend GBPUSD 4h BULLISH")
    reply = await run(engine, "/set_auto GBPUSD 4h")
    assert reply.title == "GBPUSD 4h: BULLISH (MANUAL) → BULLISH (AUTO)"
    assert engine.store is not None
    assert TrendStore(engine.store).get("GBPUSD", "4h").mode == "AUTO"
    again = await run(engine, "/set_auto GBPUSD 4h")
    assert again.title == "GBPUSD 4h is already AUTO (BULLISH)"


async def test_trend_matrix_marks_manual_entries_and_shows_pulses(engine: Engine) -> None:
    await run(engine, "/set_trend EURUSD 1d BEARISH")
    await post(engine, legacy("trend", "bull", "15m", "EURUSD").decode())
    await post(engine, "TREND_PULSE|EURUSD|15|5|1|15,240|TRENDING_BULLISH")
    reply = await run(engine, "/trend_matrix")
    assert reply.table is not None
    assert reply.table.columns == ("Symbol", "5m", "15m", "1h", "4h", "1d", "V6 pulses")
    rows = {r[0]: r for r in reply.table.rows}
    assert rows["EURUSD"][1:7] == ("NEUT", "BULL", "NEUT", "NEUT", "BEAR*",
                                   "15m TRENDING_BULLISH (5/1)")
    assert rows["XAUUSD"][6] == "–"
    assert reply.data["manual"] == ["EURUSD 1d"]


async def test_trend_mode_filters_by_symbol_and_timeframe(engine: Engine) -> None:
    await run(engine, "/set_trend USDJPY 15m NEUTRAL")
    one = await run(engine, "/trend_mode USDJPY 15m")
    assert one.table is not None and one.table.rows == (("USDJPY", "MANUAL"),)
    by_tf = await run(engine, "/trend_mode 15m")
    assert by_tf.table is not None and by_tf.table.columns == ("Symbol", "15m")
    assert by_tf.data["manual"] == ["USDJPY 15m"] and by_tf.title == "Trend modes: 1 MANUAL"
    assert "use one of 5m, 15m, 1h, 4h, 1d" in await refused(engine, "/trend_mode USDJPY 2h")


async def test_view_logic_settings_follows_changes(engine: Engine) -> None:
    await run(engine, "/multiplier logic1 0.5")
    await run(engine, "/logic3 off")
    reply = await run(engine, "/view_logic_settings")
    assert reply.table is not None
    assert reply.table.rows[0] == ("Logic 1", "combinedlogic-1", "ON", "5m", "1h+15m", "0.5",
                                   "1", "30 min", "dual_orders", "order_a_only")
    assert reply.table.rows[2][2] == "OFF"


async def test_reset_timeframe_default_restores_and_persists(engine: Engine) -> None:
    await run(engine, "/multiplier logic1 2")
    engine.persist_override("logics.combinedlogic-2.sl_multiplier", 3.0)
    engine.persist_override("logics.combinedlogic-3.recovery_window_minutes", 15)
    pending = await engine.execute("/reset_timeframe_default", CLI, False)
    assert pending.needs_confirmation
    assert engine.settings.logics["combinedlogic-1"].lot_multiplier == 2
    reply = await run(engine, "/reset_timeframe_default")
    assert reply.lines == ("Logic 1 lot_multiplier: 2 → 1.25", "Logic 2 sl_multiplier: 3 → 1.5",
                           "Logic 3 recovery_window_minutes: 15 → 120")
    logics = reloaded(engine).logics
    assert (logics["combinedlogic-1"].lot_multiplier, logics["combinedlogic-2"].sl_multiplier,
            logics["combinedlogic-3"].recovery_window_minutes) == (1.25, 1.5, 120)
    again = await run(engine, "/reset_timeframe_default")
    assert again.title == "Logic multipliers and windows already at defaults"


async def test_logic_alignment_uses_locked_trends(engine: Engine) -> None:
    await run(engine, "/set_trend EURUSD 1h BEARISH")
    record = await aligned_buy(engine, "15m")  # the 1h bull alert is ignored: MANUAL_LOCK
    assert engine.trends is not None and engine.trends.get("EURUSD", "1h").value == "BEARISH"
    assert (record["outcome"], record["reason"]) == ("blocked", "TREND_MISALIGNED")
    assert decided_by(record)["v3_combined"][:3] == (True, "blocked", "TREND_MISALIGNED")
    assert engine.trading is not None and not engine.trading.positions

