"""Voice alerts (SPEC §9.7): a speech queue with retries in a worker thread, mute, voice notes."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from core.clock import Clock, fmt_time
from core.config.settings import Settings
from core.notifications.types import Priority
from core.storage.store import Store
from core.voice.speech import (
    Capability,
    NoteTools,
    Pyttsx3Speaker,
    Speaker,
    SpeechError,
    encode_args,
    espeak_wav_args,
    find_note_tools,
    run_program,
)

log = logging.getLogger(__name__)
STATE = "voice_state"
MUTE = "mute"
KEEP_NOTES = 50
Sleep = Callable[[float], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class VoiceStatus:
    enabled: bool
    muted_until: datetime | None  # datetime.max (UTC) = until /unmute
    local: Capability
    notes: Capability
    critical_voice_notes: bool
    queued: int
    spoken: int
    failed: int
    last_error: str | None

    @property
    def muted(self) -> bool:
        return self.muted_until is not None

    def lines(self, tz: str) -> list[str]:
        if self.muted_until is None:
            mute = "not muted"
        elif self.muted_until.year == 9999:
            mute = "muted until /unmute (CRITICAL still speaks)"
        else:
            mute = f"muted until {fmt_time(self.muted_until, tz)} (CRITICAL still speaks)"
        local = (f"ready ({self.local.detail})" if self.local.ok
                 else f"unavailable, text only — {self.local.detail}")
        notes = (f"ready ({self.notes.detail})" if self.notes.ok
                 else f"unavailable, text only — {self.notes.detail}")
        return [
            f"Voice alerts: {'ON' if self.enabled else 'OFF'} · {mute}",
            f"Local speech: {local}",
            f"Telegram voice notes: {notes}; for CRITICAL alerts "
            f"{'on' if self.critical_voice_notes else 'off'} (voice.telegram_voice_note)",
            f"Queue {self.queued} · spoken {self.spoken} · failed {self.failed}"
            + (f" · last error: {self.last_error}" if self.last_error else ""),
        ]


class VoiceService:
    """Speaks on the host through one worker thread; never blocks the event loop."""

    def __init__(self, settings: Callable[[], Settings], store: Store, clock: Clock,
                 data_dir: Path, speaker: Speaker | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock
        self._data_dir = data_dir
        cfg = settings().voice
        self._speaker: Speaker = speaker or Pyttsx3Speaker(cfg.tts.driver, cfg.tts.rate,
                                                           cfg.tts.volume)
        self._sleep = sleep
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voice")
        self._queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._counter = itertools.count(1)
        self.local = Capability(False, "not probed yet")
        self.tools = NoteTools(None, None, Capability(False, "not probed yet"))
        self.spoken = 0
        self.failed = 0
        self.last_error: str | None = None
        self.retry_waits: list[float] = []  # back-off waits taken (shown by tests and status)

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.probe()
        self._task = asyncio.create_task(self._run(), name="voice")

    async def stop(self, drain_seconds: float = 3.0) -> None:
        if self._task is not None:
            try:
                await asyncio.wait_for(self._queue.join(), drain_seconds)
            except TimeoutError:
                log.info("voice: %d sentence(s) not spoken at shutdown", self._queue.qsize())
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def idle(self, timeout: float = 30.0) -> None:
        """Wait until every queued sentence was spoken or given up."""
        await asyncio.wait_for(self._queue.join(), timeout)

    async def probe(self) -> VoiceStatus:
        """Find out what works on this machine now (driver, player, WAV writer, encoder)."""
        cfg = self._settings().voice
        loop = asyncio.get_running_loop()
        self.local = await loop.run_in_executor(self._executor, self._speaker.probe)
        self.tools = find_note_tools(cfg.tts.driver, cfg.encoder, self.local)
        if not self.local.ok:
            log.warning("voice: local speech unavailable: %s", self.local.detail)
        return self.status()

    # -- switches ----------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self._settings().voice.enabled

    def muted_until(self, now: datetime | None = None) -> datetime | None:
        doc = self._store.get(STATE, MUTE) or {}
        until = doc.get("until")
        if not until:
            return None
        when = datetime.fromisoformat(until)
        return when if when > (now or self._clock.now()) else None

    def mute(self, minutes: int | None) -> datetime:
        """Silence voice except CRITICAL for `minutes`, or until `/unmute` (persisted)."""
        now = self._clock.now()
        until = (now + timedelta(minutes=minutes) if minutes
                 else datetime.max.replace(tzinfo=now.tzinfo))
        self._store.put(STATE, MUTE, {"until": until.isoformat()})
        return until

    def unmute(self) -> bool:
        return self._store.delete(STATE, MUTE)

    def status(self) -> VoiceStatus:
        return VoiceStatus(self.enabled, self.muted_until(), self.local, self.tools.capability,
                           self._settings().voice.telegram_voice_note, self._queue.qsize(),
                           self.spoken, self.failed, self.last_error)

    # -- speaking ----------------------------------------------------------------------------
    def say(self, text: str, priority: int, shadow: bool = False, force: bool = False) -> str:
        """Queue a sentence; returns `queued` or why it is not spoken (text still goes out)."""
        if shadow:
            return "shadow trades never speak"
        if not force:
            if not self.enabled:
                return "voice alerts are off"
            if priority < Priority.CRITICAL and self.muted_until() is not None:
                return "muted"
        if not self.local.ok:
            return f"text only: {self.local.detail}"
        self._queue.put_nowait((text, priority))
        return "queued"

    async def _run(self) -> None:
        while True:
            text, _priority = await self._queue.get()
            try:
                await self._speak(text)
            finally:
                self._queue.task_done()

    async def _speak(self, text: str) -> None:
        """Up to `voice.retries` retries, waiting base × 2^n seconds (10, 20, 40 by default)."""
        cfg = self._settings().voice
        loop = asyncio.get_running_loop()

        async def wait(seconds: float) -> None:
            self.retry_waits.append(seconds)
            await self._sleep(seconds)

        try:
            async for attempt in AsyncRetrying(
                    stop=stop_after_attempt(cfg.retries + 1),
                    wait=wait_exponential(multiplier=cfg.backoff_base_seconds, exp_base=2),
                    sleep=wait, reraise=True):
                with attempt:
                    await loop.run_in_executor(self._executor, self._speaker.speak, text)
            self.spoken += 1
        except Exception as exc:  # speech is best effort: the text message was already sent
            self.failed += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("voice: could not speak %r after %d attempt(s): %s", text,
                        cfg.retries + 1, self.last_error)

    # -- voice notes -------------------------------------------------------------------------
    async def make_note(self, text: str) -> Path:
        """An OGG/Opus file of the sentence; SpeechError says why when it cannot be made."""
        tools = self.tools
        if not tools.capability.ok or tools.encoder is None:
            raise SpeechError(tools.capability.detail)
        cfg = self._settings().voice
        folder = self._data_dir / cfg.notes_dir
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"note_{self._clock.now():%Y%m%d-%H%M%S}_{next(self._counter)}"
        wav, ogg = folder / f"{stem}.wav", folder / f"{stem}.ogg"
        try:
            if tools.wav_command is not None:
                await run_program(espeak_wav_args(tools.wav_command, text, wav, cfg.tts.rate,
                                                  cfg.tts.volume))
            else:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._executor, self._speaker.save_wav, text, wav)
            await run_program(encode_args(tools.encoder, wav, ogg))
        finally:
            wav.unlink(missing_ok=True)
        if not ogg.exists() or ogg.stat().st_size == 0:
            raise SpeechError(f"{Path(tools.encoder).name} produced no audio")
        for old in sorted(folder.glob("note_*.ogg"), key=lambda p: p.stat().st_mtime,
                          reverse=True)[KEEP_NOTES:]:
            old.unlink(missing_ok=True)
        return ogg
