"""Store latency: put, append, update_entry, append_many (durable and not); append vs size."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.storage import Store  # noqa: E402

POSITION = {
    "ticket": 123456789,
    "symbol": "XAUUSD",
    "side": "buy",
    "lots": 0.12,
    "open_price": 2350.25,
    "sl": 2340.0,
    "tp": [2355.0, 2360.0, 2370.0],
    "chain_id": "c-20240611-0007",
    "comment": "v5:ci=7f3a9c",
}
SIGNAL = {
    "source": "webhook",
    "format": "v6",
    "symbol": "EURUSD",
    "timeframe": "5m",
    "action": "sell",
    "price": 1.08412,
    "received_at": "2024-06-11T09:15:02.118+05:30",
    "raw": "EURUSD|SELL|5m|1.08412|sl=1.0852|tp=1.0822",
}


BATCH = 20  # records per append_many: a burst of alerts sharing one write


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1e3, p99 * 1e3


def _timed(action: Callable[[int], object], count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - started)
    return samples


def _latency(root: Path, count: int, durable: bool) -> None:
    with Store(root, durable=durable) as store:
        # A realistic positions table: a few dozen live documents, overwritten in turn.
        puts = _timed(lambda i: store.put("positions", f"t{i % 40}", {**POSITION, "n": i}), count)
        appends = _timed(lambda i: store.append("signals", {**SIGNAL, "n": i}), count)
        # The intake's outcome: a patch to a recent record.
        updates = _timed(lambda i: store.update_entry(
            "signals", count - i % 50, status="processed", outcome="executed", latency_ms=0.8),
            count)
        batch = [{**SIGNAL, "n": i} for i in range(BATCH)]
        groups = _timed(lambda i: store.append_many("signals", batch), count // BATCH)
        tails = _timed(lambda i: store.tail("signals", 50), count // BATCH)
    label = "durable" if durable else "non-durable"
    for name, samples in (("put", puts), ("append", appends), ("update_entry", updates),
                          (f"append_many({BATCH})", groups), ("tail(50)", tails)):
        p50, p99 = _percentiles(samples)
        print(f"{name:<17}{label:<13}p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   "
              f"(n={len(samples)})")


def _growth(root: Path, durable: bool, samples: int) -> None:
    with Store(root, durable=False) as filler:
        for i in range(100):
            filler.append("signals", {**SIGNAL, "n": i})
    with Store(root, durable=durable) as store:
        small = _timed(lambda i: store.append("signals", SIGNAL), samples)
    with Store(root, durable=False) as filler:
        while filler.count("signals") < 20_100:
            filler.append("signals", SIGNAL)
    with Store(root, durable=durable) as store:
        large = _timed(lambda i: store.append("signals", SIGNAL), samples)
        total = store.count("signals")
    small_p50, large_p50 = _percentiles(small)[0], _percentiles(large)[0]
    label = "durable" if durable else "non-durable"
    print(
        f"growth {label:<13}median append after 100 records {small_p50:.3f} ms, "
        f"after 20,100 records {large_p50:.3f} ms, ratio {large_p50 / small_p50:.2f} "
        f"(journal now {total} records)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="operations per measurement")
    parser.add_argument("--dir", type=Path, help="where to put the stores (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        base = Path(scratch)
        print(f"store bench in {base} (python {sys.version.split()[0]}, {sys.platform})")
        _latency(base / "durable", args.count, durable=True)
        _latency(base / "fast", args.count, durable=False)
        _growth(base / "growth_durable", durable=True, samples=200)
        _growth(base / "growth_fast", durable=False, samples=200)


if __name__ == "__main__":
    main()
