"""Fixed rows for the conflicts, checkpoints and chains panes, and a way to send them."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from console.app import V5ConsoleApp
from core.events import Event
from core.infra.events import CheckpointRow, ConflictRow
from core.trading.chain_events import ChainRow
from tests.console.support import wait_until

CONFLICTS = (
    ConflictRow("CF_3", "POSITIONS", "sl_tp_changed", 10000001, "EURUSD",
                "#10000001 EURUSD: store SL 1.08052 TP 1.09052, terminal SL 1.08 TP 1.091 "
                "(changed by hand)",
                "adopt the terminal's SL/TP (terminal) or re-apply the store's (store)",
                ("terminal", "store"), "OPEN", "2025-11-26T08:30:00+00:00"),
    ConflictRow("CF_2", "CONFIG", "both_changed", None, "",
                "risk.daily_loss_cap: legacy 200, hybrid 250",
                "choose the side to keep: /resolve ID legacy|hybrid", ("legacy", "hybrid"),
                "OPEN", "2025-11-26T08:20:00+00:00"),
    ConflictRow("CF_1", "POSITIONS", "closed_outside", 9999, "GBPUSD",
                "#9999 is in the store but no longer open at the broker (closed while the "
                "system was not watching: SL, P&L -12.40)",
                "close it in the store from its deals", ("terminal",), "RESOLVED",
                "2025-11-26T08:00:00+00:00",
                "closed in the store from its deals (trade recorded)"),
)
"""Two open conflicts (a broker hand edit, a config difference), one resolved."""

CHECKPOINTS = (
    CheckpointRow("CP_v6_price_action_15m_20251126083000_3", "2025-11-26T08:30:00+00:00",
                  "manual", "v6_price_action_15m", "V5_HYBRID", "hybrid", "before tuning"),
    CheckpointRow("CP_v3_combined_20251126081500_2", "2025-11-26T08:15:00+00:00",
                  "pre_config_change", "v3_combined", "V5_HYBRID", "hybrid"),
    CheckpointRow("CP_v6_price_action_15m_20251125220000_1", "2025-11-25T22:00:00+00:00",
                  "startup", "v6_price_action_15m", "V6_EXPERIMENTAL", "hybrid"),
)
"""Newest first, over two days."""

REENTRY = (
    ChainRow("RE_EURUSD_0a1b2c3d", "reentry", "EURUSD", "BUY", "v4-logic1", 2, 5, "ACTIVE", "",
             None, "", -4.10, (10000001,)),
    ChainRow("RE_GBPUSD_4e5f6a7b", "reentry", "GBPUSD", "SELL", "v4-logic2", 1, 5, "ARMED",
             "SL_HUNT", 1.2695, "2025-11-26T09:05:00+00:00", -6.50),
    ChainRow("RE_USDJPY_8c9d0e1f", "reentry", "USDJPY", "BUY", "v4-logic1", 3, 5,
             "COMPLETED", "", None, "", 18.20),
)
PROFIT = (
    ChainRow("PB_EURUSD_1a2b3c4d", "profit", "EURUSD", "BUY", "v4-logic1", 1, 0, "ACTIVE", "",
             None, "", 7.50, (10000002,)),
)


async def send(pilot: Pilot[Any], event: Event, ready: Any, what: str) -> None:
    """Publish `event` on the engine bus (the console's only input) and wait for `ready()`."""
    app = pilot.app
    assert isinstance(app, V5ConsoleApp) and app.engine is not None
    app.engine.bus.publish(event)
    await wait_until(pilot, ready, what=what)
    await pilot.pause(0.05)
