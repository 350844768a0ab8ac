"""SimTerminal trading: fills, closes, partial closes, SL/TP changes and the validation retcodes."""

from __future__ import annotations

import pytest

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from tests.brokers.conftest import WED, close_req, make_terminal, market, quote_all, send_ok

SAT = WED + 3 * 86400  # Saturday 12:00 UTC
FRI_2230 = WED + 2 * 86400 + 10 * 3600 + 1800
SUN_2201 = WED + 4 * 86400 + 10 * 3600 + 60


def retcode(term: SimTerminal, request: dict[str, object]) -> int:
    result = term.order_send(request)
    assert result is not None, term.last_error()
    return result.retcode


def test_market_orders_fill_at_ask_and_bid(term: SimTerminal) -> None:
    buy = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.25))
    sell = send_ok(term, market("EURUSD", c.ORDER_TYPE_SELL, 0.1))
    assert (buy.price, buy.bid, buy.ask, buy.volume) == (1.10012, 1.1, 1.10012, 0.25)
    assert sell.price == 1.1
    assert buy.deal and buy.order and buy.order != sell.order
    assert buy.comment == "Request executed" and buy.request_id < sell.request_id
    long, short = sorted(term.positions_get() or (), key=lambda p: p.type)
    assert (long.type, long.price_open, long.price_current) == (c.POSITION_TYPE_BUY, 1.10012, 1.1)
    assert (short.type, short.price_current) == (c.POSITION_TYPE_SELL, 1.10012)
    assert long.reason == c.POSITION_REASON_CLIENT  # magic 0: a manual order
    (deal,) = term.history_deals_get(position=long.ticket) or ()
    assert (deal.entry, deal.type, deal.reason, deal.price) == (
        c.DEAL_ENTRY_IN, c.DEAL_TYPE_BUY, c.DEAL_REASON_CLIENT, 1.10012)
    (order,) = term.history_orders_get(position=long.ticket) or ()
    assert (order.ticket, order.state, order.type_filling) == (
        buy.order, c.ORDER_STATE_FILLED, c.ORDER_FILLING_FOK)
    assert term.positions_total() == 2


def test_close_and_partial_close(term: SimTerminal) -> None:
    opened = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.3, magic=505011,
                                  comment="v4|A|cid1"))
    ticket = opened.order
    term.push_quote("EURUSD", 1.10100, 1.10112, WED + 60)
    part = send_ok(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.1) | {"magic": 505011})
    assert (part.price, part.volume) == (1.101, 0.1)
    (pos,) = term.positions_get(ticket=ticket) or ()
    assert pos.volume == pytest.approx(0.2) and pos.identifier == ticket
    rest = send_ok(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.2))
    assert term.positions_get() == ()
    deals = term.history_deals_get(position=ticket) or ()
    assert [d.entry for d in deals] == [c.DEAL_ENTRY_IN, c.DEAL_ENTRY_OUT, c.DEAL_ENTRY_OUT]
    assert [d.reason for d in deals] == [c.DEAL_REASON_EXPERT, c.DEAL_REASON_EXPERT,
                                         c.DEAL_REASON_CLIENT]
    assert deals[1].profit == pytest.approx(8.8) and deals[2].profit == pytest.approx(17.6)
    assert rest.deal == deals[2].ticket
    assert retcode(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.1)) == (
        c.TRADE_RETCODE_POSITION_CLOSED)
    assert retcode(term, close_req("EURUSD", 999, c.ORDER_TYPE_SELL, 0.1)) == (
        c.TRADE_RETCODE_INVALID)


def test_close_request_must_match_the_position(term: SimTerminal) -> None:
    ticket = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1)).order
    assert retcode(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.2)) == (
        c.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
    assert retcode(term, close_req("EURUSD", ticket, c.ORDER_TYPE_BUY, 0.1)) == (
        c.TRADE_RETCODE_INVALID)  # same side would open, not close
    assert retcode(term, close_req("GBPUSD", ticket, c.ORDER_TYPE_SELL, 0.1)) == (
        c.TRADE_RETCODE_INVALID)
    assert retcode(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.015)) == (
        c.TRADE_RETCODE_INVALID_VOLUME)


