"""PTB glue: the allow-list guard, one text handler and one callback handler per bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bots.telegram.auth import Gate
from bots.telegram.bot import BotRuntime
from bots.telegram.callbacks import Codec
from bots.telegram.config import ChatId
from bots.telegram.delivery import retry_seconds
from bots.telegram.menus import Keyboard
from bots.telegram.screens import Navigator, View, Who

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
MAX_FLOOD_WAIT = 10.0


def inline_markup(keyboard: Keyboard | None, codec: Codec) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=codec.encode(b.cb))
                                  for b in row] for row in keyboard if row])


def reply_markup(rows: list[list[str]]) -> ReplyKeyboardMarkup:
    """§9.6.1: always shown, resized, persistent, not one-time."""
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True,
                               one_time_keyboard=False)


class BotHandlers:
    """Everything one bot does with incoming updates."""

    def __init__(self, runtime: BotRuntime, nav: Navigator, gate: Gate, codec: Codec,
                 is_header: Callable[[ChatId, int], bool]) -> None:
        self.runtime = runtime
        self.nav = nav
        self.gate = gate
        self.codec = codec
        self.is_header = is_header

    def install(self, app: Application) -> None:  # type: ignore[type-arg]
        app.add_handler(TypeHandler(Update, self.guard), group=-1)
        app.add_handler(MessageHandler(filters.TEXT, self.on_text))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_error_handler(self.on_error)

    def _who(self, update: Update) -> Who:
        user = update.effective_user
        assert user is not None
        chat = update.effective_chat
        return Who(self.runtime.key, self.runtime.spec.roles, user.id, self.gate.admin(user.id),
                   chat.id if chat is not None else None)

    async def guard(self, update: Update, context: Context) -> None:
        """Anyone not allowed gets nothing (a callback only gets its spinner stopped)."""
        user = update.effective_user
        if user is not None and self.gate.allowed(user.id):
            return
        what = "button press" if update.callback_query else "message"
        self.gate.refuse(user.id if user else None, self.runtime.key, what)
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None or not self._for_me(message.text):
            return
        views = await self.nav.on_text(self._who(update), message.text)
        await self.show(message.chat_id, views, None)

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        notice = ""
        try:
            views = await self.nav.on_callback(self._who(update), self.codec.decode(query.data))
            notice = next((v.notice for v in views if v.notice), "")
            pressed = query.message
            if pressed is not None:
                editable = pressed if isinstance(pressed, Message) and not self.is_header(
                    pressed.chat.id, pressed.message_id) else None
                await self.show(pressed.chat.id, views, editable)
        finally:
            with contextlib.suppress(TelegramError):
                await query.answer(notice[:200] or None)

    def _for_me(self, text: str) -> bool:
        """In a group, `/status@other_bot` is for another bot: stay silent."""
        first = text.split(maxsplit=1)[0] if text.strip() else ""
        if not first.startswith("/") or "@" not in first:
            return True
        username = self.runtime.username or ""
        return first.split("@", 1)[1].lower() == username.lower()

    async def on_error(self, update: object, context: Context) -> None:
        error = context.error
        if error is None:
            return
        if isinstance(error, TelegramError):
            log.warning("Telegram %s bot: %s", self.runtime.key, self.runtime.safe(error))
            return
        log.error("Telegram %s bot: handler failed: %s: %s", self.runtime.key,
                  type(error).__name__, self.runtime.safe(error))

    async def show(self, chat: ChatId, views: list[View], message: Message | None) -> None:
        """Edit the pressed message for the first editable view, send the rest."""
        bot = self.runtime.app.bot
        for view in views:
            if not view.chunks:
                continue
            markup = inline_markup(view.keyboard, self.codec)
            if view.edit and message is not None and len(view.chunks) == 1 \
                    and view.reply_keyboard is None:
                target, message = message, None
                try:
                    await bot.edit_message_text(view.chunks[0], chat_id=chat,
                                                message_id=target.message_id,
                                                parse_mode=ParseMode.HTML, reply_markup=markup)
                    await self._send_files(chat, view.files)
                    continue
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        await self._send_files(chat, view.files)
                        continue
            for index, text in enumerate(view.chunks):
                last = index == len(view.chunks) - 1
                keys = (reply_markup(view.reply_keyboard) if view.reply_keyboard
                        else markup) if last else None
                await self._send(chat, text, keys)
            await self._send_files(chat, view.files)

    async def _send_files(self, chat: ChatId, files: list[tuple[str, str]]) -> None:
        """A report's chart as a photo, an export's files as documents."""
        bot = self.runtime.app.bot
        for path, kind in files:
            file = Path(path)
            if not file.is_file():
                log.warning("Telegram %s bot: file to send is missing: %s", self.runtime.key,
                            file.name)
                continue
            with file.open("rb") as handle:
                if kind == "photo":
                    await bot.send_photo(chat, handle)
                else:
                    await bot.send_document(chat, handle, filename=file.name)

    async def _send(self, chat: ChatId, text: str,
                    keys: InlineKeyboardMarkup | ReplyKeyboardMarkup | None) -> None:
        """Interactive answers are not queued; one flood wait (≤ 10 s) is honoured."""
        bot = self.runtime.app.bot
        try:
            await bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=keys)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if wait > MAX_FLOOD_WAIT:
                raise
            await asyncio.sleep(wait)
            await bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=keys)
