"""Wiring of the profit-booking pyramid into the engine (a price follower of the manager)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.config.settings import Settings
from core.trading.alignment import Alignment
from core.trading.autonomy import Autonomy
from core.trading.pyramid.orders import PyramidOrders
from core.trading.pyramid.pyramid import ProfitPyramid


def build_pyramid(engine: Any) -> ProfitPyramid:
    """SPEC §7 over the engine's stores. Recoveries share the re-entry system's autonomy
    instance (one set of limits, SPEC §6.6), looked up when first needed."""
    assert engine.store is not None and engine.risk is not None and engine.trends is not None
    assert engine.manager is not None and engine.bridge is not None
    assert engine.trading is not None
    settings: Callable[[], Settings] = lambda: engine.settings  # noqa: E731
    alignment = Alignment(settings, engine.trends, engine.bridge.stores.pulses)
    orders = PyramidOrders(engine.trading, engine.risk, alignment, settings, engine.symbols,
                           engine.clock)

    def shared() -> Autonomy | None:
        reentry = getattr(engine, "reentry", None)
        found = getattr(reentry, "autonomy", None)
        return found if isinstance(found, Autonomy) else None

    pyramid = ProfitPyramid(engine.trading, orders, engine.store, engine.bus, engine.clock,
                            settings, engine.symbols, shared,
                            lambda: engine.risk.counters.trading_day)
    engine.manager.followers.append(pyramid)
    return pyramid
