"""SYSTEM commands /start, /simulation_mode and /diagnostics (SPEC §10.2.1)."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
