"""The plugin host: loads plugins, serves the bridge, executes their decisions (SPEC §3.3)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.bridge import PluginDecision
from core.config.settings import Settings
from core.domain.orders import OrderIntent
from core.events import Event, EventBus, PluginStateChanged, PositionClosed, PositionOpened
from core.plugins.loader import Candidate, Factory
from core.signals.v5 import V5Signal
from core.strategies.api import Decision, Health, Manifest, StrategyPlugin

if TYPE_CHECKING:
    from core.plugins.health import PluginHealthPublisher
    from core.plugins.performance import PerformanceMonitor
    from core.plugins.services import CoreServices
    from core.strategies.day_book import StrategyDayBook
    from core.trading.desk import OrderDesk
    from core.trading.exit_intelligence import ExitPolicy
    from core.trading.service import TradingService
    from core.trading.shadow import ShadowLedger

log = logging.getLogger(__name__)
ServicesFactory = Callable[[str, Manifest | None, Factory | None], "CoreServices"]


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """One plugin as the operator sees it (/plugins, /deps, the plugin-health pane)."""

    plugin_id: str
    name: str
    version: str
    track: str
    strategy: str
    timeframes: tuple[str, ...]
    priority: int
    source: str
    state: str  # active, disabled, shadow, idle, blocked
    detail: str


class PluginHost:
    """Every plugin lives in this process (isolation `process` is refused at load for now:
    a plugin asking for it is BLOCKED with that reason rather than run unisolated)."""

    def __init__(self, settings: Callable[[], Settings], bus: EventBus, desk: OrderDesk,
                 trading: TradingService, shadow: ShadowLedger,
                 services: ServicesFactory,
                 set_switch: Callable[[str, str, bool], None], days: StrategyDayBook) -> None:
        self._settings = settings
        self._bus = bus
        self._desk = desk
        self._trading = trading
        self._ledger = shadow
        self._services_for = services
        self._set_switch = set_switch
        self.plugins: dict[str, StrategyPlugin] = {}
        self.services: dict[str, CoreServices] = {}
        self.candidates: dict[str, Candidate] = {}
        self.idle: dict[str, str] = {}  # plugin id → the plugin that won its slot
        self.days = days  # today's groups and realised P&L per owner (plugins and V4 logics)
        self.health_publisher: PluginHealthPublisher | None = None  # set by setup
        # SPEC §3.9.2 timing and throttling; attached by the engine's recovery step.
        self.performance: PerformanceMonitor | None = None
        # The trade manager's exit intelligence (SPEC §5.2.3), set by the engine once built.
        self.exits: ExitPolicy | None = None
        bus.listen(self._on_event, (PositionOpened, PositionClosed))

    # -- loading -----------------------------------------------------------------------------
    def load(self, candidates: list[Candidate]) -> None:
        for c in candidates:
            self.candidates[c.plugin_id] = c
            if c.blocked or c.factory is None or c.manifest is None:
                log.error("plugin %s BLOCKED: %s", c.plugin_id, c.blocked)
                self._bus.publish(PluginStateChanged(c.plugin_id, "blocked", c.blocked))
                continue
            entry = self._settings().plugins.entry(c.plugin_id)
            if "process" in (c.manifest.isolation, entry.isolation):
                self._block(c, "isolation 'process' is not available in this build")
                continue
            if entry.pin is not None and entry.pin != c.manifest.version:
                self._block(c, f"pinned to {entry.pin} (plugins.{c.plugin_id}.pin); "
                               f"installed {c.manifest.version}")
                continue
            services = self._services_for(c.plugin_id, c.manifest, c.factory)
            try:
                plugin = c.factory(services)
            except Exception as exc:  # PLUGIN_FAILURE: the others still load
                log.exception("plugin %s failed to initialise", c.plugin_id)
                self._block(c, f"initialisation failed: {type(exc).__name__}: {exc}")
                continue
            self.plugins[c.plugin_id] = plugin
            self.services[c.plugin_id] = services
            log.info("plugin %s %s loaded (%s)", c.plugin_id, c.manifest.version,
                     c.manifest.track)
        self._resolve_slots()

    def install(self, plugin: StrategyPlugin, services: CoreServices) -> None:
        """Register an already-built plugin (tests, hot-swap)."""
        manifest = plugin.manifest
        self.candidates[manifest.id] = Candidate(manifest.id, None, manifest, "installed")
        self.plugins[manifest.id] = plugin
        self.services[manifest.id] = services
        self._resolve_slots()

    def _block(self, c: Candidate, why: str) -> None:
        self.candidates[c.plugin_id] = Candidate(c.plugin_id, c.factory, c.manifest, c.source,
                                                 why)
        self._bus.publish(PluginStateChanged(c.plugin_id, "blocked", why))

    def _resolve_slots(self) -> None:
        """SPEC §3.3: two plugins for the same strategy and timeframe → the lower priority
        number wins; the other stays loaded but idle."""
        self.idle.clear()
        owners: dict[tuple[str, str], str] = {}
        for plugin_id in sorted(self.plugins, key=lambda p: (self.priority(p), p)):
            manifest = self.plugins[plugin_id].manifest
            for tf in manifest.timeframes:
                slot = (manifest.strategy, tf)
                if slot in owners and owners[slot] != plugin_id:
                    self.idle[plugin_id] = owners[slot]
                else:
                    owners.setdefault(slot, plugin_id)

    def priority(self, plugin_id: str) -> int:
        plugins = self._settings().plugins
        if getattr(plugins, plugin_id, None) is None:  # no section: its manifest decides
            return self.plugins[plugin_id].manifest.priority
        return plugins.entry(plugin_id).priority

    # -- switches ------------------------------------------------------------------------------
    def enabled(self, plugin_id: str) -> bool:
        return self._settings().plugins.entry(plugin_id).enabled

    def shadow(self, plugin_id: str) -> bool:
        """Shadow by switch; V6_EXPERIMENTAL plugins always, unless promoted (SPEC §4.4)."""
        entry = self._settings().plugins.entry(plugin_id)
        plugin = self.plugins.get(plugin_id)
        experimental = plugin is not None and plugin.manifest.track == "V6_EXPERIMENTAL"
        return entry.shadow_mode or (experimental and not entry.promoted)

    def set_enabled(self, plugin_id: str, on: bool) -> None:
        self._require(plugin_id)
        self._set_switch(plugin_id, "enabled", on)
        self._bus.publish(PluginStateChanged(plugin_id, "enabled" if on else "disabled", ""))

    def set_shadow(self, plugin_id: str, on: bool) -> None:
        self._require(plugin_id)
        self._set_switch(plugin_id, "shadow_mode", on)
        self._bus.publish(PluginStateChanged(plugin_id, "shadow" if on else "live", ""))

    def _require(self, plugin_id: str) -> None:
        if plugin_id not in self.plugins:
            known = ", ".join(sorted(self.plugins)) or "none"
            raise KeyError(f"unknown plugin {plugin_id!r}; loaded: {known}")

    # -- the bridge's view ------------------------------------------------------------------------
    def loaded(self) -> Mapping[str, bool]:
        """Plugin id → trades (loaded, enabled, not idle). Shadow plugins count as active:
        they take the decision, and the host keeps their orders virtual."""
        return {p: self.enabled(p) and p not in self.idle for p in self.plugins}

    async def on_signal(self, plugin_id: str, signal: V5Signal) -> PluginDecision:
        perf = self.performance
        if perf is None or not perf.is_throttled(plugin_id):
            return await self._on_signal(plugin_id, signal)
        # SPEC §3.9.2 throttled: informational inputs dropped, signals one at a time
        if signal.action == "trend_update":
            return PluginDecision("IGNORED", "THROTTLED", f"{plugin_id} is throttled: its "
                                  "trend updates are dropped (the shared stores have them)")
        async with perf.stats(plugin_id).lock:
            return await self._on_signal(plugin_id, signal)

    async def _on_signal(self, plugin_id: str, signal: V5Signal) -> PluginDecision:
        plugin = self.plugins[plugin_id]
        services = self.services[plugin_id]
        shadow = self.shadow(plugin_id)
        services.shadow = shadow
        try:
            with self._measured(plugin_id, "on_signal"):
                decision = await plugin.on_signal(signal, shadow)
        finally:
            services.shadow = False
        if decision.outcome != "ACCEPT":
            return PluginDecision(decision.outcome, decision.reason, decision.detail)
        return await self._execute(plugin_id, decision, shadow)

    async def _execute(self, plugin_id: str, decision: Decision, shadow: bool
                       ) -> PluginDecision:
        """Closes first (own positions only), then each entry plan through the desk."""
        words: list[str] = [decision.detail] if decision.detail else []
        closed, held = await self._closes(plugin_id, decision, shadow, words)
        intents: list[OrderIntent] = []
        outcome, reason = ("SHADOW", "SHADOW") if shadow else ("EXECUTED", decision.reason)
        if held and held == len(decision.closes) and not decision.entries:
            reason = "EXIT_HELD"  # every position the exit selected is held (SPEC §5.2.3)
        for plan in decision.entries:
            if plan.owner != plugin_id:
                raise ValueError(f"{plugin_id} planned an entry owned by {plan.owner}")
            result = await self._desk.open_group(plan, shadow=shadow)
            intents.extend(result.intents)
            words.append(result.detail)
            if result.outcome not in ("executed", "shadow"):
                outcome, reason = result.outcome.upper(), result.reason
            elif not shadow:
                reason = result.reason
        if not decision.entries and not closed and not shadow:
            outcome = "IGNORED"
        return PluginDecision(outcome, reason, "; ".join(w for w in words if w),
                              tuple(intents))

    async def _closes(self, plugin_id: str, decision: Decision, shadow: bool,
                      words: list[str]) -> tuple[int, int]:
        """How many positions were closed or handled, and how many of them were held."""
        done = held = 0
        for close in decision.closes:
            if shadow:
                doc = self._ledger.close_virtual(plugin_id, -close.ticket, close.reason)
                if doc is not None:
                    done += 1
                    words.append(f"would close S{-close.ticket} ({close.reason})")
                continue
            owner = self._trading.meta(close.ticket).get("strategy")
            if owner != plugin_id:  # SPEC §3.3 ownership principle
                words.append(f"#{close.ticket} not closed: owned by {owner or 'nobody'}")
                continue
            if close.reason == "EXIT_SIGNAL" and self.exits is not None:
                action = await self.exits.exit_signal(close.ticket)
                words.append(action.words)
                done += action.ok
                held += action.action == "hold"
                continue
            result = await self._trading.close(close.ticket, reason=close.reason)
            if result.ok:
                done += 1
                words.append(f"closed #{close.ticket} ({close.reason})")
            else:
                words.append(f"close #{close.ticket} failed: {result.message}")
        return done, held

    # -- timers, events, health --------------------------------------------------------------------
    @contextmanager
    def _measured(self, plugin_id: str, hook: str) -> Iterator[None]:
        """Every plugin call goes through the performance monitor (timing, PluginFault)."""
        if self.performance is None:
            yield
            return
        with self.performance.measure(plugin_id, hook):
            yield

    async def tick(self, now: datetime) -> None:
        for plugin_id, trades in self.loaded().items():
            if not trades:
                continue
            try:
                with self._measured(plugin_id, "on_tick"):
                    await self.plugins[plugin_id].on_tick(now)
            except Exception:  # one failing plugin must not stop the others' timers
                log.exception("plugin %s failed on tick", plugin_id)

    def _on_event(self, event: Event) -> None:
        owner = event.strategy if isinstance(event, PositionOpened | PositionClosed) else ""
        plugin = self.plugins.get(owner)
        if plugin is None:
            return
        try:
            with self._measured(owner, "on_event"):
                plugin.on_event(event)
        except Exception:
            log.exception("plugin %s failed on an order event", owner)

    def health(self, plugin_id: str) -> Health:
        try:
            return self.plugins[plugin_id].health()
        except Exception as exc:
            return Health(False, f"{type(exc).__name__}: {exc}")

    def infos(self) -> list[PluginInfo]:
        out = []
        for plugin_id in sorted(self.candidates):
            c = self.candidates[plugin_id]
            m = c.manifest
            if plugin_id in self.plugins:
                m = self.plugins[plugin_id].manifest
                if plugin_id in self.idle:
                    state, detail = "idle", f"{self.idle[plugin_id]} has priority"
                elif not self.enabled(plugin_id):
                    state, detail = "disabled", "switched off"
                elif self.shadow(plugin_id):
                    state, detail = "shadow", "decides and records; sends no orders"
                else:
                    state, detail = "active", "trades"
            else:
                state, detail = "blocked", c.blocked
            out.append(PluginInfo(
                plugin_id, m.name if m else plugin_id, m.version if m else "?",
                m.track if m else "?", m.strategy if m else "?", m.timeframes if m else (),
                self.priority(plugin_id) if plugin_id in self.plugins else 0,
                c.source, state, detail))
        return out
