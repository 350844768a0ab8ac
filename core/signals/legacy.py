"""Parser of the legacy JSON alerts (SPEC §2.2): bias, trend, entry, reversal, exit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.domain.enums import SignalFamily
from core.domain.symbols import SymbolSpec
from core.signals.model import (
    AlertRejected,
    V4Signal,
    normalise_price,
    normalise_symbol,
    normalise_timeframe,
)

LEGACY_TYPES = ("bias", "trend", "entry", "reversal", "exit")
SIGNALS: dict[str, tuple[str, ...]] = {
    "bias": ("bull", "bear"), "trend": ("bull", "bear"), "entry": ("buy", "sell"),
    "reversal": ("reversal_bull", "reversal_bear"), "exit": ("bull", "bear"),
}
TIMEFRAMES: dict[str, tuple[str, ...]] = {
    "bias": ("5m", "15m", "1h", "1d"), "trend": ("5m", "15m", "1h", "1d"),
    "entry": ("5m", "15m", "1h"), "reversal": ("5m", "15m", "1h"), "exit": ("5m", "15m", "1h"),
}
LOGIC_BY_TF = {"5m": "combinedlogic-1", "15m": "combinedlogic-2", "1h": "combinedlogic-3"}
CANONICAL: dict[tuple[str, str], tuple[str, str]] = {
    ("bias", "bull"): ("BIAS_UPDATE", "BULLISH"), ("bias", "bear"): ("BIAS_UPDATE", "BEARISH"),
    ("trend", "bull"): ("TREND_UPDATE", "BULLISH"), ("trend", "bear"): ("TREND_UPDATE", "BEARISH"),
    ("entry", "buy"): ("BUY_SIGNAL", "BUY"), ("entry", "sell"): ("SELL_SIGNAL", "SELL"),
    ("reversal", "reversal_bull"): ("REVERSAL_BUY", "BUY"),
    ("reversal", "reversal_bear"): ("REVERSAL_SELL", "SELL"),
    ("exit", "bull"): ("CLOSE_SELL", "SELL"), ("exit", "bear"): ("CLOSE_BUY", "BUY"),
}


def _text(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if value is None:
        raise AlertRejected("MISSING_FIELD", f"field {name!r} is required")
    if not isinstance(value, str):
        raise AlertRejected("INVALID_VALUE", f"field {name!r} must be a string, got {value!r}")
    return value.strip().lower()


def parse_legacy(payload: Mapping[str, Any], symbols: Mapping[str, SymbolSpec],
                 received_at: datetime, raw: str = "") -> V4Signal:
    """Validate one legacy payload (secret already removed) into a V4Signal."""
    kind = _text(payload, "type")
    if kind not in LEGACY_TYPES:
        raise AlertRejected("INVALID_VALUE", f"field 'type' must be one of "
                            f"{', '.join(LEGACY_TYPES)}, got {kind!r}")
    signal = _text(payload, "signal")
    if signal not in SIGNALS[kind]:
        raise AlertRejected("INVALID_SIGNAL", f"signal {signal!r} does not belong to type "
                            f"{kind!r}; use one of {', '.join(SIGNALS[kind])}")
    if payload.get("tf") is None:
        raise AlertRejected("MISSING_FIELD", "field 'tf' is required")
    tf = normalise_timeframe(payload.get("tf"), TIMEFRAMES[kind])
    symbol = normalise_symbol(payload.get("symbol"), frozenset(symbols))
    if payload.get("price") is None:
        raise AlertRejected("MISSING_FIELD", "field 'price' is required")
    price = normalise_price(payload.get("price"), "price", symbols[symbol].digits)
    signal_type, direction = CANONICAL[(kind, signal)]
    label = payload.get("strategy")
    strategy = "legacy" if kind in ("bias", "trend") else LOGIC_BY_TF[tf]
    extras = {"legacy_type": kind, "legacy_signal": signal}
    if isinstance(label, str) and label.strip():
        extras["label"] = label.strip()[:64]
    return V4Signal(
        signal_id=str(uuid.uuid4()), signal_type=signal_type, symbol=symbol, timeframe=tf,
        direction=direction, price=price, strategy=strategy, source_format=SignalFamily.LEGACY,
        received_at=received_at, extras=extras, raw=raw,
    )
