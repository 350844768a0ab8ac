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
    strategy: str = ""  # the owner: a V4 logic label, a plugin id, or "manual"


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


# -- risk (SPEC §5.4, notification types of §9.2) -------------------------------------------
@dataclass(frozen=True, slots=True)
class DailyLossWarning(Event):
    """`daily_loss_warning` (HIGH): the daily loss reached the warning share of the cap."""

    daily_loss: float
    daily_cap: float
    percent: float
    tier: str


@dataclass(frozen=True, slots=True)
class DailyLossLimit(Event):
    """`daily_loss_limit` (CRITICAL + voice): new orders blocked until the daily reset."""

    daily_loss: float
    daily_cap: float
    tier: str
    reset_at: datetime


@dataclass(frozen=True, slots=True)
class LifetimeLossLimit(Event):
    """`lifetime_loss_limit` (CRITICAL): blocked until /clear_loss_data or a higher cap."""

    lifetime_loss: float
    lifetime_cap: float
    tier: str


@dataclass(frozen=True, slots=True)
class ProfitTargetReached(Event):
    """`profit_target_reached` (MEDIUM): new entries blocked until the daily reset."""

    daily_net: float
    target: float


@dataclass(frozen=True, slots=True)
class RiskBlocked(Event):
    """`risk_blocked` (MEDIUM): a new order refused by a risk gate or the pre-trade check."""

    symbol: str
    code: str
    text: str
    strategy: str = ""  # logic / plugin id that wanted the order ("" = not given)


@dataclass(frozen=True, slots=True)
class LotReduced(Event):
    """`lot_reduced` (LOW): smart reduction or the pre-trade check lowered a lot."""

    symbol: str
    before: float
    after: float
    reason: str
    strategy: str = ""


@dataclass(frozen=True, slots=True)
class DailyReset(Event):
    """A new trading day started (03:35 IST); the daily report covers `previous_day`."""

    trading_day: str
    previous_day: str
    daily_loss: float
    daily_profit: float
    trades: int


@dataclass(frozen=True, slots=True)
class ConfigChanged(Event):
    """`config_changed` (LOW): a command changed a configuration key."""

    key: str
    value: Any
    command: str


# -- sessions (SPEC §8) ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SessionStarting(Event):
    """`session_starting` (LOW): advance alert, once per day per session."""

    session_id: str
    name: str
    starts_at: datetime
    local_start: str  # "13:30 IST"
    minutes: int
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionChanged(Event):
    """`session_changed` (LOW): the current trading session changed (None = outside all)."""

    previous_id: str | None
    previous_name: str | None
    session_id: str | None
    name: str | None
    symbols: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionForceClose(Event):
    """`session_force_close` (HIGH): positions closed because the new session forbids them."""

    session_id: str
    name: str
    closed: tuple[int, ...]
    failed: tuple[int, ...]
    profit: float


@dataclass(frozen=True, slots=True)
class WeekendClosure(Event):
    """`weekend_closure` (MEDIUM): started (Fri 22:00 UTC) or ended (Sun 22:00 UTC)."""

    active: bool


@dataclass(frozen=True, slots=True)
class MarketStateChanged(Event):
    """SPEC §4.3.5: the computed V6 market state of (symbol, timeframe) changed."""

    symbol: str
    timeframe: str
    previous: str
    state: str
    bull_count: int
    bear_count: int


@dataclass(frozen=True, slots=True)
class PluginStateChanged(Event):
    """A plugin was enabled, disabled, put in or out of shadow, or failed to load."""

    plugin_id: str
    state: str  # enabled, disabled, shadow, live, blocked, failed
    detail: str


@dataclass(frozen=True, slots=True)
class PluginHealthRow:
    """One plugin in the health pane: its state and its calls, errors and latency so far."""

    plugin_id: str
    state: str  # active, shadow, disabled, idle, blocked
    track: str
    version: str
    calls: int
    errors: int  # in the last 10 minutes
    p50_ms: float
    p95_ms: float
    last_error: str
    max_ms: float = 0.0
    memory_kb: float = 0.0  # sampled resident-size delta of its calls (SPEC §3.9.2)
    cpu_ms: float = 0.0
    throttled: bool = False


@dataclass(frozen=True, slots=True)
class PluginHealth(Event):
    """Every plugin's health (at start, on a state change, at most once a second on calls)."""

    rows: tuple[PluginHealthRow, ...]


@dataclass(frozen=True, slots=True)
class StopLossMoved(Event):
    """The trade manager moved a position's SL toward profit (SPEC §5.2.4-§5.2.7)."""

    ticket: int
    symbol: str
    direction: str
    kind: str  # A, B, R, P, S, M
    old_sl: float | None
    new_sl: float
    reason: str  # breakeven, profit_lock, trailing, tp2_sl_to_tp1, exit_partial
    words: str
    strategy: str = ""


@dataclass(frozen=True, slots=True)
class PartialClosed(Event):
    """Part of a position was closed by the TP ladder or exit intelligence (SPEC §5.2)."""

    ticket: int
    symbol: str
    direction: str
    kind: str
    volume: float  # closed now
    remaining: float
    price: float
    reason: str  # TP1_PARTIAL, TP2_PARTIAL, EXIT_PARTIAL
    words: str
    strategy: str = ""


@dataclass(frozen=True, slots=True)
class ExitHeld(Event):
    """An exit signal left a strong, profitable position open (SPEC §5.2.3, EXIT_HELD)."""

    ticket: int
    symbol: str
    direction: str
    profit_pips: float
    words: str
    strategy: str = ""


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
