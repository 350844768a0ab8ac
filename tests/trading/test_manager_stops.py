"""Profit lock, trailing, breakeven switch and SL precedence (SPEC §5.2.4-§5.2.7) on the
simulated terminal. V6 15m entries (Order A only, its target far away) fill at the ask 1.08448
for a BUY and at the bid 1.08440 for a SELL; SL `sl_pips` from the fill, so D = sl_pips."""

from __future__ import annotations

from typing import Any

from core.domain.orders import Position
from core.engine import Engine, EngineOptions
from core.events import Event, StopLossMoved
from tests.engine.helpers import quote
from tests.engine.signal_helpers import run
from tests.strategies.v6_support import entry, market, positions, send

P15, P5 = "v6_price_action_15m", "v6_price_action_5m"
ENTRY, SELL_ENTRY = 1.08448, 1.08440
PIP = 0.0001


async def move(engine: Engine, bid: float) -> int:
    """One price step as the market pump makes it: the quote, a refresh, one manager tick."""
    assert engine.trading is not None and engine.manager is not None
    quote(engine, "EURUSD", round(bid, 5))
    await engine.trading.refresh()
    return await engine.manager.tick()


def moves_of(engine: Engine) -> list[StopLossMoved]:
    found: list[Any] = []

    def keep(event: Event) -> None:
        found.append(event)

    engine.bus.listen(keep, (StopLossMoved,))
    return found


async def order_a(engine: Engine, sl_pips: float, side: str = "BUY") -> Position:
    market(engine)
    record = await send(engine, entry("15m", side, sl_pips=sl_pips, tp1_pips=200))
    assert record["reason"] == "ORDER_PLACED", record["detail"]
    [a] = positions(engine, P15)
    return a


def sl(engine: Engine, ticket: int) -> float | None:
    assert engine.trading is not None
    return engine.trading.positions[ticket].sl


async def test_profit_lock_at_40_pips_moves_sl_to_entry_plus_10_once(engine: Engine) -> None:
    a = await order_a(engine, sl_pips=100)  # trailing starts only at +50 (50 % of D)
    moves = moves_of(engine)
    await move(engine, ENTRY + 39.9 * PIP)
    assert sl(engine, a.ticket) == round(ENTRY - 100 * PIP, 5)
    await move(engine, ENTRY + 40 * PIP)
    assert sl(engine, a.ticket) == 1.08548
    await move(engine, ENTRY + 20 * PIP)
    await move(engine, ENTRY + 45 * PIP)
    assert [(m.reason, m.new_sl) for m in moves] == [("profit_lock", 1.08548)]
    assert engine.trading is not None
    assert engine.trading.meta(a.ticket)["manage"]["lock"] is True  # survives a restart


async def test_profit_lock_on_a_sell_measures_on_the_ask(engine: Engine) -> None:
    a = await order_a(engine, sl_pips=100, side="SELL")
    # ask = bid + 0.8 pip; the lock fires when the ask is 40 pips under the 1.08440 fill
    await move(engine, SELL_ENTRY - 40 * PIP - 0.00007)  # ask one point short
    assert sl(engine, a.ticket) == round(SELL_ENTRY + 100 * PIP, 5)
    await move(engine, SELL_ENTRY - 40 * PIP - 0.00008)
    assert sl(engine, a.ticket) == 1.08340


async def test_the_lock_switch_off_leaves_the_sl(engine: Engine) -> None:
    assert (await run(engine, "/breakeven lock off")).ok
    a = await order_a(engine, sl_pips=100)
    assert await move(engine, ENTRY + 45 * PIP) == 0
    assert sl(engine, a.ticket) == round(ENTRY - 100 * PIP, 5)


