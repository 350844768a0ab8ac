"""OHLC bars: a compact column store, a validating CSV loader, resampling and intrabar paths.

Intrabar path: one bar becomes four ticks. A bullish bar (close >= open) is walked
O -> L -> H -> C, a bearish bar O -> H -> L -> C. This is the conservative convention: the
adverse extreme of the bar's own direction comes first, so a stop inside the bar's range is
touched before a target in the same bar, and replays never flatter a strategy.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.domain.enums import Timeframe

HEADER = "time_utc,open,high,low,close,volume"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TIMEFRAME_SECONDS: dict[Timeframe, int] = {
    Timeframe.M1: 60, Timeframe.M5: 300, Timeframe.M15: 900,
    Timeframe.H1: 3600, Timeframe.H4: 14_400, Timeframe.D1: 86_400,
}
# Where the four path points of a bar sit, as fractions of the bar's period.
PATH_OFFSETS: tuple[float, float, float, float] = (0.0, 0.25, 0.5, 0.75)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class BarFileError(ValueError):
    """A bar file that cannot be used; names the file, the 1-based line and the problem."""

    def __init__(self, path: Path | str, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar; `time` is the bar's open time (UTC)."""

    time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0

    @property
    def bullish(self) -> bool:
        return self.close >= self.open


def intrabar_path(bar: Bar) -> tuple[float, float, float, float]:
    """The four prices a bar is replayed through (module docstring: conservative order)."""
    if bar.close >= bar.open:
        return (bar.open, bar.low, bar.high, bar.close)
    return (bar.open, bar.high, bar.low, bar.close)


def _readonly(values: object, dtype: type) -> npt.NDArray[np.generic]:
    array: npt.NDArray[np.generic] = np.array(values, dtype=dtype, copy=True)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class BarSeries:
    """Bars as read-only numpy columns; `times` are epoch seconds of the bar open, increasing."""

    times: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    period_seconds: int = 60
    source: str = ""

    def __post_init__(self) -> None:
        # Copies, so no caller can mutate a series behind a replay's back.
        object.__setattr__(self, "times", _readonly(self.times, np.int64))
        for name in ("open", "high", "low", "close", "volume"):
            object.__setattr__(self, name, _readonly(getattr(self, name), np.float64))
        n = len(self.times)
        if any(len(getattr(self, c)) != n for c in ("open", "high", "low", "close", "volume")):
            raise ValueError("BarSeries columns differ in length")
        if n > 1 and bool(np.any(np.diff(self.times) <= 0)):
            raise ValueError("BarSeries times must be strictly increasing")
        if self.period_seconds <= 0:
            raise ValueError("period_seconds must be positive")

    @classmethod
    def from_bars(cls, bars: Iterable[Bar], period_seconds: int = 60,
                  source: str = "") -> BarSeries:
        items = list(bars)
        return cls(
            times=np.array([int(b.time.timestamp()) for b in items], dtype=np.int64),
            open=np.array([b.open for b in items], dtype=np.float64),
            high=np.array([b.high for b in items], dtype=np.float64),
            low=np.array([b.low for b in items], dtype=np.float64),
            close=np.array([b.close for b in items], dtype=np.float64),
            volume=np.array([b.volume for b in items], dtype=np.float64),
            period_seconds=period_seconds, source=source,
        )

    def __len__(self) -> int:
        return len(self.times)

    def __getitem__(self, index: int) -> Bar:
        return Bar(datetime.fromtimestamp(int(self.times[index]), UTC),
                   float(self.open[index]), float(self.high[index]), float(self.low[index]),
                   float(self.close[index]), float(self.volume[index]))

    def __iter__(self) -> Iterator[Bar]:
        for t, o, h, low, c, v in self.rows():
            yield Bar(datetime.fromtimestamp(t, UTC), o, h, low, c, v)

    def rows(self) -> Iterator[tuple[int, float, float, float, float, float]]:
        """Plain tuples (epoch, o, h, l, c, v): the fast path for loops over many bars."""
        return zip(self.times.tolist(), self.open.tolist(), self.high.tolist(),
                   self.low.tolist(), self.close.tolist(), self.volume.tolist(), strict=True)

    @property
    def first_time(self) -> datetime:
        return datetime.fromtimestamp(int(self.times[0]), UTC)

    @property
    def last_time(self) -> datetime:
        return datetime.fromtimestamp(int(self.times[-1]), UTC)

    def slice(self, start: int, stop: int | None = None) -> BarSeries:
        return BarSeries(self.times[start:stop], self.open[start:stop], self.high[start:stop],
                         self.low[start:stop], self.close[start:stop],
                         self.volume[start:stop], self.period_seconds, self.source)

    def between(self, start: datetime, end: datetime) -> BarSeries:
        """Bars opening in [start, end)."""
        lo = int(np.searchsorted(self.times, int(start.timestamp()), side="left"))
        hi = int(np.searchsorted(self.times, int(end.timestamp()), side="left"))
        return self.slice(lo, hi)

    def intrabar_paths(self) -> FloatArray:
        """(n, 4) array of the path prices of every bar (vectorised intrabar_path)."""
        bullish = self.close >= self.open
        second = np.where(bullish, self.low, self.high)
        third = np.where(bullish, self.high, self.low)
        return np.column_stack((self.open, second, third, self.close))

    def resample(self, timeframe: Timeframe | str) -> BarSeries:
        return resample(self, timeframe)


