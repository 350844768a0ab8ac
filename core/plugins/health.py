"""Publishes PluginHealth: each plugin's state, calls, errors and latency, for the console."""

from __future__ import annotations

from collections.abc import Callable

from core.bridge import Bridge
from core.events import Event, EventBus, PluginHealth, PluginHealthRow, PluginStateChanged
from core.plugins.host import PluginHost
from core.plugins.performance import PerformanceMonitor

MIN_INTERVAL = 1.0
"""Seconds between two publications caused by plugin calls (state changes are not held)."""


class PluginHealthPublisher:
    """Publishes once at start (`publish`), on every PluginStateChanged, and after a plugin call
    at most once per MIN_INTERVAL of the monotonic clock. A call inside the interval marks the
    figures pending; the engine's once-a-second timer (`flush`) publishes them."""

    def __init__(self, host: PluginHost, bridge: Bridge, bus: EventBus,
                 monotonic: Callable[[], float],
                 monitor: PerformanceMonitor | None = None) -> None:
        self.host = host
        self.bridge = bridge
        self.bus = bus
        self.monotonic = monotonic
        self.last: float | None = None
        self.pending = False
        # The performance monitor owns per-plugin figures once the engine attaches it;
        # without one the bridge's per-layer call stats are shown.
        self.monitor = monitor
        bus.listen(self._on_state, (PluginStateChanged,))
        bridge.on_plugin_call = self.throttled

    def rows(self) -> tuple[PluginHealthRow, ...]:
        if self.monitor is not None:
            return self._monitor_rows(self.monitor)
        now = self.monotonic()
        out = []
        for info in self.host.infos():
            stats = self.bridge.stats.layers.get(info.plugin_id)
            out.append(PluginHealthRow(
                info.plugin_id, info.state, info.track, info.version,
                stats.calls if stats else 0, stats.errors_in_window(now) if stats else 0,
                stats.p50_ms() if stats else 0.0, stats.p95_ms() if stats else 0.0,
                stats.last_error if stats else ""))
        return tuple(out)

    def _monitor_rows(self, monitor: PerformanceMonitor) -> tuple[PluginHealthRow, ...]:
        out = []
        for info in self.host.infos():
            perf = monitor.plugins.get(info.plugin_id)
            if perf is None:
                out.append(PluginHealthRow(info.plugin_id, info.state, info.track,
                                           info.version, 0, 0, 0.0, 0.0, ""))
                continue
            out.append(PluginHealthRow(
                info.plugin_id, info.state, info.track, info.version, perf.calls,
                monitor.errors_in_window(info.plugin_id), perf.percentile(0.5),
                perf.percentile(0.95), perf.last_error, max_ms=perf.max_ms(),
                memory_kb=perf.memory_kb, cpu_ms=round(perf.cpu_ms(), 3),
                throttled=perf.throttled))
        return tuple(out)

    def publish(self) -> None:
        self.last = self.monotonic()
        self.pending = False
        self.bus.publish(PluginHealth(self.rows()))

    def throttled(self) -> None:
        if self.last is None or self.monotonic() - self.last >= MIN_INTERVAL:
            self.publish()
        else:
            self.pending = True

    def flush(self) -> None:
        """The figures of calls held back by the throttle (called once a second)."""
        if self.pending:
            self.publish()

    def _on_state(self, _event: Event) -> None:
        self.publish()
