"""MT5Broker: the async Broker port over the MetaTrader5 module or the simulated terminal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from core.brokers import tagging
from core.brokers.port import BrokerError
from core.brokers.sim import constants as c
from core.config.settings import Mt5Settings, SymbolsSettings
from core.domain.enums import Direction
from core.domain.orders import Account, Deal, OrderIntent, OrderResult, Position, Quote
from core.domain.symbols import round_down_lot

log = logging.getLogger(__name__)
T = TypeVar("T")

WORKER_NAME = "mt5-worker"
HISTORY_END = datetime(2100, 1, 1, tzinfo=UTC)
_OK_RETCODES = frozenset({c.TRADE_RETCODE_DONE, c.TRADE_RETCODE_DONE_PARTIAL,
                          c.TRADE_RETCODE_PLACED})
_FILLING_BY_NAME = {"FOK": c.ORDER_FILLING_FOK, "IOC": c.ORDER_FILLING_IOC,
                    "RETURN": c.ORDER_FILLING_RETURN}
_ENTRY = {c.DEAL_ENTRY_IN: "IN", c.DEAL_ENTRY_OUT: "OUT", c.DEAL_ENTRY_INOUT: "INOUT",
          c.DEAL_ENTRY_OUT_BY: "OUT_BY"}
_REASON = {c.DEAL_REASON_CLIENT: "CLIENT", c.DEAL_REASON_MOBILE: "MOBILE",
           c.DEAL_REASON_WEB: "WEB", c.DEAL_REASON_EXPERT: "EXPERT", c.DEAL_REASON_SL: "SL",
           c.DEAL_REASON_TP: "TP", c.DEAL_REASON_SO: "SO"}


class _ConnectFailed(Exception):
    """One connection attempt failed (retried by tenacity)."""


class ApiFailure(BrokerError):
    """A terminal call returned None; `code` is its last_error code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Refused(Exception):
    """A request was refused before reaching order_send; carries the result to return."""

    def __init__(self, result: OrderResult) -> None:
        super().__init__(result.message)
        self.result = result


def retcode_message(retcode: int, comment: str = "") -> str:
    name = c.RETCODE_NAMES.get(retcode, "UNKNOWN")
    return f"{name} ({retcode}): {comment}" if comment else f"{name} ({retcode})"


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def filling_for(mask: int, override: str | None = None) -> int:
    """ORDER_FILLING_* for a symbol's SYMBOL_FILLING_* mask (the classic 10030 pitfall)."""
    if override:
        return _FILLING_BY_NAME[override]
    if mask & c.SYMBOL_FILLING_FOK:
        return c.ORDER_FILLING_FOK
    if mask & c.SYMBOL_FILLING_IOC:
        return c.ORDER_FILLING_IOC
    return c.ORDER_FILLING_RETURN