async def test_trailing_activates_at_half_d_and_steps_by_a_quarter(engine: Engine) -> None:
    assert (await run(engine, "/breakeven lock off")).ok  # trailing alone
    a = await order_a(engine, sl_pips=40)  # D 40: starts at +20, steps of 10 pips
    moves = moves_of(engine)
    for pips, expected in [(19.9, 1.08048), (20, ENTRY), (29, ENTRY), (30, 1.08548),
                           (21, 1.08548),  # the price falls back: the SL never does
                           (52, 1.08748)]:  # +52: three steps past activation at once
        await move(engine, ENTRY + pips * PIP)
        assert sl(engine, a.ticket) == expected, pips
    assert [m.reason for m in moves] == ["trailing"] * 3
    assert moves[-1].words.endswith("(trailing: entry +30p, step 3)")
    assert engine.trading is not None
    assert engine.trading.meta(a.ticket)["manage"]["trail"] == 3


async def test_trailing_switch_off(engine: Engine) -> None:
    assert (await run(engine, "/breakeven lock off")).ok
    assert (await run(engine, "/trailsl off")).ok
    a = await order_a(engine, sl_pips=40)
    assert await move(engine, ENTRY + 30 * PIP) == 0
    assert sl(engine, a.ticket) == 1.08048


async def test_the_most_protective_rule_wins_and_looser_ones_are_ignored(
        engine: Engine) -> None:
    a = await order_a(engine, sl_pips=100)
    moves = moves_of(engine)
    await move(engine, ENTRY + 40 * PIP)  # lock: entry + 10
    await move(engine, ENTRY + 50 * PIP)  # trailing activates at entry: looser, no change
    assert sl(engine, a.ticket) == 1.08548
    await move(engine, ENTRY + 75 * PIP)  # trailing step 1: entry + 25 beats the lock
    assert sl(engine, a.ticket) == 1.08698
    assert [(m.reason, m.old_sl, m.new_sl) for m in moves] == [
        ("profit_lock", 1.07448, 1.08548), ("trailing", 1.08548, 1.08698)]


async def test_breakeven_switch_off_leaves_order_a_sl_at_tp1(engine: Engine) -> None:
    assert (await run(engine, "/breakeven off")).ok
    market(engine)
    await send(engine, entry("5m"))  # A → TP2, B → TP1 1.08694
    a, b = positions(engine, P5)
    await move(engine, 1.08694)
    assert engine.trading is not None and engine.store is not None
    assert b.ticket not in engine.trading.positions
    group = engine.store.get("trade_groups", engine.trading.meta(a.ticket)["group_id"])
    assert group is not None and group["done"] == [1]  # TP1 acted: A held (strong)...
    assert sl(engine, a.ticket) == a.sl  # ...and no breakeven


async def test_an_sl_the_broker_refuses_waits_until_it_is_allowed(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("5m", tp2=1.08936))
    a, b = positions(engine, P5)
    assert engine.trading is not None and engine.manager is not None
    quote(engine, "EURUSD", 1.08694)  # B fills at TP1...
    await engine.trading.refresh()
    moves = moves_of(engine)
    # ...and at the next tick the bid 1.08460 is under breakeven (1.08468): the terminal
    # refuses an SL above the bid, so the change waits.
    await move(engine, 1.08460)
    assert sl(engine, a.ticket) == a.sl and moves == []
    await move(engine, 1.08468)  # at the level itself: still not allowed
    assert sl(engine, a.ticket) == a.sl
    await move(engine, 1.08480)
    assert sl(engine, a.ticket) == 1.08468
    assert [m.reason for m in moves] == ["breakeven"]


async def test_a_postponed_sl_is_not_forgotten_across_a_restart(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    try:
        market(first)
        await send(first, entry("5m", tp2=1.08936))
        a, _ = positions(first, P5)
        quote(first, "EURUSD", 1.08694)  # B fills at TP1
        assert first.trading is not None
        await first.trading.refresh()
        await move(first, 1.08460)  # breakeven 1.08468 refused: above the bid
        assert sl(first, a.ticket) == a.sl
    finally:
        await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        # No level, lock or trailing step is near: only the restart's first look applies it.
        await move(second, 1.08480)
        assert sl(second, a.ticket) == 1.08468
    finally:
        await second.stop()
