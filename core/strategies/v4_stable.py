"""V4 stable logic, first thin form: trend store updates, aligned entries (Order A), exits.

SPEC §4.1. Dual orders, exit intelligence and chains arrive with #4/#5; what is here is
real and end to end: an aligned legacy entry becomes one market order with the table SL.
In shadow (SPEC §4.4, the bridge's hybrid mode) the same decision is taken and reported,
and nothing is sent, closed or written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from core.brokers.port import BrokerError
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.domain.symbols import SymbolSpec
from core.risk.manager import RiskManager
from core.risk.precheck import PlannedOrder
from core.signals.model import Outcome, V4Signal
from core.strategies.trend_store import TrendStore
from core.trading.service import TradingService

log = logging.getLogger(__name__)
LOGIC_CODES = {"combinedlogic-1": "v4-logic1", "combinedlogic-2": "v4-logic2",
               "combinedlogic-3": "v4-logic3"}
TREND_DIRECTION = {Direction.BUY: "BULLISH", Direction.SELL: "BEARISH"}
IntentHook = Callable[[V4Signal, OrderIntent, bool], None]


class V4StableLogic:
    """Decides what a V4Signal does and asks the trading service to do it."""

    def __init__(self, trading: TradingService, trends: TrendStore, clock: Clock,
                 settings: Callable[[], Settings],
                 symbols: Callable[[], Mapping[str, SymbolSpec]], risk: RiskManager) -> None:
        self.trading = trading
        self.risk = risk
        self.trends = trends
        self._clock = clock
        self._settings = settings
        self._symbols = symbols
        # Called with (signal, intent, shadow) the moment an order intent exists, before the
        # broker: the latency benchmark's end mark; observers must return at once.
        self.on_intent: IntentHook | None = None

    async def on_signal(self, signal: V4Signal, shadow: bool = False) -> Outcome:
        """Decide; with `shadow` the decision is the same but nothing is sent or written."""
        kind = signal.signal_type
        if kind in ("TREND_UPDATE", "BIAS_UPDATE"):
            if shadow:
                return self._shadow_trend(signal)
            reason = self.trends.update(signal.symbol, signal.timeframe, str(signal.direction),
                                        signal.source_format.value, self._clock.now())
            outcome = "executed" if reason == "TREND_UPDATED" else "ignored"
            return Outcome(outcome, reason, f"{signal.symbol} {signal.timeframe} "
                                             f"{signal.direction}")
        if kind in ("BUY_SIGNAL", "SELL_SIGNAL"):
            return await self._entry(signal, Direction(str(signal.direction)), shadow)
        if kind in ("CLOSE_BUY", "CLOSE_SELL"):
            return await self._close_side(signal, Direction(str(signal.direction)), "EXIT_SIGNAL",
                                          shadow)
        if kind in ("REVERSAL_BUY", "REVERSAL_SELL"):
            new_side = Direction(str(signal.direction))
            return await self._close_side(signal, new_side.opposite, "REVERSAL", shadow)
        return Outcome("ignored", "NOT_TRADED", f"{kind} is informational for the V4 logic")

    def _shadow_trend(self, signal: V4Signal) -> Outcome:
        current = self.trends.get(signal.symbol, signal.timeframe)
        detail = f"{signal.symbol} {signal.timeframe} {signal.direction}"
        if current.mode == "MANUAL":
            return Outcome("ignored", "MANUAL_LOCK", detail)
        if current.value == signal.direction and current.updated_at:
            return Outcome("ignored", "TREND_UNCHANGED", detail)
        return Outcome("shadow", "SHADOW", f"would set {detail}")

    def aligned(self, symbol: str, logic: str, direction: Direction) -> bool:
        """Both alignment timeframes hold the same non-neutral value matching the side."""
        cfg = self._settings().logics[logic]
        values = {self.trends.get(symbol, tf).value for tf in cfg.alignment_timeframes}
        return values == {TREND_DIRECTION[direction]}

    async def _entry(self, signal: V4Signal, direction: Direction, shadow: bool = False
                     ) -> Outcome:
        settings = self._settings()
        logic = signal.strategy
        cfg = settings.logics.get(logic)
        if cfg is None:
            return Outcome("ignored", "NO_LOGIC_FOR_TF", f"no V4 logic for {signal.timeframe}")
        if not cfg.enabled:
            return Outcome("blocked", "LOGIC_DISABLED", f"{logic} is switched off")
        gate = self.risk.check_new_order(signal.symbol, self._clock.now(), strategy=logic,
                                         announce=not shadow)
        if not gate.allowed:
            return Outcome("blocked", str(gate.code), gate.text)
        if not self.aligned(signal.symbol, logic, direction):
            tfs = " and ".join(cfg.alignment_timeframes)
            return Outcome("blocked", "TREND_MISALIGNED",
                           f"{logic} needs {tfs} both {TREND_DIRECTION[direction]}")
        if self.trading.owned_by(logic, signal.symbol, direction):
            return Outcome("rejected", "ALREADY_OPEN",
                           f"{logic} already holds a {direction.value} on {signal.symbol}")
        opposites = self.trading.owned_by(logic, signal.symbol, direction.opposite)
        if not shadow:
            for opposite in opposites:
                await self.trading.close(opposite.ticket, reason="REVERSAL")
        return await self._place_order_a(signal, logic, direction, shadow,
                                         [p.ticket for p in opposites])

    async def _place_order_a(self, signal: V4Signal, logic: str, direction: Direction,
                             shadow: bool = False, closing: Sequence[int] = ()) -> Outcome:
        settings = self._settings()
        spec = self._symbols()[signal.symbol]
        try:
            quote = await self.trading.broker.quote(signal.symbol)
        except BrokerError as exc:
            return Outcome("rejected", "MT5_ERROR", f"no price for {signal.symbol}: {exc}")
        price = quote.ask if direction is Direction.BUY else quote.bid
        cfg = settings.logics[logic]
        sl_pips = self.risk.sl_pips(spec, sl_multiplier=cfg.sl_multiplier)
        lot = self.risk.size(spec, sl_pips, multipliers=cfg.lot_multiplier, strategy=logic,
                             announce=not shadow)
        if lot.lot <= 0:
            return Outcome("blocked", "RISK_TOO_HIGH", lot.note or "no lot fits the limits")
        check = self.risk.pre_trade_check(
            signal.symbol, [PlannedOrder("A", lot.lot, sl_pips, lot.pip_value or spec.pip_value)],
            strategy=logic, announce=not shadow)
        if not check.ok:
            return Outcome("blocked", str(check.code), check.text)
        volume = check.lots[0]
        distance = spec.price_distance(sl_pips)
        sl = spec.round_price(price - direction.sign * distance)
        tp = spec.round_price(price + direction.sign * distance * settings.dual_orders.rr_ratio)
        code = LOGIC_CODES[logic]
        client_id = new_client_id()
        intent = OrderIntent(
            client_id=client_id, symbol=signal.symbol, direction=direction, volume=volume,
            sl=sl, tp=tp, kind=OrderKind.A, strategy=logic,
            magic=magic_for(code, settings.mt5.magic_base),
            comment=make_comment(code, OrderKind.A.value, client_id),
            signal_id=signal.signal_id, group_id=signal.signal_id[:8],
        )
        if self.on_intent is not None:
            self.on_intent(signal, intent, shadow)
        if shadow:
            first = f"would close {_tickets(closing)} then " if closing else "would "
            return Outcome("shadow", "SHADOW",
                           f"{first}place A {direction.value} {volume:.2f} {signal.symbol} "
                           f"@ {price} SL {sl} ({sl_pips:.1f}p) TP {tp}")
        result = await self.trading.place(intent)
        if not result.ok:
            return Outcome("rejected", "MT5_ERROR", result.message)
        return Outcome("executed", "ORDER_PLACED",
                       f"A #{result.ticket} {direction.value} {volume:.2f} {signal.symbol} "
                       f"@ {result.price} SL {sl} ({sl_pips:.1f}p) TP {tp}")

    async def _close_side(self, signal: V4Signal, side: Direction, reason: str,
                          shadow: bool = False) -> Outcome:
        targets = self.trading.owned_by(signal.strategy, signal.symbol, side)
        if not targets:
            return Outcome("ignored", "NO_POSITIONS",
                           f"no {side.value} of {signal.strategy} on {signal.symbol}")
        if shadow:
            return Outcome("shadow", "SHADOW", f"would close {len(targets)} {side.value} "
                           f"({reason}): {_tickets(t.ticket for t in targets)}")
        closed = [t.ticket for t in targets
                  if (await self.trading.close(t.ticket, reason=reason)).ok]
        return Outcome("executed", reason, f"closed {len(closed)}/{len(targets)}: "
                       + ", ".join(f"#{t}" for t in closed))


def _tickets(tickets: Iterable[int]) -> str:
    return ", ".join(f"#{t}" for t in tickets)

