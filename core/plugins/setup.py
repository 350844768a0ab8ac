"""Start-up step 5 (SPEC §3.11): discover and load the plugins, build the bridge."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.bridge import Bridge
from core.plugins.health import PluginHealthPublisher
from core.plugins.host import PluginHost
from core.plugins.loader import Factory, discover, discover_directory, resolve
from core.plugins.marketplace import market_dir
from core.plugins.services import CoreServices
from core.risk.ledger import day_start
from core.signals.indicators import IndicatorSnapshot
from core.signals.pulse_store import PulseStore
from core.signals.stores import SharedStores
from core.strategies.api import Manifest
from core.strategies.day_book import StrategyDayBook

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)


def _day_start(engine: Engine) -> datetime:
    assert engine.risk is not None
    r = engine.settings.risk
    return day_start(date.fromisoformat(engine.risk.counters.trading_day), r.daily_reset_time,
                     r.daily_reset_timezone)


def build_strategies(engine: Engine) -> tuple[PluginHost, Bridge]:
    """The plugin host with every installed plugin, and the bridge in front of it."""
    assert engine.store is not None and engine.trading is not None and engine.risk is not None
    assert engine.v4 is not None and engine.trends is not None
    assert engine.desk is not None and engine.shadow is not None
    store, trading, risk = engine.store, engine.trading, engine.risk
    pulses = PulseStore(store)
    indicators = IndicatorSnapshot()
    days = StrategyDayBook(store, engine.bus, trading, lambda: risk.counters.trading_day,
                           lambda: _day_start(engine))
    shadow = engine.shadow

    def services(plugin_id: str, manifest: Manifest | None,
                 factory: Factory | None) -> CoreServices:
        schema = getattr(factory, "config_schema", None)
        return CoreServices(
            plugin_id, settings=lambda: engine.settings, store=store, clock=engine.clock,
            trading=trading, risk=risk, shadow=shadow, trends=engine.trends,  # type: ignore[arg-type]
            pulses=pulses, indicators=indicators, days=days, symbols=engine.symbols,
            schema=schema() if callable(schema) else None)

    def set_switch(plugin_id: str, key: str, value: bool) -> None:
        engine.persist_override(f"plugins.{plugin_id}.{key}", value)

    host = PluginHost(lambda: engine.settings, engine.bus, engine.desk, trading, shadow,
                      services, set_switch, days)
    if engine.settings.plugin_system.auto_load:
        # entry-point plugins, then the marketplace's plugins directory (SPEC §3.9.4)
        market = market_dir(engine.settings.marketplace, engine.data_dir)
        host.load(resolve(discover() + discover_directory(market)))
    else:
        log.warning("plugin_system.auto_load is off: no plugin loaded, the V4 logic trades "
                    "every strategy it has (fallback)")
    stores = SharedStores(engine.trends, engine.clock, pulses, indicators, engine.bus.publish)
    bridge = Bridge(engine.v4, stores, host, lambda: engine.settings, engine.clock)
    host.health_publisher = PluginHealthPublisher(host, bridge, engine.bus,
                                                  engine.clock.monotonic)
    host.health_publisher.publish()
    return host, bridge
