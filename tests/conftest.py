"""Shared fixtures: frozen clock, secrets without the environment, engines on temp data dirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.config import Secrets
from core.engine import Engine, EngineOptions

# A Wednesday 14:05:12 IST: inside the London session, far from any weekend.
WEDNESDAY = datetime(2025, 11, 26, 8, 35, 12, tzinfo=UTC)
TEST_SECRET = "test-webhook-secret"
TEST_TOKEN = "test-api-token"


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock(WEDNESDAY)


@pytest.fixture
def secrets() -> Secrets:
    return Secrets(webhook_secret=TEST_SECRET, api_token=TEST_TOKEN)


@pytest.fixture
def engine_options(tmp_path: Path, secrets: Secrets, frozen_clock: FrozenClock) -> EngineOptions:
    return EngineOptions(data_dir=tmp_path / "data", clock=frozen_clock, secrets=secrets,
                         webhook=False, market=False, frontends=False,
                         config_overrides={"paper.demo_alerts": False, "voice.enabled": False})


@pytest.fixture
async def engine(engine_options: EngineOptions) -> AsyncIterator[Engine]:
    """A started paper engine with no webhook and no market pump (tests drive prices)."""
    eng = Engine(engine_options)
    await eng.start()
    try:
        yield eng
    finally:
        await eng.stop()
