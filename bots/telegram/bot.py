"""One PTB Application per token in the engine's loop: background connect, link watch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from bots.telegram.config import BotSpec, TelegramConfig
from core.config.alerts import TelegramDeliverySettings

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
LOG_EVERY_SECONDS = 60.0


class _Forward(logging.Handler):
    """PTB's log lines join ours (redacted file, console pane) rather than bare stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        target = logging.getLogger("bots.telegram.ptb")
        if target.isEnabledFor(record.levelno):
            target.log(record.levelno, "%s: %s", record.name, record.getMessage())


def route_library_logs() -> None:
    """httpx logs every request URL (with the token) at INFO: keep it quiet; PTB forwarded."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ptb = logging.getLogger("telegram")
    if not any(isinstance(h, _Forward) for h in ptb.handlers):
        ptb.addHandler(_Forward(logging.INFO))
        ptb.propagate = False


def redact(text: str, tokens: list[str]) -> str:
    for token in tokens:
        if token:
            text = text.replace(token, "***")
    return text


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, TelegramError) and not isinstance(exc, InvalidToken)


class BotRuntime:
    """Lifecycle of one bot: initialize → start → updater.start_polling, reverse on stop."""

    def __init__(self, spec: BotSpec, config: TelegramConfig,
                 settings: Callable[[], TelegramDeliverySettings],
                 on_change: Callable[[], None]) -> None:
        self.spec = spec
        self._settings = settings
        self._on_change = on_change
        self._tokens = [b.token for b in config.bots]
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder().token(spec.token).base_url(config.base_url)
            .base_file_url(config.base_file_url).job_queue(None)
            .connect_timeout(5).read_timeout(10).write_timeout(20).pool_timeout(5)
            .media_write_timeout(60).build())
        self.username: str | None = None
        self.link = "connecting"  # connecting | up | down | rejected | failed | stopped
        self.error = ""
        self.connected = asyncio.Event()  # initialized and polling: the bot can be used
        self.link_up = asyncio.Event()  # last known state of the link to the Bot API
        self._down = asyncio.Event()
        self.on_connected: list[Callable[[], object]] = []
        self._task: asyncio.Task[None] | None = None
        self._last_log = 0.0

    @property
    def key(self) -> str:
        return self.spec.key

    def safe(self, exc: BaseException | str) -> str:
        """An error text with every token removed (PTB puts tokens in some messages)."""
        text = exc if isinstance(exc, str) else (str(exc) or type(exc).__name__)
        return redact(text, self._tokens)

    def status(self) -> dict[str, object]:
        return {"roles": list(self.spec.roles), "username": self.username, "link": self.link,
                "error": self.error}

    # -- link state ------------------------------------------------------------------------
    def mark_up(self) -> None:
        if self.link != "up":
            if self.link == "down":
                log.info("Telegram %s bot: link restored", self.key)
            self.link, self.error = "up", ""
            self.link_up.set()
            self._down.clear()
            self._on_change()

    def mark_down(self, reason: BaseException | str) -> None:
        if not self.connected.is_set() or self.link in ("rejected", "stopped"):
            return
        text = self.safe(reason)
        if self.link != "down" or time.monotonic() - self._last_log > LOG_EVERY_SECONDS:
            log.warning("Telegram %s bot: link down (%s); retrying", self.key, text)
            self._last_log = time.monotonic()
        changed = self.link != "down" or self.error != text
        self.link, self.error = "down", text
        self.link_up.clear()
        self._down.set()
        if changed:
            self._on_change()

    def _poll_error(self, exc: TelegramError) -> None:
        self.mark_down(exc)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Returns at once; connecting happens in the background (the engine never waits)."""
        self._task = asyncio.create_task(self._run(), name=f"telegram-{self.key}")

    async def _run(self) -> None:
        try:
            await self._connect()
        except InvalidToken:
            self.link, self.error = "rejected", "token rejected by Telegram"
            log.critical("Telegram %s bot: the token was rejected by the Bot API; check the "
                         "V5_TELEGRAM_*_TOKEN variables", self.key)
            self._on_change()
            return
        except Exception as exc:  # a bug must not take the engine down: report and give up
            self.link, self.error = "failed", self.safe(exc)
            log.critical("Telegram %s bot failed to start: %s", self.key, self.error)
            self._on_change()
            return
        for hook in self.on_connected:
            result = hook()
            if asyncio.iscoroutine(result):
                await result
        await self._watch()

    async def _connect(self) -> None:
        cap = self._settings().reconnect_max_seconds
        retrying = AsyncRetrying(retry=retry_if_exception(_retryable),
                                 wait=wait_exponential(multiplier=0.5, min=0.1, max=cap),
                                 before_sleep=self._before_sleep, reraise=True)
        async for attempt in retrying:
            with attempt:
                await self.app.initialize()
                if not self.app.running:
                    await self.app.start()
                updater = self.app.updater
                if updater is not None and not updater.running:
                    await updater.start_polling(
                        timeout=self._settings().long_poll_seconds, drop_pending_updates=True,
                        allowed_updates=ALLOWED_UPDATES, error_callback=self._poll_error)
        self.username = self.app.bot.username
        log.info("Telegram %s bot connected as @%s", self.key, self.username)
        self.connected.set()
        self.link = "connecting"
        self.mark_up()

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        text = self.safe(exc) if exc else "unknown error"
        changed = self.error != text or self.link != "connecting"
        self.link, self.error = "connecting", text
        if state.attempt_number == 1 or time.monotonic() - self._last_log > LOG_EVERY_SECONDS:
            log.warning("Telegram %s bot: Bot API unreachable (%s); retrying in the background",
                        self.key, text)
            self._last_log = time.monotonic()
        if changed:
            self._on_change()

    async def _watch(self) -> None:
        """While the link is down, probe getMe with back-off until the Bot API answers."""
        while True:
            await self._down.wait()
            delay = 0.2
            while not self.link_up.is_set():
                try:
                    await self.app.bot.get_me()
                except TelegramError as exc:
                    self.mark_down(exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._settings().reconnect_max_seconds)
                    continue
                self.mark_up()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        updater = self.app.updater
        try:
            if updater is not None and updater.running:
                await updater.stop()
            if self.app.running:
                await self.app.stop()
            await self.app.shutdown()
        except Exception as exc:  # stopping during an outage may fail; never block shutdown
            log.warning("Telegram %s bot did not stop cleanly: %s", self.key, self.safe(exc))
        self.link = "stopped"
        self.link_up.clear()
        self.connected.clear()