def timeframe_seconds(timeframe: Timeframe | str) -> int:
    return TIMEFRAME_SECONDS[Timeframe(timeframe)]


def resample(series: BarSeries, timeframe: Timeframe | str) -> BarSeries:
    """Aggregate to a longer timeframe; buckets are aligned to the UTC epoch (1d = UTC day).

    A bucket's bar is stamped with the bucket's open time, like MT5 and TradingView, and
    exists only if at least one source bar fell into it (gaps stay gaps).
    """
    period = timeframe_seconds(timeframe)
    if period % series.period_seconds:
        raise ValueError(f"cannot resample {series.period_seconds}s bars to {period}s")
    if len(series) == 0 or period == series.period_seconds:
        return BarSeries(series.times, series.open, series.high, series.low, series.close,
                         series.volume, period, series.source)
    buckets = series.times // period * period
    starts = np.concatenate(([0], np.flatnonzero(np.diff(buckets)) + 1))
    ends = np.concatenate((starts[1:], [len(series)])) - 1
    return BarSeries(
        times=buckets[starts],
        open=series.open[starts],
        high=np.maximum.reduceat(series.high, starts),
        low=np.minimum.reduceat(series.low, starts),
        close=series.close[ends],
        volume=np.add.reduceat(series.volume, starts),
        period_seconds=period, source=series.source,
    )


