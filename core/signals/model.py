"""The canonical signal (SPEC §3.1), decisions and outcomes, rejection reasons, timeframes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain.enums import SignalFamily

# Canonical V4Signal types that carry no trade and stop after the shared-store step (§3).
INFO = "INFO"
UPDATE_TYPES = frozenset({"TREND_UPDATE", "BIAS_UPDATE"})
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
        """SPEC §2.5.4: family + type + symbol + tf + direction + price. Alerts without a price
        (pulses, notices) are told apart by their content instead, so a changed pulse within
        the window is never mistaken for a repeat."""
        what = self.price if self.price is not None else _digest(self.extras)
        return "|".join([self.source_format.value, str(self.extras.get("alert_type", "")),
                         self.signal_type, self.symbol, self.timeframe, str(self.direction),
                         f"{what}"])

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
class LayerDecision:
    """One layer's decision on one signal (SPEC §3.8 decision record): the V4 logic or a
    plugin, live or shadow, with its outcome, reason code and time."""

    layer: str  # "V4" or a plugin id
    live: bool
    outcome: str
    reason: str
    detail: str = ""
    ms: float = 0.0
    fallback: bool = False  # the V4 logic trading a strategy whose plugin is not available

    def as_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "live": self.live, "outcome": self.outcome,
                "reason": self.reason, "detail": self.detail, "ms": self.ms,
                "fallback": self.fallback}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a signal: executed, rejected, duplicate, ignored, blocked, shadow or
    error — the live decision in the V4 view, with every layer's decision record."""

    outcome: str
    reason: str
    detail: str = ""
    decisions: tuple[LayerDecision, ...] = ()


def _digest(extras: dict[str, Any]) -> str:
    content = {k: v for k, v in extras.items() if k != "warnings"}
    return hashlib.blake2b(json.dumps(content, sort_keys=True, default=str).encode(),
                           digest_size=8).hexdigest()
