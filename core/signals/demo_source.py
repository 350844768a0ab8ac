"""Demo alerts: TradingView-style alert bodies derived from the paper-mode prices."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote as url_quote

from core.domain.orders import Quote
from core.domain.symbols import DEFAULT_SYMBOLS, SymbolSpec

AlertFormat = Literal["legacy", "v3", "v6"]
FORMATS: tuple[AlertFormat, ...] = ("legacy", "v3", "v6")
# The six timeframes of V3 `mtf_trends` / the V6 alignment counts, in the SPEC's order.
TIMEFRAME_MINUTES: dict[str, int] = {"1m": 1, "5m": 5, "15m": 15, "1h": 60, "4h": 240,
                                     "1d": 1440}
TRADINGVIEW_PERIOD = {"1m": "1", "5m": "5", "15m": "15", "1h": "60", "4h": "240", "1d": "D"}
ENTRY_TIMEFRAMES = ("5m", "15m", "1h")  # legacy entries exist only on these (SPEC §2.2)
TREND_TIMEFRAMES = ("5m", "15m", "1h", "1d")
SL_ATR, TP_ATR = 1.5, (2.0, 4.0, 6.0)


@dataclass(frozen=True, slots=True)
class DemoAlert:
    """One alert to post to the engine's own webhook. Body and path may hold the secret, so
    neither appears in repr (logs)."""

    body: dict[str, object] | str = field(repr=False)
    path: str = field(repr=False)
    description: str
    symbol: str = ""
    kind: str = ""  # trend | entry | entry_v3 | v6_entry


class _Wilder:
    """Wilder smoothing; a running mean until `period` values have been seen."""

    __slots__ = ("count", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self.count = 0
        self.value = 0.0

    def update(self, x: float) -> float:
        self.count += 1
        self.value += (x - self.value) / min(self.count, self.period)
        return self.value

    @property
    def ready(self) -> bool:
        return self.count >= self.period


class _Timeframe:
    """Bars of one timeframe for one symbol, their EMA trend, ATR and ADX."""

    def __init__(self, minutes: int, fast: int, slow: int, period: int) -> None:
        self.minutes = minutes
        self.bucket = -1
        self.ohlc = [0.0, 0.0, 0.0, 0.0]
        self.alpha_fast = 2.0 / (fast + 1)
        self.alpha_slow = 2.0 / (slow + 1)
        self.ema_fast: float | None = None
        self.ema_slow = 0.0
        self.trend = 0  # +1 bullish, -1 bearish, 0 unknown
        self.prev: tuple[float, float, float] | None = None  # high, low, close
        self.atr = _Wilder(period)
        self.plus_dm = _Wilder(period)
        self.minus_dm = _Wilder(period)
        self.adx = _Wilder(period)

    def add(self, minute: int, o: float, h: float, low: float, c: float) -> bool:
        """Add one base bar; True when this completes the timeframe's bar."""
        bucket = minute // self.minutes
        closed = False
        if bucket != self.bucket and self.bucket >= 0:
            self._close()  # a gap left the previous bar unfinished: it is done all the same
            closed = True
        if bucket != self.bucket:
            self.bucket = bucket
            self.ohlc = [o, h, low, c]
        else:
            bar = self.ohlc
            bar[1], bar[2], bar[3] = max(bar[1], h), min(bar[2], low), c
        if (minute + 1) % self.minutes == 0:
            self._close()
            self.bucket = -1
            return True
        return closed

    def _close(self) -> None:
        _, h, low, c = self.ohlc
        if self.ema_fast is None:
            self.ema_fast = self.ema_slow = c
        else:
            self.ema_fast += self.alpha_fast * (c - self.ema_fast)
            self.ema_slow += self.alpha_slow * (c - self.ema_slow)
            gap = self.ema_fast - self.ema_slow
            if abs(gap) > 1e-12 * c:  # an exact tie keeps the previous trend
                self.trend = 1 if gap > 0 else -1
        if self.prev is None:
            self.atr.update(h - low)
        else:
            ph, pl, pc = self.prev
            tr = max(h - low, abs(h - pc), abs(low - pc))
            up, down = h - ph, pl - low
            plus = self.plus_dm.update(up if up > down and up > 0 else 0.0)
            minus = self.minus_dm.update(down if down > up and down > 0 else 0.0)
            atr = self.atr.update(tr)
            if atr > 0 and plus + minus > 0:
                self.adx.update(100.0 * abs(plus - minus) / (plus + minus))
        self.prev = (h, low, c)

    @property
    def close(self) -> float:
        return self.prev[2] if self.prev else 0.0


