"""The Broker port: everything the engine may ask of a trading terminal."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.domain.orders import Account, Deal, OrderIntent, OrderResult, Position, Quote


class BrokerError(Exception):
    """The terminal could not be reached or answered nonsense (not a trade rejection)."""


class Broker(Protocol):
    """Async port over a MetaTrader5-like terminal. Symbols are canonical on this side."""

    name: str

    async def connect(self) -> None:
        """Initialise and log in (with retries); raise BrokerError when it cannot."""
        ...

    async def shutdown(self) -> None: ...

    @property
    def connected(self) -> bool: ...

    async def account(self) -> Account: ...

    async def quote(self, symbol: str) -> Quote: ...

    async def positions(self) -> tuple[Position, ...]:
        """Open positions carrying our magic range."""
        ...

    async def snapshot(self) -> tuple[tuple[Position, ...], Account]:
        """Open positions and the account in one round trip."""
        ...

    async def place_market(self, intent: OrderIntent) -> OrderResult:
        """Market order at ask (BUY) / bid (SELL) with SL/TP, magic and comment."""
        ...

    async def close_position(
        self, ticket: int, volume: float | None = None, comment: str = ""
    ) -> OrderResult:
        """Close a position fully, or partially with `volume` (opposite deal with `position`)."""
        ...

    async def modify_position(
        self, ticket: int, sl: float | None, tp: float | None
    ) -> OrderResult: ...

    async def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]: ...

    async def position_deals(self, ticket: int) -> tuple[Deal, ...]:
        """The IN and OUT deals of one position (MT5: history_deals_get(position=ticket))."""
        ...

    async def find_by_client_id(self, client_id: str, since: datetime) -> Position | Deal | None:
        """Look an order up by the client id in its comment (for retries after a timeout)."""
        ...
