"""SimTerminal API surface: result shapes, session rules, None vs empty, symbols, rates."""

from __future__ import annotations

import numpy as np
import pytest

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from core.brokers.sim.types import (
    AccountInfo,
    OrderSendResult,
    SymbolInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
    TradeRequest,
)
from tests.brokers.conftest import WED, make_terminal, market, send_ok


def test_constants_have_the_real_values() -> None:
    assert (c.TRADE_ACTION_DEAL, c.TRADE_ACTION_PENDING, c.TRADE_ACTION_SLTP) == (1, 5, 6)
    assert (c.TRADE_ACTION_MODIFY, c.TRADE_ACTION_REMOVE, c.TRADE_ACTION_CLOSE_BY) == (7, 8, 10)
    assert (c.ORDER_FILLING_FOK, c.ORDER_FILLING_IOC, c.ORDER_FILLING_RETURN) == (0, 1, 2)
    assert (c.SYMBOL_FILLING_FOK, c.SYMBOL_FILLING_IOC) == (1, 2)
    assert (c.DEAL_ENTRY_IN, c.DEAL_ENTRY_OUT, c.DEAL_ENTRY_INOUT, c.DEAL_ENTRY_OUT_BY) == (
        0, 1, 2, 3)
    assert (c.DEAL_REASON_EXPERT, c.DEAL_REASON_SL, c.DEAL_REASON_TP, c.DEAL_REASON_SO) == (
        3, 4, 5, 6)
    assert c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING == 2
    assert (c.TIMEFRAME_M1, c.TIMEFRAME_H1, c.TIMEFRAME_H4, c.TIMEFRAME_D1) == (
        1, 0x4001, 0x4004, 0x4018)
    assert c.TRADE_RETCODE_REQUOTE == 10004 and c.TRADE_RETCODE_DONE == 10009
    assert c.TRADE_RETCODE_INVALID_FILL == 10030 and c.TRADE_RETCODE_FIFO_CLOSE == 10045
    assert c.RETCODE_NAMES[10036] == "POSITION_CLOSED"
    assert 10005 not in c.RETCODE_NAMES and 10037 not in c.RETCODE_NAMES
    assert len(c.RETCODE_NAMES) == 40
    assert (c.RES_E_INTERNAL_FAIL_CONNECT, c.RES_E_INTERNAL_FAIL_TIMEOUT) == (-10004, -10005)


def test_field_names_and_order_match_metatrader5() -> None:
    assert TradePosition._fields[:8] == ("ticket", "time", "time_msc", "time_update",
                                         "time_update_msc", "type", "magic", "identifier")
    assert TradeDeal._fields == (
        "ticket", "order", "time", "time_msc", "type", "entry", "magic", "position_id",
        "reason", "volume", "price", "commission", "swap", "profit", "fee", "symbol",
        "comment", "external_id")
    assert OrderSendResult._fields == (
        "retcode", "deal", "order", "volume", "price", "bid", "ask", "comment",
        "request_id", "retcode_external", "request")
    assert TradeRequest._fields == (
        "action", "magic", "order", "symbol", "volume", "price", "stoplimit", "sl", "tp",
        "deviation", "type", "type_filling", "type_time", "expiration", "comment",
        "position", "position_by")
    assert Tick._fields == ("time", "bid", "ask", "last", "volume", "time_msc", "flags",
                            "volume_real")
    assert AccountInfo._fields[0] == "login" and AccountInfo._fields[-1] == "company"
    assert len(SymbolInfo._fields) == 96
    assert SymbolInfo._fields[:4] == ("custom", "chart_mode", "select", "visible")
    assert SymbolInfo._fields[-3:] == ("name", "page", "path")
    assert len(TradeOrder._fields) == 24


def test_calls_before_initialize_fail_with_no_ipc_connection() -> None:
    term = SimTerminal()
    assert term.account_info() is None
    assert term.last_error() == (-10004, "No IPC connection")
    assert term.positions_get() is None
    assert term.order_send(market("EURUSD", c.ORDER_TYPE_BUY)) is None
    assert term.symbol_select("EURUSD") is False
    assert term.initialize() is True
    assert term.last_error() == (1, "Success")
    assert term.positions_get() == ()
    term.shutdown()
    assert term.version() is None
    assert term.last_error()[0] == c.RES_E_INTERNAL_FAIL_CONNECT


def test_login_checks_credentials() -> None:
    term = SimTerminal(login=1234, password="secret", server="Demo")
    assert not term.initialize(login=1234, password="wrong")
    assert term.last_error()[0] == c.RES_E_AUTH_FAILED
    assert term.initialize(login=1234, password="secret", server="Demo")
    assert term.login(1234, password="secret")
    assert not term.login(999, password="secret")
    assert term.last_error()[0] == c.RES_E_AUTH_FAILED
    assert term.initialize()  # no login: the last account the terminal used
    info = term.account_info()
    assert info is not None and info.login == 1234 and info.server == "Demo"


def test_results_behave_like_named_tuples(term: SimTerminal) -> None:
    result = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, magic=505011, comment="x|A|1"))
    doc = result._asdict()
    assert doc["retcode"] == 10009 and isinstance(doc["request"], TradeRequest)
    assert result.request.comment == "x|A|1" and result.request.magic == 505011
    (pos,) = term.positions_get() or ()
    assert pos._asdict()["ticket"] == pos.ticket == pos.identifier == result.order
    assert pos.reason == c.POSITION_REASON_EXPERT
    assert term.terminal_info() is not None and term.terminal_info().connected  # type: ignore[union-attr]
    version = term.version()
    assert version is not None and version[0] == 500


