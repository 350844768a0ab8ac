"""The simulated account's books: positions, deals, history orders, money in USD."""

from __future__ import annotations

from collections.abc import Iterable

from core.brokers.sim import constants as c
from core.brokers.sim.market import SymbolState
from core.brokers.sim.types import TradeDeal, TradeOrder, TradePosition

FIRST_ORDER_TICKET = 10_000_001
FIRST_DEAL_TICKET = 20_000_001


class SimPosition:
    """An open position; ticket == identifier == ticket of the order that opened it."""

    __slots__ = ("ticket", "state", "type", "volume", "price_open", "sl", "tp", "magic",
                 "comment", "reason", "time_msc", "update_msc")

    def __init__(self, ticket: int, state: SymbolState, type_: int, volume: float,
                 price_open: float, sl: float, tp: float, magic: int, comment: str,
                 reason: int, time_msc: int) -> None:
        self.ticket = ticket
        self.state = state
        self.type = type_
        self.volume = volume
        self.price_open = price_open
        self.sl = sl
        self.tp = tp
        self.magic = magic
        self.comment = comment
        self.reason = reason
        self.time_msc = time_msc
        self.update_msc = time_msc

    @property
    def is_long(self) -> bool:
        return self.type == c.POSITION_TYPE_BUY

    def close_price(self) -> float:
        """Longs close on the bid, shorts on the ask."""
        return self.state.rbid() if self.is_long else self.state.rask()


class Converter:
    """Quote-currency amounts to USD, through the terminal's own quotes where it has them."""

    def __init__(self, states: Iterable[SymbolState]) -> None:
        self._direct: dict[str, SymbolState] = {}  # XXX -> XXXUSD
        self._inverse: dict[str, SymbolState] = {}  # XXX -> USDXXX
        for st in states:
            if st.profit_ccy == "USD":
                self._direct[st.base] = st
            elif st.base == "USD":
                self._inverse[st.profit_ccy] = st

    def usd_per_unit(self, st: SymbolState) -> float:
        """USD value of one unit of `st`'s profit currency, at current quotes."""
        ccy = st.profit_ccy
        if ccy == "USD":
            return 1.0
        pair = self._direct.get(ccy)
        if pair is not None and pair.has_quote:
            return pair.rbid()
        pair = self._inverse.get(ccy)
        if pair is not None and pair.has_quote:
            return 1.0 / pair.rbid()
        return st.spec.usd_per_quote_unit()

    def to_usd(self, st: SymbolState, amount: float, price: float) -> float:
        if st.profit_ccy == "USD":
            return amount
        if st.base == "USD":
            return amount / price  # USDJPY, USDCAD: the symbol's own price converts
        return amount * self.usd_per_unit(st)

    def profit(self, st: SymbolState, type_: int, volume: float, price_open: float,
               price_close: float) -> float:
        side = 1.0 if type_ == c.POSITION_TYPE_BUY else -1.0
        raw = (price_close - price_open) * side * volume * st.contract
        return round(self.to_usd(st, raw, price_close), 2)

    def margin(self, st: SymbolState, volume: float, price: float, leverage: int) -> float:
        return self.to_usd(st, volume * st.contract * price / leverage, price)

    def tick_value(self, st: SymbolState) -> float:
        """USD result of a one-tick move on one lot."""
        price = st.rbid() if st.has_quote else 0.0
        if st.base == "USD" and price <= 0.0:
            return st.point * st.contract * st.spec.usd_per_quote_unit()
        return self.to_usd(st, st.point * st.contract, price)


