"""Fixtures: a started paper engine whose risk/session timers are stopped (tests tick)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.engine import Engine
from tests.risk.support import silence


@pytest.fixture
async def quiet(engine: Engine) -> AsyncIterator[Engine]:
    await silence(engine)
    yield engine
