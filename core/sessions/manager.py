"""SessionManager: session changes, force close, advance alerts, weekend events, the editor."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from core.brokers.port import BrokerError
from core.clock import Clock
from core.config.sessions import SessionsSettings
from core.config.settings import Settings
from core.domain.orders import OrderResult
from core.events import (
    EventBus,
    SessionChanged,
    SessionForceClose,
    SessionStarting,
    WeekendClosure,
)
from core.risk.gates import weekend_blocked
from core.sessions import table
from core.sessions.table import Window
from core.storage.store import Store
from core.trading.service import TradingService

log = logging.getLogger(__name__)
STATE_TABLE = "sessions"
STATE_KEY = "state"
FORCE_RETRIES = 5


class EditorError(ValueError):
    """An editor operation that cannot be applied (unknown session, empty window...)."""


class SessionManager:
    """Drives §8.1/§8.2 from `tick(now)`; edits go through `persist` (validated, stored)."""

    def __init__(self, settings: Callable[[], Settings], store: Store, bus: EventBus,
                 clock: Clock, trading: TradingService,
                 persist: Callable[[str, Any], None]) -> None:
        self._settings = settings
        self._store = store
        self._bus = bus
        self._clock = clock
        self.trading = trading
        self._persist = persist
        state = store.get(STATE_TABLE, STATE_KEY) or {}
        self._known = bool(state)
        self.last_id: str | None = state.get("current")
        self.alerted: dict[str, str] = dict(state.get("alerted") or {})
        self.weekend: bool | None = state.get("weekend")
        self._retry: dict[int, int] = {}  # ticket → attempts left, for a failed force close

    @property
    def cfg(self) -> SessionsSettings:
        return self._settings().sessions

    def _save(self) -> None:
        self._store.put(STATE_TABLE, STATE_KEY, {
            "current": self.last_id, "alerted": self.alerted, "weekend": self.weekend})

    # -- queries ------------------------------------------------------------------------------
    def current(self, now: datetime | None = None) -> Window | None:
        return table.current(self.cfg, now or self._clock.now())

    def next_start(self, now: datetime | None = None) -> tuple[Window, datetime] | None:
        return table.next_start(self.cfg, now or self._clock.now())

    def block_text(self, symbol: str, now: datetime | None = None) -> str | None:
        return table.block_text(self.cfg, symbol, now or self._clock.now())

    def window(self, session_id: str) -> Window:
        for window in table.windows(self.cfg):
            if window.id == session_id:
                return window
        raise EditorError(f"unknown session {session_id!r}; sessions: "
                          + ", ".join(self.cfg.table))

    # -- the timer ------------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> None:
        now = now or self._clock.now()
        self._advance_alerts(now)
        self._weekend(now)
        window = self.current(now)
        new_id = window.id if window else None
        if not self._known or new_id != self.last_id:
            previous_id = self.last_id
            previous = self.cfg.table.get(previous_id) if previous_id else None
            self.last_id, self._known, self._retry = new_id, True, {}
            self._save()
            self._bus.publish(SessionChanged(
                previous_id, previous.name if previous else None, new_id,
                window.name if window else None, window.symbols if window else ()))
            log.info("trading session: %s", window.name if window else "none")
            if window is not None and window.force_close and self.cfg.enabled:
                await self.force_close(window)
        elif self._retry and window is not None and window.force_close and self.cfg.enabled:
            await self.force_close(window, only=set(self._retry))

    async def force_close(self, window: Window, only: set[int] | None = None
                          ) -> SessionForceClose | None:
        """Close every system-owned position whose symbol `window` does not allow."""
        await self.trading.refresh()
        targets = sorted(t for t, p in self.trading.positions.items()
                         if not window.allows(p.symbol) and (only is None or t in only))
        self._retry = {t: n for t, n in self._retry.items() if t in self.trading.positions}
        if not targets:
            return None
        closed, failed, profit = [], [], 0.0
        for ticket in targets:
            before = self.trading.positions.get(ticket)
            try:
                result = await self.trading.close(ticket, reason="SESSION_FORCE")
            except BrokerError as exc:  # the terminal is unreachable: retried on later ticks
                result = OrderResult(False, 0, str(exc))
            if result.ok:
                closed.append(ticket)
                profit += before.profit if before else 0.0
                self._retry.pop(ticket, None)
            else:
                failed.append(ticket)
                left = self._retry.get(ticket, FORCE_RETRIES) - 1
                if left > 0:
                    self._retry[ticket] = left
                else:
                    self._retry.pop(ticket, None)
                log.warning("session force close of #%s failed: %s", ticket, result.message)
        event = SessionForceClose(window.id, window.name, tuple(closed), tuple(failed),
                                  round(profit, 2))
        self._bus.publish(event)
        return event

    def _advance_alerts(self, now: datetime) -> None:
        """`session_starting` N minutes before each start, once per day per session."""
        cfg = self.cfg
        lead = cfg.advance_alert_minutes * 60
        if lead <= 0:
            return
        local = table.local(cfg, now)
        sod = table.second_of_day(local)
        changed = False
        for window in table.windows(cfg):
            until = (window.start * 60 - sod) % table.DAY
            if not 0 < until <= lead:
                continue
            starts = now + timedelta(seconds=until)
            day = table.local(cfg, starts).date().isoformat()
            if self.alerted.get(window.id) == day:
                continue
            self.alerted[window.id] = day
            changed = True
            local_start = f"{table.fmt_hhmm(window.start)} {local.tzname()}"
            self._bus.publish(SessionStarting(window.id, window.name, starts, local_start,
                                              max(1, round(until / 60)), window.symbols))
        if changed:
            self._save()

    def _weekend(self, now: datetime) -> None:
        active = weekend_blocked(self._settings(), now)
        if self.weekend is None:
            self.weekend = active
            self._save()
        elif active != self.weekend:
            self.weekend = active
            self._save()
            self._bus.publish(WeekendClosure(active))

    async def run(self, interval: float = 1.0) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the timer must survive one bad step
                log.exception("session timer step failed")
            await asyncio.sleep(interval)

    # -- the editor (persisted, applied at once) --------------------------------------------------
    def _write_table(self, session_id: str, **changes: Any) -> dict[str, Any]:
        rows = {sid: w.model_dump() for sid, w in self.cfg.table.items()}
        rows[session_id] = {**rows[session_id], **changes}
        self._persist("sessions.table", rows)
        return rows[session_id]

    def shift(self, session_id: str, edge: str, minutes: int) -> tuple[str, str]:
        """Move a session's start or end by ±minutes, wrapping midnight; (old, new)."""
        self.window(session_id)
        if edge not in ("start", "end"):
            raise EditorError("edge must be start or end")
        row = self.cfg.table[session_id]
        old = row.start if edge == "start" else row.end
        new = table.shift_hhmm(old, minutes)
        other = row.end if edge == "start" else row.start
        if new == other:
            raise EditorError(f"{row.name}: start and end would both be {new}")
        self._write_table(session_id, **{edge: new})
        return old, new

    def set_symbol(self, session_id: str, symbol: str, on: bool | None) -> bool:
        """Allow or disallow a symbol in a session (None toggles); returns the new state."""
        self.window(session_id)
        symbols = list(self.cfg.table[session_id].symbols)
        allowed = symbol not in symbols if on is None else on
        if allowed and symbol not in symbols:
            symbols.append(symbol)
        elif not allowed and symbol in symbols:
            symbols.remove(symbol)
        self._write_table(session_id, symbols=symbols)
        return allowed

    def set_force_close(self, session_id: str, on: bool) -> None:
        self.window(session_id)
        self._write_table(session_id, force_close=on)

    def set_master(self, on: bool) -> None:
        self._persist("sessions.enabled", on)
