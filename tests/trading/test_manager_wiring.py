"""Where the trade manager runs: the offline replay after each bar, the market pump after
each price step (SPEC §5.2). Same V6 5m group as the ladder tests: fill 1.08448, A 0.10 → TP3,
B 0.05 → TP1 1.08694, TP2 1.08936, TP3 1.09178, SL 1.07448; a 15m pulse 1 bull / 5 bear
makes the context not strong, so TP1 halves Order A."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.brokers.feeds.bars import Bar, BarSeries
from core.brokers.feeds.replay import ReplayFeed
from core.clock import FrozenClock
from core.engine import Engine, EngineOptions
from core.market import MarketPump
from core.replay import ScheduledAlert, run_replay
from tests.strategies.v6_support import entry, market, positions, pulse, send

FLAT = 1.08440
TP1, TP2, TP3 = 1.08694, 1.08936, 1.09178
START = datetime(2025, 11, 26, 8, 0, tzinfo=UTC)  # Wednesday, London session


def _series(moves: list[tuple[float, float, float, float]], flat: int) -> BarSeries:
    """`flat` bars at FLAT, then one bar per (open, high, low, close)."""
    rows = [(FLAT, FLAT, FLAT, FLAT)] * flat + moves
    return BarSeries.from_bars(Bar(START + timedelta(minutes=i), *row)
                               for i, row in enumerate(rows))


def _alert(minute: int, text: str) -> ScheduledAlert:
    at = int((START + timedelta(minutes=minute)).timestamp())
    return ScheduledAlert(at, text.encode(), "/webhook/v6")


async def test_the_offline_replay_manages_positions_after_each_bar(
        engine_options: EngineOptions) -> None:
    engine_options.config_overrides["plugins.v6_price_action_5m.config.order_a_target"] = "TP3"
    series = _series([
        (FLAT, 1.08700, FLAT, 1.08600),  # B fills at TP1 inside the bar; closes under it
        (1.08600, 1.08960, 1.08600, 1.08950),  # closes past TP2
        (1.08950, 1.09200, 1.08950, 1.09000),  # A's own TP at TP3
        (1.09000, 1.09000, 1.09000, 1.09000)], flat=5)
    alerts = [_alert(2, entry("5m", tp2=TP2, tp3=TP3)), _alert(3, pulse("15m", 1, 5))]
    report = await run_replay(series, "EURUSD", alerts, engine_options)
    trades = {t["kind"]: t for t in report.trades}
    assert (trades["B"]["close_reason"], trades["B"]["profit"]) == ("TP", 12.30)
    a = trades["A"]
    # 0.05 at the TP1 bar's close 1.08600 (+15.2 pips) $7.60; 0.02 at 1.08950 (+50.2) $10.04;
    # the last 0.03 at TP3 (+73) $21.90: only the two partials give that sum.
    assert (a["close_reason"], a["profit"], a["last_partial"]) == ("TP", 39.54, "TP2_PARTIAL")
    assert report.open_positions == 0


async def test_the_market_pump_manages_after_each_price_step(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_5m.config.order_a_target", "TP3")
    market(engine)
    await send(engine, entry("5m", tp2=TP2, tp3=TP3))
    await send(engine, pulse("15m", 1, 5))
    a, b = positions(engine)
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    bars = _series([(FLAT, TP1, FLAT, TP1), (TP1, TP2, TP1, TP2)], flat=0)
    later = BarSeries.from_bars(Bar(engine.clock.now() + timedelta(minutes=1 + i),
                                    bars[i].open, bars[i].high, bars[i].low, bars[i].close)
                                for i in range(len(bars)))
    pump = MarketPump(ReplayFeed(later, "EURUSD", 0.8, bars_per_second=1),
                      engine.bundle.terminal, engine.bundle.to_broker_symbol, engine.trading,
                      engine.bus, engine.clock, 0.0, manager=engine.manager)
    clock = engine.clock
    assert isinstance(clock, FrozenClock)
    steps = []
    while await pump.step():
        assert engine.store is not None
        group = engine.store.get("trade_groups", engine.trading.meta(a.ticket)["group_id"])
        steps.append((engine.trading.positions[a.ticket].volume, group["done"] if group else []))
        clock.advance(0.25)  # one tick per step at 1 bar/s
    # ticks: O L H C of each bar; TP1 acts at the first bar's high, TP2 at the second's
    assert steps == [(0.10, []), (0.10, []), (0.05, [1]), (0.05, [1]),
                     (0.05, [1]), (0.05, [1]), (0.03, [1, 2]), (0.03, [1, 2])]
    assert b.ticket not in engine.trading.positions
    assert engine.trading.positions[a.ticket].sl == TP1
