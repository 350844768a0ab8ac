"""The V6 Price Action plugin (SPEC §4.3), one class parametrised by its timeframe."""

from __future__ import annotations

from typing import ClassVar

from core.brokers.port import BrokerError
from core.config.plugins import V6Config
from core.domain.enums import Direction
from core.risk.gates import GateResult
from core.signals.v5 import V5Signal
from core.strategies.api import (
    CloseInstruction,
    Decision,
    EntryPlan,
    Manifest,
    OwnedPosition,
    StrategyPlugin,
    accept,
)
from core.strategies.v6.filters import EntryFacts, first_failure, num

STRATEGY = "V6_PRICE_ACTION"
STYLES = {"1m": "scalping", "5m": "momentum", "15m": "intraday", "1h": "swing"}
ENTRY_SIDES = {"entry_long": Direction.BUY, "entry_short": Direction.SELL}
# SPEC §4.3.6: EXIT_BULLISH (exit_long) closes BUY positions, EXIT_BEARISH the SELL ones.
EXIT_SIDES = {"exit_long": Direction.BUY, "exit_short": Direction.SELL}


def manifest_for(tf: str) -> Manifest:
    """SPEC §3.9.1 / §4.3.1: built-ins trade by default (track V5_HYBRID, priority 2)."""
    return Manifest(
        id=f"v6_price_action_{tf}", name=f"V6 Price Action {tf}", version="1.0.0",
        track="V5_HYBRID", strategy=STRATEGY, timeframes=(tf,), priority=2,
        requires={"core": ">=1.0,<2"},
        description=f"V6 price-action entries on {tf} ({STYLES[tf]})")


