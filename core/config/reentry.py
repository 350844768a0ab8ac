"""Re-entry settings (SPEC §6, §11.12): chains, SL hunt, continuations, autonomy, protection."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config.base import Section

ProtectionMode = Literal["AGGRESSIVE", "BALANCED", "CONSERVATIVE", "VERY_CONSERVATIVE"]
ReductionStrategy = Literal["AGGRESSIVE", "BALANCED", "CONSERVATIVE", "ADAPTIVE", "CUSTOM"]
# SPEC §6.2: the fixed r of the three plain optimiser strategies.
STRATEGY_REDUCTIONS = {"AGGRESSIVE": 0.40, "BALANCED": 0.30, "CONSERVATIVE": 0.20}
ADAPTIVE_DEFAULT = 0.30


PriorityKey = Literal["highest_profit", "longest_running", "newest"]


def _priority() -> list[PriorityKey]:
    return ["highest_profit", "longest_running", "newest"]


class ProtectionModeRow(Section):
    multiplier: float = Field(gt=0)
    min_chain_profit: float = Field(ge=0)


def _protection_modes() -> dict[str, ProtectionModeRow]:
    rows = {"AGGRESSIVE": (3.5, 15), "BALANCED": (6, 20), "CONSERVATIVE": (9, 30),
            "VERY_CONSERVATIVE": (15, 50)}
    return {k: ProtectionModeRow(multiplier=m, min_chain_profit=p) for k, (m, p) in rows.items()}


def _adaptive() -> dict[str, float]:
    return {"XAUUSD": 0.35, "EURUSD": 0.25, "GBPUSD": 0.32, "USDJPY": 0.22, "GBPJPY": 0.38,
            "AUDJPY": 0.33}


class ProfitProtectionSettings(Section):
    """SPEC §6.7; the mode is set by /protection, applied by the re-entry engine."""

    mode: ProtectionMode = "BALANCED"
    apply_to_order_a: bool = True
    apply_to_order_b: bool = True
    modes: dict[str, ProtectionModeRow] = Field(default_factory=_protection_modes)


class SlHuntSettings(Section):
    """SPEC §6.3: target = SL moved `offset_pips` toward the entry, or a retrace fraction."""

    enabled: bool = True
    mode: Literal["offset", "retrace"] = "offset"
    offset_pips: float = Field(1, ge=1, le=5)
    retrace_fraction: float = Field(0.70, gt=0, lt=1)


class ContinuationSettings(Section):
    """SPEC §6.4-§6.5: the trigger lies `gap_pips` beyond the TP / exit price."""

    enabled: bool = True
    gap_pips: float = Field(2, ge=0, le=50)


class SafetySettings(Section):
    """SPEC §6.6 daily limits of the autonomous system."""

    max_attempts_per_day: int = Field(10, ge=1, le=1000)
    max_losses_per_day: int = Field(5, ge=1, le=1000)
    max_concurrent: int = Field(3, ge=1, le=100)
    cooldown_hours: float = Field(6, ge=0, le=48)


class ReentrySettings(Section):
    autonomous_enabled: bool = True
    monitor_interval_seconds: int = Field(2, ge=1, le=300)
    cooldown_seconds: int = Field(5, ge=0, le=600)
    max_levels: int = Field(5, ge=1, le=5)
    sl_reduction_per_level: float = Field(0.30, ge=0.1, le=0.7)
    sl_reduction_strategy: ReductionStrategy = "BALANCED"
    adaptive_reductions: dict[str, float] = Field(default_factory=_adaptive)
    sl_hunt: SlHuntSettings = SlHuntSettings()
    tp_continuation: ContinuationSettings = ContinuationSettings()
    exit_continuation: ContinuationSettings = ContinuationSettings()
    default_recovery_window_minutes: int = Field(30, ge=1, le=180)
    safety: SafetySettings = SafetySettings()
    priority: list[PriorityKey] = Field(default_factory=_priority)
    profit_protection: ProfitProtectionSettings = ProfitProtectionSettings()

    def reduction(self, symbol: str) -> float:
        """r of SPEC §6.2 for `symbol` under the optimiser strategy in force."""
        strategy = self.sl_reduction_strategy
        if strategy == "CUSTOM":
            return self.sl_reduction_per_level
        if strategy == "ADAPTIVE":
            return self.adaptive_reductions.get(symbol, ADAPTIVE_DEFAULT)
        return STRATEGY_REDUCTIONS[strategy]


class ReverseShieldSettings(Section):
    """SPEC §6.9 (`reverse_shield`, default off)."""

    enabled: bool = False
    lot_fraction: float = Field(0.5, gt=0, le=1)
    rr: float = Field(1.0, gt=0, le=10)
    max_concurrent: int = Field(3, ge=1, le=20)
    kill_switch_retrace: float = Field(0.70, gt=0, lt=1)
