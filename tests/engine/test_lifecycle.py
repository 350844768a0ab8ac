"""Engine start/stop, the data-directory lock, persistence across restarts, crash after ack."""

from __future__ import annotations

import pytest

from core.engine import Engine, EngineOptions
from core.runtime import EngineAlreadyRunning, engine_running
from tests.engine.helpers import aligned_buy, legacy, quote


async def test_start_steps_and_services(engine: Engine) -> None:
    assert {s.name: s.state for s in engine.steps.values()} == {
        "config": "ok", "store": "ok", "broker": "ok", "trading": "ok", "strategies": "ok",
        "recovery": "ok", "sync": "ok", "checkpoints": "ok",
        "intake": "ok", "market": "off", "frontends": "off", "webhook": "off"}
    assert engine.services["mt5"][0] is True
    assert engine_running(engine.data_dir)


async def test_a_second_engine_on_the_same_data_dir_is_refused(
        engine: Engine, engine_options: EngineOptions) -> None:
    second = Engine(engine_options)
    with pytest.raises(EngineAlreadyRunning, match="already running"):
        await second.start()


async def test_paper_account_and_positions_survive_a_restart(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    quote(first, "EURUSD", 1.08400)
    await aligned_buy(first)
    assert first.trading is not None
    [ticket] = first.trading.positions
    await first.stop()
    assert not engine_running(engine_options.data_dir)
    second = Engine(engine_options)
    await second.start()
    try:
        assert second.trading is not None and list(second.trading.positions) == [ticket]
        assert second.trading.meta(ticket)["strategy"] == "v3_combined"
        assert second.trends is not None
        assert second.trends.get("EURUSD", "1h").value == "BULLISH"
    finally:
        await second.stop()


async def test_an_alert_acknowledged_before_a_crash_is_processed_once_after_restart(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    quote(first, "EURUSD", 1.08400)
    quote(first, "GBPUSD", 1.27000)
    await aligned_buy(first, "GBPUSD", 1.27)  # an account with history (and saved quotes)
    for tf in ("1h", "15m"):
        first.intake.receive(legacy("trend", "bull", tf))  # type: ignore[union-attr]
    await first.intake.queue.join()  # type: ignore[union-attr]
    for task in first._tasks:  # the process "dies" before the entry is processed
        task.cancel()
    response = first.intake.receive(legacy("entry", "buy", "15m"))  # type: ignore[union-attr]
    assert response.body["status"] == "accepted"
    first.intake = None  # no drain: a crash does not drain
    await first.stop()
    for _ in range(2):  # two restarts: the entry trades on the first and never again
        engine = Engine(engine_options)
        await engine.start()
        try:
            await engine.intake.queue.join()  # type: ignore[union-attr]
            assert engine.trading is not None
            assert sorted(p.symbol for p in engine.trading.positions.values()) == [
                "EURUSD", "GBPUSD"]
            assert engine.store is not None
            entries = [r for r in engine.store.scan("signals")
                       if (r.get("signal") or {}).get("signal_type") == "BUY_SIGNAL"
                       and r["signal"]["symbol"] == "EURUSD"]
            assert [(r["status"], r["outcome"]) for r in entries] == [("processed", "executed")]
        finally:
            await engine.stop()
