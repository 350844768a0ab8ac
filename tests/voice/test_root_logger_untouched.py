"""Loading the speech engine must not add handlers to the root logger (the TUI owns stderr)."""

from __future__ import annotations

import contextlib
import logging

from core.voice.speech import Pyttsx3Speaker, SpeechError


def test_speech_engine_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    speaker = Pyttsx3Speaker("espeak", 150, 1.0)
    with contextlib.suppress(SpeechError):  # the rule holds with or without a speech engine
        speaker._load()
    assert root.handlers == before
