"""Entry points of the four V6 Price Action plugins (SPEC §4.3.1), one per timeframe."""

from __future__ import annotations

from core.strategies.v6.plugin import (
    V6PriceAction,
    V6PriceAction1h,
    V6PriceAction1m,
    V6PriceAction5m,
    V6PriceAction15m,
)

# The loader calls each with the plugin's services and reads its `manifest`.
create_1m = V6PriceAction1m
create_5m = V6PriceAction5m
create_15m = V6PriceAction15m
create_1h = V6PriceAction1h

__all__ = ["V6PriceAction", "create_15m", "create_1h", "create_1m", "create_5m"]
