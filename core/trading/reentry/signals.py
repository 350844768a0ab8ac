"""Opposite signals for armed continuations (SPEC §6.4, §6.5), read from the signal log.

The hook: the engine listens for `AlertProcessed` (published by the intake after each alert)
and reads that alert's record from the "signals" journal, so every alert counts - also one
that opened or closed nothing (an exit alert for a chain whose order is already closed).
"""

from __future__ import annotations

from typing import Any

from core.storage.store import Store
from core.trading.reentry.model import Chain

SIGNAL_LOG = "signals"
ENTRY_TYPES = frozenset({"BUY_SIGNAL", "SELL_SIGNAL"})
REVERSAL_TYPES = frozenset({"REVERSAL_BUY", "REVERSAL_SELL"})
EXIT_TYPES = frozenset({"CLOSE_BUY", "CLOSE_SELL"})
TREND_SIDE = {"BULLISH": "BUY", "BEARISH": "SELL"}


def find(store: Store, signal_id: str) -> dict[str, Any] | None:
    """The signal of the alert just processed (the newest records hold it)."""
    for record in store.tail(SIGNAL_LOG, 20):
        signal = record.get("signal") or {}
        if signal.get("signal_id") == signal_id:
            return dict(signal)
    return None


def opposite(signal: dict[str, Any], chain: Chain) -> bool:
    """Same symbol and the chain's entry timeframe (its strategy's scope), and one of: an
    entry the other way (at any time: if it closed the chain's order, SPEC §6.5 says no exit
    continuation), or - received after arming - a reversal the other way, an exit of the
    chain's side, a trend flip against it (the alert that caused the close does not count)."""
    if signal.get("symbol") != chain.symbol:
        return False
    if chain.timeframe is not None and signal.get("timeframe") != chain.timeframe:
        return False
    kind = str(signal.get("signal_type") or "")
    direction = str(signal.get("direction") or "")
    if kind in ENTRY_TYPES:
        return direction not in ("", chain.direction)
    received = str(signal.get("received_at") or "")
    if chain.armed_at and received and received <= chain.armed_at:
        return False
    if kind in REVERSAL_TYPES:
        return direction not in ("", chain.direction)
    if kind in EXIT_TYPES:
        return direction == chain.direction
    if kind == "TREND_UPDATE":
        side = TREND_SIDE.get(direction)
        return side is not None and side != chain.direction
    return False
