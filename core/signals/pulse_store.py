"""The V6 pulse store and market state (SPEC §4.3.5), persisted per (symbol, timeframe)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from core.storage.store import Store

TABLE = "pulses"


def market_state(bull: int, bear: int) -> str:
    """SPEC §4.3.5 with d = bull − bear."""
    d = bull - bear
    if d >= 3:
        return "TRENDING_BULLISH"
    if d == 2:
        return "WEAK_BULLISH"
    if d <= -3:
        return "TRENDING_BEARISH"
    if d == -2:
        return "WEAK_BEARISH"
    return "SIDEWAYS"


@dataclass(frozen=True, slots=True)
class PulseRecord:
    symbol: str
    timeframe: str
    bull_count: int = 0
    bear_count: int = 0
    changed_tfs: tuple[str, ...] = ()
    reported_state: str | None = None
    state: str = "SIDEWAYS"
    updated_at: str = ""
    has_counts: bool = False  # False until a TREND_PULSE arrived (a STATE_CHANGE alone)

    def aligned(self, direction: str) -> bool:
        """BUY aligned when bulls > bears, SELL when bears > bulls (SPEC §4.3.3)."""
        if direction == "BUY":
            return self.bull_count > self.bear_count
        return self.bear_count > self.bull_count


class PulseStore:
    """In memory for speed, written through to the store on every change."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._records: dict[str, PulseRecord] = {}
        for doc in store.all(TABLE):
            data = {k: v for k, v in doc.items() if not k.startswith("_")}
            data["changed_tfs"] = tuple(data.get("changed_tfs") or ())
            record = PulseRecord(**data)
            self._records[_key(record.symbol, record.timeframe)] = record

    def get(self, symbol: str, timeframe: str) -> PulseRecord | None:
        return self._records.get(_key(symbol, timeframe))

    def all(self) -> list[PulseRecord]:
        return sorted(self._records.values(), key=lambda r: (r.symbol, r.timeframe))

    def pulse(self, symbol: str, timeframe: str, bull: int, bear: int,
              changed: tuple[str, ...], reported: str | None, now: datetime
              ) -> tuple[PulseRecord, str | None]:
        """Apply a TREND_PULSE; returns the record and the previous computed state when it
        changed (None when it did not)."""
        before = self.get(symbol, timeframe)
        record = PulseRecord(symbol, timeframe, bull, bear, changed,
                             reported if reported is not None else
                             (before.reported_state if before else None),
                             market_state(bull, bear), now.isoformat(), True)
        self._put(record)
        previous = before.state if before is not None and before.has_counts else None
        return record, previous if previous is not None and previous != record.state else None

    def report_state(self, symbol: str, timeframe: str, state: str, now: datetime
                     ) -> PulseRecord:
        """A STATE_CHANGE alert: the reported state only; counts are kept."""
        before = self.get(symbol, timeframe) or PulseRecord(symbol, timeframe)
        record = PulseRecord(before.symbol, before.timeframe, before.bull_count,
                             before.bear_count, before.changed_tfs, state, before.state,
                             now.isoformat(), before.has_counts)
        self._put(record)
        return record

    def _put(self, record: PulseRecord) -> None:
        key = _key(record.symbol, record.timeframe)
        doc = asdict(record)
        doc["changed_tfs"] = list(record.changed_tfs)
        self._store.put(TABLE, key, doc)
        self._records[key] = record


def _key(symbol: str, timeframe: str) -> str:
    return f"{symbol}|{timeframe}"
