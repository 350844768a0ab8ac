"""TP continuation (SPEC §6.4) and exit continuation (SPEC §6.5)."""

from __future__ import annotations

from datetime import timedelta

from core.clock import FrozenClock
from core.engine import Engine
from tests.commands.support import CLI
from tests.engine.helpers import legacy
from tests.engine.signal_helpers import post
from tests.trading.reentry.support import (
    TP,
    kinds,
    only_chain,
    open_a,
    pillars,
    price,
    record,
    reentries,
)


def _advance(engine: Engine, seconds: float) -> None:
    assert isinstance(engine.clock, FrozenClock)
    engine.clock.advance(seconds)


async def test_tp_continuation_fires_only_past_tp_plus_2_pips(engine: Engine) -> None:
    engine.persist_override("reentry.profit_protection.apply_to_order_a", False)
    await open_a(engine)
    record(engine)
    await price(engine, TP + 0.00001)
    chain = only_chain(engine)
    assert (chain.status, chain.armed_kind, chain.target_price) == (
        "ARMED", "TP_CONTINUATION", round(TP + 0.0002, 5))
    assert chain.total_profit > 0
    assert await price(engine, TP + 0.00019) == 0
    assert await price(engine, TP + 0.0002) == 1
    assert only_chain(engine).current_level == 1
    assert kinds(engine) == ["tp_continuation_reentry"]
    [r] = reentries(engine)
    ask = round(TP + 0.0002 + 0.00008, 5)
    assert (r["direction"], r["entry"], r["sl_initial"]) == ("BUY", ask, round(ask - 0.01575, 5))


async def test_profit_protection_blocks_a_recovery_risking_the_banked_profit(
        engine: Engine) -> None:
    await open_a(engine)
    record(engine)
    await price(engine, TP + 0.00001)
    profit = only_chain(engine).total_profit  # 0.04 lot × 337.5 p × $10 = $135
    assert profit == 135.0
    # level 1 risks 0.04 × 157.5 p × $10 = $63; BALANCED needs profit > $63 × 6 = $378
    assert await price(engine, TP + 0.0003) == 0
    chain = only_chain(engine)
    assert chain.status == "ARMED" and chain.blocked.startswith("PROFIT_PROTECTION")
    assert kinds(engine) == ["recovery_blocked"]
    assert reentries(engine) == []
    engine.persist_override("reentry.profit_protection.apply_to_order_a", False)
    assert await price(engine, TP + 0.0003) == 1


async def test_an_opposite_signal_completes_the_tp_continuation(engine: Engine) -> None:
    await open_a(engine)
    await price(engine, TP + 0.00001)
    _advance(engine, 5)
    await post(engine, legacy("exit", "bear", "15m", price=TP).decode())  # CLOSE_BUY
    chain = only_chain(engine)
    assert (chain.status, chain.stop_reason) == ("COMPLETED", "opposite signal CLOSE_BUY")


async def _reversed(engine: Engine) -> float:
    """A legacy REVERSAL_SELL closes the BUY at the bid: exit continuation is armed."""
    await open_a(engine)
    await price(engine, 1.0850)
    await post(engine, legacy("reversal", "reversal_bear", "15m", price=1.085).decode())
    chain = only_chain(engine)
    assert (chain.status, chain.armed_kind, chain.armed_until) == (
        "ARMED", "EXIT_CONTINUATION", "")
    return 1.0850


async def test_exit_continuation_re_enters_2_pips_past_the_exit(engine: Engine) -> None:
    exit_price = await _reversed(engine)
    record(engine)
    assert only_chain(engine).target_price == round(exit_price + 0.0002, 5)
    assert await price(engine, exit_price + 0.00015, seconds=3600) == 0  # no window
    assert await price(engine, exit_price + 0.0002) == 1
    assert kinds(engine) == ["exit_continuation_reentry"]
    assert only_chain(engine).current_level == 1


async def test_exit_continuation_stops_when_alignment_is_lost(engine: Engine) -> None:
    await _reversed(engine)
    pillars(engine, "BEARISH", ("1h", "4h"))
    await price(engine, 1.0849)
    chain = only_chain(engine)
    assert chain.status == "STOPPED" and chain.stop_reason.startswith("alignment lost")


async def test_exit_continuation_stops_on_an_opposite_signal_after_arming(
        engine: Engine) -> None:
    await _reversed(engine)
    assert only_chain(engine).status == "ARMED"  # its own reversal alert did not stop it
    _advance(engine, 5)
    await post(engine, legacy("entry", "sell", "15m", price=1.085).decode())
    assert (only_chain(engine).status, only_chain(engine).stop_reason) == (
        "STOPPED", "opposite signal SELL_SIGNAL")


async def test_exit_continuation_stops_at_the_daily_reset(engine: Engine) -> None:
    await _reversed(engine)
    assert engine.risk is not None
    engine.risk.roll(engine.clock.now() + timedelta(days=1))
    assert (only_chain(engine).status, only_chain(engine).stop_reason) == (
        "STOPPED", "daily reset")


async def test_a_manual_close_ends_the_chain_without_arming(engine: Engine) -> None:
    chain = await open_a(engine)
    reply = await engine.execute(f"/close {chain.original_ticket}", CLI, True)
    assert reply.ok, reply.text()
    assert only_chain(engine).status == "STOPPED"
    assert only_chain(engine).stop_reason == "closed MANUAL"


async def test_a_close_by_an_opposite_entry_arms_no_exit_continuation(engine: Engine) -> None:
    await open_a(engine)
    pillars(engine, "BEARISH")  # the SELL is aligned; the plugin reverses the BUY
    await price(engine, 1.0850)
    await post(engine, legacy("entry", "sell", "15m", price=1.085).decode())
    assert engine.trading is not None
    assert [p.direction.value for p in engine.trading.positions.values()] == ["SELL"]
    chains = sorted(engine.reentry.book.chains.values(), key=lambda c: c.created_at) \
        if engine.reentry else []
    old = next(c for c in chains if c.direction == "BUY")
    assert (old.status, old.armed_kind) == ("STOPPED", "")
    assert old.stop_reason.startswith("opposite SELL #")
    assert [c.direction for c in chains if not c.finished] == ["SELL"]
