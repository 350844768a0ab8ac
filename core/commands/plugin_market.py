"""PLUGIN commands /market and /benchmark (SPEC §3.9.2, §3.9.4)."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
