"""Trade manager cost per price update with 50 open positions on the simulated terminal.

Run: python bench/bench_manager.py [N]   (default 20,000 price updates). 25 order groups
(A + B, with TP ladders) on EURUSD, GBPUSD and USDJPY random-walk; each update pushes the
quotes into the terminal and refreshes the positions (both untimed, as the market pump does),
then times one `TradeManager.tick` on the pushed prices. Groups that close are re-opened
(untimed) so 50 positions stay under management. Prints µs per update, p50/p99/max, for all
updates, for the quiet ones and for those that acted (SL moves, partial closes), then the
live-mode path (one broker quote per symbol per tick, no prices given).
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.brokers.tagging import magic_for, make_comment, new_client_id  # noqa: E402
from core.config import Secrets  # noqa: E402
from core.domain.enums import Direction, OrderKind  # noqa: E402
from core.domain.orders import OrderIntent  # noqa: E402
from core.domain.symbols import DEFAULT_SYMBOLS  # noqa: E402
from core.engine import Engine, EngineOptions  # noqa: E402
from core.trading.ladder import position_extra  # noqa: E402

START = {"EURUSD": 1.08440, "GBPUSD": 1.26500, "USDJPY": 150.000}
GROUPS = 25
SL_PIPS, TP1_PIPS = 300, 20


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


class Market:
    """Random-walk quotes pushed into the simulated terminal (σ 0.5 pip per update)."""

    def __init__(self, engine: Engine, seed: int) -> None:
        assert engine.bundle is not None and engine.bundle.terminal is not None
        self.engine = engine
        self.terminal = engine.bundle.terminal
        self.bids = dict(START)
        self.rng = random.Random(seed)

    def prices(self) -> dict[str, tuple[float, float]]:
        out = {}
        for symbol, bid in self.bids.items():
            spec = DEFAULT_SYMBOLS[symbol]
            ask = round(bid + spec.typical_spread_pips * spec.pip_size, spec.digits)
            out[symbol] = (bid, ask)
        return out

    def step(self) -> dict[str, tuple[float, float]]:
        for symbol, bid in self.bids.items():
            spec = DEFAULT_SYMBOLS[symbol]
            self.bids[symbol] = round(bid + self.rng.gauss(0, 0.5) * spec.pip_size, spec.digits)
        prices = self.prices()
        now = self.engine.clock.now()
        for symbol, (bid, ask) in prices.items():
            self.terminal.push_quote(symbol, bid, ask, now)
        return prices


async def open_group(engine: Engine, market: Market, n: int) -> None:
    """Order A and Order B of one group, with levels, as the desk places them."""
    assert engine.trading is not None
    symbol = list(START)[n % len(START)]
    spec = DEFAULT_SYMBOLS[symbol]
    side = Direction.BUY if n % 2 == 0 else Direction.SELL
    bid, ask = market.prices()[symbol]
    price = ask if side is Direction.BUY else bid
    step = side.sign * spec.pip_size
    sl = spec.round_price(price - SL_PIPS * step)
    ladder = {f"tp{k}": spec.round_price(price + k * TP1_PIPS * step) for k in (1, 2, 3)}
    group = f"Gbench{n:04d}"
    for kind, volume, tp in ((OrderKind.A, 0.10, ladder["tp3"]), (OrderKind.B, 0.05,
                                                                   ladder["tp1"])):
        client = new_client_id()
        result = await engine.trading.place(OrderIntent(
            client_id=client, symbol=symbol, direction=side, volume=volume, sl=sl, tp=tp,
            kind=kind, strategy="v6_price_action_5m", magic=magic_for("v6-5m", 505000),
            comment=make_comment("v6-5m", kind.value, client), group_id=group),
            position_extra(ladder, tp, spec.point / 2))
        assert result.ok, result.message


async def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = Engine(EngineOptions(
            data_dir=Path(scratch), secrets=Secrets(webhook_secret="bench", api_token="b"),
            webhook=False, market=False, frontends=False,
            config_overrides={"paper.demo_alerts": False, "voice.enabled": False,
                              "risk.weekend_block": False, "sessions.enabled": False}))
        await engine.start()
        try:
            await measure(engine, n)
        finally:
            await engine.stop()


async def measure(engine: Engine, n: int) -> None:
    assert engine.trading is not None and engine.manager is not None
    trading, manager = engine.trading, engine.manager
    market = Market(engine, seed=5)
    market.step()
    opened = 0
    while opened < GROUPS:
        await open_group(engine, market, opened)
        opened += 1
    assert len(trading.positions) == 2 * GROUPS
    quiet: list[float] = []
    acting: list[float] = []
    for _ in range(n):
        prices = market.step()
        await trading.refresh()
        started = time.perf_counter()
        acted = await manager.tick(prices=prices)
        elapsed = (time.perf_counter() - started) * 1e6
        (acting if acted else quiet).append(elapsed)
        while len(trading.positions) <= 2 * GROUPS - 2:  # keep 50 under management
            await open_group(engine, market, opened)
            opened += 1
    live: list[float] = []
    for _ in range(min(n, 2000)):
        market.step()
        await trading.refresh()
        started = time.perf_counter()
        await manager.tick()
        live.append((time.perf_counter() - started) * 1e6)
    every = quiet + acting
    print(f"trade manager, {2 * GROUPS} positions on {len(START)} symbols, {n:,} price "
          f"updates ({opened - GROUPS} groups re-opened after closes)")
    for label, values in (("every update", every), ("quiet updates", quiet),
                          ("updates that acted", acting), ("live path, broker quotes", live)):
        if values:
            print(f"  {label:<26} {len(values):>7,}  p50 {percentile(values, 50):8.1f} µs  "
                  f"p99 {percentile(values, 99):8.1f} µs  max {max(values):9.1f} µs")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    asyncio.run(run(n))


if __name__ == "__main__":
    main()
