"""Test helpers that drive the real engine (quotes into the simulated terminal, alerts in)."""

from __future__ import annotations

import json
from typing import Any

from core.engine import Engine
from tests.conftest import TEST_SECRET


def quote(engine: Engine, symbol: str, bid: float, spread: float | None = None) -> None:
    """Move the simulated market: one quote for `symbol` at the engine's clock time."""
    assert engine.bundle is not None and engine.bundle.terminal is not None
    spec = engine.symbols()[symbol]
    gap = spread if spread is not None else spec.typical_spread_pips * spec.pip_size
    engine.bundle.terminal.push_quote(engine.bundle.to_broker_symbol(symbol), bid,
                                      round(bid + gap, spec.digits), engine.clock.now())


def legacy(kind: str, signal: str, tf: str, symbol: str = "EURUSD", price: float = 1.084,
           **extra: Any) -> bytes:
    return json.dumps({"type": kind, "signal": signal, "tf": tf, "symbol": symbol,
                       "price": price, "secret": TEST_SECRET, **extra}).encode()


async def alert(engine: Engine, body: bytes) -> dict[str, Any]:
    """Post through the intake (as the webhook would) and wait until it is processed."""
    assert engine.intake is not None
    response = engine.intake.receive(body, peer="127.0.0.1")
    await engine.intake.queue.join()
    return response.body


async def aligned_buy(engine: Engine, symbol: str = "EURUSD", price: float = 1.084) -> None:
    for tf in ("1h", "15m"):
        await alert(engine, legacy("trend", "bull", tf, symbol, price))
    await alert(engine, legacy("entry", "buy", "15m", symbol, price))


def last_outcome(engine: Engine) -> dict[str, Any]:
    assert engine.store is not None
    return engine.store.tail("signals", 1)[0]
