"""Helpers shared by the console tests: waiting on the app, opening positions, the palette."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.worker import WorkerState

from console.app import ConsoleOptions, V5ConsoleApp, make_console
from core.brokers.tagging import magic_for, make_comment
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent, OrderResult
from core.engine import Engine

SIZE = (120, 40)
"""The canonical dashboard size."""
SMALL = (100, 30)
"""The smallest size the console must stay readable at."""
QUIET = ConsoleOptions(cursor_blink=False, animations=False, toast_timeout=60)
"""Nothing moves by itself: no blink, no animation, toasts stay for the shot."""


def console_for(engine: Engine, **overrides: Any) -> V5ConsoleApp:
    options = ConsoleOptions(**{**{"cursor_blink": False, "animations": False,
                                   "toast_timeout": 60.0}, **overrides})
    return make_console(engine, console=options)


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 10.0,
                     what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def wait_running(pilot: Pilot[Any]) -> V5ConsoleApp:
    app = pilot.app
    assert isinstance(app, V5ConsoleApp)
    await wait_until(pilot, lambda: app.lifecycle in ("running", "failed"), what="engine start")
    assert app.lifecycle == "running", app.start_error
    await wait_until(pilot, lambda: app.dashboard.header.state_text != "STARTING…",
                     what="header to leave STARTING")
    return app


async def open_position(engine: Engine, *, symbol: str = "EURUSD", bid: float = 1.08440,
                        ask: float = 1.08452, client_id: str = "c0ffee0001",
                        when: datetime | None = None) -> OrderResult:
    """A BUY 0.10 with SL/TP placed through the trading service on the simulated terminal."""
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    engine.bundle.terminal.push_quote(symbol, bid, ask, when or engine.clock.now())
    strategy = "v4-logic1"
    intent = OrderIntent(
        client_id=client_id, symbol=symbol, direction=Direction.BUY, volume=0.10,
        sl=round(ask - 0.0040, 5), tp=round(ask + 0.0060, 5), kind=OrderKind.A,
        strategy=strategy, magic=magic_for(strategy, engine.settings.mt5.magic_base),
        comment=make_comment(strategy, OrderKind.A.value, client_id))
    result = await engine.trading.place(intent)
    assert result.ok, result.message
    return result


async def move_price(engine: Engine, symbol: str, bid: float, ask: float) -> None:
    """A new quote, then the refresh the market pump would do."""
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    engine.bundle.terminal.push_quote(symbol, bid, ask, engine.clock.now())
    await engine.trading.refresh()


async def open_palette(pilot: Pilot[Any], query: str = "") -> CommandPalette:
    """Open the palette, type `query`, and wait until its results are in."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette),
                     what="palette")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    if query:
        await pilot.press(*query)
    await pilot.pause()
    await settle(pilot, palette)
    return palette


async def settle(pilot: Pilot[Any], node: object, group: str | None = None) -> None:
    """Wait until `node` has no pending or running worker (of `group`). The app's endless event
    pump rules out `workers.wait_for_complete()` without a list."""

    def busy() -> bool:
        return any(w.node is node and (group is None or w.group == group)
                   and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in pilot.app.workers)

    await wait_until(pilot, lambda: not busy(), what="workers")
    await pilot.pause()


def palette_prompts(palette: CommandPalette) -> list[str]:
    """The visible palette entries as plain text (title line only)."""
    options = palette.query_one(CommandList).options
    return [str(option.prompt).split("\n", 1)[0] for option in options]
