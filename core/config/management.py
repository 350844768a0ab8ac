"""Position-management settings (SPEC §5.2, §11.11): ladder, strong context, stops."""

from __future__ import annotations

from pydantic import Field

from core.config.base import Section


class StrongSettings(Section):
    adx_min: float = Field(25, ge=0, le=100)
    confidence_min: float = Field(70, ge=0, le=100)
    v3_consensus_min: int = Field(7, ge=0, le=9)


class ExitIntelligenceSettings(Section):
    enabled: bool = True
    hold_above_pips: float = Field(50, ge=0)
    close_all_below_pips: float = Field(10, ge=0)
    partial_percent: float = Field(50, gt=0, le=100)
    breakeven_plus_pips: float = Field(5, ge=0)


class BreakevenSettings(Section):
    enabled: bool = True
    buffer_pips: float = Field(2, ge=0, le=100)


class ProfitLockSettings(Section):
    enabled: bool = True
    trigger_pips: float = Field(40, gt=0)
    lock_pips: float = Field(10, ge=0)


class TrailingSettings(Section):
    enabled: bool = True
    start_fraction: float = Field(0.5, gt=0, le=5)
    step_fraction: float = Field(0.25, gt=0, le=5)


class TradeManagementSettings(Section):
    loop_interval_seconds: float = Field(1, gt=0, le=60)
    tp1_partial_percent: float = Field(50, gt=0, le=100)
    tp2_partial_percent: float = Field(40, gt=0, le=100)
    strong: StrongSettings = StrongSettings()
    exit_intelligence: ExitIntelligenceSettings = ExitIntelligenceSettings()
    breakeven: BreakevenSettings = BreakevenSettings()
    profit_lock: ProfitLockSettings = ProfitLockSettings()
    trailing: TrailingSettings = TrailingSettings()
