"""Chain creation per owner, alignment per owner, autonomy reset, notifications, chains pane."""

from __future__ import annotations

from datetime import timedelta

from core.domain.enums import Direction
from core.engine import Engine
from core.events import Event
from core.trading.chain_events import ChainsChanged
from tests.commands.support import aligned_buy, run, v6_buy
from tests.notifications.support import of_type
from tests.trading.reentry.support import SL, only_chain, open_a, price


async def test_a_v6_dual_group_makes_one_chain_for_order_a_with_the_plugin_limits(
        engine: Engine) -> None:
    record = await v6_buy(engine, tf="5")
    assert record["outcome"] == "executed"
    assert engine.reentry is not None and engine.store is not None
    kinds = sorted(p["kind"] for p in engine.store.all("positions"))
    assert kinds == ["A", "B"]
    chain = only_chain(engine)
    # SPEC §4.3.4: the 5m plugin allows 4 levels; its entry timeframe scopes the signals
    assert (chain.strategy, chain.max_level, chain.timeframe, chain.original_sl_pips) == (
        "v6_price_action_5m", 4, "5m", 24.8)


async def test_order_b_only_and_manual_orders_make_no_chain(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_1m.config.adx_min", 20)
    await v6_buy(engine, tf="1")  # 1m routes order_b_only
    assert (await run(engine, "/buy EURUSD 0.05")).ok
    assert engine.reentry is not None and engine.store is not None
    assert sorted(p["kind"] for p in engine.store.all("positions")) == ["B", "M"]
    assert engine.reentry.book.chains == {}


async def test_alignment_rules_per_owner(engine: Engine) -> None:
    assert engine.reentry is not None and engine.trends is not None
    assert engine.bridge is not None and engine.bridge.stores.pulses is not None
    check = engine.reentry.alignment.check
    now = engine.clock.now()
    for tf in ("1h", "15m"):
        engine.trends.update("EURUSD", tf, "BULLISH", "test", now)
    assert check("combinedlogic-1", "combinedlogic-1", "EURUSD", Direction.BUY)[0]
    ok, why = check("combinedlogic-1", None, "EURUSD", Direction.SELL)
    assert not ok and why == ("combinedlogic-1 needs 1h and 15m BEARISH (1h BULLISH, "
                              "15m BULLISH)")
    # V6 5m checks the 15m pulse; no record yet → allowed (SPEC §4.3.3)
    assert check("v6_price_action_5m", None, "EURUSD", Direction.SELL)[0]
    engine.bridge.stores.pulses.pulse("EURUSD", "15m", 5, 1, (), None, now)
    ok, why = check("v6_price_action_5m", None, "EURUSD", Direction.SELL)
    assert not ok and "HTF_MISALIGNED" not in why and "5 bull / 1 bear" in why
    assert check("v6_price_action_5m", None, "EURUSD", Direction.BUY)[0]
    # V6 15m: the 1h pulse, plus the market-state check on its own timeframe
    engine.bridge.stores.pulses.report_state("EURUSD", "15m", "CHOPPY", now)
    ok, why = check("v6_price_action_15m", None, "EURUSD", Direction.BUY)
    assert not ok and why == "filtered: V6 15m market reported CHOPPY on EURUSD 15m"
    assert check("v6_price_action_5m", None, "EURUSD", Direction.BUY)[0]  # 5m: no state check
    assert check("manual", None, "EURUSD", Direction.SELL) == (
        True, "manual: no alignment rule")


async def test_autonomous_off_arms_nothing(engine: Engine) -> None:
    engine.persist_override("reentry.autonomous_enabled", False)
    await open_a(engine)
    await price(engine, SL - 0.0001)
    chain = only_chain(engine)
    assert (chain.status, chain.stop_reason) == ("COMPLETED", "autonomous system off")


async def test_the_daily_reset_zeroes_the_autonomous_counters(engine: Engine) -> None:
    assert engine.reentry is not None and engine.risk is not None
    autonomy = engine.reentry.autonomy
    now = engine.clock.now()
    autonomy.record_attempt("RE_EURUSD_00000001", now)
    autonomy.record_result("RE_EURUSD_00000001", -12.5, now)
    assert (autonomy.status(now)["attempts"], autonomy.status(now)["losses"]) == (1, 1)
    engine.risk.roll(now + timedelta(days=1))
    status = autonomy.status(now)
    assert (status["attempts"], status["losses"], status["pnl_today"]) == (0, 0, 0.0)
    assert status["active"] == 1  # the running chain keeps its slot


async def test_chain_changes_reach_the_chains_pane_and_the_notification_bot(
        engine: Engine) -> None:
    seen: list[Event] = []
    engine.bus.listen(seen.append, (ChainsChanged,))
    chain = await open_a(engine)
    await price(engine, SL - 0.0001)
    last = seen[-1]
    assert isinstance(last, ChainsChanged) and last.family == "reentry"
    [row] = last.rows
    assert (row.chain_id, row.status, row.armed_kind, row.target) == (
        chain.chain_id, "ARMED", "SL_HUNT", 1.06168)
    await price(engine, 1.06168)
    [message] = of_type(engine, "sl_hunt_reentry")
    assert "SL HUNT RE-ENTRY — level 1/5" in message.text


async def test_the_limit_cooldown_outlasts_the_reset_and_a_new_day_can_hit_it_again(
        engine: Engine) -> None:
    engine.persist_override("reentry.safety.max_losses_per_day", 1)
    assert engine.reentry is not None and engine.risk is not None
    seen: list[Event] = []
    engine.bus.listen(seen.append)
    autonomy = engine.reentry.autonomy
    now = engine.clock.now()
    autonomy.record_result("RE_EURUSD_00000001", -5, now)
    assert autonomy.may_start(now)[1] == "daily recovery losses reached (1/1)"
    # SPEC §6.6: the 6 h cooldown still runs after the reset zeroed the counters
    later = now + timedelta(days=1)
    engine.risk.roll(later)
    assert autonomy.may_start(now + timedelta(hours=2))[0] is False
    assert autonomy.may_start(now + timedelta(hours=6))[0] is True
    autonomy.record_result("RE_EURUSD_00000002", -5, later)
    limits = [e for e in seen if getattr(e, "type", "") == "autonomous_limit_reached"]
    assert len(limits) == 2


async def test_a_v4_logic_group_makes_a_chain_that_re_enters_on_logic_alignment(
        engine: Engine) -> None:
    engine.persist_override("bridge.mode", "passthrough")
    await aligned_buy(engine)  # 1h and 15m BULLISH only: enough for the V4 logic
    chain = only_chain(engine)
    assert (chain.strategy, chain.logic, chain.timeframe) == (
        "combinedlogic-2", "combinedlogic-2", "15m")
    await price(engine, chain.original_sl - 0.0001)
    armed = only_chain(engine)
    assert armed.armed_until == (engine.clock.now() + timedelta(minutes=45)).isoformat()
    assert await price(engine, armed.target_price or 0) == 1
    assert only_chain(engine).current_level == 1
