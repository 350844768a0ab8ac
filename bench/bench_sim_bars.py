"""Replay throughput of SimTerminal.push_bar (bars/s) with 0 and 10 open positions under SL/TP."""

from __future__ import annotations

import argparse
import csv
import gzip
import time
from datetime import datetime
from pathlib import Path

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c

DEFAULT_DATA = Path("/work/shared/data/fx-m1/EURUSD.csv.gz")
SPREAD_POINTS = 8


def load(path: Path) -> list[tuple[int, float, float, float, float]]:
    """(epoch seconds, open, high, low, close) bid bars from a gzip CSV."""
    rows = []
    with gzip.open(path, "rt", newline="") as handle:
        for rec in csv.DictReader(handle):
            t = int(datetime.fromisoformat(rec["time_utc"].replace("Z", "+00:00")).timestamp())
            rows.append((t, float(rec["open"]), float(rec["high"]), float(rec["low"]),
                         float(rec["close"])))
    return rows


def _open(term: SimTerminal, buy: bool, price: float, stop: float) -> None:
    sl = round(price * (1 - stop if buy else 1 + stop), 5)
    tp = round(price * (1 + stop if buy else 1 - stop), 5)
    result = term.order_send({
        "action": c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.01,
        "type": c.ORDER_TYPE_BUY if buy else c.ORDER_TYPE_SELL, "sl": sl, "tp": tp,
        "magic": 505011, "type_filling": c.ORDER_FILLING_FOK,
    })
    assert result is not None and result.retcode == c.TRADE_RETCODE_DONE, result


def run(bars: list[tuple[int, float, float, float, float]], positions: int, stop: float,
        repeats: int) -> tuple[float, int]:
    """Best bars/s over `repeats` replays, and how many stops fired in the last one.

    Stops sit `stop` (a fraction of the price) from the entry; a position whose stop fires is
    re-opened at once, as the engine would, so the count of open positions stays constant.
    """
    best = 0.0
    fired = 0
    for _ in range(repeats):
        term = SimTerminal(balance=1_000_000.0)
        term.initialize()
        t0, o, h, lo, cl = bars[0]
        term.push_bar("EURUSD", t0, o, h, lo, cl, SPREAD_POINTS)
        for i in range(positions):
            _open(term, i % 2 == 0, cl, stop)
        push = term.push_bar
        seen = term.state_version
        fired = 0
        rest = bars[1:]
        started = time.perf_counter()
        for t, o, h, lo, cl in rest:
            push("EURUSD", t, o, h, lo, cl, SPREAD_POINTS)
            if term.state_version != seen:
                open_now = term.positions_get() or ()
                longs = sum(1 for p in open_now if p.type == c.POSITION_TYPE_BUY)
                shorts = len(open_now) - longs
                fired += positions - len(open_now)
                for _ in range(positions // 2 - longs):
                    _open(term, True, cl, stop)
                for _ in range(positions - positions // 2 - shorts):
                    _open(term, False, cl, stop)
                seen = term.state_version
        elapsed = time.perf_counter() - started
        best = max(best, len(rest) / elapsed)
    return best, fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bars = load(args.csv)
    print(f"{len(bars)} M1 bars from {args.csv.name}")
    scenarios = (
        (0, 0.2, "no position"),
        (10, 0.2, "10 positions, stops 20 % away (watched, never hit)"),
        (10, 0.002, "10 positions, stops ~22 pips away (hit, re-opened)"),
    )
    for positions, stop, label in scenarios:
        rate, fired = run(bars, positions, stop, args.repeats)
        print(f"{label:52s} {rate:12,.0f} bars/s  (best of {args.repeats}; "
              f"stops fired: {fired})")

if __name__ == "__main__":
    main()
