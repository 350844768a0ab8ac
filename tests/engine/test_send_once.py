"""An order is never sent twice: after an IPC timeout the intent is looked up at the broker."""

from __future__ import annotations

from core.brokers.sim.faults import Fault
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.engine import Engine
from tests.engine.helpers import quote


def _intent() -> OrderIntent:
    client = new_client_id()
    return OrderIntent(client_id=client, symbol="EURUSD", direction=Direction.BUY, volume=0.05,
                       sl=1.07, tp=1.10, kind=OrderKind.MANUAL, strategy="manual",
                       magic=magic_for("manual", 505000),
                       comment=make_comment("manual", "M", client))


async def test_a_timeout_after_execution_is_found_not_resent(engine: Engine) -> None:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None and engine.store is not None
    quote(engine, "EURUSD", 1.08400)
    engine.persist_override("mt5.order_retries", 0)  # the later-call path, not place()'s retry
    engine.bundle.terminal.faults.inject(Fault.IPC_TIMEOUT_AFTER)
    intent = _intent()
    first = await engine.trading.place(intent)
    assert not first.ok and "IPC" in first.message  # filled at the broker, answer lost
    assert engine.store.get("order_intents", intent.client_id) is not None  # still in flight
    retry = await engine.trading.place(intent)
    assert retry.ok and "not sent again" in retry.message
    positions = engine.bundle.terminal.positions_get()
    assert len(positions) == 1 and positions[0].ticket == retry.ticket
    assert engine.store.get("order_intents", intent.client_id) is None  # settled
    again = await engine.trading.place(intent)
    assert again.ok and again.ticket == retry.ticket
    assert len(engine.bundle.terminal.positions_get()) == 1


async def test_a_timed_out_order_that_already_closed_is_not_resent(engine: Engine) -> None:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    engine.persist_override("mt5.order_retries", 0)  # the later-call path, not place()'s retry
    engine.bundle.terminal.faults.inject(Fault.IPC_TIMEOUT_AFTER)
    intent = _intent()
    assert not (await engine.trading.place(intent)).ok
    quote(engine, "EURUSD", 1.06900)  # its SL (1.07) is hit before the retry
    assert engine.bundle.terminal.positions_get() == ()
    retry = await engine.trading.place(intent)
    assert retry.ok and "already closed" in retry.message
    assert engine.bundle.terminal.positions_get() == ()
    deals_in = [d for d in engine.bundle.terminal.history_deals_get(0, 2_000_000_000)
                if d.entry == 0 and d.magic == 505000]
    assert len(deals_in) == 1  # sent exactly once
