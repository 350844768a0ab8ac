"""Autonomous limits (SPEC §6.6), pause (§5.5.1), panic (§5.5.2), restart, reverse shield."""

from __future__ import annotations

from dataclasses import replace

from core.engine import Engine, EngineOptions
from core.trading.reentry.model import TABLE
from tests.commands.support import CLI
from tests.trading.reentry.support import (
    ENTRY,
    SL,
    kinds,
    only_chain,
    open_a,
    pillars,
    price,
    record,
    reentries,
)

TARGET = 1.06168


async def test_the_daily_attempt_limit_suspends_recoveries(engine: Engine) -> None:
    engine.persist_override("reentry.safety.max_attempts_per_day", 1)
    await open_a(engine)
    record(engine)
    await price(engine, SL - 0.0001)
    assert await price(engine, TARGET) == 1
    assert "autonomous_limit_reached" in kinds(engine)
    [r] = reentries(engine)
    await price(engine, r["sl_initial"] - 0.0001, seconds=10)
    chain = only_chain(engine)
    assert chain.status == "ARMED"
    assert await price(engine, chain.target_price or 0, seconds=10) == 0
    assert only_chain(engine).blocked == "daily recovery attempts used (1/1)"
    assert engine.reentry is not None
    status = engine.reentry.autonomy.status(engine.clock.now())
    assert (status["attempts"], status["losses"], status["may_start"]) == (1, 1, False)


async def test_the_concurrent_limit_lets_candidates_wait(engine: Engine) -> None:
    engine.persist_override("reentry.safety.max_concurrent", 1)
    await open_a(engine)
    assert engine.reentry is not None
    engine.reentry.autonomy.record_attempt("RE_OTHER_00000000", engine.clock.now())
    await price(engine, SL - 0.0001)
    assert await price(engine, TARGET) == 0
    assert "waiting for a slot" in only_chain(engine).blocked
    engine.reentry.autonomy.release("RE_OTHER_00000000")
    assert await price(engine, TARGET) == 1


async def test_pause_skips_the_trigger_and_the_chain_stays_armed(engine: Engine) -> None:
    await open_a(engine)
    await price(engine, SL - 0.0001)
    reply = await engine.execute("/pause", CLI, True)
    assert reply.ok
    assert await price(engine, TARGET) == 0
    chain = only_chain(engine)
    assert (chain.status, chain.blocked) == ("ARMED", "blocked: trading is paused (MANUAL)")
    assert engine.trading is not None
    engine.trading.resume()
    assert await price(engine, TARGET) == 1


async def test_panic_close_disarms_every_chain(engine: Engine) -> None:
    await open_a(engine)
    await price(engine, SL - 0.0001)
    assert engine.trading is not None
    await engine.trading.close_all()
    chain = only_chain(engine)
    assert (chain.status, chain.stop_reason) == ("STOPPED", "panic close")
    engine.trading.resume()
    assert await price(engine, TARGET) == 0 and reentries(engine) == []


async def test_a_restart_resumes_an_armed_chain_and_never_opens_twice(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    try:
        await open_a(first)
        await price(first, SL - 0.0001)
    finally:
        await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        pillars(second, "BULLISH")
        assert only_chain(second).status == "ARMED"
        assert await price(second, TARGET) == 1
        placed = only_chain(second)
        # a crash right after sending: the record still holds the intent in flight
        assert second.store is not None and second.reentry is not None
        [r] = reentries(second)
        pending = {"client_id": r["client_id"], "symbol": "EURUSD", "direction": "BUY",
                   "volume": 0.04, "sl": r["sl_initial"], "tp": r["tp_initial"], "kind": "R",
                   "strategy": "v3_combined", "magic": 0, "comment": "",
                   "group_id": placed.chain_id, "logic": "combinedlogic-2",
                   "armed_kind": "SL_HUNT", "reduction": 0.3, "sl_pips": 157.5}
        crashed = replace(placed, status="ARMED", current_level=0, open_ticket=None,
                          pending=pending)
        second.store.put(TABLE, placed.chain_id, crashed.to_doc())
    finally:
        await second.stop()
    third = Engine(engine_options)
    await third.start()
    try:
        assert only_chain(third).pending
        await price(third, TARGET + 0.0001, seconds=10)
        chain = only_chain(third)
        assert (chain.pending, chain.current_level, chain.open_ticket) == ({}, 1, r["ticket"])
        assert chain.hit_entry == r["entry"]
        assert len(reentries(third)) == 1
        assert third.trading is not None and len(third.trading.positions) == 1
    finally:
        await third.stop()


async def test_reverse_shield_opens_opposite_orders_and_the_kill_switch_closes_them(
        engine: Engine) -> None:
    engine.persist_override("reverse_shield.enabled", True)
    await open_a(engine)
    record(engine)
    await price(engine, SL - 0.0001)
    assert engine.trading is not None and engine.store is not None
    shields = [p for p in engine.store.all("positions") if p["kind"] == "S"]
    assert sorted((p["shield"], p["direction"], p["sl_initial"], p["tp_initial"])
                  for p in shields) == [
        ("A", "SELL", ENTRY, round(SL - (ENTRY - SL), 5)), ("B", "SELL", ENTRY, None)]
    assert "shield_opened" in kinds(engine)
    # Shield B is handed to profit booking (SPEC §6.9): it seeds a pyramid chain
    [b] = [p for p in shields if p["shield"] == "B"]
    assert str(engine.trading.meta(b["ticket"]).get("profit_chain_id", "")).startswith("PB_")
    kill = round(SL + 0.7 * (ENTRY - SL), 5)
    await price(engine, kill - 0.0002)
    assert len([p for p in engine.trading.positions.values()]) >= 2
    await price(engine, kill)
    assert not [p for p in engine.store.all("positions") if p["kind"] == "S"]
    assert "shield_closed" in kinds(engine)


async def test_a_finished_chain_leaves_the_live_table_for_the_history(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    try:
        chain = await open_a(first)
        assert (await first.execute(f"/close {chain.original_ticket}", CLI, True)).ok
        assert first.store is not None and first.store.all(TABLE) == []
    finally:
        await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        reply = await second.execute("/chains all", CLI, True)
        assert reply.table is not None
        assert [(r[0], r[5]) for r in reply.table.rows] == [(chain.chain_id, "STOPPED")]
        assert (await second.execute("/chains", CLI, True)).data["chains"] == []
    finally:
        await second.stop()
