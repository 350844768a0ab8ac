"""SPEC §3.5 DATABASE: a failing store write is retried 3 times, then CRITICAL and a pause."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any

import pytest

from core.domain.enums import ErrorCategory, Severity
from core.engine import Engine, EngineOptions
from core.storage import atomic
from tests.infra.support import fast


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    fast(engine_options).config_overrides["recovery.database_retry_seconds"] = [0.001] * 3
    return engine_options


def disk_full(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """The next `times` file replacements fail as on a full disk (the OS, not our code)."""
    calls = [0]
    real: Callable[..., Any] = os.replace

    def replace(src: Any, dst: Any) -> None:
        calls[0] += 1
        if calls[0] <= times:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    return calls


async def test_a_write_that_fails_twice_lands_on_the_third_try(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    assert engine.store is not None and engine.trading is not None
    calls = disk_full(monkeypatch, 2)
    engine.store.put("runtime", "probe", {"value": 1})
    assert calls[0] == 3 and engine.store.get("runtime", "probe") is not None
    assert not engine.trading.paused


async def test_a_write_still_failing_after_three_retries_pauses_trading(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    assert engine.store is not None and engine.trading is not None
    assert engine.recovery is not None
    disk_full(monkeypatch, 10_000)
    with pytest.raises(OSError, match="No space left"):
        engine.store.put("runtime", "probe", {"value": 1})
    assert engine.trading.paused and engine.trading.pause_reason == "CRITICAL_ERROR"
    [record] = engine.recovery.handler.recent(ErrorCategory.DATABASE)
    assert record.severity is Severity.CRITICAL and "runtime/probe" in record.message
    assert "after retries" in record.message
    monkeypatch.undo()  # the disk has room again: the engine writes as before
    engine.store.put("runtime", "probe", {"value": 2})
    assert engine.store.get("runtime", "probe")["value"] == 2  # type: ignore[index]
