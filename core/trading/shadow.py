"""The shadow ledger (SPEC §4.4): virtual positions of strategies in shadow, filled at quotes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from core.brokers.port import BrokerError
from core.clock import Clock
from core.domain.enums import Direction
from core.domain.orders import OrderIntent, Quote
from core.domain.symbols import SymbolSpec
from core.storage.store import Store

log = logging.getLogger(__name__)
POSITIONS = "shadow_positions"
STATE = "shadow_state"
TRADES = "shadow_trades"
QuoteSource = Callable[[str], Awaitable[Quote]]


@dataclass(frozen=True, slots=True)
class ShadowPosition:
    """One virtual position. `owner` is the layer (a plugin id or "V4"); `strategy` is who
    manages it inside the layer (the V4 logic label, or the plugin id again)."""

    id: str
    owner: str
    strategy: str
    logic: str | None
    symbol: str
    direction: Direction
    kind: str
    volume: float
    price_open: float
    sl: float | None
    tp: float | None
    signal_id: str | None
    group_id: str | None
    opened_at: str

    def as_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["direction"] = self.direction.value
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> ShadowPosition:
        fields = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        fields["direction"] = Direction(str(doc["direction"]))
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class ShadowStats:
    """Closed virtual trades of one layer or family: what /compare aggregates."""

    trades: int
    wins: int
    net: float

    @property
    def win_rate(self) -> float:
        return round(100 * self.wins / self.trades, 1) if self.trades else 0.0


class ShadowLedger:
    """Virtual positions in the store, closed at SL/TP by `tick` or by their strategy.

    Never sends to the broker, never publishes PositionOpened/PositionClosed and never
    touches the risk counters: shadow results stay out of caps, limits and live statistics.
    """

    def __init__(self, store: Store, clock: Clock,
                 symbols: Callable[[], Mapping[str, SymbolSpec]]) -> None:
        self._store = store
        self._clock = clock
        self._symbols = symbols
        # Reads are frequent (every entry's ALREADY_OPEN check, every tick): keep a mirror of
        # the table in memory; the store stays the truth that survives a restart.
        self._open: dict[str, ShadowPosition] = {
            doc["id"]: ShadowPosition.from_doc(doc) for doc in store.all(POSITIONS)}
        state = store.get(STATE, "counter") or {}
        self._counter = int(state.get("last", 0))
        self._last: dict[str, Quote] = {}  # the latest quote seen per symbol (ticks)

    # -- opening and closing -------------------------------------------------------------
    def open(self, intent: OrderIntent, price: float, layer: str) -> str:
        """Record `intent` as filled at `price` for `layer`; returns the virtual id."""
        self._counter += 1
        self._store.put(STATE, "counter", {"last": self._counter})
        position = ShadowPosition(
            id=f"S{self._counter}", owner=layer, strategy=intent.strategy, logic=intent.logic,
            symbol=intent.symbol, direction=intent.direction, kind=intent.kind.value,
            volume=intent.volume, price_open=price, sl=intent.sl, tp=intent.tp,
            signal_id=intent.signal_id, group_id=intent.group_id,
            opened_at=self._clock.now().isoformat())
        self._store.put(POSITIONS, position.id, position.as_doc())
        self._open[position.id] = position
        log.info("shadow %s: %s %s %.2f %s at %s (%s)", layer, position.id,
                 position.direction.value, position.volume, position.symbol, price,
                 position.kind)
        return position.id

    def close(self, position_id: str, price: float, reason: str) -> dict[str, Any]:
        """Close a virtual position at `price`; returns the closed-trade record."""
        position = self._open.pop(position_id, None)
        if position is None:
            raise KeyError(f"no open shadow position {position_id}")
        spec = self._symbols()[position.symbol]
        pips = (price - position.price_open) * position.direction.sign / spec.pip_size
        record = {**position.as_doc(), "price_close": price, "close_reason": reason,
                  "pips": round(pips, 1),
                  "profit": round(pips * spec.pip_value * position.volume, 2),
                  "closed_at": self._clock.now().isoformat()}
        self._store.append(TRADES, record)
        self._store.delete(POSITIONS, position_id)
        log.info("shadow %s: %s closed at %s (%s) %+.2f", position.owner, position_id, price,
                 reason, record["profit"])
        return record

    def close_at(self, position_id: str, quote: Quote, reason: str) -> dict[str, Any]:
        """Close at market: a BUY sells at the bid, a SELL buys at the ask."""
        position = self._open[position_id]
        return self.close(position_id, _exit_price(position.direction, quote), reason)

    def close_virtual(self, owner: str, number: int, reason: str) -> dict[str, Any] | None:
        """A strategy's close of its own virtual position S<number> (plugins see it as
        ticket -<number>), at the latest quote the monitor saw (the open price if none yet).
        None when there is no such position or it belongs to another owner."""
        position = self._open.get(f"S{number}")
        if position is None or position.owner != owner:
            return None
        quote = self._last.get(position.symbol)
        if quote is None:
            return self.close(position.id, position.price_open, reason)
        return self.close_at(position.id, quote, reason)

    # -- views -------------------------------------------------------------------------------
    def open_positions(self, owner: str | None = None, symbol: str | None = None,
                       direction: Direction | None = None) -> list[ShadowPosition]:
        return [p for p in self._open.values()
                if (owner is None or p.owner == owner) and (symbol is None or p.symbol == symbol)
                and (direction is None or p.direction is direction)]

    def positions(self, owner: str | None = None, symbol: str | None = None,
                  direction: Direction | None = None) -> list[dict[str, Any]]:
        """The open virtual positions as documents (the form the store and plugins use)."""
        return [p.as_doc() for p in self.open_positions(owner, symbol, direction)]

    def get(self, position_id: str) -> ShadowPosition | None:
        return self._open.get(position_id)

    @property
    def open_count(self) -> int:
        return len(self._open)

    def closed(self, owner: str | None = None, since: datetime | None = None,
               *, prefix: bool = False) -> list[dict[str, Any]]:
        """Closed virtual trades, oldest first; `prefix` matches owners starting with
        `owner` (a family: "v6_" for every V6 plugin)."""
        cutoff = since.isoformat() if since is not None else None

        def wanted(doc: dict[str, Any]) -> bool:
            who = str(doc.get("owner", ""))
            if owner is not None and not (who.startswith(owner) if prefix else who == owner):
                return False
            return cutoff is None or str(doc.get("closed_at", "")) >= cutoff

        return list(self._store.scan(TRADES, where=wanted))

    def stats(self, owner: str | None = None, since: datetime | None = None,
              *, prefix: bool = False) -> ShadowStats:
        trades = self.closed(owner, since, prefix=prefix)
        wins = sum(1 for t in trades if float(t["profit"]) > 0)
        net = round(sum(float(t["profit"]) for t in trades), 2)
        return ShadowStats(len(trades), wins, net)

    # -- simulation against live quotes ------------------------------------------------------
    async def tick(self, quote: QuoteSource) -> list[dict[str, Any]]:
        """Close every virtual position whose SL or TP the current quote has reached: a BUY
        at the bid (bid ≤ SL, bid ≥ TP), a SELL at the ask (ask ≥ SL, ask ≤ TP)."""
        closed: list[dict[str, Any]] = []
        for symbol in sorted({p.symbol for p in self._open.values()}):
            try:
                current = await quote(symbol)
            except BrokerError as exc:
                log.debug("shadow tick: no price for %s: %s", symbol, exc)
                continue
            self._last[symbol] = current
            # Re-read after the await: a strategy may have closed some meanwhile.
            for position in self.open_positions(symbol=symbol):
                reason = _hit(position, current)
                if reason is not None:
                    closed.append(self.close_at(position.id, current, reason))
        return closed

    async def run(self, quote: QuoteSource, interval: float = 1.0) -> None:
        """The monitor loop of SPEC §4.4 (not used by an offline replay, which ticks)."""
        while True:
            try:
                if self._open:
                    await self.tick(quote)
            except Exception:  # the monitor must survive one bad step
                log.exception("shadow ledger tick failed")
            await asyncio.sleep(interval)


def _exit_price(direction: Direction, quote: Quote) -> float:
    return quote.bid if direction is Direction.BUY else quote.ask


def _hit(position: ShadowPosition, quote: Quote) -> str | None:
    """SL before TP: with both reached in one step the loss is the prudent reading."""
    price = _exit_price(position.direction, quote)
    sign = position.direction.sign
    if position.sl is not None and (price - position.sl) * sign <= 0:
        return "SL"
    if position.tp is not None and (price - position.tp) * sign >= 0:
        return "TP"
    return None
