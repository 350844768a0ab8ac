"""Paper-mode market: the price feed drives the simulated terminal; the demo source posts alerts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from core.clock import Clock
from core.domain.orders import Quote
from core.events import EventBus, QuotesUpdated
from core.trading.manager import TradeManager
from core.trading.service import TradingService

log = logging.getLogger(__name__)


class QuoteSource(Protocol):
    def next_quotes(self, now: Any) -> list[Quote]: ...


class QuoteSink(Protocol):
    def push_quote(self, symbol: str, bid: float, ask: float, time: Any) -> None: ...

    @property
    def state_version(self) -> int: ...


class AlertSource(Protocol):
    def on_quote(self, quote: Quote) -> list[Any]: ...


class MarketPump:
    """Every tick: quotes into the terminal, positions refreshed, demo alerts posted."""

    def __init__(self, feed: QuoteSource, terminal: QuoteSink, to_broker: Callable[[str], str],
                 trading: TradingService, bus: EventBus, clock: Clock, tick_seconds: float,
                 demo: AlertSource | None = None,
                 post_alert: Callable[[Any], Awaitable[None]] | None = None,
                 manager: TradeManager | None = None) -> None:
        self.feed = feed
        self.terminal = terminal
        self._to_broker = to_broker
        self.trading = trading
        self.bus = bus
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.demo = demo
        self.post_alert = post_alert
        self.manager = manager
        self.ticks = 0
        self.exhausted = False
        self._seen_version = -1

    async def step(self) -> bool:
        """One market tick; False when the feed has nothing more to give."""
        quotes = self.feed.next_quotes(self.clock.now())
        if not quotes:
            self.exhausted = True
            return False
        for q in quotes:
            self.terminal.push_quote(self._to_broker(q.symbol), q.bid, q.ask, q.time)
        self.ticks += 1
        self.bus.publish(QuotesUpdated(tuple((q.symbol, q.bid, q.ask) for q in quotes)))
        version = self.terminal.state_version
        if version != self._seen_version or self.trading.positions:
            self._seen_version = version
            await self.trading.refresh()
        if self.manager is not None and (self.trading.positions or self.manager.following):
            # SPEC §5.2 after each price step, on the prices just pushed (no extra quote)
            await self.manager.tick(prices={q.symbol: (q.bid, q.ask) for q in quotes})
        if self.demo is not None and self.post_alert is not None:
            for q in quotes:
                for alert in self.demo.on_quote(q):
                    await self.post_alert(alert)
        return True

    async def run(self) -> None:
        while True:
            try:
                more = await self.step()
            except Exception:  # the market must keep ticking through one bad tick
                log.exception("market tick failed")
                more = True
            if not more:
                log.info("price feed exhausted after %d ticks", self.ticks)
                return
            await asyncio.sleep(self.tick_seconds)


class PositionWatcher:
    """Live mode: the terminal moves by itself, so positions are polled and managed (SPEC
    §5.2: every 1 s)."""

    def __init__(self, trading: TradingService, interval: float = 1.0,
                 manager: TradeManager | None = None) -> None:
        self.trading = trading
        self.interval = interval
        self.manager = manager

    async def run(self) -> None:
        while True:
            try:
                await self.trading.refresh()
                if self.manager is not None and (self.trading.positions
                                                 or self.manager.following):
                    await self.manager.tick()
            except Exception:  # the watcher must keep running through one bad pass
                log.exception("position refresh or management failed")
            await asyncio.sleep(self.interval)
