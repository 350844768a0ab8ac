"""Start-up (SPEC §3.11): each step's state in /health; required steps stop, optional degrade."""

from __future__ import annotations

import logging

import pytest

from core.domain.enums import PauseReason
from core.engine import Engine, EngineOptions
from core.infra.startup import StartupError
from tests.engine.signal_helpers import run
from tests.infra.helpers import started
from tests.notifications.support import of_type


async def test_every_start_up_step_is_in_health(engine: Engine) -> None:
    health = await run(engine, "/health")
    steps = health.data["steps"]
    assert list(steps)[:8] == ["config", "store", "broker", "trading", "strategies",
                               "recovery", "sync", "checkpoints"]
    assert steps["sync"]["state"] == "ok" and "initial reconciliation" in steps["sync"]["detail"]
    assert steps["checkpoints"]["state"] == "ok"
    assert "5 start-up checkpoint(s)" in steps["checkpoints"]["detail"]
    assert all(s["state"] in ("ok", "off") for s in steps.values()), steps
    assert "sync ok, checkpoints ok" in health.text()
    assert health.data["sync"]["types"]["POSITIONS"]["runs"] == 1  # the initial pass


async def test_a_required_step_that_fails_stops_start_up_with_a_clear_message(
        engine_options: EngineOptions) -> None:
    engine_options.data_dir.mkdir(parents=True)
    (engine_options.data_dir / "store").write_text("not a directory", encoding="utf-8")
    engine = Engine(engine_options)
    with pytest.raises(StartupError, match="start-up stopped at step 'store' \\(required\\)"):
        await engine.start()
    assert engine.steps["store"].state == "failed"
    assert engine.steps["broker"].state == "pending"  # nothing after it ran
    again = Engine(engine_options)  # the data-directory lock was released
    with pytest.raises(StartupError):
        await again.start()


async def test_live_without_metatrader5_starts_paused_loudly_and_degrades_sync(
        engine_options: EngineOptions, caplog: pytest.LogCaptureFixture) -> None:
    """SPEC §5.5.4: live never switches to paper by itself. The MetaTrader5 package is
    missing here (Linux): the broker step degrades, trading is paused MT5_DOWN, a CRITICAL
    line and the CRITICAL mt5_disconnected notification say so, and the reconciliation
    (it cannot read the terminal) degrades instead of judging the store."""
    engine_options.mode = "live"
    engine_options.config_overrides["mt5.connect_retry_delay_seconds"] = 0.001
    caplog.set_level(logging.CRITICAL)
    engine = await started(engine_options)
    try:
        assert engine.settings.trading.mode == "live" and engine.bundle is not None
        assert engine.bundle.terminal is None  # no simulated terminal behind live
        assert engine.trading is not None and engine.trading.paused
        assert engine.trading.pause_reason == PauseReason.MT5_DOWN.value
        broker = engine.steps["broker"]
        assert broker.state == "degraded" and "MetaTrader5 package not installed" in \
            broker.detail and "paused (MT5_DOWN)" in broker.detail
        assert any("never switches to paper" in r.getMessage() for r in caplog.records
                   if r.levelno == logging.CRITICAL)
        [notice] = of_type(engine, "mt5_disconnected")
        assert notice.priority == 5
        sync = engine.steps["sync"]
        assert sync.state == "degraded" and "terminal not readable" in sync.detail
        assert engine.steps["checkpoints"].state == "ok"
        health = await run(engine, "/health")
        assert health.data["steps"]["sync"]["state"] == "degraded"
    finally:
        await engine.stop()
