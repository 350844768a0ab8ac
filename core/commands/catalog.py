"""Builds the registry from every command module (each module exports COMMANDS)."""

from __future__ import annotations

from core.commands import (
    analytics,
    analytics_sessions,
    bridge,
    display,
    infra_rollback,
    infra_sync,
    notifications,
    plugin_market,
    plugins,
    profit,
    reentry,
    risk,
    risk_sl_systems,
    session,
    signals,
    strategy,
    system,
    system_admin,
    system_start,
    timeframe,
    trading,
    trading_manual,
    trading_views,
    voice,
)
from core.commands.registry import CommandRegistry


def build_registry() -> CommandRegistry:
    registry = CommandRegistry()
    for module in (system, system_admin, system_start, display, trading, trading_views,
                   trading_manual, risk, risk_sl_systems, reentry, profit, session, analytics,
                   analytics_sessions, voice, notifications, signals, bridge, strategy, timeframe,
                   plugins, plugin_market, infra_sync, infra_rollback):
        registry.extend(module.COMMANDS)
    return registry
