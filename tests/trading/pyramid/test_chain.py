"""The profit-booking pyramid on the paper engine (SPEC §7.1-§7.2): levels, booking, verdicts."""

from __future__ import annotations

from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.engine import Engine
from core.trading.pyramid.model import BOOKED, COMPLETED, LOST, OPEN, STOPPED
from tests.notifications.support import of_type
from tests.trading.plans import buy_levels, market
from tests.trading.pyramid.support import (
    aligned,
    finished,
    notices,
    only_chain,
    order_b,
    pyramid,
    states,
    step,
)


async def test_a_chain_climbs_levels_0_to_2_booking_each_order_at_7(engine: Engine) -> None:
    await aligned(engine)
    seen = notices(engine)
    b = await order_b(engine)
    chain = only_chain(engine)
    assert (chain.symbol, chain.direction, chain.strategy, chain.base_lot) == (
        "EURUSD", "BUY", "combinedlogic-2", 0.02)
    assert (chain.enabled_levels, chain.orders_per_level, chain.targets) == (
        (0, 1, 2), (1, 2, 4, 8, 16), (7, 7, 7, 7, 7))
    assert (b.volume, b.sl, b.tp) == (0.02, 1.07908, None)
    # +34.2 pips = $6.84: under the target, nothing happens
    await step(engine, 1.08750)
    assert only_chain(engine).at(0)[0].state == OPEN
    # +35.2 pips = $7.04: B is booked, level 1 opens 2 × 0.02 at the ask 1.08768 with SL
    # $10 − 10 % = $9 → 9 ÷ (0.02 × $10) = 45 pips → 1.08318
    await step(engine, 1.08760)
    chain = only_chain(engine)
    assert states(chain, 0) == [(BOOKED, 7.04)]
    assert chain.current_level == 1
    assert engine.trading is not None
    level1 = [engine.trading.positions[s.ticket or 0] for s in chain.at(1)]
    assert [(p.volume, p.price_open, p.sl, p.tp) for p in level1] == [
        (0.02, 1.08768, 1.08318, None)] * 2
    assert {engine.trading.meta(p.ticket)["kind"] for p in level1} == {"P"}
    assert {engine.trading.meta(p.ticket)["profit_chain_id"] for p in level1} == {
        chain.chain_id}
    # level 1 booked at +35.2 pips each; level 2: 4 orders at 1.09128, SL $7.50 = 37.5 pips
    await step(engine, 1.09120)
    chain = only_chain(engine)
    assert states(chain, 1) == [(BOOKED, 7.04)] * 2
    assert chain.current_level == 2
    level2 = [engine.trading.positions[s.ticket or 0] for s in chain.at(2)]
    assert [(p.volume, p.price_open, p.sl) for p in level2] == [(0.02, 1.09128, 1.08753)] * 4
    # level 2 booked: the last enabled level → COMPLETED with 7 orders booked
    await step(engine, 1.09480)
    assert pyramid(engine).chains == {}
    done = finished(engine, chain.chain_id)
    assert done.status == COMPLETED
    assert states(done, 2) == [(BOOKED, 7.04)] * 4
    assert done.booked_profit == 49.28
    assert [(r.level, r.orders, r.booked, r.lost) for r in done.level_results()] == [
        (0, 1, 1, 0), (1, 2, 2, 0), (2, 4, 4, 0)]
    trades = [t for t in engine.store.tail("trades", 20)  # type: ignore[union-attr]
              if t.get("profit_chain_id") == chain.chain_id]
    assert sorted((t["profit_level"], t["close_reason"]) for t in trades) == (
        [(0, "BOOKED")] + [(1, "BOOKED")] * 2 + [(2, "BOOKED")] * 4)
    kinds = [n.type for n in seen]
    assert kinds.count("profit_booked") == 7
    assert kinds.count("pyramid_level_up") == 2
    assert kinds[-1] == "profit_chain_completed"
    assert engine.trading.positions == {}
    # the notification center turns them into messages (profit_booked is silent by default)
    [up1, up2] = of_type(engine, "pyramid_level_up")
    assert up1.text.split("\n")[:3] == [
        f"Pyramid level 1 — {chain.chain_id}", "BUY EURUSD · combinedlogic-2",
        "2 × 0.02 BUY EURUSD, SL $9 each, booked at $7 each"]
    assert "4 × 0.02 BUY EURUSD, SL $7.50 each" in up2.text
    [completed] = of_type(engine, "profit_chain_completed")
    assert "levels 0–2, booked $49.28" in completed.text


