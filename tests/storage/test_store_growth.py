"""Growth: appending to a journal of 20,000 records costs what appending to one of 100 does."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from core.storage import Store

RECORD = {"symbol": "XAUUSD", "side": "buy", "price": 2350.25, "sl": 2340.0, "note": "x" * 60}
SAMPLES = 200


def _median_append(store: Store) -> float:
    durations = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        store.append("signals", RECORD)
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


@pytest.mark.slow
def test_append_time_does_not_grow_with_the_journal(tmp_path: Path) -> None:
    # Not durable: fsync latency is noise here; what must not grow is the work per append.
    with Store(tmp_path, durable=False) as store:
        for i in range(100):
            store.append("signals", {"i": i})
        small = _median_append(store)
        while store.count("signals") < 20_100:
            store.append("signals", {"i": 0})
        # 20,100 rather than 20,000: the newest segment then holds as many records as in the
        # small case, so the ratio isolates the effect of the journal's total size.
        large = _median_append(store)
        assert store.count("signals") == 20_100 + SAMPLES
    assert large / small < 3, f"median append {small * 1e3:.3f} ms -> {large * 1e3:.3f} ms"
