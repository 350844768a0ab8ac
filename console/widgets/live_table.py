"""Provides LiveTable: a read-only table drawn line by line, redrawing only the rows that change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cells = Mapping[str, Text]
CELL_PADDING = 1
"""Blank cells either side of every cell (as a DataTable's default)."""


class LiveTable(ScrollView, can_focus=True):
    """Rows of `Text` cells under a fixed header row, zebra-striped, scrolled with the keys of
    any scrollable (up/down, page up/down, home/end). Each row is rendered once into a strip
    and again only when its cells object is replaced, so a price tick over hundreds of rows
    repaints just those rows (a DataTable re-renders every visible cell on any update). The
    caller decides column widths; `show` takes the whole table each time."""

    COMPONENT_CLASSES = {"live-table--header", "live-table--even-row", "live-table--odd-row"}

    def __init__(self, columns: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        """Column keys and labels, in display order."""
        self.widths: dict[str, int] = {key: len(label) for key, label in self.columns}
        self.rows: dict[str, Cells] = {}
        """The rows by key, in display order."""
        self._order: list[str] = []
        self._strips: dict[str, tuple[Cells, int, Strip]] = {}
        """Row key → (the cells it was drawn from, their zebra parity, the strip)."""
        self._header: tuple[Strip, Style] | None = None
        self._styles: tuple[Style, ...] = ()
        """The base and component styles the cached strips were drawn with."""
        self._base = Style()
        self._row_styles: dict[str, Style] = {}
        """Each component's style over the base (computing one walks the DOM: 0.2 ms)."""
        self._restyled = True

    # -- content -----------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._order)

    def get_row_at(self, index: int) -> list[Text]:
        cells = self.rows[self._order[index]]
        return [cells[key] for key, _ in self.columns]

    def show(self, rows: Mapping[str, Cells], widths: Mapping[str, int]) -> None:
        """Replace the content. A row whose cells object is the one shown is not redrawn."""
        order = list(rows)
        previous = self.rows
        if dict(widths) != self.widths:
            self.widths = dict(widths)
            self._forget()
        self.rows = dict(rows)
        if order != self._order:
            self._order = order
            self._strips = {key: drawn for key, drawn in self._strips.items() if key in rows}
            self._resize()
            self.refresh()
            return
        for index, key in enumerate(order):
            if previous.get(key) is not rows[key]:
                self.refresh_lines(index + 1)  # line 0 is the header

    def _resize(self) -> None:
        width = sum(w + 2 * CELL_PADDING for w in self.widths.values())
        self.virtual_size = Size(width, len(self._order) + 1)

    def _forget(self) -> None:
        self._strips.clear()
        self._header = None
        self._resize()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyled = True

    def _check_styles(self) -> None:
        """Styles are re-applied on any class change on screen (maximising a pane...); the
        cached strips are dropped only if this table's colours actually changed."""
        self._restyled = False
        names = sorted(self.COMPONENT_CLASSES)
        styles = (self.rich_style, *(self.get_component_styles(name).rich_style
                                     for name in names))
        self._base = styles[0]
        self._row_styles = {name: self._base + style
                            for name, style in zip(names, styles[1:], strict=True)}
        if styles != self._styles:
            self._styles = styles
            self._strips.clear()
            self._header = None

    # -- drawing -------------------------------------------------------------------------------
    def _line(self, cells: Sequence[Text], style: Style) -> Strip:
        """One table line: padded cells over a row style."""
        line = Text(no_wrap=True, end="")
        for (key, _), cell in zip(self.columns, cells, strict=True):
            width = self.widths[key]
            if cell.cell_len > width:
                cell = cell.copy()
                cell.truncate(width, overflow="ellipsis")
            line.append(" " * CELL_PADDING)
            line.append_text(cell)
            line.append(" " * (width - cell.cell_len + CELL_PADDING))
        return Strip(list(line.render(self.app.console)), line.cell_len).apply_style(style)

    def _style(self, component: str) -> Style:
        """The widget's style with a component's over it (as a DataTable draws its rows)."""
        if self._restyled:
            self._check_styles()
        return self._row_styles[component]

    def _header_strip(self) -> tuple[Strip, Style]:
        """The header line and the style that fills it to the right edge."""
        if self._header is None:
            style = self._style("live-table--header")
            labels = [Text(label) for _, label in self.columns]
            self._header = (self._line(labels, style), style)
        return self._header

    def _row_strip(self, index: int) -> Strip:
        key = self._order[index]
        cells = self.rows[key]
        parity = index % 2
        drawn = self._strips.get(key)
        if drawn is not None and drawn[0] is cells and drawn[1] == parity:
            return drawn[2]
        name = "live-table--odd-row" if parity else "live-table--even-row"
        strip = self._line([cells[k] for k, _ in self.columns], self._style(name))
        self._strips[key] = (cells, parity, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        if self._restyled:
            self._check_styles()
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self._base
        if y == 0:
            header, style = self._header_strip()
            return header.crop_extend(scroll_x, scroll_x + width, style)
        index = scroll_y + y - 1
        if index >= len(self._order):
            return Strip.blank(width, base)
        return self._row_strip(index).crop_extend(scroll_x, scroll_x + width, base)