def write_bars(path: Path | str, series: BarSeries, decimals: int = 6) -> Path:
    """Write a series in the loader's format (gzip when the name ends in .gz)."""
    target = Path(path)
    lines = [HEADER]
    for t, o, h, low, c, v in series.rows():
        stamp = datetime.fromtimestamp(t, UTC).strftime(TIME_FORMAT)
        lines.append(f"{stamp},{o:.{decimals}f},{h:.{decimals}f},{low:.{decimals}f},"
                     f"{c:.{decimals}f},{v:g}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    target.write_bytes(gzip.compress(data) if target.name.endswith(".gz") else data)
    return target


def load_bars(path: Path | str, period_seconds: int = 60) -> BarSeries:
    """Load a `time_utc,open,high,low,close,volume` CSV (plain or .gz) and validate every row.

    The fast path parses whole columns with numpy; when anything is off, a row-by-row pass
    finds the first offending line so the error names it.
    """
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise BarFileError(source, 0, f"cannot read file ({exc.strerror or exc})") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise BarFileError(source, 0, f"corrupt gzip data ({exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BarFileError(source, line, "not UTF-8 text") from exc
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip("\n")
    header, _, body = text.partition("\n")
    if header.strip().replace(" ", "") != HEADER:
        raise BarFileError(source, 1, f"header must be '{HEADER}', found '{header[:80]}'")
    if not body:
        raise BarFileError(source, 2, "no bars after the header")
    columns = _fast_columns(body)
    times, values = columns if columns is not None else _slow_columns(source, body.split("\n"))
    _check_values(source, times, values, body)
    return BarSeries(times, values[:, 0], values[:, 1], values[:, 2], values[:, 3],
                     values[:, 4], period_seconds, str(source))


def _fast_columns(body: str) -> tuple[IntArray, FloatArray] | None:
    """Columns parsed in bulk, or None when any field is malformed (caller then scans)."""
    rows = body.count("\n") + 1
    fields = body.replace("\n", ",").split(",")
    if len(fields) != rows * 6:
        return None
    try:
        stamps = np.array(fields[0::6], dtype="S21")
    except UnicodeEncodeError:
        return None
    raw = stamps.view(np.uint8).reshape(-1, 21)
    digits = raw[:, [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]]
    shape_ok = (
        (raw[:, 4] == 45) & (raw[:, 7] == 45) & (raw[:, 10] == 84) & (raw[:, 13] == 58)
        & (raw[:, 16] == 58) & (raw[:, 19] == 90) & (raw[:, 20] == 0)
        & np.all((digits >= 48) & (digits <= 57), axis=1)
    )
    if not bool(np.all(shape_ok)):
        return None
    try:
        times = np.ascontiguousarray(raw[:, :19]).view("S19").ravel()
        epoch = times.astype("datetime64[s]").astype(np.int64)
        del fields[0::6]
        values = np.array(fields, dtype=np.float64).reshape(rows, 5)
    except ValueError:
        return None
    return epoch, values


def _slow_columns(source: Path, lines: Sequence[str]) -> tuple[IntArray, FloatArray]:
    """Row-by-row parse and validation; raises at the first offending line."""
    previous: int | None = None
    epochs: list[int] = []
    rows: list[list[float]] = []
    for number, line in enumerate(lines, start=2):
        parts = line.split(",")
        if len(parts) != 6:
            what = "empty line" if not line.strip() else f"{len(parts)} fields, expected 6"
            raise BarFileError(source, number, what)
        try:
            stamp = datetime.strptime(parts[0].strip(), TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise BarFileError(source, number, f"time '{parts[0][:40]}' is not ISO 8601 UTC "
                               "like 2017-01-06T13:30:00Z") from None
        numbers: list[float] = []
        for name, text in zip(("open", "high", "low", "close", "volume"), parts[1:], strict=True):
            try:
                numbers.append(float(text))
            except ValueError:
                raise BarFileError(source, number,
                                   f"{name} '{text[:40]}' is not a number") from None
        _check_row(source, number, numbers)
        epoch = int(stamp.timestamp())
        if previous is not None and epoch <= previous:
            raise BarFileError(source, number, "time is not after the previous row's "
                               "(rows must be sorted by time, without duplicates)")
        previous = epoch
        epochs.append(epoch)
        rows.append(numbers)
    return np.array(epochs, dtype=np.int64), np.array(rows, dtype=np.float64).reshape(-1, 5)


def _check_row(source: Path, number: int, values: Sequence[float]) -> None:
    o, h, low, c, v = values
    if not all(math.isfinite(x) and x > 0 for x in (o, h, low, c)):
        raise BarFileError(source, number, "prices must be finite and > 0")
    if not (math.isfinite(v) and v >= 0):
        raise BarFileError(source, number, "volume must be finite and >= 0")
    if h < low:
        raise BarFileError(source, number, f"high {h} < low {low}")
    if h < max(o, c) or low > min(o, c):
        raise BarFileError(source, number, "open/close outside the [low, high] range")


def _check_values(source: Path, times: IntArray, values: FloatArray, body: str) -> None:
    prices = values[:, :4]
    o, h, low, c, v = (values[:, i] for i in range(5))
    bad = (~np.all(np.isfinite(prices) & (prices > 0), axis=1)
           | ~(np.isfinite(v) & (v >= 0))
           | (h < low) | (h < np.maximum(o, c)) | (low > np.minimum(o, c)))
    if len(times) > 1:
        bad[1:] |= np.diff(times) <= 0
    if bool(np.any(bad)):
        first = int(np.argmax(bad))
        # Re-run the row checks from the first bad row to get the precise message.
        lines = body.split("\n")
        _slow_columns(source, lines[: first + 1])
        raise BarFileError(source, first + 2, "invalid row")
