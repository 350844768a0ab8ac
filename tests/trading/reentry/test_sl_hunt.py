"""SL hunt (SPEC §6.3): re-entry inside the window only, alignment, levels, SL reduction."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.engine import Engine
from tests.trading.reentry.support import (
    ENTRY,
    SL,
    SL_PIPS,
    kinds,
    only_chain,
    open_a,
    pillars,
    price,
    record,
    reentries,
)

TARGET = 1.06168  # SL + 1 pip (offset mode)


async def _hit_sl(engine: Engine) -> None:
    await price(engine, SL - 0.0001)
    chain = only_chain(engine)
    assert (chain.status, chain.armed_kind, chain.target_price) == ("ARMED", "SL_HUNT", TARGET)


async def test_sl_hit_arms_the_hunt_and_a_bounce_inside_the_window_re_enters(
        engine: Engine) -> None:
    await open_a(engine)
    record(engine)
    await _hit_sl(engine)
    chain = only_chain(engine)
    # combinedlogic-2 window: 45 min from the SL hit (SPEC §6.8)
    assert chain.armed_until == (engine.clock.now() + timedelta(minutes=45)).isoformat()
    assert await price(engine, TARGET - 0.00002) == 0  # one tenth of a pip short
    assert only_chain(engine).status == "ARMED"
    assert await price(engine, TARGET) == 1
    chain = only_chain(engine)
    [r] = reentries(engine)
    ask = TARGET + 0.00008
    # level 1: 225 p × 0.7 = 157.5 p; TP = 1.5 × the SL distance
    assert (chain.status, chain.current_level, chain.applied_sl_pips) == ("ACTIVE", 1, 157.5)
    assert (r["entry"], r["sl_initial"], r["tp_initial"]) == (
        ask, round(ask - 0.01575, 5), round(ask + 0.023625, 5))
    assert r["strategy"] == "v3_combined" and chain.open_ticket == r["ticket"]
    assert kinds(engine) == ["sl_hunt_armed", "sl_hunt_reentry"]
    assert chain.original_entry == ENTRY


async def test_no_re_entry_after_the_window_ends(engine: Engine) -> None:
    await open_a(engine)
    record(engine)
    await _hit_sl(engine)
    await price(engine, SL - 0.0002, seconds=45 * 60)
    assert (only_chain(engine).status, kinds(engine)) == (
        "EXPIRED", ["sl_hunt_armed", "sl_hunt_expired"])
    assert await price(engine, TARGET + 0.001) == 0
    assert reentries(engine) == []


async def test_without_alignment_the_chain_waits_armed(engine: Engine) -> None:
    await open_a(engine)
    await _hit_sl(engine)
    pillars(engine, "BEARISH", ("1h", "4h"))  # 2 of 4 pillars left: V3 needs 3
    assert await price(engine, TARGET) == 0
    chain = only_chain(engine)
    assert chain.status == "ARMED" and "V3 needs 3 of 4 pillars BULLISH, has 2" in chain.blocked
    pillars(engine, "BULLISH", ("1h",))
    assert await price(engine, TARGET) == 1
    assert only_chain(engine).current_level == 1


@pytest.mark.parametrize("strategy,r", [("BALANCED", 0.30), ("AGGRESSIVE", 0.40),
                                        ("ADAPTIVE", 0.25)])
async def test_levels_up_to_the_cap_with_the_sl_reduced_per_level(
        engine: Engine, strategy: str, r: float) -> None:
    engine.persist_override("reentry.max_levels", 2)
    engine.persist_override("reentry.sl_reduction_strategy", strategy)  # EURUSD adaptive 0.25
    await open_a(engine)
    await _hit_sl(engine)
    await price(engine, TARGET)
    level1 = only_chain(engine)
    assert level1.applied_sl_pips == round(SL_PIPS * (1 - r), 1)
    sl1 = reentries(engine)[0]["sl_initial"]
    await price(engine, sl1 - 0.0001, seconds=10)  # level 1 stopped out: hunt again
    chain = only_chain(engine)
    assert (chain.status, chain.armed_kind, chain.current_level) == ("ARMED", "SL_HUNT", 1)
    assert await price(engine, chain.target_price or 0, seconds=10) == 1
    chain = only_chain(engine)
    assert (chain.current_level, chain.applied_sl_pips) == (2, round(SL_PIPS * (1 - r) ** 2, 1))
    [r2] = reentries(engine)
    await price(engine, r2["sl_initial"] - 0.0001, seconds=10)
    chain = only_chain(engine)
    assert (chain.status, chain.stop_reason) == ("COMPLETED", "max level 2 reached")
    assert len(chain.tickets) == 3 and chain.total_profit < 0


async def test_retrace_mode_targets_70_percent_back(engine: Engine) -> None:
    engine.persist_override("reentry.sl_hunt.mode", "retrace")
    await open_a(engine)
    await price(engine, SL - 0.0001)
    assert only_chain(engine).target_price == round(SL + 0.7 * (ENTRY - SL), 5)


async def test_switched_off_the_sl_hit_completes_the_chain(engine: Engine) -> None:
    engine.persist_override("reentry.sl_hunt.enabled", False)
    await open_a(engine)
    await price(engine, SL - 0.0001)
    assert (only_chain(engine).status, only_chain(engine).stop_reason) == (
        "COMPLETED", "SL_HUNT off")



async def test_the_monitor_interval_spaces_the_checks(engine: Engine) -> None:
    engine.persist_override("reentry.monitor_interval_seconds", 10)
    await open_a(engine)
    await price(engine, SL - 0.0001, seconds=11)  # this tick checks (and sees no trigger)
    assert await price(engine, TARGET, seconds=3) == 0  # 3 s after the last check
    assert await price(engine, TARGET, seconds=7) == 1  # 10 s after it


async def test_the_cooldown_spaces_re_entries_of_one_chain(engine: Engine) -> None:
    engine.persist_override("reentry.cooldown_seconds", 60)
    await open_a(engine)
    await price(engine, SL - 0.0001)
    await price(engine, TARGET)
    [r] = reentries(engine)
    await price(engine, r["sl_initial"] - 0.0001, seconds=10)
    target = only_chain(engine).target_price or 0
    assert await price(engine, target, seconds=10) == 0
    assert only_chain(engine).blocked == "cooldown: 40 s left of 60 s"
    assert await price(engine, target, seconds=40) == 1
