"""Re-entry settings (SPEC §6, §11.12): chains, SL hunt, continuations, autonomy, protection."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config.base import Section

ProtectionMode = Literal["AGGRESSIVE", "BALANCED", "CONSERVATIVE", "VERY_CONSERVATIVE"]


class ProtectionModeRow(Section):
    multiplier: float = Field(gt=0)
    min_chain_profit: float = Field(ge=0)


def _protection_modes() -> dict[str, ProtectionModeRow]:
    rows = {"AGGRESSIVE": (3.5, 15), "BALANCED": (6, 20), "CONSERVATIVE": (9, 30),
            "VERY_CONSERVATIVE": (15, 50)}
    return {k: ProtectionModeRow(multiplier=m, min_chain_profit=p) for k, (m, p) in rows.items()}


class ProfitProtectionSettings(Section):
    """SPEC §6.7; the mode is set by /protection, applied by the re-entry engine (#5)."""

    mode: ProtectionMode = "BALANCED"
    apply_to_order_a: bool = True
    apply_to_order_b: bool = True
    modes: dict[str, ProtectionModeRow] = Field(default_factory=_protection_modes)


class ReentrySettings(Section):
    profit_protection: ProfitProtectionSettings = ProfitProtectionSettings()
