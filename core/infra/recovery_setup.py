"""Start-up step 6 (SPEC §3.11): recovery handler, connection watchdog, performance monitor."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.config.settings import Settings
from core.domain.enums import ErrorCategory, Severity
from core.infra.connection import ConnectionWatchdog
from core.infra.recovery import RecoveryHandler
from core.plugins.performance import PerformanceMonitor

if TYPE_CHECKING:
    from core.engine import Engine


@dataclass(frozen=True, slots=True)
class Recovery:
    handler: RecoveryHandler
    monitor: PerformanceMonitor
    watchdog: ConnectionWatchdog | None  # None in an offline replay (no link to watch)


def start_recovery(engine: Engine, tasks: list[asyncio.Task[Any]], background: bool
                   ) -> Recovery:
    """Build after the plugins (the monitor wraps their calls) and before the intake, so no
    signal is processed unwatched; `background` starts the timers (not in a replay)."""
    assert engine.store is not None and engine.trading is not None
    assert engine.bundle is not None

    def settings() -> Settings:  # read on every use, never cached
        return engine.settings

    monitor = PerformanceMonitor(settings, engine.bus, engine.clock.monotonic)
    if engine.plugins is not None:
        engine.plugins.performance = monitor
        if engine.plugins.health_publisher is not None:
            engine.plugins.health_publisher.monitor = monitor
    handler = RecoveryHandler(settings, engine.bus, engine.clock, engine.store, engine.trading,
                              engine.plugins)
    # SPEC §3.5 DATABASE: retried writes, then CRITICAL (trading paused) and the error raised
    engine.store.retry_delays = tuple(settings().recovery.database_retry_seconds)

    def store_failed(what: str, exc: Exception) -> None:
        handler.record(ErrorCategory.DATABASE, Severity.CRITICAL, "store",
                       f"write {what} failed after retries: {exc}")

    engine.store.on_failure = store_failed
    watchdog = None
    if background:
        watchdog = ConnectionWatchdog(settings, engine.bundle.broker, engine.trading, handler,
                                      engine.clock, engine.set_service,
                                      engine.bundle.description)
        tasks.append(asyncio.create_task(handler.run(), name="recovery"))
        tasks.append(asyncio.create_task(watchdog.run(), name="connection"))
    engine.health_sections["recovery"] = handler.health
    engine.health_sections["performance"] = monitor.health
    engine._mark("recovery", "ok", f"{len(handler.pending)} plugin(s) awaiting re-enable; "
                 "MT5 link " + (watchdog.state if watchdog is not None
                                else "not watched (offline run)"))
    return Recovery(handler, monitor, watchdog)
