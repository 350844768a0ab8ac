"""The canonical signal (SPEC §3.1), rejection reasons, and symbol/timeframe normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain.enums import SignalFamily

TIMEFRAME_ALIASES: dict[str, str] = {
    "1": "1m", "5": "5m", "15": "15m", "60": "1h", "240": "4h", "d": "1d", "1d": "1d",
    "1m": "1m", "5m": "5m", "15m": "15m", "1h": "1h", "4h": "4h",
}


class AlertRejected(Exception):
    """An alert the webhook refuses: `code` is the SPEC reason code, `message` tells the fix."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def normalise_symbol(raw: Any, known: set[str] | frozenset[str]) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise AlertRejected("MALFORMED", "field 'symbol' must be a non-empty string")
    symbol = raw.strip().upper().rsplit(":", 1)[-1]
    if symbol not in known:
        raise AlertRejected("UNKNOWN_SYMBOL", f"symbol {symbol!r} is not in the symbol table "
                            f"(known: {', '.join(sorted(known))})")
    return symbol


def normalise_timeframe(raw: Any, allowed: tuple[str, ...] | None = None) -> str:
    text = str(raw).strip().lower() if raw is not None else ""
    tf = TIMEFRAME_ALIASES.get(text)
    if tf is None:
        raise AlertRejected("UNSUPPORTED_TF", f"timeframe {raw!r} is not supported; use one of "
                            "1, 5, 15, 60, 240, D (or 1m, 5m, 15m, 1h, 4h, 1d)")
    if allowed is not None and tf not in allowed:
        raise AlertRejected("UNSUPPORTED_TF", f"timeframe {tf} is not allowed here; use one of "
                            + ", ".join(allowed))
    return tf


def normalise_price(raw: Any, name: str, digits: int) -> float:
    if isinstance(raw, bool):
        raise AlertRejected("INVALID_VALUE", f"field {name!r} must be a number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise AlertRejected("INVALID_VALUE", f"field {name!r} must be a number > 0, "
                            f"got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise AlertRejected("INVALID_VALUE", f"field {name!r} must be a number > 0, got {raw!r}")
    return round(value, digits)


@dataclass(frozen=True, slots=True)
class V4Signal:
    """Every accepted alert becomes exactly one of these (SPEC §3.1)."""

    signal_id: str
    signal_type: str  # BUY_SIGNAL, SELL_SIGNAL, CLOSE_BUY, CLOSE_SELL, REVERSAL_*, TREND_UPDATE...
    symbol: str
    timeframe: str
    direction: str | None  # BUY/SELL for trading types; BULLISH/BEARISH/NEUTRAL for updates
    price: float | None
    strategy: str
    source_format: SignalFamily
    received_at: datetime
    extras: dict[str, Any] = field(default_factory=dict)
    raw: str = ""

    def dedup_key(self) -> str:
        return "|".join([self.source_format.value, self.signal_type, self.symbol, self.timeframe,
                         str(self.direction), f"{self.price}"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "signal_id": self.signal_id, "signal_type": self.signal_type, "symbol": self.symbol,
            "timeframe": self.timeframe, "direction": self.direction, "price": self.price,
            "strategy": self.strategy, "source_format": self.source_format.value,
            "received_at": self.received_at.isoformat(), "extras": self.extras,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], raw: str = "") -> V4Signal:
        return cls(
            signal_id=data["signal_id"], signal_type=data["signal_type"], symbol=data["symbol"],
            timeframe=data["timeframe"], direction=data["direction"], price=data["price"],
            strategy=data["strategy"], source_format=SignalFamily(data["source_format"]),
            received_at=datetime.fromisoformat(data["received_at"]),
            extras=dict(data.get("extras") or {}), raw=raw,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a signal: executed, rejected, duplicate, ignored, blocked or error."""

    outcome: str
    reason: str
    detail: str = ""
