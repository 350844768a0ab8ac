"""SimTerminal: a simulated MetaTrader 5 terminal with the MetaTrader5 package's functions."""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from core.brokers.sim import constants as c
from core.brokers.sim.book import Book, Converter
from core.brokers.sim.faults import FAULT_RETCODES, Fault, Faults
from core.brokers.sim.market import SymbolState, to_epoch
from core.brokers.sim.persistence import SimPersistence
from core.brokers.sim.queries import QueryApi
from core.brokers.sim.stops import (
    PATH_OFFSETS_MS,
    Trigger,
    bar_triggers,
    quote_triggers,
    stop_comment,
)
from core.brokers.sim.trading import Rejected, RequestError, TradeDesk, parse_request
from core.brokers.sim.types import OrderCheckResult, OrderSendResult, TradeRequest
from core.domain.symbols import DEFAULT_SYMBOLS, SymbolSpec

log = logging.getLogger(__name__)


class SimTerminal(QueryApi):
    """A hedging account on a simulated trade server, driven by pushed quotes and bars.

    API methods mirror the MetaTrader5 module (None means error, read last_error()). The
    simulator's own market is fed with push_quote() and push_bar(); symbols are broker names.
    """

    def __init__(
        self,
        state_path: Path | None = None,
        *,
        balance: float = 10_000.0,
        leverage: int = 100,
        symbols: Mapping[str, SymbolSpec] = DEFAULT_SYMBOLS,
        mapping: Mapping[str, str] | None = None,
        symbol_overrides: Mapping[str, Mapping[str, float]] | None = None,
        market_watch: Iterable[str] | None = None,
        login: int = 5_050_505,
        password: str | None = None,
        server: str = "V5-Simulator",
        max_bars: int = 500_000,
        durable: bool = True,
    ) -> None:
        mapping = dict(mapping or {})
        watch = None if market_watch is None else set(market_watch)
        states: dict[str, SymbolState] = {}
        for canonical, spec in symbols.items():
            name = mapping.get(canonical, canonical)
            states[name] = SymbolState(name, spec, watch is None or name in watch)
        for name, overrides in (symbol_overrides or {}).items():
            if name not in states:
                raise ValueError(f"symbol_overrides names unknown broker symbol {name!r}")
            states[name].apply_overrides(overrides)
        self._states = states
        self._lock = threading.RLock()
        self._login, self._password, self._server = login, password, server
        self._leverage = leverage
        self._max_bars = max_bars
        self._trim_at = max_bars + max(max_bars // 4, 1)
        self._state_path = state_path
        self._durable = durable
        self._persistence = SimPersistence(state_path, durable) if state_path else None
        self._initialized = False
        self._error: tuple[int, str] = (c.RES_S_OK, c.ERROR_TEXT[c.RES_S_OK])
        self._now = 0.0  # the terminal clock: newest quote time seen, epoch seconds
        self.faults = Faults()
        self.api_threads: set[int] = set()  # idents of threads that called the API
        self._converter = Converter(states.values())
        self._book = Book(balance, int(_time.time() * 1000))
        if state_path is not None:
            self._load(state_path, balance)
        for st in states.values():
            if st.has_quote:
                self._now = max(self._now, st.time_msc / 1000)
        self._desk = TradeDesk(states, self._book, self._converter, leverage, lambda: self._now)

    # ---- simulator controls (not part of the MT5 API) -----------------------------------

    @property
    def symbols(self) -> dict[str, SymbolSpec]:
        """Broker symbol name -> the SymbolSpec it was configured from."""
        return {name: st.spec for name, st in self._states.items()}

    @property
    def state_version(self) -> int:
        """Bumps on every change of positions, deals or balance (not on floating P&L)."""
        return self._book.version

    @property
    def now(self) -> float:
        """The terminal clock: newest quote time seen, epoch seconds."""
        return self._now

    def restore(self) -> None:
        """End an injected disconnect."""
        with self._lock:
            self.faults.restore()

    def push_quote(self, symbol: str, bid: float, ask: float,
                   time: datetime | float | int) -> None:
        """A new bid/ask for a broker symbol; stop-losses and take-profits trigger on it."""
        st = self._states[symbol]
        if not 0.0 < bid <= ask:
            raise ValueError(f"bad quote for {symbol}: bid {bid} ask {ask}")
        secs = to_epoch(time)
        with self._lock:
            st.bid = bid
            st.ask = ask
            st.time_msc = int(secs * 1000)
            st.has_quote = True
            st.ticks += 1
            if secs > self._now:
                self._now = secs
            st.record_tick(int(secs), bid, round((ask - bid) / st.point))
            if len(st.b_time) > self._trim_at:
                st.trim_history(self._max_bars)
            if st.watch and (bid <= st.long_sl or bid >= st.long_tp or ask >= st.short_sl
                             or ask <= st.short_tp):
                self._fill_stops(quote_triggers(st), st.time_msc, None)

    def push_bar(self, symbol: str, time: int | float | datetime, open: float, high: float,
                 low: float, close: float, spread_points: int = 0, volume: int = 0) -> None:
        """An M1 bid bar (replay fast path). The quote becomes close / close + spread at the
        bar's last second; stops trigger along the documented intrabar path (see stops.py)."""
        st = self._states[symbol]
        t = time if time.__class__ is int else int(to_epoch(time))  # type: ignore[arg-type]
        if spread_points.__class__ is not int:
            spread_points = int(round(spread_points))
        spx = spread_points * st.point
        with self._lock:
            if t > st.bar_time:
                st.append_bar(t, open, high, low, close, spread_points, volume)
                if len(st.b_time) > self._trim_at:
                    st.trim_history(self._max_bars)
            elif t == st.bar_time:
                st.replace_last_bar(open, high, low, close, spread_points, volume)
            else:
                raise ValueError(f"{symbol} bar at {t} is older than the last bar {st.bar_time}")
            st.bid = close
            st.ask = close + spx
            last = t + 59
            st.time_msc = last * 1000
            st.has_quote = True
            if last > self._now:
                self._now = last
            if st.watch and (low <= st.long_sl or high >= st.long_tp
                             or high + spx >= st.short_sl or low + spx <= st.short_tp):
                self._fill_stops(bar_triggers(st, open, high, low, close, spx), t * 1000,
                                 PATH_OFFSETS_MS)

    def _fill_stops(self, triggers: list[Trigger], base_msc: int,
                    offsets: tuple[int, ...] | None) -> None:
        if not triggers:
            return
        book = self._book
        for k, pos, reason, price in triggers:
            level = pos.sl if reason == c.DEAL_REASON_SL else pos.tp
            comment = stop_comment(reason, level, pos.state.digits)
            t_msc = base_msc + offsets[k] if offsets is not None else base_msc
            book.close(pos, pos.volume, price, reason, pos.magic, comment, c.ORDER_FILLING_FOK,
                       self._converter, t_msc)
        self._save()

    # ---- session ------------------------------------------------------------------------

    def _auth(self, login: int | None, password: str | None, server: str | None) -> bool:
        if login is None:
            return True  # the last account the terminal used
        if login != self._login or (server is not None and server != self._server):
            return False
        return self._password is None or password == self._password

    def initialize(self, path: str | None = None, *, login: int | None = None,
                   password: str | None = None, server: str | None = None,
                   timeout: int | None = None, portable: bool = False) -> bool:
        with self._lock:
            self.api_threads.add(threading.get_ident())
            if self.faults.disconnected:
                self._fail(c.RES_E_INTERNAL_FAIL_CONNECT)
                return False
            if not self._auth(login, password, server):
                self._fail(c.RES_E_AUTH_FAILED)
                return False
            self._initialized = True
            self._error = (c.RES_S_OK, "Success")
            return True

    def login(self, login: int, password: str | None = None, server: str | None = None,
              timeout: int | None = None) -> bool:
        with self._lock:
            if not self._ready():
                return False
            if not self._auth(login, password, server):
                self._fail(c.RES_E_AUTH_FAILED)
                return False
            return True

    def shutdown(self) -> None:
        with self._lock:
            self.api_threads.add(threading.get_ident())
            self._initialized = False

    def last_error(self) -> tuple[int, str]:
        return self._error

    def version(self) -> tuple[int, int, str] | None:
        with self._lock:
            return (500, 5000, "V5 simulator") if self._ready() else None

    # ---- trading ------------------------------------------------------------------------

    def _request(self, request: dict[str, Any]) -> TradeRequest | None:
        """A checked request, or None with last_error set (caller holds the lock)."""
        if not self._ready():
            return None
        try:
            return parse_request(request)
        except RequestError as exc:
            self._fail(c.RES_E_INVALID_PARAMS, str(exc))
            return None

    def order_send(self, request: dict[str, Any]) -> OrderSendResult | None:
        with self._lock:
            req = self._request(request)
            if req is None:
                return None
            desk = self._desk
            st = desk.symbol_of(req)
            fault = self.faults.take(st.name) if st is not None else None
            if fault is Fault.IPC_TIMEOUT_BEFORE:
                self._fail(c.RES_E_INTERNAL_FAIL_TIMEOUT)
                return None
            if fault is not None and fault in FAULT_RETCODES:
                return desk.result(FAULT_RETCODES[fault], req, st)
            try:
                plan = desk.plan(req)
            except Rejected as rej:
                result = desk.result(rej.retcode, req, st)
            else:
                result = desk.execute(req, plan)
                self._save()
            if fault is Fault.IPC_TIMEOUT_AFTER:
                self._fail(c.RES_E_INTERNAL_FAIL_TIMEOUT)
                return None
            return result

    def order_check(self, request: dict[str, Any]) -> OrderCheckResult | None:
        with self._lock:
            req = self._request(request)
            return None if req is None else self._desk.check(req)

    # ---- market data --------------------------------------------------------------------

    def copy_rates_from_pos(self, symbol: str, timeframe: int, start_pos: int,
                            count: int) -> np.ndarray | None:
        with self._lock:
            if not self._ready():
                return None
            st = self._states.get(symbol)
            seconds = c.TIMEFRAME_SECONDS.get(timeframe)
            if st is None or seconds is None or count <= 0 or start_pos < 0:
                self._fail(c.RES_E_INVALID_PARAMS)
                return None
            rates = st.rates_from_pos(seconds, start_pos, count)
            if rates is None:
                self._fail(c.RES_E_NOT_FOUND)
            return rates

    def copy_rates_range(self, symbol: str, timeframe: int, date_from: datetime | int,
                         date_to: datetime | int) -> np.ndarray | None:
        with self._lock:
            if not self._ready():
                return None
            st = self._states.get(symbol)
            seconds = c.TIMEFRAME_SECONDS.get(timeframe)
            if st is None or seconds is None:
                self._fail(c.RES_E_INVALID_PARAMS)
                return None
            return st.rates_range(seconds, int(to_epoch(date_from)), int(to_epoch(date_to)))

    # ---- persistence --------------------------------------------------------------------

    def _save(self) -> None:
        if self._state_path is None:
            return
        assert self._persistence is not None
        self._persistence.save(self._book, self._states, self._login)

    def _load(self, path: Path, balance: float) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("simulator state %s unreadable (%s); starting a fresh account", path, exc)
            return
        try:
            assert self._persistence is not None
            self._persistence.load(text, self._states, self._book)
        except ValueError as exc:
            stamp = int(_time.time())
            aside = path.with_name(f"{path.name}.corrupt-{stamp}")
            path.replace(aside)
            assert self._persistence is not None
            history = self._persistence.history_path
            if history.exists():
                history.replace(history.with_name(f"{history.name}.corrupt-{stamp}"))
            self._persistence.saved_deals = self._persistence.saved_orders = 0
            log.warning("simulator state %s is corrupt (%s); kept as %s, starting a fresh "
                        "account with balance %.2f", path, exc, aside.name, balance)
            self._book = Book(balance, int(_time.time() * 1000))
