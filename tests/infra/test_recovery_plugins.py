"""SPEC §3.5 PLUGIN: five errors disable a plugin, the V4 path keeps trading, a cool-down and a
health probe bring it back."""

from __future__ import annotations

import pytest

from core.clock import FrozenClock
from core.domain.enums import ErrorCategory, Severity
from core.engine import Engine, EngineOptions
from core.infra.events import PluginFault, RolledBack
from core.infra.recovery import RecoveryHandler
from core.strategies.api import Decision, Health
from tests.engine.helpers import legacy, quote
from tests.engine.signal_helpers import RecordingPlugin, install, layers, post, record_of, run
from tests.infra.support import fast, sent


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    return fast(engine_options)


PLUGIN = "v3_combined"


class SickPlugin(RecordingPlugin):
    """Raises on every signal; its health probe answers what `healthy` says."""

    healthy = True

    def health(self) -> Health:
        return Health(self.healthy, "ok" if self.healthy else "still broken")


def handler(engine: Engine) -> RecoveryHandler:
    assert engine.recovery is not None
    return engine.recovery.handler


async def entry(engine: Engine, price: float) -> dict[str, object]:
    answer = await post(engine, legacy("entry", "buy", "15m", price=price).decode())
    return record_of(engine, str(answer["signal_id"]))


async def five_errors(engine: Engine, plugin: RecordingPlugin) -> None:
    """Two trend updates and three entries, each raising inside the plugin."""
    quote(engine, "EURUSD", 1.084)
    for tf in ("1h", "15m"):
        await post(engine, legacy("trend", "bull", tf).decode())
    for n in range(3):
        record = await entry(engine, 1.084 + n * 0.00001)
        assert ("v3_combined", True, "error", "PLUGIN_ERROR", False) in layers(record)
    assert len(plugin.seen) == 5


async def test_five_errors_disable_the_plugin_while_v4_keeps_trading(engine: Engine) -> None:
    assert engine.plugins is not None and engine.trading is not None
    faults = engine.bus.subscribe((PluginFault,), name="test")
    plugin = SickPlugin(RuntimeError("boom"))
    install(engine, PLUGIN, plugin)
    await five_errors(engine, plugin)
    assert not engine.plugins.enabled(PLUGIN)
    fault = faults.get_nowait()
    assert isinstance(fault, PluginFault) and (fault.kind, fault.hook) == ("error", "on_signal")
    assert "RuntimeError: boom" in fault.error
    [notice] = sent(engine, "plugin_disabled")
    assert "5 errors" in notice.text
    assert list(handler(engine).pending) == [PLUGIN]
    # the V4 stable logic trades the plugin's strategy (fallback), the plugin is not called
    record = await entry(engine, 1.0842)
    assert layers(record) == [("V4", True, "executed", "ORDER_PLACED", True)]
    assert engine.trading.positions and len(plugin.seen) == 5
    health = await run(engine, "/health")
    assert health.data["recovery"]["pending_reenable"][PLUGIN]["reason"] == "ERROR_THRESHOLD"
    assert health.data["recovery"]["by_category"]["PLUGIN"] >= 5
    assert any(line.startswith("Recovery:") for line in health.lines)


async def test_after_the_cool_down_a_healthy_plugin_is_re_enabled(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    assert engine.plugins is not None
    plugin = SickPlugin(RuntimeError("boom"))
    install(engine, PLUGIN, plugin)
    await five_errors(engine, plugin)
    frozen_clock.advance(60)
    assert await handler(engine).run_due(frozen_clock.now()) == []  # cool-down (120 s) not over
    plugin.healthy = False
    frozen_clock.advance(61)
    assert await handler(engine).run_due(frozen_clock.now()) == []  # the probe failed
    assert not engine.plugins.enabled(PLUGIN) and handler(engine).pending[PLUGIN].probes == 1
    plugin.healthy, plugin.decision = True, Decision.ignore("NOT_TRADED", "fixed")
    frozen_clock.advance(121)
    assert await handler(engine).run_due(frozen_clock.now()) == [PLUGIN]
    assert engine.plugins.enabled(PLUGIN) and handler(engine).pending == {}
    assert len(sent(engine, "plugin_loaded")) == 1
    record = await entry(engine, 1.0843)
    assert ("v3_combined", True, "ignored", "NOT_TRADED", False) in layers(record)
    assert len(plugin.seen) == 6


async def test_the_re_enable_waits_survive_a_restart(engine: Engine) -> None:
    plugin = SickPlugin(RuntimeError("boom"))
    install(engine, PLUGIN, plugin)
    await five_errors(engine, plugin)
    assert engine.store is not None and engine.trading is not None
    again = RecoveryHandler(lambda: engine.settings, engine.bus, engine.clock, engine.store,
                            engine.trading, engine.plugins)
    assert again.pending == handler(engine).pending


async def test_a_rollback_for_errors_is_scheduled_once(engine: Engine) -> None:
    assert engine.plugins is not None
    engine.plugins.set_enabled(PLUGIN, False)
    engine.bus.publish(RolledBack("CP_x", "ERROR_THRESHOLD", PLUGIN, "5 errors"))
    engine.bus.publish(RolledBack("CP_y", "ERROR_THRESHOLD", PLUGIN, "5 errors"))
    engine.bus.publish(RolledBack("CP_z", "MANUAL_REQUEST", "v6_price_action_5m", "/rollback"))
    assert list(handler(engine).pending) == [PLUGIN]


async def test_auto_reenable_off_leaves_it_to_the_operator(engine: Engine) -> None:
    assert engine.plugins is not None
    engine.persist_override("recovery.plugin_auto_reenable", False)
    plugin = SickPlugin(RuntimeError("boom"))
    install(engine, PLUGIN, plugin)
    await five_errors(engine, plugin)
    assert not engine.plugins.enabled(PLUGIN) and handler(engine).pending == {}
    [notice] = sent(engine, "plugin_disabled")
    assert "/enable" in notice.text


async def test_a_critical_error_pauses_trading(engine: Engine) -> None:
    assert engine.trading is not None
    rec = handler(engine).record(ErrorCategory.DATABASE, Severity.CRITICAL, "store",
                                 "write failed 3 times")
    assert engine.trading.paused and engine.trading.pause_reason == "CRITICAL_ERROR"
    assert "trading paused (CRITICAL_ERROR)" in rec.action
    assert len(sent(engine, "trading_paused")) == 1
    again = handler(engine).record(ErrorCategory.UNKNOWN, Severity.CRITICAL, "x", "y")
    assert "already paused" in again.action
