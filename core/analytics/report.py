"""Report text and tables from metrics (medium-neutral: lines and a table, SPEC §9.9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.analytics.metrics import Summary, pf_text
from core.analytics.periods import Window
from core.commands.spec import Table

BREAKDOWN_COLUMNS = ("Group", "Name", "Trades", "Wins", "Losses", "Win rate", "Net", "PF",
                     "Max DD")


def money(value: float | None, signed: bool = True) -> str:
    """`+$1,234.50`, `−$30.00` (a true minus sign, SPEC §9.4), `$0.00`; `—` when unknown."""
    if value is None:
        return "—"
    amount = f"${abs(value):,.2f}"
    if not signed:
        return amount if value >= 0 else f"−{amount}"
    if round(value, 2) == 0:
        return amount
    return f"+{amount}" if value > 0 else f"−{amount}"


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}%"


@dataclass(frozen=True, slots=True)
class Report:
    """A finished report: what every surface shows, plus the structured numbers."""

    title: str
    lines: tuple[str, ...]
    table: Table | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        out = [self.title, *self.lines]
        if self.table is not None and self.table.rows:
            out.append("")
            out.extend(_plain_table(self.table))
        return "\n".join(out)


def _plain_table(table: Table) -> list[str]:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in (table.columns, *table.rows)]


def title(name: str, mode_label: str, window: Window) -> str:
    return f"{name} · {mode_label} · {window.label}"


def headline(s: Summary) -> str:
    return (f"Trades {s.trades} · wins {s.wins} · losses {s.losses} · breakeven {s.breakeven}"
            f" · win rate {pct(s.win_rate)}")


def drawdown_line(s: Summary) -> str:
    dd = s.drawdown
    at_peak = (f" ({pct(dd.max_percent, 2)} of {money(dd.peak_balance, signed=False)})"
               if dd.max_percent is not None and dd.peak_balance is not None else "")
    current = f" ({pct(dd.current_percent, 2)})" if dd.current_percent is not None else ""
    return (f"Max drawdown {money(dd.max_amount, signed=False)}{at_peak} · current drawdown "
            f"{money(dd.current_amount, signed=False)}{current}")


def summary_lines(s: Summary) -> list[str]:
    """Every metric of SPEC §9.9 for one set of trades."""
    if not s.trades:
        return ["No closed trades in this period."]
    lines = [
        headline(s),
        f"Gross profit {money(s.gross_profit)} · gross loss {money(s.gross_loss)} · "
        f"net {money(s.net)}",
        f"Profit factor {pf_text(s.profit_factor)} · average win {money(s.average_win)} · "
        f"average loss {money(s.average_loss)}",
    ]
    if s.best is not None and s.worst is not None:
        lines.append(f"Best trade #{s.best.ticket} {s.best.symbol} {money(s.best.profit)} · "
                     f"worst #{s.worst.ticket} {s.worst.symbol} {money(s.worst.profit)}")
    if s.best_day is not None and s.worst_day is not None:
        lines.append(f"Best day {s.best_day[0]:%d %b} {money(s.best_day[1])} · worst day "
                     f"{s.worst_day[0]:%d %b} {money(s.worst_day[1])}")
    lines.append(drawdown_line(s))
    lines.append(f"TP hits {s.tp_hits} · SL hits {s.sl_hits} · re-entries {s.reentries} "
                 f"(net {money(s.reentry_net)})")
    if s.start_balance is not None and s.end_balance is not None:
        lines.append(f"Balance {money(s.start_balance, signed=False)} → "
                     f"{money(s.end_balance, signed=False)}")
    return lines


def stats_lines(s: Summary) -> list[str]:
    if not s.trades:
        return ["No closed trades in this period."]
    streak = (f"{s.current_streak} win(s)" if s.current_streak > 0 else
              f"{-s.current_streak} loss(es)" if s.current_streak < 0 else "none")
    return [
        headline(s),
        f"Profit factor {pf_text(s.profit_factor)} · net {money(s.net)}",
        f"Average win {money(s.average_win)} · average loss {money(s.average_loss)}",
        f"Longest streaks: {s.longest_win_streak} win(s), {s.longest_loss_streak} loss(es) · "
        f"current {streak}",
    ]


def breakdown_rows(group_name: str, summaries: Mapping[str, Summary]
                   ) -> list[tuple[str, ...]]:
    return [(group_name, name, str(s.trades), str(s.wins), str(s.losses), pct(s.win_rate),
             money(s.net), pf_text(s.profit_factor), money(s.drawdown.max_amount, signed=False))
            for name, s in summaries.items()]


def breakdown_table(*groups: tuple[str, Mapping[str, Summary]]) -> Table:
    rows: list[tuple[str, ...]] = []
    for name, summaries in groups:
        rows.extend(breakdown_rows(name, summaries))
    return Table(BREAKDOWN_COLUMNS, tuple(rows))
