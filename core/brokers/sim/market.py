"""Per-symbol market state of the simulated terminal: quotes, M1 history, stop thresholds."""

from __future__ import annotations

import fnmatch
import math
from array import array
from collections.abc import Mapping
from datetime import datetime

import numpy as np

from core.brokers.sim import constants as c
from core.brokers.sim.types import RATES_DTYPE
from core.domain.symbols import SymbolSpec

INF = math.inf

# SymbolInfo fields a test or the operator may override per symbol.
OVERRIDABLE = frozenset(
    {
        "filling_mode", "trade_exemode", "trade_stops_level", "trade_freeze_level", "trade_mode",
        "volume_min", "volume_max", "volume_step",
    }
)


class SymbolState:
    """One symbol as the terminal knows it (broker name). Mutated only under the terminal lock."""

    __slots__ = (
        "name", "spec", "point", "digits", "contract", "base", "profit_ccy", "margin_ccy",
        "bid", "ask", "time_msc", "has_quote", "selected", "ticks",
        "filling_mode", "trade_exemode", "trade_stops_level", "trade_freeze_level", "trade_mode",
        "volume_min", "volume_max", "volume_step",
        "bar_time", "b_time", "b_open", "b_high", "b_low", "b_close", "b_spread", "b_volume",
        "positions", "watch", "long_sl", "long_tp", "short_sl", "short_tp",
    )

    def __init__(self, name: str, spec: SymbolSpec, selected: bool) -> None:
        self.name = name
        self.spec = spec
        self.point = spec.point
        self.digits = spec.digits
        self.contract = float(spec.contract_size)
        self.base = spec.base
        self.profit_ccy = spec.quote
        self.margin_ccy = spec.base
        self.bid = 0.0
        self.ask = 0.0
        self.time_msc = 0
        self.has_quote = False
        self.selected = selected
        self.ticks = 0
        self.filling_mode = c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC
        self.trade_exemode = c.SYMBOL_TRADE_EXECUTION_MARKET
        self.trade_stops_level = 0
        self.trade_freeze_level = 0
        self.trade_mode = c.SYMBOL_TRADE_MODE_FULL
        self.volume_min = 0.01
        self.volume_max = 100.0
        self.volume_step = 0.01
        self.bar_time = -1  # open time of the newest M1 bar
        self.b_time = array("q")
        self.b_open = array("d")
        self.b_high = array("d")
        self.b_low = array("d")
        self.b_close = array("d")
        self.b_spread = array("q")
        self.b_volume = array("q")
        self.positions: list = []  # SimPosition objects of this symbol (see book.py)
        self.watch = False
        self.long_sl = -INF  # a bid at or below this stops at least one long
        self.long_tp = INF
        self.short_sl = INF  # an ask at or above this stops at least one short
        self.short_tp = -INF

    def apply_overrides(self, overrides: Mapping[str, float]) -> None:
        unknown = set(overrides) - OVERRIDABLE
        if unknown:
            raise ValueError(f"cannot override {sorted(unknown)} on {self.name}")
        for key, value in overrides.items():
            setattr(self, key, value)
        no_fok_ioc = not self.filling_mode & (c.SYMBOL_FILLING_FOK | c.SYMBOL_FILLING_IOC)
        if no_fok_ioc and "trade_exemode" not in overrides:
            # RETURN is refused under market execution, so a RETURN-only symbol is instant-executed.
            self.trade_exemode = c.SYMBOL_TRADE_EXECUTION_INSTANT

    # ---- prices -------------------------------------------------------------------------

    @property
    def spread_points(self) -> int:
        return round((self.ask - self.bid) / self.point) if self.has_quote else 0

    def rbid(self) -> float:
        return round(self.bid, self.digits)

    def rask(self) -> float:
        return round(self.ask, self.digits)

    def record_tick(self, seconds: int, bid: float, spread: int) -> None:
        """Fold one quote into the current M1 bar (bid bars; spread is the bar minimum)."""
        minute = seconds - seconds % 60
        if minute == self.bar_time:
            if bid > self.b_high[-1]:
                self.b_high[-1] = bid
            if bid < self.b_low[-1]:
                self.b_low[-1] = bid
            self.b_close[-1] = bid
            if spread < self.b_spread[-1]:
                self.b_spread[-1] = spread
            self.b_volume[-1] += 1
        elif minute > self.bar_time:
            self.append_bar(minute, bid, bid, bid, bid, spread, 1)
        # An out-of-order quote (older minute) still moves the price but not the history.

    def append_bar(self, t: int, o: float, h: float, lo: float, cl: float, spread: int,
                   volume: int) -> None:
        self.bar_time = t
        self.b_time.append(t)
        self.b_open.append(o)
        self.b_high.append(h)
        self.b_low.append(lo)
        self.b_close.append(cl)
        self.b_spread.append(spread)
        self.b_volume.append(volume)

    def replace_last_bar(self, o: float, h: float, lo: float, cl: float, spread: int,
                         volume: int) -> None:
        self.b_open[-1] = o
        self.b_high[-1] = h
        self.b_low[-1] = lo
        self.b_close[-1] = cl
        self.b_spread[-1] = spread
        self.b_volume[-1] = volume

    def trim_history(self, max_bars: int) -> None:
        excess = len(self.b_time) - max_bars
        if excess > 0:
            for column in (self.b_time, self.b_open, self.b_high, self.b_low, self.b_close,
                           self.b_spread, self.b_volume):
                del column[:excess]

    # ---- stop thresholds ----------------------------------------------------------------

    def recompute_thresholds(self) -> None:
        """Aggregate the stops of all positions so an uneventful price costs four comparisons."""
        long_sl, long_tp, short_sl, short_tp = -INF, INF, INF, -INF
        for pos in self.positions:
            if pos.type == c.POSITION_TYPE_BUY:
                if pos.sl > 0.0 and pos.sl > long_sl:
                    long_sl = pos.sl
                if pos.tp > 0.0 and pos.tp < long_tp:
                    long_tp = pos.tp
            else:
                if pos.sl > 0.0 and pos.sl < short_sl:
                    short_sl = pos.sl
                if pos.tp > 0.0 and pos.tp > short_tp:
                    short_tp = pos.tp
        # Widened by a sliver of a point: float noise in bid + spread must not hide an exact
        # touch; the slow path re-checks on rounded prices.
        eps = self.point * 1e-3
        self.long_sl, self.long_tp = long_sl + eps, long_tp - eps
        self.short_sl, self.short_tp = short_sl - eps, short_tp + eps
        self.watch = long_sl > -INF or long_tp < INF or short_sl < INF or short_tp > -INF

    # ---- history ------------------------------------------------------------------------

    def rates_from_pos(self, seconds: int, start_pos: int, count: int) -> np.ndarray | None:
        """Bars of `seconds` length, oldest first, ending `start_pos` bars before the newest."""
        n = len(self.b_time)
        if n == 0 or count <= 0 or start_pos < 0:
            return None
        ratio = seconds // 60
        take = (start_pos + count + 1) * ratio
        while True:
            begin = max(0, n - take)
            groups = self._aggregate(begin, n, seconds)
            partial_head = begin > 0  # the oldest group may have lost minutes to the cut
            have = len(groups) - (1 if partial_head else 0)
            if have >= start_pos + count or not partial_head:
                break
            take *= 2
        if partial_head:
            groups = groups[1:]
        end = len(groups) - start_pos
        if end <= 0:
            return None
        return groups[max(0, end - count):end].copy()

    def rates_range(self, seconds: int, t_from: int, t_to: int) -> np.ndarray:
        times = np.frombuffer(self.b_time, dtype=np.int64)
        start = int(np.searchsorted(times, t_from - t_from % seconds, side="left"))
        end = int(np.searchsorted(times, t_to, side="right"))
        del times  # release the buffer export so the history can grow again
        groups = self._aggregate(start, end, seconds)
        return groups[(groups["time"] >= t_from) & (groups["time"] <= t_to)].copy()

    def _aggregate(self, begin: int, end: int, seconds: int) -> np.ndarray:
        # Slices copy, so no numpy view pins the arrays' buffers (they must stay appendable).
        t = np.frombuffer(self.b_time[begin:end], dtype=np.int64)
        if len(t) == 0:
            return np.zeros(0, dtype=RATES_DTYPE)
        o = np.frombuffer(self.b_open[begin:end], dtype=np.float64)
        h = np.frombuffer(self.b_high[begin:end], dtype=np.float64)
        lo = np.frombuffer(self.b_low[begin:end], dtype=np.float64)
        cl = np.frombuffer(self.b_close[begin:end], dtype=np.float64)
        sp = np.frombuffer(self.b_spread[begin:end], dtype=np.int64)
        vol = np.frombuffer(self.b_volume[begin:end], dtype=np.int64)
        buckets = t - t % seconds
        starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
        ends = np.append(starts[1:], len(t)) - 1
        out = np.zeros(len(starts), dtype=RATES_DTYPE)
        out["time"] = buckets[starts]
        out["open"] = o[starts]
        out["high"] = np.maximum.reduceat(h, starts)
        out["low"] = np.minimum.reduceat(lo, starts)
        out["close"] = cl[ends]
        out["tick_volume"] = np.add.reduceat(vol, starts)
        out["spread"] = np.minimum.reduceat(sp, starts)
        return out


def to_epoch(value: datetime | float | int) -> float:
    """Epoch seconds of a timestamp; naive datetimes are taken as UTC (as MT5 does)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return (value - datetime(1970, 1, 1)).total_seconds()
        return value.timestamp()
    return float(value)


def weekend_closed(seconds: float) -> bool:
    """FX is shut from Friday 22:00 UTC to Sunday 22:00 UTC."""
    day = int(seconds // 86400)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    second_of_day = seconds - day * 86400
    if weekday == 5:
        return True
    if weekday == 4:
        return second_of_day >= 22 * 3600
    if weekday == 6:
        return second_of_day < 22 * 3600
    return False


def group_matches(name: str, group: str | None) -> bool:
    """MT5 group masks: comma-separated wildcards, `!` excludes, applied left to right."""
    if not group:
        return True
    included = False
    for raw in group.split(","):
        pattern = raw.strip()
        if not pattern:
            continue
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(name, pattern[1:]):
                included = False
        elif fnmatch.fnmatchcase(name, pattern):
            included = True
    return included
