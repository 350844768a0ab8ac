"""The Telegram front end: entry-point factory, lifecycle, link state and /health status."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, InlineKeyboardMarkup
from telegram.error import TelegramError

from bots.telegram import menus
from bots.telegram.auth import CommandRate, Gate
from bots.telegram.bot import BotRuntime, route_library_logs
from bots.telegram.callbacks import make_codec
from bots.telegram.config import ROLES, TelegramConfig, is_group, load_config
from bots.telegram.delivery import CriticalSeen, DayCount, DeliveryWorker, Pacer
from bots.telegram.figures import trading_day_start
from bots.telegram.handlers import BotHandlers, inline_markup
from bots.telegram.header import StickyHeader
from bots.telegram.screens import Navigator
from bots.telegram.state import Sessions
from bots.telegram.texts import HeaderFacts, header_text
from core.clock import fmt_time
from core.notifications.outbox import CURSORS, JOURNAL, OutboundMessage, Outbox

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
SERVICE = "telegram"
STATE_SECONDS = 1.0


def outbox_of(engine: Engine) -> Outbox:
    """The engine's outbox once the notification center attaches one; ours until then."""
    existing = getattr(engine, "outbox", None)
    if isinstance(existing, Outbox):
        return existing
    assert engine.store is not None, "the store opens before front ends start"
    return Outbox(engine.store)


def create(engine: Engine) -> TelegramFrontend | None:
    """Entry point `v5console.frontends: telegram`; None (and CRITICAL) without a token."""
    config = load_config(engine.secrets)
    if config is None:
        log.critical("Telegram disabled: no token (set V5_TELEGRAM_CONTROLLER_TOKEN or "
                     "V5_TELEGRAM_TOKEN)")
        engine.set_service(SERVICE, False, "disabled: no token")
        return None
    return TelegramFrontend(engine, config)


