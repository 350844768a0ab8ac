"""The re-entry chain record (SPEC §6.1) and its store table (chains survive restarts)."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from core.domain.enums import Direction
from core.storage.store import Store
from core.trading.chain_events import ChainRow

TABLE = "reentry_chains"
HISTORY = "reentry_chain_history"
ACTIVE, ARMED = "ACTIVE", "ARMED"
COMPLETED, STOPPED, EXPIRED = "COMPLETED", "STOPPED", "EXPIRED"
FINISHED = frozenset({COMPLETED, STOPPED, EXPIRED})
SL_HUNT, TP_CONTINUATION, EXIT_CONTINUATION = "SL_HUNT", "TP_CONTINUATION", "EXIT_CONTINUATION"


def new_chain_id(symbol: str) -> str:
    return f"RE_{symbol}_{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class Chain:
    """One chain; every change is a new value written to the store (`ChainBook.save`)."""

    chain_id: str
    symbol: str
    direction: str  # BUY / SELL
    strategy: str  # owner: V4 logic label, "v3_combined", "v6_price_action_<tf>"
    logic: str | None
    timeframe: str | None  # the owner's entry timeframe (opposite-signal scope)
    tag: str  # broker tag code of the original order (SPEC §5.1.5)
    original_ticket: int
    original_entry: float
    original_sl: float
    original_sl_pips: float
    lot: float
    max_level: int
    created_at: str
    updated_at: str
    current_level: int = 0
    status: str = ACTIVE
    open_ticket: int | None = None
    armed_kind: str = ""
    target_price: float | None = None
    armed_at: str = ""
    armed_until: str = ""  # "" = no window (exit continuation)
    hit_entry: float | None = None  # entry and SL of the order whose SL was hit (retrace)
    hit_sl: float | None = None
    total_profit: float = 0.0
    sl_system_used: str = ""
    sl_reduction_percent: float = 0.0
    applied_sl_pips: float = 0.0
    tickets: tuple[int, ...] = ()
    stop_reason: str = ""
    last_reentry_at: str = ""
    blocked: str = ""  # the condition that failed at the last trigger (shown by /recovery)
    pending: dict[str, Any] = field(default_factory=dict)  # intent in flight (crash safety)
    shields: tuple[int, ...] = ()  # open reverse-shield tickets (SPEC §6.9)

    @property
    def side(self) -> Direction:
        return Direction(self.direction)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def evolve(self, now: datetime, **changes: Any) -> Chain:
        return replace(self, updated_at=now.isoformat(), **changes)

    def disarmed(self, now: datetime, status: str, reason: str) -> Chain:
        return self.evolve(now, status=status, stop_reason=reason, armed_kind="",
                           target_price=None, armed_until="", blocked="")

    def row(self) -> ChainRow:
        return ChainRow(
            chain_id=self.chain_id, family="reentry", symbol=self.symbol,
            direction=self.direction, strategy=self.strategy, level=self.current_level,
            max_level=self.max_level, status=self.status, armed_kind=self.armed_kind,
            target=self.target_price, until=self.armed_until, profit=self.total_profit,
            open_tickets=(self.open_ticket,) if self.open_ticket is not None else ())

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["tickets"] = list(self.tickets)
        doc["shields"] = list(self.shields)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Chain:
        data = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        data["tickets"] = tuple(data.get("tickets") or ())
        data["shields"] = tuple(data.get("shields") or ())
        return cls(**data)


class ChainBook:
    """Chains in memory, written through to the store on every change. The table holds only
    unfinished chains (each change rewrites it); a finished chain moves to the history
    journal, and memory keeps the last `RECENT` of those for /chains all and the pane."""

    RECENT = 200

    def __init__(self, store: Store) -> None:
        self._store = store
        self.chains: dict[str, Chain] = {}
        # Chains armed or with an order in flight: the monitor's work, asked every tick.
        self.watching: set[str] = set()
        for doc in reversed(store.tail(HISTORY, self.RECENT)):
            self.chains[doc["chain_id"]] = Chain.from_doc(doc)
        for doc in store.all(TABLE):
            self._track(Chain.from_doc(doc))

    def _track(self, chain: Chain) -> None:
        self.chains[chain.chain_id] = chain
        if not chain.finished and (chain.status == ARMED or chain.pending):
            self.watching.add(chain.chain_id)
        else:
            self.watching.discard(chain.chain_id)

    def save(self, chain: Chain) -> Chain:
        self._track(chain)
        if not chain.finished:
            self._store.put(TABLE, chain.chain_id, chain.to_doc())
            return chain
        self._store.append(HISTORY, chain.to_doc())
        self._store.delete(TABLE, chain.chain_id)
        finished = [c for c in self.chains.values() if c.finished]
        for old in finished[:max(0, len(finished) - self.RECENT)]:
            del self.chains[old.chain_id]
        return chain

    def live(self) -> list[Chain]:
        return [c for c in self.chains.values() if not c.finished]

    def by_ticket(self, ticket: int) -> Chain | None:
        return next((c for c in self.live() if c.open_ticket == ticket), None)

    def shown(self, today: str) -> tuple[ChainRow, ...]:
        """Unfinished chains and those finished today (`today` = ISO date prefix)."""
        return tuple(c.row() for c in sorted(self.chains.values(), key=lambda c: c.created_at)
                     if not c.finished or c.updated_at.startswith(today))
