"""The V6 pulse store and computed market state (SPEC §4.3.5), fed by real V6 alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.domain.symbols import DEFAULT_SYMBOLS
from core.events import Event, MarketStateChanged
from core.signals.pulse_store import PulseStore, market_state
from core.signals.stores import SharedStores
from core.signals.v6 import parse_v6
from core.storage.store import Store
from core.strategies.trend_store import TrendStore
from tests.conftest import WEDNESDAY
from tests.strategies.v6_support import pulse, state_change


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store", durable=False) as opened:
        yield opened


class Feed:
    """The shared-store step of the intake, on a real store, with the events it raises."""

    def __init__(self, store: Store) -> None:
        self.clock = FrozenClock(WEDNESDAY)
        self.pulses = PulseStore(store)
        self.events: list[Event] = []
        self.stores = SharedStores(TrendStore(store), self.clock, self.pulses,
                                   publish=self.events.append)

    def send(self, text: str) -> str:
        decision = self.stores.apply(parse_v6(text, DEFAULT_SYMBOLS, self.clock.now()))
        assert decision is not None
        return decision.reason

    def changes(self) -> list[tuple[str, str, str, str]]:
        return [(e.symbol, e.timeframe, e.previous, e.state) for e in self.events
                if isinstance(e, MarketStateChanged)]


@pytest.mark.parametrize(("bull", "bear", "state"), [
    (6, 0, "TRENDING_BULLISH"), (4, 1, "TRENDING_BULLISH"), (3, 0, "TRENDING_BULLISH"),
    (5, 3, "WEAK_BULLISH"), (2, 0, "WEAK_BULLISH"),
    (2, 1, "SIDEWAYS"), (3, 3, "SIDEWAYS"), (0, 0, "SIDEWAYS"), (1, 2, "SIDEWAYS"),
    (3, 5, "WEAK_BEARISH"), (0, 2, "WEAK_BEARISH"),
    (0, 3, "TRENDING_BEARISH"), (1, 4, "TRENDING_BEARISH"), (0, 6, "TRENDING_BEARISH"),
])
def test_market_state_table(bull: int, bear: int, state: str) -> None:
    assert market_state(bull, bear) == state


def test_pulse_alert_fills_the_record_of_its_symbol_and_chart_timeframe(store: Store) -> None:
    feed = Feed(store)
    assert feed.send("TREND_PULSE|XAUUSD|60|5|1|15,240|TRENDING_BULLISH") == "PULSE_UPDATED"
    record = feed.pulses.get("XAUUSD", "1h")
    assert record is not None
    assert (record.bull_count, record.bear_count, record.changed_tfs) == (5, 1, ("15m", "4h"))
    assert (record.state, record.reported_state, record.has_counts) == \
        ("TRENDING_BULLISH", "TRENDING_BULLISH", True)
    assert record.updated_at == WEDNESDAY.isoformat()
    assert record.aligned("BUY") and not record.aligned("SELL")
    assert feed.pulses.get("XAUUSD", "15m") is None


def test_records_survive_a_restart(store: Store) -> None:
    feed = Feed(store)
    feed.send(pulse("15m", 1, 4, "TRENDING_BEARISH"))
    reopened = PulseStore(store).get("EURUSD", "15m")
    assert reopened == feed.pulses.get("EURUSD", "15m")
    assert reopened is not None and reopened.state == "TRENDING_BEARISH"


def test_a_change_of_computed_state_raises_market_state_changed(store: Store) -> None:
    feed = Feed(store)
    feed.send(pulse("15m", 4, 1))              # first record: nothing to change from
    feed.send(pulse("15m", 5, 1))              # still TRENDING_BULLISH: no event
    assert feed.changes() == []
    feed.send(pulse("15m", 3, 3))
    feed.send(pulse("15m", 1, 3))
    feed.send(pulse("1h", 1, 3))               # another key: its own first record
    assert feed.changes() == [("EURUSD", "15m", "TRENDING_BULLISH", "SIDEWAYS"),
                              ("EURUSD", "15m", "SIDEWAYS", "WEAK_BEARISH")]
    last = [e for e in feed.events if isinstance(e, MarketStateChanged)][-1]
    assert (last.bull_count, last.bear_count) == (1, 3)


def test_state_change_sets_the_reported_state_and_keeps_the_counts(store: Store) -> None:
    feed = Feed(store)
    feed.send(pulse("15m", 5, 1, "TRENDING_BULLISH"))
    assert feed.send(state_change("15m", "CHOPPY")) == "STATE_REPORTED"
    record = feed.pulses.get("EURUSD", "15m")
    assert record is not None
    assert (record.reported_state, record.state, record.bull_count, record.has_counts) == \
        ("CHOPPY", "TRENDING_BULLISH", 5, True)
    assert feed.changes() == []  # the computed state did not move


def test_state_change_alone_makes_a_record_without_counts(store: Store) -> None:
    feed = Feed(store)
    feed.send(state_change("1h", "SIDEWAYS"))
    record = feed.pulses.get("EURUSD", "1h")
    assert record is not None and not record.has_counts
    assert record.reported_state == "SIDEWAYS"
    feed.send(pulse("1h", 0, 4))               # the first counts: no "change" from nothing
    assert feed.changes() == []
    after = feed.pulses.get("EURUSD", "1h")
    assert after is not None and (after.state, after.reported_state) == \
        ("TRENDING_BEARISH", "SIDEWAYS")


def test_a_later_pulse_report_replaces_the_reported_state(store: Store) -> None:
    feed = Feed(store)
    feed.send(state_change("15m", "CHOPPY"))
    feed.send(pulse("15m", 5, 1, "TRENDING_BULLISH"))
    record = feed.pulses.get("EURUSD", "15m")
    assert record is not None and record.reported_state == "TRENDING_BULLISH"
