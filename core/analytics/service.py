"""Analytics over the trades journal: windows, reports with charts, exports to `exports/`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.analytics import chart as charts
from core.analytics import export
from core.analytics.metrics import Summary, per_pair, per_strategy, summarize
from core.analytics.periods import TradingCalendar, Window
from core.analytics.records import Trade, load_trades
from core.analytics.report import Report, breakdown_table, summary_lines, title
from core.clock import Clock
from core.config.settings import Settings
from core.storage.store import Store

TRADES = "trades"
NAMES = {"daily": "DAILY REPORT", "weekly": "WEEKLY REPORT", "monthly": "MONTHLY REPORT",
         "performance": "PERFORMANCE REPORT"}


@dataclass(frozen=True, slots=True)
class Selection:
    """The trades of one window with the balance they started from."""

    window: Window
    trades: tuple[Trade, ...]
    start_balance: float | None
    summary: Summary


class AnalyticsService:
    """Reads closed trades of the running mode (PAPER or LIVE, never mixed, never shadow)."""

    def __init__(self, store: Store, clock: Clock, settings: Callable[[], Settings],
                 data_dir: Path, balance: Callable[[], float | None]) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._data_dir = data_dir
        self._balance = balance

    # -- basics ------------------------------------------------------------------------------
    def calendar(self) -> TradingCalendar:
        return TradingCalendar.from_settings(self._settings())

    @property
    def mode_label(self) -> str:
        return self._settings().trading.mode.upper()

    @property
    def exports_dir(self) -> Path:
        configured = Path(self._settings().analytics.export_dir)
        return configured if configured.is_absolute() else self._data_dir / configured

    def trades(self) -> list[Trade]:
        return load_trades(self._store.scan(TRADES), self.mode_label)

    def selection(self, window: Window, trades: list[Trade] | None = None) -> Selection:
        """Blocking (reads the journal): use `select` from the event loop."""
        everything = self.trades() if trades is None else trades
        chosen = tuple(t for t in everything if window.contains(t.closed_at))
        balance = self._balance()
        start = None
        if balance is not None:  # balance now minus everything realised since the window began
            later = sum(t.profit for t in everything
                        if window.start is None or t.closed_at >= window.start)
            start = round(balance - later, 2)
        return Selection(window, chosen, start, summarize(chosen, self.calendar(), start))

    async def select(self, window: Window) -> Selection:
        """The journal is read and summarised in a worker thread (it can be long)."""
        return await asyncio.to_thread(self.selection, window)

    async def select_many(self, windows: list[Window]) -> list[Selection]:
        def work() -> list[Selection]:
            trades = self.trades()
            return [self.selection(w, trades) for w in windows]

        return await asyncio.to_thread(work)

    # -- reports -----------------------------------------------------------------------------
    async def report(self, kind: str, window: Window) -> tuple[Report, Selection]:
        return await asyncio.to_thread(self.build_report, kind, window)

    def build_report(self, kind: str, window: Window) -> tuple[Report, Selection]:
        """Every SPEC §9.9 metric, per pair and per strategy, labelled PAPER/LIVE (blocking)."""
        selection = self.selection(window)
        calendar = self.calendar()
        pairs = per_pair(selection.trades, calendar)
        strategies = per_strategy(selection.trades, calendar)
        lines = summary_lines(selection.summary)
        table = breakdown_table(("Pair", pairs), ("Strategy", strategies))
        data = {**self.meta(kind, window), "summary": selection.summary.as_dict(),
                "per_pair": {k: v.as_dict() for k, v in pairs.items()},
                "per_strategy": {k: v.as_dict() for k, v in strategies.items()}}
        return Report(title(NAMES.get(kind, kind.upper()), self.mode_label, window),
                      tuple(lines), table, data), selection

    def meta(self, kind: str, window: Window) -> dict[str, Any]:
        return {"kind": kind, "mode": self.mode_label, "period": window.label,
                "period_key": window.key,
                "start": window.start.isoformat() if window.start else None,
                "end": window.end.isoformat(), "generated_at": self._clock.now().isoformat()}

    # -- files -------------------------------------------------------------------------------
    def _stem(self, prefix: str, window: Window) -> str:
        stamp = self._clock.now().strftime("%Y%m%d-%H%M%S")
        return f"{prefix}_{self.mode_label.lower()}_{window.key}_{stamp}"

    async def chart(self, selection: Selection, heading: str) -> Path:
        """The equity curve PNG, drawn in a worker thread (matplotlib is CPU-bound)."""
        path = self.exports_dir / f"{self._stem('equity', selection.window)}.png"
        tz = self._settings().analytics.timezone
        await asyncio.to_thread(charts.equity_chart, selection.trades, selection.start_balance,
                                path, heading, tz, selection.window.start)
        self._prune("equity_*.png")
        return path

    async def export(self, fmt: str, window: Window) -> tuple[list[Path], Selection]:
        selection = await self.select(window)
        summary = selection.summary.as_dict()
        stem = self._stem("trades", window)
        if fmt == "csv":
            paths = list(await asyncio.to_thread(export.write_csv, selection.trades, summary,
                                                 self.exports_dir, stem))
        elif fmt == "json":
            paths = [await asyncio.to_thread(export.write_json, selection.trades, summary,
                                             self.meta("export", window), self.exports_dir,
                                             stem)]
        else:
            raise ValueError(f"export format {fmt!r} is not allowed; use one of csv, json")
        self._prune("trades_*")
        return paths, selection

    def _prune(self, pattern: str) -> None:
        """Keep the newest `analytics.keep_files` files of one kind in the exports folder."""
        keep = self._settings().analytics.keep_files
        files = sorted(self.exports_dir.glob(pattern), key=lambda p: p.stat().st_mtime,
                       reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)

    def now(self) -> datetime:
        return self._clock.now()
