"""The MT5 connection watchdog (SPEC §3.5 CONNECTION / MT5): reconnect, pause, resume."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_fixed,
)

from core.brokers.port import BrokerError
from core.clock import Clock, fmt_time
from core.config.settings import Settings
from core.domain.enums import ErrorCategory, PauseReason, Severity
from core.infra.recovery import RecoveryHandler

if TYPE_CHECKING:
    from core.brokers.mt5_broker import MT5Broker
    from core.trading.service import TradingService

log = logging.getLogger(__name__)


class ConnectionWatchdog:
    """`check` (every recovery.connection.check_seconds) probes the link; a failed probe, or
    a link the broker marked lost (an IPC error), starts a round of mt5.connect_retries
    attempts mt5.connect_retry_delay_seconds apart. If they all fail: trading is paused
    (MT5_DOWN), `mt5_disconnected` (CRITICAL) goes out, and one attempt is made every
    recovery.connection.down_retry_seconds until one succeeds."""

    def __init__(self, settings: Callable[[], Settings], broker: MT5Broker,
                 trading: TradingService, recovery: RecoveryHandler, clock: Clock,
                 set_service: Callable[[str, bool, str], None], description: str) -> None:
        self._settings = settings
        self._broker = broker
        self._trading = trading
        self._recovery = recovery
        self._clock = clock
        self._set_service = set_service
        self._description = description
        self._lock = asyncio.Lock()
        self.state = "up" if broker.connected else "down"
        self.attempts = 0  # attempts of the current (or last) reconnection
        self.total_attempts = 0
        self.reconnections = 0
        self.last_error = ""
        self.down_since: datetime | None = None if broker.connected else clock.now()
        self.next_retry: datetime | None = None if broker.connected else \
            clock.now() + timedelta(seconds=settings().recovery.connection.down_retry_seconds)
        recovery.watchdog = self

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._settings().recovery.connection.check_seconds)
            try:
                await self.check()
            except Exception:  # the watchdog must outlive anything it watches
                log.exception("connection check failed")

    async def check(self) -> str:
        """One look at the link; returns the state afterwards (up, down)."""
        async with self._lock:
            if self.state == "down":
                if self.next_retry is None or self._clock.now() >= self.next_retry:
                    await self._retry_while_down()
                return self.state
            problem = await self._probe()
            if problem is None:
                return self.state
            self.last_error = problem
            self.state = "reconnecting"
            await self._round(problem)
            return self.state

    async def _probe(self) -> str | None:
        """None when healthy, else what is wrong."""
        if not self._broker.connected:
            return "the terminal reported an IPC failure"
        try:
            await self._broker.account()
        except BrokerError as exc:
            return str(exc)
        return None

    async def _attempt(self) -> None:
        self.attempts += 1
        self.total_attempts += 1
        await self._broker.connect(attempts=1)

    async def _round(self, problem: str) -> None:
        mt5 = self._settings().mt5
        self.attempts = 0
        log.warning("MT5 link lost (%s): reconnecting, %d attempts %.3g s apart", problem,
                    mt5.connect_retries, mt5.connect_retry_delay_seconds)

        def note(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self.last_error = str(exc) if exc else self.last_error
            log.warning("MT5 reconnect attempt %d/%d failed: %s", state.attempt_number,
                        mt5.connect_retries, self.last_error)

        retrying = AsyncRetrying(stop=stop_after_attempt(mt5.connect_retries),
                                 wait=wait_fixed(mt5.connect_retry_delay_seconds),
                                 retry=retry_if_exception_type(BrokerError),
                                 before_sleep=note, reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    await self._attempt()
        except BrokerError as exc:
            self.last_error = str(exc)
            self._went_down(problem)
            return
        self._recovery.record(ErrorCategory.CONNECTION, Severity.MEDIUM, "mt5",
                              f"link lost ({problem}); reconnected at attempt {self.attempts}")
        await self._back_up(was_down=False)

    def _went_down(self, problem: str) -> None:
        now = self._clock.now()
        cfg = self._settings().recovery.connection
        self.state, self.down_since = "down", now
        self.next_retry = now + timedelta(seconds=cfg.down_retry_seconds)
        detail = (f"link lost ({problem}); {self.attempts} reconnect attempts failed "
                  f"({self.last_error}); retrying every {cfg.down_retry_seconds:.0f} s")
        self._set_service("mt5", False, detail)  # → mt5_disconnected (CRITICAL)
        self._recovery.record(ErrorCategory.MT5, Severity.CRITICAL, "mt5", detail,
                              pause_reason=PauseReason.MT5_DOWN)

    async def _retry_while_down(self) -> None:
        cfg = self._settings().recovery.connection
        try:
            await self._attempt()
        except BrokerError as exc:
            self.last_error = str(exc)
            self.next_retry = self._clock.now() + timedelta(seconds=cfg.down_retry_seconds)
            log.warning("MT5 still down (attempt %d): %s; next attempt at %s",
                        self.total_attempts, exc, self.next_retry.isoformat())
            return
        await self._back_up(was_down=True)

    async def _back_up(self, was_down: bool) -> None:
        """Connected again: positions re-synchronised; trading resumes only if it was paused
        for MT5_DOWN and recovery.connection.auto_resume is on (SPEC §3.5)."""
        down_for = (self._clock.now() - self.down_since).total_seconds() \
            if self.down_since else 0.0
        self.state, self.down_since, self.next_retry = "up", None, None
        self.reconnections += 1
        self._set_service("mt5", True, self._description)  # → mt5_reconnected after a down
        await self._trading.refresh()
        resumed = False
        if (self._trading.paused and self._trading.pause_reason == PauseReason.MT5_DOWN
                and self._settings().recovery.connection.auto_resume):
            self._trading.resume()
            resumed = True
        if was_down:
            self._recovery.record(
                ErrorCategory.MT5, Severity.LOW, "mt5",
                f"reconnected after {down_for:.0f} s down",
                action="positions re-synchronised" + ("; trading resumed" if resumed else (
                    f"; trading stays paused ({self._trading.pause_reason})"
                    if self._trading.paused else "")))

    def health(self) -> tuple[list[str], dict[str, Any]]:
        tz = self._settings().display.timezone
        text = {"up": "up", "reconnecting": f"reconnecting (attempt {self.attempts})",
                "down": "DOWN"}[self.state]
        line = f"MT5 link: {text}; {self.reconnections} reconnections"
        if self.state == "down" and self.down_since is not None:
            line += f"; down since {fmt_time(self.down_since, tz)}"
            if self.next_retry is not None:
                line += f", next attempt {fmt_time(self.next_retry, tz)}"
        if self.last_error and self.state != "up":
            line += f" — {self.last_error}"
        return [line], {
            "state": self.state, "attempts": self.attempts,
            "total_attempts": self.total_attempts, "reconnections": self.reconnections,
            "down_since": self.down_since.isoformat() if self.down_since else None,
            "next_retry": self.next_retry.isoformat() if self.next_retry else None,
            "last_error": self.last_error,
            "auto_resume": self._settings().recovery.connection.auto_resume}