async def test_strict_mode_stops_the_chain_after_a_loss(engine: Engine) -> None:
    engine.persist_override("profit_booking.profit_sl_hunt.enabled", False)
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)  # B booked → level 1: 2 orders at 1.08768, SL 1.08318
    chain = only_chain(engine)
    first, second = chain.at(1)
    # one order booked ... (+35.2 pips for one only: close the other at a loss by its SL)
    assert engine.trading is not None
    await engine.trading.close(second.ticket or 0, reason="MANUAL")  # at 1.08760: −$0.16
    chain = only_chain(engine)
    assert chain.status == STOPPED
    assert "strict mode" in chain.stop_reason
    # the other order still runs to its own booking; no level 2 ever opens
    await step(engine, 1.09120)
    done = finished(engine, chain.chain_id)
    assert states(done, 1) == [(BOOKED, 7.04), (LOST, -0.16)]
    assert done.current_level == 1
    assert engine.trading.positions == {}


async def test_non_strict_mode_advances_when_75_percent_is_booked(engine: Engine) -> None:
    engine.persist_override("profit_booking.strict_mode", False)
    engine.persist_override("profit_booking.orders_per_level", [1, 4, 4, 8, 16])
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)
    chain = only_chain(engine)
    assert len(chain.at(1)) == 4
    assert engine.trading is not None
    await engine.trading.close(chain.at(1)[3].ticket or 0, reason="MANUAL")
    assert only_chain(engine).status == "ACTIVE"  # a loss does not stop a non-strict chain
    await step(engine, 1.09120)  # 3 of 4 booked = 75 % → level 2
    chain = only_chain(engine)
    assert [s.state for s in chain.at(1)] == [BOOKED, BOOKED, BOOKED, LOST]
    assert (chain.current_level, len(chain.at(2))) == (2, 4)


async def test_non_strict_under_the_threshold_stops(engine: Engine) -> None:
    engine.persist_override("profit_booking.strict_mode", False)
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)
    chain = only_chain(engine)
    assert engine.trading is not None
    await engine.trading.close(chain.at(1)[1].ticket or 0, reason="MANUAL")
    await step(engine, 1.09120)  # 1 of 2 = 50 % < 75 %
    done = finished(engine, chain.chain_id)
    assert (done.status, done.stop_reason) == (STOPPED, "level 1: 1 of 2 booked (under 75%)")


async def test_order_b_at_its_broker_tp_counts_as_booked(engine: Engine) -> None:
    """With alert levels Order B carries TP1 (30 pips = $6, under the $7 target): a fill
    there is booked all the same (SPEC §7.2) and the chain climbs."""
    await aligned(engine)
    b = await order_b(engine, levels=buy_levels())
    assert b.tp == 1.08708
    await step(engine, 1.08710)
    chain = only_chain(engine)
    assert states(chain, 0) == [(BOOKED, 6.0)]
    assert (chain.current_level, len(chain.at(1))) == (1, 2)


async def test_a_shield_b_seeds_a_chain(engine: Engine) -> None:
    """The reverse shield marks Shield B `profit_seed` (SPEC §6.9): it starts a chain."""
    assert engine.trading is not None
    market(engine)
    intent = OrderIntent(client_id="shieldb0001", symbol="EURUSD", direction=Direction.SELL,
                         volume=0.02, sl=1.08900, tp=None, kind=OrderKind.SHIELD,
                         strategy="combinedlogic-2", magic=505012,
                         comment="v4-logic2|S|shieldb0001", logic="combinedlogic-2")
    result = await engine.trading.place(intent, {"shield": "B", "profit_seed": True})
    chain = only_chain(engine)
    assert (chain.origin_ticket, chain.direction, chain.base_lot, chain.tag) == (
        result.ticket, "SELL", 0.02, "v4-logic2")
    # $10 at SL: (1.08900 − 1.08400) = 50 pips × 0.02 lot × $10
    assert chain.at(0)[0].sl_amount == 10.0
