"""Equity-curve chart as a PNG with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.analytics.records import Trade


def equity_chart(trades: Sequence[Trade], start_balance: float | None, path: Path,
                 title: str, tz: str = "Asia/Kolkata", start: datetime | None = None) -> Path:
    """Closed-P&L balance after each trade (or cumulative P&L when the balance is unknown),
    with the deepest drawdown shaded. Blocking: call it from a worker thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter, date2num
    from matplotlib.figure import Figure

    zone = ZoneInfo(tz)
    ordered = sorted(trades, key=lambda t: t.closed_at)
    base = start_balance if start_balance is not None else 0.0
    first = start or (ordered[0].opened_at or ordered[0].closed_at if ordered else None)
    times: list[datetime] = [first.astimezone(zone)] if first is not None else []
    values = [base] if first is not None else []
    balance = base
    for trade in ordered:
        balance += trade.profit
        times.append(trade.closed_at.astimezone(zone))
        values.append(round(balance, 2))

    fig = Figure(figsize=(8, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("Balance ($)" if start_balance is not None else "Cumulative P&L ($)")
    ax.grid(True, alpha=0.3)
    if len(values) >= 2:
        xs = [float(date2num(t)) for t in times]
        ax.step(xs, values, where="post", color="#1f77b4", linewidth=1.6)
        ax.axhline(base, color="#888888", linewidth=0.8, linestyle="--")
        peak_i, trough_i = _deepest(values)
        if trough_i > peak_i:
            ax.axvspan(xs[peak_i], xs[trough_i], color="#d62728", alpha=0.12,
                       label=f"max drawdown ${values[peak_i] - values[trough_i]:,.2f}")
            ax.legend(loc="best", fontsize=8)
        ax.xaxis.set_major_formatter(DateFormatter("%d %b\n%H:%M", tz=zone))
    else:
        ax.text(0.5, 0.5, "No closed trades in this period", ha="center", va="center",
                transform=ax.transAxes, fontsize=11, color="#555555")
        ax.set_xticks([])
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _deepest(values: Sequence[float]) -> tuple[int, int]:
    """Indexes of the peak and the trough of the largest peak-to-trough fall."""
    peak_i, best = 0, (0, 0, 0.0)
    for i, value in enumerate(values):
        if value > values[peak_i]:
            peak_i = i
        fall = values[peak_i] - value
        if fall > best[2]:
            best = (peak_i, i, fall)
    return best[0], best[1]
