"""Report metrics of SPEC §9.9 over closed trades: pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.analytics.labels import REPORT_ORDER
from core.analytics.periods import TradingCalendar
from core.analytics.records import Trade

BREAKEVEN = 0.01  # |P&L| below this is breakeven: neither win nor loss


@dataclass(frozen=True, slots=True)
class Drawdown:
    """Peak-to-trough falls of the closed-P&L balance curve."""

    max_amount: float
    max_percent: float | None  # of the balance at that peak (None when the balance is unknown)
    peak_balance: float | None
    current_amount: float
    current_percent: float | None


@dataclass(frozen=True, slots=True)
class Summary:
    trades: int
    wins: int
    losses: int
    breakeven: int
    win_rate: float | None  # percent; None without wins or losses
    gross_profit: float
    gross_loss: float  # ≤ 0
    net: float
    profit_factor: float | None  # inf without losses; None without trades that count
    average_win: float | None
    average_loss: float | None
    best: Trade | None
    worst: Trade | None
    best_day: tuple[date, float] | None
    worst_day: tuple[date, float] | None
    drawdown: Drawdown
    tp_hits: int
    sl_hits: int
    reentries: int
    reentry_net: float
    longest_win_streak: int
    longest_loss_streak: int
    current_streak: int  # +n wins or −n losses in a row at the end; 0 after a breakeven
    start_balance: float | None
    end_balance: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe (an infinite profit factor becomes None with `profit_factor_text`)."""
        pf = self.profit_factor
        return {
            "trades": self.trades, "wins": self.wins, "losses": self.losses,
            "breakeven": self.breakeven, "win_rate": _r(self.win_rate),
            "gross_profit": self.gross_profit, "gross_loss": self.gross_loss, "net": self.net,
            "profit_factor": None if pf is None or math.isinf(pf) else round(pf, 4),
            "profit_factor_text": pf_text(pf),
            "average_win": _r(self.average_win), "average_loss": _r(self.average_loss),
            "best_trade": _trade(self.best), "worst_trade": _trade(self.worst),
            "best_day": _day(self.best_day), "worst_day": _day(self.worst_day),
            "max_drawdown": self.drawdown.max_amount,
            "max_drawdown_percent": _r(self.drawdown.max_percent),
            "drawdown_peak_balance": self.drawdown.peak_balance,
            "current_drawdown": self.drawdown.current_amount,
            "current_drawdown_percent": _r(self.drawdown.current_percent),
            "tp_hits": self.tp_hits, "sl_hits": self.sl_hits, "reentries": self.reentries,
            "reentry_net": self.reentry_net, "longest_win_streak": self.longest_win_streak,
            "longest_loss_streak": self.longest_loss_streak,
            "current_streak": self.current_streak, "start_balance": self.start_balance,
            "end_balance": self.end_balance,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _trade(trade: Trade | None) -> dict[str, Any] | None:
    return None if trade is None else {"ticket": trade.ticket, "symbol": trade.symbol,
                                       "profit": trade.profit}


def _day(item: tuple[date, float] | None) -> dict[str, Any] | None:
    return None if item is None else {"date": item[0].isoformat(), "net": item[1]}


def pf_text(pf: float | None) -> str:
    if pf is None:
        return "—"
    return "∞" if math.isinf(pf) else f"{pf:.2f}"


def outcome(profit: float) -> int:
    """+1 win, −1 loss, 0 breakeven."""
    if abs(profit) < BREAKEVEN:
        return 0
    return 1 if profit > 0 else -1


def drawdown(profits: Sequence[float], start_balance: float | None) -> Drawdown:
    """Largest fall from a running peak of start + cumulative P&L (the start counts as a peak);
    percentages are of the balance at that peak, when the start balance is known."""
    balance = start_balance or 0.0
    peak = balance
    worst, worst_peak = 0.0, balance
    for profit in profits:
        balance += profit
        peak = max(peak, balance)
        if peak - balance > worst + 1e-9:
            worst, worst_peak = peak - balance, peak
    current = peak - balance
    known = start_balance is not None
    return Drawdown(
        max_amount=round(worst, 2),
        max_percent=(worst / worst_peak * 100 if known and worst_peak > 0 else None),
        peak_balance=round(worst_peak, 2) if known and worst > 0 else None,
        current_amount=round(current, 2),
        current_percent=(current / peak * 100 if known and peak > 0 else None))


def _streaks(results: Iterable[int]) -> tuple[int, int, int]:
    best_win = best_loss = run = 0
    for result in results:
        if result == 0:
            run = 0
        elif (result > 0) == (run > 0) and run != 0:
            run += result
        else:
            run = result
        best_win, best_loss = max(best_win, run), max(best_loss, -run)
    return best_win, best_loss, run


def summarize(trades: Sequence[Trade], calendar: TradingCalendar,
              start_balance: float | None = None) -> Summary:
    trades = sorted(trades, key=lambda t: t.closed_at)
    results = [outcome(t.profit) for t in trades]
    wins = [t.profit for t, r in zip(trades, results, strict=True) if r > 0]
    losses = [t.profit for t, r in zip(trades, results, strict=True) if r < 0]
    gross_profit, gross_loss = round(sum(wins), 2), round(sum(losses), 2)
    net = round(sum(t.profit for t in trades), 2)
    counted = len(wins) + len(losses)
    if not counted:
        pf: float | None = None
    elif not losses:
        pf = math.inf
    else:
        pf = gross_profit / abs(gross_loss)
    days: dict[date, float] = {}
    for t in trades:
        day = calendar.trading_day(t.closed_at)
        days[day] = round(days.get(day, 0.0) + t.profit, 2)
    reentries = [t for t in trades if t.kind.upper() in ("R", "REENTRY")]
    best_win, best_loss, current = _streaks(results)
    return Summary(
        trades=len(trades), wins=len(wins), losses=len(losses),
        breakeven=len(trades) - counted,
        win_rate=(len(wins) / counted * 100 if counted else None),
        gross_profit=gross_profit, gross_loss=gross_loss, net=net, profit_factor=pf,
        average_win=(gross_profit / len(wins) if wins else None),
        average_loss=(gross_loss / len(losses) if losses else None),
        best=max(trades, key=lambda t: t.profit) if trades else None,
        worst=min(trades, key=lambda t: t.profit) if trades else None,
        best_day=max(days.items(), key=lambda kv: kv[1]) if days else None,
        worst_day=min(days.items(), key=lambda kv: kv[1]) if days else None,
        drawdown=drawdown([t.profit for t in trades], start_balance),
        tp_hits=sum(1 for t in trades if t.close_reason == "TP"),
        sl_hits=sum(1 for t in trades if t.close_reason == "SL"),
        reentries=len(reentries), reentry_net=round(sum(t.profit for t in reentries), 2),
        longest_win_streak=best_win, longest_loss_streak=best_loss, current_streak=current,
        start_balance=start_balance,
        end_balance=None if start_balance is None else round(start_balance + net, 2))


def group(trades: Iterable[Trade], key: Callable[[Trade], str]) -> dict[str, list[Trade]]:
    groups: dict[str, list[Trade]] = {}
    for trade in trades:
        groups.setdefault(key(trade), []).append(trade)
    return groups


def per_pair(trades: Sequence[Trade], calendar: TradingCalendar) -> dict[str, Summary]:
    return {name: summarize(items, calendar)
            for name, items in sorted(group(trades, lambda t: t.symbol).items())}


def per_strategy(trades: Sequence[Trade], calendar: TradingCalendar) -> dict[str, Summary]:
    """V4 Logic 1/2/3, V3 Logic 1/2/3, V6 1m/5m/15m/1h, Manual, then any other plugin."""
    groups = group(trades, lambda t: t.label.name)
    order = [n for n in REPORT_ORDER if n in groups] + sorted(set(groups) - set(REPORT_ORDER))
    return {name: summarize(groups[name], calendar) for name in order}
