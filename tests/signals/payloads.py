"""The SPEC §2 example alerts, verbatim (TradingView placeholders already substituted)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.domain.symbols import DEFAULT_SYMBOLS

SYMBOLS = DEFAULT_SYMBOLS
NOW = datetime(2025, 11, 26, 8, 35, 12, tzinfo=UTC)
SPEC_SECRET = "s3cr3t-token"

LEGACY_ENTRY: dict[str, Any] = {"type": "entry", "signal": "buy", "tf": "15m",
                                "symbol": "EURUSD", "price": 1.08452, "strategy": "combined",
                                "secret": SPEC_SECRET}
LEGACY_TREND: dict[str, Any] = {"type": "trend", "signal": "bear", "tf": "1h", "symbol": "XAUUSD",
                                "price": 2318.45}
LEGACY_EXIT: dict[str, Any] = {"type": "exit", "signal": "bull", "tf": "5m", "symbol": "GBPUSD",
                               "price": 1.26510, "secret": SPEC_SECRET}
V3_ENTRY: dict[str, Any] = {
    "type": "entry_v3", "signal_type": "Institutional_Launchpad", "symbol": "EURUSD",
    "direction": "buy", "tf": "15", "price": 1.08450, "consensus_score": 8, "sl_price": 1.08250,
    "tp1_price": 1.08850, "tp2_price": 1.09050, "mtf_trends": "1,1,1,1,0,1", "market_trend": 1,
    "volume_delta_ratio": 1.42, "price_in_ob": True, "position_multiplier": 0.8,
    "secret": SPEC_SECRET}
V3_EXIT: dict[str, Any] = {
    "type": "exit_v3", "signal_type": "Bullish_Exit", "symbol": "XAUUSD", "direction": "sell",
    "tf": "60", "price": 2331.20, "consensus_score": 3, "reason": "bullish consensus faded",
    "secret": SPEC_SECRET}
V3_PULSE: dict[str, Any] = {
    "type": "trend_pulse_v3", "signal_type": "Trend_Pulse", "symbol": "GBPUSD",
    "direction": "neutral", "tf": "15", "current_trends": "1,-1,-1,1,1,1",
    "previous_trends": "1,-1,1,1,1,1", "changed_timeframes": "15",
    "message": "15m turned bearish", "secret": SPEC_SECRET}
V6_ENTRY = "BULLISH_ENTRY|EURUSD|15|1.08452|BUY|HIGH|85|27.4|STRONG|1.08210|1.08694|1.08936|1.09178|5/1|TL_BREAK|"  # noqa: E501
V6_ENTRY_NA = "BEARISH_ENTRY|USDJPY|1|151.320|SELL|MODERATE|62|NA|NA|151.420|151.220|151.120|NA|2/4|TL_OK|"  # noqa: E501
V6_PULSE = "TREND_PULSE|XAUUSD|60|5|1|15,240|TRENDING_BULLISH"
V6_EXIT = "EXIT_BEARISH|GBPJPY|5|191.245|12"
V6_ENTRY_JSON: dict[str, Any] = {
    "type": "BULLISH_ENTRY", "symbol": "EURUSD", "tf": "15", "price": 1.08452, "direction": "BUY",
    "conf_level": "HIGH", "conf_score": 85, "adx": 27.4, "adx_strength": "STRONG",
    "sl": 1.08210, "tp1": 1.08694, "tp2": 1.08936, "tp3": 1.09178, "alignment": "5/1",
    "tl_status": "TL_BREAK", "secret": SPEC_SECRET}


def without_secret(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "secret"}
