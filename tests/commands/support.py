"""Helpers for the STRATEGY, TIMEFRAME and PLUGIN command tests (real engine, real alerts)."""

from __future__ import annotations

from typing import Any

from core.commands.spec import Actor, Reply, Surface
from core.config import ConfigManager
from core.config.settings import Settings
from core.engine import OVERRIDES, Engine
from tests.engine.helpers import legacy, quote
from tests.engine.signal_helpers import CLI, post, record_of, run, v6_entry

GUEST = Actor(Surface.TELEGRAM, "42", admin=False)
__all__ = ["CLI", "GUEST", "aligned_buy", "decided_by", "refused", "reloaded", "run",
           "v6_buy"]


def reloaded(engine: Engine) -> Settings:
    """The settings a restart would build: file layer plus the overrides in the store."""
    assert engine.store is not None
    stored = {d["_key"]: d["value"] for d in engine.store.all(OVERRIDES)}
    return ConfigManager(engine.config.file_data, stored).settings


async def v6_buy(engine: Engine, tf: str = "15", symbol: str = "EURUSD",
                 price: float = 1.08452) -> dict[str, Any]:
    """A V6 BULLISH_ENTRY (ADX 27.4, confidence 85) through the intake; its log record."""
    quote(engine, symbol, price)
    answer = await post(engine, v6_entry(tf, symbol, price))
    return record_of(engine, str(answer["signal_id"]))


async def aligned_buy(engine: Engine, tf: str = "15m", symbol: str = "EURUSD",
                      price: float = 1.084) -> dict[str, Any]:
    """Legacy 1h + 15m bull trends, then a legacy BUY entry on `tf`; its log record."""
    quote(engine, symbol, price)
    for trend_tf in ("1h", "15m"):
        await post(engine, legacy("trend", "bull", trend_tf, symbol, price).decode())
    answer = await post(engine, legacy("entry", "buy", tf, symbol, price).decode())
    return record_of(engine, str(answer["signal_id"]))


def decided_by(record: dict[str, Any]) -> dict[str, tuple[bool, str, str, bool]]:
    """Layer → (live, outcome, reason, fallback) of every strategy layer of a record."""
    return {d["layer"]: (d["live"], d["outcome"], d["reason"], d["fallback"])
            for d in record["decisions"] if d["layer"] not in ("stores", "bridge")}


async def refused(engine: Engine, line: str) -> str:
    """Run a line that must be refused; the one-line reason."""
    reply: Reply = await run(engine, line)
    assert not reply.ok, reply.text()
    assert len(reply.lines) == 1
    return reply.lines[0]
