"""REENTRY commands (SPEC §10.2.6): re-entry chains, SL hunt, continuations, autonomy."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
