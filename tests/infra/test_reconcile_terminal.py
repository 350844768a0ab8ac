"""Hand edits on the terminal (SPEC §3.7): SL/TP changed, volume closed in part, adoption."""

from __future__ import annotations

import pytest

from core.brokers.sim import constants as c
from core.engine import Engine
from core.events import Event, StopLossMoved
from tests.engine.helpers import quote
from tests.engine.signal_helpers import run
from tests.infra.helpers import by_hand, infra, manual_buy
from tests.notifications.support import of_type
from tests.strategies.v6_support import entry, market, positions, send


def terminal(engine: Engine) -> object:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    return engine.bundle.terminal


def move_sl(engine: Engine, ticket: int, sl: float) -> None:
    assert engine.trading is not None
    tp = engine.trading.positions[ticket].tp
    by_hand(terminal(engine), {"action": c.TRADE_ACTION_SLTP, "symbol": "EURUSD",
                               "position": ticket, "sl": sl, "tp": tp})


async def test_sl_changed_by_hand_under_manual_policy_waits_for_resolve(engine: Engine) -> None:
    assert engine.trading is not None
    engine.persist_override("state_sync.types.POSITIONS.resolution", "manual")
    ticket = await manual_buy(engine)
    original = engine.trading.positions[ticket].sl
    assert original == pytest.approx(1.08208)
    move_sl(engine, ticket, 1.08300)
    status = await run(engine, "/sync now")
    assert status.data["open"] == 1 and status.data["types"]["POSITIONS"]["differences"] == 1
    [row] = infra(engine).conflicts.rows(open_only=True)
    assert (row.kind, row.ticket, row.choices) == ("sl_tp_changed", ticket,
                                                   ("terminal", "store"))
    assert "store SL 1.08208" in row.detail and "terminal SL 1.083" in row.detail
    assert "/resolve" in (await run(engine, "/conflicts")).text()
    # the sync_conflict notification (SPEC §9.2, MEDIUM) went to the outbox
    [notice] = of_type(engine, "sync_conflict")
    assert row.conflict_id in notice.text and notice.priority == 3
    await run(engine, "/sync now")  # the same difference is not recorded twice
    assert len(infra(engine).conflicts.rows()) == 1
    refused = await run(engine, f"/resolve {row.conflict_id} legacy")
    assert not refused.ok and "terminal, store" in refused.text()
    done = await run(engine, f"/resolve {row.conflict_id} store")
    assert done.ok, done.text()
    assert engine.trading.positions[ticket].sl == pytest.approx(original)  # re-applied
    assert infra(engine).conflicts.get(row.conflict_id).status == "RESOLVED"  # type: ignore[union-attr]
    # a second edit, this time adopted: the terminal's SL becomes the store's
    move_sl(engine, ticket, 1.08250)
    await run(engine, "/sync now")
    [second] = infra(engine).conflicts.rows(open_only=True)
    assert (await run(engine, f"/resolve {second.conflict_id} terminal")).ok
    assert engine.trading.positions[ticket].sl == pytest.approx(1.08250)
    assert engine.trading.meta(ticket)["seen_sl"] == pytest.approx(1.08250)
    await run(engine, "/sync now")
    assert infra(engine).conflicts.rows(open_only=True) == []
    again = await run(engine, f"/resolve {second.conflict_id} terminal")
    assert not again.ok and "already resolved" in again.text()


async def test_sl_changed_by_hand_under_newest_wins_is_adopted(engine: Engine) -> None:
    assert engine.trading is not None
    ticket = await manual_buy(engine)
    move_sl(engine, ticket, 1.08300)
    await run(engine, "/sync now")
    [row] = infra(engine).conflicts.rows()
    assert (row.kind, row.status) == ("sl_tp_changed", "RESOLVED")
    assert "newest_wins" in row.resolution
    assert of_type(engine, "sync_conflict") == []  # resolved by policy: nothing to ask
    assert engine.trading.meta(ticket)["seen_sl"] == pytest.approx(1.083)
    assert engine.trading.positions[ticket].sl == pytest.approx(1.083)


