"""Orders, positions, deals and the account, as the engine sees them at the broker port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.domain.enums import Direction, OrderKind


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    bid: float
    ask: float
    time: datetime


@dataclass(frozen=True, slots=True)
class Account:
    login: int
    balance: float
    equity: float
    margin: float
    margin_free: float
    margin_level: float
    profit: float
    currency: str = "USD"
    leverage: int = 100
    server: str = ""
    hedging: bool = True


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """What the engine wants placed. Written to the store before it is sent (client_id)."""

    client_id: str
    symbol: str
    direction: Direction
    volume: float
    sl: float | None
    tp: float | None
    kind: OrderKind
    strategy: str
    magic: int
    comment: str
    signal_id: str | None = None
    group_id: str | None = None
    logic: str | None = None  # the logic label (V4/V3), kept with the position


@dataclass(frozen=True, slots=True)
class OrderResult:
    """Outcome of one request at the broker port."""

    ok: bool
    retcode: int
    message: str
    ticket: int | None = None  # position ticket for market orders
    deal: int | None = None
    price: float | None = None
    volume: float | None = None


@dataclass(frozen=True, slots=True)
class Position:
    ticket: int
    symbol: str  # canonical
    direction: Direction
    volume: float
    price_open: float
    sl: float | None
    tp: float | None
    price_current: float
    profit: float
    magic: int
    comment: str
    time: datetime
    swap: float = 0.0

    @property
    def client_id(self) -> str | None:
        parts = self.comment.split("|")
        return parts[2] if len(parts) >= 3 and parts[2] else None


@dataclass(frozen=True, slots=True)
class Deal:
    ticket: int
    order: int
    position_id: int
    symbol: str  # canonical
    direction: Direction  # side of the deal itself
    entry: str  # IN, OUT
    volume: float
    price: float
    profit: float
    commission: float
    swap: float
    magic: int
    comment: str
    reason: str  # CLIENT, EXPERT, SL, TP, SO
    time: datetime


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A fully closed position with its result (the journal's trade record, thin form)."""

    ticket: int
    symbol: str
    direction: Direction
    volume: float
    price_open: float
    price_close: float
    profit: float
    reason: str
    strategy: str
    opened_at: datetime
    closed_at: datetime
    magic: int = 0
    extras: dict[str, str] = field(default_factory=dict)
