"""VOICE commands (SPEC §10.2.11): /voice, /voicetest, /mute, /unmute."""

from __future__ import annotations

from core.clock import fmt_time
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
)
from core.domain.enums import Severity
from core.events import ConfigChanged
from core.notifications.notice import Notice
from core.notifications.types import Priority
from core.voice.sentences import TEST_SENTENCE
from core.voice.service import VoiceService
from core.voice.speech import SpeechError


def _voice(ctx: CommandContext) -> VoiceService:
    if ctx.engine.voice is None:
        raise CommandError("the engine is not started")
    return ctx.engine.voice


async def voice(ctx: CommandContext) -> Reply:
    """on | off | status; without an argument the switch toggles (SPEC §10.1)."""
    service = _voice(ctx)
    switch = ctx.args.get("switch")
    title = "Voice alerts"
    if switch != "status":
        enabled = (switch == "on") if switch else not service.enabled
        ctx.engine.persist_override("voice.enabled", enabled)
        ctx.engine.bus.publish(ConfigChanged("voice.enabled", enabled, ctx.command_line))
        title = f"Voice alerts {'ON' if enabled else 'OFF'}"
    status = await service.probe()
    return Reply(title=title, lines=tuple(status.lines(ctx.engine.settings.display.timezone)),
                 data={"enabled": status.enabled, "muted": status.muted,
                       "local_speech": status.local.ok, "local_detail": status.local.detail,
                       "voice_notes": status.notes.ok, "voice_notes_detail": status.notes.detail,
                       "queued": status.queued, "spoken": status.spoken,
                       "failed": status.failed})


async def voicetest(ctx: CommandContext) -> Reply:
    """Speak the test sentence and put a test message (with the voice note) in the outbox."""
    service = _voice(ctx)
    center = ctx.engine.notifications
    if center is None:
        raise CommandError("the engine is not started")
    status = await service.probe()
    local = service.say(TEST_SENTENCE, int(Priority.MEDIUM), force=True)
    local_line = ("Local speech: speaking now" if local == "queued"
                  else f"Local speech: {local}")
    try:
        note = await service.make_note(TEST_SENTENCE)
        note_line = f"Voice note: {note.name}"
    except SpeechError as exc:
        note = None
        note_line = f"Voice note: not produced, text only — {exc}"
    text = "\n".join(["VOICE TEST", TEST_SENTENCE, local_line, note_line])
    now = ctx.engine.clock.now()
    center.emit(Notice("voice_test", text, attachment_path=str(note) if note else None,
                       attachment_kind="voice" if note else None), now)
    lines = [TEST_SENTENCE, local_line, note_line]
    if not status.enabled:
        lines.append("Voice alerts are OFF: events will not speak until /voice on")
    return Reply(title="Voice test", lines=tuple(lines),
                 severity=Severity.INFO if local == "queued" or note else Severity.MEDIUM,
                 data={"sentence": TEST_SENTENCE, "local": local,
                       "voice_note": str(note) if note else None,
                       "voice_note_reason": None if note else status.notes.detail})


async def mute(ctx: CommandContext) -> Reply:
    service = _voice(ctx)
    minutes = ctx.args.get("minutes")
    until = service.mute(int(minutes) if minutes else None)
    when = (f"for {minutes} min (until {fmt_time(until, ctx.engine.settings.display.timezone)})"
            if minutes else "until /unmute")
    return Reply(title="Voice muted", lines=(
        f"Voice is silent {when}; CRITICAL alerts still speak.",
        "Text notifications are unchanged."),
        data={"muted_until": until.isoformat() if minutes else None, "minutes": minutes})


async def unmute(ctx: CommandContext) -> Reply:
    was = _voice(ctx).unmute()
    return Reply(title="Voice unmuted" if was else "Voice was not muted",
                 lines=("Voice alerts speak again.",), data={"was_muted": was})


COMMANDS = (
    CommandSpec("voice", Category.VOICE, "Voice-alert switch and status (why text only)", voice,
                params=(Param("switch", "switch", required=False,
                              choices=("on", "off", "status"),
                              presets=("on", "off", "status")),),
                aliases=(Alias("voice_status", ("status",)),)),
    CommandSpec("voicetest", Category.VOICE, "Speak and send a test alert", voicetest,
                aliases=(Alias("voice_test"),)),
    CommandSpec("mute", Category.VOICE, "Mute voice except CRITICAL (text is unchanged)", mute,
                params=(Param("minutes", "minutes", required=False, kind="int", minimum=1,
                              maximum=1440, presets=("15", "30", "60", "120"),
                              help="default: until /unmute"),)),
    CommandSpec("unmute", Category.VOICE, "Unmute voice", unmute),
)
