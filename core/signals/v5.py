"""V5Signal (SPEC §3.2): what plugins receive, translated from a V4Signal, and its routing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.signals.model import V4Signal

# SPEC §3.1 canonical type → V5 action.
ACTIONS = {
    "BUY_SIGNAL": "entry_long", "SELL_SIGNAL": "entry_short", "CLOSE_BUY": "exit_long",
    "CLOSE_SELL": "exit_short", "REVERSAL_BUY": "reversal_long", "REVERSAL_SELL": "reversal_short",
    "TP_HIT": "take_profit", "SL_HIT": "stop_loss", "TREND_UPDATE": "trend_update",
    "BIAS_UPDATE": "trend_update",
}
V3_COMBINED = "V3_COMBINED"
V6_PRICE_ACTION = "V6_PRICE_ACTION"
V3_PLUGIN = "v3_combined"
V6_TIMEFRAMES = ("1m", "5m", "15m", "1h")
V6_PLUGINS = tuple(f"v6_price_action_{tf}" for tf in V6_TIMEFRAMES)
PLUGIN_IDS = (V3_PLUGIN, *V6_PLUGINS)
_V3_LABELS = frozenset({"combinedlogic-1", "combinedlogic-2", "combinedlogic-3", "legacy"})


@dataclass(frozen=True, slots=True)
class Route:
    """Where the bridge sends a signal: the V5 strategy and its plugin, or why there is none."""

    strategy: str
    plugin_id: str | None
    reason: str = ""  # NO_PLUGIN_FOR_TF when plugin_id is None


def route(signal: V4Signal) -> Route:
    """SPEC §3.2 strategy mapping."""
    if signal.strategy in _V3_LABELS:
        return Route(V3_COMBINED, V3_PLUGIN)
    if signal.strategy == "price_action":
        if signal.timeframe in V6_TIMEFRAMES:
            return Route(V6_PRICE_ACTION, f"v6_price_action_{signal.timeframe}")
        return Route(V6_PRICE_ACTION, None, "NO_PLUGIN_FOR_TF")
    return Route(signal.strategy.upper(), None, "NO_PLUGIN_FOR_TF")


@dataclass(frozen=True, slots=True)
class Levels:
    sl: float | None = None
    tp1: float | None = None
    tp2: float | None = None
    tp3: float | None = None


@dataclass(frozen=True, slots=True)
class Scores:
    consensus: int | None = None
    confidence: int | None = None
    confidence_level: str | None = None
    adx: float | None = None
    adx_strength: str | None = None


@dataclass(frozen=True, slots=True)
class V5Signal:
    """The plugin's view of one signal; `signal_id` is shared with the V4Signal."""

    signal_id: str
    action: str
    strategy: str
    target_plugin: str | None
    symbol: str
    broker_symbol: str
    timeframe: str
    price: float | None
    direction: str | None  # long / short / None
    levels: Levels
    scores: Scores
    mtf_trends: tuple[int, ...] | None
    alignment: str | None
    context: Mapping[str, Any] = field(default_factory=dict)


def to_v5(signal: V4Signal, mapping: Mapping[str, str]) -> V5Signal:
    """Translate; `mapping` is `symbols.mapping` (canonical → broker name, SPEC §2.6)."""
    extras = signal.extras
    target = route(signal)
    levels = extras.get("levels") or {}
    scores = extras.get("scores") or {}
    trends = extras.get("mtf_trends")
    direction = {"BUY": "long", "SELL": "short"}.get(str(signal.direction))
    context = {
        "indicator_signal_type": extras.get("signal_type") or extras.get("alert_type"),
        "logic": signal.strategy if signal.strategy.startswith("combinedlogic") else None,
        "source_format": signal.source_format.value,
        "received_at": signal.received_at.isoformat(),
        "extras": extras,
    }
    return V5Signal(
        signal_id=signal.signal_id, action=ACTIONS.get(signal.signal_type, "info"),
        strategy=target.strategy, target_plugin=target.plugin_id, symbol=signal.symbol,
        broker_symbol=mapping.get(signal.symbol, signal.symbol), timeframe=signal.timeframe,
        price=signal.price, direction=direction,
        levels=Levels(levels.get("sl"), levels.get("tp1"), levels.get("tp2"), levels.get("tp3")),
        scores=Scores(scores.get("consensus"), scores.get("confidence"),
                      scores.get("confidence_level"), scores.get("adx"),
                      scores.get("adx_strength")),
        mtf_trends=tuple(trends) if trends is not None else None,
        alignment=extras.get("alignment"), context=context,
    )
