"""Replay throughput through the whole pipeline on real M1 prices, 0, 10 and 50 open positions.

Run: python bench/bench_replay.py [BARS.csv.gz]   (default: ../shared/data/fx-m1/EURUSD.csv.gz,
else a synthetic series). Prints bars/s (best of 3) for each scenario.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.brokers.feeds.bars import BarSeries, load_bars  # noqa: E402
from core.brokers.feeds.synthetic import SyntheticFeed  # noqa: E402
from core.brokers.tagging import magic_for, make_comment, new_client_id  # noqa: E402
from core.config import Secrets  # noqa: E402
from core.domain.enums import Direction, OrderKind  # noqa: E402
from core.domain.orders import OrderIntent  # noqa: E402
from core.domain.symbols import DEFAULT_SYMBOLS  # noqa: E402
from core.engine import Engine, EngineOptions  # noqa: E402
from core.replay import run_replay  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "fx-m1" / "EURUSD.csv.gz"


def series_for(path: Path | None) -> tuple[BarSeries, str]:
    if path and path.exists():
        return load_bars(path), f"{path.name} (real M1 prices)"
    start = datetime(2025, 11, 24, tzinfo=UTC)
    feed = SyntheticFeed([DEFAULT_SYMBOLS["EURUSD"]], 7, start)
    return feed.bars("EURUSD", 70_000, start + timedelta(days=60)), "synthetic M1 series"


async def open_positions(engine: Engine, count: int) -> None:
    """Manual positions, half long half short, stops far away so all stay open."""
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    first = engine.bundle.terminal
    first.push_quote("EURUSD", 1.04, 1.04008, engine.clock.now())
    for i in range(count):
        side = Direction.BUY if i % 2 == 0 else Direction.SELL
        client = new_client_id()
        result = await engine.trading.place(OrderIntent(
            client_id=client, symbol="EURUSD", direction=side, volume=0.01,
            sl=0.50 if side is Direction.BUY else 2.50, tp=2.50 if side is Direction.BUY else 0.5,
            kind=OrderKind.MANUAL, strategy="manual", magic=magic_for("manual", 505000),
            comment=make_comment("manual", "M", client)))
        assert result.ok, result.message
    assert len(engine.trading.positions) == count


async def one_run(series: BarSeries, positions: int) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        options = EngineOptions(data_dir=Path(scratch), secrets=Secrets(
            webhook_secret="bench", api_token="bench"),
            # No session filter: the Dead Zone would force-close the ten positions (SPEC §8.1),
            # and no profit lock or trailing: they would move the far stops in and close them.
            # The bench measures ten positions under SL/TP watch and the trade manager's
            # per-bar check for the whole file.
            config_overrides={"risk.weekend_block": False, "sessions.enabled": False,
                              "trade_management.profit_lock.enabled": False,
                              "trade_management.trailing.enabled": False})
        async def before(engine: Engine) -> None:
            await open_positions(engine, positions)

        report = await run_replay(series, "EURUSD", [], options,
                                  before=before if positions else None)
        assert report.open_positions == positions
        return report.bars_per_second


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    series, label = series_for(path)
    print(f"replay throughput on {label}: {len(series):,} bars, best of 3")
    for count in (0, 10, 50):
        best = max(asyncio.run(one_run(series, count)) for _ in range(3))
        print(f"  {count:>2} open positions under SL/TP watch: {best:>12,.0f} bars/s")


if __name__ == "__main__":
    main()
