"""The read side of the simulated terminal's MT5 API: session gate, account, symbols, history."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from core.brokers.sim import constants as c
from core.brokers.sim.book import Book, Converter
from core.brokers.sim.faults import Faults
from core.brokers.sim.market import SymbolState, group_matches, to_epoch
from core.brokers.sim.trading import margin_level
from core.brokers.sim.types import (
    AccountInfo,
    SymbolInfo,
    TerminalInfo,
    Tick,
    TradeDeal,
    TradeOrder,
    TradePosition,
)

_H = TypeVar("_H", TradeDeal, TradeOrder)


def symbol_info_of(st: SymbolState, converter: Converter) -> SymbolInfo:
    bid = st.rbid() if st.has_quote else 0.0
    ask = st.rask() if st.has_quote else 0.0
    tick_value = converter.tick_value(st)
    spec = st.spec
    return SymbolInfo(
        custom=False, chart_mode=c.SYMBOL_CHART_MODE_BID, select=st.selected,
        visible=st.selected, session_deals=0, session_buy_orders=0, session_sell_orders=0,
        volume=0, volumehigh=0, volumelow=0, time=st.time_msc // 1000, digits=st.digits,
        spread=st.spread_points, spread_float=True, ticks_bookdepth=0,
        trade_calc_mode=c.SYMBOL_CALC_MODE_FOREX if spec.contract_size >= 100_000
        else c.SYMBOL_CALC_MODE_CFD,
        trade_mode=st.trade_mode, start_time=0, expiration_time=0,
        trade_stops_level=st.trade_stops_level, trade_freeze_level=st.trade_freeze_level,
        trade_exemode=st.trade_exemode, swap_mode=0, swap_rollover3days=3,
        margin_hedged_use_leg=False, expiration_mode=15, filling_mode=st.filling_mode,
        order_mode=127, order_gtc_mode=0, option_mode=0, option_right=0,
        bid=bid, bidhigh=bid, bidlow=bid, ask=ask, askhigh=ask, asklow=ask,
        last=0.0, lasthigh=0.0, lastlow=0.0, volume_real=0.0, volumehigh_real=0.0,
        volumelow_real=0.0, option_strike=0.0, point=st.point,
        trade_tick_value=tick_value, trade_tick_value_profit=tick_value,
        trade_tick_value_loss=tick_value, trade_tick_size=st.point,
        trade_contract_size=st.contract, trade_accrued_interest=0.0, trade_face_value=0.0,
        trade_liquidity_rate=0.0, volume_min=st.volume_min, volume_max=st.volume_max,
        volume_step=st.volume_step, volume_limit=0.0, swap_long=0.0, swap_short=0.0,
        margin_initial=0.0, margin_maintenance=0.0, session_volume=0.0, session_turnover=0.0,
        session_interest=0.0, session_buy_orders_volume=0.0, session_sell_orders_volume=0.0,
        session_open=0.0, session_close=0.0, session_aw=0.0, session_price_settlement=0.0,
        session_price_limit_min=0.0, session_price_limit_max=0.0, margin_hedged=st.contract,
        price_change=0.0, price_volatility=0.0, price_theoretical=0.0, price_greeks_delta=0.0,
        price_greeks_theta=0.0, price_greeks_gamma=0.0, price_greeks_vega=0.0,
        price_greeks_rho=0.0, price_greeks_omega=0.0, price_sensitivity=0.0, basis="",
        category="", currency_base=st.base, currency_profit=st.profit_ccy,
        currency_margin=st.margin_ccy, bank="", description=f"{spec.name} (simulated)",
        exchange="", formula="", isin="", name=st.name, page="",
        path=f"Simulated\\{st.name}",
    )


class QueryApi:
    """Session gate and read-only calls; SimTerminal adds the session, trading and the feed."""

    _lock: threading.RLock
    _states: dict[str, SymbolState]
    _book: Book
    _converter: Converter
    _leverage: int
    _login: int
    _server: str
    _max_bars: int
    _initialized: bool
    _error: tuple[int, str]
    faults: Faults
    api_threads: set[int]

    def _fail(self, code: int, text: str | None = None) -> None:
        self._error = (code, text or c.ERROR_TEXT[code])

    def _ready(self) -> bool:
        """Gate of every API call: record the caller, refuse without an IPC session."""
        self.api_threads.add(threading.get_ident())
        if self.faults.disconnected or not self._initialized:
            self._fail(c.RES_E_INTERNAL_FAIL_CONNECT)
            return False
        self._error = (c.RES_S_OK, "Success")
        return True

    def _symbol(self, symbol: str) -> SymbolState | None:
        st = self._states.get(symbol)
        if st is None:
            self._fail(c.RES_E_NOT_FOUND)
        return st

    # ---- account and terminal -----------------------------------------------------------

    def account_info(self) -> AccountInfo | None:
        with self._lock:
            if not self._ready():
                return None
            book = self._book
            floating, equity, margin = book.money(self._converter, self._leverage)
            return AccountInfo(
                login=self._login, trade_mode=c.ACCOUNT_TRADE_MODE_DEMO, leverage=self._leverage,
                limit_orders=200, margin_so_mode=c.ACCOUNT_STOPOUT_MODE_PERCENT,
                trade_allowed=True, trade_expert=True,
                margin_mode=c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING, currency_digits=2,
                fifo_close=False, balance=book.balance, credit=0.0, profit=floating,
                equity=equity, margin=margin, margin_free=round(equity - margin, 2),
                margin_level=margin_level(equity, margin), margin_so_call=50.0,
                margin_so_so=30.0, margin_initial=0.0, margin_maintenance=0.0, assets=0.0,
                liabilities=0.0, commission_blocked=0.0, name="V5 paper account",
                server=self._server, currency="USD", company="V5 simulator",
            )

    def terminal_info(self) -> TerminalInfo | None:
        with self._lock:
            if not self._ready():
                return None
            return TerminalInfo(
                community_account=False, community_connection=False, connected=True,
                dlls_allowed=False, trade_allowed=True, tradeapi_disabled=False,
                email_enabled=False, ftp_enabled=False, notifications_enabled=False, mqid=False,
                build=5000, maxbars=self._max_bars, codepage=0, ping_last=0,
                community_balance=0.0, retransmission=0.0, company="V5 simulator",
                name="SimTerminal", language="English", path="", data_path="",
                commondata_path="",
            )

    # ---- symbols ------------------------------------------------------------------------

    def symbols_total(self) -> int | None:
        with self._lock:
            return len(self._states) if self._ready() else None

    def symbols_get(self, group: str | None = None) -> tuple[SymbolInfo, ...] | None:
        with self._lock:
            if not self._ready():
                return None
            return tuple(symbol_info_of(st, self._converter) for name, st in self._states.items()
                         if group_matches(name, group))

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        with self._lock:
            if not self._ready():
                return None
            st = self._symbol(symbol)
            return symbol_info_of(st, self._converter) if st is not None else None

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        with self._lock:
            if not self._ready():
                return None
            st = self._symbol(symbol)
            if st is None:
                return None
            if not st.selected or not st.has_quote:
                self._fail(c.RES_E_NOT_FOUND)  # outside Market Watch: the terminal has no ticks
                return None
            t_msc = st.time_msc
            return Tick(t_msc // 1000, st.rbid(), st.rask(), 0.0, 0, t_msc,
                        c.TICK_FLAG_BID | c.TICK_FLAG_ASK, 0.0)

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        with self._lock:
            if not self._ready():
                return False
            st = self._symbol(symbol)
            if st is None:
                return False
            if not enable and st.positions:
                self._fail(c.RES_E_FAIL)  # MT5 keeps symbols with open positions in Market Watch
                return False
            st.selected = enable
            return True

    # ---- open positions and orders ------------------------------------------------------

    def positions_total(self) -> int | None:
        with self._lock:
            return len(self._book.positions) if self._ready() else None

    def positions_get(self, symbol: str | None = None, group: str | None = None,
                      ticket: int | None = None) -> tuple[TradePosition, ...] | None:
        with self._lock:
            if not self._ready():
                return None
            book = self._book
            out = []
            for pos in book.positions.values():
                name = pos.state.name
                if ticket is not None and pos.ticket != ticket:
                    continue
                if (symbol is not None and name != symbol) or not group_matches(name, group):
                    continue
                out.append(book.snapshot(pos, self._converter))
            return tuple(out)

    def orders_total(self) -> int | None:
        with self._lock:
            return 0 if self._ready() else None

    def orders_get(self, symbol: str | None = None, group: str | None = None,
                   ticket: int | None = None) -> tuple[TradeOrder, ...] | None:
        """Pending orders: the simulator places none, so this is always empty."""
        with self._lock:
            return () if self._ready() else None

    # ---- history ------------------------------------------------------------------------

    def _history(self, rows: Sequence[_H], date_from: datetime | int | None,
                 date_to: datetime | int | None, group: str | None, ticket: int | None,
                 position: int | None) -> tuple[_H, ...] | None:
        if ticket is not None:
            return tuple(r for r in rows if r.ticket == ticket)
        if position is not None:
            return tuple(r for r in rows if r.position_id == position)
        if date_from is None or date_to is None:
            self._fail(c.RES_E_INVALID_PARAMS)
            return None
        lo, hi = to_epoch(date_from), to_epoch(date_to)
        out = []
        for r in rows:
            t = r.time if isinstance(r, TradeDeal) else r.time_done
            if lo <= t <= hi and (group is None or group_matches(r.symbol, group)):
                out.append(r)
        return tuple(out)

    def history_deals_get(self, date_from: datetime | int | None = None,
                          date_to: datetime | int | None = None, group: str | None = None,
                          ticket: int | None = None,
                          position: int | None = None) -> tuple[TradeDeal, ...] | None:
        with self._lock:
            if not self._ready():
                return None
            return self._history(self._book.deals, date_from, date_to, group, ticket, position)

    def history_orders_get(self, date_from: datetime | int | None = None,
                           date_to: datetime | int | None = None, group: str | None = None,
                           ticket: int | None = None,
                           position: int | None = None) -> tuple[TradeOrder, ...] | None:
        with self._lock:
            if not self._ready():
                return None
            return self._history(self._book.orders, date_from, date_to, group, ticket, position)

    def history_deals_total(self, date_from: datetime | int,
                            date_to: datetime | int) -> int | None:
        deals = self.history_deals_get(date_from, date_to)
        return None if deals is None else len(deals)

    def history_orders_total(self, date_from: datetime | int,
                             date_to: datetime | int) -> int | None:
        orders = self.history_orders_get(date_from, date_to)
        return None if orders is None else len(orders)

    # ---- calculators --------------------------------------------------------------------

    def order_calc_margin(self, action: int, symbol: str, volume: float,
                          price: float) -> float | None:
        with self._lock:
            if not self._ready():
                return None
            st = self._symbol(symbol)
            if st is None or action not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
                return None
            return round(self._converter.margin(st, volume, price, self._leverage), 2)

    def order_calc_profit(self, action: int, symbol: str, volume: float, price_open: float,
                          price_close: float) -> float | None:
        with self._lock:
            if not self._ready():
                return None
            st = self._symbol(symbol)
            if st is None or action not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
                return None
            return self._converter.profit(st, action, volume, price_open, price_close)