class V6PriceAction(StrategyPlugin):
    """Entries through the V6 filter chain, reversals, exits for one timeframe. The
    configuration is read on every signal: operators change it at run time."""

    timeframe: ClassVar[str]

    @classmethod
    def config_schema(cls) -> type[V6Config]:
        return V6Config

    @property
    def label(self) -> str:
        return f"V6 {self.timeframe}"

    def config(self) -> V6Config:
        config = self.services.config()
        if isinstance(config, V6Config):
            return config
        return V6Config.model_validate(config.model_dump())

    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        if signal.action in ENTRY_SIDES:
            return await self._entry(signal, ENTRY_SIDES[signal.action], shadow)
        if signal.action in EXIT_SIDES:
            return self._exit(signal, EXIT_SIDES[signal.action])
        if signal.action == "trend_update":
            return Decision.ignore("NOT_TRADED", f"{self.label}: pulse {signal.symbol} "
                                                 f"{signal.timeframe} stored by the core; a "
                                                 "pulse never trades")
        return Decision.ignore("NOT_TRADED", f"{self.label}: {signal.action} is not a V6 "
                                             "action")

    # -- exits ---------------------------------------------------------------------------
    def _exit(self, signal: V5Signal, side: Direction) -> Decision:
        owned = self.services.positions(signal.symbol, side)
        if not owned:
            return Decision.ignore("NO_POSITIONS", f"{self.label} exit: no open {side.value} "
                                                   f"{signal.symbol} position")
        # Exit intelligence and exit-continuation arming belong to the position manager
        # (issue #5); until it exists the exit closes fully, now.
        closes = [CloseInstruction(p.position.ticket, "EXIT_SIGNAL") for p in owned]
        return accept("EXIT_SIGNAL", f"{self.label} exit: closing {len(closes)} {side.value} "
                                     f"{signal.symbol}", closes=closes)

    # -- entries -------------------------------------------------------------------------
    async def _entry(self, signal: V5Signal, direction: Direction, shadow: bool) -> Decision:
        config = self.config()
        # SPEC §4.3.6: the opposite positions close first, whatever becomes of the entry.
        opposite = self.services.positions(signal.symbol, direction.opposite)
        closes = tuple(CloseInstruction(p.position.ticket, "REVERSAL") for p in opposite)
        reversal = (f"reversal: closing {len(closes)} {direction.opposite.value} "
                    f"{signal.symbol} of {self.label}") if closes else ""
        verdict = self.services.gates(signal.symbol, announce=not shadow)
        if verdict.allowed:
            facts = await self._facts(signal, direction, config, opposite)
            verdict = first_failure(self.timeframe, config, facts)
        if not verdict.allowed:
            return self._refused(verdict, closes, reversal)
        plan = EntryPlan(
            symbol=signal.symbol, direction=direction, owner=self.manifest.id,
            tag=f"v6-{self.timeframe}", routing=config.routing, signal_id=signal.signal_id,
            levels=signal.levels, order_a_target=config.order_a_target or "TP2",
            lot_multiplier=config.risk_multiplier, max_lot=config.max_lot,
            levels_required=True, timeframe=self.timeframe,
            note=self._why(signal, direction, config))
        words = "; ".join(w for w in (reversal, plan.note) if w)
        return accept("REVERSAL" if closes else "ENTRY", words, closes=closes, entries=(plan,))

    @staticmethod
    def _refused(verdict: GateResult, closes: tuple[CloseInstruction, ...],
                 reversal: str) -> Decision:
        code = str(verdict.code)
        if not closes:
            return Decision.reject(code, verdict.text)
        # The reversal closes still happen; the record keeps the filter's code as its reason.
        return accept(code, f"{reversal}; new entry not opened — {verdict.text}", closes=closes)

    async def _facts(self, signal: V5Signal, direction: Direction, config: V6Config,
                     closing: list[OwnedPosition]) -> EntryFacts:
        spread, problem = None, ""
        if config.max_spread_pips is not None:
            try:
                spread = await self.services.spread_pips(signal.symbol)
            except BrokerError as exc:
                problem = str(exc)
        pulses = self.services.pulses
        closing_tickets = {p.position.ticket for p in closing}
        staying = [p for p in self.services.positions()
                   if p.position.ticket not in closing_tickets]
        # A trade is an order group (SPEC §4.3.4): Order A and B of one entry count once.
        groups = {p.group_id or f"#{p.position.ticket}" for p in staying}
        day = self.services.day()
        # The reversal closes run before the entry, so their losses (as of the position
        # monitor's last pass) are realised by the time the entry would be placed.
        pending_loss = sum(-p.position.profit for p in closing if p.position.profit < 0)
        return EntryFacts(
            direction=direction, adx=signal.scores.adx, confidence=signal.scores.confidence,
            spread_pips=spread, spread_problem=problem,
            sideways_record=pulses.get(signal.symbol, self.timeframe)
            if config.avoid_sideways else None,
            htf_record=pulses.get(signal.symbol, config.higher_tf)
            if config.higher_tf else None,
            open_groups=len(groups), groups_today=day.groups_opened,
            loss_today=day.realised_loss + pending_loss)

    def _why(self, signal: V5Signal, direction: Direction, config: V6Config) -> str:
        """The accepted entry in words: what passed, and how it will be placed."""
        adx, confidence = signal.scores.adx or 0.0, signal.scores.confidence or 0
        parts = [f"ADX {num(adx)} ≥ {num(config.adx_min)}",
                 f"confidence {num(confidence)} ≥ {num(config.confidence_min)}"]
        if config.higher_tf:
            record = self.services.pulses.get(signal.symbol, config.higher_tf)
            parts.append(f"{config.higher_tf} pulse {record.bull_count}/{record.bear_count}"
                         if record is not None and record.has_counts
                         else f"no {config.higher_tf} pulse yet")
        target = "" if config.routing == "order_b_only" else \
            f", A → {config.order_a_target or 'TP2'}"
        return (f"{self.label} {direction.value} {signal.symbol}: {', '.join(parts)}; "
                f"{config.routing}{target}, risk × {num(config.risk_multiplier)}, max lot "
                f"{config.max_lot:.2f}")


class V6PriceAction1m(V6PriceAction):
    timeframe = "1m"
    manifest = manifest_for("1m")


class V6PriceAction5m(V6PriceAction):
    timeframe = "5m"
    manifest = manifest_for("5m")


class V6PriceAction15m(V6PriceAction):
    timeframe = "15m"
    manifest = manifest_for("15m")


class V6PriceAction1h(V6PriceAction):
    timeframe = "1h"
    manifest = manifest_for("1h")
