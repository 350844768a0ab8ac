"""Builds the registry from every command module (each module exports COMMANDS)."""

from __future__ import annotations

from core.commands import (
    analytics,
    bridge,
    display,
    notifications,
    plugins,
    risk,
    session,
    signals,
    strategy,
    system,
    system_admin,
    timeframe,
    trading,
    trading_manual,
    trading_views,
    voice,
)
from core.commands.registry import CommandRegistry


def build_registry() -> CommandRegistry:
    registry = CommandRegistry()
    for module in (system, system_admin, display, trading, trading_views, trading_manual, risk,
                   session, analytics, voice, notifications, signals, bridge, strategy, timeframe,
                   plugins):
        registry.extend(module.COMMANDS)
    return registry
