"""Provides TablePane: the shared shape of the row panes (conflicts, checkpoints, chains)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize

from console.formatting import DASH
from console.widgets.cursor_table import Cells, CursorTable
from core.clock import to_display

Row = TypeVar("Row")


def fit_widths(columns: tuple[tuple[str, str], ...], rows: list[Cells],
               minimum: Mapping[str, int], flex: str, room: int,
               shown: Mapping[str, int] | None = None) -> dict[str, int]:
    """Column widths: each column as wide as its widest cell in `rows` (at least its label,
    its minimum, and its width in `shown` - so columns only grow); the `flex` column gets
    the room the others leave (its text is cut with an ellipsis), never less than its
    minimum. `room` is 0 before the first layout."""
    labels = dict(columns)
    floor = shown or {}
    widths = {key: max(len(label), minimum.get(key, 0), floor.get(key, 0))
              for key, label in columns}
    for cells in rows:
        for key, cell in cells.items():
            widths[key] = max(widths[key], cell.cell_len)
    left = room - sum(w + 2 for key, w in widths.items() if key != flex) - 2
    if room > 0:
        widths[flex] = max(minimum.get(flex, len(labels[flex])), min(widths[flex], left))
    return widths


def local_time(iso: str, timezone: str, fmt: str = "%H:%M") -> str:
    """An ISO time from an event, in the display timezone; a dash if empty or unreadable."""
    try:
        return f"{to_display(datetime.fromisoformat(iso), timezone):{fmt}}"
    except ValueError:
        return DASH


class TablePane(Vertical, Generic[Row]):
    """A bordered pane around one CursorTable, fed with whole row tuples by `show`. A row equal
    to the one shown keeps its cells (the table does not redraw it); a theme change rebuilds
    every cell; a resize re-fits the flexible column. Subclasses say how a row is keyed,
    drawn and summed up in the border."""

    ALLOW_MAXIMIZE = True
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    MIN_WIDTHS: ClassVar[dict[str, int]] = {}
    FLEX: ClassVar[str] = ""
    """The column that takes the width the others leave."""
    TABLE_ID: ClassVar[str] = ""
    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset()
    """Actions that act on the cursor row: hidden from the footer while the pane is empty."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: tuple[Row, ...] = ()
        self.shown: dict[str, tuple[Row, Cells]] = {}
        self.widths: dict[str, int] = {}
        """Widths shown: while rows stay and the pane keeps its size, columns only grow, so
        a changing value never changes the table's width (no layout pass, no jitter)."""
        self.timezone = "Asia/Kolkata"

    def compose(self) -> ComposeResult:
        yield CursorTable(self.COLUMNS, id=self.TABLE_ID)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_rows(True))
        self._render_rows()

    def on_resize(self, _event: Resize) -> None:
        self.widths = {}
        self._render_rows()

    @property
    def table(self) -> CursorTable:
        return self.query_one(f"#{self.TABLE_ID}", CursorTable)

    @property
    def variables(self) -> Mapping[str, str]:
        return self.app.theme_variables

    def set_timezone(self, timezone: str) -> None:
        self.timezone = timezone
        self._render_rows(True)

    def show(self, rows: tuple[Row, ...]) -> None:
        had = bool(self.rows)
        self.rows = rows
        self._render_rows()
        if had != bool(rows):
            self.refresh_bindings()  # row actions are offered only while there are rows

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.rows) if action in self.ROW_ACTIONS else True

    def selected(self) -> Row | None:
        """The row under the cursor, if any."""
        key = self.table.cursor_key
        shown = self.shown.get(key) if key is not None else None
        return shown[0] if shown is not None else None

    # -- subclass hooks ------------------------------------------------------------------------
    def key(self, row: Row) -> str:
        raise NotImplementedError

    def cells(self, row: Row) -> dict[str, Text]:
        raise NotImplementedError

    def describe(self) -> tuple[str, str]:
        """Border title and subtitle for the rows shown."""
        raise NotImplementedError

    # -- drawing -------------------------------------------------------------------------------
    def _render_rows(self, recolour: bool = False) -> None:
        if not self.is_mounted:
            return
        rows: dict[str, tuple[Row, Cells]] = {}
        for row in self.rows:
            key = self.key(row)
            old = self.shown.get(key)
            rows[key] = (old if old is not None and old[0] == row and not recolour
                         else (row, self.cells(row)))
        if self.widths:  # measure the new cells only: the others are in the widths shown
            measured = [c for key, (_, c) in rows.items()
                        if key not in self.shown or self.shown[key][1] is not c]
        else:
            measured = [c for _, c in rows.values()]
        widths = fit_widths(self.COLUMNS, measured, self.MIN_WIDTHS, self.FLEX,
                            self.table.size.width, self.widths)
        self.widths = widths if rows and not recolour else {}
        self.shown = rows
        self.table.show({key: c for key, (_, c) in rows.items()}, widths)
        self.border_title, self.border_subtitle = self.describe()
