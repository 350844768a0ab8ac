"""Shared-store step of every accepted signal, whatever the bridge mode (SPEC §3 step 3)."""

from __future__ import annotations

from core.clock import Clock
from core.domain.enums import SignalFamily
from core.signals.model import UPDATE_TYPES, LayerDecision, V4Signal
from core.strategies.trend_store import TrendStore

PILLAR_VALUES = {1: "BULLISH", -1: "BEARISH", 0: "NEUTRAL"}
LAYER = "stores"


class SharedStores:
    """Writes the trend store from legacy bias/trend alerts and from V3 pillars (§4.1.1,
    §4.2.2). The V6 pulse store and the indicator snapshot join here with the V6 plugins."""

    def __init__(self, trends: TrendStore, clock: Clock) -> None:
        self.trends = trends
        self._clock = clock

    def apply(self, signal: V4Signal) -> LayerDecision | None:
        """The store writes this signal causes, as a decision record (None: no store touched)."""
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
