"""MT5Broker over the simulated terminal: the same code path the real MetaTrader5 module gets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from core.brokers.mt5_broker import MT5Broker, filling_for
from core.brokers.port import Broker, BrokerError
from core.brokers.sim import Fault, SimTerminal
from core.brokers.sim import constants as c
from core.brokers.tagging import make_comment, new_client_id
from core.config.settings import Mt5Settings, SymbolsSettings
from core.domain.enums import Direction, OrderKind
from core.domain.orders import Deal, OrderIntent, Position
from tests.brokers.conftest import WED, make_terminal, market, quote_all, send_ok

SINCE = datetime.fromtimestamp(WED - 3600, UTC)
UNTIL = datetime.fromtimestamp(WED + 86400, UTC)


def settings(**values: Any) -> Mt5Settings:
    return Mt5Settings.model_validate({"connect_retries": 2, "connect_retry_delay_seconds": 0,
                                       **values})


def intent(symbol: str = "EURUSD", direction: Direction = Direction.BUY, volume: float = 0.1,
           sl: float | None = None, tp: float | None = None,
           client_id: str | None = None) -> OrderIntent:
    cid = client_id or new_client_id()
    return OrderIntent(client_id=cid, symbol=symbol, direction=direction, volume=volume,
                       sl=sl, tp=tp, kind=OrderKind.A, strategy="v4-logic1", magic=505011,
                       comment=make_comment("v4-logic1", "A", cid))


def make_broker(term: SimTerminal, **kwargs: Any) -> MT5Broker:
    mt5 = kwargs.pop("mt5", settings())
    return MT5Broker(term, mt5, SymbolsSettings.model_validate({}), **kwargs)


@pytest.fixture
async def sim() -> SimTerminal:
    terminal = SimTerminal(mapping={"XAUUSD": "GOLD"})
    quote_all(terminal)
    return terminal


@pytest.fixture
async def broker(sim: SimTerminal) -> AsyncIterator[MT5Broker]:
    adapter = make_broker(sim)
    await adapter.connect()
    yield adapter
    await adapter.shutdown()


async def test_connect_and_account(broker: MT5Broker) -> None:
    port: Broker = broker  # structurally a Broker
    assert port.connected and await broker.hedging()
    account = await broker.account()
    assert (account.balance, account.equity, account.currency, account.hedging) == (
        10_000.0, 10_000.0, "USD", True)
    assert account.leverage == 100 and account.server == "V5-Simulator"


async def test_place_market_fills_at_ask_and_bid(broker: MT5Broker, sim: SimTerminal) -> None:
    buy = await broker.place_market(intent(sl=1.095, tp=1.11))
    assert buy.ok and buy.retcode == c.TRADE_RETCODE_DONE
    assert buy.message.startswith("DONE (10009)") and buy.price == 1.10012 and buy.volume == 0.1
    sell = await broker.place_market(intent(direction=Direction.SELL))
    assert sell.ok and sell.price == 1.1
    positions = {p.ticket: p for p in await broker.positions()}
    assert set(positions) == {buy.ticket, sell.ticket}
    long = positions[buy.ticket]  # type: ignore[index]
    assert isinstance(long, Position) and long.direction is Direction.BUY
    assert (long.sl, long.tp, long.magic) == (1.095, 1.11, 505011)
    assert positions[sell.ticket].sl is None  # type: ignore[index]
    assert long.time == datetime.fromtimestamp(WED, UTC)
    deal = (sim.history_deals_get(ticket=buy.deal) or ())[0]
    assert deal.position_id == buy.ticket


async def test_symbols_are_mapped_both_ways(broker: MT5Broker, sim: SimTerminal) -> None:
    result = await broker.place_market(intent("XAUUSD", Direction.SELL, 0.2))
    assert result.ok and result.price == 2000.0
    (raw,) = sim.positions_get() or ()
    assert raw.symbol == "GOLD"
    (pos,) = await broker.positions()
    assert pos.symbol == "XAUUSD"
    quote = await broker.quote("XAUUSD")
    assert (quote.symbol, quote.bid, quote.ask) == ("XAUUSD", 2000.0, 2000.25)
    assert quote.time == datetime.fromtimestamp(WED, UTC)
    sim.push_quote("GOLD", 2003.0, 2003.25, WED + 60)
    closed = await broker.close_position(pos.ticket)
    assert closed.ok and closed.price == 2003.25 and closed.ticket == pos.ticket
    deals = await broker.deals(SINCE, UNTIL)
    assert [(d.symbol, d.entry, d.direction) for d in deals] == [
        ("XAUUSD", "IN", Direction.SELL), ("XAUUSD", "OUT", Direction.BUY)]
    assert deals[1].profit == pytest.approx(-65.0) and deals[1].reason == "EXPERT"
    assert broker.broker_symbol("XAUUSD") == "GOLD" and broker.canonical_symbol("GOLD") == "XAUUSD"


async def test_partial_close_and_modify(broker: MT5Broker, sim: SimTerminal) -> None:
    opened = await broker.place_market(intent(volume=0.3, sl=1.095))
    assert opened.ticket is not None
    part = await broker.close_position(opened.ticket, 0.1, comment="partial TP1")
    assert part.ok and part.volume == 0.1
    (pos,) = await broker.positions()
    assert pos.volume == pytest.approx(0.2) and pos.client_id is not None
    moved = await broker.modify_position(opened.ticket, 1.0975, 1.1125)
    assert moved.ok and moved.ticket == opened.ticket
    (pos,) = await broker.positions()
    assert (pos.sl, pos.tp) == (1.0975, 1.1125)
    same = await broker.modify_position(opened.ticket, 1.0975, 1.1125)
    assert same.ok and same.retcode == c.TRADE_RETCODE_NO_CHANGES
    bad = await broker.modify_position(opened.ticket, 1.2, None)
    assert not bad.ok and bad.retcode == c.TRADE_RETCODE_INVALID_STOPS
    assert "INVALID_STOPS" in bad.message
    rest = await broker.close_position(opened.ticket)
    assert rest.ok and rest.volume == pytest.approx(0.2)
    again = await broker.close_position(opened.ticket)
    assert not again.ok and again.retcode == c.TRADE_RETCODE_POSITION_CLOSED


async def test_sl_and_tp_deals_come_back_as_domain_deals(broker: MT5Broker,
                                                         sim: SimTerminal) -> None:
    a = await broker.place_market(intent(sl=1.099))
    b = await broker.place_market(intent(direction=Direction.SELL, tp=1.099))
    sim.push_bar("EURUSD", WED + 60, 1.1, 1.1001, 1.0980, 1.0985, 12)
    assert await broker.positions() == ()
    outs = {d.position_id: d for d in await broker.deals(SINCE, UNTIL) if d.entry == "OUT"}
    assert outs[a.ticket].reason == "SL" and outs[b.ticket].reason == "TP"  # type: ignore[index]
    assert all(isinstance(d, Deal) for d in outs.values())


async def test_foreign_positions_are_invisible_and_untouchable(broker: MT5Broker,
                                                               sim: SimTerminal) -> None:
    manual = send_ok(sim, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, magic=0))
    other_ea = send_ok(sim, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, magic=777))
    ours = await broker.place_market(intent())
    assert [p.ticket for p in await broker.positions()] == [ours.ticket]
    refused = await broker.close_position(manual.order)
    assert not refused.ok and "foreign magic" in refused.message
    refused = await broker.modify_position(other_ea.order, 1.09, None)
    assert not refused.ok
    assert sim.positions_total() == 3
    assert [d.position_id for d in await broker.deals(SINCE, UNTIL)] == [ours.ticket]


async def test_filling_mode_follows_the_symbol_mask() -> None:
    sim = make_terminal(symbol_overrides={"GBPUSD": {"filling_mode": 0},
                                          "USDJPY": {"filling_mode": c.SYMBOL_FILLING_IOC}})
    quote_all(sim)
    raw = sim.order_send(market("GBPUSD", c.ORDER_TYPE_BUY))  # the classic FOK mistake
    assert raw is not None and raw.retcode == c.TRADE_RETCODE_INVALID_FILL
    broker = make_broker(sim, inline=True)
    await broker.connect()
    opened = await broker.place_market(intent("GBPUSD"))
    assert opened.ok, opened.message
    closed = await broker.close_position(opened.ticket)  # type: ignore[arg-type]
    assert closed.ok, closed.message  # closes derive the mode too
    jpy = await broker.place_market(intent("USDJPY"))
    assert jpy.ok
    fillings = {o.symbol: o.type_filling for o in sim.history_orders_get(0, 2**40) or ()}
    assert fillings == {"GBPUSD": c.ORDER_FILLING_RETURN, "USDJPY": c.ORDER_FILLING_IOC}


async def test_filling_override_from_settings(sim: SimTerminal) -> None:
    broker = make_broker(sim, mt5=settings(filling_override={"EURUSD": "IOC"}), inline=True)
    await broker.connect()
    result = await broker.place_market(intent())
    (order,) = sim.history_orders_get(position=result.ticket) or ()
    assert order.type_filling == c.ORDER_FILLING_IOC
    assert filling_for(c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC) == c.ORDER_FILLING_FOK
    assert filling_for(c.SYMBOL_FILLING_IOC) == c.ORDER_FILLING_IOC
    assert filling_for(0) == c.ORDER_FILLING_RETURN
    assert filling_for(c.SYMBOL_FILLING_FOK, "RETURN") == c.ORDER_FILLING_RETURN


async def test_rejections_carry_the_retcode_name(broker: MT5Broker, sim: SimTerminal) -> None:
    sim.faults.inject(Fault.REQUOTE)
    requote = await broker.place_market(intent())
    assert (requote.ok, requote.retcode, requote.ticket) == (False, 10004, None)
    assert requote.message == "REQUOTE (10004): Requote"
    volume = await broker.place_market(intent(volume=0.001))
    assert volume.retcode == c.TRADE_RETCODE_INVALID_VOLUME
    too_long = await broker.place_market(_with_comment(intent(), "x" * 32))
    assert not too_long.ok and too_long.retcode == c.RES_E_INVALID_PARAMS
    assert sim.positions_total() == 0


def _with_comment(base: OrderIntent, comment: str) -> OrderIntent:
    return OrderIntent(base.client_id, base.symbol, base.direction, base.volume, base.sl,
                       base.tp, base.kind, base.strategy, base.magic, comment)


async def test_ipc_timeout_after_execution_is_found_by_client_id(broker: MT5Broker,
                                                                 sim: SimTerminal) -> None:
    order = intent(sl=1.09)
    sim.faults.inject(Fault.IPC_TIMEOUT_AFTER)
    result = await broker.place_market(order)
    assert not result.ok and result.retcode == c.RES_E_INTERNAL_FAIL_TIMEOUT
    assert result.message.startswith("IPC IPC timeout") and "look the order up" in result.message
    # What the trading service does: look up before resending, resend only if absent.
    found = await broker.find_by_client_id(order.client_id, SINCE)
    if found is None:
        await broker.place_market(order)
    assert isinstance(found, Position) and found.client_id == order.client_id
    assert found.symbol == "EURUSD" and found.sl == 1.09
    assert sim.positions_total() == 1


async def test_ipc_timeout_before_execution_is_not_found(broker: MT5Broker,
                                                         sim: SimTerminal) -> None:
    order = intent()
    sim.faults.inject(Fault.IPC_TIMEOUT_BEFORE)
    assert not (await broker.place_market(order)).ok
    assert await broker.find_by_client_id(order.client_id, SINCE) is None
    assert (await broker.place_market(order)).ok
    assert sim.positions_total() == 1


async def test_find_by_client_id_falls_back_to_history(broker: MT5Broker) -> None:
    order = intent("XAUUSD")
    opened = await broker.place_market(order)
    await broker.close_position(opened.ticket)  # type: ignore[arg-type]
    found = await broker.find_by_client_id(order.client_id, SINCE)
    assert isinstance(found, Deal) and found.entry == "IN"
    assert (found.position_id, found.symbol) == (opened.ticket, "XAUUSD")
    assert await broker.find_by_client_id("nope", SINCE) is None


async def test_disconnect_raises_broker_error_and_reconnects(broker: MT5Broker,
                                                             sim: SimTerminal) -> None:
    sim.faults.disconnect()
    with pytest.raises(BrokerError, match="No IPC connection"):
        await broker.positions()
    assert not broker.connected
    failed = await broker.place_market(intent())
    assert not failed.ok and failed.retcode == c.RES_E_INTERNAL_FAIL_CONNECT
    sim.restore()
    await broker.connect()
    assert broker.connected and await broker.positions() == ()


async def test_connect_retries_exhausted_raise_broker_error(sim: SimTerminal) -> None:
    sim.faults.disconnect()
    broker = make_broker(sim, mt5=settings(connect_retries=3))
    with pytest.raises(BrokerError, match=r"after 3 attempts.*No IPC connection"):
        await broker.connect()
    assert not broker.connected
    await broker.shutdown()


async def test_connect_retries_until_the_terminal_answers(sim: SimTerminal) -> None:
    sim.faults.disconnect()
    broker = make_broker(sim, mt5=settings(connect_retries=20,
                                           connect_retry_delay_seconds=0.05))
    asyncio.get_running_loop().call_later(0.12, sim.restore)
    await broker.connect()
    assert broker.connected
    await broker.shutdown()


async def test_login_with_wrong_password_fails() -> None:
    sim = SimTerminal(login=42, password="right")
    broker = make_broker(sim, login=42, password="wrong", server="V5-Simulator")
    with pytest.raises(BrokerError, match="Authorization failed"):
        await broker.connect()
    good = make_broker(sim, login=42, password="right", server="V5-Simulator")
    await good.connect()
    assert (await good.account()).login == 42
    await good.shutdown()
    await broker.shutdown()


async def test_every_call_runs_on_one_worker_thread(sim: SimTerminal) -> None:
    broker = make_broker(sim)
    await broker.connect()
    await asyncio.gather(broker.account(), broker.positions(), broker.quote("EURUSD"),
                         broker.place_market(intent()), broker.place_market(intent("XAUUSD")),
                         broker.deals(SINCE, UNTIL))
    (ident,) = sim.api_threads
    assert ident != threading.get_ident()
    names = {t.ident: t.name for t in threading.enumerate()}
    assert names[ident].startswith("mt5-worker")
    await broker.shutdown()


async def test_inline_mode_calls_in_the_caller(sim: SimTerminal) -> None:
    broker = make_broker(sim, inline=True)
    await broker.connect()
    await broker.place_market(intent())
    assert sim.api_threads == {threading.get_ident()}
    await broker.shutdown()


async def test_symbols_are_selected_on_first_use() -> None:
    sim = make_terminal(market_watch=())
    quote_all(sim)
    assert sim.symbol_info_tick("EURUSD") is None
    broker = make_broker(sim, inline=True)
    await broker.connect()
    assert (await broker.quote("EURUSD")).bid == 1.1
    assert (await broker.place_market(intent("XAUUSD"))).ok
    assert sim.symbol_info("GOLD").select  # type: ignore[union-attr]
    with pytest.raises(BrokerError, match="NOPE"):
        await broker.quote("NOPE")


class EmptyIsNoneTerminal(SimTerminal):
    """A terminal build that answers an empty list with None and last_error (1, 'Success')."""

    def positions_get(self, symbol: str | None = None, group: str | None = None,
                      ticket: int | None = None) -> Any:
        return super().positions_get(symbol, group, ticket) or None

    def history_deals_get(self, date_from: Any = None, date_to: Any = None,
                          group: str | None = None, ticket: int | None = None,
                          position: int | None = None) -> Any:
        return super().history_deals_get(date_from, date_to, group, ticket, position) or None


async def test_none_with_success_means_nothing() -> None:
    sim = EmptyIsNoneTerminal(mapping={"XAUUSD": "GOLD"})
    quote_all(sim)
    broker = make_broker(sim, inline=True)
    await broker.connect()
    assert await broker.positions() == ()
    assert await broker.find_by_client_id("absent", SINCE) is None
    closed = await broker.close_position(12345)
    assert closed.retcode == c.TRADE_RETCODE_POSITION_CLOSED
    sim.faults.disconnect()
    with pytest.raises(BrokerError):
        await broker.positions()


async def test_feed_thread_and_worker_share_the_terminal(broker: MT5Broker,
                                                         sim: SimTerminal) -> None:
    stop = threading.Event()

    def feed() -> None:
        i = 0
        while not stop.is_set():
            bid = 1.1000 + 0.0010 * ((i % 40) / 40)  # a saw-tooth through everyone's stops
            sim.push_quote("EURUSD", round(bid, 5), round(bid + 0.00012, 5), WED + i)
            i += 1

    pusher = threading.Thread(target=feed, name="feed")
    pusher.start()
    try:
        for n in range(60):
            direction = Direction.BUY if n % 2 else Direction.SELL
            tick = await broker.quote("EURUSD")
            sl = tick.bid - 0.0005 if direction is Direction.BUY else tick.ask + 0.0005
            tp = tick.bid + 0.0005 if direction is Direction.BUY else tick.ask - 0.0005
            await broker.place_market(intent(direction=direction, sl=round(sl, 5),
                                             tp=round(tp, 5)))
            if n % 3 == 0:
                for pos in await broker.positions():
                    await broker.close_position(pos.ticket)
    finally:
        stop.set()
        pusher.join()
    deals = await broker.deals(datetime.fromtimestamp(0, UTC),
                               datetime(2100, 1, 1, tzinfo=UTC))
    open_volume = {p.ticket: p.volume for p in await broker.positions()}
    for ticket in {d.position_id for d in deals}:
        bought = sum(d.volume for d in deals if d.position_id == ticket and d.entry == "IN")
        sold = sum(d.volume for d in deals if d.position_id == ticket and d.entry == "OUT")
        assert bought == pytest.approx(sold + open_volume.get(ticket, 0.0))
    realised = sum(d.profit for d in deals)
    assert (await broker.account()).balance == pytest.approx(10_000 + realised, abs=0.011)
