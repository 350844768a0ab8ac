"""The seeded synthetic quote generator."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from core.brokers.feeds.synthetic import PROFILES, YEAR_SECONDS, SyntheticFeed
from core.domain.orders import Quote
from core.domain.symbols import DEFAULT_SYMBOLS, SymbolSpec

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
ALL = list(DEFAULT_SYMBOLS.values())
MAIN = [DEFAULT_SYMBOLS[s] for s in ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")]


def run(feed: SyntheticFeed, steps: int, seconds: float = 1.0) -> list[list[Quote]]:
    return [feed.next_quotes(START + timedelta(seconds=seconds * (i + 1))) for i in range(steps)]


@pytest.fixture(scope="module")
def long_run() -> list[list[Quote]]:
    return run(SyntheticFeed(ALL, seed=7, start=START), 10_000)


def test_same_seed_same_sequence_other_seed_differs() -> None:
    a = run(SyntheticFeed(MAIN, 42, START), 2_000)
    b = run(SyntheticFeed(MAIN, 42, START), 2_000)
    c = run(SyntheticFeed(MAIN, 43, START), 2_000)
    assert a == b
    assert a != c


def test_one_quote_per_symbol_stamped_now(long_run: list[list[Quote]]) -> None:
    for i, step in enumerate(long_run[:50]):
        assert [q.symbol for q in step] == [s.name for s in ALL]
        assert all(q.time == START + timedelta(seconds=i + 1) for q in step)


def test_spreads_positive_and_plausible(long_run: list[list[Quote]]) -> None:
    for step in long_run:
        for q, spec in zip(step, ALL, strict=True):
            spread = q.ask - q.bid
            typical = spec.typical_spread_pips * spec.pip_size
            assert spread > 0
            assert typical - spec.point * 1.01 <= spread <= typical * 1.35 + spec.point * 1.01


def test_digits_respected(long_run: list[list[Quote]]) -> None:
    for step in long_run[::97]:
        for q, spec in zip(step, ALL, strict=True):
            for price in (q.bid, q.ask):
                assert round(price, spec.digits) == price
                assert len(repr(price).split(".")[1]) <= spec.digits


def test_starts_near_recent_levels() -> None:
    first = SyntheticFeed(ALL, 7, START).next_quotes(START + timedelta(seconds=1))
    for q in first:
        assert q.bid == pytest.approx(PROFILES[q.symbol].start_price, rel=0.002)
    levels = {q.symbol: q.bid for q in first}
    assert 1.07 < levels["EURUSD"] < 1.09 and 2300 < levels["XAUUSD"] < 2360
    assert 150 < levels["USDJPY"] < 152 and 1.26 < levels["GBPUSD"] < 1.28


def test_prices_stay_in_realistic_ranges(long_run: list[list[Quote]]) -> None:
    for column, spec in enumerate(ALL):
        bids = np.array([step[column].bid for step in long_run])
        start = PROFILES[spec.name].start_price
        assert bids.min() > start * 0.95 and bids.max() < start * 1.05, spec.name


@pytest.mark.parametrize("horizon", [1, 60, 300])
def test_realised_volatility_near_target(long_run: list[list[Quote]], horizon: int) -> None:
    for column, spec in enumerate(ALL):
        logs = np.log([step[column].bid for step in long_run[::horizon]])
        realised = float(np.std(np.diff(logs))) * math.sqrt(YEAR_SECONDS / horizon)
        target = PROFILES[spec.name].annual_vol
        assert target / 2 < realised < target * 2, (spec.name, horizon, realised)


def test_trend_regimes_flip_within_minutes() -> None:
    feed = SyntheticFeed(MAIN, 7, START)
    signs = []
    for i in range(3_600):
        feed.next_quotes(START + timedelta(seconds=i + 1))
        signs.append([feed.regime(s.name) for s in MAIN])
    flips = (np.diff(np.array(signs), axis=0) != 0).sum(axis=0)
    assert all(5 <= f <= 60 for f in flips.tolist())  # mean regime 3 min -> ~20 per hour


def test_zero_elapsed_time_keeps_the_price() -> None:
    feed = SyntheticFeed(MAIN, 7, START)
    before = feed.next_quotes(START + timedelta(seconds=1))
    again = feed.next_quotes(START + timedelta(seconds=1))
    assert [q.bid for q in before] == [q.bid for q in again]
    assert feed.last_quote("EURUSD") == again[0]


def test_history_bars_end_at_current_price_and_leave_live_sequence_alone() -> None:
    feed = SyntheticFeed(MAIN, 7, START)
    twin = SyntheticFeed(MAIN, 7, START)
    now = START + timedelta(seconds=90)
    current = feed.next_quotes(now)
    twin.next_quotes(now)
    history = feed.bars("EURUSD", 240, now)
    assert len(history) == 240 and history.period_seconds == 60
    assert history.last_time == datetime(2025, 1, 6, 8, 0, tzinfo=UTC)  # last whole minute
    assert bool(np.all(np.diff(history.times) == 60))
    assert history[-1].close == current[0].bid
    assert bool(np.all(history.high >= np.maximum(history.open, history.close)))
    assert bool(np.all(history.low <= np.minimum(history.open, history.close)))
    assert bool(np.all(np.round(history.close, 5) == history.close))
    assert abs(history[0].open / current[0].bid - 1) < 0.02
    assert np.array_equal(feed.bars("EURUSD", 240, now).close, history.close)
    later = START + timedelta(seconds=91)
    assert feed.next_quotes(later) == twin.next_quotes(later)


def test_unknown_symbol_gets_a_plausible_profile() -> None:
    odd = SymbolSpec("CHFSEK", 0.0001, 5, 10.0, 100_000, "LOW", 10, 2.0)
    quote = SyntheticFeed([odd], 1, START).next_quotes(START + timedelta(seconds=1))[0]
    assert 0.9 < quote.bid < 1.1 and quote.ask > quote.bid


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        SyntheticFeed([], 1, START)
    with pytest.raises(ValueError):
        SyntheticFeed([MAIN[0], MAIN[0]], 1, START)
    with pytest.raises(ValueError):
        SyntheticFeed(MAIN, 1, datetime(2025, 1, 1))


def test_step_cost_well_under_50_microseconds_per_symbol() -> None:
    feed = SyntheticFeed(ALL, 3, START)
    times = [START + timedelta(seconds=i + 1) for i in range(3_000)]
    began = time.perf_counter()
    for now in times:
        feed.next_quotes(now)
    per_symbol_step = (time.perf_counter() - began) / (len(times) * len(ALL))
    assert per_symbol_step < 50e-6
