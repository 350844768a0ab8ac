"""Provides the signals pane: the latest alerts with what became of them and why."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from console.formatting import styled
from console.messages import SignalView
from core.clock import to_display

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("time", "Time", 8), ("format", "Format", 6), ("signal", "Signal", 34),
    ("outcome", "Outcome", 9), ("reason", "Reason", 18),
)
"""Column keys, labels and widths (fixed: the newest row is on top, nothing jumps)."""
OUTCOME_VARIABLES = {"executed": "health-up", "rejected": "health-down", "error": "health-down",
                     "blocked": "health-degraded", "duplicate": "log-debug",
                     "ignored": "log-debug", "shadow": "log-info"}
"""Outcome → semantic theme variable."""


class SignalsPane(Vertical):
    """Newest first; keeps the last `limit` alerts (the signal log itself is in the store)."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, limit: int = 200, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: deque[SignalView] = deque(maxlen=limit)
        self.timezone = "Asia/Kolkata"
        self.border_title = "Signals"

    def compose(self) -> ComposeResult:
        yield DataTable(id="signals-table", show_cursor=False, zebra_stripes=True)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_rows())
        self._render_rows()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#signals-table", DataTable)

    def set_timezone(self, timezone: str) -> None:
        self.timezone = timezone

    def add(self, views: tuple[SignalView, ...]) -> None:
        self.rows.extendleft(views)  # views come oldest first: the newest ends on top
        self._render_rows()

    def _cells(self, view: SignalView) -> list[Text]:
        variables = self.app.theme_variables
        when = to_display(view.time, self.timezone)
        return [Text(f"{when:%H:%M:%S}"), Text(view.family), Text(view.summary),
                styled(view.outcome, variables, OUTCOME_VARIABLES.get(view.outcome, "log-info"),
                       bold=view.outcome == "executed"),
                Text(view.reason)]

    def _render_rows(self) -> None:
        table = self.table
        table.clear(columns=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        for view in self.rows:
            table.add_row(*self._cells(view))
        executed = sum(1 for v in self.rows if v.outcome == "executed")
        self.border_subtitle = f"{len(self.rows)} shown · {executed} executed" if self.rows \
            else "no alerts yet"
