"""Stand-ins for the sound card and for waiting (the voice service's external edges)."""

from __future__ import annotations

import threading
from pathlib import Path

from core.voice.speech import Capability


class Speaker:
    """A stand-in for the sound card: records what is said, fails the first `failures` times."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.said: list[str] = []
        self.threads: set[str] = set()

    def probe(self) -> Capability:
        return Capability(True, "test speaker")

    def speak(self, text: str) -> None:
        self.threads.add(threading.current_thread().name)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("audio device busy")
        self.said.append(text)

    def save_wav(self, text: str, path: Path) -> None:
        raise RuntimeError("no WAV from the test speaker")


class Waits:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
