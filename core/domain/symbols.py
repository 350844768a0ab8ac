"""The symbol table of SPEC §5.3.4 and price/pip arithmetic."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """Static facts about one canonical symbol."""

    name: str
    pip_size: float
    digits: int
    pip_value: float  # USD per pip for 1.00 lot (static fallback)
    contract_size: float
    volatility: str
    min_sl_pips: float
    typical_spread_pips: float = 1.0

    @property
    def point(self) -> float:
        return 10.0 ** (-self.digits)

    @property
    def base(self) -> str:
        return self.name[:3]

    @property
    def quote(self) -> str:
        return self.name[3:]

    def pips(self, price_distance: float) -> float:
        return abs(price_distance) / self.pip_size

    def price_distance(self, pips: float) -> float:
        return pips * self.pip_size

    def round_price(self, price: float) -> float:
        return round(price, self.digits)

    def usd_per_quote_unit(self) -> float:
        """Static conversion of one unit of quote currency to USD (fallback when no quote)."""
        return self.pip_value / (self.pip_size * self.contract_size)


def _spec(name: str, pip: float, digits: int, value: float, contract: float, vol: str,
          min_sl: float, spread: float) -> SymbolSpec:
    return SymbolSpec(name, pip, digits, value, contract, vol, min_sl, spread)


DEFAULT_SYMBOLS: dict[str, SymbolSpec] = {
    s.name: s
    for s in (
        _spec("XAUUSD", 0.01, 2, 1.0, 100, "HIGH", 50, 25.0),
        _spec("EURUSD", 0.0001, 5, 10.0, 100_000, "LOW", 10, 0.8),
        _spec("GBPUSD", 0.0001, 5, 10.0, 100_000, "MEDIUM", 10, 1.2),
        _spec("USDJPY", 0.01, 3, 9.1, 100_000, "MEDIUM", 10, 1.0),
        _spec("USDCAD", 0.0001, 5, 8.0, 100_000, "LOW", 10, 1.5),
        _spec("AUDUSD", 0.0001, 5, 10.0, 100_000, "LOW", 10, 1.0),
        _spec("NZDUSD", 0.0001, 5, 10.0, 100_000, "LOW", 10, 1.5),
        _spec("EURJPY", 0.01, 3, 9.5, 100_000, "MEDIUM", 10, 1.5),
        _spec("GBPJPY", 0.01, 3, 9.0, 100_000, "HIGH", 10, 2.5),
        _spec("AUDJPY", 0.01, 3, 9.2, 100_000, "MEDIUM", 10, 1.8),
        _spec("EURGBP", 0.0001, 5, 12.5, 100_000, "LOW", 10, 1.2),
    )
}


def round_down_lot(volume: float, step: float = 0.01) -> float:
    """Round a volume down to the step (float-safe)."""
    steps = math.floor(volume / step + 1e-9)
    return round(steps * step, 8)
