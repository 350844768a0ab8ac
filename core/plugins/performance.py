"""Per-plugin performance (SPEC §3.9.2): call timing, memory, CPU, thresholds, throttling."""

from __future__ import annotations

import asyncio
import logging
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psutil

from core.config.settings import Settings
from core.events import EventBus
from core.infra.events import OperatorNotice, PluginFault

log = logging.getLogger(__name__)
SIGNAL_HOOK = "on_signal"
KEEP_TIMES = 200  # signal timings kept per plugin for p50/p95/max


@dataclass
class PluginPerf:
    """The figures of one plugin. Timing, CPU and memory are for its signal calls (SPEC
    §3.9.2 "per signal"); errors count every hook (SPEC §3.5 "exception in a plugin call")."""

    calls: int = 0
    errors: int = 0
    last_error: str = ""
    last_ms: float = 0.0
    cpu_ms_total: float = 0.0
    memory_kb: float = 0.0  # the last sampled resident-size (or traced) delta of one call
    memory_samples: int = 0
    throttled: bool = False
    throttled_since: float | None = None
    times_ms: deque[float] = field(default_factory=lambda: deque(maxlen=KEEP_TIMES))
    error_times: deque[float] = field(default_factory=lambda: deque(maxlen=100))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def percentile(self, q: float, last: int | None = None) -> float:
        values = list(self.times_ms)[-last:] if last else list(self.times_ms)
        ordered = sorted(values)
        return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0

    def max_ms(self) -> float:
        return max(self.times_ms, default=0.0)

    def mean_ms(self) -> float:
        return sum(self.times_ms) / len(self.times_ms) if self.times_ms else 0.0

    def cpu_ms(self) -> float:
        """Mean CPU time of one signal call."""
        return self.cpu_ms_total / self.calls if self.calls else 0.0

    def errors_since(self, horizon: float) -> int:
        return sum(1 for t in self.error_times if t >= horizon)


@dataclass
class _Call:
    plugin_id: str
    hook: str
    started: float
    cpu: float
    rss: int | None
    traced: int | None


