"""The command registry: names, aliases, validation, suggestions, confirmation, admin, audit."""

from __future__ import annotations

from typing import Any

import pytest

from core.commands.catalog import build_registry
from core.commands.registry import CommandRegistry, RegistryError
from core.commands.spec import (
    NAME_RE,
    Actor,
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Surface,
)

ADMIN = Actor(Surface.CLI, "tester", admin=True)
GUEST = Actor(Surface.TELEGRAM, "42", admin=False)


async def _echo(ctx: CommandContext) -> Reply:
    return Reply(title="echo", data=dict(ctx.args))


def _registry() -> CommandRegistry:
    reg = CommandRegistry()
    reg.add(CommandSpec("logic1", Category.STRATEGY, "Switch Logic 1", _echo,
                        params=(Param("switch", "switch", choices=("on", "off", "status")),),
                        aliases=(Alias("logic1_on", ("on",)), Alias("logic1_off", ("off",)))))
    reg.add(CommandSpec("dailylimit", Category.RISK, "Daily loss cap", _echo,
                        params=(Param("amount", "amount", kind="float", minimum=0.01,
                                      maximum=1_000_000, presets=("100", "200")),),
                        confirm=True, aliases=(Alias("set_daily_cap"),)))
    reg.add(CommandSpec("shutdown", Category.SYSTEM, "Stop", _echo, admin=True))
    return reg


def test_catalog_names_are_valid_unique_and_categorised() -> None:
    reg = build_registry()
    names = [s.name for s in reg.specs()]
    assert len(names) == len(set(names)) >= 7
    for spec in reg.specs():
        assert NAME_RE.match(spec.name) and spec.summary and spec.category in Category
        for alias in spec.aliases:
            assert alias.name not in names
    assert {"status", "positions", "balance", "pause", "resume", "closeall", "help"} <= set(names)
    assert reg.resolve("panic")[0].name == "closeall"
    assert reg.get("closeall").confirm and reg.get("pause").confirm


def test_duplicate_and_invalid_names_are_refused() -> None:
    reg = _registry()
    with pytest.raises(RegistryError, match="declared twice"):
        reg.add(CommandSpec("logic1_on", Category.STRATEGY, "dup", _echo))
    with pytest.raises(RegistryError, match="invalid command name"):
        reg.add(CommandSpec("Bad-Name", Category.STRATEGY, "bad", _echo))


def test_alias_prefills_arguments_and_canonical_line() -> None:
    spec, args, line = _registry().parse("/logic1_on")
    assert spec.name == "logic1" and args == {"switch": "on"} and line == "/logic1 on"
    spec, args, line = _registry().parse("/set_daily_cap 500")
    assert spec.name == "dailylimit" and args == {"amount": 500.0} and line == "/dailylimit 500"


@pytest.mark.parametrize(("line", "message"), [
    ("/logic1 maybe", "use one of on, off, status"),
    ("/dailylimit -5", "out of range (allowed 0.01–1e+06)"),
    ("/dailylimit lots", "is not a number"),
    ("/dailylimit", "missing amount; usage: /dailylimit AMOUNT; presets: 100, 200"),
    ("/dailylimt 5", "did you mean /dailylimit"),
    ("/logic1 on off", "too many arguments"),
])
def test_invalid_input_names_what_is_allowed(line: str, message: str) -> None:
    with pytest.raises(CommandError) as info:
        _registry().parse(line)
    assert message in str(info.value)


async def test_confirmation_admin_and_audit() -> None:
    reg = _registry()
    audit: list[dict[str, Any]] = []
    reg.audit_sinks.append(audit.append)
    engine: Any = object()  # handlers above never touch the engine
    first = await reg.invoke(engine, "/set_daily_cap 300", ADMIN)
    assert first.needs_confirmation and first.command_line == "/dailylimit 300"
    assert reg.usage["dailylimit"] == 0  # not run before confirmation
    done = await reg.invoke(engine, "/set_daily_cap 300", ADMIN, confirmed=True)
    assert done.ok and done.data == {"amount": 300.0} and reg.usage["dailylimit"] == 1
    refused = await reg.invoke(engine, "/shutdown", GUEST)
    assert not refused.ok and "admin only" in refused.lines[0]
    unknown = await reg.invoke(engine, "/frobnicate", ADMIN)
    assert not unknown.ok and "unknown command" in unknown.lines[0]
    assert [a["command"] for a in audit] == ["/dailylimit 300", "/dailylimit 300",
                                             "/shutdown", "/frobnicate"]
    assert audit[0]["confirm_requested"] and audit[1]["ok"] and not audit[2]["ok"]
    assert all(a["surface"] for a in audit)


async def test_a_crashing_handler_becomes_an_error_reply() -> None:
    async def boom(ctx: CommandContext) -> Reply:
        raise ZeroDivisionError("division by zero")

    reg = CommandRegistry()
    reg.add(CommandSpec("boom", Category.SYSTEM, "fails", boom))
    reply = await reg.invoke(object(), "/boom", ADMIN)  # type: ignore[arg-type]
    assert not reply.ok and "ZeroDivisionError" in reply.lines[0]
    assert reg.failures["boom"] == 1


def test_reply_text_renders_tables() -> None:
    from core.commands.spec import Table

    reply = Reply(title="T", lines=("a",), table=Table(("X", "Long"), (("1", "2"),)))
    assert reply.text().splitlines() == ["T", "a", "X  Long", "1  2"]
    assert reply.as_dict()["table"] == {"columns": ["X", "Long"], "rows": [["1", "2"]]}
