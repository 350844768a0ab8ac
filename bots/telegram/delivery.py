"""Outbox → Telegram: one ordered worker per role, paced per chat, retried until accepted."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bots.telegram.bot import BotRuntime
from bots.telegram.config import ChatId
from bots.telegram.render import CAPTION_LIMIT, render_text
from core.config.alerts import TelegramDeliverySettings
from core.notifications.outbox import OutboundMessage, Outbox, OutboxItem

log = logging.getLogger(__name__)
BATCH = 50
CRITICAL = 5
HOLD_ERRORS = ("chat not found", "not enough rights", "have no rights", "chat_write_forbidden",
               "bot is not a member", "need administrator rights")


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


class Pacer:
    """Telegram's flood limits per chat: ≥ `chat_interval_seconds` apart (1 msg/s), and at
    most `group_per_minute` in any 60 s for groups and channels (20/min)."""

    def __init__(self, group: bool, settings: Callable[[], TelegramDeliverySettings],
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.group = group
        self._settings = settings
        self._monotonic = monotonic
        self._sleep = sleep
        self._sent: deque[float] = deque(maxlen=60)
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for the chat's next slot and hold it for the call; the interval counts from
        the end of the previous call, so arrivals at Telegram are never closer than it."""
        async with self._lock:
            while True:
                now, s = self._monotonic(), self._settings()
                wait = 0.0
                if self._sent:
                    wait = self._sent[-1] + s.chat_interval_seconds - now
                if self.group:
                    recent = [t for t in self._sent if t > now - 60]
                    if len(recent) >= s.group_per_minute:
                        wait = max(wait, recent[-s.group_per_minute] + 60 - now)
                if wait <= 0:
                    break
                await self._sleep(wait)
            try:
                yield
            finally:
                self._sent.append(self._monotonic())


@dataclass(frozen=True, slots=True)
class Part:
    kind: str  # text | document | photo | voice
    text: str | None = None  # message text, or caption of a file (HTML)
    path: Path | None = None
    html: bool = True


def parts_of(message: OutboundMessage) -> list[Part]:
    """Text split under 4096 at line boundaries; a file goes with its caption when it fits."""
    text = message.text or ""
    path = Path(message.attachment_path) if message.attachment_path else None
    if path is not None and not path.is_file():
        log.warning("outbox %s: attachment %s is missing; sending the text only",
                    message.type, path.name)
        text = f"{text}\n(attachment missing: {path.name})".strip()
        path = None
    chunks = render_text(text) if text.strip() else []
    texts = [Part("text", c) for c in chunks]
    if path is None:
        return texts
    kind = message.attachment_kind if message.attachment_kind in ("photo", "voice") \
        else "document"
    if len(chunks) <= 1 and (not chunks or len(chunks[0]) <= CAPTION_LIMIT):
        return [Part(kind, chunks[0] if chunks else None, path)]
    return [*texts, Part(kind, None, path)]


class DayCount:
    """Deliveries of one role since the last daily reset (headers: alerts, reports today)."""

    def __init__(self, day_start: Callable[[], datetime]) -> None:
        self._day_start = day_start
        self._day: datetime | None = None
        self.count = 0
        self.last = ""

    def record(self, message: OutboundMessage, when: datetime, shown: str) -> None:
        start = self._day_start()
        if self._day != start:
            self._day, self.count = start, 0
        self.count += 1
        symbol = message.extra.get("symbol")
        self.last = " · ".join(str(x) for x in (message.type, symbol, shown) if x)

    def today(self) -> int:
        return self.count if self._day == self._day_start() else 0