def test_sltp_modification(term: SimTerminal) -> None:
    ticket = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.095, tp=1.11)).order
    before = term.state_version
    sltp = {"action": c.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": ticket,
            "sl": 1.0975, "tp": 1.1125}
    result = send_ok(term, sltp)
    assert (result.deal, result.order, result.bid, result.ask) == (0, 0, 0.0, 0.0)
    (pos,) = term.positions_get() or ()
    assert (pos.sl, pos.tp) == (1.0975, 1.1125)
    assert term.state_version > before
    assert retcode(term, sltp) == c.TRADE_RETCODE_NO_CHANGES
    wrong_side = sltp | {"sl": 1.1005}
    assert retcode(term, wrong_side) == c.TRADE_RETCODE_INVALID_STOPS
    removed = send_ok(term, sltp | {"sl": 0.0, "tp": 0.0})
    assert removed.retcode == c.TRADE_RETCODE_DONE
    (pos,) = term.positions_get() or ()
    assert (pos.sl, pos.tp) == (0.0, 0.0)
    no_symbol = {"action": c.TRADE_ACTION_SLTP, "position": ticket, "sl": 1.09, "tp": 0.0}
    send_ok(term, no_symbol)
    assert retcode(term, {"action": c.TRADE_ACTION_SLTP, "symbol": "EURUSD", "sl": 1.09}) == (
        c.TRADE_RETCODE_INVALID)


@pytest.mark.parametrize("volume", [0.0, 0.005, 0.015, 100.01, 250.0])
def test_invalid_volume(term: SimTerminal, volume: float) -> None:
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY, volume)) == (
        c.TRADE_RETCODE_INVALID_VOLUME)


@pytest.mark.parametrize("volume", [0.01, 0.07, 1.23, 100.0])
def test_valid_volume(volume: float) -> None:
    term = make_terminal(balance=10_000_000.0)
    quote_all(term)
    assert send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, volume)).volume == volume


@pytest.mark.parametrize(("type_", "sl", "tp"), [
    (c.ORDER_TYPE_BUY, 1.1001, 0.0),   # long SL above the bid
    (c.ORDER_TYPE_BUY, 1.1, 0.0),      # long SL at the bid
    (c.ORDER_TYPE_BUY, 0.0, 1.09),     # long TP below the bid
    (c.ORDER_TYPE_SELL, 1.1001, 0.0),  # short SL below the ask
    (c.ORDER_TYPE_SELL, 0.0, 1.1005),  # short TP above the ask
    (c.ORDER_TYPE_BUY, -1.0, 0.0),
])
def test_invalid_stops(term: SimTerminal, type_: int, sl: float, tp: float) -> None:
    assert retcode(term, market("EURUSD", type_, 0.1, sl=sl, tp=tp)) == (
        c.TRADE_RETCODE_INVALID_STOPS)


def test_stops_level_is_enforced_in_points() -> None:
    term = make_terminal(symbol_overrides={"EURUSD": {"trade_stops_level": 50}})
    quote_all(term)
    too_close = market("EURUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.09951)  # 49 points under the bid
    assert retcode(term, too_close) == c.TRADE_RETCODE_INVALID_STOPS
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.0995, tp=1.1005))
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_SELL, 0.1, sl=1.10061)) == (
        c.TRADE_RETCODE_INVALID_STOPS)  # 49 points over the ask
    send_ok(term, market("EURUSD", c.ORDER_TYPE_SELL, 0.1, sl=1.10062))


def test_freeze_level_freezes_closes_and_modifications() -> None:
    term = make_terminal(symbol_overrides={"EURUSD": {"trade_freeze_level": 20}})
    quote_all(term)
    ticket = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.0999)).order
    assert retcode(term, close_req("EURUSD", ticket, c.ORDER_TYPE_SELL, 0.1)) == (
        c.TRADE_RETCODE_FROZEN)
    sltp = {"action": c.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": ticket,
            "sl": 1.0998, "tp": 0.0}
    assert retcode(term, sltp) == c.TRADE_RETCODE_FROZEN


def test_no_money() -> None:
    term = make_terminal(balance=1_000.0, leverage=100)
    quote_all(term)
    # 1 lot EURUSD needs 1,100.12 USD of margin at 1:100.
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY, 1.0)) == c.TRADE_RETCODE_NO_MONEY
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.9))
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1)) == c.TRADE_RETCODE_NO_MONEY
    check = term.order_check(market("EURUSD", c.ORDER_TYPE_BUY, 0.1))
    assert check is not None and check.retcode == c.TRADE_RETCODE_NO_MONEY


@pytest.mark.parametrize("at", [SAT, FRI_2230, WED + 4 * 86400])
def test_market_closed_at_the_weekend(at: int) -> None:
    term = make_terminal()
    quote_all(term, at=at)
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_MARKET_CLOSED


def test_market_reopens_sunday_22_utc() -> None:
    term = make_terminal()
    quote_all(term, at=SUN_2201)
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY))


