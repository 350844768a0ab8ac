"""Strong context (SPEC §5.2.2) and the exit-signal decision of §5.2.3."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.config.management import ExitIntelligenceSettings
from core.config.plugins import V6PluginSettings
from core.config.settings import Settings
from core.domain.enums import Direction
from core.signals.indicators import IndicatorReading, IndicatorSnapshot
from core.signals.pulse_store import PulseStore
from core.strategies.trend_store import TrendStore
from core.strategies.v3.rules import TREND_OF, logic_aligned, trend_words
from core.strategies.v6.filters import htf_check, num

V6_PREFIX = "v6_price_action_"
V3_OWNER = "v3_combined"
HOLD, CLOSE, PARTIAL = "hold", "close", "partial"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Strong or not, and the facts that decided it in a trader's words."""

    strong: bool
    words: str


@dataclass(frozen=True, slots=True)
class ExitAction:
    """What an exit signal did to one position (SPEC §5.2.3)."""

    ticket: int
    action: str  # hold, close, partial
    ok: bool
    profit_pips: float
    volume: float  # closed by this action
    words: str  # "#12 held: +63 pips, strong (...)"

    @property
    def reason(self) -> str:
        return {HOLD: "EXIT_HELD", PARTIAL: "EXIT_PARTIAL"}.get(self.action, "EXIT_SIGNAL")


class ExitPolicy(Protocol):
    """What the exit paths (plugin closes, the V4 logic) ask of the trade manager."""

    async def exit_signal(self, ticket: int) -> ExitAction: ...


def exit_choice(cfg: ExitIntelligenceSettings, profit_pips: float,
                strong: Callable[[], Verdict]) -> tuple[str, Verdict | None]:
    """SPEC §5.2.3 bands: > 50 pips and strong → hold; < 10 (or a loss) → close; otherwise
    close part and move the SL to entry + 5. Off → close. Strong is judged only when the
    profit is high enough for it to matter."""
    if not cfg.enabled:
        return CLOSE, None
    if profit_pips > cfg.hold_above_pips:
        verdict = strong()
        if verdict.strong:
            return HOLD, verdict
        return PARTIAL, verdict
    if profit_pips < cfg.close_all_below_pips:
        return CLOSE, None
    return PARTIAL, None


class StrongContext:
    """SPEC §5.2.2 by the position's owner family, from the shared stores as they are now."""

    def __init__(self, settings: Callable[[], Settings], trends: TrendStore,
                 pulses: PulseStore, indicators: IndicatorSnapshot) -> None:
        self._settings = settings
        self._trends = trends
        self._pulses = pulses
        self._indicators = indicators

    def judge(self, owner: str, logic: str | None, symbol: str, direction: Direction,
              levels: bool) -> Verdict:
        """`levels`: the group came from an alert with levels (a V3 plugin position without
        them came from a legacy alert and follows the V4 rule, SPEC §4.2.6)."""
        settings = self._settings()
        if owner.startswith(V6_PREFIX):
            return self._v6(owner, symbol, direction, settings)
        if owner == V3_OWNER and levels:
            return self._v3(symbol, direction, settings)
        name = owner if owner in settings.logics else logic
        if name is not None and name in settings.logics:
            tfs = settings.logics[name].alignment_timeframes
            ok = logic_aligned(self._trends, symbol, direction, tfs)
            return Verdict(ok, f"{name} {'aligned' if ok else 'not aligned'}: "
                               f"{trend_words(self._trends, symbol, tfs)}")
        return Verdict(False, f"no strong rule for {owner or 'an unowned position'}")

    def _v6(self, owner: str, symbol: str, direction: Direction, settings: Settings
            ) -> Verdict:
        tf = owner.removeprefix(V6_PREFIX)
        rule = settings.trade_management.strong
        reading = self._indicators.get(symbol, tf)
        adx = reading.adx if reading is not None else None
        confidence = reading.confidence if reading is not None else None
        parts = [_at_least("ADX", adx, rule.adx_min),
                 _at_least("conf", confidence, rule.confidence_min)]
        ok = (adx is not None and adx >= rule.adx_min and confidence is not None
              and confidence >= rule.confidence_min)
        section = getattr(settings.plugins, owner, None)
        higher = section.config.higher_tf if isinstance(section, V6PluginSettings) else None
        if higher is not None:
            record = self._pulses.get(symbol, higher)
            gate = htf_check(tf, higher, record, direction)
            ok = ok and gate.code is None
            parts.append(f"{higher} pulse {record.bull_count}/{record.bear_count}"
                         if record is not None and record.has_counts
                         else f"no {higher} pulse yet")
        return Verdict(ok, f"V6 {tf}: " + ", ".join(parts))

    def _v3(self, symbol: str, direction: Direction, settings: Settings) -> Verdict:
        config = settings.plugins.v3_combined.config
        minimum = settings.trade_management.strong.v3_consensus_min
        latest = _latest_consensus(self._indicators.all(), symbol)
        consensus = latest.consensus if latest is not None else None
        wanted = TREND_OF[direction]
        agree = sum(1 for tf in config.pillars
                    if self._trends.get(symbol, tf).value == wanted)
        ok = (consensus is not None and consensus >= minimum
              and agree >= config.min_pillar_alignment)
        return Verdict(ok, f"V3: {_at_least('consensus', consensus, minimum)}, {agree} of "
                           f"{len(config.pillars)} pillars {wanted}")


def _latest_consensus(readings: list[IndicatorReading], symbol: str
                      ) -> IndicatorReading | None:
    """SPEC §5.2.2 "latest consensus_score for the symbol", whatever its timeframe."""
    found = [r for r in readings if r.symbol == symbol and r.consensus is not None]
    return max(found, key=lambda r: r.updated_at) if found else None


def _at_least(label: str, value: float | None, minimum: float) -> str:
    if value is None:
        return f"{label} unknown"
    return f"{label} {num(value)} {'≥' if value >= minimum else '<'} {num(minimum)}"
