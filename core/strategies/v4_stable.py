"""V4 stable logic (SPEC §4.1): trend store updates, aligned entries as order groups, exits.

An aligned entry becomes one order group through the order desk (SPEC §5.1: Order A and/or
Order B by the logic's routing). In shadow (SPEC §4.4, the bridge's hybrid mode) the same
decision is taken and the group goes to the shadow ledger under the layer "V4"; nothing is
sent to the broker and no live position is closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from core.brokers.port import BrokerError
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction
from core.domain.orders import OrderIntent
from core.domain.symbols import SymbolSpec
from core.risk.manager import RiskManager
from core.signals.model import Outcome, V4Signal
from core.signals.v5 import Levels
from core.strategies.api import EntryPlan
from core.strategies.trend_store import TrendStore
from core.trading.desk import IntentObserver, OrderDesk
from core.trading.exit_intelligence import ExitPolicy
from core.trading.service import TradingService
from core.trading.shadow import ShadowPosition

log = logging.getLogger(__name__)
LOGIC_CODES = {"combinedlogic-1": "v4-logic1", "combinedlogic-2": "v4-logic2",
               "combinedlogic-3": "v4-logic3"}
TREND_DIRECTION = {Direction.BUY: "BULLISH", Direction.SELL: "BEARISH"}
IntentHook = Callable[[V4Signal, OrderIntent, bool], None]
SHADOW_LAYER = "V4"


class V4StableLogic:
    """Decides what a V4Signal does and asks the trading service to do it."""

    def __init__(self, trading: TradingService, trends: TrendStore, clock: Clock,
                 settings: Callable[[], Settings],
                 symbols: Callable[[], Mapping[str, SymbolSpec]], risk: RiskManager,
                 desk: OrderDesk) -> None:
        self.trading = trading
        self.risk = risk
        self.desk = desk
        self.trends = trends
        self._clock = clock
        self._settings = settings
        self._symbols = symbols
        # Called with (signal, intent, shadow) the moment each order intent exists (the desk
        # calls it before the broker): the latency benchmark's end mark; must return at once.
        self.on_intent: IntentHook | None = None
        # The trade manager's exit intelligence (SPEC §5.2.3), set by the engine once built.
        self.exits: ExitPolicy | None = None

    async def on_signal(self, signal: V4Signal, shadow: bool = False) -> Outcome:
        """Decide; with `shadow` the decision is the same but nothing reaches the broker: the
        order groups and their closes happen in the shadow ledger only."""
        kind = signal.signal_type
        if kind in ("TREND_UPDATE", "BIAS_UPDATE"):
            # The shared stores wrote the trend already (every mode); what is left for the
            # logic is the trend flip of SPEC §4.1.4.
            return await self._trend_flip(signal, shadow)
        if kind in ("BUY_SIGNAL", "SELL_SIGNAL"):
            return await self._entry(signal, Direction(str(signal.direction)), shadow)
        if kind in ("CLOSE_BUY", "CLOSE_SELL"):
            return await self._close_side(signal, Direction(str(signal.direction)), "EXIT_SIGNAL",
                                          shadow)
        if kind in ("REVERSAL_BUY", "REVERSAL_SELL"):
            new_side = Direction(str(signal.direction))
            return await self._close_side(signal, new_side.opposite, "REVERSAL", shadow)
        return Outcome("ignored", "NOT_TRADED", f"{kind} is informational for the V4 logic")

    async def _trend_flip(self, signal: V4Signal, shadow: bool) -> Outcome:
        """A legacy `trend` alert (not a bias) on a logic's entry timeframe closes that logic's
        positions against it (close reason TREND_FLIP), unless the operator locked the trend."""
        symbol, tf = signal.symbol, signal.timeframe
        if signal.extras.get("legacy_type") != "trend":
            return Outcome("ignored", "NOT_TRADED", f"{symbol} {tf} {signal.direction} is in "
                                                    "the trend store; it never trades")
        if self.trends.get(symbol, tf).mode == "MANUAL":
            return Outcome("ignored", "MANUAL_LOCK", f"{symbol} {tf} is locked by the operator; "
                                                     "the alert closes nothing")
        against = Direction.SELL if signal.direction == "BULLISH" else Direction.BUY
        targets = [p for name, cfg in self._settings().logics.items()
                   if cfg.entry_timeframe == tf
                   for p in self.trading.owned_by(name, symbol, against)]
        if not targets:
            return Outcome("ignored", "NOT_TRADED", f"trend {symbol} {tf} {signal.direction}: "
                                                    f"no V4 {against.value} against it")
        if shadow:
            return Outcome("shadow", "SHADOW", "would close "
                           + ", ".join(f"#{t.ticket}" for t in targets) + " (TREND_FLIP)")
        closed = [t.ticket for t in targets
                  if (await self.trading.close(t.ticket, reason="TREND_FLIP")).ok]
        return Outcome("executed", "TREND_FLIP", f"trend {tf} turned {signal.direction}: closed "
                       f"{len(closed)}/{len(targets)}: " + ", ".join(f"#{t}" for t in closed))

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
        # In shadow the logic's own virtual group counts as open too (SPEC §4.4: the whole
        # pipeline runs for the shadow layer), or it would pile up a group per alert.
        if self.trading.owned_by(logic, signal.symbol, direction) or (
                shadow and self._virtual(logic, signal.symbol, direction)):
            return Outcome("rejected", "ALREADY_OPEN",
                           f"{logic} already holds a {direction.value} on {signal.symbol}")
        opposites = [p.ticket for p in
                     self.trading.owned_by(logic, signal.symbol, direction.opposite)]
        closing = [f"#{t}" for t in opposites]
        if shadow:
            closing += await self._close_virtual(logic, signal.symbol, direction.opposite,
                                                 "REVERSAL")
        else:
            for ticket in opposites:
                await self.trading.close(ticket, reason="REVERSAL")
        result = await self.desk.open_group(self._plan(signal, logic, direction),
                                            shadow=shadow, layer=SHADOW_LAYER,
                                            observer=self._observer(signal))
        detail = result.detail
        if result.outcome == "shadow" and closing:
            detail = detail.replace("would place", f"would close {', '.join(closing)} then "
                                    "place", 1)
        return Outcome(result.outcome, result.reason, detail)

    def _plan(self, signal: V4Signal, logic: str, direction: Direction) -> EntryPlan:
        """SPEC §4.1.2 step 6: orders per §5.1 with the logic's multipliers and routing; the
        alert's levels when it carries them (V3/V6 alerts reaching the V4 logic)."""
        cfg = self._settings().logics[logic]
        return EntryPlan(
            symbol=signal.symbol, direction=direction, owner=logic, tag=LOGIC_CODES[logic],
            routing=cfg.v4_routing, signal_id=signal.signal_id,
            levels=alert_levels(signal), order_a_target="TP2",
            lot_multiplier=cfg.lot_multiplier, sl_multiplier=cfg.sl_multiplier, logic=logic,
            timeframe=signal.timeframe)

    def _observer(self, signal: V4Signal) -> IntentObserver:
        def observe(plan: EntryPlan, intent: OrderIntent, shadow: bool) -> None:
            if self.on_intent is not None:
                self.on_intent(signal, intent, shadow)
        return observe

    def _virtual(self, logic: str, symbol: str, side: Direction) -> list[ShadowPosition]:
        return [p for p in self.desk.shadow.open_positions(SHADOW_LAYER, symbol, side)
                if p.strategy == logic]

    async def _close_virtual(self, logic: str, symbol: str, side: Direction,
                             reason: str) -> list[str]:
        """Close the logic's virtual positions at market; their ids, as #S… words."""
        targets = self._virtual(logic, symbol, side)
        if not targets:
            return []
        try:
            quote = await self.trading.broker.quote(symbol)
        except BrokerError as exc:
            log.warning("shadow %s: no price for %s, virtual positions kept: %s", logic,
                        symbol, exc)
            return []
        return [f"#{self.desk.shadow.close_at(p.id, quote, reason)['id']}" for p in targets]

    async def _close_side(self, signal: V4Signal, side: Direction, reason: str,
                          shadow: bool = False) -> Outcome:
        targets = self.trading.owned_by(signal.strategy, signal.symbol, side)
        if shadow:
            virtual = await self._close_virtual(signal.strategy, signal.symbol, side, reason)
            words = [f"#{t.ticket}" for t in targets] + virtual
            if not words:
                return Outcome("ignored", "NO_POSITIONS",
                               f"no {side.value} of {signal.strategy} on {signal.symbol}")
            return Outcome("shadow", "SHADOW", f"would close {len(words)} {side.value} "
                           f"({reason}): {', '.join(words)}")
        if not targets:
            return Outcome("ignored", "NO_POSITIONS",
                           f"no {side.value} of {signal.strategy} on {signal.symbol}")
        if reason == "EXIT_SIGNAL" and self.exits is not None:  # not reversals (SPEC §5.2.3)
            actions = [await self.exits.exit_signal(t.ticket) for t in targets]
            held = all(a.action == "hold" for a in actions)
            return Outcome("executed", "EXIT_HELD" if held else reason,
                           "; ".join(a.words for a in actions))
        closed = [t.ticket for t in targets
                  if (await self.trading.close(t.ticket, reason=reason)).ok]
        return Outcome("executed", reason, f"closed {len(closed)}/{len(targets)}: "
                       + ", ".join(f"#{t}" for t in closed))


def alert_levels(signal: V4Signal) -> Levels | None:
    """SPEC §3.4.1: the levels a V3/V6 alert carries (extras["levels"]); None for legacy."""
    raw = signal.extras.get("levels")
    if not isinstance(raw, dict):
        return None
    levels = Levels(**{k: _price(raw.get(k)) for k in ("sl", "tp1", "tp2", "tp3")})
    return levels if levels.sl is not None or levels.tp1 is not None else None


def _price(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value > 0 else None



