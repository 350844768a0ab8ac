"""The V4 → V5 bridge (SPEC §3): shared stores, routing by mode, fallback, decision records."""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from core.clock import Clock
from core.config.settings import Settings
from core.domain.orders import OrderIntent
from core.signals.model import INFO, UPDATE_TYPES, LayerDecision, Outcome, V4Signal
from core.signals.stores import SharedStores
from core.signals.v5 import PLUGIN_IDS, V3_PLUGIN, Route, V5Signal, route, to_v5
from core.strategies.v4_stable import V4StableLogic

log = logging.getLogger(__name__)
MODES = ("passthrough", "translate", "hybrid")
ERROR_WINDOW_SECONDS = 600  # SPEC §3.5 counting window
# SPEC §3.8 gates 1-9: a plugin refusing for one of these was blocked, not rejected.
BLOCK_REASONS = frozenset({
    "LOGIC_DISABLED", "PLUGIN_DISABLED", "PAUSED", "WEEKEND", "SESSION_BLOCKED", "LIFETIME_CAP",
    "DAILY_CAP", "PROFIT_TARGET_REACHED", "MAX_OPEN", "MAX_DAILY_TRADES", "CONSENSUS_LOW",
    "LAUNCHPAD_CONSENSUS_LOW", "TREND_MISALIGNED", "ADX_LOW", "CONFIDENCE_LOW", "SPREAD_HIGH",
    "HTF_MISALIGNED", "MARKET_SIDEWAYS", "PLUGIN_MAX_OPEN", "PLUGIN_DAILY_TRADES",
    "PLUGIN_DAILY_LOSS", "SYMBOL_NOT_ALLOWED",
})
PLUGIN_OUTCOMES = {"EXECUTED": "executed", "REJECTED": "rejected", "IGNORED": "ignored",
                   "SHADOW": "shadow", "ERROR": "error", "BLOCKED": "blocked"}
SQUEEZE_TEXT = "Volatility squeeze on {symbol} {tf} — a large move is likely."


@dataclass(frozen=True, slots=True)
class PluginDecision:
    """What became of one V5Signal at a plugin, after the host executed its decision:
    the outcome (SPEC §3.8 decision record), reason code, words and the order intents."""

    outcome: str  # EXECUTED, REJECTED, IGNORED, SHADOW, ERROR
    reason: str
    detail: str = ""
    intents: tuple[OrderIntent, ...] = ()


class PluginHost(Protocol):
    """What the bridge needs from the plugin host (core/plugins/host.py)."""

    def loaded(self) -> Mapping[str, bool]:
        """Plugin ids → active (loaded, enabled, not idle)."""
        ...

    async def on_signal(self, plugin_id: str, signal: V5Signal) -> PluginDecision: ...


