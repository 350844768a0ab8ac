"""Profit-booking settings (SPEC §7, §11.13): the Order B pyramid, targets, pyramid SLs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from core.config.base import Section

LEVELS = 5  # levels 0-4 (SPEC §7.2)
SlMode = Literal["SL-2.1", "SL-1.1"]

# SPEC §7.2 presets: booking target per order per level, and orders per level.
TARGET_PRESETS: dict[str, list[float]] = {
    "flat": [7, 7, 7, 7, 7], "conservative": [20, 40, 80, 160, 320],
    "moderate": [10, 20, 40, 80, 160], "aggressive": [5, 10, 20, 40, 80],
    "custom_1": [15, 30, 60, 120, 240], "custom_2": [25, 50, 100, 200, 400]}
MULTIPLIER_PRESETS: dict[str, list[int]] = {
    "standard": [1, 2, 4, 8, 16], "conservative": [1, 2, 2, 3, 4],
    "aggressive": [1, 3, 6, 12, 24], "linear": [1, 2, 3, 4, 5], "fibonacci": [1, 1, 2, 3, 5]}
SL_1_1_LOGICS = ("logic1", "logic2", "logic3")


def preset_name(presets: dict[str, list[float]] | dict[str, list[int]],
                values: list[float] | list[int]) -> str:
    """The preset the values equal, or "custom values"."""
    for name, row in presets.items():
        if [float(v) for v in row] == [float(v) for v in values]:
            return name
    return "custom values"


class PyramidSlSettings(Section):
    """SPEC §7.3: the dollar amount each pyramid order may lose at its SL."""

    enabled: bool = True
    mode: SlMode = "SL-2.1"
    sl_2_1_amount: float = Field(10, gt=0, le=100_000)
    sl_1_1: dict[str, float] = Field(
        default_factory=lambda: {"logic1": 20.0, "logic2": 40.0, "logic3": 50.0})
    level_reductions_percent: list[float] = Field(
        default_factory=lambda: [0.0, 10.0, 25.0, 40.0, 50.0])

    @field_validator("sl_1_1")
    @classmethod
    def _logics(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(SL_1_1_LOGICS) or any(v <= 0 for v in value.values()):
            raise ValueError("sl_1_1 needs a positive amount for logic1, logic2 and logic3")
        return value

    @field_validator("level_reductions_percent")
    @classmethod
    def _reductions(cls, value: list[float]) -> list[float]:
        if len(value) != LEVELS or any(not 0 <= v <= 90 for v in value):
            raise ValueError("level_reductions_percent needs five values 0–90 (levels 0–4)")
        return value


class ProfitSlHuntSettings(Section):
    """SPEC §7.4: one recovery of a pyramid order that hit its SL, within the window."""

    enabled: bool = True
    window_minutes: int = Field(30, ge=1, le=240)
    attempts: int = Field(1, ge=1, le=5)


class ProfitBookingSettings(Section):
    """SPEC §11.13; while enabled, Order B of a no-levels group has no TP (§5.1.3)."""

    enabled: bool = True
    orders_per_level: list[int] = Field(default_factory=lambda: [1, 2, 4, 8, 16])
    targets: list[float] = Field(default_factory=lambda: [7.0] * LEVELS)
    enabled_levels: list[int] = Field(default_factory=lambda: [0, 1, 2])
    strict_mode: bool = True
    partial_threshold: float = Field(0.75, gt=0, le=1)
    sl: PyramidSlSettings = PyramidSlSettings()
    profit_sl_hunt: ProfitSlHuntSettings = ProfitSlHuntSettings()

    @field_validator("orders_per_level")
    @classmethod
    def _orders(cls, value: list[int]) -> list[int]:
        if len(value) != LEVELS or any(not 1 <= v <= 50 for v in value):
            raise ValueError("orders_per_level needs five counts 1–50 (levels 0–4)")
        return value

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[float]) -> list[float]:
        if len(value) != LEVELS or any(v <= 0 for v in value):
            raise ValueError("targets needs five positive amounts (levels 0–4)")
        return value

    @field_validator("enabled_levels")
    @classmethod
    def _enabled(cls, value: list[int]) -> list[int]:
        levels = sorted(set(value))
        if 0 not in levels or any(not 0 <= v < LEVELS for v in levels):
            raise ValueError("enabled_levels are levels 0–4 and must contain 0")
        return levels
