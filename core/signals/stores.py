"""Shared-store step of every accepted signal, whatever the bridge mode (SPEC §3 step 3)."""

from __future__ import annotations

from collections.abc import Callable

from core.clock import Clock
from core.domain.enums import SignalFamily
from core.events import Event, MarketStateChanged
from core.signals.indicators import IndicatorSnapshot
from core.signals.model import UPDATE_TYPES, LayerDecision, V4Signal
from core.signals.pulse_store import PulseStore
from core.strategies.trend_store import TrendStore

PILLAR_VALUES = {1: "BULLISH", -1: "BEARISH", 0: "NEUTRAL"}
LAYER = "stores"


class SharedStores:
    """Writes the trend store from legacy bias/trend alerts and from V3 pillars (§4.1.1,
    §4.2.2), the V6 pulse store from TREND_PULSE and STATE_CHANGE (§4.3.5), and the indicator
    snapshot from every alert that carries scores (§5.2.2)."""

    def __init__(self, trends: TrendStore, clock: Clock, pulses: PulseStore | None = None,
                 indicators: IndicatorSnapshot | None = None,
                 publish: Callable[[Event], None] | None = None) -> None:
        self.trends = trends
        self.pulses = pulses
        self.indicators = indicators or IndicatorSnapshot()
        self._clock = clock
        self._publish = publish

    def apply(self, signal: V4Signal) -> LayerDecision | None:
        """The store writes this signal causes, as a decision record (None: no store touched)."""
        self.indicators.record(signal.symbol, signal.timeframe, signal.extras, self._clock.now())
        if signal.source_format is SignalFamily.V6 and self.pulses is not None:
            pulse = self._pulse(signal)
            if pulse is not None:
                return pulse
        if signal.source_format is SignalFamily.LEGACY and signal.signal_type in UPDATE_TYPES:
            reason = self.trends.update(signal.symbol, signal.timeframe, str(signal.direction),
                                        SignalFamily.LEGACY.value, self._clock.now())
            return LayerDecision(LAYER, True, "executed" if reason == "TREND_UPDATED"
                                 else "ignored", reason,
                                 f"{signal.symbol} {signal.timeframe} {signal.direction}")
        pillars = signal.extras.get("pillars")
        if signal.source_format is SignalFamily.V3 and isinstance(pillars, dict):
            return self._pillars(signal, pillars)
        return None

    def _pulse(self, signal: V4Signal) -> LayerDecision | None:
        assert self.pulses is not None
        extras, now = signal.extras, self._clock.now()
        kind = extras.get("alert_type")
        if kind == "STATE_CHANGE" and extras.get("state"):
            record = self.pulses.report_state(signal.symbol, signal.timeframe,
                                              str(extras["state"]), now)
            return LayerDecision(LAYER, True, "executed", "STATE_REPORTED",
                                 f"{signal.symbol} {signal.timeframe} reported state "
                                 f"{record.reported_state}")
        if kind != "TREND_PULSE":
            return None
        bull, bear = int(extras.get("bull_count") or 0), int(extras.get("bear_count") or 0)
        record, previous = self.pulses.pulse(
            signal.symbol, signal.timeframe, bull, bear,
            tuple(str(t) for t in extras.get("changed_tfs") or ()),
            extras.get("market_state"), now)
        detail = (f"{signal.symbol} {signal.timeframe} pulse {bull} bull / {bear} bear: "
                  f"{record.state}")
        if previous is not None:
            detail += f" (was {previous})"
            if self._publish is not None:
                self._publish(MarketStateChanged(signal.symbol, signal.timeframe, previous,
                                                 record.state, bull, bear))
        return LayerDecision(LAYER, True, "executed", "PULSE_UPDATED", detail)

    def _pillars(self, signal: V4Signal, pillars: dict[str, int]) -> LayerDecision:
        """Only 15m, 1h, 4h and 1d update the store; MANUAL entries are respected."""
        now = self._clock.now()
        results = {tf: self.trends.update(signal.symbol, tf, PILLAR_VALUES[int(value)],
                                          SignalFamily.V3.value, now)
                   for tf, value in pillars.items()}
        changed = [tf for tf, r in results.items() if r == "TREND_UPDATED"]
        locked = [tf for tf, r in results.items() if r == "MANUAL_LOCK"]
        values = ", ".join(f"{tf} {PILLAR_VALUES[int(v)]}" for tf, v in pillars.items())
        detail = f"{signal.symbol} pillars {values}"
        if changed:
            detail += f"; changed {', '.join(changed)}"
        if locked:
            detail += f"; MANUAL kept {', '.join(locked)}"
        if changed:
            return LayerDecision(LAYER, True, "executed", "TREND_UPDATED", detail)
        reason = "MANUAL_LOCK" if locked and len(locked) == len(results) else "TREND_UNCHANGED"
        return LayerDecision(LAYER, True, "ignored", reason, detail)
