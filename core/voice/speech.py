"""Speech back ends: pyttsx3 on the host, WAV writing and OGG/Opus encoding for voice notes."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

PLATFORM_DRIVERS = {"win32": "sapi5", "darwin": "nsss"}  # anything else: espeak
PLAYERS = {"espeak": {"linux": "aplay", "darwin": "afplay"}}  # what pyttsx3's driver plays with
SUBPROCESS_TIMEOUT = 60.0


class SpeechError(Exception):
    """Speech or encoding failed; the message says why, for `/voice status`."""


@dataclass(frozen=True, slots=True)
class Capability:
    """Whether one voice channel works on this machine, and why not."""

    ok: bool
    detail: str


class Speaker(Protocol):
    """Something that speaks aloud on the host (blocking; called from the voice thread)."""

    def probe(self) -> Capability: ...

    def speak(self, text: str) -> None: ...

    def save_wav(self, text: str, path: Path) -> None: ...


def driver_name(configured: str) -> str:
    return configured or PLATFORM_DRIVERS.get(sys.platform, "espeak")


def _platform() -> str:
    return "linux" if sys.platform.startswith("linux") else sys.platform


class Pyttsx3Speaker:
    """One pyttsx3 engine, created and used only in the voice worker thread."""

    def __init__(self, driver: str, rate: int, volume: float) -> None:
        self.driver = driver_name(driver)
        self.rate = rate
        self.volume = volume
        self._engine: Any = None

    def _load(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3
            except ImportError as exc:
                raise SpeechError("no speech engine: pyttsx3 is not installed") from exc
            if sys.platform == "win32":
                _com_init()  # SAPI5 is COM: every thread that uses it must initialise COM
            root = logging.getLogger()
            handlers_before = list(root.handlers)
            try:
                engine = pyttsx3.Engine(self.driver)  # our own instance, bound to this thread
            except ModuleNotFoundError as exc:
                raise SpeechError(f"no speech engine: pyttsx3 driver {self.driver!r} is not "
                                  "available (use sapi5, espeak or nsss)") from exc
            except (OSError, RuntimeError) as exc:
                if self.driver == "espeak":
                    raise SpeechError("no speech engine: espeak-ng not found (pyttsx3 could "
                                      "not load libespeak-ng)") from exc
                raise SpeechError(f"no speech engine: {self.driver} failed to start: "
                                  f"{exc}") from exc
            except Exception as exc:
                raise SpeechError(f"no speech engine: {self.driver} failed to start: "
                                  f"{type(exc).__name__}: {exc}") from exc
            finally:
                # pyttsx3's espeak driver calls logging.basicConfig(): a stderr handler on the
                # root logger would print over the console's screen. Put the root back.
                for handler in root.handlers[:]:
                    if handler not in handlers_before:
                        root.removeHandler(handler)
            engine.setProperty("rate", self.rate)
            engine.setProperty("volume", self.volume)
            self._engine = engine
        return self._engine

    def probe(self) -> Capability:
        try:
            self._load()
        except SpeechError as exc:
            return Capability(False, str(exc))
        player = PLAYERS.get(self.driver, {}).get(_platform())
        if player and shutil.which(player) is None:
            return Capability(False, f"no audio player: {player} not found (pyttsx3's "
                                     f"{self.driver} driver plays through {player})")
        return Capability(True, f"pyttsx3 {self.driver}, {self.rate} wpm, volume "
                                f"{self.volume:g}")

    def speak(self, text: str) -> None:
        engine = self._load()
        engine.say(text)
        engine.runAndWait()

    def save_wav(self, text: str, path: Path) -> None:
        engine = self._load()
        engine.save_to_file(text, str(path))
        engine.runAndWait()
        if not path.exists() or path.stat().st_size == 0:
            raise SpeechError(f"{self.driver} wrote no audio to {path.name}")


def _com_init() -> None:
    try:
        import comtypes  # installed with pyttsx3 on Windows

        comtypes.CoInitialize()
    except (ImportError, OSError) as exc:  # the driver's own error will say more
        raise SpeechError(f"no speech engine: COM could not start: {exc}") from exc


@dataclass(frozen=True, slots=True)
class NoteTools:
    """How this machine turns a sentence into an OGG/Opus voice note."""

    wav_command: str | None  # espeak-ng executable (Linux), or None to use pyttsx3
    encoder: str | None  # path of opusenc or ffmpeg
    capability: Capability


def find_note_tools(driver: str, encoder_setting: str, speech: Capability) -> NoteTools:
    """espeak writes WAV through the espeak-ng program; SAPI5/NSSS through pyttsx3."""
    name = driver_name(driver)
    wav_command: str | None = None
    if name == "espeak":
        wav_command = shutil.which("espeak-ng") or shutil.which("espeak")
        if wav_command is None:
            return NoteTools(None, None, Capability(
                False, "no WAV writer: espeak-ng not found (install espeak-ng)"))
    elif not speech.ok and speech.detail.startswith("no speech engine"):
        return NoteTools(None, None, Capability(False, speech.detail))
    setting = encoder_setting.strip() or "auto"
    if setting == "none":
        return NoteTools(wav_command, None, Capability(
            False, "voice notes disabled (voice.encoder = none)"))
    if setting == "auto":
        encoder = shutil.which("opusenc") or shutil.which("ffmpeg")
        if encoder is None:
            return NoteTools(wav_command, None, Capability(
                False, "no OGG/Opus encoder: neither opusenc nor ffmpeg found"))
    else:
        encoder = shutil.which(setting)
        if encoder is None:
            return NoteTools(wav_command, None, Capability(
                False, f"no OGG/Opus encoder: {setting} not found"))
    writer = Path(wav_command).name if wav_command else f"pyttsx3 {name}"
    return NoteTools(wav_command, encoder, Capability(
        True, f"{writer} → {Path(encoder).name}"))


async def run_program(args: list[str]) -> None:
    """Run a helper program without blocking the loop; its stderr becomes the error."""
    try:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        raise SpeechError(f"{Path(args[0]).name} could not start: {exc}") from exc
    try:
        _, err = await asyncio.wait_for(process.communicate(), SUBPROCESS_TIMEOUT)
    except TimeoutError as exc:
        process.kill()
        await process.wait()
        raise SpeechError(f"{Path(args[0]).name} timed out") from exc
    if process.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()
        raise SpeechError(f"{Path(args[0]).name} failed (exit {process.returncode})"
                          + (f": {detail[-1]}" if detail else ""))


def espeak_wav_args(program: str, text: str, path: Path, rate: int, volume: float) -> list[str]:
    return [program, "-s", str(rate), "-a", str(round(volume * 100)), "-w", str(path), text]


def encode_args(encoder: str, wav: Path, ogg: Path) -> list[str]:
    if "ffmpeg" in Path(encoder).name.lower():
        return [encoder, "-y", "-loglevel", "error", "-i", str(wav), "-c:a", "libopus",
                "-b:a", "32k", str(ogg)]
    return [encoder, "--quiet", "--bitrate", "32", str(wav), str(ogg)]
