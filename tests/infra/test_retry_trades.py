"""Trade retries (SPEC §3.5 TRADE) through the simulated terminal's injected faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.brokers.sim import Fault
from core.brokers.sim import constants as c
from core.domain.orders import OrderResult
from core.engine import Engine, EngineOptions
from core.events import OrderRejected, PositionOpened
from core.trading.retry import RetcodeClass, classify
from tests.engine.helpers import quote
from tests.infra.support import fast, intent, open_positions, out_deals, sent, terminal


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    return fast(engine_options)


@pytest.mark.parametrize(("retcode", "kind"), [
    (c.TRADE_RETCODE_REQUOTE, RetcodeClass.RETRY),
    (c.TRADE_RETCODE_PRICE_CHANGED, RetcodeClass.RETRY),
    (c.TRADE_RETCODE_PRICE_OFF, RetcodeClass.RETRY),
    (c.TRADE_RETCODE_TIMEOUT, RetcodeClass.RETRY),
    (c.TRADE_RETCODE_CONNECTION, RetcodeClass.RETRY),
    (c.RES_E_INTERNAL_FAIL_TIMEOUT, RetcodeClass.UNKNOWN),
    (c.TRADE_RETCODE_NO_MONEY, RetcodeClass.GIVE_UP),
    (c.TRADE_RETCODE_INVALID_STOPS, RetcodeClass.GIVE_UP),
    (c.TRADE_RETCODE_MARKET_CLOSED, RetcodeClass.GIVE_UP),
    (c.TRADE_RETCODE_INVALID_VOLUME, RetcodeClass.GIVE_UP),
])
def test_retcode_classes(retcode: int, kind: RetcodeClass) -> None:
    assert classify(OrderResult(False, retcode, "x")) is kind
    assert classify(OrderResult(True, c.TRADE_RETCODE_DONE, "ok")) is RetcodeClass.DONE


async def test_a_requote_storm_ends_in_one_position(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    opened = engine.bus.subscribe((PositionOpened, OrderRejected), name="test")
    terminal(engine).faults.inject(Fault.REQUOTE, count=2)
    result = await engine.trading.place(intent())
    assert result.ok and result.ticket is not None
    assert terminal(engine).faults.pending() == 0  # both requotes were consumed by retries
    assert len(open_positions(engine)) == 1
    events = [opened.get_nowait(), opened.get_nowait()]
    assert [type(e) for e in events] == [PositionOpened, type(None)]
    assert sent(engine, "order_failed") == []


async def test_four_requotes_exhaust_the_three_retries(engine: Engine) -> None:
    assert engine.trading is not None and engine.store is not None
    quote(engine, "EURUSD", 1.08400)
    terminal(engine).faults.inject(Fault.REQUOTE, count=5)
    order = intent()
    result = await engine.trading.place(order)
    assert not result.ok and result.retcode == c.TRADE_RETCODE_REQUOTE
    assert "after 4 attempts" in result.message  # the first send and 3 retries
    assert terminal(engine).faults.pending() == 1 and open_positions(engine) == ()
    stored = engine.store.get("order_intents", order.client_id)
    assert stored is not None and stored["status"] == "failed"
    [failed] = sent(engine, "order_failed")
    assert "after 4 attempts" in failed.text
    assert engine.recovery is not None
    assert [r.category.value for r in engine.recovery.handler.recent()] == ["TRADE"]


async def test_no_money_is_not_retried(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    terminal(engine).faults.inject(Fault.NO_MONEY, count=2)
    result = await engine.trading.place(intent())
    assert not result.ok and result.retcode == c.TRADE_RETCODE_NO_MONEY
    assert "attempts" not in result.message
    assert terminal(engine).faults.pending(Fault.NO_MONEY) == 1  # sent once
    assert len(sent(engine, "order_failed")) == 1


async def test_ipc_timeout_after_the_send_leaves_exactly_one_position(engine: Engine) -> None:
    assert engine.trading is not None and engine.store is not None
    quote(engine, "EURUSD", 1.08400)
    opened = engine.bus.subscribe((PositionOpened,), name="test")
    terminal(engine).faults.inject(Fault.IPC_TIMEOUT_AFTER)
    order = intent()
    result = await engine.trading.place(order)
    assert result.ok and "not sent again" in result.message  # found by its client id
    [position] = open_positions(engine)
    assert position.ticket == result.ticket
    assert engine.store.get("order_intents", order.client_id) is None
    assert engine.trading.meta(position.ticket)["client_id"] == order.client_id
    event = opened.get_nowait()
    assert isinstance(event, PositionOpened) and event.position.ticket == position.ticket
    assert opened.get_nowait() is None


async def test_ipc_timeout_before_the_send_is_looked_up_then_resent(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    terminal(engine).faults.inject(Fault.IPC_TIMEOUT_BEFORE)
    result = await engine.trading.place(intent())
    assert result.ok and "not sent again" not in result.message
    assert len(open_positions(engine)) == 1


async def test_backoff_follows_the_configured_delays(engine: Engine) -> None:
    assert engine.trading is not None
    engine.persist_override("mt5.order_retry_backoff_seconds", [0.05, 0.1, 0.2])
    quote(engine, "EURUSD", 1.08400)
    terminal(engine).faults.inject(Fault.PRICE_CHANGED, count=3)
    started = time.perf_counter()
    assert (await engine.trading.place(intent())).ok
    assert time.perf_counter() - started >= 0.35  # 0.05 + 0.1 + 0.2 before the 4th send


async def test_a_close_is_retried_and_never_sent_twice(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    first = await engine.trading.place(intent())
    second = await engine.trading.place(intent())
    assert first.ticket is not None and second.ticket is not None
    terminal(engine).faults.inject(Fault.REQUOTE, count=2)
    closed = await engine.trading.close(first.ticket)
    assert closed.ok and terminal(engine).faults.pending() == 0
    terminal(engine).faults.inject(Fault.IPC_TIMEOUT_AFTER)
    closed = await engine.trading.close(second.ticket)
    assert closed.ok and "not sent again" in closed.message
    assert open_positions(engine) == ()
    assert len(out_deals(engine)) == 2  # one closing deal each
    assert engine.trading.positions == {}


async def test_a_timed_out_order_closed_before_the_retry_is_not_resent(engine: Engine) -> None:
    assert engine.trading is not None and engine.store is not None
    engine.persist_override("mt5.order_retry_backoff_seconds", [0.2])
    quote(engine, "EURUSD", 1.08400)
    terminal(engine).faults.inject(Fault.IPC_TIMEOUT_AFTER)
    order = intent()
    placing = asyncio.create_task(engine.trading.place(order))
    while not open_positions(engine):  # the first send executed; its answer was lost
        await asyncio.sleep(0.005)
    quote(engine, "EURUSD", 1.06900)  # its SL (1.07) is hit while place() waits to retry
    result = await placing
    assert result.ok and "already closed" in result.message
    assert open_positions(engine) == ()
    assert engine.store.find("positions", client_id=order.client_id) == []
    assert engine.store.get("order_intents", order.client_id) is None
    [trade] = [t for t in engine.store.tail("trades", 10) if t["client_id"] == order.client_id]
    assert trade["close_reason"] == "SL" and trade["profit"] < 0  # booked once, for the caps
    ins = [d for d in terminal(engine).history_deals_get(0, 2_000_000_000) or ()
           if d.entry == c.DEAL_ENTRY_IN and d.magic == order.magic]
    assert len(ins) == 1  # sent exactly once