class PerformanceMonitor:
    """Wraps every plugin call (`measure`); the plugin host asks it whether a plugin is
    throttled, the health publisher and /health read its figures."""

    def __init__(self, settings: Callable[[], Settings], bus: EventBus,
                 monotonic: Callable[[], float]) -> None:
        self._settings = settings
        self._bus = bus
        self._monotonic = monotonic
        self._process = psutil.Process()
        self.plugins: dict[str, PluginPerf] = {}

    def stats(self, plugin_id: str) -> PluginPerf:
        return self.plugins.setdefault(plugin_id, PluginPerf())

    def is_throttled(self, plugin_id: str) -> bool:
        perf = self.plugins.get(plugin_id)
        return perf is not None and perf.throttled

    def errors_in_window(self, plugin_id: str) -> int:
        perf = self.plugins.get(plugin_id)
        window = self._settings().recovery.error_window_minutes * 60
        return perf.errors_since(self._monotonic() - window) if perf else 0

    @contextmanager
    def measure(self, plugin_id: str, hook: str) -> Iterator[None]:
        """Time one plugin call (it may await inside); a raise is counted and re-raised."""
        call = self._begin(plugin_id, hook)
        try:
            yield
        except Exception as exc:
            self._end(call, f"{type(exc).__name__}: {exc}")
            raise
        self._end(call, None)

    def _begin(self, plugin_id: str, hook: str) -> _Call:
        perf = self.stats(plugin_id)
        rss = traced = None
        every = self._settings().performance.memory_sample_every
        if hook == SIGNAL_HOOK and perf.calls % every == 0:
            # tracemalloc only when something already traces (starting it costs a lot)
            if tracemalloc.is_tracing():
                traced = tracemalloc.get_traced_memory()[0]
            else:
                rss = self._rss()
        return _Call(plugin_id, hook, time.perf_counter(), time.thread_time(), rss, traced)

    def _rss(self) -> int | None:
        try:
            return int(self._process.memory_info().rss)
        except psutil.Error:
            return None

    def _end(self, call: _Call, error: str | None) -> None:
        elapsed = (time.perf_counter() - call.started) * 1000
        perf = self.stats(call.plugin_id)
        settings = self._settings()
        cfg, critical_ms = settings.performance, settings.rollback.performance_threshold_ms
        if call.hook == SIGNAL_HOOK:
            perf.calls += 1
            perf.last_ms = round(elapsed, 3)
            perf.times_ms.append(perf.last_ms)
            perf.cpu_ms_total += (time.thread_time() - call.cpu) * 1000
            self._memory(perf, call)
        if error is not None:
            perf.errors += 1
            perf.last_error = error
            perf.error_times.append(self._monotonic())
            self._bus.publish(PluginFault(call.plugin_id, "error", call.hook,
                                          round(elapsed, 3), error))
        elif elapsed > critical_ms:
            log.warning("plugin %s %s took %.0f ms (critical %.0f ms)", call.plugin_id,
                        call.hook, elapsed, critical_ms)
            self._bus.publish(PluginFault(call.plugin_id, "slow", call.hook, round(elapsed, 3),
                                          f"{elapsed:.0f} ms > {critical_ms:.0f} ms"))
        if call.hook == SIGNAL_HOOK:
            self._throttle(call.plugin_id, perf, cfg.warn_ms, cfg.throttle_window)

    def _memory(self, perf: PluginPerf, call: _Call) -> None:
        if call.traced is not None and tracemalloc.is_tracing():
            delta = tracemalloc.get_traced_memory()[0] - call.traced
        elif call.rss is not None and (after := self._rss()) is not None:
            delta = after - call.rss
        else:
            return
        perf.memory_kb = round(delta / 1024, 1)
        perf.memory_samples += 1

    def _throttle(self, plugin_id: str, perf: PluginPerf, warn_ms: float, window: int) -> None:
        """SPEC §3.9.2: p95 over the last `window` calls above the warning threshold →
        throttled until it falls below it."""
        p95 = perf.percentile(0.95, window)
        if not perf.throttled and p95 > warn_ms:
            perf.throttled, perf.throttled_since = True, self._monotonic()
            log.warning("plugin %s throttled: p95 %.0f ms over its last %d signals > %.0f ms",
                        plugin_id, p95, min(window, len(perf.times_ms)), warn_ms)
            self._bus.publish(OperatorNotice(
                "plugin_throttled", f"Plugin {plugin_id} throttled",
                (f"p95 {p95:.0f} ms over its last {min(window, len(perf.times_ms))} signals "
                 f"exceeds the warning threshold of {warn_ms:.0f} ms.",
                 "Its signals are processed one at a time and its trend updates are dropped "
                 "until p95 falls below the threshold."), strategy=plugin_id))
        elif perf.throttled and p95 <= warn_ms:
            perf.throttled, perf.throttled_since = False, None
            log.info("plugin %s no longer throttled: p95 %.0f ms", plugin_id, p95)

    # -- views ---------------------------------------------------------------------------
    def health(self) -> tuple[list[str], dict[str, Any]]:
        """The /health "performance" section."""
        settings = self._settings()
        cfg, critical_ms = settings.performance, settings.rollback.performance_threshold_ms
        lines = [f"Performance: warning {cfg.warn_ms:.0f} ms, critical {critical_ms:.0f} ms "
                 f"per signal; throttle on p95 of the last {cfg.throttle_window} signals"]
        data: dict[str, Any] = {"warn_ms": cfg.warn_ms, "critical_ms": critical_ms,
                                "plugins": {}}
        for plugin_id, perf in sorted(self.plugins.items()):
            data["plugins"][plugin_id] = {
                "calls": perf.calls, "errors": perf.errors,
                "errors_in_window": self.errors_in_window(plugin_id),
                "last_ms": perf.last_ms, "mean_ms": round(perf.mean_ms(), 3),
                "p50_ms": perf.percentile(0.5), "p95_ms": perf.percentile(0.95),
                "max_ms": perf.max_ms(), "cpu_ms": round(perf.cpu_ms(), 3),
                "memory_kb": perf.memory_kb, "throttled": perf.throttled,
                "last_error": perf.last_error}
            lines.append(
                f"{plugin_id}: {perf.calls} signals, p50 {perf.percentile(0.5):.1f} ms, p95 "
                f"{perf.percentile(0.95):.1f} ms, max {perf.max_ms():.1f} ms, CPU "
                f"{perf.cpu_ms():.2f} ms/signal, memory Δ {perf.memory_kb:+.0f} KB"
                + (" — THROTTLED" if perf.throttled else ""))
        return lines, data
