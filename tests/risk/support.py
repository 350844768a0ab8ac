"""Helpers for risk and session tests on a real paper engine (positions, losses, quiet timers)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.clock import FrozenClock
from core.commands.spec import Actor, Surface
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.engine import Engine
from core.events import Event
from core.risk.manager import RiskManager
from core.sessions.manager import SessionManager
from tests.engine.helpers import quote

ADMIN = Actor(Surface.CONSOLE, "console", admin=True)
GUEST = Actor(Surface.TELEGRAM, "42", admin=False)


async def silence(engine: Engine) -> None:
    """Stop the background risk/session timers: tests drive `tick(now)` themselves."""
    for task in list(engine._tasks):
        if task.get_name() in ("risk", "sessions"):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def risk_of(engine: Engine) -> RiskManager:
    assert engine.risk is not None
    return engine.risk


def sessions_of(engine: Engine) -> SessionManager:
    assert engine.sessions is not None
    return engine.sessions


def clock_of(engine: Engine) -> FrozenClock:
    assert isinstance(engine.clock, FrozenClock)
    return engine.clock


def at(engine: Engine, when: datetime) -> datetime:
    clock_of(engine).set(when)
    return when


class Recorder:
    """Every event of the given types published on the engine's bus, in order."""

    def __init__(self, engine: Engine, *types: type[Event]) -> None:
        self.events: list[Event] = []
        engine.bus.listen(self.events.append, types)

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


async def open_position(engine: Engine, symbol: str = "EURUSD", lot: float = 0.10,
                        price: float = 1.10000, direction: Direction = Direction.BUY) -> int:
    """A system-owned market position at `price` (zero spread), through the trading service."""
    assert engine.trading is not None
    quote(engine, symbol, price, spread=0.0)
    client = new_client_id()
    result = await engine.trading.place(OrderIntent(
        client_id=client, symbol=symbol, direction=direction, volume=lot, sl=None, tp=None,
        kind=OrderKind.A, strategy="combinedlogic-2",
        magic=magic_for("v4-logic2", engine.settings.mt5.magic_base),
        comment=make_comment("v4-logic2", "A", client), signal_id="test", group_id="test"))
    assert result.ok and result.ticket is not None, result.message
    return result.ticket


async def close_at(engine: Engine, ticket: int, price: float, volume: float | None = None,
                   symbol: str = "EURUSD") -> None:
    assert engine.trading is not None
    quote(engine, symbol, price, spread=0.0)
    result = await engine.trading.close(ticket, volume)
    assert result.ok, result.message


async def realise(engine: Engine, usd: float) -> None:
    """Open 0.10 EURUSD and close it with a result of `usd` ($1 per 0.1 pip... $10 a pip)."""
    ticket = await open_position(engine, price=1.10000)
    await close_at(engine, ticket, round(1.10000 + usd / 10_000, 5))