class CriticalSeen:
    """§9.3 copies CRITICAL notifications to the Controller chat; when one bot plays both
    roles the copy would land in the same chat twice, so the second one is skipped."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        self.active = {"controller", "notification"} <= set(roles)
        self._seen: dict[tuple[str, str, str], str] = {}

    def first(self, role: str, message: OutboundMessage) -> bool:
        if not self.active or message.priority < CRITICAL:
            return True
        key = (message.type, message.text, message.created_at)
        other = self._seen.get(key)
        if other is not None and other != role:
            return False
        self._seen[key] = role
        if len(self._seen) > 500:
            del self._seen[next(iter(self._seen))]
        return True


class DeliveryWorker:
    """Reads `outbox.pending(role)` oldest first; `mark_sent` only after Telegram accepted."""

    def __init__(self, role: str, outbox: Outbox, runtime: BotRuntime, chat: ChatId,
                 pacer: Pacer, settings: Callable[[], TelegramDeliverySettings],
                 now: Callable[[], datetime], shown: Callable[[datetime], str],
                 day: DayCount, seen: CriticalSeen, on_change: Callable[[], None],
                 latest: Callable[[], int] = lambda: 0) -> None:
        self.role = role
        self.outbox = outbox
        self.runtime = runtime
        self.chat = chat
        self.pacer = pacer
        self._settings = settings
        self._now = now
        self._shown = shown
        self.day = day
        self.seen = seen
        self._on_change = on_change
        self._progress: dict[int, int] = {}
        self._latest = latest
        self._through = 0
        self.sent = self.retries = self.flood_waits = self.dropped = self.duplicates = 0
        self.held = ""
        self._held_logged = 0.0

    def status(self) -> dict[str, Any]:
        return {"bot": self.runtime.key, "sent": self.sent, "retries": self.retries,
                "flood_waits": self.flood_waits, "dropped": self.dropped,
                "duplicates_skipped": self.duplicates, "held": self.held}

    async def run(self) -> None:
        while True:
            await self.runtime.link_up.wait()
            latest = self._latest()  # read before the scan: later records are never skipped
            items = self.outbox.pending(self.role, limit=BATCH)
            if not items:
                if latest > self._through:  # nothing of this role up to `latest`: move the
                    self.outbox.mark_sent(self.role, latest)  # cursor so scans stay short
                    self._through = latest
                await asyncio.sleep(self._settings().poll_seconds)
                continue
            for item in items:
                await self.deliver(item)
                self.outbox.mark_sent(self.role, item.number)
                self._through = max(self._through, item.number)
                self.sent += 1
                when = self._now()
                self.day.record(item.message, when, self._shown(when))
                self._on_change()

    async def deliver(self, item: OutboxItem) -> None:
        message = item.message
        if not self.seen.first(self.role, message):
            self.duplicates += 1  # the Controller copy of a CRITICAL, same bot and same chat
            return
        parts = parts_of(message)
        for index in range(self._progress.get(item.number, 0), len(parts)):
            await self._send(parts[index], message.silent, item.number)
            self._progress[item.number] = index + 1
        self._progress.pop(item.number, None)

    async def _send(self, part: Part, silent: bool, number: int) -> None:
        delay = 0.5
        while True:
            await self.runtime.link_up.wait()
            try:
                async with self.pacer.slot():
                    await self._call(part, silent)
            except RetryAfter as exc:
                self.flood_waits += 1
                await asyncio.sleep(retry_seconds(exc))
                continue
            except BadRequest as exc:
                text = str(exc).lower()
                if any(h in text for h in HOLD_ERRORS):
                    await self._hold(exc)
                    continue
                if "parse entities" in text and part.html:
                    part = Part(part.kind, _plain(part.text), part.path, html=False)
                    continue
                self.dropped += 1
                log.error("Telegram %s: outbox message %d (part) refused and skipped: %s",
                          self.role, number, self.runtime.safe(exc))
                return
            except (Forbidden, InvalidToken, ChatMigrated) as exc:
                await self._hold(exc)
                continue
            except NetworkError as exc:
                self.retries += 1
                self.runtime.mark_down(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._settings().retry_max_seconds)
                continue
            if self.held:
                self.held = ""
                self._on_change()
            self.runtime.mark_up()
            return

    async def _hold(self, exc: Exception) -> None:
        """The chat refuses us (blocked, kicked, unknown): keep the message, retry later."""
        reason = self.runtime.safe(exc)
        if reason != self.held or time.monotonic() - self._held_logged > 300:
            log.error("Telegram %s: the chat refuses messages (%s); they stay in the outbox",
                      self.role, reason)
            self._held_logged = time.monotonic()
        if reason != self.held:
            self.held = reason
            self._on_change()
        await asyncio.sleep(self._settings().retry_max_seconds)

    async def _call(self, part: Part, silent: bool) -> None:
        bot = self.runtime.app.bot
        mode = ParseMode.HTML if part.html else None
        if part.kind == "text":
            await bot.send_message(self.chat, part.text or "", parse_mode=mode,
                                   disable_notification=silent)
            return
        assert part.path is not None
        with part.path.open("rb") as handle:
            if part.kind == "photo":
                await bot.send_photo(self.chat, handle, caption=part.text, parse_mode=mode,
                                     disable_notification=silent)
            elif part.kind == "voice":
                await bot.send_voice(self.chat, handle, caption=part.text, parse_mode=mode,
                                     disable_notification=silent)
            else:
                await bot.send_document(self.chat, handle, caption=part.text, parse_mode=mode,
                                        disable_notification=silent, filename=part.path.name)


def _plain(html_text: str | None) -> str | None:
    return None if html_text is None else html.unescape(html_text)
