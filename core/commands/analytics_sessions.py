"""ANALYTICS commands /tp_report, /sessions and /session_report (SPEC §10.2.8)."""

from __future__ import annotations

from core.commands.spec import CommandSpec

COMMANDS: list[CommandSpec] = []
