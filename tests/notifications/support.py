"""Reading the outbox the way a delivery channel does (pending, oldest first, per role)."""

from __future__ import annotations

from core.engine import Engine
from core.notifications.outbox import OutboundMessage


def outbox(engine: Engine, role: str = "notification") -> list[OutboundMessage]:
    assert engine.outbox is not None and engine.notifications is not None
    engine.notifications.flush()  # events of this loop turn, as the next turn would
    return [item.message for item in engine.outbox.pending(role, limit=10_000)]


def of_type(engine: Engine, kind: str, role: str = "notification") -> list[OutboundMessage]:
    return [m for m in outbox(engine, role) if m.type == kind]


def types(engine: Engine, role: str = "notification") -> list[str]:
    return [m.type for m in outbox(engine, role)]