class TelegramFrontend:
    """Three roles on one to three bots, their headers and the outbox delivery workers."""

    name = SERVICE

    def __init__(self, engine: Engine, config: TelegramConfig) -> None:
        route_library_logs()
        self.engine = engine
        self.config = config
        registry = engine.registry
        monotonic = engine.clock.monotonic
        self.codec = make_codec(
            lambda: [s.name for s in registry.specs()],
            lambda: {p.type for s in registry.specs() for p in s.params},
            lambda: float(self._tg().menu.ref_payload_ttl_seconds), monotonic)
        self.gate = Gate(config.allowed, config.admins)
        self.rate = CommandRate(lambda: float(self._tg().command_rate_limit_seconds), monotonic)
        self.sessions = Sessions(monotonic)
        self.nav = Navigator(engine, self.sessions, self.rate, self.refresh_header)
        self.outbox = outbox_of(engine)
        self.runtimes = {spec.key: BotRuntime(spec, config, lambda: self._tg().delivery,
                                              self._changed) for spec in config.bots}
        self.days = {role: DayCount(self._day_start) for role in ROLES}
        self.headers: dict[str, StickyHeader] = {}
        self.workers: dict[str, DeliveryWorker] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._dirty = True
        self._last_state: tuple[bool, str] | None = None
        chat = config.chat_id
        for key, runtime in self.runtimes.items():
            BotHandlers(runtime, self.nav, self.gate, self.codec, self._is_header(key)).install(
                runtime.app)
            if chat is None:
                continue
            pacer = Pacer(is_group(chat), lambda: self._tg().delivery)
            self.headers[key] = StickyHeader(
                runtime, chat, self._header_text(runtime.spec.roles),
                self._header_keyboard(runtime.spec.roles), engine.store, pacer,
                lambda: self._tg().sticky_header)
            seen = CriticalSeen(runtime.spec.roles)
            for role in runtime.spec.roles:
                self.workers[role] = DeliveryWorker(
                    role, self.outbox, runtime, chat, pacer, lambda: self._tg().delivery,
                    engine.clock.now, self._shown, self.days[role], seen, self._changed,
                    self._latest_record)
        if chat is None:
            log.error("Telegram: no destination chat (V5_TELEGRAM_CHAT_ID, or an allowed user): "
                      "notifications stay queued and no header is pinned")

    def _latest_record(self) -> int:
        store = self.engine.store
        newest = store.tail(JOURNAL, 1) if store is not None else []
        return int(newest[0]["_no"]) if newest else 0

    def _tg(self) -> Any:
        return self.engine.settings.telegram

    def _day_start(self) -> datetime:
        return trading_day_start(self.engine.clock.now(), self.engine.settings)

    def _shown(self, when: datetime) -> str:
        return fmt_time(when, self.engine.settings.display.timezone)

    def _is_header(self, key: str) -> Any:
        def check(chat: Any, message_id: int) -> bool:
            header = self.headers.get(key)
            return header is not None and header.is_header(chat, message_id)
        return check

    def _header_text(self, roles: tuple[str, ...]) -> Any:
        def text() -> str:
            facts = HeaderFacts(self.days["notification"].today(), self.days["notification"].last,
                                self.days["analytics"].today())
            return header_text(self.engine, roles, facts)
        return text

    def _header_keyboard(self, roles: tuple[str, ...]) -> Any:
        def keyboard() -> InlineKeyboardMarkup | None:
            model = self.nav.model(roles)
            return inline_markup(menus.header_menu(model), self.codec) if model.controller \
                else None
        return keyboard

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Returns at once: bots connect (and keep retrying) in the background."""
        self._seed_day_counts()
        for runtime in self.runtimes.values():
            runtime.on_connected.append(functools.partial(self._publish_commands, runtime))
            runtime.start()
        for key, header in self.headers.items():
            self._tasks.append(asyncio.create_task(header.run(), name=f"telegram-header-{key}"))
        for role, worker in self.workers.items():
            self._tasks.append(asyncio.create_task(worker.run(), name=f"telegram-out-{role}"))
        self._tasks.append(asyncio.create_task(self._state_loop(), name="telegram-state"))
        self._publish()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for runtime in reversed(list(self.runtimes.values())):
            await runtime.stop()
        self.engine.set_service(SERVICE, False, "stopped")

    async def _publish_commands(self, runtime: BotRuntime) -> None:
        model = self.nav.model(runtime.spec.roles)
        commands = menus.bot_commands(model, self._tg().registered_commands)
        try:
            await runtime.app.bot.set_my_commands([BotCommand(n, d or n) for n, d in commands])
        except TelegramError as exc:
            log.warning("Telegram %s bot: setMyCommands failed: %s", runtime.key,
                        runtime.safe(exc))

    async def refresh_header(self, key: str, force: bool = True) -> str:
        header = self.headers.get(key)
        if header is None:
            return "no header chat configured"
        if not header.runtime.connected.is_set():
            return "not connected yet"
        return await header.refresh(force=force)

    def _seed_day_counts(self) -> None:
        """Today's delivered notifications and reports survive a restart (header counters)."""
        store = self.engine.store
        if store is None:
            return
        start = self._day_start()
        cursors = {r: int((store.get(CURSORS, r) or {}).get("sent_through", 0)) for r in ROLES}
        for doc in reversed(store.tail(JOURNAL, 2000)):
            role = doc.get("role")
            if role not in cursors or doc["_no"] > cursors[role] or not doc.get("created_at"):
                continue
            when = datetime.fromisoformat(doc["created_at"])
            if when >= start:
                fields = {k: v for k, v in doc.items() if not k.startswith("_")}
                self.days[role].record(OutboundMessage(**fields), when, self._shown(when))

    # -- state for the console and /health ----------------------------------------------------
    def _changed(self) -> None:
        self._dirty = True

    async def _state_loop(self) -> None:
        while True:
            await asyncio.sleep(STATE_SECONDS)
            self._publish()

    def _publish(self) -> None:
        backlog = {role: self.outbox.backlog(role) for role in ROLES}
        bots = []
        for runtime in self.runtimes.values():
            name = f"@{runtime.username}" if runtime.username else runtime.key
            state = runtime.link.upper() if runtime.link != "up" else "up"
            error = f" ({runtime.error})" if runtime.error and runtime.link != "up" else ""
            bots.append(f"{runtime.key} {name} {state}{error}")
        queue = sum(backlog.values())
        detail = "; ".join(bots) + f" · queue {queue} (" + ", ".join(
            f"{r} {n}" for r, n in backlog.items()) + ")"
        headers = list(self.headers.values())
        if headers:
            detail += (" · header " + "/".join(sorted({h.state for h in headers}))
                       + f" ({sum(h.updates for h in headers)} updates, "
                       f"{sum(h.regenerations for h in headers)} regenerations, "
                       f"{sum(h.errors for h in headers)} errors)")
        held = [f"{w.role}: {w.held}" for w in self.workers.values() if w.held]
        if held:
            detail += " · held " + "; ".join(held)
        up = all(r.link == "up" for r in self.runtimes.values())
        if (up, detail) != self._last_state:
            self._last_state = (up, detail)
            self.engine.set_service(SERVICE, up, detail)
        self._dirty = False

    def status(self) -> dict[str, Any]:
        """Everything /health shows: links, queues, delivery counters, header counters."""
        return {
            "bots": {k: r.status() for k, r in self.runtimes.items()},
            "chat_configured": self.config.chat_id is not None,
            "queues": {role: self.outbox.backlog(role) for role in ROLES},
            "delivery": {role: w.status() for role, w in self.workers.items()},
            "headers": {k: h.status() for k, h in self.headers.items()},
            "unauthorized_updates": self.gate.refused,
            "rate_limited_commands": self.rate.dropped,
        }
