"""A fake Telegram Bot API server (aiohttp on 127.0.0.1): per-token bots, recorded calls, faults."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
RAW_FIELDS = {"text", "caption", "parse_mode", "callback_query_id", "url", "description",
              "short_description", "filename"}
FILE_FIELDS = {"sendDocument": "document", "sendPhoto": "photo", "sendVoice": "voice"}
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]
    at: float

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass
class FakeBot:
    """One bot of the fake server: its updates queue, its chats' messages and pins."""

    token: str
    id: int
    username: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[tuple[Any, int], dict[str, Any]] = field(default_factory=dict)
    pinned: dict[Any, list[int]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.username,
                "username": self.username}

    def next_id(self) -> int:
        return next(self._ids)

    def pinned_id(self, chat: Any) -> int | None:
        pins = [m for m in self.pinned.get(chat, []) if (chat, m) in self.messages]
        return pins[-1] if pins else None


class FakeTelegram:
    """Implements what python-telegram-bot calls; tests feed updates and inspect calls."""

    def __init__(self) -> None:
        self.bots: dict[str, FakeBot] = {}
        self.calls: list[Call] = []
        self.outage: str | None = None  # None | "refuse" (connection refused) | "502"
        self.refused = 0
        self.unknown_methods: list[str] = []
        self._flood: dict[str, list[int]] = {}
        self._faults: dict[str, list[tuple[int, str]]] = {}
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0

    # -- server lifecycle ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        app = web.Application(client_max_size=50 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await self._listen(port)

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await self._site.start()
        server = self._site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for bot in self.bots.values():
            bot.wake.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def go_down(self, mode: str = "refuse") -> None:
        """`refuse`: nothing listens and open connections are dropped; `502`: Bad Gateway."""
        self.outage = mode
        for bot in self.bots.values():
            bot.wake.set()
        if mode == "refuse" and self._site is not None:
            await self._site.stop()
            self._site = None

    async def come_up(self) -> None:
        if self._site is None:
            await self._listen(self.port)
        self.outage = None

    def flood(self, method: str, retry_after: int, times: int = 1) -> None:
        """The next `times` calls of `method` get 429 with `retry_after`."""
        self._flood.setdefault(method, []).extend([retry_after] * times)

    def fail(self, method: str, status: int, description: str, times: int = 1) -> None:
        """The next `times` calls of `method` fail with this HTTP status and description."""
        self._faults.setdefault(method, []).extend([(status, description)] * times)

    # -- bots and updates (test side) ------------------------------------------------------
    def add_bot(self, token: str, username: str) -> FakeBot:
        bot = FakeBot(token, int(token.split(":")[0]), username)
        self.bots[token] = bot
        return bot

    def _push(self, token: str, update: dict[str, Any]) -> dict[str, Any]:
        bot = self.bots[token]
        update["update_id"] = next(self._update_ids)
        bot.updates.append(update)
        bot.wake.set()
        return update

    def send_text(self, token: str, user_id: int, text: str,
                  chat_id: int | None = None) -> dict[str, Any]:
        """A user types `text` to the bot (in their private chat unless `chat_id`)."""
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": 100_000 + next(self._update_ids), "date": int(time.time()),
            "chat": _chat(chat), "from": _person(user_id), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self._push(token, {"message": message})

    def press(self, token: str, user_id: int, data: str, message_id: int,
              chat_id: int | None = None) -> str:
        """A user presses an inline button carrying `data` under message `message_id`."""
        chat = chat_id if chat_id is not None else user_id
        bot = self.bots[token]
        message = bot.messages.get((chat, message_id)) or {
            "message_id": message_id, "date": int(time.time()), "chat": _chat(chat),
            "from": bot.user(), "text": "(gone)"}
        query_id = str(next(self._callback_ids))
        self._push(token, {"callback_query": {
            "id": query_id, "from": _person(user_id), "message": message,
            "chat_instance": f"ci{chat}", "data": data}})
        return query_id

    def delete_by_hand(self, token: str, chat_id: Any, message_id: int) -> None:
        bot = self.bots[token]
        bot.messages.pop((chat_id, message_id), None)

    def unpin_by_hand(self, token: str, chat_id: Any) -> None:
        self.bots[token].pinned[chat_id] = []

    # -- inspection ------------------------------------------------------------------------
    def calls_for(self, method: str | None = None, token: str | None = None,
                  chat_id: Any = None) -> list[Call]:
        return [c for c in self.calls if (method is None or c.method == method)
                and (token is None or c.token == token)
                and (chat_id is None or str(c.chat_id) == str(chat_id))]

    def texts(self, token: str, chat_id: Any) -> list[str]:
        """Texts (and captions) the bot sent to a chat, in order."""
        return [str(c.params.get("text", c.params.get("caption", "")))
                for c in self.calls_for(token=token, chat_id=chat_id)
                if c.method in ("sendMessage", *FILE_FIELDS)]

    def last_keyboard(self, token: str, chat_id: Any) -> list[list[dict[str, Any]]]:
        """Inline buttons of the newest message carrying an inline keyboard in that chat."""
        bot = self.bots[token]
        found = [m for (chat, _), m in sorted(bot.messages.items(), key=lambda kv: kv[0][1])
                 if str(chat) == str(chat_id) and "reply_markup" in m]
        return found[-1]["reply_markup"]["inline_keyboard"] if found else []

    async def wait_for(self, check: Callable[[], T], timeout: float = 5.0) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s")
            await asyncio.sleep(0.02)

    # -- the API -----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.outage == "refuse":
            self.refused += 1
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=503)
        if self.outage == "502":
            self.refused += 1
            return web.Response(status=502, text="<html>502 Bad Gateway</html>")
        token, method = request.match_info["token"], request.match_info["method"]
        bot = self.bots.get(token)
        if bot is None:
            return _error(401, "Unauthorized")
        params = await _params(request)
        self.calls.append(Call(token, method, params, time.monotonic()))
        waits = self._flood.get(method)
        if waits:
            retry = waits.pop(0)
            return web.json_response({"ok": False, "error_code": 429,
                                      "description": f"Too Many Requests: retry after {retry}",
                                      "parameters": {"retry_after": retry}}, status=429)
        faults = self._faults.get(method)
        if faults:
            return _error(*faults.pop(0))
        handler = getattr(self, "_api_" + method, None)
        if handler is None:
            self.unknown_methods.append(method)
            return _error(400, f"Bad Request: method {method} is not implemented by the fake")
        result = await handler(bot, params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        return {**bot.user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _api_deleteWebhook(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        if p.get("drop_pending_updates"):
            bot.updates.clear()
        return True

    async def _api_getUpdates(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]
        if not bot.updates and float(p.get("timeout") or 0) > 0:
            bot.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.wake.wait(), timeout=min(float(p["timeout"]), 30))
            if self.outage:
                return _error(502, "Bad Gateway")
        return list(bot.updates[: int(p.get("limit") or 100)])

    def _store(self, bot: FakeBot, chat: Any, extra: dict[str, Any],
               markup: Any = None) -> dict[str, Any]:
        message = {"message_id": bot.next_id(), "date": int(time.time()), "chat": _chat(chat),
                   "from": bot.user(), **extra}
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        bot.messages[(chat, message["message_id"])] = message
        return message

    async def _api_sendMessage(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        if len(str(p.get("text", ""))) > 4096:
            return _error(400, "Bad Request: message is too long")
        return self._store(bot, p["chat_id"], {"text": p.get("text", "")}, p.get("reply_markup"))

    async def _api_editMessageText(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        key = (p.get("chat_id"), int(p.get("message_id") or 0))
        message = bot.messages.get(key)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = p.get("reply_markup")
        if message.get("text") == p.get("text") and message.get("reply_markup") == markup:
            return _error(400, NOT_MODIFIED)
        message["text"] = p.get("text", "")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _api_editMessageReplyMarkup(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        message = bot.messages.get((p.get("chat_id"), int(p.get("message_id") or 0)))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if message.get("reply_markup") == p.get("reply_markup"):
            return _error(400, NOT_MODIFIED)
        message["reply_markup"] = p.get("reply_markup")
        return message

    async def _api_pinChatMessage(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        chat, message_id = p.get("chat_id"), int(p.get("message_id") or 0)
        if (chat, message_id) not in bot.messages:
            return _error(400, "Bad Request: message to pin not found")
        bot.pinned.setdefault(chat, []).append(message_id)
        return True

    async def _api_unpinChatMessage(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        chat = p.get("chat_id")
        pins = bot.pinned.get(chat, [])
        if p.get("message_id"):
            bot.pinned[chat] = [m for m in pins if m != int(p["message_id"])]
        elif pins:
            pins.pop()
        return True

    async def _api_deleteMessage(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        key = (p.get("chat_id"), int(p.get("message_id") or 0))
        if bot.messages.pop(key, None) is None:
            return _error(400, "Bad Request: message to delete not found")
        return True

    async def _api_getChat(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        chat = p.get("chat_id")
        info: dict[str, Any] = {
            **_chat(chat), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False,
                                    "gifts_from_channels": False}}
        pinned = bot.pinned_id(chat)
        if pinned is not None:
            info["pinned_message"] = bot.messages[(chat, pinned)]
        return info

    async def _api_answerCallbackQuery(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        return True

    async def _api_setMyCommands(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        commands = p.get("commands") or []
        if len(commands) > 100:
            return _error(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        bot.commands = list(commands)
        return True

    async def _send_file(self, bot: FakeBot, p: dict[str, Any], kind: str) -> Any:
        upload = p.get(kind)
        name = getattr(upload, "filename", None) or "file"
        size = len(getattr(upload, "content", b""))
        file = {"file_id": f"F{bot.next_id()}", "file_unique_id": f"U{size}", "file_size": size}
        payload: Any = {**file, "file_name": name} if kind == "document" else (
            [{**file, "width": 1, "height": 1}] if kind == "photo" else {**file, "duration": 1})
        extra = {kind: payload, **({"caption": p["caption"]} if p.get("caption") else {})}
        return self._store(bot, p["chat_id"], extra)

    async def _api_sendDocument(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        return await self._send_file(bot, p, "document")

    async def _api_sendPhoto(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        return await self._send_file(bot, p, "photo")

    async def _api_sendVoice(self, bot: FakeBot, p: dict[str, Any]) -> Any:
        return await self._send_file(bot, p, "voice")


@dataclass
class Upload:
    filename: str | None
    content: bytes


def _chat(chat: Any) -> dict[str, Any]:
    if isinstance(chat, int) and chat > 0:
        return {"id": chat, "type": "private", "first_name": f"user{chat}"}
    return {"id": chat if isinstance(chat, int) else -100, "type": "supergroup", "title": "group"}


def _person(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}


def _error(code: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": code, "description": description},
                             status=code)


async def _params(request: web.Request) -> dict[str, Any]:
    """Form, multipart or JSON parameters; JSON-encoded values decoded, files read."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw.update(await request.json())
        return raw
    if request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = Upload(value.filename, value.file.read())
            else:
                raw[key] = value
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key not in RAW_FIELDS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        out[key] = value
    return out
