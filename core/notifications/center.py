"""The notification center: engine events → SPEC §9.4 messages → preferences → the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.analytics.labels import StrategyLabel
from core.analytics.periods import TradingCalendar
from core.events import (
    AlertProcessed,
    Event,
    ExitHeld,
    PartialClosed,
    PositionClosed,
    PositionOpened,
    ServiceStateChanged,
    StopLossMoved,
)
from core.notifications import messages as msg
from core.notifications import simple, trade_notices
from core.notifications.notice import Notice
from core.notifications.outbox import OutboundMessage, Outbox
from core.notifications.preferences import Decision, PreferenceStore, decide
from core.notifications.tally import DayTally
from core.notifications.types import TYPES, Priority, lookup
from core.risk.sizing import tier_for
from core.signals.intake import AlertRefused
from core.voice import sentences
from core.voice.service import VoiceService

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
HELD = "notification_held"
STATE = "notification_state"
ENTRY_GROUP_SECONDS = 3.0  # orders of one signal (A and B) share one ENTRY message
MANAGED = (StopLossMoved, PartialClosed, ExitHeld)  # the trade manager's actions (SPEC §5.2)
EVENTS: tuple[type[Event], ...] = (PositionOpened, PositionClosed, AlertProcessed,
                                   AlertRefused, ServiceStateChanged, *MANAGED, *simple.EVENTS)
REFUSED_EVERY_SECONDS = 60.0  # a flood of bad alerts makes one notice a minute per type


class NotificationCenter:
    """Listens on the bus (synchronously: nothing is dropped) and writes the outbox, which is
    durable before any front end sends a thing. Quiet-hour messages wait in `notification_held`
    and leave as one digest per bot when the quiet hours end (`run_due`)."""

    def __init__(self, engine: Engine, outbox: Outbox, voice: VoiceService | None) -> None:
        assert engine.store is not None
        self._engine = engine
        self._store = engine.store
        self.outbox = outbox
        self.voice = voice
        self.prefs = PreferenceStore(self._store, lambda: engine.settings)
        self._entries: dict[str, tuple[float, list[PositionOpened]]] = {}
        self._mt5_down = False
        self._tally = DayTally()
        self._tasks: set[asyncio.Task[None]] = set()
        self._active = False
        self._pending: deque[tuple[Event, datetime]] = deque()
        self._flush_scheduled = False
        self.actions: Counter[str] = Counter()
        self._refused_at: dict[str, float] = {}
        self._refused_quiet: Counter[str] = Counter()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._active = True
        self._engine.bus.listen(self._on_event, EVENTS)
        now = self._now()
        trading = self._engine.trading
        self.emit(Notice("bot_started", msg.bot_started(
            self._mode(), self._balance(), len(trading.positions) if trading else 0,
            self._engine.settings.bridge.mode, now, self._tz()), speech=sentences.started()),
            now)
        mt5 = self._engine.services.get("mt5")
        if mt5 is not None and not mt5[0]:
            self._mt5(False, mt5[1], now)

    async def stop(self) -> None:
        if not self._active:
            return
        self.flush()
        now = self._now()
        self._flush_entries(now, everything=True)
        trading = self._engine.trading
        self.emit(Notice("bot_stopped", msg.bot_stopped(
            self._mode(), len(trading.positions) if trading else 0, self._today(now)[0], now,
            self._tz()), speech=sentences.stopped()), now)
        self._active = False
        await self.settle()

    async def settle(self, timeout: float = 30.0) -> None:
        """Handle queued events, then wait for voice notes still being made (they follow
        their text message)."""
        self.flush()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def run(self, tick_seconds: float = 15.0) -> None:
        """Periodic duties on the engine clock (tests call `run_due` directly)."""
        while True:
            await asyncio.sleep(tick_seconds)
            try:
                self.run_due(self._now())
            except Exception:
                log.exception("notification duties failed")

    def run_due(self, now: datetime) -> None:
        self._flush_entries(now)
        self._release_held(now)

    # -- the one way out -----------------------------------------------------------------------
    def emit(self, notice: Notice, now: datetime) -> Decision:
        ntype = lookup(notice.type)
        decision = (decide(self.prefs.current(), ntype, notice.origin, now)
                    if notice.type in TYPES else Decision("send", "requested"))
        message = OutboundMessage(
            role=ntype.role, type=ntype.name, priority=int(ntype.priority), text=notice.text,
            silent=decision.action == "silent", attachment_path=notice.attachment_path,
            attachment_kind=notice.attachment_kind)
        if decision.delivered_now:
            self.outbox.put(message, now)
            if decision.copy_to_controller:
                self.outbox.put(_with_role(message, "controller"), now)
        elif decision.action == "hold":
            held = [message, _with_role(message, "controller")] if (
                decision.copy_to_controller) else [message]
            for item in held:
                self._store.append(HELD, {**asdict(item), "held_at": now.isoformat()})
        self.actions[decision.action] += 1
        log.debug("notification %s (%s): %s — %s", ntype.name, ntype.priority.name,
                 decision.action, decision.reason)
        if decision.action == "send" and notice.speech:
            self._voice(notice, ntype.name, ntype.priority)
        return decision

    def _voice(self, notice: Notice, name: str, priority: Priority) -> None:
        settings = self._engine.settings.voice
        if self.voice is None or not (name in settings.speak_events
                                      or priority is Priority.CRITICAL):
            return
        assert notice.speech is not None
        self.voice.say(notice.speech, int(priority), shadow=notice.shadow)
        if (priority is Priority.CRITICAL and settings.enabled and settings.telegram_voice_note
                and not notice.shadow):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # published outside the engine loop: text only
                return
            task = loop.create_task(self._voice_note(notice, name))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _voice_note(self, notice: Notice, name: str) -> None:
        assert self.voice is not None and notice.speech is not None
        try:
            path = await self.voice.make_note(notice.speech)
        except Exception as exc:
            log.warning("voice note for %s not produced: %s", name, exc)
            return
        if self._engine.store is not None:
            self.outbox.put(OutboundMessage(
                "notification", name, int(Priority.CRITICAL), notice.speech,
                attachment_path=str(path), attachment_kind="voice"), self._now())

    # -- quiet hours -------------------------------------------------------------------------
    def _release_held(self, now: datetime) -> None:
        prefs = self.prefs.current()
        if prefs.quiet.active(now):
            return
        cursor = int((self._store.get(STATE, "held") or {}).get("through", 0))
        held = list(self._store.scan(HELD, since_record=cursor))
        if not held:
            return
        roles: dict[str, list[dict[str, Any]]] = {}
        for doc in held:
            roles.setdefault(doc["role"], []).append(doc)
        for role, docs in roles.items():
            texts = [(datetime.fromisoformat(d["held_at"]), d["text"]) for d in docs
                     if not d.get("attachment_path")]
            if texts:
                self.outbox.put(OutboundMessage(
                    role, "quiet_hours_digest", max(int(d["priority"]) for d in docs),
                    msg.digest(texts, prefs.quiet.start, prefs.quiet.end, self._tz())), now)
            for d in docs:  # files cannot be merged into a digest: they follow it, in order
                if d.get("attachment_path"):
                    fields = {k: v for k, v in d.items()
                              if k in OutboundMessage.__dataclass_fields__}
                    self.outbox.put(OutboundMessage(**{**fields, "created_at": ""}), now)
        self._store.put(STATE, "held", {"through": int(held[-1]["_no"])})

    # -- events ------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        """Bus listener: queued in publish order and handled on the next loop turn, so the
        durable outbox write never sits inside the publisher's path (an order being placed)."""
        if not self._active or self._engine.store is None:
            return
        self._pending.append((event, self._now()))
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): handle it right here
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self.flush)

    def flush(self) -> int:
        """Handle every queued event now, oldest first; returns how many were handled."""
        self._flush_scheduled = False
        handled = 0
        while self._pending:
            event, now = self._pending.popleft()
            if not self._active or self._engine.store is None:
                continue
            try:
                self._handle(event, now)
            except Exception:  # one bad notification must not stop the others
                log.exception("notification for %s failed", type(event).__name__)
            handled += 1
        return handled

    def _handle(self, event: Event, now: datetime) -> None:
        if isinstance(event, PositionOpened):
            if event.signal_id is None:
                self._entry([event], now)
            else:
                self._entries.setdefault(event.signal_id, (self._engine.clock.monotonic(), []))
                self._entries[event.signal_id][1].append(event)
        elif isinstance(event, PositionClosed):
            self.emit(trade_notices.closed(self._engine, self._store, event, now, self._today,
                                           self._daily_cap), now)
        elif isinstance(event, AlertProcessed):
            group = self._entries.pop(event.signal_id, None)
            if group is not None:
                self._entry(group[1], now)
            self._alert(event, now)
        elif isinstance(event, AlertRefused):
            self._refused(event, now)
        elif isinstance(event, ServiceStateChanged):
            if event.service == "mt5":
                self._mt5(event.up, event.detail, now)
        elif isinstance(event, MANAGED):
            self.emit(trade_notices.managed(self._engine, event), now)
        else:
            notice = simple.notice_for(event, now, self._tz())
            if notice is not None:
                self.emit(notice, now)

    def _flush_entries(self, now: datetime, everything: bool = False) -> None:
        horizon = self._engine.clock.monotonic() - ENTRY_GROUP_SECONDS
        for signal_id, (seen, events) in list(self._entries.items()):
            if everything or seen <= horizon:
                del self._entries[signal_id]
                self._entry(events, now)

    def _entry(self, events: list[PositionOpened], now: datetime) -> None:
        self.emit(trade_notices.entry(self._engine, self._store, events, now), now)

    def _alert(self, event: AlertProcessed, now: datetime) -> None:
        if event.outcome in ("rejected", "blocked", "error"):
            kind = "alert_rejected"
        elif event.reason == "TREND_UPDATED":
            kind = "trend_changed"
        else:
            kind = "alert_received"
        family = event.family if event.family != "LEGACY" else "V4"
        self.emit(Notice(kind, msg.alert(kind, event.family, event.summary, event.outcome,
                                         event.reason, now, self._tz()),
                         StrategyLabel(family)), now)

    def _refused(self, event: AlertRefused, now: datetime) -> None:
        """`webhook_auth_failed` (401) or `alert_rejected`, at most one a minute per type; the
        next one counts those refused in between."""
        kind = "webhook_auth_failed" if event.status == 401 else "alert_rejected"
        clock = self._engine.clock.monotonic()
        if clock - self._refused_at.get(kind, float("-inf")) < REFUSED_EVERY_SECONDS:
            self._refused_quiet[kind] += 1
            return
        self._refused_at[kind] = clock
        family = "V4" if event.family == "LEGACY" else event.family
        self.emit(Notice(kind, msg.alert_refused(
            kind, event.status, event.reason, event.message, family, event.peer, event.excerpt,
            self._refused_quiet.pop(kind, 0), now, self._tz()),
            StrategyLabel(family) if family else None), now)

    def _mt5(self, up: bool, detail: str, now: datetime) -> None:
        if not up and not self._mt5_down:
            self._mt5_down = True
            self.emit(Notice("mt5_disconnected", msg.mt5_link(False, detail, now, self._tz()),
                             speech=sentences.mt5_disconnected()), now)
        elif up and self._mt5_down:
            self._mt5_down = False
            self.emit(Notice("mt5_reconnected", msg.mt5_link(True, detail, now, self._tz())),
                      now)

    # -- helpers -----------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self._engine.clock.now()

    def _tz(self) -> str:
        return self._engine.settings.display.timezone

    def _mode(self) -> str:
        return self._engine.settings.trading.mode.upper()

    def _balance(self) -> float | None:
        trading = self._engine.trading
        return trading.account.balance if trading and trading.account else None

    def _daily_cap(self) -> float | None:
        """The cap the risk manager enforces (same tier rule, SPEC §5.4.1)."""
        risk = getattr(self._engine, "risk", None)
        if risk is not None:
            return float(risk.caps()[0])
        balance = self._balance()
        if balance is None:
            return None
        settings = self._engine.settings
        return settings.risk.tiers[tier_for(balance, settings)].daily_cap

    def _today(self, now: datetime) -> tuple[float, float]:
        """Net P&L and realised losses of the current trading day (SPEC §5.4.4)."""
        calendar = TradingCalendar.from_settings(self._engine.settings)
        self._tally.refresh(self._store, calendar, now, self._mode())
        return self._tally.net, self._tally.losses


def _with_role(message: OutboundMessage, role: str) -> OutboundMessage:
    return OutboundMessage(**{**asdict(message), "role": role})
