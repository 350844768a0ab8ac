"""Pyramid SLs (SPEC §7.3) and the profit-SL hunt (SPEC §7.4) on the paper engine."""

from __future__ import annotations

from datetime import timedelta

from core.clock import FrozenClock
from core.config.profit import ProfitBookingSettings
from core.engine import Engine
from core.trading.pyramid.model import BOOKED, HUNT, LOST, STOPPED, sl_amount, sl_logic, sl_pips
from tests.trading.pyramid.support import (
    aligned,
    finished,
    notices,
    only_chain,
    order_b,
    pyramid,
    step,
)


def test_sl_amounts_per_mode_and_level() -> None:
    pb = ProfitBookingSettings()
    assert [sl_amount(pb, "logic1", n) for n in range(5)] == [10, 9, 7.5, 6, 5]
    pb.sl.mode = "SL-1.1"
    assert [sl_amount(pb, "logic2", n) for n in range(5)] == [40, 36, 30, 24, 20]
    assert [sl_amount(pb, "logic3", n) for n in (0, 4)] == [50, 25]
    pb.sl.level_reductions_percent = [0, 20, 20, 20, 90]
    assert [sl_amount(pb, "logic1", n) for n in (1, 4)] == [16, 2]
    # V6 1m/5m count as Logic 1, 15m as Logic 2, 1h as Logic 3; V4/V3 by their label
    assert [sl_logic("v6_price_action_" + tf, None, tf) for tf in ("1m", "5m", "15m", "1h")] \
        == ["logic1", "logic1", "logic2", "logic3"]
    assert sl_logic("v3_combined", "combinedlogic-3", None) == "logic3"
    # SL pips = amount ÷ (lot × pip value), at least the symbol's minimum
    assert sl_pips(9, 0.02, 10.0, 10) == 45
    assert sl_pips(10, 0.5, 10.0, 10) == 10


async def test_sl_1_1_gives_level_1_orders_the_logic_amount(engine: Engine) -> None:
    engine.persist_override("profit_booking.sl.mode", "SL-1.1")
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)
    # Logic 2: $40 − 10 % = $36 → 36 ÷ (0.02 × $10) = 180 pips under the ask 1.08768
    assert engine.trading is not None
    tickets = [s.ticket or 0 for s in only_chain(engine).at(1)]
    assert [engine.trading.positions[t].sl for t in tickets] == [1.06968, 1.06968]
    assert [s.sl_amount for s in only_chain(engine).at(1)] == [36.0, 36.0]


async def test_pyramid_sl_off_sends_orders_without_sl(engine: Engine) -> None:
    engine.persist_override("profit_booking.sl.enabled", False)
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)
    assert engine.trading is not None
    assert [engine.trading.positions[s.ticket or 0].sl for s in only_chain(engine).at(1)] == [
        None, None]


async def test_a_profit_sl_hunt_recovers_the_level(engine: Engine) -> None:
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)  # level 1: 2 × 0.02 at 1.08768, SL 1.08318 ($9)
    chain = only_chain(engine)
    # both hit their SL: each waits for the SL + 1 pip = 1.08328 within 30 min
    await step(engine, 1.08318)
    chain = only_chain(engine)
    assert [(s.state, s.target) for s in chain.at(1)] == [(HUNT, 1.08328)] * 2
    assert chain.status == "ACTIVE"
    assert [round(s.profit, 2) for s in chain.at(1)] == [-9.0, -9.0]
    # price back at the target: one recovery per order, same lot and $9 SL (45 pips)
    await step(engine, 1.08330)
    chain = only_chain(engine)
    assert engine.trading is not None
    recoveries = [engine.trading.positions[s.ticket or 0] for s in chain.at(1)]
    assert [(p.volume, p.price_open, p.sl) for p in recoveries] == [(0.02, 1.08338, 1.07888)] * 2
    assert [s.attempts for s in chain.at(1)] == [1, 1]
    assert pyramid(engine).autonomy().status(engine.clock.now())["attempts"] == 2
    # both recoveries booked at +35.2 pips: the level succeeded → level 2 opens
    await step(engine, 1.08690)
    chain = only_chain(engine)
    assert [(s.state, s.profit) for s in chain.at(1)] == [(BOOKED, round(-9.0 + 7.04, 2))] * 2
    assert "(recovered)" in chain.at(1)[0].note
    assert (chain.current_level, len(chain.at(2))) == (2, 4)


async def test_an_expired_profit_sl_hunt_stops_a_strict_chain(engine: Engine) -> None:
    seen = notices(engine)
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)
    chain_id = only_chain(engine).chain_id
    await step(engine, 1.08300)
    clock = engine.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(timedelta(minutes=31).total_seconds())
    await step(engine, 1.08300)
    done = finished(engine, chain_id)
    assert [s.state for s in done.at(1)] == [LOST, LOST]
    assert done.status == STOPPED
    assert done.stop_reason.startswith("level 1 order #") and "strict mode" in done.stop_reason
    assert [n.type for n in seen].count("profit_chain_stopped") == 1


async def test_profit_protection_blocks_a_recovery_and_the_hunt_stays_armed(
        engine: Engine) -> None:
    # targets $50: B books $50.04, both level-1 orders lose $9: the chain holds $32.04, over
    # BALANCED's $20 minimum, and a recovery risks $9: 32.04 ≤ 9 × 6 → blocked (SPEC §6.7)
    engine.persist_override("profit_booking.targets", [50, 50, 50, 50, 50])
    seen = notices(engine)
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.10910)  # +250.2 pips × $0.20 = $50.04
    await step(engine, 1.10468)  # level 1 orders (at 1.10918, SL 1.10468) hit their SL
    chain = only_chain(engine)
    assert [s.state for s in chain.at(1)] == [HUNT, HUNT]
    assert chain.realised == 32.04
    await step(engine, 1.10480)  # back past the target 1.10478
    chain = only_chain(engine)
    assert [s.state for s in chain.at(1)] == [HUNT, HUNT]
    assert chain.at(1)[0].blocked.startswith("PROFIT_PROTECTION")
    assert [n.type for n in seen].count("recovery_blocked") == 2
