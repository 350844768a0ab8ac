"""SPEC §3.9.2: per-plugin timing, CPU and memory, slow faults, throttling, /health."""

from __future__ import annotations

import asyncio
import time

import pytest

from core.engine import Engine, EngineOptions
from core.events import PluginHealth
from core.infra.events import PluginFault
from core.plugins.performance import PerformanceMonitor
from core.signals.v5 import V5Signal
from core.strategies.api import Decision
from tests.engine.helpers import legacy, quote
from tests.engine.signal_helpers import RecordingPlugin, install, layers, post, record_of, run
from tests.infra.support import fast, sent

PLUGIN = "v3_combined"


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    fast(engine_options).config_overrides.update({
        "performance.warn_ms": 10, "rollback.performance_threshold_ms": 25,
        "performance.throttle_window": 3,
        "performance.memory_sample_every": 1})
    return engine_options


class SlowPlugin(RecordingPlugin):
    """Busy for `busy_ms` per signal (CPU, not sleep), counting how many run at once."""

    busy_ms = 40.0
    running = 0
    most = 0

    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0)  # a concurrent call would start here
        end = time.perf_counter() + self.busy_ms / 1000
        while time.perf_counter() < end:
            pass
        self.running -= 1
        return await super().on_signal(signal, shadow)


def monitor(engine: Engine) -> PerformanceMonitor:
    assert engine.recovery is not None
    return engine.recovery.monitor


async def entry(engine: Engine, price: float) -> dict[str, object]:
    answer = await post(engine, legacy("entry", "buy", "15m", price=price).decode())
    return record_of(engine, str(answer["signal_id"]))


async def test_a_slow_plugin_is_reported_and_throttled_then_released(engine: Engine) -> None:
    assert engine.plugins is not None and engine.plugins.health_publisher is not None
    faults = engine.bus.subscribe((PluginFault,), name="faults")
    plugin = SlowPlugin(Decision.ignore("NOT_TRADED", "slow"))
    install(engine, PLUGIN, plugin)
    quote(engine, "EURUSD", 1.084)
    await entry(engine, 1.084)
    fault = faults.get_nowait()
    assert isinstance(fault, PluginFault) and fault.kind == "slow"
    assert fault.hook == "on_signal" and fault.elapsed_ms >= 40
    assert monitor(engine).is_throttled(PLUGIN)
    [notice] = sent(engine, "plugin_throttled")
    assert PLUGIN in notice.text and notice.priority == 3
    # throttled: its informational inputs (trend updates) are dropped
    answer = await post(engine, legacy("trend", "bull", "15m").decode())
    assert ("v3_combined", True, "ignored", "THROTTLED", False) in layers(
        record_of(engine, str(answer["signal_id"])))
    assert len(plugin.seen) == 1
    # the health pane's row carries the monitor's figures
    health = engine.bus.subscribe((PluginHealth,), name="health")
    engine.plugins.health_publisher.publish()
    event = health.get_nowait()
    assert isinstance(event, PluginHealth)
    [row] = [r for r in event.rows if r.plugin_id == PLUGIN]
    assert row.throttled and row.calls == 1 and row.max_ms >= 40 and row.cpu_ms > 0
    assert monitor(engine).stats(PLUGIN).memory_samples == 1
    # fast again: p95 over the last 3 signals falls below 10 ms → no longer throttled
    plugin.busy_ms = 0
    for n in range(2):
        await entry(engine, 1.0841 + n * 0.00001)
    assert not monitor(engine).is_throttled(PLUGIN)
    answer = await post(engine, legacy("trend", "bear", "15m").decode())
    assert len(plugin.seen) == 4  # trend updates reach it again


async def test_a_throttled_plugin_takes_its_signals_one_at_a_time(engine: Engine) -> None:
    assert engine.plugins is not None
    plugin = SlowPlugin(Decision.ignore("NOT_TRADED", "slow"))
    plugin.busy_ms = 15  # above warn (10 ms), below critical (25 ms)
    install(engine, PLUGIN, plugin)
    quote(engine, "EURUSD", 1.084)
    await entry(engine, 1.084)
    assert monitor(engine).is_throttled(PLUGIN)
    signal = plugin.seen[0]
    plugin.most = 0
    await asyncio.gather(*(engine.plugins.on_signal(PLUGIN, signal) for _ in range(3)))
    assert plugin.most == 1
    monitor(engine).stats(PLUGIN).throttled = False  # not throttled: calls may overlap
    plugin.busy_ms, plugin.most = 0, 0
    await asyncio.gather(*(engine.plugins.on_signal(PLUGIN, signal) for _ in range(3)))
    assert plugin.most == 3


async def test_errors_in_any_hook_are_faults(engine: Engine) -> None:
    assert engine.plugins is not None
    faults = engine.bus.subscribe((PluginFault,), name="faults")

    class TickFails(RecordingPlugin):
        async def on_tick(self, now: object) -> None:
            raise ValueError("tick broke")

    install(engine, PLUGIN, TickFails(Decision.ignore("NOT_TRADED", "x")))
    await engine.plugins.tick(engine.clock.now())
    fault = faults.get_nowait()
    assert isinstance(fault, PluginFault)
    assert (fault.kind, fault.hook, fault.error) == ("error", "on_tick", "ValueError: tick broke")
    assert monitor(engine).errors_in_window(PLUGIN) == 1
    assert monitor(engine).stats(PLUGIN).calls == 0  # timing counts signal calls only


async def test_health_shows_the_recovery_and_performance_sections(engine: Engine) -> None:
    install(engine, PLUGIN, SlowPlugin(Decision.ignore("NOT_TRADED", "x")))
    quote(engine, "EURUSD", 1.084)
    await entry(engine, 1.084)
    reply = await run(engine, "/health")
    perf = reply.data["performance"]["plugins"][PLUGIN]
    assert perf["calls"] == 1 and perf["throttled"] and perf["max_ms"] >= 40
    assert reply.data["recovery"]["connection"]["state"] == "up"
    assert any(line.startswith("Performance: warning 10 ms") for line in reply.lines)
    assert any(line.startswith(f"{PLUGIN}: 1 signals") and "THROTTLED" in line
               for line in reply.lines)
    assert any(line.startswith("MT5 link: up") for line in reply.lines)
    assert engine.steps["recovery"].state == "ok"
