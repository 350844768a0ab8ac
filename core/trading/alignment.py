"""Trend alignment of an autonomous order for its owner (SPEC §6.1, §4.1.3, §4.2.6, §4.3.3).

Public interface (stable; the re-entry engine and the profit-booking pyramid import it):

    alignment = Alignment(lambda: engine.settings, engine.trends, engine.bridge.stores.pulses)
    ok, why = alignment.check(owner, logic, symbol, Direction.BUY)

`owner` is the position's `strategy` in the store: a V4 logic label ("combinedlogic-1"),
"v3_combined", or a V6 plugin id ("v6_price_action_5m"); `logic` is the position's logic
label (used by V4 and V3; None for V6). `why` says in words what is (not) aligned.
Any other owner (manual, a third-party plugin) has no alignment rule: always aligned.
"""

from __future__ import annotations

from collections.abc import Callable

from core.config.plugins import V3CombinedConfig, V6Config
from core.config.settings import Settings
from core.domain.enums import Direction
from core.signals.pulse_store import PulseStore
from core.strategies.trend_store import TrendStore
from core.strategies.v3.rules import TREND_OF, logic_aligned, pillars_aligned, trend_words
from core.strategies.v6.filters import htf_check, sideways_check

V3_OWNER = "v3_combined"
V6_PREFIX = "v6_price_action_"


def v6_timeframe(owner: str) -> str | None:
    """"v6_price_action_15m" → "15m"; None for any other owner."""
    return owner[len(V6_PREFIX):] if owner.startswith(V6_PREFIX) else None


class Alignment:
    """Reads the trend and pulse stores afresh on every check (nothing is cached)."""

    def __init__(self, settings: Callable[[], Settings], trends: TrendStore,
                 pulses: PulseStore) -> None:
        self._settings = settings
        self._trends = trends
        self._pulses = pulses

    def check(self, owner: str, logic: str | None, symbol: str,
              direction: Direction) -> tuple[bool, str]:
        settings = self._settings()
        if owner in settings.logics:
            return self._v4(settings, owner, symbol, direction)
        if owner == V3_OWNER:
            return self._v3(settings, logic, symbol, direction)
        tf = v6_timeframe(owner)
        if tf is not None:
            entry = getattr(settings.plugins, owner, None)
            config = getattr(entry, "config", None)
            if isinstance(config, V6Config):
                return self._v6(tf, config, symbol, direction)
        return True, f"{owner or 'manual'}: no alignment rule"

    def _v4(self, settings: Settings, logic: str, symbol: str,
            direction: Direction) -> tuple[bool, str]:
        tfs = settings.logics[logic].alignment_timeframes
        words = trend_words(self._trends, symbol, tfs)
        if logic_aligned(self._trends, symbol, direction, tfs):
            return True, f"{logic} aligned ({words})"
        return False, f"{logic} needs {' and '.join(tfs)} {TREND_OF[direction]} ({words})"

    def _v3(self, settings: Settings, logic: str | None, symbol: str,
            direction: Direction) -> tuple[bool, str]:
        config = settings.plugins.v3_combined.config
        assert isinstance(config, V3CombinedConfig)
        pillars = list(config.pillars)
        wanted = TREND_OF[direction]
        count = sum(1 for tf in pillars if self._trends.get(symbol, tf).value == wanted)
        words = trend_words(self._trends, symbol, pillars)
        if pillars_aligned(self._trends, symbol, direction, pillars,
                           config.min_pillar_alignment):
            return True, f"V3 {count}/{len(pillars)} pillars {wanted} ({words})"
        return False, (f"V3 needs {config.min_pillar_alignment} of {len(pillars)} pillars "
                       f"{wanted}, has {count} ({words})")

    def _v6(self, tf: str, config: V6Config, symbol: str,
            direction: Direction) -> tuple[bool, str]:
        higher = config.higher_tf
        record = self._pulses.get(symbol, higher) if higher is not None else None
        gate = htf_check(tf, higher, record, direction)
        if not gate.allowed:
            return False, gate.text
        # SPEC §4.3.3: the 15m market-state check also gates V6 re-entries and level-ups.
        state = sideways_check(tf, self._pulses.get(symbol, tf), config.avoid_sideways)
        if not state.allowed:
            return False, state.text
        return True, f"V6 {tf} aligned with {higher or 'no higher timeframe'}"
