"""The V4 strategy path: legacy alerts → trend store → order group (A and B) → exits."""

from __future__ import annotations

import pytest

from core.commands.spec import Actor, Surface
from core.domain.enums import Direction
from core.engine import Engine, EngineOptions
from tests.engine.helpers import alert, aligned_buy, last_outcome, legacy, quote
from tests.engine.signal_helpers import post, run
from tests.signals.payloads import V3_ENTRY


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    """Passthrough: the V4 logic is the live layer whatever plugins are installed (§3.4.1)."""
    engine_options.config_overrides["bridge.mode"] = "passthrough"
    return engine_options


async def test_trend_alerts_update_the_store_then_repeat_is_a_no_op(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await alert(engine, legacy("trend", "bull", "1h"))
    assert last_outcome(engine)["reason"] == "TREND_UPDATED"
    assert engine.trends is not None
    assert engine.trends.get("EURUSD", "1h").value == "BULLISH"
    await alert(engine, legacy("bias", "bull", "1h", price=1.0841))
    assert last_outcome(engine)["reason"] == "TREND_UNCHANGED"


async def test_entry_without_alignment_is_blocked_with_a_reason(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await alert(engine, legacy("trend", "bull", "1h"))
    await alert(engine, legacy("entry", "buy", "15m"))
    record = last_outcome(engine)
    assert (record["outcome"], record["reason"]) == ("blocked", "TREND_MISALIGNED")
    assert "combinedlogic-2 needs 1h and 15m both BULLISH" in record["detail"]
    assert engine.trading is not None and not engine.trading.positions


async def test_aligned_entry_places_a_dual_order_group(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    record = last_outcome(engine)
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert engine.trading is not None
    # V4 routing defaults to dual_orders (SPEC §4.1.3): Order A, then Order B.
    position, b = sorted(engine.trading.positions.values(), key=lambda p: p.ticket)
    assert position.direction is Direction.BUY and position.symbol == "EURUSD"
    # 10k account → tier 10000; sl-1 EURUSD 150 pips × Logic 2 SL × 1.5 = 225 pips.
    assert position.price_open == pytest.approx(1.08408)
    assert position.sl == pytest.approx(1.08408 - 0.0225)
    assert position.tp == pytest.approx(1.08408 + 0.0225 * 1.5)
    assert position.volume == pytest.approx(0.04)  # 100 / (225 × 10) = 0.044 → 0.04
    meta = engine.trading.meta(position.ticket)
    assert meta["strategy"] == "combinedlogic-2" and meta["kind"] == "A"
    assert meta["logic"] == "combinedlogic-2"
    assert position.magic == 505012 and position.comment.startswith("v4-logic2|A|")
    # B: half of A; SL sized for a $10 loss: 10 / (0.02 × $10) = 50 pips; no TP while
    # profit booking is on (SPEC §5.1.3).
    assert (b.volume, b.tp) == (pytest.approx(0.02), None)
    assert b.sl == pytest.approx(1.08408 - 0.0050)
    b_meta = engine.trading.meta(b.ticket)
    assert b_meta["kind"] == "B" and b_meta["group_id"] == meta["group_id"]
    assert b.magic == 505012 and b.comment.startswith("v4-logic2|B|")


async def test_second_entry_same_side_is_already_open(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    await alert(engine, legacy("entry", "buy", "15m", price=1.0842))
    assert last_outcome(engine)["reason"] == "ALREADY_OPEN"
    assert engine.trading is not None and len(engine.trading.positions) == 2  # A and B


async def test_exit_alert_closes_the_logic_side_and_records_the_trade(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    quote(engine, "EURUSD", 1.08500)
    await alert(engine, legacy("exit", "bear", "15m", price=1.085))
    record = last_outcome(engine)
    assert (record["outcome"], record["reason"]) == ("executed", "EXIT_SIGNAL")
    assert engine.trading is not None and not engine.trading.positions
    assert engine.store is not None
    trades = sorted(engine.store.tail("trades", 5), key=lambda t: t["ticket"])
    # (1.08500 − 1.08408) × 100,000 = $0.92 per 0.01 lot: A 0.04 → $3.68, B 0.02 → $1.84
    assert [(t["kind"], t["profit"]) for t in trades] == [("A", pytest.approx(3.68)),
                                                          ("B", pytest.approx(1.84))]
    assert {t["close_reason"] for t in trades} == {"EXIT_SIGNAL"}
    await alert(engine, legacy("exit", "bear", "15m", price=1.0851))
    assert last_outcome(engine)["reason"] == "NO_POSITIONS"


async def test_reversal_closes_the_opposite_side(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    await alert(engine, legacy("reversal", "reversal_bear", "15m"))
    assert last_outcome(engine)["reason"] == "REVERSAL"
    assert engine.trading is not None and not engine.trading.positions


async def test_pause_blocks_entries_but_not_exits(engine: Engine) -> None:
    from core.domain.enums import PauseReason

    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    assert engine.trading is not None
    engine.trading.pause(PauseReason.MANUAL)
    await alert(engine, legacy("entry", "buy", "15m", symbol="GBPUSD", price=1.27))
    assert (last_outcome(engine)["outcome"], last_outcome(engine)["reason"]) == (
        "blocked", "PAUSED")
    await alert(engine, legacy("exit", "bear", "15m"))
    assert last_outcome(engine)["reason"] == "EXIT_SIGNAL"


async def test_weekend_closure_blocks_new_orders(engine: Engine) -> None:
    from datetime import UTC, datetime

    from core.clock import FrozenClock

    assert isinstance(engine.clock, FrozenClock)
    engine.clock.set(datetime(2025, 11, 29, 12, 0, tzinfo=UTC))  # Saturday
    for tf in ("1h", "15m"):
        await alert(engine, legacy("trend", "bull", tf))
    await alert(engine, legacy("entry", "buy", "15m"))
    assert last_outcome(engine)["reason"] == "WEEKEND"


async def test_dead_zone_session_blocks_entries_with_the_reason(engine: Engine) -> None:
    from datetime import UTC, datetime

    from core.clock import FrozenClock

    assert isinstance(engine.clock, FrozenClock)
    engine.clock.set(datetime(2025, 11, 26, 22, 15, tzinfo=UTC))  # 03:45 IST Thursday
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    record = last_outcome(engine)
    assert (record["outcome"], record["reason"]) == ("blocked", "SESSION_BLOCKED")
    assert "Dead Zone" in record["detail"]


async def test_a_loss_over_the_daily_cap_blocks_the_next_entry(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    quote(engine, "GBPUSD", 1.27000)
    await aligned_buy(engine)
    quote(engine, "EURUSD", 1.05000)  # gaps through the SL: filled at 1.05000
    assert engine.trading is not None
    await engine.trading.refresh()
    assert engine.store is not None
    trades = sorted(engine.store.tail("trades", 2), key=lambda t: t["ticket"])
    # A: (1.05000 − 1.08408) × 0.04 lot × 100,000 = −$136.32; B (0.02 lot) −$68.16
    assert [(t["kind"], t["close_reason"], t["profit"]) for t in trades] == [
        ("A", "SL", pytest.approx(-136.32)), ("B", "SL", pytest.approx(-68.16))]
    await aligned_buy(engine, "GBPUSD", 1.27)
    record = last_outcome(engine)
    # The balance fell under 10,000, so tier 5000 applies: its daily cap is $100 (SPEC §5.4.1).
    assert (record["outcome"], record["reason"]) == ("blocked", "DAILY_CAP")
    assert "daily loss cap $100 reached" in record["detail"]
    reply = await engine.execute("/resume", Actor(Surface.CONSOLE, "console"))
    assert not reply.ok and "daily loss cap $100 reached" in reply.lines[0]  # SPEC §5.5.1


async def test_an_alert_with_levels_uses_them_for_both_orders(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08440)
    await post(engine, V3_ENTRY)  # its own pillars align Logic 2 (15m and 1h bullish)
    record = last_outcome(engine)
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    assert engine.trading is not None
    a, b = sorted(engine.trading.positions.values(), key=lambda p: p.ticket)
    # SPEC §3.4.1, §5.1.2: SL 1.08250 is 19.8 pips under the ask 1.08448 → 0.50 lot, clamped
    # to the tier's 0.10; A aims at TP2, B at TP1, both with the alert SL (no SL multiplier).
    assert (a.volume, a.sl, a.tp) == (0.10, 1.08250, 1.09050)
    assert (b.volume, b.sl, b.tp) == (0.05, 1.08250, 1.08850)


async def test_a_trend_flip_on_the_entry_timeframe_closes_that_logics_positions(
        engine: Engine) -> None:
    """SPEC §4.1.4: a legacy trend (not bias) alert on Logic 2's entry timeframe (15m)
    against its BUYs closes them (TREND_FLIP); a locked trend closes nothing."""
    await run(engine, "/mode passthrough")
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    assert engine.trading is not None and len(engine.trading.positions) == 2  # A and B
    bias = await alert(engine, legacy("bias", "bear", "15m"))
    assert len(engine.trading.positions) == 2, bias
    assert engine.trends is not None
    engine.trends.set_manual("EURUSD", "15m", "BULLISH", engine.clock.now())
    await alert(engine, legacy("trend", "bear", "15m", price=1.0841))
    assert len(engine.trading.positions) == 2
    engine.trends.set_manual("EURUSD", "15m", None, engine.clock.now())
    answer = await alert(engine, legacy("trend", "bear", "15m", price=1.0842))
    record = last_outcome(engine)
    assert (record["outcome"], record["reason"]) == ("executed", "TREND_FLIP"), answer
    assert not engine.trading.positions
    trades = engine.store.tail("trades", 2) if engine.store else []
    assert [t["close_reason"] for t in trades] == ["TREND_FLIP", "TREND_FLIP"]
