"""Stop-loss and take-profit triggers on quotes and on bars, including gap-through fills."""

from __future__ import annotations

import pytest

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from core.brokers.sim.types import TradeDeal
from tests.brokers.conftest import WED, market, send_ok

T1 = WED + 60  # the next minute


def _open(term: SimTerminal, type_: int, sl: float = 0.0, tp: float = 0.0,
          magic: int = 505011) -> int:
    result = send_ok(term, market("EURUSD", type_, 0.1, sl=sl, tp=tp, magic=magic,
                                  comment="v4|A|stop"))
    return int(result.order)


def _exit(term: SimTerminal, ticket: int) -> TradeDeal:
    deals = term.history_deals_get(position=ticket) or ()
    outs = [d for d in deals if d.entry == c.DEAL_ENTRY_OUT]
    assert len(outs) == 1, deals
    return outs[0]


# ---- quotes: longs on the bid, shorts on the ask -------------------------------------------

def test_long_sl_on_quote_fills_at_the_bid(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, sl=1.0990, tp=1.1050)
    term.push_quote("EURUSD", 1.09901, 1.09913, T1)
    assert term.positions_total() == 1
    before = term.state_version
    term.push_quote("EURUSD", 1.09900, 1.09912, T1 + 1)  # touches the SL exactly
    assert term.positions_total() == 0 and term.state_version > before
    deal = _exit(term, ticket)
    assert (deal.reason, deal.price, deal.type) == (c.DEAL_REASON_SL, 1.099, c.DEAL_TYPE_SELL)
    assert deal.comment == "[sl 1.09900]" and deal.magic == 505011
    assert deal.time_msc == (T1 + 1) * 1000
    assert deal.profit == pytest.approx(-11.2)


def test_long_sl_gapped_quote_fills_at_the_worse_bid(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, sl=1.0990)
    term.push_quote("EURUSD", 1.09800, 1.09812, T1)
    assert _exit(term, ticket).price == 1.098


def test_long_tp_on_quote_fills_at_the_level(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, tp=1.1010)
    term.push_quote("EURUSD", 1.10150, 1.10162, T1)  # gapped past the TP
    deal = _exit(term, ticket)
    assert (deal.reason, deal.price) == (c.DEAL_REASON_TP, 1.101)


def test_short_stops_watch_the_ask(term: SimTerminal) -> None:
    sl_ticket = _open(term, c.ORDER_TYPE_SELL, sl=1.1010)
    tp_ticket = _open(term, c.ORDER_TYPE_SELL, tp=1.0990)
    term.push_quote("EURUSD", 1.10095, 1.10099, T1)  # bid near, ask below the SL: nothing
    assert term.positions_total() == 2
    term.push_quote("EURUSD", 1.10090, 1.10102, T1 + 1)
    assert (_exit(term, sl_ticket).reason, _exit(term, sl_ticket).price) == (
        c.DEAL_REASON_SL, 1.10102)
    term.push_quote("EURUSD", 1.09895, 1.09901, T1 + 2)  # bid through the TP, ask not yet
    assert term.positions_total() == 1
    term.push_quote("EURUSD", 1.09888, 1.09900, T1 + 3)
    deal = _exit(term, tp_ticket)
    assert (deal.reason, deal.price, deal.type) == (c.DEAL_REASON_TP, 1.099, c.DEAL_TYPE_BUY)


# ---- bars: O->L->H->C when bullish, O->H->L->C when bearish ----------------------------------

def test_bullish_bar_hits_low_before_high(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, sl=1.0990, tp=1.1010)
    term.push_bar("EURUSD", T1, 1.1000, 1.1020, 1.0980, 1.1015, 12)  # both levels inside
    deal = _exit(term, ticket)
    assert (deal.reason, deal.price) == (c.DEAL_REASON_SL, 1.099)
    assert deal.time_msc == T1 * 1000 + 20_000  # the low is the path's second point


def test_bearish_bar_hits_high_before_low(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, sl=1.0990, tp=1.1010)
    term.push_bar("EURUSD", T1, 1.1000, 1.1020, 1.0980, 1.0985, 12)
    deal = _exit(term, ticket)
    assert (deal.reason, deal.price, deal.time_msc) == (c.DEAL_REASON_TP, 1.101,
                                                        T1 * 1000 + 20_000)


