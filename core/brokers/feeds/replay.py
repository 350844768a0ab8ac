"""Bar replay: quotes along each bar's intrabar path, paced live or consumed all at once."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np

from core.brokers.feeds.bars import PATH_OFFSETS, BarSeries
from core.domain.orders import Quote
from core.domain.symbols import DEFAULT_SYMBOLS, SymbolSpec

_CHUNK = 4096  # ticks converted from numpy to Python floats at a time


class ReplayFeed:
    """Replays one symbol's bars as bid/ask quotes (bid = bar prices, ask = bid + spread).

    Each bar yields four ticks, O and the two extremes in the conservative order of
    `bars.intrabar_path`, then C, stamped at 0, 1/4, 1/2 and 3/4 of the bar's period: quote
    times are the data's own (historical) times. The offline fast path reads `bars` directly.
    """

    def __init__(self, series: BarSeries, symbol: str, spread_pips: float, *,
                 spec: SymbolSpec | None = None, bars_per_second: float = 10.0) -> None:
        if len(series) == 0:
            raise ValueError("cannot replay an empty bar series")
        if spread_pips < 0:
            raise ValueError("spread_pips must be >= 0")
        if bars_per_second <= 0:
            raise ValueError("bars_per_second must be positive")
        if spec is None:
            if symbol not in DEFAULT_SYMBOLS:
                raise ValueError(f"unknown symbol {symbol!r}: pass its SymbolSpec")
            spec = DEFAULT_SYMBOLS[symbol]
        self._series = series
        self._symbol = symbol
        self._spec = spec
        self._spread = spread_pips * spec.pip_size
        self._bars_per_second = bars_per_second
        offsets = np.array([round(f * series.period_seconds) for f in PATH_OFFSETS],
                           dtype=np.int64)
        self._prices = series.intrabar_paths().ravel()
        self._times = (series.times[:, None] + offsets[None, :]).ravel()
        self._position = 0
        self._anchor: datetime | None = None
        self._emitted_at_anchor = 0

    @property
    def bars(self) -> BarSeries:
        return self._series

    @property
    def symbol(self) -> str:
        return self._symbol

    @property
    def spec(self) -> SymbolSpec:
        return self._spec

    @property
    def position(self) -> int:
        """Index of the next tick (four ticks per bar)."""
        return self._position

    @property
    def done(self) -> bool:
        return self._position >= len(self._prices)

    def __len__(self) -> int:
        return len(self._prices)

    def reset(self) -> None:
        self._position = 0
        self._anchor = None
        self._emitted_at_anchor = 0

    def _quotes(self, start: int, stop: int) -> list[Quote]:
        digits = self._spec.digits
        spread = self._spread
        symbol = self._symbol
        out: list[Quote] = []
        for begin in range(start, stop, _CHUNK):
            end = min(begin + _CHUNK, stop)
            prices = self._prices[begin:end].tolist()
            times = self._times[begin:end].tolist()
            for bid, t in zip(prices, times, strict=True):
                out.append(Quote(symbol, round(bid, digits), round(bid + spread, digits),
                                 datetime.fromtimestamp(t, UTC)))
        return out

    def quotes(self) -> Iterator[Quote]:
        """Every remaining tick in order (advances the position)."""
        while not self.done:
            stop = min(self._position + _CHUNK, len(self._prices))
            batch = self._quotes(self._position, stop)
            self._position = stop
            yield from batch

    def next_quotes(self, now: datetime) -> list[Quote]:
        """Ticks due by `now` when bars play at `bars_per_second` from the first call.

        The first call yields the first tick; later calls yield every tick whose turn has come
        since (possibly none, possibly many at high speeds), so no intrabar extreme is skipped.
        """
        if self.done:
            return []
        if self._anchor is None:
            self._anchor = now
            self._emitted_at_anchor = self._position
        elapsed = max((now - self._anchor).total_seconds(), 0.0)
        due = self._emitted_at_anchor + 1 + math.floor(elapsed * self._bars_per_second * 4)
        stop = min(due, len(self._prices))
        if stop <= self._position:
            return []
        batch = self._quotes(self._position, stop)
        self._position = stop
        return batch
