"""Tier selection, table-based SL distances and the risk-based lot formula (SPEC §5.3, §5.4)."""

from __future__ import annotations

from dataclasses import dataclass

from core.config.settings import TIERS, Settings
from core.domain.symbols import SymbolSpec, round_down_lot


def tier_for(balance: float, settings: Settings) -> str:
    """Highest tier ≤ balance (the lowest below 5000), unless the operator pinned one."""
    if settings.risk.tier_mode != "auto":
        return settings.risk.tier_mode
    chosen = TIERS[0]
    for tier in TIERS:
        if balance >= float(tier):
            chosen = tier
    return chosen


def table_sl_pips(settings: Settings, spec: SymbolSpec, tier: str,
                  sl_multiplier: float = 1.0, reentry_factor: float = 1.0) -> float:
    """SPEC §5.3.2: table × (1 − reduction) × logic multiplier × re-entry factor, ≥ minimum."""
    sl = settings.sl_systems
    risk = settings.risk.tiers[tier]
    if sl.enabled:
        base = sl.tables[sl.active][spec.name][tier]
    else:  # widest SL at which the tier max lot risks exactly the tier risk % (§5.3.2)
        base = float(tier) * risk.risk_percent / 100 / (spec.pip_value * risk.max_lot)
    reduction = sl.symbol_reductions.get(spec.name, 0.0) / 100
    pips = base * (1 - reduction) * sl_multiplier * reentry_factor
    return max(pips, spec.min_sl_pips)


@dataclass(frozen=True, slots=True)
class LotDecision:
    lot: float
    raw: float
    tier: str
    max_lot: float
    multipliers: float


def risk_lot(balance: float, settings: Settings, spec: SymbolSpec, sl_pips: float,
             multipliers: float = 1.0, strategy_max_lot: float | None = None,
             pip_value: float | None = None) -> LotDecision:
    """SPEC §5.4.2: raw = balance × risk% ÷ (SL pips × pip value); × multipliers; clamp."""
    tier = tier_for(balance, settings)
    tier_cfg = settings.risk.tiers[tier]
    value = pip_value if pip_value else spec.pip_value
    raw = balance * tier_cfg.risk_percent / 100 / (sl_pips * value)
    lot = round_down_lot(raw * multipliers)
    cap = tier_cfg.max_lot if strategy_max_lot is None else min(tier_cfg.max_lot, strategy_max_lot)
    lot = min(max(lot, 0.01), cap)
    return LotDecision(lot=round(lot, 2), raw=raw, tier=tier, max_lot=cap, multipliers=multipliers)
