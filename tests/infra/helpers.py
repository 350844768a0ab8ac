"""Helpers of the infra tests: restarts on one data directory, hand edits on the terminal."""

from __future__ import annotations

from typing import Any

from core.brokers.factory import specs_from
from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from core.engine import Engine, EngineOptions
from core.infra.startup import Infra
from tests.engine.helpers import quote
from tests.engine.signal_helpers import run


async def started(options: EngineOptions) -> Engine:
    engine = Engine(options)
    await engine.start()
    return engine


def infra(engine: Engine) -> Infra:
    assert engine.infra is not None
    return engine.infra


async def manual_buy(engine: Engine, volume: float = 0.1) -> int:
    """A manual BUY EURUSD (SL 20 pips, TP 30 pips) at 1.08400; its ticket."""
    quote(engine, "EURUSD", 1.08400)
    reply = await run(engine, f"/buy EURUSD {volume} 20 30")
    assert reply.ok, reply.text()
    return int(reply.data["ticket"])


def offline_terminal(engine: Engine) -> SimTerminal:
    """The paper terminal as it is on disk while the engine is stopped (a second process
    touching the account: the operator's MT5 window, the broker's stop-outs)."""
    settings = engine.settings
    terminal = SimTerminal(engine.data_dir / "sim" / "terminal.json",
                           balance=settings.account.simulated_balance,
                           leverage=settings.account.simulated_leverage,
                           symbols=specs_from(settings), mapping=settings.symbols.mapping)
    assert terminal.initialize()
    return terminal


def by_hand(terminal: Any, request: dict[str, Any]) -> None:
    """A request sent from the terminal's own window (magic 0), not by the system."""
    result = terminal.order_send({"magic": 0, "type_filling": c.ORDER_FILLING_FOK, **request})
    assert result is not None and result.retcode == c.TRADE_RETCODE_DONE, (
        result, terminal.last_error())
