"""Entry plans and prices shared by the desk and shadow-ledger tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.domain.enums import Direction
from core.engine import Engine
from core.signals.v5 import Levels
from core.strategies.api import EntryPlan
from tests.engine.helpers import quote

BID = 1.08400
ASK = 1.08408  # EURUSD typical spread 0.8 pip
# Logic 2 on a 10,000 account: sl-1 table 150 pips × SL multiplier 1.5 = 225 pips, and
# 10,000 × 1 % ÷ (225 × $10) = 0.044 → 0.04 lot.
TABLE_PIPS = 225.0
BASE = EntryPlan(symbol="EURUSD", direction=Direction.BUY, owner="combinedlogic-2",
                 tag="v4-logic2", routing="dual_orders", signal_id="sig-1", sl_multiplier=1.5,
                 logic="combinedlogic-2", timeframe="15m")


def plan(**changes: Any) -> EntryPlan:
    return replace(BASE, **changes)


def buy_levels(sl: float = 1.06408, tp1: float = 1.08708, tp2: float | None = 1.08908,
               tp3: float | None = None) -> Levels:
    """Default: SL 200 pips under the ask → 100 ÷ (200 × $10) = 0.05 lot for A."""
    return Levels(sl=sl, tp1=tp1, tp2=tp2, tp3=tp3)


def market(engine: Engine, bid: float = BID) -> None:
    quote(engine, "EURUSD", bid)
