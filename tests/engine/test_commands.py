"""The first real commands, run through the registry against a paper engine."""

from __future__ import annotations

import pytest

from core.commands.spec import Actor, Surface
from core.engine import Engine
from tests.engine.helpers import aligned_buy, quote

CONSOLE = Actor(Surface.CONSOLE, "console")


async def test_status_balance_and_positions(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    status = await engine.execute("/status", CONSOLE)
    assert status.ok and status.lines[0].startswith("RUNNING · PAPER · bridge hybrid")
    assert "Open trades: 1" in status.lines[3]
    balance = await engine.execute("/balance", CONSOLE)
    assert balance.data["balance"] == pytest.approx(10000) and balance.data["tier"] == "10000"
    positions = await engine.execute("/trades", CONSOLE)  # alias of /positions
    assert positions.table is not None and len(positions.table.rows) == 1
    row = dict(zip(positions.table.columns, positions.table.rows[0], strict=True))
    # hybrid: the V3 plugin trades the legacy entry (Logic 2 V3 routing: Order A only)
    assert (row["Symbol"], row["Side"], row["Kind"], row["Owner"]) == (
        "EURUSD", "BUY", "A", "v3_combined")


async def test_pause_needs_confirmation_then_resume(engine: Engine) -> None:
    assert engine.trading is not None
    asked = await engine.execute("/pause", CONSOLE)
    assert asked.needs_confirmation and not engine.trading.paused
    done = await engine.execute("/pause", CONSOLE, confirmed=True)
    assert done.ok and engine.trading.paused and engine.trading.pause_reason == "MANUAL"
    status = await engine.execute("/status", CONSOLE)
    assert status.lines[0].startswith("PAUSED (MANUAL)")
    resumed = await engine.execute("/resume", CONSOLE)
    assert resumed.ok and not engine.trading.paused


async def test_closeall_confirms_closes_everything_and_stays_paused(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    quote(engine, "GBPUSD", 1.27000)
    await aligned_buy(engine)
    await aligned_buy(engine, "GBPUSD", 1.27)
    assert engine.trading is not None and len(engine.trading.positions) == 2
    asked = await engine.execute("/panic", CONSOLE)
    assert asked.needs_confirmation and asked.command_line == "/closeall"
    assert len(engine.trading.positions) == 2
    done = await engine.execute("/closeall", CONSOLE, confirmed=True)
    assert done.ok and done.data == {"closed": 2, "failed": 0}
    assert not engine.trading.positions and engine.trading.pause_reason == "PANIC"
    history = await engine.execute("/history", CONSOLE)
    assert history.table is not None and len(history.table.rows) == 2


async def test_help_lists_every_command_by_category(engine: Engine) -> None:
    reply = await engine.execute("/help", CONSOLE)
    text = "\n".join(reply.lines)
    for name in ("status", "pause", "resume", "help", "positions", "balance", "closeall",
                 "history"):
        assert f"/{name}" in text
    assert "(aliases: /panic)" in text and text.index("SYSTEM") < text.index("TRADING")
    only = await engine.execute("/help TRADING", CONSOLE)
    assert "/status" not in "\n".join(only.lines)


async def test_every_invocation_is_audited(engine: Engine) -> None:
    await engine.execute("/status", CONSOLE)
    await engine.execute("/pause", Actor(Surface.TELEGRAM, "42"))
    assert engine.store is not None
    audit = engine.store.tail("audit", 2)
    assert audit[0]["command"] == "/pause" and audit[0]["surface"] == "telegram"
    assert audit[0]["confirm_requested"] is True
    assert audit[1]["command"] == "/status" and audit[1]["actor"] == "console"
