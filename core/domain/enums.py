"""Enumerations of the trading domain (SPEC §1, §3)."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Direction:
        return Direction.SELL if self is Direction.BUY else Direction.BUY

    @property
    def sign(self) -> int:
        return 1 if self is Direction.BUY else -1


class TrendValue(StrEnum):
    BULLISH = "BULLISH"
    BEARISH = "BEARISH"
    NEUTRAL = "NEUTRAL"


class Timeframe(StrEnum):
    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    H4 = "4h"
    D1 = "1d"


class TradingMode(StrEnum):
    PAPER = "paper"
    LIVE = "live"


class SignalFamily(StrEnum):
    LEGACY = "LEGACY"
    V3 = "V3"
    V6 = "V6"
    INTERNAL = "INTERNAL"


class Severity(StrEnum):
    INFO = "INFO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class ErrorCategory(StrEnum):
    """Where an error came from (SPEC §3.5): it decides the automatic handling."""

    PLUGIN = "PLUGIN"
    TRADE = "TRADE"
    CONNECTION = "CONNECTION"
    CONFIG = "CONFIG"
    DATABASE = "DATABASE"
    TELEGRAM = "TELEGRAM"
    MT5 = "MT5"
    UNKNOWN = "UNKNOWN"


class OrderKind(StrEnum):
    A = "A"
    B = "B"
    REENTRY = "R"
    PYRAMID = "P"
    SHIELD = "S"
    MANUAL = "M"


class PauseReason(StrEnum):
    MANUAL = "MANUAL"
    MT5_DOWN = "MT5_DOWN"
    CRITICAL_ERROR = "CRITICAL_ERROR"
    PANIC = "PANIC"
