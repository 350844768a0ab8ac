"""The TP ladder of SPEC §5.2.1 on the simulated terminal: TP1, TP2, TP3, broker fills, restart.

Hand-worked: EURUSD bid 1.08440, ask 1.08448 (0.8 pip spread); the V6 5m entry fills at the
ask 1.08448 with SL 100 pips below it, so the risk lot is $100 ÷ (100 × $10) = 0.10 (A) and
B = 0.05. TP1 1.08694 (24.2 pips above the alert price 1.08452), TP2 1.08936, TP3 1.09178.
"""

from __future__ import annotations

from typing import Any

import pytest

from core.domain.orders import Position
from core.engine import Engine, EngineOptions
from core.events import Event, PartialClosed, StopLossMoved
from core.trading.stops import partial_volume
from tests.engine.helpers import quote
from tests.strategies.v6_support import entry, market, positions, pulse, send

P5 = "v6_price_action_5m"
ENTRY = 1.08448
TP1, TP2, TP3 = 1.08694, 1.08936, 1.09178
BREAKEVEN = 1.08468  # entry + 2 pips (SPEC §5.2.4 buffer)


async def move(engine: Engine, bid: float) -> int:
    """One price step as the market pump makes it: the quote, a refresh, one manager tick."""
    assert engine.trading is not None and engine.manager is not None
    quote(engine, "EURUSD", bid)
    await engine.trading.refresh()
    return await engine.manager.tick()


def seen(engine: Engine, *types: type[Event]) -> list[Any]:
    found: list[Any] = []
    engine.bus.listen(found.append, types)
    return found


async def open_group(engine: Engine, *, strong: bool = True) -> tuple[Position, Position]:
    """A V6 5m group whose Order A targets TP3, so TP1 and TP2 are ladder steps for it.
    Not strong: the 15m pulse (the 5m plugin's higher timeframe) turns against the BUY."""
    engine.persist_override("plugins.v6_price_action_5m.config.order_a_target", "TP3")
    # the ladder alone: profit booking would book B at $7, before TP1 (SPEC §7.2)
    engine.persist_override("profit_booking.enabled", False)
    market(engine)
    record = await send(engine, entry("5m", tp2=TP2, tp3=TP3))
    assert record["reason"] == "ORDER_PLACED", record["detail"]
    if not strong:
        await send(engine, pulse("15m", 1, 5))
    a, b = positions(engine, P5)
    assert (a.volume, a.tp, a.price_open) == (0.10, TP3, ENTRY)
    assert (b.volume, b.tp) == (0.05, TP1)
    return a, b


def trade(engine: Engine, ticket: int) -> dict[str, Any]:
    assert engine.store is not None
    [found] = [t for t in engine.store.tail("trades", 50) if t["ticket"] == ticket]
    return found


def group_record(engine: Engine, ticket: int) -> dict[str, Any]:
    assert engine.store is not None and engine.trading is not None
    doc = engine.store.get("trade_groups", engine.trading.meta(ticket)["group_id"])
    assert doc is not None
    return doc


def held(engine: Engine, ticket: int) -> Position:
    assert engine.trading is not None
    return engine.trading.positions[ticket]


async def test_tp1_halves_a_then_tp2_takes_40_percent_and_sl_to_tp1(engine: Engine) -> None:
    a, b = await open_group(engine, strong=False)
    partials = seen(engine, PartialClosed)
    moves = seen(engine, StopLossMoved)
    assert await move(engine, TP1 - 0.00001) == 0  # one point short of TP1: nothing
    await move(engine, TP1)
    # B closed at its own broker TP; A: not strong → 50 % of 0.10, then breakeven.
    assert (trade(engine, b.ticket)["close_reason"], trade(engine, b.ticket)["tp_level"]) == (
        "TP", 1)
    assert held(engine, a.ticket).volume == 0.05
    assert held(engine, a.ticket).sl == BREAKEVEN
    assert [(p.reason, p.volume, p.remaining) for p in partials] == [("TP1_PARTIAL", 0.05, 0.05)]
    assert [(m.reason, m.new_sl) for m in moves] == [("breakeven", BREAKEVEN)]
    await move(engine, TP2)
    # 40 % of the remaining 0.05 = 0.02; A's SL to TP1 (the +40 lock's entry +10 is looser).
    assert held(engine, a.ticket).volume == 0.03
    assert held(engine, a.ticket).sl == TP1
    assert [p.reason for p in partials] == ["TP1_PARTIAL", "TP2_PARTIAL"]
    assert moves[-1].reason == "tp2_sl_to_tp1" and moves[-1].old_sl == BREAKEVEN
    record = group_record(engine, a.ticket)
    assert record["done"] == [1, 2] and record["sl_to_tp1"] is True
    assert "TP1 1.08694 reached" in record["record"][0] and "not strong" in record["record"][0]
    await move(engine, TP2 + 0.0005)  # levels act once: no third partial
    assert held(engine, a.ticket).volume == 0.03 and len(partials) == 2


