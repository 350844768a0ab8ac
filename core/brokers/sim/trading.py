"""Trade request parsing, validation with MT5 retcodes, and execution against the books."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.brokers.sim import constants as c
from core.brokers.sim.book import Book, Converter, SimPosition
from core.brokers.sim.market import SymbolState, weekend_closed
from core.brokers.sim.types import OrderCheckResult, OrderSendResult, TradeRequest

COMMENT_MAX = 31
_INT_FIELDS = frozenset({"action", "magic", "order", "deviation", "type", "type_filling",
                         "type_time", "expiration", "position", "position_by"})
_FLOAT_FIELDS = frozenset({"volume", "price", "stoplimit", "sl", "tp"})
_STR_FIELDS = frozenset({"symbol", "comment"})


class RequestError(Exception):
    """The request dict itself is malformed: order_send returns None, last_error -2."""


def parse_request(request: object) -> TradeRequest:
    if not isinstance(request, dict):
        raise RequestError('Invalid "request" argument')
    values: dict[str, object] = {}
    for key, value in request.items():
        if key in _INT_FIELDS:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif key in _FLOAT_FIELDS:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif key in _STR_FIELDS:
            ok = isinstance(value, str)
        else:
            ok = False
        if not ok:
            raise RequestError(f'Invalid "{key}" argument')
        values[key] = value
    if len(str(values.get("comment", ""))) > COMMENT_MAX:
        raise RequestError('Invalid "comment" argument')
    return TradeRequest(**values)  # type: ignore[arg-type]


@dataclass(slots=True)
class Plan:
    """A validated request, ready to execute."""

    kind: str  # "open", "close", "sltp"
    st: SymbolState
    pos: SimPosition | None
    volume: float
    price: float
    sl: float
    tp: float
    margin: float  # extra margin an opening order needs


class Rejected(Exception):
    def __init__(self, retcode: int) -> None:
        super().__init__(retcode)
        self.retcode = retcode


def _filling_allowed(st: SymbolState, filling: int) -> bool:
    if filling == c.ORDER_FILLING_FOK:
        return bool(st.filling_mode & c.SYMBOL_FILLING_FOK)
    if filling == c.ORDER_FILLING_IOC:
        return bool(st.filling_mode & c.SYMBOL_FILLING_IOC)
    if filling == c.ORDER_FILLING_RETURN:
        return st.trade_exemode != c.SYMBOL_TRADE_EXECUTION_MARKET
    return False


def _volume_ok(st: SymbolState, volume: float) -> bool:
    if volume < st.volume_min - 1e-9 or volume > st.volume_max + 1e-9:
        return False
    steps = volume / st.volume_step
    return abs(steps - round(steps)) < 1e-6


def _distance_points(st: SymbolState, far: float, near: float) -> float:
    return round((far - near) / st.point, 3)


def _stops_ok(st: SymbolState, is_long: bool, sl: float, tp: float) -> bool:
    """SL/TP on the closing side of the price and at least the stops level away from it."""
    level = st.trade_stops_level
    ref = st.rbid() if is_long else st.rask()
    if sl > 0.0:
        gap = _distance_points(st, ref, sl) if is_long else _distance_points(st, sl, ref)
        if gap <= 0 or gap < level:
            return False
    if tp > 0.0:
        gap = _distance_points(st, tp, ref) if is_long else _distance_points(st, ref, tp)
        if gap <= 0 or gap < level:
            return False
    return True


def _frozen(pos: SimPosition) -> bool:
    st = pos.state
    level = st.trade_freeze_level
    if level <= 0:
        return False
    ref = pos.close_price()
    return any(stop > 0.0 and abs(_distance_points(st, ref, stop)) <= level
               for stop in (pos.sl, pos.tp))


class TradeDesk:
    """Turns TradeRequests into plans (or retcodes) and plans into fills."""

    def __init__(self, states: dict[str, SymbolState], book: Book, converter: Converter,
                 leverage: int, clock: Callable[[], float]) -> None:
        self.states = states
        self.book = book
        self.converter = converter
        self.leverage = leverage
        self._clock = clock

    def symbol_of(self, req: TradeRequest) -> SymbolState | None:
        if not req.symbol and req.position:
            pos = self.book.positions.get(req.position)
            return pos.state if pos is not None else None
        return self.states.get(req.symbol)

    def plan(self, req: TradeRequest) -> Plan:
        """Validate; raise Rejected(retcode) in the order a trade server checks."""
        st = self.symbol_of(req)
        if st is None:
            raise Rejected(c.TRADE_RETCODE_INVALID)
        if req.action == c.TRADE_ACTION_DEAL:
            return self._plan_close(req, st) if req.position else self._plan_open(req, st)
        if req.action == c.TRADE_ACTION_SLTP:
            return self._plan_sltp(req, st)
        if req.action in (c.TRADE_ACTION_PENDING, c.TRADE_ACTION_CLOSE_BY):
            raise Rejected(c.TRADE_RETCODE_INVALID_ORDER)  # the simulator has no pending orders
        raise Rejected(c.TRADE_RETCODE_INVALID)

    def _market_open(self, st: SymbolState) -> None:
        if not st.has_quote or not st.selected:
            raise Rejected(c.TRADE_RETCODE_PRICE_OFF)
        if weekend_closed(self._clock()):
            raise Rejected(c.TRADE_RETCODE_MARKET_CLOSED)

    def _plan_open(self, req: TradeRequest, st: SymbolState) -> Plan:
        if req.type not in (c.ORDER_TYPE_BUY, c.ORDER_TYPE_SELL):
            raise Rejected(c.TRADE_RETCODE_INVALID)
        is_long = req.type == c.ORDER_TYPE_BUY
        mode = st.trade_mode
        if mode == c.SYMBOL_TRADE_MODE_DISABLED:
            raise Rejected(c.TRADE_RETCODE_TRADE_DISABLED)
        if mode == c.SYMBOL_TRADE_MODE_CLOSEONLY:
            raise Rejected(c.TRADE_RETCODE_CLOSE_ONLY)
        if mode == c.SYMBOL_TRADE_MODE_LONGONLY and not is_long:
            raise Rejected(c.TRADE_RETCODE_LONG_ONLY)
        if mode == c.SYMBOL_TRADE_MODE_SHORTONLY and is_long:
            raise Rejected(c.TRADE_RETCODE_SHORT_ONLY)
        self._market_open(st)
        if not _filling_allowed(st, req.type_filling):
            raise Rejected(c.TRADE_RETCODE_INVALID_FILL)
        if not _volume_ok(st, req.volume):
            raise Rejected(c.TRADE_RETCODE_INVALID_VOLUME)
        sl, tp = round(req.sl, st.digits), round(req.tp, st.digits)
        if sl < 0.0 or tp < 0.0 or not _stops_ok(st, is_long, sl, tp):
            raise Rejected(c.TRADE_RETCODE_INVALID_STOPS)
        price = st.rask() if is_long else st.rbid()
        margin = self.converter.margin(st, req.volume, price, self.leverage)
        _, equity, used = self.book.money(self.converter, self.leverage)
        if margin > equity - used:
            raise Rejected(c.TRADE_RETCODE_NO_MONEY)
        return Plan("open", st, None, req.volume, price, sl, tp, margin)

    def _position(self, req: TradeRequest, st: SymbolState) -> SimPosition:
        pos = self.book.positions.get(req.position)
        if pos is None:
            closed = req.position in self.book.closed_ids
            raise Rejected(c.TRADE_RETCODE_POSITION_CLOSED if closed else c.TRADE_RETCODE_INVALID)
        if pos.state is not st:
            raise Rejected(c.TRADE_RETCODE_INVALID)
        return pos

    def _plan_close(self, req: TradeRequest, st: SymbolState) -> Plan:
        pos = self._position(req, st)
        closing_type = c.ORDER_TYPE_SELL if pos.is_long else c.ORDER_TYPE_BUY
        if req.type != closing_type:
            raise Rejected(c.TRADE_RETCODE_INVALID)
        if st.trade_mode == c.SYMBOL_TRADE_MODE_DISABLED:
            raise Rejected(c.TRADE_RETCODE_TRADE_DISABLED)
        self._market_open(st)
        if not _filling_allowed(st, req.type_filling):
            raise Rejected(c.TRADE_RETCODE_INVALID_FILL)
        if not _volume_ok(st, req.volume):
            raise Rejected(c.TRADE_RETCODE_INVALID_VOLUME)
        if req.volume > pos.volume + 1e-9:
            raise Rejected(c.TRADE_RETCODE_INVALID_CLOSE_VOLUME)
        if _frozen(pos):
            raise Rejected(c.TRADE_RETCODE_FROZEN)
        return Plan("close", st, pos, req.volume, pos.close_price(), 0.0, 0.0, 0.0)

    def _plan_sltp(self, req: TradeRequest, st: SymbolState) -> Plan:
        if not req.position:
            raise Rejected(c.TRADE_RETCODE_INVALID)
        pos = self._position(req, st)
        sl, tp = round(req.sl, st.digits), round(req.tp, st.digits)
        if sl == pos.sl and tp == pos.tp:
            raise Rejected(c.TRADE_RETCODE_NO_CHANGES)
        self._market_open(st)
        if sl < 0.0 or tp < 0.0 or not _stops_ok(st, pos.is_long, sl, tp):
            raise Rejected(c.TRADE_RETCODE_INVALID_STOPS)
        if _frozen(pos):
            raise Rejected(c.TRADE_RETCODE_FROZEN)
        return Plan("sltp", st, pos, 0.0, 0.0, sl, tp, 0.0)

    # ---- execution and results ----------------------------------------------------------

    def execute(self, req: TradeRequest, plan: Plan) -> OrderSendResult:
        st, book = plan.st, self.book
        if plan.kind == "sltp":
            assert plan.pos is not None
            book.modify(plan.pos, plan.sl, plan.tp, st.time_msc)
            return self.result(c.TRADE_RETCODE_DONE, req, None)
        reason = c.DEAL_REASON_EXPERT if req.magic else c.DEAL_REASON_CLIENT
        if plan.kind == "open":
            order, deal = book.open(st, req.type, plan.volume, plan.price, plan.sl, plan.tp,
                                    req.magic, req.comment, req.type_filling)
        else:
            assert plan.pos is not None
            order, deal = book.close(plan.pos, plan.volume, plan.price, reason, req.magic,
                                     req.comment, req.type_filling, self.converter, st.time_msc)
        return self.result(c.TRADE_RETCODE_DONE, req, st, deal, order, plan.volume, plan.price)

    def result(self, retcode: int, req: TradeRequest, st: SymbolState | None, deal: int = 0,
               order: int = 0, volume: float = 0.0, price: float = 0.0) -> OrderSendResult:
        bid = st.rbid() if st is not None and st.has_quote else 0.0
        ask = st.rask() if st is not None and st.has_quote else 0.0
        return OrderSendResult(retcode, deal, order, volume, price, bid, ask,
                               c.RETCODE_TEXT.get(retcode, "Request rejected"),
                               self.book.request_id(), 0, req)

    def check(self, req: TradeRequest) -> OrderCheckResult:
        book, conv = self.book, self.converter
        floating, equity, margin = book.money(conv, self.leverage)
        try:
            plan = self.plan(req)
        except Rejected as rej:
            return OrderCheckResult(rej.retcode, book.balance, equity, floating, margin,
                                    round(equity - margin, 2), _level(equity, margin),
                                    c.RETCODE_TEXT.get(rej.retcode, "Rejected"), req)
        after = round(margin + plan.margin, 2)
        return OrderCheckResult(0, book.balance, equity, floating, after,
                                round(equity - after, 2), _level(equity, after), "Done", req)


def _level(equity: float, margin: float) -> float:
    return round(equity / margin * 100.0, 2) if margin > 0.0 else 0.0


def margin_level(equity: float, margin: float) -> float:
    return _level(equity, margin)
