"""Helpers for the re-entry scenarios: one V3 Order A on EURUSD, prices, monitor ticks.

`open_a` posts legacy 1h + 15m bull trends and a 15m BUY (hybrid bridge → v3_combined,
combinedlogic-2, order_a_only): A #1 BUY 0.04 EURUSD @ 1.08408, SL 1.06158 (225 p),
TP 1.11783. The 4h and 1d pillars are set BULLISH too, so V3 re-entries are aligned
(SPEC §4.2.6: 3 of 4 pillars)."""

from __future__ import annotations

from typing import Any

from core.clock import FrozenClock
from core.engine import Engine
from core.events import Event
from core.infra.events import OperatorNotice
from core.trading.reentry.model import Chain
from tests.commands.support import aligned_buy
from tests.engine.helpers import quote

ENTRY, SL, TP = 1.08408, 1.06158, 1.11783
SL_PIPS = 225.0


async def open_a(engine: Engine) -> Chain:
    await aligned_buy(engine)
    pillars(engine, "BULLISH")
    return only_chain(engine)


def pillars(engine: Engine, value: str, tfs: tuple[str, ...] = ("15m", "1h", "4h", "1d")
            ) -> None:
    assert engine.trends is not None
    for tf in tfs:
        engine.trends.update("EURUSD", tf, value, "test", engine.clock.now())


def only_chain(engine: Engine) -> Chain:
    assert engine.reentry is not None
    [chain] = engine.reentry.book.chains.values()
    return chain


async def price(engine: Engine, bid: float, seconds: float = 3.0) -> int:
    """Advance the clock past the monitor interval, quote, let the terminal's stops act,
    then run one manager tick (positions, then the re-entry follower)."""
    clock = engine.clock
    assert isinstance(clock, FrozenClock) and engine.trading is not None
    assert engine.manager is not None
    clock.advance(seconds)
    quote(engine, "EURUSD", bid, spread=0.00008)
    await engine.trading.refresh()
    return await engine.manager.tick()


def notices(engine: Engine) -> list[OperatorNotice]:
    """Every operator notice published since `record` was called."""
    return list(getattr(engine, "_test_notices", []))


def record(engine: Engine) -> None:
    seen: list[Event] = []
    engine.bus.listen(seen.append, (OperatorNotice,))
    engine._test_notices = seen  # type: ignore[attr-defined]


def kinds(engine: Engine) -> list[str]:
    return [n.type for n in notices(engine)]


def reentries(engine: Engine) -> list[dict[str, Any]]:
    assert engine.store is not None
    return [p for p in engine.store.all("positions") if p["kind"] == "R"]
