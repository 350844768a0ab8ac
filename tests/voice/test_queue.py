"""The speech queue: worker thread, retries with back-off 10 s × 2^n, mute, shadow, CRITICAL."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.config import ConfigManager
from core.notifications.types import Priority
from core.storage.store import Store
from core.voice.service import VoiceService
from tests.voice.support import Speaker, Waits


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store", durable=False) as opened:
        yield opened


async def service(store: Store, speaker: Speaker, clock: FrozenClock, waits: Waits,
                  tmp_path: Path, config: ConfigManager | None = None) -> VoiceService:
    config = config or ConfigManager()
    voice = VoiceService(lambda: config.settings, store, clock, tmp_path, speaker=speaker,
                         sleep=waits)
    await voice.start()
    return voice


@pytest.fixture
async def parts(store: Store, frozen_clock: FrozenClock, tmp_path: Path
                ) -> AsyncIterator[tuple[VoiceService, Speaker, Waits]]:
    speaker, waits = Speaker(), Waits()
    voice = await service(store, speaker, frozen_clock, waits, tmp_path)
    try:
        yield voice, speaker, waits
    finally:
        await voice.stop()


async def drain(voice: VoiceService) -> None:
    await voice.idle(5)


async def test_speaks_in_the_voice_thread_not_the_loop(parts: tuple[VoiceService, Speaker, Waits]
                                                       ) -> None:
    voice, speaker, _ = parts
    assert voice.say("Trading system started.", Priority.HIGH) == "queued"
    await drain(voice)
    assert speaker.said == ["Trading system started."]
    assert speaker.threads and all(name.startswith("voice") for name in speaker.threads)
    assert threading.current_thread().name not in speaker.threads


async def test_retries_with_back_off_then_gives_up(parts: tuple[VoiceService, Speaker, Waits]
                                                   ) -> None:
    voice, speaker, waits = parts
    speaker.failures = 2
    voice.say("first", Priority.HIGH)
    await drain(voice)
    assert speaker.said == ["first"] and waits.seconds == [10, 20] and voice.spoken == 1
    speaker.failures = 10
    voice.say("second", Priority.HIGH)
    await drain(voice)
    # 1 attempt + 3 retries, waiting 10 × 2^n seconds between them
    assert waits.seconds == [10, 20, 10, 20, 40]
    assert voice.failed == 1 and voice.last_error == "RuntimeError: audio device busy"
    assert "failed 1 · last error: RuntimeError: audio device busy" in voice.status().lines(
        "Asia/Kolkata")[-1]


async def test_mute_silences_all_but_critical_and_survives_a_restart(
        parts: tuple[VoiceService, Speaker, Waits], store: Store, frozen_clock: FrozenClock,
        tmp_path: Path) -> None:
    voice, speaker, waits = parts
    voice.mute(30)
    assert voice.say("New BUY trade on EURUSD at 1.08452.", Priority.HIGH) == "muted"
    assert voice.say("Broker connection lost. Trading paused.", Priority.CRITICAL) == "queued"
    await drain(voice)
    assert speaker.said == ["Broker connection lost. Trading paused."]
    again = await service(store, Speaker(), frozen_clock, waits, tmp_path)
    try:
        assert again.status().muted
        frozen_clock.advance(31 * 60)
        assert not again.status().muted and again.say("x", Priority.LOW) == "queued"
        again.mute(None)
        assert "muted until /unmute" in again.status().lines("Asia/Kolkata")[0]
        assert again.unmute() and not again.status().muted
    finally:
        await again.stop()


async def test_shadow_never_speaks_and_switched_off_voice_stays_quiet(
        parts: tuple[VoiceService, Speaker, Waits], store: Store, frozen_clock: FrozenClock,
        tmp_path: Path) -> None:
    voice, _, waits = parts
    assert voice.say("x", Priority.CRITICAL, shadow=True) == "shadow trades never speak"
    assert voice.say("x", Priority.CRITICAL, shadow=True, force=True) == (
        "shadow trades never speak")
    config = ConfigManager()
    config.set("voice.enabled", False)
    off = await service(store, Speaker(), frozen_clock, waits, tmp_path, config)
    try:
        assert off.say("x", Priority.CRITICAL) == "voice alerts are off"
        assert off.say("Voice alerts are working.", Priority.MEDIUM, force=True) == "queued"
    finally:
        await off.stop()
