"""Legacy JSON alerts (SPEC §2.2): bias, trend, entry, reversal, exit — model and parser."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationInfo, field_validator

from core.domain.enums import SignalFamily
from core.domain.symbols import SymbolSpec
from core.signals import fields as f
from core.signals.model import V4Signal

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
_TYPES = {t: t for t in LEGACY_TYPES}


def _kind(info: ValidationInfo) -> str | None:
    kind = info.data.get("type")
    return kind if isinstance(kind, str) else None


class LegacyAlert(f.AlertModel):
    """One legacy alert; fields are validated in this order and the first failure answers."""

    type: str
    signal: str
    tf: str
    symbol: str
    price: float
    strategy: str | None

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any, info: ValidationInfo) -> str:
        name = f.name_of(info)
        f.required(value, name, "bias, trend, entry, reversal or exit")
        return str(f.choice(value, name, _TYPES))

    @field_validator("signal", mode="before")
    @classmethod
    def _signal(cls, value: Any, info: ValidationInfo) -> str:
        kind = _kind(info)
        allowed = SIGNALS.get(kind or "", ("bull", "bear", "buy", "sell", "reversal_bull",
                                           "reversal_bear"))
        f.required(value, f.name_of(info), ", ".join(allowed))
        if not isinstance(value, str):
            f.fail("INVALID_VALUE", f"{f.name_of(info)} must be text such as "
                   f"{allowed[0]}, got {value!r}")
        signal = value.strip().lower()
        if kind is not None and signal not in allowed:
            f.fail("INVALID_SIGNAL", f"signal {signal!r} does not belong to type {kind!r}; "
                   f"use one of {', '.join(allowed)}")
        return signal

    @field_validator("tf", mode="before")
    @classmethod
    def _tf(cls, value: Any, info: ValidationInfo) -> str:
        kind = _kind(info)
        return f.timeframe(value, f.name_of(info), TIMEFRAMES[kind] if kind else None)

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, value: Any, info: ValidationInfo) -> str:
        return f.symbol(value, f.name_of(info), f.ctx(info).symbols)

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any, info: ValidationInfo) -> float:
        name = f.name_of(info)
        f.required(value, name, "the alert price > 0, e.g. {{close}}")
        out = f.price(value, name, f.ctx(info).symbols, info.data.get("symbol"))
        if out is None:  # NaN: a plot without a value
            f.fail("INVALID_VALUE", f"{name} must be a number > 0, got {value!r}")
        return out

    @field_validator("strategy", mode="before")
    @classmethod
    def _strategy(cls, value: Any) -> str | None:
        # A free informational label: anything unusable is simply not kept.
        return (value.strip()[:64] or None) if isinstance(value, str) else None


def parse_legacy(payload: Mapping[str, Any], symbols: Mapping[str, SymbolSpec],
                 received_at: datetime, raw: str = "") -> V4Signal:
    """Validate one legacy payload (secret already removed) into a V4Signal."""
    alert = f.validate(LegacyAlert, payload, f.ParseContext(symbols))
    signal_type, direction = CANONICAL[(alert.type, alert.signal)]
    strategy = "legacy" if alert.type in ("bias", "trend") else LOGIC_BY_TF[alert.tf]
    extras: dict[str, Any] = {"alert_type": alert.type, "legacy_type": alert.type,
                              "legacy_signal": alert.signal}
    if alert.strategy:
        extras["label"] = alert.strategy
    return V4Signal(
        signal_id=str(uuid.uuid4()), signal_type=signal_type, symbol=alert.symbol,
        timeframe=alert.tf, direction=direction, price=alert.price, strategy=strategy,
        source_format=SignalFamily.LEGACY, received_at=received_at, extras=extras, raw=raw,
    )
