"""The event bus: typed events, bounded per-subscriber queues; nothing can block the engine."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain.orders import Account, Deal, Position

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every engine event."""


@dataclass(frozen=True, slots=True)
class AccountUpdated(Event):
    account: Account


@dataclass(frozen=True, slots=True)
class PositionsChanged(Event):
    positions: tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class PositionOpened(Event):
    position: Position
    strategy: str
    signal_id: str | None


@dataclass(frozen=True, slots=True)
class PositionClosed(Event):
    ticket: int
    symbol: str
    direction: str
    volume: float
    price_open: float
    price_close: float
    profit: float
    reason: str
    deals: tuple[Deal, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRejected(Event):
    symbol: str
    direction: str
    reason: str
    retcode: int | None = None


@dataclass(frozen=True, slots=True)
class AlertProcessed(Event):
    signal_id: str
    family: str
    summary: str
    outcome: str
    reason: str


@dataclass(frozen=True, slots=True)
class TradingStateChanged(Event):
    paused: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class ServiceStateChanged(Event):
    """State of an attached service (webhook, mt5, telegram bots...)."""

    service: str
    up: bool
    detail: str


@dataclass(frozen=True, slots=True)
class LogEmitted(Event):
    time: datetime
    level: str
    logger: str
    message: str


@dataclass(frozen=True, slots=True)
class QuotesUpdated(Event):
    """Latest bid/ask per symbol after a market tick (coalescable by consumers)."""

    quotes: tuple[tuple[str, float, float], ...]


@dataclass(frozen=True, slots=True)
class CommandExecuted(Event):
    command: str
    surface: str
    actor: str
    ok: bool
    title: str


class Subscription:
    """One subscriber's bounded queue. When full, the oldest event is dropped and counted."""

    def __init__(
        self, bus: EventBus, types: tuple[type[Event], ...] | None, maxsize: int, name: str
    ) -> None:
        self._bus = bus
        self.types = types
        self.name = name
        self.maxsize = maxsize
        self._items: deque[Event] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.dropped = 0
        self.closed = False

    def wants(self, event: Event) -> bool:
        return self.types is None or isinstance(event, self.types)

    def offer(self, event: Event) -> None:
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self.dropped += 1
        self._items.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> Event | None:
        return self._items.popleft() if self._items else None

    def pending(self) -> int:
        return len(self._items)

    async def get(self) -> Event:
        while not self._items:
            if self.closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.get()

    def close(self) -> None:
        self.closed = True
        self._bus.unsubscribe(self)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


@dataclass
class EventBus:
    """Publish is synchronous and O(subscribers); a full queue drops its oldest event."""

    subscriptions: list[Subscription] = field(default_factory=list)
    listeners: list[tuple[tuple[type[Event], ...] | None, Callable[[Event], Any]]] = field(
        default_factory=list
    )
    published: int = 0

    def subscribe(
        self,
        types: tuple[type[Event], ...] | None = None,
        maxsize: int = 1000,
        name: str = "subscriber",
    ) -> Subscription:
        sub = Subscription(self, types, maxsize, name)
        self.subscriptions.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self.subscriptions:
            self.subscriptions.remove(sub)

    def listen(
        self, callback: Callable[[Event], Any], types: tuple[type[Event], ...] | None = None
    ) -> None:
        """Register a fast synchronous callback (engine-internal use; must not block)."""
        self.listeners.append((types, callback))

    def publish(self, event: Event) -> None:
        self.published += 1
        for sub in self.subscriptions:
            if sub.wants(event):
                sub.offer(event)
        for types, callback in self.listeners:
            if types is None or isinstance(event, types):
                try:
                    callback(event)
                except Exception:  # a broken listener must not break the publisher
                    log.exception("event listener failed for %s", type(event).__name__)
