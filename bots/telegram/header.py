"""The pinned live header of one bot (§9.5): created and pinned, edited on change, re-created."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bots.telegram.bot import BotRuntime
from bots.telegram.config import ChatId
from bots.telegram.delivery import Pacer
from core.config.alerts import StickyHeaderSettings
from core.storage.store import Store

log = logging.getLogger(__name__)
TABLE = "telegram_headers"
GONE = ("message to edit not found", "message can't be edited", "message_id_invalid",
        "message not found")


class StickyHeader:
    """States: inactive, creating, active, updating, regenerating, error (with counters)."""

    def __init__(self, runtime: BotRuntime, chat: ChatId, text: Callable[[], str],
                 keyboard: Callable[[], InlineKeyboardMarkup | None], store: Store | None,
                 pacer: Pacer, settings: Callable[[], StickyHeaderSettings]) -> None:
        self.runtime = runtime
        self.chat = chat
        self._text = text
        self._keyboard = keyboard
        self._store = store
        self._pacer = pacer
        self._settings = settings
        self._lock = asyncio.Lock()
        self.state = "inactive"
        self.message_id: int | None = None
        self.last_text: str | None = None
        self.updates = self.regenerations = self.errors = self.skipped = 0
        self.last_error = ""
        self._pin_refused = False
        self._loaded = False

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "message_id": self.message_id, "updates": self.updates,
                "regenerations": self.regenerations, "errors": self.errors,
                "skipped": self.skipped, "last_error": self.last_error}

    def is_header(self, chat: ChatId, message_id: int) -> bool:
        return self.message_id == message_id and str(self.chat) == str(chat)

    async def run(self) -> None:
        await self.runtime.connected.wait()
        while True:
            if self._settings().enabled:
                await self.refresh()
            await asyncio.sleep(self._settings().refresh_seconds)

    async def refresh(self, force: bool = False) -> str:
        """One cycle; returns what happened (shown as the Refresh button's answer)."""
        async with self._lock:
            try:
                return await self._cycle(force)
            except TelegramError as exc:
                error = self.runtime.safe(exc)
                if self.state != "error" or error != self.last_error:
                    log.warning("Telegram %s header: %s", self.runtime.key, error)
                self.state, self.last_error = "error", error
                self.errors += 1
                return f"header error: {error}"

    async def _cycle(self, force: bool) -> str:
        if not self._loaded:
            self._loaded = True
            stored = self._stored()
            if stored is not None:
                self.message_id, self.last_text = stored, None
        if self.message_id is None:
            await self._create("creating")
            return "header created"
        text = self._text()
        outcome = "header unchanged"
        if text != self.last_text or force:
            self.state = "updating"
            try:
                async with self._pacer.slot():
                    await self.runtime.app.bot.edit_message_text(
                        text, chat_id=self.chat, message_id=self.message_id,
                        parse_mode=ParseMode.HTML, reply_markup=self._keyboard())
            except BadRequest as exc:
                reason = str(exc).lower()
                if any(g in reason for g in GONE):
                    self.regenerations += 1
                    await self._create("regenerating")
                    return "header re-created"
                if "not modified" not in reason:
                    raise
            self.last_text = text
            self.updates += 1
            outcome = "header updated"
        else:
            self.skipped += 1
        if not self._pin_refused and not await self._still_pinned():
            self.regenerations += 1
            await self._create("regenerating")
            return "header re-created"
        self.state = "active"
        return outcome

    async def _still_pinned(self) -> bool:
        """Something must be pinned; if nothing is, the header was unpinned by hand."""
        chat = await self.runtime.app.bot.get_chat(self.chat)
        return chat.pinned_message is not None

    async def _create(self, state: str) -> None:
        self.state = state
        bot = self.runtime.app.bot
        text = self._text()
        async with self._pacer.slot():
            message = await bot.send_message(self.chat, text, parse_mode=ParseMode.HTML,
                                             reply_markup=self._keyboard(),
                                             disable_notification=True)
        old, self.message_id, self.last_text = self.message_id, message.message_id, text
        self._save()
        try:
            await bot.pin_chat_message(self.chat, message.message_id, disable_notification=True)
        except (BadRequest, Forbidden) as exc:
            self._pin_refused = True
            log.warning("Telegram %s header: cannot pin in this chat (%s); it stays unpinned",
                        self.runtime.key, self.runtime.safe(exc))
        if old is not None:
            with contextlib.suppress(TelegramError):
                await bot.delete_message(self.chat, old)
        self.state = "active"

    def _key(self) -> str:
        return f"{self.runtime.username or self.runtime.key}:{self.chat}"

    def _stored(self) -> int | None:
        if self._store is None:
            return None
        doc = self._store.get(TABLE, self._key())
        return int(doc["message_id"]) if doc and doc.get("message_id") else None

    def _save(self) -> None:
        if self._store is not None and self.message_id is not None:
            self._store.put(TABLE, self._key(), {"message_id": self.message_id})
