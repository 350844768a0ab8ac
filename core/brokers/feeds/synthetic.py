"""Seeded synthetic quotes: geometric random walks with per-symbol volatility and drift regimes."""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from core.brokers.feeds.bars import BarSeries, FloatArray
from core.domain.orders import Quote
from core.domain.symbols import SymbolSpec

# FX trades around the clock on about 252 days a year; annual volatility is quoted on that.
YEAR_SECONDS = 252 * 86_400
# Mean length of a drift regime: short, so EMA trends flip within minutes of demo time.
REGIME_SECONDS = 180.0
# Regime drift per minute, in units of the symbol's one-minute sigma.
STRENGTH_RANGE = (0.1, 0.6)
# A long pause (sleep, debugger) must not turn into one absurd jump.
MAX_STEP_SECONDS = 300.0
# Spread multiplier is 1 + WIDENING * u**3: mostly typical, now and then up to 35 % wider.
WIDENING = 0.35
HISTORY_SUBSTEPS = 6  # points per synthetic M1 history bar (10 s apart)
_BLOCK = 1024  # steps of random numbers drawn per numpy call


@dataclass(frozen=True, slots=True)
class SymbolProfile:
    """Where a symbol starts and how much it moves."""

    start_price: float
    annual_vol: float


# Levels near spring 2024; crosses are consistent with their legs (EURJPY ~ EURUSD * USDJPY).
PROFILES: dict[str, SymbolProfile] = {
    "EURUSD": SymbolProfile(1.0800, 0.07),
    "GBPUSD": SymbolProfile(1.2700, 0.09),
    "USDJPY": SymbolProfile(151.00, 0.09),
    "XAUUSD": SymbolProfile(2330.0, 0.15),
    "USDCAD": SymbolProfile(1.3600, 0.06),
    "AUDUSD": SymbolProfile(0.6600, 0.10),
    "NZDUSD": SymbolProfile(0.6100, 0.10),
    "EURJPY": SymbolProfile(163.00, 0.09),
    "GBPJPY": SymbolProfile(192.00, 0.11),
    "AUDJPY": SymbolProfile(99.50, 0.12),
    "EURGBP": SymbolProfile(0.8550, 0.06),
}


def profile_for(spec: SymbolSpec) -> SymbolProfile:
    """Known profile, else a plausible one from the pip size (JPY-like pairs trade near 100)."""
    known = PROFILES.get(spec.name)
    if known is not None:
        return known
    return SymbolProfile(100.0 if spec.pip_size >= 0.01 else 1.0, 0.10)


def _noise_share() -> float:
    """Fraction of the target sigma left to the noise once regime drift is accounted for.

    A drift that flips at rate 1/REGIME_SECONDS adds variance E[s^2] * sigma_min^2 *
    REGIME_SECONDS / 60 per minute at horizons longer than a regime; shrinking the noise by
    this factor keeps the hourly realised volatility at the target.
    """
    lo, hi = STRENGTH_RANGE
    mean_sq = (hi**3 - lo**3) / (3 * (hi - lo))
    return math.sqrt(1.0 - mean_sq * REGIME_SECONDS / 60.0)


