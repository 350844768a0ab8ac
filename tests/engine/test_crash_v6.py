"""Crash after the acknowledgement, with a V6 pipe-text alert: processed once after restart."""

from __future__ import annotations

from core.engine import Engine, EngineOptions
from tests.conftest import TEST_SECRET
from tests.engine.helpers import aligned_buy, legacy, quote
from tests.engine.signal_helpers import v6_entry


async def test_a_v6_text_alert_acknowledged_before_a_crash_trades_once(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    assert first.intake is not None
    quote(first, "EURUSD", 1.08440)
    quote(first, "GBPUSD", 1.27000)
    await aligned_buy(first, "GBPUSD", 1.27)  # an account with history (and saved quotes)
    for tf in ("1h", "15m"):
        first.intake.receive(legacy("trend", "bull", tf))
    await first.intake.queue.join()
    for task in first._tasks:  # the process "dies" before the entry is processed
        task.cancel()
    response = first.intake.receive(v6_entry("15").encode(), query_secret=TEST_SECRET)
    assert response.body["status"] == "accepted"
    signal_id = response.body["signal_id"]
    first.intake = None  # a crash does not drain the queue
    await first.stop()
    for _ in range(2):  # the entry trades on the first restart and never again
        engine = Engine(engine_options)
        await engine.start()
        try:
            assert engine.intake is not None and engine.trading is not None
            await engine.intake.queue.join()
            [position] = [p for p in engine.trading.positions.values()
                          if p.symbol == "EURUSD"]
            assert engine.trading.meta(position.ticket)["strategy"] == "v6_price_action_15m"
            assert engine.trading.meta(position.ticket)["signal_id"] == signal_id
            assert engine.store is not None
            records = [r for r in engine.store.scan("signals")
                       if (r.get("signal") or {}).get("signal_id") == signal_id]
            assert [(r["format"], r["status"], r["outcome"], r["reason"]) for r in records] == [
                ("V6", "processed", "executed", "ORDER_PLACED")]
        finally:
            await engine.stop()
