"""/help by category, per-command usage statistics in /health, suggestions, commands --json."""

from __future__ import annotations

import json

import pytest

from console.cli import list_commands
from core.commands.catalog import build_registry
from core.commands.spec import Category
from core.engine import Engine
from tests.commands.support import GUEST, run


async def test_help_groups_marks_and_offers_category_pages(engine: Engine) -> None:
    reply = await run(engine, "/help")
    text = "\n".join(reply.lines)
    cats = [c.value for c in Category if engine.registry.specs(c)]
    assert [line.split(" (")[0] for line in reply.lines if not line.startswith(" ")][:-1] \
        == cats
    assert reply.data["buttons"] == [f"help_{c.lower()}" for c in cats]
    assert "/restart 🔒⚠ — " in text  # admin and confirmation
    assert "/loglevel DEBUG|INFO|WARNING|ERROR|CRITICAL 🔒 — " in text
    assert "/pause ⚠ — " in text and "/status — " in text
    assert "(aliases: /panic)" in text
    assert "\n  /panic" not in text  # an alias is never listed as a command
    assert reply.lines[-1].startswith("🔒 admin only · ⚠ asks for confirmation")
    page = await run(engine, "/help risk")
    assert page.title == "Commands · RISK"
    assert page.lines[0] == f"RISK ({len(engine.registry.specs(Category.RISK))})"
    assert not any("/status" in line for line in page.lines)
    bad = await run(engine, "/help nope")
    assert not bad.ok and "use one of SYSTEM, TRADING" in bad.lines[0]


async def test_usage_statistics_per_command_in_health(engine: Engine) -> None:
    await run(engine, "/status")
    await run(engine, "/status")
    await engine.execute("/loglevel DEBUG", GUEST)  # refused: counts as an error
    health = await run(engine, "/health")
    stats = health.data["commands"]["commands"]
    assert stats["status"]["count"] == 2 and stats["status"]["errors"] == 0
    assert stats["status"]["last_used"] == engine.clock.now().isoformat()
    assert stats["loglevel"] == {"count": 0, "errors": 1, "last_used": None}
    assert stats["health"]["count"] == 1
    [line] = [x for x in health.lines if x.startswith("Commands: ")]
    assert line.startswith("Commands: 3 run, 1 refused or failed") and "/status 2" in line


async def test_unknown_command_suggests_the_nearest(engine: Engine) -> None:
    reply = await run(engine, "/staus")
    assert not reply.ok and reply.lines[0].startswith("unknown command /staus; did you mean")
    assert "/status" in reply.lines[0]
    far = await run(engine, "/zzzzqqq")
    assert far.lines[0] == "unknown command /zzzzqqq; /help lists the commands"


async def test_invalid_values_name_the_allowed_ones(engine: Engine) -> None:
    choice = await run(engine, "/simulation_mode maybe")
    assert choice.lines[0] == "switch: 'maybe' is not allowed; use one of on, off, status"
    ranged = await run(engine, "/sessions 500")
    assert ranged.lines[0] == "count: 500 is out of range (allowed 1–100)"
    action = await run(engine, "/diagnostics reboot")
    assert "use one of menu, health, loglevel" in action.lines[0]


def test_commands_json_lists_every_command_with_its_rules(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert list_commands(as_json=True) == 0
    docs = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    assert set(docs) == {s.name for s in build_registry().specs()}
    sim = docs["simulation_mode"]
    assert sim["admin"] is True and sim["confirm"] == "conditional"
    assert sim["confirm_when"] == ["switch=off"]
    assert sim["params"][0]["allowed"] == ["on", "off", "status"]
    assert docs["closeall"]["aliases"] == ["panic"] and docs["closeall"]["confirm"] is True
    assert docs["start"]["aliases"] == ["menu"]
    assert docs["sessions"]["params"][0] | {"min": 1, "max": 100} == docs["sessions"][
        "params"][0]
    assert docs["market"]["confirm_when"] == ["action=install", "action=update",
                                              "action=remove"]
    for doc in docs.values():
        assert doc["category"] in {c.value for c in Category} and doc["summary"]
        assert {"admin", "confirm", "aliases", "params"} <= set(doc)
        for param in doc["params"]:
            assert {"name", "type", "required", "allowed", "presets", "min", "max"} <= set(param)
