"""The rollback monitor (SPEC §3.6.2): plugin faults → automatic rollback to the V4 path."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.events import Event, PluginStateChanged
from core.infra.checkpoints import CheckpointManager
from core.infra.events import OperatorNotice, PluginFault, RolledBack

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
TRACKS = ("V4_STABLE", "V5_HYBRID", "V6_EXPERIMENTAL")
REASONS = ("PLUGIN_FAILURE", "PERFORMANCE_DEGRADATION", "ERROR_THRESHOLD", "MANUAL_REQUEST",
           "HEALTH_CHECK_FAILED")
JOURNAL = "rollbacks"
FAILED_INIT = "initialisation failed"  # the host's words for a build that raised at load
FALLBACK_WORDS = "not loaded: its strategy's signals go to the V4 stable logic (fallback)"


@dataclass(frozen=True, slots=True)
class RollbackResult:
    plugin_id: str
    reason: str
    checkpoint_id: str  # "" when no checkpoint was restored
    lines: tuple[str, ...]


class RollbackManager:
    """Counts each plugin's faults (errors in a sliding window, consecutive slow calls,
    failed health probes) and rolls the plugin back when a SPEC §3.6.2 trigger fires."""

    def __init__(self, engine: Engine, checkpoints: CheckpointManager) -> None:
        self._engine = engine
        self.checkpoints = checkpoints
        self._errors: dict[str, deque[float]] = {}
        self._slow: dict[str, int] = {}
        self._slow_at: dict[str, int] = {}  # the plugin's signal-call count at its last slow one
        self._health_failures: dict[str, int] = {}
        self.history: list[RollbackResult] = []
        engine.bus.listen(self._on_fault, (PluginFault,))
        engine.bus.listen(self._on_state, (PluginStateChanged,))

    # -- triggers -------------------------------------------------------------------------------
    def _on_fault(self, event: Event) -> None:
        assert isinstance(event, PluginFault)
        settings = self._engine.settings
        cfg, recovery = settings.rollback, settings.recovery
        plugins = self._engine.plugins
        if not cfg.auto or plugins is None or event.plugin_id not in plugins.plugins:
            return
        # No "already disabled" early exit: the recovery handler may have switched the
        # plugin off for this very fault a moment earlier; the rollback still runs.
        plugin_id, now = event.plugin_id, self._engine.clock.monotonic()
        if event.kind == "error":
            times = self._errors.setdefault(plugin_id, deque())
            times.append(now)
            while times and now - times[0] > recovery.error_window_minutes * 60:
                times.popleft()
            if len(times) >= recovery.plugin_error_threshold:
                self.auto(plugin_id, "ERROR_THRESHOLD",
                          f"{len(times)} errors within {recovery.error_window_minutes} min "
                          f"(last: {event.hook}: {event.error or 'error'})")
        elif event.kind == "slow":  # the monitor reports calls above the critical threshold
            # Consecutive: no signal call of this plugin in between (the bridge counts them).
            calls = self._calls(plugin_id)
            last = self._slow_at.get(plugin_id)
            run = self._slow.get(plugin_id, 0) if last is not None and calls - last <= 1 else 0
            self._slow[plugin_id], self._slow_at[plugin_id] = run + 1, calls
            if self._slow[plugin_id] >= cfg.performance_consecutive:
                self.auto(plugin_id, "PERFORMANCE_DEGRADATION",
                          f"{self._slow[plugin_id]} consecutive calls slower than "
                          f"{cfg.performance_threshold_ms:g} ms (last "
                          f"{event.elapsed_ms:.0f} ms in {event.hook})")

    def _on_state(self, event: Event) -> None:
        """PLUGIN_FAILURE: a build that fails to initialise (at load or a later re-load)."""
        assert isinstance(event, PluginStateChanged)
        if event.state == "blocked" and event.detail.startswith(FAILED_INIT):
            self.plugin_failure(event.plugin_id, event.detail)

    def plugin_failure(self, plugin_id: str, detail: str) -> RollbackResult | None:
        plugins = self._engine.plugins
        if not self._engine.settings.rollback.auto or plugins is None:
            return None
        if plugin_id in plugins.plugins:  # an earlier build still loaded: roll it back
            return self.auto(plugin_id, "PLUGIN_FAILURE", detail)
        result = self._done(plugin_id, "PLUGIN_FAILURE", "", [detail, FALLBACK_WORDS])
        log.critical("plugin %s failed to load: %s", plugin_id, detail)
        self._engine.bus.publish(OperatorNotice(
            type="plugin_rollback", title=f"Plugin {plugin_id} rolled back: PLUGIN_FAILURE",
            lines=(detail, FALLBACK_WORDS, "Checkpoint: none"), strategy=plugin_id))
        return result

    def _calls(self, plugin_id: str) -> int:
        bridge = self._engine.bridge
        layer = bridge.stats.layers.get(plugin_id) if bridge is not None else None
        return layer.calls if layer is not None else 0

    async def run(self) -> None:
        """HEALTH_CHECK_FAILED: every loaded, enabled plugin probed every 60 s (5 s limit)."""
        while True:
            await asyncio.sleep(self._engine.settings.rollback.health_interval_seconds)
            await self.probe_all()

    async def probe_all(self) -> None:
        plugins = self._engine.plugins
        if plugins is None:
            return
        cfg = self._engine.settings.rollback
        for plugin_id in sorted(plugins.plugins):
            if not plugins.enabled(plugin_id):
                continue
            try:
                status = await asyncio.wait_for(asyncio.to_thread(plugins.health, plugin_id),
                                                cfg.health_timeout_seconds)
                ok, detail = status.ok, status.detail
            except TimeoutError:
                ok, detail = False, f"health probe timed out ({cfg.health_timeout_seconds:g} s)"
            if ok:
                self._health_failures[plugin_id] = 0
                continue
            failures = self._health_failures.get(plugin_id, 0) + 1
            self._health_failures[plugin_id] = failures
            if failures >= cfg.health_failures:
                self.auto(plugin_id, "HEALTH_CHECK_FAILED",
                          f"health probe failed {failures} times in a row: {detail}")

    # -- rolling back ---------------------------------------------------------------------------
    def auto(self, plugin_id: str, reason: str, why: str) -> RollbackResult:
        """SPEC §3.6.2: disable, fallback to the V4 stable path, undo a recent risky
        operation (the plugin stays disabled), CRITICAL plugin_rollback."""
        engine = self._engine
        assert engine.plugins is not None
        settings = engine.settings
        lines = [why]
        if engine.plugins.enabled(plugin_id):
            with self.checkpoints.suspended():
                engine.plugins.set_enabled(plugin_id, False)
        lines.append(f"{plugin_id} disabled; " + (
            "its signals are traded by the V4 stable logic (fallback)"
            if settings.bridge.fallback_on_failure
            else "its signals are not traded (bridge.fallback_on_failure is off)"))
        doc = self.checkpoints.recent_risky(plugin_id, settings.rollback.restore_lookback_minutes)
        checkpoint_id = ""
        if doc is not None:
            checkpoint_id = str(doc["checkpoint_id"])
            changed = self.checkpoints.restore(doc, keep_disabled=True, bridge_mode=False)
            lines.append(f"restored {checkpoint_id} (taken {doc['reason']}): "
                         + ("; ".join(changed) or "nothing differed"))
        else:
            lines.append("no risky operation in the last "
                         f"{settings.rollback.restore_lookback_minutes} min: no checkpoint "
                         "restored")
        recovery = settings.recovery
        if reason == "ERROR_THRESHOLD" and recovery.plugin_auto_reenable:
            # the recovery handler probes it after its cool-down (SPEC §3.5, issue #8)
            lines.append(f"Health probe and automatic re-enable in "
                         f"{recovery.plugin_cooldown_seconds:.0f} s; or /enable {plugin_id}.")
        else:
            lines.append(f"Re-enable with /enable {plugin_id} (or /upgrade {plugin_id}).")
        self._errors.pop(plugin_id, None)
        self._slow.pop(plugin_id, None)
        self._slow_at.pop(plugin_id, None)
        self._health_failures.pop(plugin_id, None)
        result = self._done(plugin_id, reason, checkpoint_id, lines)
        log.critical("plugin %s rolled back (%s): %s", plugin_id, reason, why)
        engine.bus.publish(OperatorNotice(
            type="plugin_rollback", title=f"Plugin {plugin_id} rolled back: {reason}",
            lines=(*lines, f"Checkpoint: {checkpoint_id or 'none'}"), strategy=plugin_id))
        return result

    def manual(self, plugin_id: str, doc: dict[str, Any]) -> RollbackResult:
        """/rollback: restore the checkpoint without disabling the plugin."""
        changed = self.checkpoints.restore(doc, keep_disabled=False, bridge_mode=True)
        lines = [f"restored {doc['checkpoint_id']} ({doc['reason']}, {doc['created_at']}, "
                 f"version {doc['plugin_version']})", *changed]
        result = self._done(plugin_id, "MANUAL_REQUEST", str(doc["checkpoint_id"]), lines)
        self._engine.bus.publish(OperatorNotice(
            type="plugin_rollback", title=f"Plugin {plugin_id} rolled back: MANUAL_REQUEST",
            lines=(*lines, f"Checkpoint: {doc['checkpoint_id']}"), strategy=plugin_id))
        return result

    def _done(self, plugin_id: str, reason: str, checkpoint_id: str,
              lines: list[str]) -> RollbackResult:
        result = RollbackResult(plugin_id, reason, checkpoint_id, tuple(lines))
        self.history.append(result)
        engine = self._engine
        if engine.store is not None:
            engine.store.append(JOURNAL, {"time": engine.clock.now().isoformat(),
                                          "plugin_id": plugin_id, "reason": reason,
                                          "checkpoint_id": checkpoint_id, "lines": lines})
        engine.bus.publish(RolledBack(checkpoint_id, reason, plugin_id, " · ".join(lines)))
        return result

    def health_lines(self) -> tuple[list[str], dict[str, Any]]:
        last = self.history[-1] if self.history else None
        line = ("Rollbacks: none this run" if last is None else
                f"Rollbacks: {len(self.history)} this run; last {last.plugin_id} "
                f"{last.reason} ({last.checkpoint_id or 'no checkpoint'})")
        return [line], {"rollbacks": [{"plugin": r.plugin_id, "reason": r.reason,
                                       "checkpoint_id": r.checkpoint_id}
                                      for r in self.history]}