async def test_the_systems_own_sl_moves_are_no_conflict(engine: Engine) -> None:
    """A V6 15m Order A (SL 100 pips, fill 1.08448) reaches +40 pips: the trade manager
    locks profit (SPEC §5.2.5); its move is the store's new SL, not a hand edit."""
    assert engine.trading is not None and engine.manager is not None
    moves: list[Event] = []
    engine.bus.listen(moves.append, (StopLossMoved,))
    market(engine)
    record = await send(engine, entry("15m", "BUY", sl_pips=100, tp1_pips=200))
    assert record["reason"] == "ORDER_PLACED", record["detail"]
    [a] = positions(engine, "v6_price_action_15m")
    quote(engine, "EURUSD", 1.08448 + 0.0040)
    await engine.trading.refresh()
    await engine.manager.tick()
    assert len(moves) == 1 and engine.trading.positions[a.ticket].sl == 1.08548
    await run(engine, "/sync now")
    assert infra(engine).conflicts.rows() == []


async def test_volume_closed_in_part_by_hand_is_a_volume_conflict(engine: Engine) -> None:
    assert engine.trading is not None
    ticket = await manual_buy(engine)
    closed = await engine.trading.close(ticket, 0.02, reason="MANUAL")  # the system's own
    assert closed.ok
    await run(engine, "/sync now")
    assert infra(engine).conflicts.rows() == []
    by_hand(terminal(engine), {"action": c.TRADE_ACTION_DEAL, "symbol": "EURUSD",
                               "volume": 0.03, "type": c.ORDER_TYPE_SELL, "position": ticket})
    await run(engine, "/sync now")
    [row] = infra(engine).conflicts.rows()
    assert (row.kind, row.status, row.choices) == ("volume_mismatch", "RESOLVED", ("terminal",))
    assert "store volume 0.08, terminal 0.05" in row.detail
    assert engine.trading.meta(ticket)["seen_volume"] == pytest.approx(0.05)


async def test_a_position_with_our_magic_unknown_to_the_store_is_adopted(
        engine: Engine) -> None:
    assert engine.trading is not None
    await manual_buy(engine)  # a quote, and one known position
    base = engine.settings.mt5.magic_base
    by_hand(terminal(engine), {"action": c.TRADE_ACTION_DEAL, "symbol": "EURUSD",
                               "volume": 0.03, "type": c.ORDER_TYPE_SELL, "magic": base + 12,
                               "sl": 1.0860, "tp": 1.0820})
    by_hand(terminal(engine), {"action": c.TRADE_ACTION_DEAL, "symbol": "EURUSD",
                               "volume": 0.04, "type": c.ORDER_TYPE_BUY})  # not ours: ignored
    await run(engine, "/sync now")
    [row] = infra(engine).conflicts.rows()
    assert (row.kind, row.status) == ("opened_outside", "RESOLVED")
    assert row.ticket is not None
    meta = engine.trading.meta(row.ticket)
    assert (meta["strategy"], meta["adopted"], meta["chains"]) == ("combinedlogic-2", True,
                                                                   False)
    assert meta["sl_initial"] == pytest.approx(1.086)
    assert len(engine.trading.positions) == 2  # the foreign-magic BUY is never touched
    await run(engine, "/sync now")
    assert len(infra(engine).conflicts.rows()) == 1


async def test_an_order_still_in_flight_is_left_to_the_trading_service(engine: Engine) -> None:
    """The fill is at the terminal but the service has not written its record yet (the
    order_send answer is on its way): adopting it would take the record's place."""
    assert engine.trading is not None and engine.store is not None
    await manual_buy(engine)
    engine.store.put("order_intents", "abc123def0", {"client_id": "abc123def0",
                                                     "status": "sending"})
    base = engine.settings.mt5.magic_base
    by_hand(terminal(engine), {"action": c.TRADE_ACTION_DEAL, "symbol": "EURUSD",
                               "volume": 0.02, "type": c.ORDER_TYPE_BUY, "magic": base + 11,
                               "comment": "v4-logic1|A|abc123def0"})
    await run(engine, "/sync now")
    assert infra(engine).conflicts.rows() == []
    engine.store.update("order_intents", "abc123def0", status="unknown")  # in doubt: adopted
    await run(engine, "/sync now")
    [row] = infra(engine).conflicts.rows()
    assert row.kind == "opened_outside"
    assert engine.trading.meta(row.ticket or 0)["client_id"] == "abc123def0"
