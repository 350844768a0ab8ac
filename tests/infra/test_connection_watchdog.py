"""The MT5 link watchdog (SPEC §3.5 CONNECTION / MT5) against the simulated terminal."""

from __future__ import annotations

import pytest

from core.brokers.sim import Fault
from core.clock import FrozenClock
from core.domain.enums import PauseReason
from core.engine import Engine, EngineOptions
from core.infra.connection import ConnectionWatchdog
from tests.engine.helpers import quote
from tests.engine.signal_helpers import run
from tests.infra.support import fast, intent, sent, terminal


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    return fast(engine_options)


def watchdog(engine: Engine) -> ConnectionWatchdog:
    assert engine.recovery is not None and engine.recovery.watchdog is not None
    return engine.recovery.watchdog


async def test_a_healthy_link_is_left_alone(engine: Engine) -> None:
    assert await watchdog(engine).check() == "up"
    assert watchdog(engine).total_attempts == 0


async def test_disconnect_pauses_after_five_attempts_and_resumes_on_restore(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    assert engine.trading is not None
    dog = watchdog(engine)
    terminal(engine).faults.disconnect()
    assert await dog.check() == "down"
    assert dog.attempts == 5  # mt5.connect_retries
    assert engine.trading.paused and engine.trading.pause_reason == PauseReason.MT5_DOWN
    assert engine.services["mt5"][0] is False
    [alert] = sent(engine, "mt5_disconnected")
    assert alert.priority == 5  # CRITICAL
    assert [r.severity.value for r in engine.recovery.handler.recent()  # type: ignore[union-attr]
            ] == ["CRITICAL"]
    health = await run(engine, "/health")
    assert health.data["recovery"]["connection"]["state"] == "down"
    assert any(line.startswith("MT5 link: DOWN") for line in health.lines)
    # still down: one attempt per down_retry_seconds, not before
    assert await dog.check() == "down" and dog.total_attempts == 5
    frozen_clock.advance(60)
    assert await dog.check() == "down" and dog.total_attempts == 6
    terminal(engine).restore()
    assert await dog.check() == "down"  # the next attempt is due 60 s after the last one
    frozen_clock.advance(60)
    assert await dog.check() == "up"
    assert not engine.trading.paused and engine.services["mt5"][0] is True
    assert len(sent(engine, "mt5_reconnected")) == 1
    assert len(sent(engine, "trading_resumed")) == 1


async def test_a_manual_pause_survives_the_reconnection(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    assert engine.trading is not None
    engine.trading.pause(PauseReason.MANUAL)
    terminal(engine).faults.disconnect()
    assert await watchdog(engine).check() == "down"
    assert engine.trading.pause_reason == PauseReason.MANUAL  # not overwritten
    terminal(engine).restore()
    frozen_clock.advance(60)
    assert await watchdog(engine).check() == "up"
    assert engine.trading.paused and engine.trading.pause_reason == PauseReason.MANUAL


async def test_auto_resume_off_keeps_trading_paused(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    assert engine.trading is not None
    engine.persist_override("recovery.connection.auto_resume", False)
    terminal(engine).faults.disconnect()
    await watchdog(engine).check()
    terminal(engine).restore()
    frozen_clock.advance(60)
    assert await watchdog(engine).check() == "up"
    assert engine.trading.paused and engine.trading.pause_reason == PauseReason.MT5_DOWN


async def test_an_ipc_blip_reconnects_at_once_without_pausing(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    terminal(engine).faults.inject(Fault.IPC_TIMEOUT_AFTER)
    engine.persist_override("mt5.order_retries", 0)
    assert not (await engine.trading.place(intent())).ok
    assert engine.trading.broker.connected is False  # the adapter saw the IPC failure
    assert await watchdog(engine).check() == "up"
    assert watchdog(engine).attempts == 1 and not engine.trading.paused
    assert sent(engine, "mt5_disconnected") == []
    assert engine.trading.broker.connected