class Book:
    """Balance, open positions and history. Mutated only under the terminal lock."""

    def __init__(self, balance: float, time_msc: int) -> None:
        self.balance = round(balance, 2)
        self.positions: dict[int, SimPosition] = {}
        self.deals: list[TradeDeal] = []
        self.orders: list[TradeOrder] = []
        self.closed_ids: set[int] = set()
        self.next_order = FIRST_ORDER_TICKET
        self.next_deal = FIRST_DEAL_TICKET
        self.next_request = 1
        self.version = 0
        self.deals.append(TradeDeal(self._deal_ticket(), 0, time_msc // 1000, time_msc,
                                    c.DEAL_TYPE_BALANCE, c.DEAL_ENTRY_IN, 0, 0,
                                    c.DEAL_REASON_CLIENT, 0.0, 0.0, 0.0, 0.0, self.balance,
                                    0.0, "", "Deposit", ""))

    def _order_ticket(self) -> int:
        ticket = self.next_order
        self.next_order += 1
        return ticket

    def _deal_ticket(self) -> int:
        ticket = self.next_deal
        self.next_deal += 1
        return ticket

    def request_id(self) -> int:
        rid = self.next_request
        self.next_request += 1
        return rid

    def open(self, st: SymbolState, type_: int, volume: float, price: float, sl: float,
             tp: float, magic: int, comment: str, filling: int) -> tuple[int, int]:
        """Fill a market order that opens a position; returns (order, deal) tickets."""
        t_msc = st.time_msc
        ticket = self._order_ticket()
        order_reason = c.ORDER_REASON_EXPERT if magic else c.ORDER_REASON_CLIENT
        pos = SimPosition(ticket, st, type_, volume, price, sl, tp, magic, comment,
                          c.POSITION_REASON_EXPERT if magic else c.POSITION_REASON_CLIENT, t_msc)
        self.positions[ticket] = pos
        st.positions.append(pos)
        st.recompute_thresholds()
        self.orders.append(self._history_order(ticket, pos, type_, volume, price, filling,
                                               order_reason, magic, comment, t_msc))
        deal = self._deal_ticket()
        self.deals.append(TradeDeal(deal, ticket, t_msc // 1000, t_msc, type_, c.DEAL_ENTRY_IN,
                                    magic, ticket, order_reason, volume, price, 0.0, 0.0, 0.0,
                                    0.0, st.name, comment, ""))
        self.version += 1
        return ticket, deal

    def close(self, pos: SimPosition, volume: float, price: float, reason: int, magic: int,
              comment: str, filling: int, converter: Converter, t_msc: int) -> tuple[int, int]:
        """Fill the deal that closes `volume` of `pos` (all of it or part); (order, deal)."""
        st = pos.state
        type_ = c.ORDER_TYPE_SELL if pos.is_long else c.ORDER_TYPE_BUY
        profit = converter.profit(st, pos.type, volume, pos.price_open, price)
        ticket = self._order_ticket()
        self.orders.append(self._history_order(ticket, pos, type_, volume, price, filling,
                                               reason, magic, comment, t_msc))
        deal = self._deal_ticket()
        self.deals.append(TradeDeal(deal, ticket, t_msc // 1000, t_msc, type_, c.DEAL_ENTRY_OUT,
                                    magic, pos.ticket, reason, volume, price, 0.0, 0.0,
                                    profit, 0.0, st.name, comment, ""))
        self.balance = round(self.balance + profit, 2)
        remaining = round(pos.volume - volume, 8)
        if remaining <= 0.0:
            del self.positions[pos.ticket]
            st.positions.remove(pos)
            self.closed_ids.add(pos.ticket)
            st.recompute_thresholds()
        else:
            pos.volume = remaining
            pos.update_msc = t_msc
        self.version += 1
        return ticket, deal

    def modify(self, pos: SimPosition, sl: float, tp: float, t_msc: int) -> None:
        pos.sl = sl
        pos.tp = tp
        pos.update_msc = t_msc
        pos.state.recompute_thresholds()
        self.version += 1

    @staticmethod
    def _history_order(ticket: int, pos: SimPosition, type_: int, volume: float, price: float,
                       filling: int, reason: int, magic: int, comment: str,
                       t_msc: int) -> TradeOrder:
        t = t_msc // 1000
        return TradeOrder(ticket, t, t_msc, t, t_msc, 0, type_, c.ORDER_TIME_GTC, filling,
                          c.ORDER_STATE_FILLED, magic, pos.ticket, 0, reason, volume, 0.0, price,
                          pos.sl, pos.tp, price, 0.0, pos.state.name, comment, "")

    def snapshot(self, pos: SimPosition, converter: Converter) -> TradePosition:
        price = pos.close_price()
        profit = converter.profit(pos.state, pos.type, pos.volume, pos.price_open, price)
        return TradePosition(pos.ticket, pos.time_msc // 1000, pos.time_msc, pos.update_msc // 1000,
                             pos.update_msc, pos.type, pos.magic, pos.ticket, pos.reason,
                             pos.volume, pos.price_open, pos.sl, pos.tp, price, 0.0, profit,
                             pos.state.name, pos.comment, "")

    def money(self, converter: Converter, leverage: int) -> tuple[float, float, float]:
        """(floating profit, equity, margin) at current quotes."""
        floating = 0.0
        margin = 0.0
        for pos in self.positions.values():
            st = pos.state
            floating += converter.profit(st, pos.type, pos.volume, pos.price_open,
                                         pos.close_price())
            margin += converter.margin(st, pos.volume, st.rbid(), leverage)
        floating = round(floating, 2)
        return floating, round(self.balance + floating, 2), round(margin, 2)