@dataclass
class LayerStats:
    """Calls, failures and timing of one layer (the V4 logic or a plugin)."""

    calls: int = 0
    errors: int = 0
    last_error: str = ""
    times_ms: deque[float] = field(default_factory=lambda: deque(maxlen=200))
    error_times: deque[float] = field(default_factory=lambda: deque(maxlen=100))

    def errors_in_window(self, now: float) -> int:
        return sum(1 for t in self.error_times if now - t <= ERROR_WINDOW_SECONDS)

    def mean_ms(self) -> float:
        return sum(self.times_ms) / len(self.times_ms) if self.times_ms else 0.0

    def p95_ms(self) -> float:
        return self.percentile_ms(0.95)

    def p50_ms(self) -> float:
        return self.percentile_ms(0.5)

    def percentile_ms(self, q: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


@dataclass
class BridgeStats:
    by_type: dict[str, Counter[str]] = field(default_factory=dict)
    layers: dict[str, LayerStats] = field(default_factory=dict)
    fallback_trades: Counter[str] = field(default_factory=Counter)

    def layer(self, name: str) -> LayerStats:
        return self.layers.setdefault(name, LayerStats())


@dataclass(frozen=True, slots=True)
class StrategyState:
    """How one V5 strategy/plugin is served right now, in words for /mode and /health."""

    plugin_id: str
    label: str
    state: str  # active | fallback | not traded | passthrough
    text: str


class Bridge:
    """Every dequeued signal goes through `process`; the mode is read per signal, so a change
    applies to the next signal without a restart (open positions keep their owner)."""

    def __init__(self, v4: V4StableLogic, stores: SharedStores, host: PluginHost,
                 settings: Callable[[], Settings], clock: Clock) -> None:
        self.v4 = v4
        self.stores = stores
        self.host = host
        self._settings = settings
        self._clock = clock
        self.stats = BridgeStats()
        self.on_plugin_call: Callable[[], None] | None = None
        """Called after every plugin call (the plugin-health publisher)."""

    # -- one signal ------------------------------------------------------------------------
    async def process(self, signal: V4Signal) -> Outcome:
        settings = self._settings()
        mode = settings.bridge.mode
        decisions: list[LayerDecision] = []
        stored = self.stores.apply(signal)
        if stored is not None:
            decisions.append(stored)
        if signal.signal_type == INFO:
            live = LayerDecision("bridge", True, "ignored", "INFORMATIONAL", _info_text(signal))
        elif signal.signal_type in UPDATE_TYPES:
            live = stored or LayerDecision("bridge", True, "ignored", "NOT_TRADED",
                                           _update_text(signal))
            target = route(signal)
            if mode != "passthrough" and self._active(target.plugin_id):
                decisions.append(await self._plugin(target, signal, settings))
            elif mode == "passthrough" or settings.bridge.fallback_on_failure:
                # the V4 logic trades this strategy: its trend flips apply (SPEC §4.1.4)
                flip = await self._v4(signal, shadow=False, fallback=mode != "passthrough")
                decisions.append(flip)
                if flip.outcome == "executed":
                    live = flip
        else:
            live = await self._trade(signal, mode, settings, decisions)
        if live not in decisions:
            decisions.append(live)
        counts = self.stats.by_type.setdefault(signal.signal_type, Counter())
        counts[live.outcome] += 1
        return Outcome(live.outcome, live.reason, live.detail, tuple(decisions))

    async def _trade(self, signal: V4Signal, mode: str, settings: Settings,
                     decisions: list[LayerDecision]) -> LayerDecision:
        """Entries, exits, reversals: SPEC §3.4 mode table and §3.4.2 fallback."""
        if mode == "passthrough":
            return await self._v4(signal, shadow=False)
        target = route(signal)
        fallback = target.plugin_id is not None and not self._active(target.plugin_id) \
            and settings.bridge.fallback_on_failure
        live = await self._live(signal, target, fallback, settings)
        if mode == "hybrid" and not fallback:
            # The V4 shadow is the comparison with the layer that trades, decided after it so
            # the live order never waits for the shadow ledger; it is recorded first, as the
            # legacy layer's view. In fallback the V4 logic is the live layer: no second run.
            decisions.append(await self._v4(signal, shadow=True))
        return live

    async def _live(self, signal: V4Signal, target: Route, fallback: bool,
                    settings: Settings) -> LayerDecision:
        if target.plugin_id is None:
            return LayerDecision("bridge", True, "ignored", target.reason,
                                 f"no {target.strategy} plugin for {signal.timeframe}")
        if self._active(target.plugin_id):
            return await self._plugin(target, signal, settings)
        if not fallback:
            return LayerDecision("bridge", True, "blocked", "PLUGIN_DISABLED",
                                 f"{target.plugin_id} is not available and "
                                 "bridge.fallback_on_failure is off: not traded")
        decision = await self._v4(signal, shadow=False, fallback=True)
        if decision.outcome == "executed":
            self.stats.fallback_trades[target.plugin_id] += 1
        return decision

    async def _v4(self, signal: V4Signal, *, shadow: bool, fallback: bool = False
                  ) -> LayerDecision:
        view = self.v4_view(signal)
        if view is None:
            return LayerDecision("V4", not shadow, "ignored", "NO_LOGIC_FOR_TF",
                                 f"no V4 logic for {signal.timeframe}", 0.0, fallback)
        stats = self.stats.layer("V4" if not shadow else "V4 shadow")
        started = time.perf_counter()
        try:
            out = await self.v4.on_signal(view, shadow=shadow)
        except Exception as exc:  # a failing layer is recorded; the intake keeps running
            log.exception("V4 logic failed on signal %s", signal.signal_id)
            out = Outcome("error", "PROCESSING_ERROR", f"V4 logic: {type(exc).__name__}: {exc}")
            self._failed(stats, out.detail)
        ms = self._timed(stats, started)
        return LayerDecision("V4", not shadow, out.outcome, out.reason, out.detail, ms, fallback)

    async def _plugin(self, target: Route, signal: V4Signal, settings: Settings
                      ) -> LayerDecision:
        plugin_id = str(target.plugin_id)
        stats = self.stats.layer(plugin_id)
        started = time.perf_counter()
        try:
            answer = await self.host.on_signal(plugin_id, to_v5(signal, settings.symbols.mapping))
            outcome = PLUGIN_OUTCOMES.get(answer.outcome.upper(), "error")
            if outcome == "rejected" and answer.reason in BLOCK_REASONS:
                outcome = "blocked"
            reason, detail = answer.reason, answer.detail
        except Exception as exc:  # SPEC §3.5: ERROR for that plugin; rollback policy is #8's
            log.exception("plugin %s failed on signal %s", plugin_id, signal.signal_id)
            outcome, reason, detail = "error", "PLUGIN_ERROR", f"{type(exc).__name__}: {exc}"
            self._failed(stats, detail)
        ms = self._timed(stats, started)
        if self.on_plugin_call is not None:
            self.on_plugin_call()
        return LayerDecision(plugin_id, outcome != "shadow", outcome, reason, detail, ms)

    def v4_view(self, signal: V4Signal) -> V4Signal | None:
        """SPEC §3.4.1: V6 signals reach the logic bound to their timeframe (5m → Logic 1,
        15m → Logic 2, 1h → Logic 3); None when there is no such logic (1m)."""
        if signal.strategy != "price_action":
            return signal
        logic = self.logic_for(signal.timeframe)
        return None if logic is None else replace(signal, strategy=logic)

    def logic_for(self, timeframe: str) -> str | None:
        for name, cfg in self._settings().logics.items():
            if cfg.entry_timeframe == timeframe:
                return name
        return None

    def _active(self, plugin_id: str | None) -> bool:
        return plugin_id is not None and self.host.loaded().get(plugin_id, False)

    def _timed(self, stats: LayerStats, started: float) -> float:
        ms = round((time.perf_counter() - started) * 1000, 3)
        stats.calls += 1
        stats.times_ms.append(ms)
        return ms

    def _failed(self, stats: LayerStats, detail: str) -> None:
        stats.errors += 1
        stats.last_error = detail
        stats.error_times.append(self._clock.monotonic())

    # -- views for the operator --------------------------------------------------------------
    def strategy_states(self) -> list[StrategyState]:
        settings = self._settings()
        mode, fallback = settings.bridge.mode, settings.bridge.fallback_on_failure
        loaded = self.host.loaded()
        states = []
        for plugin_id in PLUGIN_IDS:
            tf = plugin_id.rsplit("_", 1)[-1]
            label = "V3_COMBINED" if plugin_id == V3_PLUGIN else f"V6_PRICE_ACTION {tf}"
            logic = None if plugin_id == V3_PLUGIN else self.logic_for(tf)
            v4_name = "V4 logic" if plugin_id == V3_PLUGIN else \
                f"V4 {logic}" if logic else None
            why = "no plugin loaded" if plugin_id not in loaded else "plugin disabled"
            if mode == "passthrough":
                state, text = "passthrough", (
                    f"passthrough → {v4_name} trades" if v4_name
                    else f"passthrough → not traded (no V4 logic for {tf})")
            elif loaded.get(plugin_id):
                state = "active"
                text = f"{plugin_id} trades" + (" (V4 logic in shadow)" if mode == "hybrid"
                                                 else "")
            elif not fallback:
                state, text = "not traded", f"{why} → not traded (bridge.fallback_on_failure " \
                                            "is off: PLUGIN_DISABLED)"
            elif v4_name is None:
                state, text = "not traded", f"{why} → not traded (no V4 logic for {tf})"
            else:
                state, text = "fallback", f"{why} → V4 fallback ({v4_name})"
            states.append(StrategyState(plugin_id, label, state, f"{label}: {text}"))
        return states


def _info_text(signal: V4Signal) -> str:
    kind = str(signal.extras.get("alert_type", "alert"))
    if kind == "squeeze_v3":
        return SQUEEZE_TEXT.format(symbol=signal.symbol, tf=signal.timeframe)
    return f"{kind} {signal.symbol} {signal.timeframe}: informational, never trades"


def _update_text(signal: V4Signal) -> str:
    extras = signal.extras
    if "bull_count" in extras:
        return (f"trend pulse {signal.symbol} {signal.timeframe}: {extras['bull_count']} bull / "
                f"{extras.get('bear_count')} bear, {extras.get('market_state') or 'no state'}; "
                "no trade")
    return f"trend update {signal.symbol} {signal.timeframe} {signal.direction}; no trade"
