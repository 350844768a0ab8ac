"""Engines for analytics tests never speak aloud (voice off)."""

from __future__ import annotations

import pytest

from core.engine import EngineOptions


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    engine_options.config_overrides["voice.enabled"] = False
    return engine_options
