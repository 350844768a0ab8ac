"""PROFIT commands (SPEC §10.2.7): profit booking, the pyramid, its SLs, Order B, /partial."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