class SyntheticFeed:
    """Deterministic demo quotes: same seed and same `now` sequence give identical quotes."""

    def __init__(self, symbols: Sequence[SymbolSpec], seed: int, start: datetime,
                 profiles: Mapping[str, SymbolProfile] | None = None) -> None:
        if not symbols:
            raise ValueError("SyntheticFeed needs at least one symbol")
        names = [s.name for s in symbols]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate symbols in {names}")
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        self._specs = tuple(symbols)
        self._seed = seed
        self._last_time = start
        self._rng = np.random.default_rng(seed)
        chosen = [(profiles or {}).get(s.name) or profile_for(s) for s in symbols]
        sigma_sec = [p.annual_vol / math.sqrt(YEAR_SECONDS) for p in chosen]
        share = _noise_share()
        self._noise = [s * share for s in sigma_sec]
        self._drift_unit = [s / math.sqrt(60.0) for s in sigma_sec]
        self._log_bid = [math.log(p.start_price) for p in chosen]
        n = len(symbols)
        lo, hi = STRENGTH_RANGE
        self._sign = [1.0 if u < 0.5 else -1.0 for u in self._rng.random(n).tolist()]
        self._strength = [lo + (hi - lo) * u for u in self._rng.random(n).tolist()]
        self._spread = [s.typical_spread_pips * s.pip_size for s in symbols]
        self._rows: list[tuple[list[float], list[float], list[float], list[float]]] = []
        self._row_index = 0
        self._switch_dt = -1.0
        self._switch_p = 0.0
        self._last: dict[str, Quote] = {}

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(s.name for s in self._specs)

    def last_quote(self, symbol: str) -> Quote | None:
        return self._last.get(symbol)

    def regime(self, symbol: str) -> int:
        """Direction of the symbol's current drift regime (+1 up, -1 down)."""
        return int(self._sign[self.symbols.index(symbol)])

    def _next_row(self) -> tuple[list[float], list[float], list[float], list[float]]:
        if self._row_index >= len(self._rows):
            # Drawing a block at once keeps numpy's per-call overhead off the per-step path.
            n = len(self._specs)
            z = self._rng.standard_normal((_BLOCK, n)).tolist()
            flip = self._rng.random((_BLOCK, n)).tolist()
            strength = self._rng.random((_BLOCK, n)).tolist()
            spread = self._rng.random((_BLOCK, n)).tolist()
            self._rows = list(zip(z, flip, strength, spread, strict=True))
            self._row_index = 0
        row = self._rows[self._row_index]
        self._row_index += 1
        return row

    def next_quotes(self, now: datetime) -> list[Quote]:
        """Advance every symbol by the time elapsed since the previous step; one quote each."""
        dt = min(max((now - self._last_time).total_seconds(), 0.0), MAX_STEP_SECONDS)
        self._last_time = now
        if dt != self._switch_dt:
            self._switch_dt = dt
            self._switch_p = 1.0 - math.exp(-dt / REGIME_SECONDS)
        z, flip, strength, spread = self._next_row()
        sqrt_dt = math.sqrt(dt)
        lo, hi = STRENGTH_RANGE
        quotes: list[Quote] = []
        for i, spec in enumerate(self._specs):
            if flip[i] < self._switch_p:
                self._sign[i] = -self._sign[i]
                self._strength[i] = lo + (hi - lo) * strength[i]
            self._log_bid[i] += (self._noise[i] * sqrt_dt * z[i]
                                 + self._sign[i] * self._strength[i] * self._drift_unit[i] * dt)
            digits = spec.digits
            bid = round(math.exp(self._log_bid[i]), digits)
            u = spread[i]
            ask = round(bid + self._spread[i] * (1.0 + WIDENING * u * u * u), digits)
            if ask <= bid:
                ask = round(bid + spec.point, digits)
            quote = Quote(spec.name, bid, ask, now)
            self._last[spec.name] = quote
            quotes.append(quote)
        return quotes

    def bars(self, symbol: str, n: int, end: datetime) -> BarSeries:
        """`n` M1 bid bars ending with the last whole minute before `end`, closing at the
        symbol's current bid, so a chart or an ATR can be pre-filled before the first step.

        Uses its own generator (seed, symbol): calling it never changes the live sequence.
        """
        index = self.symbols.index(symbol)
        spec = self._specs[index]
        if n <= 0:
            raise ValueError("n must be positive")
        rng = np.random.default_rng([self._seed, zlib.crc32(symbol.encode("utf-8"))])
        m = HISTORY_SUBSTEPS
        dt = 60.0 / m
        steps = n * m
        flips = rng.random(steps) < 1.0 - math.exp(-dt / REGIME_SECONDS)
        regime = np.cumsum(flips)
        sign = np.where(regime % 2 == 0, 1.0, -1.0) * (1.0 if rng.random() < 0.5 else -1.0)
        lo, hi = STRENGTH_RANGE
        strength = rng.uniform(lo, hi, int(regime[-1]) + 1)[regime]
        increments = (self._noise[index] * math.sqrt(dt) * rng.standard_normal(steps)
                      + sign * strength * self._drift_unit[index] * dt)
        path = np.concatenate(([0.0], np.cumsum(increments)))
        path += self._log_bid[index] - path[-1]
        prices: FloatArray = np.round(np.exp(path), spec.digits).astype(np.float64)
        inner = prices[:-1].reshape(n, m)
        opens = inner[:, 0]
        closes = prices[m::m]
        highs = np.maximum(inner.max(axis=1), closes)
        lows = np.minimum(inner.min(axis=1), closes)
        last_open = int(end.timestamp()) // 60 * 60 - 60
        times = last_open - 60 * np.arange(n - 1, -1, -1, dtype=np.int64)
        return BarSeries(times, opens, highs, lows, closes, np.zeros(n), 60,
                         f"synthetic:{symbol}")
