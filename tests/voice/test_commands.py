"""VOICE commands on a running engine; degrading to text with the reason; real voice notes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.commands.spec import Actor, Reply, Surface
from core.engine import Engine, EngineOptions
from core.notifications.outbox import OutboundMessage
from core.notifications.types import Priority
from core.voice.service import VoiceService
from tests.engine.helpers import alert, aligned_buy, legacy, quote
from tests.voice.support import Speaker, Waits

ACTOR = Actor(Surface.CLI, "tester")
HAVE_ESPEAK = shutil.which("espeak-ng") is not None
HAVE_OPUSENC = shutil.which("opusenc") is not None


async def run(engine: Engine, line: str) -> Reply:
    reply = await engine.execute(line, ACTOR)
    assert reply.ok, reply.text()
    return reply


def sent(engine: Engine, kind: str) -> list[OutboundMessage]:
    assert engine.outbox is not None
    return [i.message for i in engine.outbox.pending("notification", 1000)
            if i.message.type == kind]


async def started(options: EngineOptions, **config: object) -> Engine:
    options.config_overrides.update({"voice.enabled": True, **config})
    engine = Engine(options)
    await engine.start()
    return engine


async def test_no_speech_engine_degrades_to_text_and_says_why(
        engine_options: EngineOptions) -> None:
    engine = await started(engine_options, **{"voice.tts.driver": "nosuchdriver"})
    try:
        status = await run(engine, "/voice_status")  # alias ≡ /voice status
        reason = ("no speech engine: pyttsx3 driver 'nosuchdriver' is not available "
                  "(use sapi5, espeak or nsss)")
        assert status.lines[1] == f"Local speech: unavailable, text only — {reason}"
        assert status.lines[2].startswith(f"Telegram voice notes: unavailable, text only — "
                                          f"{reason}")
        assert status.data["local_speech"] is False and status.data["enabled"] is True
        test = await run(engine, "/voice_test")
        assert test.data["voice_note"] is None and test.data["voice_note_reason"] == reason
        [message] = sent(engine, "voice_test")
        assert message.attachment_path is None
        assert message.text == "\n".join([
            "VOICE TEST", "Voice alerts are working.", f"Local speech: text only: {reason}",
            f"Voice note: not produced, text only — {reason}"])
    finally:
        await engine.stop()


@pytest.mark.parametrize(("encoder", "reason"), [
    ("/nonexistent/opusenc", "no OGG/Opus encoder: /nonexistent/opusenc not found"),
    ("none", "voice notes disabled (voice.encoder = none)"),
])
@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed on this machine")
async def test_missing_encoder_degrades_voice_notes_with_the_reason(
        engine_options: EngineOptions, encoder: str, reason: str) -> None:
    engine = await started(engine_options, **{"voice.encoder": encoder})
    try:
        status = await run(engine, "/voice status")
        assert status.data["voice_notes"] is False and status.data["voice_notes_detail"] == reason
        assert (await run(engine, "/voicetest")).data["voice_note"] is None
    finally:
        await engine.stop()


@pytest.mark.skipif(not (HAVE_ESPEAK and HAVE_OPUSENC),
                    reason="needs espeak-ng and opusenc (apt install espeak-ng opus-tools)")
async def test_voicetest_produces_a_real_ogg_voice_note(engine: Engine) -> None:
    reply = await run(engine, "/voicetest")
    note = Path(reply.data["voice_note"])
    data = note.read_bytes()
    assert data.startswith(b"OggS") and b"OpusHead" in data[:200] and len(data) > 2_000
    assert note.parent == engine.data_dir / "voice" and not list(note.parent.glob("*.wav"))
    [message] = sent(engine, "voice_test")
    assert (message.attachment_path, message.attachment_kind) == (str(note), "voice")
    assert message.text.split("\n")[:2] == ["VOICE TEST", "Voice alerts are working."]


async def test_switch_toggle_and_persistence(engine_options: EngineOptions) -> None:
    engine = await started(engine_options)
    try:
        assert (await run(engine, "/voice off")).title == "Voice alerts OFF"
        assert (await run(engine, "/voice")).title == "Voice alerts ON"  # no argument: toggle
        await run(engine, "/voice off")
        bad = await engine.execute("/voice loud", ACTOR)
        assert not bad.ok and "use one of on, off, status" in bad.text()
    finally:
        await engine.stop()
    again = await started(engine_options)
    try:
        assert (await run(again, "/voice status")).data["enabled"] is False
    finally:
        await again.stop()


async def test_mute_and_unmute_commands(engine: Engine) -> None:
    muted = await run(engine, "/mute 30")
    assert muted.lines[0] == "Voice is silent for 30 min (until 14:35:12 IST); CRITICAL alerts " \
                             "still speak."
    assert (await run(engine, "/voice status")).data["muted"] is True
    assert (await run(engine, "/unmute")).title == "Voice unmuted"
    assert (await run(engine, "/unmute")).title == "Voice was not muted"
    forever = await run(engine, "/mute")
    assert forever.lines[0] == "Voice is silent until /unmute; CRITICAL alerts still speak."
    bad = await engine.execute("/mute 0", ACTOR)
    assert not bad.ok and "allowed 1–1440" in bad.text()


async def test_trade_events_speak_their_sentences(engine: Engine, tmp_path: Path) -> None:
    """The notification center hands §9.7 sentences to the voice queue (sound card faked)."""
    assert engine.store is not None and engine.notifications is not None
    engine.config.set("voice.enabled", True)  # the shared fixture keeps tests silent
    speaker = Speaker()
    voice = VoiceService(lambda: engine.settings, engine.store, engine.clock, tmp_path,
                         speaker=speaker, sleep=Waits())
    await voice.start()
    engine.notifications.voice = voice
    try:
        quote(engine, "EURUSD", 1.08400)
        await aligned_buy(engine)
        quote(engine, "EURUSD", 1.08500)
        await alert(engine, legacy("exit", "bear", "15m", price=1.085))
        await run(engine, "/mute 30")
        quote(engine, "EURUSD", 1.08600)
        await alert(engine, legacy("entry", "buy", "15m", price=1.086))  # muted: not spoken
        await engine.execute("/closeall", ACTOR, confirmed=True)  # CRITICAL: spoken anyway
        await voice.idle(5)
        assert speaker.said == ["New BUY trade on EURUSD at 1.08408.",
                                "EURUSD BUY trade closed with a profit of 4 dollars.",
                                "Emergency stop. All positions are being closed."]
        assert sent(engine, "emergency_stop")[0].priority == Priority.CRITICAL
    finally:
        await voice.stop()
