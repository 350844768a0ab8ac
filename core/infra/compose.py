"""Pieces of the composition root that build several rooms at once (SPEC §3.11)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from core.analytics.schedule import ReportScheduler
from core.analytics.service import AnalyticsService
from core.notifications.center import NotificationCenter
from core.notifications.outbox import Outbox
from core.trading.exit_intelligence import StrongContext
from core.trading.manager import TradeManager
from core.voice.service import VoiceService

if TYPE_CHECKING:
    from core.engine import Engine


async def start_alerts(engine: Engine, tasks: list[asyncio.Task[Any]]) -> None:
    """Outbox, voice, notification center (listening before any trade event), analytics and
    the report schedule. An offline replay neither speaks nor schedules."""
    assert engine.store is not None
    replay = engine.options.replay
    engine.outbox = Outbox(engine.store)
    if not replay:
        engine.voice = VoiceService(lambda: engine.settings, engine.store, engine.clock,
                                    engine.data_dir)
        await engine.voice.start()

    def balance() -> float | None:
        account = engine.trading.account if engine.trading is not None else None
        return account.balance if account is not None else None

    engine.analytics = AnalyticsService(engine.store, engine.clock, lambda: engine.settings,
                                        engine.data_dir, balance)
    engine.notifications = NotificationCenter(engine, engine.outbox, engine.voice)
    engine.reports = ReportScheduler(engine.analytics, engine.notifications.emit, engine.store,
                                     lambda: engine.settings)
    engine.reports.prime(engine.clock.now())
    engine.notifications.start()
    if not replay:
        tasks.append(asyncio.create_task(engine.notifications.run(), name="notify"))
        tasks.append(asyncio.create_task(engine.reports.run(engine.clock.now), name="reports"))


def build_trade_manager(engine: Engine) -> TradeManager:
    """SPEC §5.2 over the shared stores; exit signals of the V4 logic and of the plugins go
    through its exit intelligence. The market pump or the position watcher runs it (an
    offline replay, after each bar)."""
    assert engine.trading is not None and engine.store is not None
    assert engine.bridge is not None and engine.trends is not None
    assert engine.v4 is not None and engine.plugins is not None
    stores = engine.bridge.stores
    assert stores.pulses is not None
    context = StrongContext(lambda: engine.settings, engine.trends, stores.pulses,
                            stores.indicators)
    manager = TradeManager(engine.trading, engine.store, engine.bus, engine.clock,
                           lambda: engine.settings, engine.symbols, context)
    engine.v4.exits = engine.plugins.exits = manager
    return manager
