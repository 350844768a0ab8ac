"""The recovery handler (SPEC §3.5): error records by severity and category, automatic handling."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.clock import Clock, fmt_time
from core.config.settings import Settings
from core.domain.enums import ErrorCategory, PauseReason, Severity
from core.events import Event, EventBus, OrderRejected
from core.infra.events import OperatorNotice, PluginFault, RolledBack
from core.storage.store import Store
from core.strategies.api import Health

if TYPE_CHECKING:
    from core.infra.connection import ConnectionWatchdog
    from core.plugins.host import PluginHost
    from core.trading.service import TradingService

log = logging.getLogger(__name__)
TABLE = "recovery_reenable"  # plugins waiting for their cool-down (survives a restart)
KEEP_RECORDS = 1000
PROBE_TIMEOUT_SECONDS = 5.0


LOG_LEVELS = {Severity.INFO: logging.INFO, Severity.LOW: logging.INFO,
              Severity.MEDIUM: logging.WARNING, Severity.HIGH: logging.ERROR,
              Severity.CRITICAL: logging.CRITICAL}


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """One recorded error and what the handler did about it."""

    at: datetime
    category: ErrorCategory
    severity: Severity
    source: str  # plugin id, symbol, "mt5"...
    message: str
    action: str = ""


@dataclass(frozen=True, slots=True)
class Reenable:
    """A plugin disabled for failures, waiting for its cool-down and health probe."""

    plugin_id: str
    reason: str  # ERROR_THRESHOLD
    disabled_at: datetime
    due: datetime
    probes: int = 0


class RecoveryHandler:
    """Listens for plugin faults, rollbacks and refused orders; subsystems call `record`.
    A CRITICAL record pauses trading (reason recorded) unless it is already paused."""

    def __init__(self, settings: Callable[[], Settings], bus: EventBus, clock: Clock,
                 store: Store, trading: TradingService, host: PluginHost | None) -> None:
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self._store = store
        self._trading = trading
        self._host = host
        self.records: deque[ErrorRecord] = deque(maxlen=KEEP_RECORDS)
        self.plugin_errors: dict[str, deque[datetime]] = {}
        self.pending: dict[str, Reenable] = {
            d["_key"]: Reenable(d["plugin_id"], d["reason"],
                                datetime.fromisoformat(d["disabled_at"]),
                                datetime.fromisoformat(d["due"]), int(d.get("probes", 0)))
            for d in store.all(TABLE)}
        self.reenabled: Counter[str] = Counter()
        self.watchdog: ConnectionWatchdog | None = None  # its state joins the /health section
        bus.listen(self._on_event, (PluginFault, RolledBack, OrderRejected))

    # -- recording -----------------------------------------------------------------------
    def record(self, category: ErrorCategory, severity: Severity, source: str, message: str,
               *, pause_reason: PauseReason = PauseReason.CRITICAL_ERROR,
               action: str = "") -> ErrorRecord:
        """Record one error; SPEC §3.5 "any CRITICAL": pause trading and notify (the pause
        itself is the trading_paused notification)."""
        if severity is Severity.CRITICAL:
            if not self._trading.paused:
                self._trading.pause(pause_reason)
                action = "; ".join(a for a in (action, f"trading paused ({pause_reason})") if a)
            else:
                action = "; ".join(a for a in (
                    action, f"trading already paused ({self._trading.pause_reason})") if a)
        rec = ErrorRecord(self._clock.now(), category, severity, source, message, action)
        self.records.append(rec)
        log.log(LOG_LEVELS[severity], "%s %s error (%s): %s%s", severity.value, category.value,
                source, message, f" → {action}" if action else "")
        return rec

    def window(self) -> timedelta:
        return timedelta(minutes=self._settings().recovery.error_window_minutes)

    def recent(self, category: ErrorCategory | None = None) -> list[ErrorRecord]:
        """Records of the counting window (SPEC §3.5: 10 minutes), oldest first."""
        horizon = self._clock.now() - self.window()
        return [r for r in self.records if r.at >= horizon
                and (category is None or r.category is category)]

    # -- events --------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if isinstance(event, PluginFault):
            self._fault(event)
        elif isinstance(event, RolledBack):
            self.record(ErrorCategory.PLUGIN, Severity.HIGH, event.plugin_id,
                        f"rolled back ({event.reason}): {event.detail}")
            if event.reason == "ERROR_THRESHOLD":
                self._schedule(event.plugin_id, event.reason)
        elif isinstance(event, OrderRejected):
            self.record(ErrorCategory.TRADE, Severity.HIGH, event.symbol,
                        f"{event.direction} refused: {event.reason}",
                        action="order_failed notification")

    def _fault(self, fault: PluginFault) -> None:
        if fault.kind != "error":
            self.record(ErrorCategory.PLUGIN, Severity.LOW, fault.plugin_id,
                        f"{fault.hook} slow: {fault.elapsed_ms:.0f} ms")
            return
        now = self._clock.now()
        times = self.plugin_errors.setdefault(fault.plugin_id, deque(maxlen=1000))
        times.append(now)
        horizon = now - self.window()
        while times and times[0] < horizon:
            times.popleft()
        threshold = self._settings().recovery.plugin_error_threshold
        self.record(ErrorCategory.PLUGIN, Severity.MEDIUM, fault.plugin_id,
                    f"{fault.hook} raised {fault.error} ({len(times)}/{threshold} in "
                    f"{self._settings().recovery.error_window_minutes} min)")
        if len(times) >= threshold:
            self._disable(fault.plugin_id, fault.error, len(times))

    def _disable(self, plugin_id: str, error: str, count: int) -> None:
        """SPEC §3.5 PLUGIN: disabled after the threshold. Idempotent with the rollback
        manager: a plugin it already disabled is only scheduled for the re-enable probe."""
        host = self._host
        if host is None or plugin_id not in host.plugins:
            return
        if host.enabled(plugin_id):
            host.set_enabled(plugin_id, False)
            cfg = self._settings().recovery
            fallback = self._settings().bridge.fallback_on_failure
            self._bus.publish(OperatorNotice(
                "plugin_disabled", f"Plugin {plugin_id} disabled: {count} errors in "
                f"{cfg.error_window_minutes} min",
                (f"Last error: {error}",
                 "Its signals are traded by the V4 stable logic (fallback)." if fallback else
                 "bridge.fallback_on_failure is off: its signals are not traded.",
                 f"Health probe and re-enable in {cfg.plugin_cooldown_seconds:.0f} s."
                 if cfg.plugin_auto_reenable else "Re-enable with /enable once fixed."),
                strategy=plugin_id))
            self.record(ErrorCategory.PLUGIN, Severity.HIGH, plugin_id,
                        f"{count} errors in the window", action="plugin disabled")
        self._schedule(plugin_id, "ERROR_THRESHOLD")

    def _schedule(self, plugin_id: str, reason: str) -> None:
        cfg = self._settings().recovery
        if not cfg.plugin_auto_reenable or plugin_id in self.pending:
            return
        now = self._clock.now()
        self._put(Reenable(plugin_id, reason, now,
                           now + timedelta(seconds=cfg.plugin_cooldown_seconds)))

    def _put(self, item: Reenable) -> None:
        self.pending[item.plugin_id] = item
        self._store.put(TABLE, item.plugin_id, {
            "plugin_id": item.plugin_id, "reason": item.reason,
            "disabled_at": item.disabled_at.isoformat(), "due": item.due.isoformat(),
            "probes": item.probes})

    def _drop(self, plugin_id: str) -> None:
        self.pending.pop(plugin_id, None)
        self._store.delete(TABLE, plugin_id)

    # -- the cool-down -------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._settings().recovery.tick_seconds)
            try:
                await self.run_due(self._clock.now())
            except Exception:  # the handler itself must keep running
                log.exception("recovery duties failed")

    async def run_due(self, now: datetime) -> list[str]:
        """Probe every plugin whose cool-down ended; re-enable the healthy ones. Returns the
        ids re-enabled."""
        host = self._host
        done: list[str] = []
        for item in list(self.pending.values()):
            if item.due > now:
                continue
            if host is None or item.plugin_id not in host.plugins:
                self._drop(item.plugin_id)
                continue
            if host.enabled(item.plugin_id):  # the operator enabled it meanwhile
                self._drop(item.plugin_id)
                continue
            health = await self._probe(host, item.plugin_id)
            if not health.ok:
                cooldown = timedelta(seconds=self._settings().recovery.plugin_cooldown_seconds)
                self._put(Reenable(item.plugin_id, item.reason, item.disabled_at,
                                   now + cooldown, item.probes + 1))
                self.record(ErrorCategory.PLUGIN, Severity.MEDIUM, item.plugin_id,
                            f"health probe failed: {health.detail}",
                            action="stays disabled; next probe after the cool-down")
                continue
            self._reenable(item, health.detail, now)
            done.append(item.plugin_id)
        return done

    async def _probe(self, host: PluginHost, plugin_id: str) -> Health:
        """The plugin's health() off the loop, with the SPEC §3.6.2 probe limit."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(host.health, plugin_id),
                                          PROBE_TIMEOUT_SECONDS)
        except TimeoutError:
            return Health(False, f"health probe timed out ({PROBE_TIMEOUT_SECONDS:.0f} s)")

    def _reenable(self, item: Reenable, detail: str, now: datetime) -> None:
        assert self._host is not None
        self._drop(item.plugin_id)
        self.plugin_errors.pop(item.plugin_id, None)  # a fresh count after the cool-down
        self._host.set_enabled(item.plugin_id, True)
        self.reenabled[item.plugin_id] += 1
        minutes = (now - item.disabled_at).total_seconds() / 60
        self.record(ErrorCategory.PLUGIN, Severity.LOW, item.plugin_id,
                    f"health probe passed ({detail})", action="plugin re-enabled")
        self._bus.publish(OperatorNotice(
            "plugin_loaded", f"Plugin {item.plugin_id} re-enabled after its cool-down",
            (f"Disabled {minutes:.0f} min ago ({item.reason}); health probe: {detail}.",
             "Its signals go to the plugin again; the V4 fallback ends."),
            strategy=item.plugin_id))

    # -- /health -------------------------------------------------------------------------
    def health(self) -> tuple[list[str], dict[str, Any]]:
        recent = self.recent()
        by_category = Counter(r.category.value for r in recent)
        by_severity = Counter(r.severity.value for r in recent)
        tz = self._settings().display.timezone
        cfg = self._settings().recovery
        lines = [f"Recovery: {len(recent)} errors in {cfg.error_window_minutes} min" + (
            " (" + ", ".join(f"{k} {v}" for k, v in sorted(by_category.items())) + ")"
            if recent else "")]
        for item in sorted(self.pending.values(), key=lambda i: i.due):
            lines.append(f"{item.plugin_id}: disabled ({item.reason}), health probe at "
                         f"{fmt_time(item.due, tz)}" + (
                             f", {item.probes} failed probes" if item.probes else ""))
        for rec in recent[-3:]:
            lines.append(f"  {fmt_time(rec.at, tz)} {rec.severity.value} {rec.category.value} "
                         f"{rec.source}: {rec.message}" + (f" → {rec.action}" if rec.action
                                                           else ""))
        data: dict[str, Any] = {
            "errors_in_window": len(recent), "by_category": dict(by_category),
            "by_severity": dict(by_severity),
            "pending_reenable": {i.plugin_id: {"reason": i.reason, "due": i.due.isoformat(),
                                               "probes": i.probes}
                                 for i in self.pending.values()},
            "reenabled": dict(self.reenabled),
            "recent": [{"at": r.at.isoformat(), "category": r.category.value,
                        "severity": r.severity.value, "source": r.source,
                        "message": r.message, "action": r.action} for r in recent[-20:]]}
        if self.watchdog is not None:
            watch_lines, data["connection"] = self.watchdog.health()
            lines.extend(watch_lines)
        return lines, data