async def test_strong_context_holds_order_a_at_tp1(engine: Engine) -> None:
    a, b = await open_group(engine)  # the entry's ADX 35, confidence 85; no 15m pulse yet
    await move(engine, TP1)
    assert b.ticket not in engine.trading.positions  # type: ignore[union-attr]
    assert held(engine, a.ticket).volume == 0.10
    assert held(engine, a.ticket).sl == BREAKEVEN  # breakeven applies held or halved
    words = group_record(engine, a.ticket)["record"][0]
    assert f"A #{a.ticket} held (strong: V6 5m: ADX 35 ≥ 25, conf 85 ≥ 70" in words


async def test_a_broker_fill_at_tp1_counts_when_the_price_has_left_it(engine: Engine) -> None:
    a, b = await open_group(engine, strong=False)
    quote(engine, "EURUSD", TP1)  # B fills at TP1 between two manager ticks...
    assert engine.trading is not None and engine.manager is not None
    await engine.trading.refresh()
    await move(engine, 1.08600)  # ...and the price is back under TP1 at the next one
    assert trade(engine, b.ticket)["close_reason"] == "TP"
    assert held(engine, a.ticket).volume == 0.05
    assert held(engine, a.ticket).sl == BREAKEVEN


async def test_tp3_closes_every_remaining_order_of_the_group(engine: Engine) -> None:
    a, _ = await open_group(engine, strong=False)
    assert engine.trading is not None
    # The operator removed A's TP at the terminal: only the ladder can close it now.
    assert (await engine.trading.broker.modify_position(a.ticket, a.sl, None)).ok
    await move(engine, TP3)  # straight through TP1 and TP2: highest level first
    assert engine.trading.positions == {}
    closed = trade(engine, a.ticket)
    assert (closed["close_reason"], closed["tp_level"]) == ("TP3", 3)
    assert closed["volume"] == 0.10


async def test_ladder_actions_reach_the_notification_outbox(engine: Engine) -> None:
    a, b = await open_group(engine, strong=False)
    assert engine.trading is not None and engine.notifications is not None
    await engine.trading.broker.modify_position(a.ticket, a.sl, None)
    await move(engine, TP1)
    await move(engine, TP3)
    engine.notifications.flush()
    assert engine.outbox is not None
    texts: dict[str, list[str]] = {}
    for item in engine.outbox.pending("notification"):
        texts.setdefault(item.message.type, []).append(item.message.text)
    assert [("TP1" in t, "TP3" in t) for t in texts["tp_hit"]] == [(True, False), (False, True)]
    assert texts["partial_close"] == [
        f"PARTIAL CLOSE · EURUSD BUY · [V6 · 5m]\nA #{a.ticket} closed 0.05 of 0.10 (50 %) at "
        f"{TP1} (+24.6 pips), 0.05 left"]
    assert texts["breakeven"] == [
        f"SL MOVED · EURUSD BUY · [V6 · 5m]\nA #{a.ticket} SL 1.07448 → {BREAKEVEN} "
        "(breakeven: entry +2p after TP1)"]


async def test_each_level_acts_once_across_a_restart(engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    try:
        a, _ = await open_group(first, strong=False)
        await move(first, TP1)
        assert held(first, a.ticket).volume == 0.05
    finally:
        await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        assert await move(second, TP1) == 0  # TP1 is remembered: no second 50 %
        assert held(second, a.ticket).volume == 0.05
        assert held(second, a.ticket).sl == BREAKEVEN
        await move(second, TP2)  # and TP2 is still to come
        assert held(second, a.ticket).volume == 0.03
        assert held(second, a.ticket).sl == TP1
    finally:
        await second.stop()


@pytest.mark.parametrize(("volume", "percent", "part"), [
    (0.10, 50, 0.05), (0.05, 40, 0.02), (0.03, 50, 0.01), (0.01, 50, None), (0.02, 40, None),
    (0.15, 50, 0.07)])
def test_partial_volumes_round_down_and_skip_under_one_step(volume: float, percent: float,
                                                             part: float | None) -> None:
    assert partial_volume(volume, percent) == part
