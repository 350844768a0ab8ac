"""Builds the registry from every command module (each module exports COMMANDS)."""

from __future__ import annotations

from core.commands import (
    analytics,
    bridge,
    notifications,
    risk,
    session,
    signals,
    system,
    trading,
    voice,
)
from core.commands.registry import CommandRegistry


def build_registry() -> CommandRegistry:
    registry = CommandRegistry()
    for module in (system, trading, risk, session, analytics, voice, notifications, signals,
                   bridge):
        registry.extend(module.COMMANDS)
    return registry
