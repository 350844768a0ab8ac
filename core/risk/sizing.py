"""Tiers, table-based SL distances, the lot formula and smart reduction (SPEC §5.3, §5.4)."""

from __future__ import annotations

import math
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


def pip_value_for(spec: SymbolSpec, tick_value: float | None = None,
                  tick_size: float | None = None) -> float:
    """SPEC §5.3.4: tick value × pip size ÷ tick size when MT5 reports them, else the table."""
    if tick_value and tick_size and tick_value > 0 and tick_size > 0:
        return tick_value * spec.pip_size / tick_size
    return spec.pip_value


def fallback_sl_pips(settings: Settings, spec: SymbolSpec, tier: str, balance: float) -> float:
    """Tables off (§5.3.2): the widest SL at which the tier max lot risks exactly the tier
    risk %: balance × risk % ÷ (pip value × tier max lot)."""
    row = settings.risk.tiers[tier]
    return balance * row.risk_percent / 100 / (spec.pip_value * row.max_lot)


def table_sl_pips(settings: Settings, spec: SymbolSpec, tier: str,
                  sl_multiplier: float = 1.0, reentry_factor: float = 1.0, *,
                  balance: float | None = None, stops_level_pips: float = 0.0) -> float:
    """SPEC §5.3.2: table × (1 − reduction) × logic multiplier × re-entry factor, at least
    the symbol's minimum SL and the broker's stops level.

    With the tables switched off (or a symbol missing from them) the fallback rule gives the
    base; `balance` defaults to the tier's own size when the caller has none.
    """
    sl = settings.sl_systems
    table = sl.tables[sl.active]
    if sl.enabled and spec.name in table:
        base = table[spec.name][tier]
    else:
        base = fallback_sl_pips(settings, spec, tier,
                                float(tier) if balance is None else balance)
    reduction = sl.symbol_reductions.get(spec.name, 0.0) / 100
    pips = base * (1 - reduction) * sl_multiplier * reentry_factor
    return max(pips, spec.min_sl_pips, stops_level_pips)


def smart_factor(daily_loss: float, daily_cap: float, enabled: bool = True) -> float:
    """SPEC §5.4.3: f = (cap − loss) ÷ cap; f > 50 % → 1.0; 25–50 % → 0.75; < 25 % → 0.5."""
    if not enabled or daily_cap <= 0:
        return 1.0
    share = round((daily_cap - daily_loss) / daily_cap, 9)
    if share > 0.5:
        return 1.0
    if share >= 0.25:
        return 0.75
    return 0.5


@dataclass(frozen=True, slots=True)
class VolumeRules:
    """The broker's volume constraints for a symbol (MT5 volume_step/min/max)."""

    step: float = 0.01
    minimum: float = 0.01
    maximum: float = 100.0

    def align(self, lot: float) -> float:
        """Round down onto the step grid from the minimum, then cap at the maximum."""
        steps = math.floor((lot - self.minimum) / self.step + 1e-9)
        aligned = self.minimum + max(steps, 0) * self.step
        decimals = max(2, -int(math.floor(math.log10(self.step))) if self.step < 1 else 0)
        return round(min(aligned, self.maximum), decimals)


@dataclass(frozen=True, slots=True)
class LotDecision:
    """The sizing trail of one order: `lot` is what to send (0.0 = cannot be placed)."""

    lot: float
    raw: float
    tier: str
    max_lot: float
    multipliers: float
    smart_factor: float = 1.0
    pip_value: float = 0.0
    note: str = ""


def risk_lot(balance: float, settings: Settings, spec: SymbolSpec, sl_pips: float,
             multipliers: float = 1.0, strategy_max_lot: float | None = None,
             pip_value: float | None = None, *, smart: float = 1.0,
             volume: VolumeRules | None = None) -> LotDecision:
    """SPEC §5.4.2:

        raw = balance × risk% ÷ (SL pips × pip value per 1.00 lot)
        lot = round_down_0.01(raw × strategy multipliers × smart-reduction factor)
        lot = clamp(lot, 0.01, min(tier max lot, strategy max lot)), then the broker's grid.
    """
    tier = tier_for(balance, settings)
    row = settings.risk.tiers[tier]
    value = pip_value if pip_value else spec.pip_value
    raw = balance * row.risk_percent / 100 / (sl_pips * value)
    lot = round_down_lot(raw * multipliers * smart)
    cap = row.max_lot if strategy_max_lot is None else min(row.max_lot, strategy_max_lot)
    lot = round(min(max(lot, 0.01), cap), 2)
    note = ""
    if volume is not None:
        if volume.minimum > cap + 1e-9:
            note = (f"broker minimum volume {volume.minimum:g} is above the lot limit "
                    f"{cap:g}")
            lot = 0.0
        else:
            lot = min(volume.align(max(lot, volume.minimum)), volume.align(cap + 1e-9))
    return LotDecision(lot=lot, raw=raw, tier=tier, max_lot=cap, multipliers=multipliers,
                       smart_factor=smart, pip_value=value, note=note)


def order_b_lot(lot_a: float, fraction: float = 0.5, minimum: float = 0.01) -> float:
    """SPEC §5.1.2: max(0.01, round-down(0.5 × L_A))."""
    return round(max(minimum, round_down_lot(fraction * lot_a)), 2)
