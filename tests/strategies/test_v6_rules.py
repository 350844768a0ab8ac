"""V6 filters, plugin limits and gates through the real engine (SPEC §3.8, §4.3.2-§4.3.4)."""

from __future__ import annotations

import pytest

from core.engine import Engine, EngineOptions
from tests.engine.signal_helpers import run
from tests.strategies.v6_support import (
    decision,
    entry,
    exit_alert,
    market,
    positions,
    pulse,
    send,
    state_change,
)


async def test_adx_na_is_adx_low(engine: Engine) -> None:
    market(engine)
    record = await send(engine, entry("15m", adx=None))
    assert (record["outcome"], record["reason"]) == ("blocked", "ADX_LOW")
    assert record["detail"] == "filtered: V6 15m ADX unknown (NA) — needs ≥ 20"
    assert positions(engine) == []


@pytest.mark.parametrize(("adx", "reason"), [(24.9, "ADX_LOW"), (25.0, "ORDER_PLACED")])
async def test_5m_adx_threshold(engine: Engine, adx: float, reason: str) -> None:
    market(engine)
    record = await send(engine, entry("5m", adx=adx))
    assert record["reason"] == reason


@pytest.mark.parametrize(("confidence", "reason"), [(59, "CONFIDENCE_LOW"),
                                                    (60, "ORDER_PLACED")])
async def test_1h_confidence_threshold(engine: Engine, confidence: int, reason: str) -> None:
    market(engine)
    record = await send(engine, entry("1h", confidence=confidence))
    assert record["reason"] == reason


async def test_config_is_read_on_every_signal(engine: Engine) -> None:
    market(engine)
    engine.persist_override("plugins.v6_price_action_15m.config.adx_min", 36)
    record = await send(engine, entry("15m", adx=35))
    assert (record["reason"], record["detail"]) == ("ADX_LOW", "filtered: V6 15m ADX 35 < 36")
    engine.persist_override("plugins.v6_price_action_15m.config.adx_min", 35)
    assert (await send(engine, entry("15m", adx=35, price=1.08453)))["reason"] == \
        "ORDER_PLACED"


async def test_bearish_1h_pulse_misaligns_a_15m_buy(engine: Engine) -> None:
    market(engine)
    await send(engine, pulse("1h", 1, 5, "TRENDING_BEARISH"))
    record = await send(engine, entry("15m"))
    assert (record["outcome"], record["reason"]) == ("blocked", "HTF_MISALIGNED")
    assert record["detail"] == "filtered: V6 15m BUY against the 1h pulse 1 bull / 5 bear"
    sell = await send(engine, entry("15m", "SELL"))  # the same pulse aligns a SELL
    assert sell["reason"] == "ORDER_PLACED"


@pytest.mark.parametrize(("tf", "higher"), [("5m", "15m"), ("1h", "4h")])
async def test_each_plugin_reads_its_own_higher_timeframe(engine: Engine, tf: str,
                                                          higher: str) -> None:
    market(engine)
    await send(engine, pulse(higher, 0, 4))
    assert (await send(engine, entry(tf)))["reason"] == "HTF_MISALIGNED"
    await send(engine, pulse(higher, 4, 0))
    assert (await send(engine, entry(tf, price=1.08453)))["reason"] == "ORDER_PLACED"


async def test_1m_ignores_every_pulse(engine: Engine) -> None:
    market(engine)
    for tf in ("5m", "15m", "1h"):
        await send(engine, pulse(tf, 0, 6))
    assert (await send(engine, entry("1m")))["reason"] == "ORDER_PLACED"


async def test_15m_sideways_pulse_is_market_sideways(engine: Engine) -> None:
    market(engine)
    await send(engine, pulse("15m", 3, 2))
    record = await send(engine, entry("15m"))
    assert (record["outcome"], record["reason"]) == ("blocked", "MARKET_SIDEWAYS")
    assert record["detail"] == "filtered: V6 15m market sideways on EURUSD 15m (pulse 3/2)"
    # The 5m plugin does not avoid sideways markets (its HTF is 15m: 3 > 2 bulls aligns).
    assert (await send(engine, entry("5m")))["reason"] == "ORDER_PLACED"


async def test_15m_reported_choppy_state_is_market_sideways(engine: Engine) -> None:
    market(engine)
    await send(engine, pulse("15m", 5, 1, "TRENDING_BULLISH"))
    assert (await send(engine, entry("15m")))["reason"] == "ORDER_PLACED"
    await send(engine, state_change("15m", "CHOPPY"))
    record = await send(engine, entry("15m", price=1.08453))
    assert record["reason"] == "MARKET_SIDEWAYS"
    assert record["detail"] == "filtered: V6 15m market reported CHOPPY on EURUSD 15m"


