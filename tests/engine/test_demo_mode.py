"""The default paper mode: synthetic prices move the terminal and demo alerts trade via HTTP."""

from __future__ import annotations

from pathlib import Path

from core.clock import FrozenClock
from core.config import Secrets
from core.engine import Engine, EngineOptions
from tests.conftest import WEDNESDAY


async def test_demo_alerts_travel_the_webhook_and_open_trades(tmp_path: Path) -> None:
    clock = FrozenClock(WEDNESDAY)
    engine = Engine(EngineOptions(
        data_dir=tmp_path / "data", clock=clock, host="127.0.0.1", port=0,
        secrets=Secrets(api_token="t"),  # no webhook secret configured: one is generated
        config_overrides={"paper.tick_seconds": 60}))  # the test steps the market itself
    await engine.start()
    try:
        assert engine.market is not None and engine.bundle is not None
        assert engine.bundle.demo is not None and engine.intake is not None
        assert "demo alerts" in engine.steps["market"].detail
        for _ in range(900):  # 15 minutes of demo time, one quote set per second
            clock.advance(1)
            await engine.market.step()
        await engine.intake.queue.join()
        assert engine.store is not None
        demo = [r for r in engine.store.scan("signals") if r["source"] == "127.0.0.1"]
        assert demo, "no demo alert reached the webhook"
        assert all(r["status"] == "processed" for r in demo)
        kinds = {r["signal"]["signal_type"] for r in demo}
        assert "TREND_UPDATE" in kinds and kinds & {"BUY_SIGNAL", "SELL_SIGNAL"}
        executed = [r for r in demo if r["reason"] == "ORDER_PLACED"]
        assert executed, f"no demo entry traded: {[r['reason'] for r in demo]}"
        assert engine.trading is not None
        assert engine.trading.positions or engine.store.count("trades")
        quotes = engine.bundle.terminal.symbol_info_tick("EURUSD")  # type: ignore[union-attr]
        assert quotes is not None and quotes.ask > quotes.bid > 0
    finally:
        await engine.stop()


async def test_an_alert_without_the_generated_secret_is_refused(tmp_path: Path) -> None:
    """Fail closed: no secret configured means outsiders cannot trade through the demo."""
    engine = Engine(EngineOptions(data_dir=tmp_path / "data", clock=FrozenClock(WEDNESDAY),
                                  secrets=Secrets(), webhook=False, market=False))
    await engine.start()
    try:
        assert engine.intake is not None
        body = b'{"type":"trend","signal":"bull","tf":"1h","symbol":"EURUSD","price":1.08}'
        assert engine.intake.receive(body).status == 401
        assert engine.intake.receive(body, query_secret="guess").status == 401
        assert engine.intake.receive(body, query_secret=engine.webhook_secret).status == 200
    finally:
        await engine.stop()


async def test_live_mode_without_metatrader5_starts_paused_and_never_paper(
        tmp_path: Path) -> None:
    engine = Engine(EngineOptions(data_dir=tmp_path / "data", clock=FrozenClock(WEDNESDAY),
                                  secrets=Secrets(api_token="t"), mode="live", webhook=False,
                                  market=False))
    await engine.start()
    try:
        assert engine.trading is not None and engine.trading.paused
        assert engine.trading.pause_reason == "MT5_DOWN"
        assert engine.steps["broker"].state == "degraded"
        up, detail = engine.services["mt5"]
        assert not up and "MetaTrader5 package not installed" in detail
        assert engine.bundle is not None and engine.bundle.terminal is None  # no paper fallback
        from core.commands.spec import Actor, Surface

        reply = await engine.execute("/resume", Actor(Surface.CLI, "t"))
        assert not reply.ok and "MT5 is down" in reply.lines[0]
    finally:
        await engine.stop()
