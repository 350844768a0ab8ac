"""Injected faults: counted, deterministic, optionally per symbol."""

from __future__ import annotations

import pytest

from core.brokers.sim import Fault, SimTerminal
from core.brokers.sim import constants as c
from tests.brokers.conftest import market, send_ok


@pytest.mark.parametrize(("fault", "code"), [
    (Fault.REQUOTE, c.TRADE_RETCODE_REQUOTE),
    (Fault.PRICE_CHANGED, c.TRADE_RETCODE_PRICE_CHANGED),
    (Fault.PRICE_OFF, c.TRADE_RETCODE_PRICE_OFF),
    (Fault.MARKET_CLOSED, c.TRADE_RETCODE_MARKET_CLOSED),
    (Fault.NO_MONEY, c.TRADE_RETCODE_NO_MONEY),
    (Fault.INVALID_STOPS, c.TRADE_RETCODE_INVALID_STOPS),
    (Fault.REJECT, c.TRADE_RETCODE_REJECT),
    (Fault.TIMEOUT, c.TRADE_RETCODE_TIMEOUT),
    (Fault.CONNECTION, c.TRADE_RETCODE_CONNECTION),
])
def test_retcode_faults_are_counted(term: SimTerminal, fault: Fault, code: int) -> None:
    term.faults.inject(fault, count=2)
    assert term.faults.pending(fault) == 2
    for _ in range(2):
        result = term.order_send(market("EURUSD", c.ORDER_TYPE_BUY))
        assert result is not None and result.retcode == code
        assert (result.deal, result.order) == (0, 0)
        assert (result.bid, result.ask) == (1.1, 1.10012)  # requotes carry fresh prices
        assert result.comment == c.RETCODE_TEXT[code]
    assert term.positions_total() == 0
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY))
    assert term.faults.pending() == 0


def test_faults_can_target_one_symbol(term: SimTerminal) -> None:
    term.faults.inject("requote", symbol="GOLD")
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY))
    result = term.order_send(market("GOLD", c.ORDER_TYPE_BUY))
    assert result is not None and result.retcode == c.TRADE_RETCODE_REQUOTE
    send_ok(term, market("GOLD", c.ORDER_TYPE_BUY))


def test_faults_fire_in_the_order_they_were_armed(term: SimTerminal) -> None:
    term.faults.inject(Fault.REQUOTE)
    term.faults.inject(Fault.PRICE_CHANGED)
    codes = [term.order_send(market("EURUSD", c.ORDER_TYPE_BUY)) for _ in range(3)]
    assert [r.retcode for r in codes if r is not None] == [
        c.TRADE_RETCODE_REQUOTE, c.TRADE_RETCODE_PRICE_CHANGED, c.TRADE_RETCODE_DONE]
    with pytest.raises(ValueError):
        term.faults.inject(Fault.REQUOTE, count=0)


def test_ipc_timeout_before_execution_executes_nothing(term: SimTerminal) -> None:
    term.faults.inject(Fault.IPC_TIMEOUT_BEFORE)
    version = term.state_version
    assert term.order_send(market("EURUSD", c.ORDER_TYPE_BUY)) is None
    assert term.last_error() == (c.RES_E_INTERNAL_FAIL_TIMEOUT, "IPC timeout")
    assert term.positions_total() == 0 and term.state_version == version


def test_ipc_timeout_after_execution_fills_but_returns_none(term: SimTerminal) -> None:
    term.faults.inject(Fault.IPC_TIMEOUT_AFTER)
    request = market("EURUSD", c.ORDER_TYPE_BUY, magic=505011, comment="v4|A|c0ffee")
    assert term.order_send(request) is None
    assert term.last_error()[0] == c.RES_E_INTERNAL_FAIL_TIMEOUT
    (pos,) = term.positions_get() or ()
    assert pos.comment == "v4|A|c0ffee"  # a blind retry would open a second position
    send_ok(term, request)
    assert term.positions_total() == 2


def test_disconnect_fails_every_call_until_restored(term: SimTerminal) -> None:
    term.faults.disconnect()
    assert term.account_info() is None
    assert term.last_error() == (-10004, "No IPC connection")
    assert term.symbol_info_tick("EURUSD") is None
    assert term.order_send(market("EURUSD", c.ORDER_TYPE_BUY)) is None
    assert term.initialize() is False
    assert term.last_error()[0] == -10004
    term.push_quote("EURUSD", 1.1001, 1.10022, term.now + 1)  # the market moves on regardless
    term.restore()
    assert term.account_info() is not None
    tick = term.symbol_info_tick("EURUSD")
    assert tick is not None and tick.bid == 1.1001
    term.faults.disconnect()
    term.faults.clear()
    assert term.positions_get() == ()