def test_no_quote_yet_is_price_off() -> None:
    term = make_terminal()
    quote_all(term, skip=("GBPUSD",))
    assert retcode(term, market("GBPUSD", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_PRICE_OFF


def test_unknown_symbol_and_bad_requests(term: SimTerminal) -> None:
    assert retcode(term, market("XAUUSD", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_INVALID
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY_LIMIT)) == c.TRADE_RETCODE_INVALID
    pending = market("EURUSD", c.ORDER_TYPE_BUY_LIMIT) | {"action": c.TRADE_ACTION_PENDING}
    assert retcode(term, pending) == c.TRADE_RETCODE_INVALID_ORDER
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY) | {"action": 99}) == (
        c.TRADE_RETCODE_INVALID)
    assert term.order_send(market("EURUSD", c.ORDER_TYPE_BUY, comment="x" * 32)) is None
    assert term.last_error() == (c.RES_E_INVALID_PARAMS, 'Invalid "comment" argument')
    assert term.order_send(market("EURUSD", c.ORDER_TYPE_BUY) | {"volume": "1"}) is None
    assert term.last_error() == (c.RES_E_INVALID_PARAMS, 'Invalid "volume" argument')
    assert term.order_send(market("EURUSD", c.ORDER_TYPE_BUY) | {"colour": 1}) is None
    assert term.order_send("EURUSD") is None  # type: ignore[arg-type]
    assert term.positions_total() == 0


def test_symbol_trade_modes() -> None:
    term = make_terminal(symbol_overrides={
        "EURUSD": {"trade_mode": c.SYMBOL_TRADE_MODE_DISABLED},
        "GBPUSD": {"trade_mode": c.SYMBOL_TRADE_MODE_LONGONLY},
        "USDJPY": {"trade_mode": c.SYMBOL_TRADE_MODE_CLOSEONLY},
    })
    quote_all(term)
    assert retcode(term, market("EURUSD", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_TRADE_DISABLED
    assert retcode(term, market("GBPUSD", c.ORDER_TYPE_SELL)) == c.TRADE_RETCODE_LONG_ONLY
    send_ok(term, market("GBPUSD", c.ORDER_TYPE_BUY))
    assert retcode(term, market("USDJPY", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_CLOSE_ONLY


def test_filling_mode_is_checked_against_the_symbol_mask() -> None:
    term = make_terminal(symbol_overrides={"GBPUSD": {"filling_mode": 0},
                                           "USDJPY": {"filling_mode": c.SYMBOL_FILLING_IOC}})
    quote_all(term)
    eurusd_return = market("EURUSD", c.ORDER_TYPE_BUY, type_filling=c.ORDER_FILLING_RETURN)
    assert retcode(term, eurusd_return) == c.TRADE_RETCODE_INVALID_FILL  # market execution
    send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, type_filling=c.ORDER_FILLING_IOC))
    assert retcode(term, market("USDJPY", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_INVALID_FILL
    send_ok(term, market("USDJPY", c.ORDER_TYPE_BUY, type_filling=c.ORDER_FILLING_IOC))
    assert retcode(term, market("GBPUSD", c.ORDER_TYPE_BUY)) == c.TRADE_RETCODE_INVALID_FILL
    ticket = send_ok(term, market("GBPUSD", c.ORDER_TYPE_BUY,
                                  type_filling=c.ORDER_FILLING_RETURN)).order
    close_fok = close_req("GBPUSD", ticket, c.ORDER_TYPE_SELL, 0.1)
    assert retcode(term, close_fok) == c.TRADE_RETCODE_INVALID_FILL  # closes are checked too
    info = term.symbol_info("GBPUSD")
    assert info is not None and info.filling_mode == 0
    assert info.trade_exemode == c.SYMBOL_TRADE_EXECUTION_INSTANT
    with pytest.raises(ValueError):
        make_terminal(symbol_overrides={"EURUSD": {"digits": 3}})


def test_order_check_reports_margin_without_trading(term: SimTerminal) -> None:
    check = term.order_check(market("EURUSD", c.ORDER_TYPE_BUY, 1.0))
    assert check is not None and check.retcode == 0 and check.comment == "Done"
    assert check.margin == pytest.approx(1100.12) and check.balance == 10_000.0
    assert check.margin_free == pytest.approx(10_000 - 1100.12)
    assert check.margin_level == pytest.approx(10_000 / 1100.12 * 100, abs=0.01)
    assert term.positions_total() == 0
    bad = term.order_check(market("EURUSD", c.ORDER_TYPE_BUY, 0.001))
    assert bad is not None and bad.retcode == c.TRADE_RETCODE_INVALID_VOLUME
    assert term.order_calc_margin(c.ORDER_TYPE_BUY, "GOLD", 1.0, 2000.0) == pytest.approx(2000.0)
    assert term.order_calc_profit(c.ORDER_TYPE_SELL, "EURUSD", 1.0, 1.1, 1.09) == (
        pytest.approx(1000.0))
