"""The indicator snapshot (SPEC §3 step 3, §5.2.2): latest scores per symbol and timeframe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class IndicatorReading:
    symbol: str
    timeframe: str
    consensus: int | None
    confidence: int | None
    adx: float | None
    updated_at: datetime


class IndicatorSnapshot:
    """Kept in memory: it describes the market now, and is rebuilt by the next alerts."""

    def __init__(self) -> None:
        self._readings: dict[tuple[str, str], IndicatorReading] = {}

    def get(self, symbol: str, timeframe: str) -> IndicatorReading | None:
        return self._readings.get((symbol, timeframe))

    def all(self) -> list[IndicatorReading]:
        return [self._readings[k] for k in sorted(self._readings)]

    def record(self, symbol: str, timeframe: str, extras: dict[str, Any],
               now: datetime) -> IndicatorReading | None:
        """Take the scores an alert carries; values it does not carry keep their last one."""
        scores = dict(extras.get("scores") or {})
        if "adx" in extras and "adx" not in scores:
            scores["adx"] = extras["adx"]
        wanted = {k: scores.get(k) for k in ("consensus", "confidence", "adx")
                  if scores.get(k) is not None}
        if not wanted:
            return None
        before = self.get(symbol, timeframe)
        reading = IndicatorReading(
            symbol, timeframe,
            wanted.get("consensus", before.consensus if before else None),
            wanted.get("confidence", before.confidence if before else None),
            wanted.get("adx", before.adx if before else None), now)
        self._readings[(symbol, timeframe)] = reading
        return reading
