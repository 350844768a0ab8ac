"""Checkpoint and rollback commands (SPEC §3.6, §3.9.3): checkpoints, rollback, upgrade."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