class MT5Broker:
    """Every api call runs on one dedicated worker thread (MetaTrader5 is blocking and not
    thread-safe), or inline in the caller when `inline=True` (offline replays)."""

    def __init__(self, api: Any, mt5: Mt5Settings | None = None,
                 symbols: SymbolsSettings | None = None, *, login: int | None = None,
                 password: str | None = None, server: str | None = None,
                 path: str | None = None, executor: Executor | None = None,
                 inline: bool = False, name: str = "mt5", timeout_ms: int = 60_000) -> None:
        self.api = api
        self.name = name
        self.settings = mt5 if mt5 is not None else Mt5Settings.model_validate({})
        symbols = symbols if symbols is not None else SymbolsSettings.model_validate({})
        self._to_broker = dict(symbols.mapping)
        self._to_canonical = {broker: canon for canon, broker in self._to_broker.items()}
        self._credentials = (login, password, server, path, timeout_ms)
        self._executor = executor
        self._own_executor = executor is None
        self._inline = inline
        self._selected: set[str] = set()
        self._connected = False

    # ---- plumbing -----------------------------------------------------------------------

    def broker_symbol(self, symbol: str) -> str:
        return self._to_broker.get(symbol, symbol)

    def canonical_symbol(self, broker_symbol: str) -> str:
        return self._to_canonical.get(broker_symbol, broker_symbol)

    def _worker(self) -> Executor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WORKER_NAME)
        return self._executor

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._inline:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._worker(), fn, *args)

    def _error(self, what: str) -> tuple[int, str]:
        """Read last_error right after the failing call (it is global terminal state)."""
        code, text = self.api.last_error()
        if code in c.IPC_ERRORS:
            self._connected = False
        return code, f"{what} failed: {text} ({code})"

    def _need(self, value: T | None, what: str) -> T:
        if value is None:
            raise ApiFailure(*self._error(what))
        return value

    def _rows(self, value: tuple[Any, ...] | None, what: str) -> tuple[Any, ...]:
        """List calls: some terminal builds answer "nothing" with None and last_error OK."""
        if value is None:
            code, text = self._error(what)
            if code == c.RES_S_OK:
                return ()
            raise ApiFailure(code, text)
        return value

    @property
    def connected(self) -> bool:
        return self._connected

    # ---- session ------------------------------------------------------------------------

    async def connect(self, attempts: int | None = None) -> None:
        """`attempts` overrides mt5.connect_retries (the connection watchdog counts its own)."""
        attempts = attempts or self.settings.connect_retries
        retrying = AsyncRetrying(stop=stop_after_attempt(attempts),
                                 wait=wait_fixed(self.settings.connect_retry_delay_seconds),
                                 retry=retry_if_exception_type(_ConnectFailed), reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    await self._call(self._connect_sync)
        except _ConnectFailed as exc:
            raise BrokerError(f"MT5 connection failed after {attempts} attempts: {exc}") from exc
        if self.settings.require_hedging and not await self.hedging():
            raise BrokerError("the MT5 account is not a hedging account "
                              "(account_info().margin_mode != RETAIL_HEDGING)")

    def _connect_sync(self) -> None:
        login, password, server, path, timeout = self._credentials
        kwargs: dict[str, Any] = {"timeout": timeout}
        if path:
            kwargs["path"] = path
        if not self.api.initialize(**kwargs):
            code, text = self.api.last_error()
            raise _ConnectFailed(f"initialize: {text} ({code})")
        if login is not None:
            extra = {k: v for k, v in (("password", password), ("server", server)) if v}
            if not self.api.login(login, timeout=timeout, **extra):
                code, text = self.api.last_error()
                self.api.shutdown()
                raise _ConnectFailed(f"login {login}: {text} ({code})")
        self._selected.clear()
        self._connected = True
        log.info("MT5 connected (%s)", self.name)

    async def shutdown(self) -> None:
        await self._call(self.api.shutdown)
        self._connected = False
        if self._own_executor and self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def hedging(self) -> bool:
        """True when the account may hold several positions per symbol (required live)."""
        info = await self._call(lambda: self._need(self.api.account_info(), "account_info"))
        return bool(info.margin_mode == c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)

    # ---- reads --------------------------------------------------------------------------

    @staticmethod
    def _account(a: Any) -> Account:
        return Account(login=a.login, balance=a.balance, equity=a.equity, margin=a.margin,
                       margin_free=a.margin_free, margin_level=a.margin_level,
                       profit=a.profit, currency=a.currency, leverage=a.leverage,
                       server=a.server,
                       hedging=a.margin_mode == c.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING)

    async def account(self) -> Account:
        raw = await self._call(lambda: self._need(self.api.account_info(), "account_info"))
        return self._account(raw)

    def _select(self, symbol: str) -> Any:
        """symbol_info after making sure the symbol is in Market Watch (first use)."""
        if symbol not in self._selected:
            if not self.api.symbol_select(symbol, True):
                raise ApiFailure(*self._error(f"symbol_select({symbol})"))
            self._selected.add(symbol)
        return self._need(self.api.symbol_info(symbol), f"symbol_info({symbol})")

    def _quote_sync(self, symbol: str) -> Quote:
        broker = self.broker_symbol(symbol)
        self._select(broker)
        tick = self._need(self.api.symbol_info_tick(broker), f"symbol_info_tick({broker})")
        return Quote(symbol, tick.bid, tick.ask, _utc(tick.time_msc / 1000))

    async def quote(self, symbol: str) -> Quote:
        return await self._call(self._quote_sync, symbol)

    def _position(self, p: Any) -> Position:
        return Position(
            ticket=p.ticket, symbol=self.canonical_symbol(p.symbol),
            direction=Direction.BUY if p.type == c.POSITION_TYPE_BUY else Direction.SELL,
            volume=p.volume, price_open=p.price_open, sl=p.sl or None, tp=p.tp or None,
            price_current=p.price_current, profit=p.profit, magic=p.magic, comment=p.comment,
            time=_utc(p.time_msc / 1000), swap=p.swap)

    def _deal(self, d: Any) -> Deal:
        return Deal(
            ticket=d.ticket, order=d.order, position_id=d.position_id,
            symbol=self.canonical_symbol(d.symbol),
            direction=Direction.BUY if d.type == c.DEAL_TYPE_BUY else Direction.SELL,
            entry=_ENTRY.get(d.entry, str(d.entry)), volume=d.volume, price=d.price,
            profit=d.profit, commission=d.commission, swap=d.swap, magic=d.magic,
            comment=d.comment, reason=_REASON.get(d.reason, str(d.reason)),
            time=_utc(d.time_msc / 1000))

    def _ours(self, magic: int) -> bool:
        return tagging.is_ours(magic, self.settings.magic_base)

    def _positions_sync(self) -> tuple[Position, ...]:
        raw = self._rows(self.api.positions_get(), "positions_get")
        return tuple(self._position(p) for p in raw if self._ours(p.magic))

    async def positions(self) -> tuple[Position, ...]:
        """Open positions carrying our magic range; everything else is never touched."""
        return await self._call(self._positions_sync)

    def _snapshot_sync(self) -> tuple[tuple[Position, ...], Account]:
        account = self._need(self.api.account_info(), "account_info")
        return self._positions_sync(), self._account(account)

    async def snapshot(self) -> tuple[tuple[Position, ...], Account]:
        """Open positions and the account in one terminal round trip (one consistent view)."""
        return await self._call(self._snapshot_sync)

    def _deals_sync(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        raw = self._rows(self.api.history_deals_get(since, until), "history_deals_get")
        return tuple(self._deal(d) for d in raw
                     if d.type in (c.DEAL_TYPE_BUY, c.DEAL_TYPE_SELL) and self._ours(d.magic))

    async def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        """Our trade deals (balance operations and foreign magics left out)."""
        return await self._call(self._deals_sync, since, until)

    def _position_deals_sync(self, ticket: int) -> tuple[Deal, ...]:
        raw = self._rows(self.api.history_deals_get(position=ticket), "history_deals_get")
        return tuple(self._deal(d) for d in raw
                     if d.type in (c.DEAL_TYPE_BUY, c.DEAL_TYPE_SELL) and self._ours(d.magic))

    async def position_deals(self, ticket: int) -> tuple[Deal, ...]:
        """Every deal of one position (its IN and OUT deals), whatever the clocks say."""
        return await self._call(self._position_deals_sync, ticket)

    def _find_sync(self, client_id: str, since: datetime) -> Position | Deal | None:
        for pos in self._positions_sync():
            if tagging.client_id_of(pos.comment) == client_id:
                return pos
        matches = [d for d in self._deals_sync(since, HISTORY_END)
                   if tagging.client_id_of(d.comment) == client_id]
        entries = [d for d in matches if d.entry == "IN"]
        best = entries or matches
        return best[0] if best else None

    async def find_by_client_id(self, client_id: str, since: datetime) -> Position | Deal | None:
        """The open position, else the deal, whose comment carries `client_id`."""
        return await self._call(self._find_sync, client_id, since)

    # ---- trading ------------------------------------------------------------------------

    def _filling(self, broker: str, info: Any) -> int:
        overrides = self.settings.filling_override
        override = overrides.get(self.canonical_symbol(broker)) or overrides.get(broker)
        return filling_for(int(info.filling_mode), override)

    def _send(self, request: dict[str, Any], ticket: int | None) -> OrderResult:
        result = self.api.order_send(request)
        if result is None:
            code, text = self.api.last_error()
            if code in c.IPC_ERRORS:
                self._connected = False
                log.warning("order_send: IPC failure %s (%s); outcome unknown", code, text)
                return OrderResult(False, code, f"IPC {text} ({code}): outcome unknown, look "
                                   "the order up by its client id before resending")
            return OrderResult(False, code, f"request refused by the terminal: {text} ({code})")
        retcode = int(result.retcode)
        ok = retcode in _OK_RETCODES or (retcode == c.TRADE_RETCODE_NO_CHANGES
                                         and request["action"] == c.TRADE_ACTION_SLTP)
        if ok and ticket is None and result.deal:
            opened = self.api.history_deals_get(ticket=result.deal)
            ticket = opened[0].position_id if opened else result.order
        elif ok and ticket is None:
            ticket = result.order or None
        return OrderResult(ok, retcode, retcode_message(retcode, result.comment),
                           ticket=ticket if ok else None, deal=result.deal or None,
                           price=result.price or None, volume=result.volume or None)

    def _place_sync(self, intent: OrderIntent) -> OrderResult:
        comment = intent.comment or intent.client_id
        if len(comment) > tagging.COMMENT_MAX:
            return OrderResult(False, c.RES_E_INVALID_PARAMS,
                               f"order comment over {tagging.COMMENT_MAX} characters: {comment!r}")
        broker = self.broker_symbol(intent.symbol)
        try:
            info = self._select(broker)
        except ApiFailure as exc:
            return OrderResult(False, exc.code, str(exc))
        buy = intent.direction is Direction.BUY
        tick = self.api.symbol_info_tick(broker)
        request = {
            "action": c.TRADE_ACTION_DEAL, "symbol": broker,
            "volume": round_down_lot(intent.volume, info.volume_step),
            "type": c.ORDER_TYPE_BUY if buy else c.ORDER_TYPE_SELL,
            "price": (tick.ask if buy else tick.bid) if tick is not None else 0.0,
            "sl": intent.sl or 0.0, "tp": intent.tp or 0.0,
            "deviation": self.settings.deviation_points, "magic": intent.magic,
            "comment": comment, "type_time": c.ORDER_TIME_GTC,
            "type_filling": self._filling(broker, info),
        }
        return self._send(request, None)

    async def place_market(self, intent: OrderIntent) -> OrderResult:
        """Market order at ask (BUY) / bid (SELL) with SL/TP, magic and the client id comment."""
        return await self._call(self._place_sync, intent)

    def _own_position(self, ticket: int) -> Any:
        found = self._rows(self.api.positions_get(ticket=ticket), "positions_get")
        if not found:
            raise _Refused(OrderResult(False, c.TRADE_RETCODE_POSITION_CLOSED, retcode_message(
                c.TRADE_RETCODE_POSITION_CLOSED, f"no open position #{ticket}")))
        pos = found[0]
        if not self._ours(pos.magic):
            raise _Refused(OrderResult(False, c.TRADE_RETCODE_INVALID, retcode_message(
                c.TRADE_RETCODE_INVALID, f"position #{ticket} has foreign magic {pos.magic}; "
                "it is never touched")))
        return pos

    def _close_sync(self, ticket: int, volume: float | None, comment: str) -> OrderResult:
        try:
            pos = self._own_position(ticket)
            info = self._select(pos.symbol)
        except _Refused as refused:
            return refused.result
        except ApiFailure as exc:
            return OrderResult(False, exc.code, str(exc))
        long = pos.type == c.POSITION_TYPE_BUY
        tick = self.api.symbol_info_tick(pos.symbol)
        amount = pos.volume if volume is None else round_down_lot(volume, info.volume_step)
        request = {
            "action": c.TRADE_ACTION_DEAL, "symbol": pos.symbol, "volume": amount,
            "type": c.ORDER_TYPE_SELL if long else c.ORDER_TYPE_BUY, "position": ticket,
            "price": (tick.bid if long else tick.ask) if tick is not None else 0.0,
            "deviation": self.settings.deviation_points, "magic": pos.magic,
            "comment": (comment or pos.comment)[:tagging.COMMENT_MAX],
            "type_time": c.ORDER_TIME_GTC, "type_filling": self._filling(pos.symbol, info),
        }
        return self._send(request, ticket)

    async def close_position(self, ticket: int, volume: float | None = None,
                             comment: str = "") -> OrderResult:
        """Close fully, or `volume` of it (an opposite deal naming the position)."""
        return await self._call(self._close_sync, ticket, volume, comment)

    def _modify_sync(self, ticket: int, sl: float | None, tp: float | None) -> OrderResult:
        try:
            pos = self._own_position(ticket)
        except _Refused as refused:
            return refused.result
        except ApiFailure as exc:
            return OrderResult(False, exc.code, str(exc))
        request = {"action": c.TRADE_ACTION_SLTP, "symbol": pos.symbol, "position": ticket,
                   "sl": sl or 0.0, "tp": tp or 0.0, "magic": pos.magic}
        return self._send(request, ticket)

    async def modify_position(self, ticket: int, sl: float | None,
                              tp: float | None) -> OrderResult:
        """Set the position's SL and TP (None removes one); NO_CHANGES counts as success."""
        return await self._call(self._modify_sync, ticket, sl, tp)
