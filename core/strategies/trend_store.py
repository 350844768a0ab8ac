"""The trend store (SPEC §4.1.1): direction per symbol × timeframe, AUTO or MANUAL, persisted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from core.domain.enums import TrendValue
from core.storage.store import Store

TABLE = "trends"


@dataclass(frozen=True, slots=True)
class TrendEntry:
    symbol: str
    timeframe: str
    value: str = TrendValue.NEUTRAL.value
    mode: str = "AUTO"
    source: str = "LEGACY"
    updated_at: str = ""


class TrendStore:
    """In memory for speed, written through to the store on every change."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._entries: dict[str, TrendEntry] = {}
        for doc in store.all(TABLE):
            entry = TrendEntry(**{k: v for k, v in doc.items() if not k.startswith("_")})
            self._entries[_key(entry.symbol, entry.timeframe)] = entry

    def get(self, symbol: str, timeframe: str) -> TrendEntry:
        return self._entries.get(_key(symbol, timeframe), TrendEntry(symbol, timeframe))

    def all(self) -> list[TrendEntry]:
        return sorted(self._entries.values(), key=lambda e: (e.symbol, e.timeframe))

    def update(self, symbol: str, timeframe: str, value: str, source: str,
               now: datetime) -> str:
        """Apply an alert's value: TREND_UPDATED, TREND_UNCHANGED or MANUAL_LOCK."""
        current = self.get(symbol, timeframe)
        if current.mode == "MANUAL":
            return "MANUAL_LOCK"
        if current.value == value and current.updated_at:
            return "TREND_UNCHANGED"
        self._put(TrendEntry(symbol, timeframe, value, "AUTO", source, now.isoformat()))
        return "TREND_UPDATED"

    def set_manual(self, symbol: str, timeframe: str, value: str | None, now: datetime) -> None:
        """Lock a value (MANUAL), or with `None` return to AUTO keeping the value."""
        current = self.get(symbol, timeframe)
        if value is None:
            self._put(TrendEntry(symbol, timeframe, current.value, "AUTO", current.source,
                                 now.isoformat()))
        else:
            self._put(TrendEntry(symbol, timeframe, value, "MANUAL", "MANUAL", now.isoformat()))

    def _put(self, entry: TrendEntry) -> None:
        key = _key(entry.symbol, entry.timeframe)
        self._store.put(TABLE, key, asdict(entry))
        self._entries[key] = entry


def _key(symbol: str, timeframe: str) -> str:
    return f"{symbol}|{timeframe}"
