"""The order desk (SPEC §5.1): one EntryPlan becomes an order group, placed or shadowed."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.brokers.port import BrokerError
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.domain.symbols import SymbolSpec
from core.risk.manager import RiskManager
from core.risk.precheck import PlannedOrder
from core.risk.sizing import order_b_lot
from core.signals.v5 import Levels
from core.strategies.api import EntryPlan
from core.trading.ladder import ladder_levels, position_extra
from core.trading.service import TradingService
from core.trading.shadow import ShadowLedger

log = logging.getLogger(__name__)
IntentObserver = Callable[[EntryPlan, OrderIntent, bool], None]


@dataclass(frozen=True, slots=True)
class LegResult:
    """One order of the group: placed (ticket), failed (message) or virtual (shadow id)."""

    kind: str  # A or B
    ok: bool
    ticket: int | None
    volume: float
    price: float | None
    sl: float | None
    tp: float | None
    sl_pips: float
    message: str


@dataclass(frozen=True, slots=True)
class GroupResult:
    """What became of one EntryPlan, in the words of SPEC §3.8 (outcome, reason code)."""

    outcome: str  # executed | rejected | blocked | shadow
    reason: str
    detail: str
    group_id: str
    legs: tuple[LegResult, ...] = ()
    intents: tuple[OrderIntent, ...] = ()


@dataclass(frozen=True, slots=True)
class _Leg:
    """A sized leg before the pre-trade check; `fixed_loss` marks a no-levels Order B, whose
    SL distance follows its lot so that the loss at SL stays fixed (SPEC §5.1.3)."""

    kind: OrderKind
    lot: float
    sl_pips: float
    fixed_loss: float | None = None


class OrderDesk:
    """Sizes, checks and places order groups for every strategy (V4 logic and plugins)."""

    def __init__(self, trading: TradingService, risk: RiskManager, shadow: ShadowLedger,
                 settings: Callable[[], Settings],
                 symbols: Callable[[], Mapping[str, SymbolSpec]], clock: Clock) -> None:
        self.trading = trading
        self.risk = risk
        self.shadow = shadow
        self._settings = settings
        self._symbols = symbols
        self._clock = clock
        # Called with (plan, intent, shadow) the moment each intent exists, before the broker:
        # the latency benchmark's end mark; observers must return at once.
        self.on_intent: IntentObserver | None = None

    async def open_group(self, plan: EntryPlan, *, shadow: bool = False,
                         layer: str | None = None,
                         observer: IntentObserver | None = None) -> GroupResult:
        """Place Order A and/or Order B for `plan` (or record them virtually in shadow under
        `layer`: a plugin id, the default being `plan.owner`, or "V4"). `observer` is called
        like `on_intent`, for this group only."""
        group_id = "G" + secrets.token_hex(4)
        settings = self._settings()
        spec = self._symbols()[plan.symbol]
        direction = plan.direction
        try:
            quote = await self.trading.broker.quote(plan.symbol)
        except BrokerError as exc:
            return GroupResult("rejected", "MT5_ERROR", f"no price for {plan.symbol}: {exc}",
                               group_id)
        price = quote.ask if direction is Direction.BUY else quote.bid
        fmt = _formatter(spec)
        levels, note = plan.levels, ""
        problem = _levels_problem(levels, direction, price, fmt)
        if problem is not None and levels is not None:
            if plan.levels_required:
                return GroupResult("rejected", "INVALID_LEVELS", problem, group_id)
            levels, note = None, f"alert levels unusable at {fmt(price)}: table SL ({problem}); "
        kinds = _kinds(plan.routing, settings.dual_orders.enabled)
        announce = not shadow
        # SPEC §5.1.2: with levels the alert SL is used as given (no SL multiplier).
        if levels is not None and levels.sl is not None:
            sl_pips = spec.pips(price - levels.sl)
        else:
            sl_pips = self.risk.sl_pips(spec, sl_multiplier=plan.sl_multiplier)
        lot = self.risk.size(spec, sl_pips, multipliers=plan.lot_multiplier,
                             strategy_max_lot=plan.max_lot, strategy=plan.owner,
                             announce=announce)
        if lot.lot <= 0:
            return GroupResult("blocked", "RISK_TOO_HIGH",
                               lot.note or "no lot fits the limits", group_id)
        pip_value = lot.pip_value or spec.pip_value
        # SPEC §5.2.1: every leg keeps the group's TP ladder for the trade manager
        ladder = ladder_levels(levels, direction, price, settings.dual_orders.tp2_fallback_factor,
                               spec.round_price)
        planned = _legs(kinds, lot.lot, sl_pips, pip_value, levels is not None, settings)
        check = self.risk.pre_trade_check(
            plan.symbol, [PlannedOrder(leg.kind.value, leg.lot, leg.sl_pips, pip_value,
                                       leg.fixed_loss) for leg in planned],
            strategy=plan.owner, announce=announce)
        if not check.ok:
            return GroupResult("blocked", str(check.code), check.text, group_id)
        legs: list[LegResult] = []
        intents: list[OrderIntent] = []
        for leg, volume in zip(planned, check.lots, strict=True):
            leg_sl_pips = leg.sl_pips
            if leg.fixed_loss is not None:  # re-derived: the check may have lowered the lot
                leg_sl_pips = leg.fixed_loss / (volume * pip_value)
            sl, tp = self._stops(leg.kind, levels, plan, price, leg_sl_pips, spec)
            intent = self._intent(plan, leg.kind, volume, sl, tp, group_id)
            intents.append(intent)
            for hook in (self.on_intent, observer):
                if hook is not None:
                    hook(plan, intent, shadow)
            legs.append(await self._fill(intent, price, leg_sl_pips,
                                         (layer or plan.owner) if shadow else None,
                                         position_extra(ladder, tp, spec.point / 2)))
        return _result(plan, group_id, legs, intents, shadow, note, fmt)

    # -- the legs ------------------------------------------------------------------------
    def _stops(self, kind: OrderKind, levels: Levels | None, plan: EntryPlan, price: float,
               sl_pips: float, spec: SymbolSpec) -> tuple[float, float | None]:
        """SL and TP of one leg: SPEC §5.1.2 with levels, §5.1.3 without."""
        sign = plan.direction.sign
        dual = self._settings().dual_orders
        if levels is not None and levels.sl is not None and levels.tp1 is not None:
            if kind is OrderKind.B:
                return spec.round_price(levels.sl), spec.round_price(levels.tp1)
            return spec.round_price(levels.sl), spec.round_price(
                _target(levels, plan.order_a_target, plan.direction, price,
                        dual.tp2_fallback_factor))
        distance = spec.price_distance(sl_pips)
        sl = spec.round_price(price - sign * distance)
        if kind is OrderKind.B and self._settings().profit_booking.enabled:
            return sl, None  # the profit-booking pyramid books Order B (SPEC §7)
        return sl, spec.round_price(price + sign * distance * (plan.rr_ratio or dual.rr_ratio))

    def _intent(self, plan: EntryPlan, kind: OrderKind, volume: float, sl: float,
                tp: float | None, group_id: str) -> OrderIntent:
        client_id = new_client_id()
        return OrderIntent(
            client_id=client_id, symbol=plan.symbol, direction=plan.direction, volume=volume,
            sl=sl, tp=tp, kind=kind, strategy=plan.owner,
            magic=magic_for(plan.tag, self._settings().mt5.magic_base),
            comment=make_comment(plan.tag, kind.value, client_id), signal_id=plan.signal_id,
            group_id=group_id, logic=plan.logic)

    async def _fill(self, intent: OrderIntent, price: float, sl_pips: float,
                    shadow_layer: str | None,
                    extra: Mapping[str, Any] | None = None) -> LegResult:
        """Send one leg; with a shadow layer, record it in the ledger filled at `price`."""
        kind = intent.kind.value
        if shadow_layer is not None:
            virtual = self.shadow.open(intent, price, shadow_layer)
            return LegResult(kind, True, None, intent.volume, price, intent.sl, intent.tp,
                             sl_pips, virtual)
        result = await self.trading.place(intent, extra)
        if not result.ok:
            log.warning("group %s: order %s failed: %s", intent.group_id, kind, result.message)
        return LegResult(kind, result.ok, result.ticket, intent.volume,
                         result.price if result.price else price, intent.sl, intent.tp,
                         sl_pips, result.message)


def _kinds(routing: str, dual_enabled: bool) -> tuple[OrderKind, ...]:
    """SPEC §5.1.4; the global switch off turns dual_orders into order_a_only."""
    if routing == "order_a_only" or (routing == "dual_orders" and not dual_enabled):
        return (OrderKind.A,)
    if routing == "order_b_only":
        return (OrderKind.B,)
    return (OrderKind.A, OrderKind.B)


def _legs(kinds: tuple[OrderKind, ...], lot_a: float, sl_pips: float, pip_value: float,
          with_levels: bool, settings: Settings) -> list[_Leg]:
    """A at the risk lot; B at its fraction of it, with A's SL when the alert has levels and
    an SL worth `order_b_fixed_risk_usd` otherwise."""
    dual = settings.dual_orders
    lot_b = order_b_lot(lot_a, dual.order_b_lot_fraction)
    fixed = dual.order_b_fixed_risk_usd
    legs = []
    for kind in kinds:
        if kind is OrderKind.A:
            legs.append(_Leg(kind, lot_a, sl_pips))
        elif with_levels:
            legs.append(_Leg(kind, lot_b, sl_pips))
        else:
            legs.append(_Leg(kind, lot_b, fixed / (lot_b * pip_value), fixed))
    return legs


def _levels_problem(levels: Levels | None, direction: Direction, price: float,
                    fmt: Callable[[float | None], str]) -> str | None:
    """Why the alert levels cannot be used at `price` (None: usable, or no levels at all)."""
    if levels is None:
        return None
    side = direction.value
    loss, profit = ("below", "above") if direction is Direction.BUY else ("above", "below")
    if levels.sl is None:
        return "the alert has no SL"
    if (price - levels.sl) * direction.sign <= 0:
        return f"SL {fmt(levels.sl)} is not {loss} the {side} price {fmt(price)}"
    if levels.tp1 is None:
        return "the alert has no TP1"
    if (levels.tp1 - price) * direction.sign <= 0:
        return f"TP1 {fmt(levels.tp1)} is not {profit} the {side} price {fmt(price)}"
    return None


def _target(levels: Levels, target: str, direction: Direction, price: float,
            factor: float) -> float:
    """Order A's TP: TP3 null → TP2; TP2 null → price ± factor × |TP1 − price|. A target on
    the loss side of the price counts as null (it would close the order at once)."""
    assert levels.tp1 is not None
    if target == "TP1":
        return levels.tp1

    def usable(level: float | None) -> bool:
        return level is not None and (level - price) * direction.sign > 0

    if target == "TP3" and usable(levels.tp3):
        assert levels.tp3 is not None
        return levels.tp3
    if usable(levels.tp2):
        assert levels.tp2 is not None
        return levels.tp2
    return price + direction.sign * factor * abs(levels.tp1 - price)


def _formatter(spec: SymbolSpec) -> Callable[[float | None], str]:
    def fmt(value: float | None) -> str:
        return "none" if value is None else f"{value:.{spec.digits}f}"
    return fmt


def _result(plan: EntryPlan, group_id: str, legs: list[LegResult],
            intents: list[OrderIntent], shadow: bool, note: str,
            fmt: Callable[[float | None], str]) -> GroupResult:
    words = []
    for leg in legs:
        if not leg.ok:
            words.append(f"{leg.kind} failed: {leg.message}")
            continue
        who = leg.kind if shadow else f"{leg.kind} #{leg.ticket}"
        words.append(f"{who} {plan.direction.value} {leg.volume:.2f} {plan.symbol} @ "
                     f"{fmt(leg.price)} SL {fmt(leg.sl)} ({leg.sl_pips:.1f}p) TP {fmt(leg.tp)}")
    text = note + "; ".join(words)
    if shadow:
        return GroupResult("shadow", "SHADOW", f"{note}would place {'; '.join(words)}",
                           group_id, tuple(legs), tuple(intents))
    if any(leg.ok for leg in legs):
        return GroupResult("executed", "ORDER_PLACED", text, group_id, tuple(legs),
                           tuple(intents))
    return GroupResult("rejected", "MT5_ERROR", text, group_id, tuple(legs), tuple(intents))