def test_short_on_bar_uses_bid_plus_spread(term: SimTerminal) -> None:
    sl_ticket = _open(term, c.ORDER_TYPE_SELL, sl=1.1010)
    tp_ticket = _open(term, c.ORDER_TYPE_SELL, tp=1.0990)
    # Bid high 1.10090 + 12 points = ask 1.10102 >= SL; bid low 1.09890 + 12 = 1.09902 > TP.
    term.push_bar("EURUSD", T1, 1.1000, 1.1009, 1.0989, 1.1005, 12)
    assert (_exit(term, sl_ticket).reason, _exit(term, sl_ticket).price) == (
        c.DEAL_REASON_SL, 1.101)
    assert term.positions_total() == 1
    term.push_bar("EURUSD", T1 + 60, 1.1000, 1.1001, 1.0988, 1.0995, 12)  # ask low 1.09892
    deal = _exit(term, tp_ticket)
    assert (deal.reason, deal.price, deal.time_msc) == (c.DEAL_REASON_TP, 1.099,
                                                        (T1 + 60) * 1000 + 40_000)


def test_bar_gapping_through_sl_fills_at_the_open(term: SimTerminal) -> None:
    long_ticket = _open(term, c.ORDER_TYPE_BUY, sl=1.0990)
    short_ticket = _open(term, c.ORDER_TYPE_SELL, sl=1.1010)
    term.push_bar("EURUSD", T1, 1.0950, 1.0960, 1.0940, 1.0955, 12)
    deal = _exit(term, long_ticket)
    assert (deal.price, deal.time_msc) == (1.095, T1 * 1000)
    term.push_bar("EURUSD", T1 + 60, 1.1050, 1.1060, 1.1040, 1.1055, 12)
    assert _exit(term, short_ticket).price == 1.10512  # open bid + spread


def test_bar_gapping_through_tp_fills_at_the_level(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, tp=1.1010)
    term.push_bar("EURUSD", T1, 1.1050, 1.1060, 1.1040, 1.1055, 12)
    assert _exit(term, ticket).price == 1.101


def test_quiet_bars_change_nothing(term: SimTerminal) -> None:
    _open(term, c.ORDER_TYPE_BUY, sl=1.0990, tp=1.1010)
    _open(term, c.ORDER_TYPE_SELL, sl=1.1010, tp=1.0990)
    version = term.state_version
    for i in range(1, 50):
        term.push_bar("EURUSD", WED + 60 * i, 1.1000, 1.1005, 1.0995, 1.1001, 12)
    assert term.positions_total() == 2 and term.state_version == version
    tick = term.symbol_info_tick("EURUSD")
    assert tick is not None and (tick.bid, tick.ask) == (1.1001, 1.10022)
    assert tick.time == WED + 60 * 49 + 59  # the bar's last second


def test_several_stops_in_one_bar_close_in_path_order(term: SimTerminal) -> None:
    a = _open(term, c.ORDER_TYPE_BUY, tp=1.1015)  # hit at the high (third point)
    b = _open(term, c.ORDER_TYPE_BUY, sl=1.0995)  # hit at the low (second point)
    other = send_ok(term, market("GBPUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.2))
    term.push_bar("EURUSD", T1, 1.1000, 1.1020, 1.0990, 1.1010, 12)
    outs = [d for d in term.history_deals_get(T1, T1 + 60) or () if d.entry == c.DEAL_ENTRY_OUT]
    assert [d.position_id for d in outs] == [b, a]
    assert term.positions_get(ticket=other.order)  # another symbol is not affected


def test_sl_modification_rearms_the_watch(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY)
    term.push_bar("EURUSD", T1, 1.1000, 1.1005, 1.0950, 1.1001, 12)
    assert term.positions_total() == 1  # no stops yet
    send_ok(term, {"action": c.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": ticket,
                   "sl": 1.0990, "tp": 0.0})
    term.push_bar("EURUSD", T1 + 60, 1.1000, 1.1005, 1.0989, 1.1001, 12)
    assert _exit(term, ticket).reason == c.DEAL_REASON_SL


def test_manual_position_stop_keeps_its_magic(term: SimTerminal) -> None:
    ticket = _open(term, c.ORDER_TYPE_BUY, sl=1.0990, magic=0)
    term.push_quote("EURUSD", 1.0980, 1.09812, T1)
    deal = _exit(term, ticket)
    assert (deal.magic, deal.reason) == (0, c.DEAL_REASON_SL)
    (order,) = [o for o in term.history_orders_get(position=ticket) or ()
                if o.reason == c.ORDER_REASON_SL]
    assert order.type == c.ORDER_TYPE_SELL and order.state == c.ORDER_STATE_FILLED