class _SymbolState:
    def __init__(self, spec: SymbolSpec, fast: int, slow: int, period: int) -> None:
        self.spec = spec
        self.base_bucket = -1
        self.base = [0.0, 0.0, 0.0, 0.0]
        self.frames = {tf: _Timeframe(m, fast, slow, period)
                       for tf, m in TIMEFRAME_MINUTES.items()}
        self.reported: dict[str, int] = {}
        self.aligned = 0


class DemoAlertSource:
    """Turns quotes into the alerts a TradingView indicator would post (SPEC §2.2-§2.4).

    Per symbol it builds base bars from the bid and resamples them to 5m/15m/1h/4h/1d. A
    timeframe's trend is the side of its fast EMA against its slow EMA at bar close. A change
    of trend on a `trend_timeframes` entry posts a legacy `trend` alert; when a bar of
    `entry_timeframe` closes with every trend timeframe on one side, and that was not already
    so at the previous close, an entry is posted in each requested format.

    Demo time is compressed: a bar labelled T spans T / `compression` of quote time. The
    default 60 makes the '1h' bar one minute and the '15m' bar fifteen seconds, so at
    tick_seconds=1 trends flip within minutes; use 1.0 for true timeframes (replays).
    SL/TP sit at 1.5 and 2/4/6 ATR(14) of the entry timeframe; the ATR is floored at
    min_sl_pips / 1.5 so that the SL is never below the symbol's minimum SL (SPEC §5.3.4),
    which compressed bars would otherwise undercut (stops inside the spread).
    """

    def __init__(self, symbols: Sequence[SymbolSpec | str], *,
                 secret: Callable[[], str | None],
                 formats: Iterable[AlertFormat] = ("legacy",),
                 entry_timeframe: str = "15m",
                 trend_timeframes: Sequence[str] = ("1h", "15m"),
                 compression: float = 60.0, fast: int = 5, slow: int = 13,
                 indicator_period: int = 14, strategy: str = "demo") -> None:
        self._formats = tuple(dict.fromkeys(formats))
        if not self._formats or any(f not in FORMATS for f in self._formats):
            raise ValueError(f"formats must be a non-empty subset of {FORMATS}")
        if entry_timeframe not in ENTRY_TIMEFRAMES:
            raise ValueError(f"entry_timeframe must be one of {ENTRY_TIMEFRAMES}")
        if not trend_timeframes or any(tf not in TREND_TIMEFRAMES for tf in trend_timeframes):
            raise ValueError(f"trend_timeframes must be taken from {TREND_TIMEFRAMES}")
        if compression <= 0 or not 1 <= fast < slow or indicator_period < 1:
            raise ValueError("need compression > 0, 1 <= fast < slow, indicator_period >= 1")
        specs = [DEFAULT_SYMBOLS[s] if isinstance(s, str) else s for s in symbols]
        self._states = {s.name: _SymbolState(s, fast, slow, indicator_period) for s in specs}
        self._secret = secret
        self._entry_tf = entry_timeframe
        self._trend_tfs = tuple(trend_timeframes)
        self._base_seconds = 60.0 / compression
        self._strategy = strategy
        self._ema_label = f"EMA {fast}/{slow}"

    @property
    def symbols(self) -> tuple[str, ...]:
        return tuple(self._states)

    def trend(self, symbol: str, timeframe: str) -> int:
        """Current computed trend (+1, -1, 0) of a symbol's timeframe."""
        return self._states[symbol].frames[timeframe].trend

    def on_quotes(self, quotes: Iterable[Quote]) -> list[DemoAlert]:
        alerts: list[DemoAlert] = []
        for q in quotes:
            alerts.extend(self.on_quote(q))
        return alerts

    def on_quote(self, quote: Quote) -> list[DemoAlert]:
        state = self._states.get(quote.symbol)
        if state is None:
            return []
        bucket = math.floor(quote.time.timestamp() / self._base_seconds)
        price = quote.bid
        if bucket == state.base_bucket:
            base = state.base
            base[1], base[2], base[3] = max(base[1], price), min(base[2], price), price
            return []
        if bucket < state.base_bucket:
            return []  # a quote older than the bar being built: ignored, as a chart would
        alerts = self._close_base(state) if state.base_bucket >= 0 else []
        state.base_bucket = bucket
        state.base = [price, price, price, price]
        return alerts

    def _close_base(self, state: _SymbolState) -> list[DemoAlert]:
        o, h, low, c = state.base
        closed = {tf for tf, frame in state.frames.items()
                  if frame.add(state.base_bucket, o, h, low, c)}
        alerts: list[DemoAlert] = []
        for tf in self._trend_tfs:
            trend = state.frames[tf].trend
            if tf in closed and trend and state.reported.get(tf) != trend:
                state.reported[tf] = trend
                if "legacy" in self._formats:
                    alerts.append(self._trend_alert(state, tf, trend))
        if self._entry_tf in closed:
            sides = {state.frames[tf].trend for tf in self._trend_tfs}
            aligned = sides.pop() if len(sides) == 1 else 0
            if aligned and aligned != state.aligned:
                alerts.extend(self._entry_alerts(state, aligned))
            state.aligned = aligned
        return alerts

    def _signed(self, body: dict[str, object]) -> dict[str, object]:
        secret = self._secret()
        if secret:
            body["secret"] = secret
        return body

    def _price(self, state: _SymbolState, tf: str) -> float:
        return round(state.frames[tf].close, state.spec.digits)

    def _trend_alert(self, state: _SymbolState, tf: str, trend: int) -> DemoAlert:
        name = state.spec.name
        price = self._price(state, tf)
        body = self._signed({"type": "trend", "signal": "bull" if trend > 0 else "bear",
                             "tf": tf, "symbol": name, "price": price,
                             "strategy": self._strategy})
        side = "bullish" if trend > 0 else "bearish"
        return DemoAlert(body, "/webhook", f"{name} {tf} trend turned {side} at {price} "
                         f"({self._ema_label})", name, "trend")

    def _entry_alerts(self, state: _SymbolState, side: int) -> list[DemoAlert]:
        spec, tf = state.spec, self._entry_tf
        name, digits = spec.name, spec.digits
        price = self._price(state, tf)
        frame = state.frames[tf]
        unit = max(frame.atr.value, spec.min_sl_pips * spec.pip_size / SL_ATR)
        sl = round(price - side * SL_ATR * unit, digits)
        tp1, tp2, tp3 = (round(price + side * k * unit, digits) for k in TP_ATR)
        trends = [f.trend for f in state.frames.values()]
        bulls, bears = trends.count(1), trends.count(-1)
        agree = bulls if side > 0 else bears
        word = "BUY" if side > 0 else "SELL"
        aligned = " and ".join(self._trend_tfs)
        what = f"{name} {tf} {word} entry at {price}: {aligned} {'bull' if side > 0 else 'bear'}ish"
        alerts: list[DemoAlert] = []
        if "legacy" in self._formats:
            body = self._signed({"type": "entry", "signal": word.lower(), "tf": tf,
                                 "symbol": name, "price": price, "strategy": self._strategy})
            alerts.append(DemoAlert(body, "/webhook", what, name, "entry"))
        if "v3" in self._formats:
            body = self._signed({
                "type": "entry_v3", "signal_type": "Momentum_Breakout", "symbol": name,
                "direction": word.lower(), "tf": TRADINGVIEW_PERIOD[tf], "price": price,
                "consensus_score": round(agree * 9 / 6), "sl_price": sl, "tp1_price": tp1,
                "tp2_price": tp2, "mtf_trends": ",".join(str(t) for t in trends),
                "market_trend": (bulls > bears) - (bears > bulls)})
            alerts.append(DemoAlert(body, "/webhook", f"{what} (V3, SL {sl})", name,
                                    "entry_v3"))
        if "v6" in self._formats:
            score = round(100 * agree / 6)
            level = "HIGH" if score >= 80 else "MODERATE" if score >= 60 else "LOW"
            adx = f"{frame.adx.value:.1f}" if frame.adx.ready else "NA"
            strength = _adx_strength(frame.adx.value) if frame.adx.ready else "NA"
            fields = [f"{'BULLISH' if side > 0 else 'BEARISH'}_ENTRY", name,
                      TRADINGVIEW_PERIOD[tf], f"{price:.{digits}f}", word, level, str(score),
                      adx, strength, *(f"{x:.{digits}f}" for x in (sl, tp1, tp2, tp3)),
                      f"{bulls}/{bears}", "TL_OK"]
            secret = self._secret()
            path = f"/webhook?secret={url_quote(secret, safe='')}" if secret else "/webhook"
            alerts.append(DemoAlert("|".join(fields) + "|", path,
                                    f"{what} (V6, SL {sl})", name, "v6_entry"))
        return alerts


def _adx_strength(adx: float) -> str:
    return "STRONG" if adx >= 25 else "MODERATE" if adx >= 20 else "WEAK" if adx >= 15 else "NONE"
