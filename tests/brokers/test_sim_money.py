"""Profit in USD to the cent (direct, USD-base, gold, crosses), balance, equity and margin."""

from __future__ import annotations

import pytest

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from tests.brokers.conftest import WED, close_req, make_terminal, market, quote_all, send_ok

T1 = WED + 60


def _round_trip(term: SimTerminal, symbol: str, type_: int, volume: float,
                exit_bid: float, exit_ask: float) -> float:
    ticket = send_ok(term, market(symbol, type_, volume)).order
    term.push_quote(symbol, exit_bid, exit_ask, T1)
    closing = c.ORDER_TYPE_SELL if type_ == c.ORDER_TYPE_BUY else c.ORDER_TYPE_BUY
    send_ok(term, close_req(symbol, ticket, closing, volume))
    (out,) = [d for d in term.history_deals_get(position=ticket) or ()
              if d.entry == c.DEAL_ENTRY_OUT]
    return float(out.profit)


def test_eurusd_profit(term: SimTerminal) -> None:
    # Bought at 1.10012, sold at 1.10512: 500 points x 0.1 lot x 100,000 = 50.00 USD.
    assert _round_trip(term, "EURUSD", c.ORDER_TYPE_BUY, 0.1, 1.10512, 1.10524) == 50.0
    assert term.account_info().balance == 10_050.0  # type: ignore[union-attr]


def test_usdjpy_profit_is_converted_at_the_closing_price(term: SimTerminal) -> None:
    # Bought at 150.012, sold at 151.012: 1.0 x 10,000 = 10,000 JPY / 151.012 = 66.22 USD.
    assert _round_trip(term, "USDJPY", c.ORDER_TYPE_BUY, 0.1, 151.012, 151.024) == 66.22
    # Short: sold at 150.000, bought back at 149.512: 4,880 JPY / 149.512 = 32.64 USD.
    term.push_quote("USDJPY", 150.0, 150.012, T1)
    assert _round_trip(term, "USDJPY", c.ORDER_TYPE_SELL, 0.1, 149.5, 149.512) == 32.64


def test_gold_profit_uses_a_contract_of_100_oz(term: SimTerminal) -> None:
    # Short 0.5 lot at 2000.00, bought back at 2010.25: -10.25 x 50 oz = -512.50 USD.
    assert _round_trip(term, "GOLD", c.ORDER_TYPE_SELL, 0.5, 2010.0, 2010.25) == -512.5


def test_eurgbp_profit_goes_through_gbpusd(term: SimTerminal) -> None:
    term.push_quote("GBPUSD", 1.30000, 1.30015, WED)
    # Bought at 0.86012, sold at 0.87012: 0.01 x 100,000 = 1,000 GBP x 1.30 = 1,300.00 USD.
    assert _round_trip(term, "EURGBP", c.ORDER_TYPE_BUY, 1.0, 0.87012, 0.87024) == 1300.0


def test_eurgbp_without_gbpusd_uses_the_static_fallback() -> None:
    term = make_terminal()
    quote_all(term, skip=("GBPUSD",))
    # Static: 12.5 USD per pip per lot -> 1.25 USD per GBP; 1,000 GBP = 1,250.00 USD.
    assert _round_trip(term, "EURGBP", c.ORDER_TYPE_BUY, 1.0, 0.87012, 0.87024) == 1250.0


def test_eurjpy_profit_goes_through_usdjpy(term: SimTerminal) -> None:
    # Bought at 165.015, sold at 166.015: 100,000 JPY / 150.000 (USDJPY bid) = 666.67 USD.
    assert _round_trip(term, "EURJPY", c.ORDER_TYPE_BUY, 1.0, 166.015, 166.03) == 666.67


def test_balance_equity_margin(term: SimTerminal) -> None:
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 1.0))
    send_ok(term, market("GOLD", c.ORDER_TYPE_SELL, 0.1))
    send_ok(term, market("USDJPY", c.ORDER_TYPE_BUY, 0.5))
    info = term.account_info()
    assert info is not None
    # Floating: EURUSD -12 points x 1 lot = -12.00; GOLD sold 2000.00, ask 2000.25 = -2.50;
    # USDJPY bought 150.012, bid 150.000: -0.012 x 50,000 / 150 = -4.00.
    assert info.profit == -18.5
    assert info.balance == 10_000.0 and info.equity == 9_981.5
    # Margin at 1:100 on the bid: 1,100.00 + 2,000 x 10 / 100 = 200.00 + 500.00 (USD base).
    assert info.margin == 1_800.0
    assert info.margin_free == 8_181.5
    assert info.margin_level == pytest.approx(9_981.5 / 1_800 * 100, abs=0.01)
    assert info.margin_mode == c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING and info.currency == "USD"
    positions = {p.symbol: p for p in term.positions_get() or ()}
    assert positions["USDJPY"].profit == -4.0 and positions["GOLD"].profit == -2.5
    term.push_quote("EURUSD", 1.10500, 1.10512, T1)
    moved = term.account_info()
    assert moved is not None and moved.profit == -18.5 + 500.0
    assert moved.margin == pytest.approx(1_805.0)


def test_leverage_scales_margin() -> None:
    term = make_terminal(leverage=500)
    quote_all(term)
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 1.0))
    info = term.account_info()
    assert info is not None and info.leverage == 500 and info.margin == 220.0


def test_tick_value_is_consistent_with_profit(term: SimTerminal) -> None:
    for name in ("EURUSD", "USDJPY", "GOLD", "EURGBP", "EURJPY"):
        info = term.symbol_info(name)
        assert info is not None and info.trade_tick_size == info.point
        bid = info.bid
        move = 100 * info.trade_tick_size
        profit = term.order_calc_profit(c.ORDER_TYPE_BUY, name, 1.0, bid, bid + move)
        # USD-base pairs convert at the closing price, so their tick value drifts a little.
        assert profit == pytest.approx(100 * info.trade_tick_value, rel=1e-3, abs=0.01), name
    eurusd = term.symbol_info("EURUSD")
    assert eurusd is not None and eurusd.trade_tick_value == pytest.approx(1.0)
    usdjpy = term.symbol_info("USDJPY")
    assert usdjpy is not None and usdjpy.trade_tick_value == pytest.approx(100 / 150.0)


def test_state_version_moves_with_the_books_not_with_prices(term: SimTerminal) -> None:
    v0 = term.state_version
    ticket = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1)).order
    v1 = term.state_version
    term.push_quote("EURUSD", 1.1003, 1.10042, T1)
    term.push_bar("EURUSD", T1 + 60, 1.1003, 1.1006, 1.1001, 1.1004, 12)
    assert term.state_version == v1 > v0
    send_ok(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.1))
    assert term.state_version > v1
