"""Which stop-losses and take-profits a quote or a bar triggers, and at what price.

Quotes: longs are watched on the bid (bid <= SL, bid >= TP), shorts on the ask (ask >= SL,
ask <= TP). Bars walk a fixed intrabar path on the bid, the ask being bid + the bar's spread:
a bullish bar (close >= open) goes open -> low -> high -> close, a bearish one open -> high ->
low -> close. Path point k is reached at the bar's open time + PATH_OFFSETS_MS[k].

Fill prices are deliberately the worse of the level and the market: a stop crossed inside the
path fills at its level; a stop the market gapped through (the bar opened beyond it, or a quote
jumped past it) fills at the gapped price for a stop-loss and at the level for a take-profit.
"""

from __future__ import annotations

from core.brokers.sim import constants as c
from core.brokers.sim.book import SimPosition
from core.brokers.sim.market import SymbolState

PATH_OFFSETS_MS = (0, 20_000, 40_000, 59_000)

# (path point index, position, deal reason, fill price)
Trigger = tuple[int, SimPosition, int, float]


def quote_triggers(st: SymbolState) -> list[Trigger]:
    bid, ask = st.rbid(), st.rask()
    out: list[Trigger] = []
    for pos in st.positions:
        if pos.type == c.POSITION_TYPE_BUY:
            if pos.sl > 0.0 and bid <= pos.sl:
                out.append((0, pos, c.DEAL_REASON_SL, bid))
            elif pos.tp > 0.0 and bid >= pos.tp:
                out.append((0, pos, c.DEAL_REASON_TP, pos.tp))
        elif pos.sl > 0.0 and ask >= pos.sl:
            out.append((0, pos, c.DEAL_REASON_SL, ask))
        elif pos.tp > 0.0 and ask <= pos.tp:
            out.append((0, pos, c.DEAL_REASON_TP, pos.tp))
    return out


def _first_at_or_below(path: tuple[float, ...], level: float) -> int:
    for k, price in enumerate(path):
        if price <= level:
            return k
    return -1


def _first_at_or_above(path: tuple[float, ...], level: float) -> int:
    for k, price in enumerate(path):
        if price >= level:
            return k
    return -1


def bar_triggers(st: SymbolState, o: float, h: float, lo: float, cl: float,
                 spread_px: float) -> list[Trigger]:
    """Stops hit along the bar's path, in the order they are hit."""
    digits = st.digits
    raw = (o, lo, h, cl) if cl >= o else (o, h, lo, cl)
    bids = tuple(round(p, digits) for p in raw)
    asks = tuple(round(p + spread_px, digits) for p in raw)
    out: list[Trigger] = []
    for pos in st.positions:
        if pos.type == c.POSITION_TYPE_BUY:
            sl_k = _first_at_or_below(bids, pos.sl) if pos.sl > 0.0 else -1
            tp_k = _first_at_or_above(bids, pos.tp) if pos.tp > 0.0 else -1
            path = bids
        else:
            sl_k = _first_at_or_above(asks, pos.sl) if pos.sl > 0.0 else -1
            tp_k = _first_at_or_below(asks, pos.tp) if pos.tp > 0.0 else -1
            path = asks
        if sl_k >= 0 and (tp_k < 0 or sl_k <= tp_k):
            out.append((sl_k, pos, c.DEAL_REASON_SL, path[0] if sl_k == 0 else pos.sl))
        elif tp_k >= 0:
            out.append((tp_k, pos, c.DEAL_REASON_TP, pos.tp))
    out.sort(key=lambda trig: (trig[0], trig[1].ticket))
    return out


def stop_comment(reason: int, level: float, digits: int) -> str:
    """The comment brokers put on stop-out deals, e.g. '[sl 1.08000]'."""
    tag = "sl" if reason == c.DEAL_REASON_SL else "tp"
    return f"[{tag} {level:.{digits}f}]"
