"""State-sync commands (SPEC §3.7): /conflicts, /resolve, /sync."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
