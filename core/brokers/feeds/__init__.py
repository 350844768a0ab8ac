"""Price feeds for the simulated terminal: bar replay, seeded synthetic quotes, live terminal."""

from core.brokers.feeds.bars import (
    Bar,
    BarFileError,
    BarSeries,
    intrabar_path,
    load_bars,
    resample,
    write_bars,
)
from core.brokers.feeds.live import LiveQuoteFeed
from core.brokers.feeds.replay import ReplayFeed
from core.brokers.feeds.synthetic import SyntheticFeed

__all__ = [
    "Bar",
    "BarFileError",
    "BarSeries",
    "LiveQuoteFeed",
    "ReplayFeed",
    "SyntheticFeed",
    "intrabar_path",
    "load_bars",
    "resample",
    "write_bars",
]
