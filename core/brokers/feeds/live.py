"""Live quotes read from a real terminal (shadow trading) through `symbol_info_tick`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from core.domain.orders import Quote


class TickSource(Protocol):
    """What the feed needs of the MetaTrader5 module (or anything shaped like it)."""

    def symbol_info_tick(self, symbol: str) -> Any: ...


class LiveQuoteFeed:
    """Polls one tick per symbol; broker names are mapped back to canonical ones (GOLD->XAUUSD).

    Quotes are stamped with the poll time in UTC: MT5 tick times are in the trade server's
    zone, which is not UTC. A missing tick (None, zero prices, an error from the terminal) is
    skipped and counted in `missed`; it never stops the feed.
    """

    def __init__(self, api: TickSource, symbols: Sequence[str],
                 mapping: Mapping[str, str] | None = None) -> None:
        mapping = dict(mapping or {})
        brokers = [mapping.get(s, s) for s in symbols]
        if len(set(brokers)) != len(brokers):
            raise ValueError(f"symbol mapping is not one-to-one: {brokers}")
        self._api = api
        self._pairs = tuple(zip(symbols, brokers, strict=True))
        self.missed: Counter[str] = Counter()  # canonical symbol -> skipped polls
        self.last_error: str = ""

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(canonical for canonical, _ in self._pairs)

    @property
    def broker_names(self) -> dict[str, str]:
        return dict(self._pairs)

    def next_quotes(self, now: datetime | None = None) -> list[Quote]:
        stamp = (now or datetime.now(UTC)).astimezone(UTC)
        quotes: list[Quote] = []
        for canonical, broker in self._pairs:
            try:
                tick = self._api.symbol_info_tick(broker)
            except Exception as exc:  # a terminal fault on one symbol must not stop the rest
                self.missed[canonical] += 1
                self.last_error = f"{broker}: {type(exc).__name__}: {exc}"
                continue
            bid = float(getattr(tick, "bid", 0.0) or 0.0) if tick is not None else 0.0
            ask = float(getattr(tick, "ask", 0.0) or 0.0) if tick is not None else 0.0
            if bid <= 0 or ask <= 0:
                # MT5 answers None for an unknown symbol and zeros before its first price.
                self.missed[canonical] += 1
                self.last_error = f"{broker}: no tick"
                continue
            quotes.append(Quote(canonical, bid, ask, stamp))
        return quotes

    @property
    def missed_total(self) -> int:
        return sum(self.missed.values())

