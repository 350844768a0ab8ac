"""`/benchmark`: a fixed alert suite replayed against one plugin in shadow (SPEC §3.9.2)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.symbols import SymbolSpec
from core.signals.detect import decode, detect
from core.signals.intake import PARSERS
from core.signals.v5 import V5Signal, to_v5
from core.strategies.api import StrategyPlugin

ROUNDS = 5  # each sample is decided this many times: enough for a p95 of 100+ calls

# Every format the intake takes, including the NA cases of V6 pipe text (SPEC §2).
SUITE: tuple[tuple[str, str], ...] = (
    ("legacy entry", json.dumps({"type": "entry", "signal": "buy", "tf": "15m",
                                 "symbol": "EURUSD", "price": 1.08452})),
    ("legacy trend", json.dumps({"type": "trend", "signal": "bear", "tf": "1h",
                                 "symbol": "XAUUSD", "price": 2318.45})),
    ("legacy exit", json.dumps({"type": "exit", "signal": "bull", "tf": "5m",
                                "symbol": "GBPUSD", "price": 1.26510})),
    ("V3 entry", json.dumps({
        "type": "entry_v3", "signal_type": "Institutional_Launchpad", "symbol": "EURUSD",
        "direction": "buy", "tf": "15", "price": 1.08450, "consensus_score": 8,
        "sl_price": 1.08250, "tp1_price": 1.08850, "tp2_price": 1.09050,
        "mtf_trends": "1,1,1,1,0,1", "market_trend": 1, "volume_delta_ratio": 1.42,
        "price_in_ob": True, "position_multiplier": 0.8})),
    ("V3 exit", json.dumps({
        "type": "exit_v3", "signal_type": "Bullish_Exit", "symbol": "XAUUSD",
        "direction": "sell", "tf": "60", "price": 2331.20, "consensus_score": 3,
        "reason": "bullish consensus faded"})),
    ("V3 squeeze", json.dumps({"type": "squeeze_v3", "symbol": "EURUSD", "tf": "15"})),
    ("V3 trend pulse", json.dumps({
        "type": "trend_pulse_v3", "signal_type": "Trend_Pulse", "symbol": "GBPUSD",
        "direction": "neutral", "tf": "15", "current_trends": "1,-1,-1,1,1,1",
        "previous_trends": "1,-1,1,1,1,1", "changed_timeframes": "15",
        "message": "15m turned bearish"})),
    ("V6 entry 15m", "BULLISH_ENTRY|EURUSD|15|1.08452|BUY|HIGH|85|27.4|STRONG|1.08210|1.08694|"
                     "1.08936|1.09178|5/1|TL_BREAK|"),
    ("V6 entry 1m, NA ADX and TP3", "BEARISH_ENTRY|USDJPY|1|151.320|SELL|MODERATE|62|NA|NA|"
                                    "151.420|151.220|151.120|NA|2/4|TL_OK|"),
    ("V6 entry 5m, NA TP2/TP3", "BULLISH_ENTRY|GBPUSD|5|1.26510|BUY|HIGH|80|24.0|STRONG|"
                                "1.26310|1.26710|NA|NA|4/2|TL_OK|"),
    ("V6 entry 1h JSON", json.dumps({
        "type": "BULLISH_ENTRY", "symbol": "EURUSD", "tf": "60", "price": 1.08452,
        "direction": "BUY", "conf_level": "HIGH", "conf_score": 85, "adx": 27.4,
        "adx_strength": "STRONG", "sl": 1.08210, "tp1": 1.08694, "tp2": 1.08936,
        "tp3": 1.09178, "alignment": "5/1", "tl_status": "TL_BREAK"})),
    ("V6 trend pulse", "TREND_PULSE|XAUUSD|60|5|1|15,240|TRENDING_BULLISH"),
    ("V6 exit", "EXIT_BEARISH|GBPJPY|5|191.245|12"),
)


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Timings of one plugin over the suite (milliseconds) and what it answered."""

    plugin_id: str
    calls: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    mean_ms: float
    outcomes: tuple[tuple[str, int], ...]
    per_sample: tuple[tuple[str, float, str], ...]  # sample, p95 ms, last outcome
    state_restored: bool

    def as_dict(self) -> dict[str, Any]:
        return {"plugin": self.plugin_id, "calls": self.calls, "errors": self.errors,
                "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "max_ms": self.max_ms,
                "mean_ms": self.mean_ms, "outcomes": dict(self.outcomes),
                "samples": [{"sample": s, "p95_ms": p, "outcome": o}
                            for s, p, o in self.per_sample],
                "state_restored": self.state_restored}


def suite_signals(symbols: Mapping[str, SymbolSpec], mapping: Mapping[str, str],
                  now: datetime) -> list[tuple[str, V5Signal]]:
    """The suite parsed the way the intake parses it, translated for plugins."""
    out = []
    for name, body in SUITE:
        text, decoded = decode(body.encode())
        family, payload = detect(text, decoded)
        signal = PARSERS[family](payload, symbols, now, text)
        out.append((name, to_v5(signal, mapping)))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


async def run_benchmark(plugin: StrategyPlugin, signals: list[tuple[str, V5Signal]],
                        rounds: int = ROUNDS) -> BenchResult:
    """Decide every sample `rounds` times in shadow. The decisions are never executed (no
    order, real or virtual) and the plugin's persistent state is put back afterwards."""
    services: Any = plugin.services
    before = plugin.export_state()
    was_shadow = getattr(services, "shadow", False)
    services.shadow = True  # gates stay silent, as for any shadow decision
    times: list[float] = []
    per_sample: dict[str, list[float]] = {name: [] for name, _ in signals}
    last: dict[str, str] = {}
    outcomes: Counter[str] = Counter()
    errors = 0
    try:
        for _ in range(rounds):
            for name, signal in signals:
                started = time.perf_counter()
                try:
                    decision = await plugin.on_signal(signal, True)
                    last[name] = f"{decision.outcome} {decision.reason}".strip()
                    outcomes[decision.outcome] += 1
                except Exception as exc:  # a failing sample is a result, not a crash
                    errors += 1
                    last[name] = f"ERROR {type(exc).__name__}"
                    outcomes["ERROR"] += 1
                elapsed = (time.perf_counter() - started) * 1000
                times.append(elapsed)
                per_sample[name].append(elapsed)
    finally:
        services.shadow = was_shadow
        restored = plugin.export_state() == before
        if not restored:
            plugin.import_state(before)
            restored = plugin.export_state() == before
    return BenchResult(
        plugin.manifest.id, len(times), errors, round(percentile(times, 0.5), 3),
        round(percentile(times, 0.95), 3), round(max(times, default=0.0), 3),
        round(sum(times) / len(times), 3) if times else 0.0,
        tuple(sorted(outcomes.items())),
        tuple((name, round(percentile(v, 0.95), 3), last.get(name, "")) for name, v in
              per_sample.items()), restored)
