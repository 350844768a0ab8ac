"""Helpers for the pyramid tests: an aligned EURUSD Order B on the paper engine, price steps.

Logic 2 on a 10,000 account: table SL 225 pips → Order A 0.04 lot, Order B 0.02 lot at the
ask 1.08408 with the fixed $10 SL (50 pips → SL 1.07908) and no TP (SPEC §5.1.3). At
0.02 lot one pip is $0.20, so the $7 target is 35 pips.
"""

from __future__ import annotations

from typing import Any

from core.domain.orders import Position
from core.engine import Engine
from core.events import Event
from core.infra.events import OperatorNotice
from core.trading.pyramid import ProfitChain, ProfitPyramid
from tests.engine.helpers import alert, legacy, quote
from tests.trading.plans import BID, market, plan


async def aligned(engine: Engine, side: str = "bull") -> None:
    """Logic 2's alignment timeframes (1h, 15m) both bullish: level-ups are allowed."""
    for tf in ("1h", "15m"):
        await alert(engine, legacy("trend", side, tf, "EURUSD", BID))


async def order_b(engine: Engine, **changes: Any) -> Position:
    """Only Order B of a Logic 2 BUY group (routing order_b_only), through the order desk."""
    assert engine.desk is not None and engine.trading is not None
    market(engine)
    result = await engine.desk.open_group(plan(routing="order_b_only", **changes))
    assert result.outcome == "executed", result.detail
    [leg] = result.legs
    assert leg.ticket is not None
    return engine.trading.positions[leg.ticket]


async def step(engine: Engine, bid: float) -> int:
    """One market tick as the pump does it: quote, refresh, manage (followers included)."""
    assert engine.trading is not None and engine.manager is not None
    quote(engine, "EURUSD", bid)
    await engine.trading.refresh()
    return await engine.manager.tick()


def pyramid(engine: Engine) -> ProfitPyramid:
    assert engine.pyramid is not None
    return engine.pyramid


def only_chain(engine: Engine) -> ProfitChain:
    [chain] = pyramid(engine).chains.values()
    return chain


def finished(engine: Engine, chain_id: str) -> ProfitChain:
    [chain] = [c for c in pyramid(engine).finished if c.chain_id == chain_id]
    return chain


def notices(engine: Engine) -> list[OperatorNotice]:
    """Collects the operator notices published from now on."""
    seen: list[OperatorNotice] = []

    def keep(event: Event) -> None:
        if isinstance(event, OperatorNotice):
            seen.append(event)

    engine.bus.listen(keep, (OperatorNotice,))
    return seen


def states(chain: ProfitChain, level: int) -> list[tuple[str, float]]:
    return [(s.state, s.profit) for s in chain.at(level)]
