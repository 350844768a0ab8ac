"""Bar replay feed and live terminal feed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.brokers.feeds.bars import Bar, BarSeries, load_bars
from core.brokers.feeds.live import LiveQuoteFeed
from core.brokers.feeds.replay import ReplayFeed
from core.domain.symbols import SymbolSpec

T0 = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
EURUSD_FILE = Path("/work/shared/data/fx-m1/EURUSD.csv.gz")


def two_bars() -> BarSeries:
    return BarSeries.from_bars([
        Bar(T0, 1.08000, 1.08050, 1.07950, 1.08020),                       # bullish
        Bar(T0 + timedelta(minutes=1), 1.08020, 1.08060, 1.07990, 1.08000),  # bearish
    ])


def test_replay_walks_the_intrabar_path_with_spread() -> None:
    feed = ReplayFeed(two_bars(), "EURUSD", spread_pips=1.0)
    quotes = list(feed.quotes())
    assert [q.bid for q in quotes] == [1.08, 1.0795, 1.0805, 1.0802,
                                       1.0802, 1.0806, 1.0799, 1.08]
    assert [round((q.ask - q.bid) / 0.0001, 6) for q in quotes] == [1.0] * 8
    seconds = [(q.time - T0).total_seconds() for q in quotes]
    assert seconds == [0, 15, 30, 45, 60, 75, 90, 105]
    assert all(q.symbol == "EURUSD" for q in quotes)
    assert feed.done and list(feed.quotes()) == []
    feed.reset()
    assert feed.position == 0 and len(feed) == 8


def test_replay_paces_by_bars_per_second() -> None:
    feed = ReplayFeed(two_bars(), "EURUSD", 0.5, bars_per_second=1.0)
    wall = datetime(2025, 1, 1, tzinfo=UTC)
    assert len(feed.next_quotes(wall)) == 1                           # first tick at once
    assert feed.next_quotes(wall) == []                                # nothing new yet
    assert len(feed.next_quotes(wall + timedelta(seconds=0.5))) == 2   # 4 ticks per second
    assert len(feed.next_quotes(wall + timedelta(seconds=1))) == 2
    assert len(feed.next_quotes(wall + timedelta(seconds=60))) == 3    # the rest, no skips
    assert feed.done and feed.next_quotes(wall + timedelta(seconds=61)) == []


def test_replay_exposes_bars_and_needs_a_known_symbol() -> None:
    series = two_bars()
    feed = ReplayFeed(series, "EURUSD", 0.8)
    assert feed.bars is series and feed.symbol == "EURUSD" and feed.spec.digits == 5
    with pytest.raises(ValueError, match="unknown symbol"):
        ReplayFeed(series, "BTCUSD", 1.0)
    btc = SymbolSpec("BTCUSD", 1.0, 2, 1.0, 1, "HIGH", 100, 30)
    assert next(ReplayFeed(series, "BTCUSD", 30.0, spec=btc).quotes()).ask == 31.08
    with pytest.raises(ValueError):
        ReplayFeed(series, "EURUSD", -1.0)


def test_replay_of_real_file_is_fast() -> None:
    if not EURUSD_FILE.exists():
        pytest.skip(f"{EURUSD_FILE} not available")
    feed = ReplayFeed(load_bars(EURUSD_FILE), "EURUSD", 0.8)
    began = time.perf_counter()
    highest = 0.0
    for _t, _o, high, _low, _c, _v in feed.bars.rows():
        highest = max(highest, high)
    rate = len(feed.bars) / (time.perf_counter() - began)
    assert highest > 1.0
    assert rate > 300_000  # the offline fast path: bars per second
    first = next(feed.quotes())
    assert first.time == datetime(2017, 1, 2, 7, 0, tzinfo=UTC) and first.bid == 1.05155


@dataclass
class Tick:
    bid: float
    ask: float
    time: int = 0


class FakeTerminal:
    """Stand-in for the MetaTrader5 module (external): only symbol_info_tick."""

    def __init__(self, ticks: dict[str, Tick | None]) -> None:
        self.ticks = ticks
        self.calls: list[str] = []

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        self.calls.append(symbol)
        if symbol == "BROKEN":
            raise RuntimeError("IPC timeout")
        return self.ticks.get(symbol)


def test_live_feed_maps_broker_names_to_canonical() -> None:
    terminal = FakeTerminal({"EURUSD": Tick(1.08, 1.08008), "GOLD": Tick(2330.1, 2330.35)})
    feed = LiveQuoteFeed(terminal, ["EURUSD", "XAUUSD"], {"XAUUSD": "GOLD"})
    now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    quotes = feed.next_quotes(now)
    assert terminal.calls == ["EURUSD", "GOLD"]
    assert [(q.symbol, q.bid, q.ask, q.time) for q in quotes] == [
        ("EURUSD", 1.08, 1.08008, now), ("XAUUSD", 2330.1, 2330.35, now)]
    assert feed.missed_total == 0 and feed.broker_names["XAUUSD"] == "GOLD"


def test_live_feed_skips_and_counts_missing_ticks() -> None:
    terminal = FakeTerminal({"EURUSD": None, "GBPUSD": Tick(0.0, 0.0), "USDJPY": Tick(151, 151.01)})
    feed = LiveQuoteFeed(terminal, ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD"],
                         {"XAUUSD": "BROKEN"})
    for _ in range(3):
        quotes = feed.next_quotes()
        assert [q.symbol for q in quotes] == ["USDJPY"]
        assert quotes[0].time.tzinfo is UTC
    assert feed.missed == {"EURUSD": 3, "GBPUSD": 3, "XAUUSD": 3}
    assert feed.missed_total == 9
    assert "IPC timeout" in feed.last_error or "no tick" in feed.last_error


def test_live_feed_rejects_a_mapping_that_is_not_one_to_one() -> None:
    with pytest.raises(ValueError, match="one-to-one"):
        LiveQuoteFeed(FakeTerminal({}), ["XAUUSD", "GOLD"], {"XAUUSD": "GOLD"})
