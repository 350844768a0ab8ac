"""The background synchroniser: POSITIONS every 5 s (SPEC §3.7) finds a hand edit by itself."""

from __future__ import annotations

import asyncio

from core.brokers.sim import constants as c
from core.clock import FrozenClock
from core.engine import Engine
from tests.infra.helpers import by_hand, infra, manual_buy


async def test_the_positions_interval_reconciles_without_a_command(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    assert engine.trading is not None and engine.bundle is not None
    ticket = await manual_buy(engine)
    by_hand(engine.bundle.terminal, {"action": c.TRADE_ACTION_SLTP, "symbol": "EURUSD",
                                     "position": ticket, "sl": 1.0830,
                                     "tp": engine.trading.positions[ticket].tp})
    await asyncio.sleep(1.2)  # one loop turn: POSITIONS is not due yet (5 s)
    assert infra(engine).conflicts.rows() == []
    frozen_clock.advance(5)
    for _ in range(30):  # the loop looks once a second
        if infra(engine).conflicts.rows():
            break
        await asyncio.sleep(0.1)
    [row] = infra(engine).conflicts.rows()
    assert (row.kind, row.status) == ("sl_tp_changed", "RESOLVED")
    assert infra(engine).sync.status["POSITIONS"].runs == 2
