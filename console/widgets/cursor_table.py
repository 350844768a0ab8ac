"""Provides CursorTable: a LiveTable with a row cursor that follows its row across updates."""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from console.widgets.live_table import Cells, LiveTable


class CursorTable(LiveTable):
    """Up/down, page up/down, home/end and a click move a row cursor; Enter chooses the row.
    The cursor sits on a row key, so a ticket keeps the cursor when rows are added or sorted
    above it; when its row goes, the cursor stays at the same position. The cursor row is drawn
    in the `live-table--cursor` style only while the table has the focus (an unfocused
    dashboard shows no selection), and only that row is redrawn when it moves."""

    COMPONENT_CLASSES = LiveTable.COMPONENT_CLASSES | {"live-table--cursor"}
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
        Binding("enter", "choose", "Choose", show=False),
    ]

    class Chosen(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: CursorTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> CursorTable:
            return self.table

    def __init__(self, columns: tuple[tuple[str, str], ...], *, id: str | None = None) -> None:
        super().__init__(columns, id=id)
        self.cursor = 0
        """Index of the cursor row (0 = the first row under the header)."""
        self.cursor_key: str | None = None
        """Key of the cursor row; None while the table is empty."""

    # -- content -----------------------------------------------------------------------------
    def show(self, rows: Mapping[str, Cells], widths: Mapping[str, int]) -> None:
        keys = list(rows)
        current = self.cursor_key
        if current is not None and current in rows:
            if keys[min(self.cursor, len(keys) - 1)] != current:
                self.cursor = keys.index(current)  # rows came or went above it
        elif keys:
            self.cursor = min(self.cursor, len(keys) - 1)
        else:
            self.cursor = 0
        old_key = self.cursor_key
        self.cursor_key = keys[self.cursor] if keys else None
        super().show(rows, widths)
        if old_key != self.cursor_key:
            self.refresh_lines(self.cursor + 1)

    # -- moving --------------------------------------------------------------------------------
    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped), redraw both rows, keep it in view."""
        if not self.rows:
            return
        index = max(0, min(index, self.row_count - 1))
        previous, self.cursor = self.cursor, index
        self.cursor_key = list(self.rows)[index]
        self.refresh_lines(previous + 1)
        self.refresh_lines(index + 1)
        # Row `index` is line index + 1; the header line never scrolls out of the way.
        top = self.scroll_offset.y
        visible = max(1, self.size.height - 1)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + visible:
            self.scroll_to(y=index - visible + 1, animate=False)

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height - 2))

    def action_cursor_to(self, index: int) -> None:
        self.move_to(index if index >= 0 else self.row_count - 1)

    def action_choose(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Chosen(self, self.cursor_key))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if event.y >= 1 and 0 <= index < self.row_count:
            self.move_to(index)
            if event.chain == 2:
                self.action_choose()

    def on_focus(self) -> None:
        self.refresh_lines(self.cursor + 1)

    def on_blur(self) -> None:
        self.refresh_lines(self.cursor + 1)

    # -- drawing -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y - 1
        if y == 0 or index != self.cursor or not self.has_focus or not self.rows:
            return super().render_line(y)
        if self._restyled:
            self._check_styles()
        cells = self.rows[self.cursor_key or ""]
        strip = self._line([cells[key] for key, _ in self.columns],
                           self._style("live-table--cursor"))
        scroll_x = self.scroll_offset.x
        return strip.crop_extend(scroll_x, scroll_x + self.size.width,
                                 self._style("live-table--cursor"))

    def row_region(self, index: int) -> Region:
        """Where row `index` is on screen (Pilot clicks use it)."""
        return Region(self.region.x, self.region.y + 1 + index - self.scroll_offset.y,
                      self.region.width, 1)

