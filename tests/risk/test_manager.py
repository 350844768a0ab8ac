"""RiskManager on a real paper engine: gates 2-8 in order, caps, events, reset, counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.clock import FrozenClock
from core.domain.enums import PauseReason
from core.engine import Engine, EngineOptions
from core.events import (
    DailyLossLimit,
    DailyLossWarning,
    DailyReset,
    LifetimeLossLimit,
    LotReduced,
    ProfitTargetReached,
    RiskBlocked,
)
from core.risk.precheck import PlannedOrder
from core.storage.store import Store
from tests.risk.support import (
    ADMIN,
    Recorder,
    at,
    close_at,
    open_position,
    realise,
    risk_of,
    silence,
)

WED = datetime(2025, 11, 26, 8, 35, 12, tzinfo=UTC)  # 14:05 IST: London


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Each row switches on several conditions; the first failing gate of §3.8 must win.
GATE_ROWS = [
    ({"paused", "weekend", "lifetime"}, "PAUSED", "blocked: trading is paused (MANUAL)"),
    ({"weekend", "dead_zone", "daily"}, "WEEKEND",
     "blocked: weekend closure (Fri 22:00 to Sun 22:00 UTC)"),
    ({"dead_zone", "lifetime", "daily"}, "SESSION_BLOCKED", "blocked: Dead Zone session"),
    ({"asian"}, "SESSION_BLOCKED", "blocked: EURUSD is not traded in the Asian session"),
    ({"lifetime", "daily", "target"}, "LIFETIME_CAP", "blocked: lifetime loss cap $1,000 reached"),
    ({"daily", "target", "max_open"}, "DAILY_CAP", "blocked: daily loss cap $200 reached"),
    ({"target", "max_open"}, "PROFIT_TARGET_REACHED",
     "blocked: daily profit target $100 reached"),
    ({"max_open", "max_trades"}, "MAX_OPEN", "blocked: maximum open trades reached (1)"),
    ({"max_trades"}, "MAX_DAILY_TRADES", "blocked: maximum trades per day reached (1)"),
    (set(), None, "allowed"),
]


@pytest.mark.parametrize(("conditions", "code", "text"), GATE_ROWS)
async def test_gates_run_in_spec_order(quiet: Engine, conditions: set[str], code: str | None,
                                       text: str) -> None:
    engine, risk = quiet, risk_of(quiet)
    assert engine.trading is not None
    now = WED
    if "weekend" in conditions:
        now = utc(2025, 11, 29, 12)
    elif "dead_zone" in conditions:
        now = utc(2025, 11, 25, 22, 30)  # 04:00 IST Wednesday
    elif "asian" in conditions:
        now = utc(2025, 11, 26, 1)  # 06:30 IST
    at(engine, now)
    if "max_open" in conditions or "max_trades" in conditions:
        await open_position(engine, lot=0.01)
    if "paused" in conditions:
        engine.trading.pause(PauseReason.MANUAL)
    if "lifetime" in conditions:
        risk.ledger.set(lifetime_loss=1000.0)
    if "daily" in conditions:
        risk.ledger.set(daily_loss=200.0)
    if "target" in conditions:
        engine.persist_override("risk.daily_profit_target", 100)
        risk.ledger.set(daily_profit=100.0)
    if "max_open" in conditions:
        engine.persist_override("risk.max_open_trades", 1)
    if "max_trades" in conditions:
        engine.persist_override("risk.max_daily_trades", 1)
    result = risk.check_new_order("EURUSD", now)
    assert (result.code, result.text) == (code, text)


@pytest.mark.parametrize(("daily", "lifetime", "code"), [
    (199.99, 0, None), (200.0, 0, "DAILY_CAP"), (250.0, 0, "DAILY_CAP"),
    (0, 999.99, None), (0, 1000.0, "LIFETIME_CAP"),
])
async def test_caps_block_at_exactly_the_limit(quiet: Engine, daily: float, lifetime: float,
                                               code: str | None) -> None:
    risk = risk_of(quiet)
    risk.ledger.set(daily_loss=daily, lifetime_loss=lifetime)
    assert risk.check_new_order("EURUSD").code == code
    assert risk.cap_block().code == code


async def test_realised_losses_feed_the_counters_profits_do_not_offset(quiet: Engine) -> None:
    risk = risk_of(quiet)
    await realise(quiet, -50)
    await realise(quiet, 30)
    c = risk.counters
    assert (c.daily_loss, c.daily_profit, c.lifetime_loss, c.daily_net) == (50, 30, 50, -20)
    assert c.daily_trades == 2


async def test_warning_at_80_percent_once_then_the_cap(quiet: Engine) -> None:
    quiet.persist_override("risk.tier_mode", "10000")  # losses would drop the balance tier
    events = Recorder(quiet, DailyLossWarning, DailyLossLimit, LifetimeLossLimit, RiskBlocked)
    await realise(quiet, -100)
    await realise(quiet, -59.9)
    assert not events.events  # 159.90 < 160 (80 % of $200)
    await realise(quiet, -0.1)
    [warning] = events.of(DailyLossWarning)
    assert isinstance(warning, DailyLossWarning)
    assert (warning.daily_loss, warning.daily_cap, warning.percent) == (160, 200, 80)
    await realise(quiet, -10)
    await risk_of(quiet).tick()
    assert len(events.of(DailyLossWarning)) == 1
    await realise(quiet, -30)
    [limit] = events.of(DailyLossLimit)
    assert isinstance(limit, DailyLossLimit) and limit.daily_loss == 200
    assert limit.reset_at == utc(2025, 11, 26, 22, 5)
    await risk_of(quiet).tick()
    assert len(events.of(DailyLossLimit)) == 1
    blocked = risk_of(quiet).check_new_order("GBPUSD", strategy="combinedlogic-2")
    assert blocked.text == "blocked: daily loss cap $200 reached"
    [announced] = events.of(RiskBlocked)
    assert isinstance(announced, RiskBlocked) and announced.code == "DAILY_CAP"
    assert (announced.symbol, announced.strategy) == ("GBPUSD", "combinedlogic-2")
    refused = await quiet.execute("/resume", ADMIN)
    assert not refused.ok and "daily loss cap $200 reached" in refused.lines[0]
    assert "next daily reset" in refused.lines[0]


async def test_lifetime_cap_event_and_resume_refused(quiet: Engine) -> None:
    quiet.persist_override("risk.tier_mode", "10000")
    events = Recorder(quiet, LifetimeLossLimit)
    risk_of(quiet).ledger.set(lifetime_loss=990.0)
    await realise(quiet, -10)
    [event] = events.of(LifetimeLossLimit)
    assert isinstance(event, LifetimeLossLimit) and event.lifetime_loss == 1000
    assert quiet.trading is not None
    quiet.trading.pause(PauseReason.MANUAL)
    refused = await quiet.execute("/resume", ADMIN)
    assert not refused.ok and "lifetime loss cap $1,000" in refused.lines[0]
    assert quiet.trading.paused
    await quiet.execute("/clear_loss_data", ADMIN, confirmed=True)
    assert (await quiet.execute("/resume", ADMIN)).ok and not quiet.trading.paused


async def test_daily_reset_at_0335_ist_keeps_the_lifetime_loss(quiet: Engine) -> None:
    risk = risk_of(quiet)
    events = Recorder(quiet, DailyReset)
    await realise(quiet, -120)
    risk.ledger.set(daily_profit=40.0)
    await risk.tick(at(quiet, utc(2025, 11, 26, 22, 4, 59)))  # 03:34:59 IST
    assert risk.counters.daily_loss == 120 and not events.events
    await risk.tick(at(quiet, utc(2025, 11, 26, 22, 5)))  # 03:35:00 IST
    [reset] = events.of(DailyReset)
    assert isinstance(reset, DailyReset)
    assert (reset.previous_day, reset.trading_day, reset.daily_loss, reset.daily_profit,
            reset.trades) == ("2025-11-26", "2025-11-27", 120, 40, 1)
    c = risk.counters
    assert (c.daily_loss, c.daily_profit, c.daily_trades, c.lifetime_loss) == (0, 0, 0, 120)
    assert not c.warned


async def test_gates_see_the_reset_even_before_the_timer_runs(quiet: Engine) -> None:
    risk = risk_of(quiet)
    risk.ledger.set(daily_loss=200.0)
    assert risk.check_new_order("EURUSD").code == "DAILY_CAP"
    now = at(quiet, utc(2025, 11, 27, 8))  # next day, London again
    assert risk.check_new_order("EURUSD", now).allowed


@pytest.mark.parametrize(("restart_at", "daily_after"), [
    (utc(2025, 11, 26, 22, 4), 75.0),  # 03:34 IST: same trading day
    (utc(2025, 11, 26, 22, 6), 0.0),   # 03:36 IST: reset at start-up
    (utc(2025, 11, 28, 6), 0.0),       # down for two days
])
async def test_restart_resets_when_the_stored_trading_day_differs(
        engine_options: EngineOptions, restart_at: datetime, daily_after: float) -> None:
    first = Engine(engine_options)
    await first.start()
    await silence(first)
    await realise(first, -75)
    await first.stop()
    assert isinstance(engine_options.clock, FrozenClock)
    engine_options.clock.set(restart_at)
    second = Engine(engine_options)
    await second.start()
    try:
        await silence(second)
        c = risk_of(second).counters
        assert (c.daily_loss, c.lifetime_loss) == (daily_after, 75.0)
    finally:
        await second.stop()


async def test_a_fresh_ledger_does_not_count_the_broker_history(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    await silence(first)
    await realise(first, -40)
    await first.stop()
    with Store(engine_options.data_dir / "store") as store:
        store.delete("risk", "ledger")  # as on a new installation with an old account
    second = Engine(engine_options)
    await second.start()
    try:
        await silence(second)
        assert await risk_of(second).scan() == 0
        assert risk_of(second).counters.lifetime_loss == 0
    finally:
        await second.stop()


async def test_partial_closes_are_counted_by_the_deal_scan_once(quiet: Engine) -> None:
    risk = risk_of(quiet)
    await risk.scan()
    ticket = await open_position(quiet, lot=0.10, price=1.10000)
    await close_at(quiet, ticket, 1.09800, volume=0.04)  # −20 pips × 0.04 = −$8, no event
    assert risk.counters.daily_loss == 0
    assert await risk.scan() == 1 and risk.counters.daily_loss == 8
    assert await risk.scan() == 0
    await close_at(quiet, ticket, 1.09900)  # −10 pips × 0.06 = −$6, PositionClosed
    assert risk.counters.daily_loss == 14 and risk.counters.lifetime_loss == 14


async def test_profit_target_blocks_entries_and_raises_once(quiet: Engine) -> None:
    events = Recorder(quiet, ProfitTargetReached)
    quiet.persist_override("risk.daily_profit_target", 50)
    await realise(quiet, 30)
    assert risk_of(quiet).check_new_order("EURUSD").allowed
    await realise(quiet, 20)
    assert risk_of(quiet).check_new_order("EURUSD").code == "PROFIT_TARGET_REACHED"
    await realise(quiet, -5)  # net 45: below the target again
    assert risk_of(quiet).check_new_order("EURUSD").allowed
    assert len(events.events) == 1


async def test_max_daily_trades_counts_opened_positions_until_the_reset(quiet: Engine) -> None:
    quiet.persist_override("risk.max_daily_trades", 2)
    risk = risk_of(quiet)
    first = await open_position(quiet, lot=0.01)
    assert risk.check_new_order("EURUSD").allowed
    await open_position(quiet, lot=0.01)
    assert risk.check_new_order("EURUSD").code == "MAX_DAILY_TRADES"
    await close_at(quiet, first, 1.1)
    assert risk.check_new_order("EURUSD").code == "MAX_DAILY_TRADES"  # closing does not undo
    assert risk.check_new_order("EURUSD", at(quiet, WED + timedelta(days=1))).allowed


async def test_manual_orders_bypass_the_session_filter_with_a_warning(quiet: Engine) -> None:
    now = at(quiet, utc(2025, 11, 25, 22, 30))  # Dead Zone
    risk = risk_of(quiet)
    assert risk.check_new_order("EURUSD", now).code == "SESSION_BLOCKED"
    manual = risk.check_new_order("EURUSD", now, manual=True)
    assert manual.allowed and "bypasses the session filter (blocked: Dead Zone session)" in \
        manual.warning
    risk.ledger.set(daily_loss=200.0)
    assert risk.check_new_order("EURUSD", now, manual=True).code == "DAILY_CAP"


async def test_session_master_off_lets_every_symbol_through_but_not_the_weekend(
        quiet: Engine) -> None:
    quiet.persist_override("sessions.enabled", False)
    risk = risk_of(quiet)
    assert risk.check_new_order("USDCAD", at(quiet, utc(2025, 11, 25, 22, 30))).allowed
    assert risk.check_new_order("USDCAD", at(quiet, utc(2025, 11, 29, 1))).code == "WEEKEND"


async def test_smart_reduction_and_pre_trade_check_through_the_manager(quiet: Engine) -> None:
    events = Recorder(quiet, LotReduced, RiskBlocked)
    risk = risk_of(quiet)
    eur = quiet.symbols()["EURUSD"]
    assert risk.size(eur, 150).lot == 0.06 and not events.events
    risk.ledger.set(daily_loss=120.0)  # 40 % of the cap left → ×0.75
    decision = risk.size(eur, 150)
    assert (decision.smart_factor, decision.lot) == (0.75, 0.05)
    [reduced] = events.of(LotReduced)
    assert isinstance(reduced, LotReduced) and (reduced.before, reduced.after) == (0.06, 0.05)
    orders = [PlannedOrder("A", 0.10, 100, 10.0), PlannedOrder("B", 0.05, 100, 10.0)]
    fits = risk.pre_trade_check("EURUSD", orders)  # $80 left: 0.05 + 0.02 = $70
    assert fits.ok and fits.lots == (0.05, 0.02) and len(events.of(LotReduced)) == 2
    risk.ledger.set(daily_loss=185.0)
    refused = risk.pre_trade_check("EURUSD", orders)
    assert refused.code == "RISK_TOO_HIGH" and events.of(RiskBlocked)