def test_none_is_error_and_empty_tuple_is_nothing(term: SimTerminal) -> None:
    assert term.positions_get(symbol="EURUSD") == ()
    assert term.orders_get() == () and term.orders_total() == 0
    assert term.history_deals_get(WED, WED + 60) == ()
    assert term.history_deals_get() is None  # neither dates nor ticket/position
    assert term.last_error()[0] == c.RES_E_INVALID_PARAMS
    assert term.symbol_info("NOPE") is None
    assert term.last_error()[0] == c.RES_E_NOT_FOUND


def test_market_watch_selection_gates_ticks_and_orders() -> None:
    term = make_terminal(market_watch=["EURUSD"])
    term.push_quote("GBPUSD", 1.25, 1.25015, WED)
    info = term.symbol_info("GBPUSD")
    assert info is not None and info.select is False and info.visible is False
    assert term.symbol_info_tick("GBPUSD") is None
    result = term.order_send(market("GBPUSD", c.ORDER_TYPE_BUY))
    assert result is not None and result.retcode == c.TRADE_RETCODE_PRICE_OFF
    assert term.symbol_select("GBPUSD", True)
    tick = term.symbol_info_tick("GBPUSD")
    assert tick is not None and (tick.bid, tick.ask, tick.time) == (1.25, 1.25015, WED)
    send_ok(term, market("GBPUSD", c.ORDER_TYPE_BUY))
    assert not term.symbol_select("GBPUSD", False)  # open positions keep it in Market Watch


def test_symbols_use_broker_names_and_groups(term: SimTerminal) -> None:
    assert "GOLD" in term.symbols and "XAUUSD" not in term.symbols
    assert term.symbols["GOLD"].name == "XAUUSD"
    assert term.symbols_total() == 11
    usd = term.symbols_get(group="*USD*") or ()
    assert {s.name for s in usd} >= {"EURUSD", "USDJPY"} and "GOLD" not in {s.name for s in usd}
    no_eur = term.symbols_get(group="*,!EUR*") or ()
    assert not [s for s in no_eur if s.name.startswith("EUR")] and len(no_eur) == 8
    gold = term.symbol_info("GOLD")
    assert gold is not None
    assert (gold.digits, gold.point, gold.trade_contract_size) == (2, 0.01, 100.0)
    assert (gold.volume_min, gold.volume_max, gold.volume_step) == (0.01, 100.0, 0.01)
    assert gold.filling_mode == c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC
    assert (gold.bid, gold.ask, gold.spread) == (2000.0, 2000.25, 25)
    assert (gold.currency_base, gold.currency_profit) == ("XAU", "USD")
    assert gold.trade_tick_size == 0.01 and gold.trade_tick_value == pytest.approx(1.0)


def test_copy_rates_aggregates_m1_bars(term: SimTerminal) -> None:
    base = WED + 3600  # 13:00
    for i in range(12):  # 13:00 .. 13:11
        o = 1.1000 + i * 0.0001
        term.push_bar("EURUSD", base + 60 * i, o, o + 0.0005, o - 0.0003, o + 0.0002, 10 + i)
    m1 = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_M1, 0, 3)
    assert m1 is not None and m1.dtype.names == ("time", "open", "high", "low", "close",
                                                 "tick_volume", "spread", "real_volume")
    assert m1.dtype["time"] == np.int64 and m1.dtype["spread"] == np.int32
    assert m1["time"].tolist() == [base + 540, base + 600, base + 660]
    m5 = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_M5, 0, 10)
    assert m5 is not None
    # The 12:00 bar comes from the fixture's quote; then 13:00, 13:05, 13:10 (current).
    assert m5["time"].tolist() == [WED, base, base + 300, base + 600]
    first = m5[1]
    assert first["open"] == pytest.approx(1.1000) and first["close"] == pytest.approx(1.1006)
    assert first["high"] == pytest.approx(1.1009) and first["low"] == pytest.approx(1.0997)
    assert first["spread"] == 10
    older = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_M5, 1, 2)
    assert older is not None and older["time"].tolist() == [base, base + 300]
    h1 = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_H1, 0, 1)
    assert h1 is not None and h1["time"].tolist() == [base]
    assert h1["close"][0] == pytest.approx(1.1013)
    ranged = term.copy_rates_range("EURUSD", c.TIMEFRAME_M5, base, base + 600)
    assert ranged is not None and ranged["time"].tolist() == [base, base + 300, base + 600]
    assert term.copy_rates_from_pos("EURUSD", 7, 0, 1) is None  # M7 does not exist
    assert term.last_error()[0] == c.RES_E_INVALID_PARAMS
    assert term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_M1, 50, 1) is None


def test_long_history_aggregates_only_the_tail() -> None:
    term = make_terminal(max_bars=5_000)
    for i in range(8_000):
        term.push_bar("EURUSD", WED + 60 * i, 1.1, 1.1002, 1.0998, 1.1001, 5)
    d1 = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_D1, 0, 10)
    assert d1 is not None
    assert int(d1["tick_volume"].sum()) == 0  # push_bar bars carry the given volume (0)
    h1 = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_H1, 0, 3)
    assert h1 is not None and len(h1) == 3
    m1 = term.copy_rates_from_pos("EURUSD", c.TIMEFRAME_M1, 0, 10_000)
    assert m1 is not None and 5_000 <= len(m1) <= 6_250  # history trimmed to max_bars
    with pytest.raises(ValueError):
        term.push_bar("EURUSD", WED, 1.1, 1.1, 1.1, 1.1, 5)  # older than the last bar
