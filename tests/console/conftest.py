"""Fixtures of the console tests: engine options for pixel-stable snapshots."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core.engine import EngineOptions


@pytest.fixture
def snap_options(engine_options: EngineOptions, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> EngineOptions:
    """Pixels must not depend on the run: a relative data dir (no temp path on screen)."""
    monkeypatch.chdir(tmp_path)
    return replace(engine_options, data_dir=Path("data"))
