"""System, risk and session notifications from the events the engine publishes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.engine import Engine, EngineOptions
from core.notifications.outbox import Outbox
from core.notifications.types import Priority
from core.storage.store import Store
from tests.engine.helpers import aligned_buy, quote
from tests.notifications.support import of_type, outbox


async def test_started_and_stopped(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    await engine.start()
    [started] = of_type(engine, "bot_started")
    assert started.text == ("SYSTEM STARTED · PAPER\n"
                            "Balance $10,000.00 · open trades 0 · bridge hybrid\n"
                            "14:05:12 IST · 26 Nov 2025 (Wednesday)")
    await engine.stop()
    with Store(engine_options.data_dir / "store") as store:
        kept = [i.message for i in Outbox(store).pending("notification")]
    assert kept[-1].type == "bot_stopped"
    assert kept[-1].text.startswith("SYSTEM STOPPED · PAPER\nOpen trades 0 · today $0.00\n")


async def test_broker_link_down_is_critical_and_copied_to_the_controller(engine: Engine) -> None:
    engine.set_service("mt5", False, "IPC timeout")
    engine.set_service("mt5", False, "IPC timeout")  # still down: said once
    engine.set_service("mt5", True, "simulated terminal (paper)")
    [down] = of_type(engine, "mt5_disconnected")
    assert down.priority == Priority.CRITICAL
    assert down.text.split("\n")[:2] == ["MT5 DISCONNECTED", "IPC timeout"]
    assert [m.type for m in outbox(engine, "controller")] == ["mt5_disconnected"]
    [up] = of_type(engine, "mt5_reconnected")
    assert up.text.split("\n")[:2] == ["MT5 RECONNECTED", "simulated terminal (paper)"]


async def test_daily_loss_warning_follows_a_stop_loss(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    quote(engine, "EURUSD", 1.06100)
    assert engine.trading is not None
    await engine.trading.refresh()
    if engine.risk is None:
        pytest.skip("no risk manager in this build")
    await engine.risk.tick()
    [warning] = of_type(engine, "daily_loss_warning")
    loss = -engine.store.tail("trades", 1)[0]["profit"] if engine.store else 0.0
    assert warning.text.split("\n")[:2] == [
        f"DAILY LOSS WARNING · {loss:.0f}% of the cap used",
        f"Daily loss ${loss:,.2f} / $100 · tier 5000"]
    assert warning.priority == Priority.HIGH


async def test_session_change_and_weekend(engine: Engine, frozen_clock: FrozenClock) -> None:
    if engine.sessions is None:
        pytest.skip("no session manager in this build")
    [london] = of_type(engine, "session_changed")  # the start-up session
    assert london.silent and london.text.startswith("SESSION · London\n")
    frozen_clock.set(datetime(2025, 11, 28, 22, 0, tzinfo=UTC))  # Friday 22:00 UTC
    await engine.sessions.tick()
    [weekend] = of_type(engine, "weekend_closure")
    assert weekend.text.startswith("WEEKEND CLOSURE started\n")


@pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("opusenc")),
                    reason="needs espeak-ng and opusenc (apt install espeak-ng opus-tools)")
async def test_critical_alert_gets_a_voice_note_when_enabled(
        engine_options: EngineOptions) -> None:
    engine_options.config_overrides.update({"voice.enabled": True,
                                            "voice.telegram_voice_note": True})
    engine = Engine(engine_options)
    await engine.start()
    try:
        engine.set_service("mt5", False, "IPC timeout")
        assert engine.notifications is not None
        await engine.notifications.settle()
        text, note = of_type(engine, "mt5_disconnected")
        assert text.attachment_path is None and note.attachment_kind == "voice"
        assert note.text == "Broker connection lost. Trading paused."
        assert note.attachment_path is not None
        assert Path(note.attachment_path).read_bytes().startswith(b"OggS")
    finally:
        await engine.stop()
