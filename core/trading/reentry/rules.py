"""Pure re-entry rules: targets, windows, reduced SL, trigger test, priority (SPEC §6.1-§6.8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.config.plugins import V6Config
from core.config.settings import Settings
from core.domain.enums import Direction
from core.domain.symbols import SymbolSpec
from core.trading.alignment import V3_OWNER, v6_timeframe
from core.trading.reentry.model import Chain

TP_RR = 1.5  # SPEC §6.1: re-entry TP = price ± new SL distance × 1.5


def sl_hunt_target(settings: Settings, spec: SymbolSpec, side: Direction, entry: float,
                   sl: float) -> float:
    """SPEC §6.3: offset mode moves the SL back toward the entry by `offset_pips`; retrace
    mode takes the given fraction of the way from the SL back to the entry."""
    hunt = settings.reentry.sl_hunt
    if hunt.mode == "retrace":
        return spec.round_price(sl + hunt.retrace_fraction * (entry - sl))
    return spec.round_price(sl + side.sign * spec.price_distance(hunt.offset_pips))


def retrace_level(spec: SymbolSpec, entry: float, sl: float, fraction: float) -> float:
    return spec.round_price(sl + fraction * (entry - sl))


def beyond(spec: SymbolSpec, side: Direction, price: float, gap_pips: float) -> float:
    """SPEC §6.4-§6.5: `gap_pips` beyond `price` in the trade's direction."""
    return spec.round_price(price + side.sign * spec.price_distance(gap_pips))


def recovery_window_minutes(settings: Settings, owner: str, logic: str | None) -> int:
    """SPEC §6.8: per logic for V4 and V3, per plugin for V6, else the default window."""
    if owner in settings.logics:
        return settings.logics[owner].recovery_window_minutes
    if owner == V3_OWNER and logic in settings.logics:
        return settings.logics[logic].recovery_window_minutes
    config = _v6_config(settings, owner)
    if config is not None:
        return config.recovery_window_minutes
    return settings.reentry.default_recovery_window_minutes


def entry_timeframe(settings: Settings, owner: str, logic: str | None) -> str | None:
    if owner in settings.logics:
        return settings.logics[owner].entry_timeframe
    if owner == V3_OWNER and logic in settings.logics:
        return settings.logics[logic].entry_timeframe
    return v6_timeframe(owner)


def max_level(settings: Settings, owner: str) -> int:
    """`/chainlimit`, lowered by a V6 plugin's own TP-continuation maximum (SPEC §4.3.4)."""
    config = _v6_config(settings, owner)
    if config is not None:
        return max(1, min(settings.reentry.max_levels, config.tp_continuation_max_levels))
    return settings.reentry.max_levels


def cooldown_seconds(settings: Settings, owner: str) -> float:
    config = _v6_config(settings, owner)
    if config is not None:
        return float(config.tp_continuation_cooldown_seconds)
    return float(settings.reentry.cooldown_seconds)


def reduced_sl_pips(original: float, reduction: float, level: int, minimum: float) -> float:
    """SPEC §6.1: original × (1 − r)^level, never below the symbol's minimum SL."""
    return round(max(original * (1 - reduction) ** level, minimum), 1)


def triggered(side: Direction, bid: float, ask: float, target: float) -> bool:
    """BUY chains watch the bid rising to the target, SELL chains the ask falling to it."""
    return bid >= target if side is Direction.BUY else ask <= target


def by_priority(chains: Sequence[Chain], order: Sequence[str]) -> list[Chain]:
    """SPEC §6.6: highest chain profit, then longest-running, then newest."""
    def key(chain: Chain) -> tuple[float, ...]:
        created = datetime.fromisoformat(chain.created_at).timestamp()
        parts: list[float] = []
        for name in order:
            if name == "highest_profit":
                parts.append(-chain.total_profit)
            elif name == "longest_running":
                parts.append(created)
            else:
                parts.append(-created)
        return tuple(parts)
    return sorted(chains, key=key)


def _v6_config(settings: Settings, owner: str) -> V6Config | None:
    if v6_timeframe(owner) is None:
        return None
    config = getattr(getattr(settings.plugins, owner, None), "config", None)
    return config if isinstance(config, V6Config) else None
