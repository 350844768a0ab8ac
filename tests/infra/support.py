"""Helpers for the recovery tests: order intents, the simulated terminal, the outbox."""

from __future__ import annotations

from typing import Any

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.engine import Engine, EngineOptions
from core.notifications.outbox import OutboundMessage


def fast(options: EngineOptions) -> EngineOptions:
    """Tiny retry and reconnect delays; the tests call check() and run_due() themselves, so
    the background loops stay out of the way."""
    options.config_overrides.update({
        "mt5.order_retry_backoff_seconds": [0.001, 0.002, 0.004],
        "mt5.connect_retry_delay_seconds": 0.001,
        "recovery.connection.check_seconds": 600,
        "recovery.tick_seconds": 60,
        "recovery.plugin_cooldown_seconds": 120,
    })
    return options


def intent(symbol: str = "EURUSD", volume: float = 0.05) -> OrderIntent:
    client = new_client_id()
    return OrderIntent(client_id=client, symbol=symbol, direction=Direction.BUY, volume=volume,
                       sl=1.07, tp=1.10, kind=OrderKind.MANUAL, strategy="manual",
                       magic=magic_for("manual", 505000),
                       comment=make_comment("manual", "M", client))


def terminal(engine: Engine) -> SimTerminal:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    return engine.bundle.terminal


def open_positions(engine: Engine) -> tuple[Any, ...]:
    """The terminal's open positions (its own view, not the engine's)."""
    return terminal(engine).positions_get() or ()


def out_deals(engine: Engine) -> list[Any]:
    """Every closing deal the terminal executed."""
    deals = terminal(engine).history_deals_get(0, 2_000_000_000) or ()
    return [d for d in deals if d.entry == c.DEAL_ENTRY_OUT]


def sent(engine: Engine, kind: str) -> list[OutboundMessage]:
    """Notifications of one type in the outbox (queued events handled first)."""
    assert engine.outbox is not None and engine.notifications is not None
    engine.notifications.flush()
    return [i.message for i in engine.outbox.pending("notification", 10_000)
            if i.message.type == kind]
