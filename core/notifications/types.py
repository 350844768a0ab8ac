"""The notification types of SPEC §9.2 as data: category, priority, bot role, default, voice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal, cast


class Priority(IntEnum):
    """SPEC §9.2 priority values."""

    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5


State = Literal["on", "silent", "off"]
STATES: tuple[State, ...] = ("on", "silent", "off")
CATEGORIES = ("trade", "reentry", "profit", "risk", "signal", "system", "plugin", "session",
              "report")
PLUGIN_FILTERS = ("all", "none", "v3_only", "v6_only")
MIN_PRIORITIES: dict[str, Priority] = {
    "all": Priority.INFO, "medium_and_above": Priority.MEDIUM,
    "high_and_above": Priority.HIGH, "critical_only": Priority.CRITICAL,
}
V6_TIMEFRAMES = ("1m", "5m", "15m", "1h")


@dataclass(frozen=True, slots=True)
class NotificationType:
    """One row of the SPEC §9.2 table."""

    name: str
    category: str
    priority: Priority
    role: str  # notification | analytics (CRITICAL ones are also copied to controller)
    default: State
    speaks: bool = False
    strategy_originated: bool = False  # subject to the plugin and V6 timeframe filters


def _rows() -> tuple[NotificationType, ...]:
    p, n, a = Priority, "notification", "analytics"
    table: list[tuple[str, str, Priority, str, str, bool, bool]] = [
        # name, category, priority, role, default, speaks, strategy-originated
        ("entry", "trade", p.HIGH, n, "on", True, True),
        ("exit", "trade", p.HIGH, n, "on", True, True),
        ("tp_hit", "trade", p.HIGH, n, "on", True, True),
        ("sl_hit", "trade", p.HIGH, n, "on", True, True),
        ("partial_close", "trade", p.MEDIUM, n, "on", False, True),
        ("exit_held", "trade", p.MEDIUM, n, "on", False, True),
        ("reversal_exit", "trade", p.MEDIUM, n, "on", False, True),
        ("manual_exit", "trade", p.MEDIUM, n, "on", False, True),
        ("order_failed", "trade", p.HIGH, n, "on", False, True),
        ("sl_modified", "trade", p.LOW, n, "silent", False, True),
        ("breakeven", "trade", p.MEDIUM, n, "silent", False, True),
        ("profit_lock", "trade", p.MEDIUM, n, "silent", False, True),
        ("trailing_update", "trade", p.LOW, n, "off", False, True),
        ("sl_hunt_armed", "reentry", p.LOW, n, "silent", False, True),
        ("sl_hunt_reentry", "reentry", p.HIGH, n, "on", False, True),
        ("sl_hunt_expired", "reentry", p.LOW, n, "silent", False, True),
        ("tp_continuation_reentry", "reentry", p.HIGH, n, "on", False, True),
        ("exit_continuation_reentry", "reentry", p.HIGH, n, "on", False, True),
        ("chain_completed", "reentry", p.MEDIUM, n, "silent", False, True),
        ("chain_stopped", "reentry", p.MEDIUM, n, "on", False, True),
        ("recovery_blocked", "reentry", p.MEDIUM, n, "silent", False, True),
        ("autonomous_limit_reached", "reentry", p.HIGH, n, "on", False, True),
        ("shield_opened", "reentry", p.HIGH, n, "on", False, True),
        ("shield_closed", "reentry", p.HIGH, n, "on", False, True),
        ("profit_booked", "profit", p.MEDIUM, n, "silent", False, True),
        ("pyramid_level_up", "profit", p.MEDIUM, n, "on", False, True),
        ("profit_chain_completed", "profit", p.MEDIUM, n, "on", False, True),
        ("profit_chain_stopped", "profit", p.MEDIUM, n, "on", False, True),
        ("daily_loss_warning", "risk", p.HIGH, n, "on", True, False),
        ("daily_loss_limit", "risk", p.CRITICAL, n, "on", True, False),
        ("lifetime_loss_limit", "risk", p.CRITICAL, n, "on", True, False),
        ("risk_blocked", "risk", p.MEDIUM, n, "silent", False, True),
        ("lot_reduced", "risk", p.LOW, n, "silent", False, True),
        ("profit_target_reached", "risk", p.MEDIUM, n, "on", False, False),
        ("alert_received", "signal", p.INFO, n, "off", False, True),
        ("alert_rejected", "signal", p.LOW, n, "silent", False, True),
        ("duplicate_alert", "signal", p.INFO, n, "off", False, True),
        ("trend_changed", "signal", p.LOW, n, "silent", False, True),
        ("trend_manual_ignored", "signal", p.LOW, n, "silent", False, True),
        ("volatility_squeeze", "signal", p.MEDIUM, n, "on", False, True),
        ("market_state_change", "signal", p.INFO, n, "off", False, True),
        ("bot_started", "system", p.HIGH, n, "on", True, False),
        ("bot_stopped", "system", p.HIGH, n, "on", True, False),
        ("trading_paused", "system", p.HIGH, n, "on", False, False),
        ("trading_resumed", "system", p.HIGH, n, "on", False, False),
        ("emergency_stop", "system", p.CRITICAL, n, "on", True, False),
        ("mt5_disconnected", "system", p.CRITICAL, n, "on", True, False),
        ("mt5_reconnected", "system", p.HIGH, n, "on", False, False),
        ("webhook_auth_failed", "system", p.HIGH, n, "on", False, False),
        ("config_changed", "system", p.LOW, n, "silent", False, False),
        ("plugin_loaded", "plugin", p.LOW, n, "silent", False, False),
        ("plugin_disabled", "plugin", p.HIGH, n, "on", False, False),
        ("plugin_error", "plugin", p.HIGH, n, "on", False, False),
        ("plugin_rollback", "plugin", p.CRITICAL, n, "on", False, False),
        ("plugin_throttled", "plugin", p.MEDIUM, n, "on", False, False),
        ("hotswap_done", "plugin", p.MEDIUM, n, "on", False, False),
        ("hotswap_failed", "plugin", p.HIGH, n, "on", False, False),
        ("sync_conflict", "plugin", p.MEDIUM, n, "on", False, False),
        ("shadow_trade", "plugin", p.INFO, n, "off", False, True),
        ("session_starting", "session", p.LOW, n, "silent", False, False),
        ("session_changed", "session", p.LOW, n, "silent", False, False),
        ("session_force_close", "session", p.HIGH, n, "on", False, False),
        ("weekend_closure", "session", p.MEDIUM, n, "on", False, False),
        ("daily_summary", "report", p.MEDIUM, a, "on", False, False),
        ("weekly_summary", "report", p.MEDIUM, a, "on", False, False),
        ("monthly_summary", "report", p.MEDIUM, a, "on", False, False),
    ]
    return tuple(NotificationType(name, cat, prio, role, cast(State, default), speaks, strat)
                 for name, cat, prio, role, default, speaks, strat in table)


TYPES: dict[str, NotificationType] = {t.name: t for t in _rows()}

# Messages that are not operator-configurable types (answers to explicit requests, digests).
INTERNAL = {
    "quiet_hours_digest": NotificationType("quiet_hours_digest", "system", Priority.MEDIUM,
                                           "notification", "on"),
    "voice_test": NotificationType("voice_test", "system", Priority.MEDIUM, "notification",
                                   "on"),
}


def default_states() -> dict[str, State]:
    return {t.name: t.default for t in TYPES.values()}


def default_speak_events() -> list[str]:
    return [t.name for t in TYPES.values() if t.speaks]


def lookup(name: str) -> NotificationType:
    """A type by name (configurable or internal); KeyError names the allowed values."""
    found = TYPES.get(name) or INTERNAL.get(name)
    if found is None:
        raise KeyError(f"{name!r} is not a notification type; use one of {', '.join(TYPES)}")
    return found
