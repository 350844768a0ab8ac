"""Builds the registry from every command module (each module exports COMMANDS)."""

from __future__ import annotations

from core.commands import system, trading
from core.commands.registry import CommandRegistry


def build_registry() -> CommandRegistry:
    registry = CommandRegistry()
    for module in (system, trading):
        registry.extend(module.COMMANDS)
    return registry
