"""The Engine: owns every subsystem, starts them in order and stops them in reverse (SPEC §3.11)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.analytics.schedule import ReportScheduler
from core.analytics.service import AnalyticsService
from core.bridge import Bridge
from core.brokers.factory import BrokerBundle, build_broker, specs_from
from core.clock import Clock, SystemClock
from core.commands.catalog import build_registry
from core.commands.spec import Actor, Reply
from core.config import ConfigManager, Secrets, Settings, load_secrets
from core.domain.enums import PauseReason, TradingMode
from core.domain.symbols import SymbolSpec
from core.events import CommandExecuted, EventBus, ServiceStateChanged
from core.frontends import Frontend, start_all
from core.frontends import names as frontend_names
from core.infra.compose import build_trade_manager, start_alerts
from core.infra.recovery_setup import Recovery, start_recovery
from core.infra.startup import Infra, StartupError, build_infra, start_infra
from core.logs import configure_logging, remove_handlers
from core.market import MarketPump, PositionWatcher
from core.notifications.center import NotificationCenter
from core.notifications.outbox import Outbox
from core.plugins.host import PluginHost
from core.plugins.setup import build_strategies
from core.risk.manager import RiskManager
from core.runtime import DataDirLock, generated_token, write_runtime
from core.sessions.manager import SessionManager
from core.signals.demo_post import DemoAlertPoster
from core.signals.intake import SignalIntake
from core.signals.model import Outcome, V4Signal
from core.signals.webhook import WebhookServer
from core.status import status_of
from core.storage.store import Store
from core.strategies.trend_store import TrendStore
from core.strategies.v4_stable import V4StableLogic
from core.trading.desk import OrderDesk
from core.trading.manager import TradeManager
from core.trading.pyramid import ProfitPyramid, build_pyramid
from core.trading.reentry.engine import ReentryEngine, build_reentry
from core.trading.service import TradingService
from core.trading.shadow import ShadowLedger
from core.voice.service import VoiceService

log = logging.getLogger(__name__)
OVERRIDES = "config_overrides"


@dataclass
class EngineOptions:
    """How to start: everything a CLI flag or a test may choose."""

    data_dir: Path = Path("data")
    config_path: Path | None = None
    mode: str | None = None
    host: str | None = None
    port: int | None = None
    clock: Clock | None = None
    secrets: Secrets | None = None
    webhook: bool = True
    market: bool = True
    log_to_stderr: bool = False
    replay: bool = False  # offline replay: broker calls inline, terminal not persisted
    frontends: bool = True  # start discovered front ends (Telegram); tests switch it off
    config_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepState:
    name: str
    state: str = "pending"
    detail: str = ""


class Engine:
    """One asyncio loop, one engine; front ends talk to it through `execute` and `bus`."""

    def __init__(self, options: EngineOptions) -> None:
        self.options = options
        self.data_dir = options.data_dir
        self.clock: Clock = options.clock or SystemClock()
        self.bus = EventBus()
        self.secrets = options.secrets or load_secrets()
        cli = dict(options.config_overrides)
        if options.mode:
            cli["trading.mode"] = options.mode
        if options.port is not None:
            cli["webhook.port"] = options.port
        if options.host:
            cli["webhook.host"] = options.host
        self.config = ConfigManager.from_file(options.config_path, cli=cli)
        self.registry = build_registry()
        self.api_token = self.secrets.api_token or generated_token()
        # A demo feed needs a secret to post with; never accept unauthenticated alerts.
        self.webhook_secret = self.secrets.webhook_secret or generated_token()
        self.steps = {n: StepState(n) for n in (
            "config", "store", "broker", "trading", "strategies", "recovery", "sync",
            "checkpoints", "intake", "market", "frontends", "webhook")}
        self.services: dict[str, tuple[bool, str]] = {}
        # Subsystems add their state to /health: name → () -> (lines, data)
        self.health_sections: dict[str, Callable[[], tuple[list[str], dict[str, Any]]]] = {}
        self.started_at = self.clock.now()
        self._lock = DataDirLock(self.data_dir)
        self._tasks: list[asyncio.Task[Any]] = []
        self._log_handlers: list[logging.Handler] = []
        # /shutdown and /restart ask the runner (headless service or console) to stop the
        # engine; the runner owns the process, so it is the one that stops or restarts.
        self.stop_request = asyncio.Event()
        self.restart_requested = False
        self.store: Store | None = None
        self.bundle: BrokerBundle | None = None
        self.trading: TradingService | None = None
        self.risk: RiskManager | None = None  # SPEC §5.3-§5.4 (gates, sizing, caps)
        self.sessions: SessionManager | None = None  # SPEC §8 (sessions, weekend, clock)
        self.trends: TrendStore | None = None
        self.v4: V4StableLogic | None = None
        self.shadow: ShadowLedger | None = None  # SPEC §4.4 virtual positions
        self.desk: OrderDesk | None = None  # SPEC §5.1 order groups
        self.manager: TradeManager | None = None  # SPEC §5.2 position management
        self.reentry: ReentryEngine | None = None  # SPEC §6 re-entry chains (a manager follower)
        self.pyramid: ProfitPyramid | None = None  # SPEC §7 profit chains (a manager follower)
        self.bridge: Bridge | None = None
        self.plugins: PluginHost | None = None  # SPEC §3.9-§3.10: V3 and V6 plugins
        self.recovery: Recovery | None = None  # SPEC §3.5, §3.9.2: errors, link, performance
        self.infra: Infra | None = None  # SPEC §3.6-§3.7: sync, conflicts, checkpoints
        self.intake: SignalIntake | None = None
        self.webhook: WebhookServer | None = None
        self.market: MarketPump | None = None
        # Demo alerts travel the real HTTP path to our own webhook, like TradingView's.
        self._demo_poster = DemoAlertPoster(self._webhook_port)
        self.frontends: list[Frontend] = []
        # notifications, analytics, voice (issue #7): front ends deliver the outbox
        self.outbox: Outbox | None = None
        self.notifications: NotificationCenter | None = None
        self.voice: VoiceService | None = None
        self.analytics: AnalyticsService | None = None
        self.reports: ReportScheduler | None = None

    # -- accessors -------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def mode(self) -> TradingMode:
        return TradingMode(self.settings.trading.mode)

    def symbols(self) -> dict[str, SymbolSpec]:
        return specs_from(self.settings)

    def set_service(self, name: str, up: bool, detail: str) -> None:
        self.services[name] = (up, detail)
        self.bus.publish(ServiceStateChanged(name, up, detail))

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._lock.acquire()
        try:
            await self._start_steps()
        except BaseException:
            await self.stop()
            raise

    async def _start_steps(self) -> None:
        settings = self.settings
        self._log_handlers = configure_logging(
            self.data_dir, settings.app.log_level, self.secrets.secret_values() + [
                self.api_token, self.webhook_secret], self.bus, self.options.log_to_stderr,
            settings.app.log_max_mb, settings.app.log_backups)
        self._mark("config", "ok", f"mode {settings.trading.mode}")
        # An offline replay writes to a scratch directory: fsync would only slow it down.
        try:  # SPEC §3.11 step 2 (†): without the store nothing can start
            self.store = Store(self.data_dir / "store", durable=not self.options.replay)
        except Exception as exc:
            self._mark("store", "failed", str(exc))
            raise StartupError(f"start-up stopped at step 'store' (required): cannot open "
                               f"{self.data_dir / 'store'}: {type(exc).__name__}: {exc}"
                               ) from exc
        stored = {d["_key"]: d["value"] for d in self.store.all(OVERRIDES)}
        if stored:
            self.config = ConfigManager(self.config.file_data, stored)
        self.registry.audit_sinks.append(self._audit)
        self._mark("store", "ok", str(self.data_dir / "store"))
        self.bundle = build_broker(self.settings, self.secrets, self.data_dir, self.clock,
                                   inline=self.options.replay, persist=not self.options.replay,
                                   with_feed=self.options.market,
                                   demo_secret=lambda: self.webhook_secret)
        self.trading = TradingService(self.bundle.broker, self.store, self.bus, self.clock,
                                      lambda: self.settings)
        try:
            await self.bundle.broker.connect()
            self._mark("broker", "ok", self.bundle.description)
            self.set_service("mt5", True, self.bundle.description)
        except Exception as exc:  # live: start paused, never fall back to paper by itself
            log.critical("broker DOWN in %s mode: %s; trading PAUSED (MT5_DOWN); the system "
                         "never switches to paper by itself (trading.mode = paper simulates)",
                         self.settings.trading.mode, exc)
            self._mark("broker", "degraded", f"{exc}; trading paused (MT5_DOWN)")
            self.set_service("mt5", False, str(exc))
            self.trading.pause(PauseReason.MT5_DOWN)
        if self.bundle.broker.connected:
            await self.trading.refresh()
        self._mark("trading", "ok", "paused" if self.trading.paused else "running")
        await start_alerts(self, self._tasks)  # issue #7: outbox, voice, notices, reports
        # -- risk and sessions: counters, daily reset, session timer (SPEC §5.4, §8) --
        self.risk = RiskManager(lambda: self.settings, self.store, self.bus, self.clock,
                                self.trading, self.symbols)
        self.sessions = SessionManager(lambda: self.settings, self.store, self.bus, self.clock,
                                       self.trading, self.persist_override)
        if not self.options.replay:  # an offline replay calls risk/sessions.tick(now) itself
            self._tasks.append(asyncio.create_task(self.risk.run(), name="risk"))
            self._tasks.append(asyncio.create_task(self.sessions.run(), name="sessions"))
        self.trends = TrendStore(self.store)
        # SPEC §5.1, §4.4: every order group goes through the desk; shadow groups to the ledger
        self.shadow = ShadowLedger(self.store, self.clock, self.symbols)
        self.desk = OrderDesk(self.trading, self.risk, self.shadow, lambda: self.settings,
                              self.symbols, self.clock)
        if not self.options.replay:  # an offline replay calls shadow.tick(quote) per bar
            self._tasks.append(asyncio.create_task(self.shadow.run(
                self.trading.broker.quote,
                self.settings.trade_management.loop_interval_seconds), name="shadow"))
        self.v4 = V4StableLogic(self.trading, self.trends, self.clock, lambda: self.settings,
                                self.symbols, self.risk, self.desk)
        self.plugins, self.bridge = build_strategies(self)
        self.manager = build_trade_manager(self)
        self.reentry = build_reentry(self)
        self.pyramid = build_pyramid(self)
        if not self.options.replay:
            self._tasks.append(asyncio.create_task(self._plugin_timer(), name="plugins"))
        infos = self.plugins.infos()
        active = [i.plugin_id for i in infos if i.state in ("active", "shadow")]
        blocked = [f"{i.plugin_id} ({i.detail})" for i in infos if i.state == "blocked"]
        self._mark("strategies", "degraded" if blocked else "ok",
                   f"V4 stable logic; bridge {self.settings.bridge.mode}; plugins: "
                   f"{', '.join(active) or 'none'}" + (f"; BLOCKED: {', '.join(blocked)}"
                                                       if blocked else ""))
        self.recovery = start_recovery(self, self._tasks, background=not self.options.replay)
        # SPEC §3.11 steps 3 and 6: reconciliation with the terminal, state sync, the
        # start-up checkpoints and the rollback monitor (optional: they degrade)
        self.infra = build_infra(self)
        await start_infra(self, self.infra, self._tasks, background=not self.options.replay)
        self.intake = SignalIntake(lambda: self.settings, self.store, self.clock, self.symbols,
                                   self.bus, self.webhook_secret)
        requeued = self.intake.recover()
        self._tasks.append(asyncio.create_task(self.intake.run(self.process_signal),
                                               name="intake"))
        self._mark("intake", "ok", f"{requeued} re-queued")
        self._start_market()
        await self._start_frontends()
        if self.options.webhook:
            await self._start_webhook()
        else:
            self._mark("webhook", "off", "not started (offline run)")
            self.set_service("webhook", False, "off")
        log.info("Trading system started (%s mode)", self.settings.trading.mode)

    def _start_market(self) -> None:
        assert self.bundle is not None and self.trading is not None
        assert self.manager is not None
        if not self.options.market:
            self._mark("market", "off", "not started")
            return
        if self.bundle.terminal is not None and self.bundle.feed is not None:
            self.market = MarketPump(
                self.bundle.feed, self.bundle.terminal, self.bundle.to_broker_symbol,
                self.trading, self.bus, self.clock, self.settings.paper.tick_seconds,
                demo=self.bundle.demo, post_alert=self._demo_poster.post, manager=self.manager)
            self._tasks.append(asyncio.create_task(self.market.run(), name="market"))
            self._mark("market", "ok", self.bundle.feed_description)
        else:
            watcher = PositionWatcher(self.trading, manager=self.manager,
                                      interval=self.settings.trade_management.loop_interval_seconds)
            self._tasks.append(asyncio.create_task(watcher.run(), name="positions"))
            self._mark("market", "ok", "watching the terminal every 1 s")

    async def _start_frontends(self) -> None:
        """SPEC §3.11 step 7: a front end that fails degrades to "without it", logged."""
        if not self.options.frontends:
            for name in frontend_names():
                self.set_service(name, False, "off")
            self._mark("frontends", "off", "not started")
            return
        self.frontends, started = await start_all(self, self.set_service)
        self._mark("frontends", "ok", ", ".join(started) or "none configured")

    async def _start_webhook(self) -> None:
        assert self.intake is not None
        self.webhook = WebhookServer(self.intake, lambda: self.settings, self.clock,
                                     self.api_token, self.status_dict, self.execute)
        state = await self.webhook.start(self.settings.webhook.host, self.settings.webhook.port)
        self._mark("webhook", "ok" if state.up else "degraded", state.detail)
        self.set_service("webhook", state.up, state.detail if state.up
                         else f"webhook DOWN: {state.detail}")
        write_runtime(self.data_dir, state.port, self.api_token)

    async def stop(self) -> None:
        """Reverse order: stop alerts, drain, stop monitors, persist, release the directory."""
        if self.intake is not None:
            self.intake.accepting = False
            try:
                await asyncio.wait_for(self.intake.queue.join(), timeout=10)
            except TimeoutError:
                log.warning("shutdown: %d alert(s) left queued (processed after restart)",
                            self.intake.queue.qsize())
        for task in reversed(self._tasks):
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.notifications is not None:  # issue #7: bot_stopped into the outbox
            await self.notifications.stop()
        if self.voice is not None:
            await self.voice.stop()
        for frontend in reversed(self.frontends):
            try:
                await frontend.stop()
            except Exception:
                log.exception("front end %s did not stop cleanly", frontend.name)
        self.frontends.clear()
        if self.webhook is not None:
            await self.webhook.stop()
        await self._demo_poster.close()
        if self.bundle is not None:
            await self.bundle.broker.shutdown()
        if self.store is not None:
            log.info("Trading system stopped")
            self.store.close()
            self.store = None
        remove_handlers(self._log_handlers)
        self._log_handlers = []
        self._lock.release()

    def request_stop(self, restart: bool = False) -> None:
        self.restart_requested = self.restart_requested or restart
        log.warning("%s requested by command: open positions stay at the broker with their "
                    "SL/TP", "restart" if restart else "shutdown")
        self.stop_request.set()

    def _audit(self, record: dict[str, Any]) -> None:
        """Every command invocation, on every surface: who, where, what, result."""
        if self.store is not None:
            self.store.append("audit", {"time": self.clock.now().isoformat(), **record})
        self.bus.publish(CommandExecuted(record["command"], record["surface"], record["actor"],
                                         record["ok"], record["result"]))

    def _mark(self, step: str, state: str, detail: str) -> None:
        self.steps[step] = StepState(step, state, detail)
        level = logging.INFO if state in ("ok", "off") else logging.WARNING
        log.log(level, "start-up %s: %s (%s)", step, state, detail)

    # -- the signal path ---------------------------------------------------------------------
    async def process_signal(self, signal: V4Signal) -> Outcome:
        assert self.bridge is not None
        return await self.bridge.process(signal)

    async def _plugin_timer(self) -> None:
        """The plugins' optional on_tick hook, once a second."""
        while True:
            if self.plugins is not None:
                await self.plugins.tick(self.clock.now())
                if self.plugins.health_publisher is not None:
                    self.plugins.health_publisher.flush()
            await asyncio.sleep(1.0)

    # -- surfaces ------------------------------------------------------------------------------
    async def execute(self, line: str, actor: Actor, confirmed: bool = False) -> Reply:
        return await self.registry.invoke(self, line, actor, confirmed)

    def status_dict(self) -> dict[str, Any]:
        return status_of(self)

    def _webhook_port(self) -> int | None:
        webhook = self.webhook
        return webhook.state.port if webhook is not None and webhook.state.up else None

    def persist_override(self, dotted: str, value: Any) -> None:
        """Runtime config change: validated first, then stored so it survives restarts.
        A checkpoint precedes it (SPEC §3.6.1 pre_config_change)."""
        if self.infra is not None:
            self.infra.checkpoints.before_config_change(dotted, value)
        self.config.set(dotted, value)
        if self.store is not None:
            self.store.put(OVERRIDES, dotted, {"value": value})
