"""Pyramid chains across restarts, panic close, pause and alignment (SPEC §7.2, §5.5)."""

from __future__ import annotations

from dataclasses import replace

from core.domain.enums import PauseReason
from core.engine import Engine, EngineOptions
from core.trading.pyramid.ledger import TABLE
from core.trading.pyramid.model import OPEN, SENDING, STOPPED
from tests.trading.pyramid.support import (
    aligned,
    finished,
    notices,
    only_chain,
    order_b,
    pyramid,
    step,
)


def _pyramid_tickets(engine: Engine) -> list[int]:
    assert engine.trading is not None
    return sorted(t for t in engine.trading.positions
                  if engine.trading.meta(t).get("kind") == "P")


async def test_a_restart_mid_chain_resumes_and_never_opens_a_level_twice(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    await engine.start()
    try:
        await aligned(engine)
        await order_b(engine)
        await step(engine, 1.08760)
        chain = only_chain(engine)
        level1 = _pyramid_tickets(engine)
        assert len(level1) == 2
        # a crash right after the broker filled level 1 but before the chain recorded it:
        # the stored slots still say SENDING, without tickets
        assert engine.store is not None
        crashed = replace(chain, slots=tuple(
            replace(s, state=SENDING, ticket=None, entry=None) if s.level == 1 else s
            for s in chain.slots))
        engine.store.put(TABLE, chain.chain_id, crashed.to_doc())
    finally:
        await engine.stop()
    engine = Engine(engine_options)
    await engine.start()
    try:
        assert [s.state for s in only_chain(engine).at(1)] == [SENDING, SENDING]
        await step(engine, 1.08760)  # resumes: finds both orders by client id, sends none
        chain = only_chain(engine)
        assert _pyramid_tickets(engine) == level1
        assert [(s.state, s.ticket) for s in chain.at(1)] == [(OPEN, t) for t in level1]
        # and it goes on: level 1 booked, level 2 opened once
        await step(engine, 1.09120)
        await step(engine, 1.09120)
        chain = only_chain(engine)
        assert (chain.current_level, len(chain.at(2)), len(_pyramid_tickets(engine))) == (
            2, 4, 4)
    finally:
        await engine.stop()


async def test_panic_close_stops_every_chain_and_closes_its_orders(engine: Engine) -> None:
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)
    chain_id = only_chain(engine).chain_id
    assert engine.trading is not None
    reports = await engine.trading.close_all()
    assert len(reports) == 2 and all(r.ok for r in reports)
    done = finished(engine, chain_id)
    assert (done.status, done.stop_reason) == (STOPPED, "panic close")
    assert pyramid(engine).active is False


async def test_pause_blocks_the_level_up_and_the_chain_stops(engine: Engine) -> None:
    await aligned(engine)
    await order_b(engine)
    assert engine.trading is not None
    engine.trading.pause(PauseReason.MANUAL)
    await step(engine, 1.08760)  # booking continues while paused; the level-up does not
    chain = finished(engine, pyramid(engine).finished[-1].chain_id)
    assert chain.at(0)[0].state == "BOOKED"
    assert chain.status == STOPPED
    assert chain.stop_reason.startswith("level 1 blocked: PAUSED")
    assert _pyramid_tickets(engine) == []


async def test_a_level_up_needs_the_owner_alignment(engine: Engine) -> None:
    seen = notices(engine)
    await order_b(engine)  # no trend alerts: Logic 2's 1h and 15m are neutral
    await step(engine, 1.08760)
    chain = pyramid(engine).finished[-1]
    assert chain.stop_reason.startswith("level 1 blocked: TREND_MISALIGNED")
    assert [n.type for n in seen] == ["profit_booked", "profit_chain_stopped"]


async def test_booking_off_starts_no_chain(engine: Engine) -> None:
    engine.persist_override("profit_booking.enabled", False)
    await aligned(engine)
    await order_b(engine)
    assert pyramid(engine).chains == {}
