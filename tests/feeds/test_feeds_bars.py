"""Bar loader, validation, resampling and intrabar paths."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.brokers.feeds.bars import (
    HEADER,
    Bar,
    BarFileError,
    BarSeries,
    intrabar_path,
    load_bars,
    resample,
    write_bars,
)

DATA = Path("/work/shared/data/fx-m1")
T0 = datetime(2024, 3, 4, 10, 0, tzinfo=UTC)

EXPECTED = {  # from the data set's README
    "EURUSD": (71_373, "2017-01-02T07:00:00", "2017-03-10T21:59:00"),
    "GBPUSD": (71_352, "2017-01-02T07:00:00", "2017-03-10T21:59:00"),
    "USDJPY": (71_367, "2017-01-02T07:00:00", "2017-03-10T21:59:00"),
    "XAUUSD": (66_999, "2017-01-02T23:01:00", "2017-03-10T21:59:00"),
}


@pytest.mark.parametrize("symbol", sorted(EXPECTED))
def test_loads_real_fx_m1_files(symbol: str) -> None:
    path = DATA / f"{symbol}.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not available")
    series = load_bars(path)
    rows, first, last = EXPECTED[symbol]
    assert len(series) == rows
    assert series.first_time == datetime.fromisoformat(first).replace(tzinfo=UTC)
    assert series.last_time == datetime.fromisoformat(last).replace(tzinfo=UTC)
    assert series.period_seconds == 60
    assert bool(np.all(np.diff(series.times) > 0))
    assert bool(np.all(series.high >= series.low))


def test_real_eurusd_first_bar_values() -> None:
    path = DATA / "EURUSD.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not available")
    bar = load_bars(path)[0]
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        1.05155, 1.05197, 1.05155, 1.0519, 0.0)


def _csv(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "b.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = [
    "2024-03-04T10:00:00Z,1.08000,1.08050,1.07950,1.08020,0",
    "2024-03-04T10:01:00Z,1.08020,1.08030,1.07990,1.08000,3",
    "2024-03-04T10:02:00Z,1.08000,1.08100,1.08000,1.08090,0",
]


def test_tiny_csv_loads(tmp_path: Path) -> None:
    series = load_bars(_csv(tmp_path, GOOD))
    assert len(series) == 3
    assert series[1] == Bar(T0 + timedelta(minutes=1), 1.0802, 1.0803, 1.0799, 1.08, 3.0)
    assert [b.time for b in series] == [T0 + timedelta(minutes=i) for i in range(3)]
    assert series.source.endswith("b.csv")


@pytest.mark.parametrize("name", ["round.csv", "round.csv.gz"])
def test_write_then_load_round_trips(tmp_path: Path, name: str) -> None:
    original = load_bars(_csv(tmp_path, GOOD))
    again = load_bars(write_bars(tmp_path / name, original))
    for column in ("times", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(original, column), getattr(again, column))
    if name.endswith(".gz"):
        assert (tmp_path / name).read_bytes()[:2] == b"\x1f\x8b"


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes(("\ufeff" + "\r\n".join([HEADER, *GOOD]) + "\r\n").encode("utf-8"))
    assert len(load_bars(path)) == 3


def test_gzip_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "packed.dat"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *GOOD]) + "\n").encode()))
    assert len(load_bars(path)) == 3


@pytest.mark.parametrize(
    ("rows", "line", "words"),
    [
        ([GOOD[0], "2024-03-04T10:01:00Z,1.08020,abc,1.07990,1.08000,0"], 3,
         "high 'abc' is not a number"),
        ([GOOD[0], GOOD[1], "2024-03-04T10:02:00Z,1.08000,1.07900,1.08000,1.07950,0"], 4,
         "high 1.079 < low 1.08"),
        ([GOOD[0], GOOD[2], GOOD[1]], 4, "not after the previous row"),
        ([GOOD[0], GOOD[0]], 3, "not after the previous row"),
        ([GOOD[0], "2024-03-04 10:01:00,1.08,1.081,1.079,1.08,0"], 3, "not ISO 8601 UTC"),
        ([GOOD[0], "2024-13-04T10:01:00Z,1.08,1.081,1.079,1.08,0"], 3, "not ISO 8601 UTC"),
        ([GOOD[0], "2024-03-04T10:01:00Z,1.08,1.081,1.079,1.08"], 3, "5 fields, expected 6"),
        ([GOOD[0], "", GOOD[1]], 3, "empty line"),
        ([GOOD[0], "2024-03-04T10:01:00Z,-1.08,1.081,1.079,1.08,0"], 3, "finite and > 0"),
        ([GOOD[0], "2024-03-04T10:01:00Z,1.08,1.081,1.079,nan,0"], 3, "finite and > 0"),
        ([GOOD[0], "2024-03-04T10:01:00Z,1.09,1.081,1.079,1.08,0"], 3, "outside the [low"),
        ([GOOD[0], "2024-03-04T10:01:00Z,1.08,1.081,1.079,1.08,-5"], 3, "volume"),
    ],
)
def test_bad_rows_are_rejected_naming_the_line(
        tmp_path: Path, rows: list[str], line: int, words: str) -> None:
    path = _csv(tmp_path, rows)
    with pytest.raises(BarFileError) as info:
        load_bars(path)
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_bad_header_is_rejected(tmp_path: Path) -> None:
    path = _csv(tmp_path, GOOD, header="time,open,high,low,close")
    with pytest.raises(BarFileError, match=r":1: header must be"):
        load_bars(path)


def test_header_only_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BarFileError, match=":2: no bars"):
        load_bars(_csv(tmp_path, []))
    with pytest.raises(BarFileError, match="cannot read file"):
        load_bars(tmp_path / "absent.csv")


def _series(closes_by_minute: dict[int, tuple[float, float, float, float]]) -> BarSeries:
    bars = [Bar(T0 + timedelta(minutes=m), *ohlc) for m, ohlc in sorted(closes_by_minute.items())]
    return BarSeries.from_bars(bars)


def test_resample_to_5m_gives_exact_ohlc() -> None:
    series = _series({
        0: (10, 12, 9, 11), 1: (11, 15, 10, 14), 4: (14, 14, 8, 9),  # bucket 10:00
        5: (9, 10, 7, 8), 9: (8, 13, 8, 12),                         # bucket 10:05
        11: (12, 12, 11, 11.5),                                       # bucket 10:10 (gap)
    })
    five = resample(series, "5m")
    assert five.period_seconds == 300
    assert [b.time for b in five] == [T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)]
    assert [(b.open, b.high, b.low, b.close) for b in five] == [
        (10, 15, 8, 9), (9, 13, 7, 12), (12, 12, 11, 11.5)]


def test_resample_to_1h_and_1d_align_to_utc() -> None:
    series = _series({58: (1, 2, 0.5, 1.5), 59: (1.5, 3, 1.4, 2.5), 60: (2.5, 2.6, 2.0, 2.1),
                      61: (2.1, 2.2, 1.0, 1.2)})
    hourly = series.resample("1h")
    assert [b.time for b in hourly] == [T0, T0 + timedelta(hours=1)]
    assert [(b.open, b.high, b.low, b.close) for b in hourly] == [
        (1, 3, 0.5, 2.5), (2.5, 2.6, 1.0, 1.2)]
    daily = series.resample("1d")
    assert len(daily) == 1
    assert daily[0].time == datetime(2024, 3, 4, tzinfo=UTC)
    assert (daily[0].open, daily[0].high, daily[0].low, daily[0].close) == (1, 3, 0.5, 1.2)
    assert series.resample("1m").period_seconds == 60
    with pytest.raises(ValueError, match="cannot resample"):
        hourly.resample("15m")


def test_intrabar_path_bullish_and_bearish() -> None:
    bull = Bar(T0, 1.0, 1.5, 0.8, 1.2)
    bear = Bar(T0, 1.2, 1.5, 0.8, 1.0)
    doji = Bar(T0, 1.1, 1.3, 0.9, 1.1)
    assert intrabar_path(bull) == (1.0, 0.8, 1.5, 1.2)  # O L H C
    assert intrabar_path(bear) == (1.2, 1.5, 0.8, 1.0)  # O H L C
    assert intrabar_path(doji) == (1.1, 0.9, 1.3, 1.1)  # close == open counts as bullish
    series = BarSeries.from_bars([bull, Bar(T0 + timedelta(minutes=1), 1.2, 1.5, 0.8, 1.0)])
    assert series.intrabar_paths().tolist() == [list(intrabar_path(b)) for b in series]


def test_series_is_read_only_and_sorted() -> None:
    series = _series({0: (1, 2, 0.5, 1.5), 1: (1.5, 2, 1, 1.2)})
    with pytest.raises(ValueError):
        series.close[0] = 3.0
    with pytest.raises(ValueError, match="strictly increasing"):
        BarSeries.from_bars([Bar(T0, 1, 1, 1, 1), Bar(T0, 1, 1, 1, 1)])
    window = series.between(T0 + timedelta(minutes=1), T0 + timedelta(minutes=5))
    assert len(window) == 1 and window[0].close == 1.2
    assert list(series.rows())[0] == (int(T0.timestamp()), 1.0, 2.0, 0.5, 1.5, 0.0)