async def test_15m_fourth_open_trade_is_plugin_max_open(engine: Engine) -> None:
    market(engine)
    for n in range(3):
        record = await send(engine, entry("15m", sl_pips=24.2, price=1.08452 + n / 100_000))
        assert record["reason"] == "ORDER_PLACED"
    record = await send(engine, entry("15m", sl_pips=24.2, price=1.08460))
    assert (record["outcome"], record["reason"]) == ("blocked", "PLUGIN_MAX_OPEN")
    assert record["detail"] == "blocked: V6 15m has 3 open trades (max 3)"
    # Other plugins have their own limits.
    assert (await send(engine, entry("1h", sl_pips=24.2)))["reason"] == "ORDER_PLACED"


async def test_5m_open_trades_count_order_groups_not_positions(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_5m.config.max_open_trades", 2)
    market(engine)
    await send(engine, entry("5m", sl_pips=24.2))
    assert len(positions(engine, "v6_price_action_5m")) == 2  # A and B: one trade
    assert (await send(engine, entry("5m", sl_pips=24.2, price=1.08453)))["reason"] == \
        "ORDER_PLACED"
    assert (await send(engine, entry("5m", sl_pips=24.2, price=1.08454)))["reason"] == \
        "PLUGIN_MAX_OPEN"


async def test_trades_opened_today_count_after_they_close(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_5m.config.max_daily_trades", 1)
    market(engine)
    await send(engine, entry("5m"))
    await send(engine, exit_alert("5m", "BUY"))
    assert positions(engine) == []
    record = await send(engine, entry("5m", price=1.08453))
    assert (record["outcome"], record["reason"]) == ("blocked", "PLUGIN_DAILY_TRADES")
    assert record["detail"] == "blocked: V6 5m daily trade limit reached (1 of 1 today)"


async def test_realised_loss_today_reaching_the_limit_is_plugin_daily_loss(
        engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_15m.config.daily_loss_limit", 5)
    market(engine)
    await send(engine, entry("15m"))
    market(engine, bid=1.08340)                  # 10.8 pips below the fill: ≈ $10.80 lost
    await send(engine, exit_alert("15m", "BUY", price=1.08340))
    assert positions(engine) == []
    record = await send(engine, entry("15m", price=1.08453))
    assert (record["outcome"], record["reason"]) == ("blocked", "PLUGIN_DAILY_LOSS")
    assert record["detail"].startswith("blocked: V6 15m lost $10.")
    assert record["detail"].endswith("today (limit $5)")


async def test_global_gates_come_first(engine: Engine) -> None:
    market(engine)
    await run(engine, "/pause")
    record = await send(engine, entry("15m", adx=None))  # ADX would fail too: gates first
    assert (record["outcome"], record["reason"]) == ("blocked", "PAUSED")


async def test_a_4h_entry_has_no_v6_plugin(engine: Engine) -> None:
    market(engine)
    record = await send(engine, entry("4h"))
    assert (record["outcome"], record["reason"]) == ("ignored", "NO_PLUGIN_FOR_TF")
    assert positions(engine) == []


async def test_a_pulse_reaches_its_plugin_and_is_ignored(engine: Engine) -> None:
    record = await send(engine, pulse("15m", 4, 1))
    assert record["reason"] == "PULSE_UPDATED"
    plugin = decision(record, "v6_price_action_15m")
    assert (plugin["outcome"], plugin["reason"]) == ("ignored", "NOT_TRADED")


async def test_todays_counts_survive_a_restart(engine_options: EngineOptions) -> None:
    """The day book is rebuilt from the position records and the trades journal."""
    first = Engine(engine_options)
    await first.start()
    try:
        market(first)
        await send(first, entry("5m"))             # one group (A + B), still open
        await send(first, entry("15m"))
        market(first, bid=1.08340)
        await send(first, exit_alert("15m", "BUY", price=1.08340))  # closed at a loss
        assert first.plugins is not None
        before = (first.plugins.days.day("v6_price_action_5m"),
                  first.plugins.days.day("v6_price_action_15m"))
    finally:
        await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        assert second.plugins is not None
        after = (second.plugins.days.day("v6_price_action_5m"),
                 second.plugins.days.day("v6_price_action_15m"))
        assert after == before
        assert (after[0].groups_opened, after[0].open_positions) == (1, 2)
        assert after[1].groups_opened == 1 and after[1].realised_loss > 10
    finally:
        await second.stop()
