"""Provides the log pane: the engine's log records, level-coloured, filterable by level."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import RichLog

from console.formatting import level_variable, theme_style
from core.clock import to_display
from core.events import LogEmitted

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")
"""The filter steps, lowest first: `f` shows this level and above."""
RANKS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def rank(level: str) -> int:
    return RANKS.get(level.upper(), 20)


class LogPane(Vertical):
    """A RichLog of `LogEmitted` records; keeps the newest `limit` (all levels) to recolour on
    theme change and to re-filter: `f` steps the lowest level shown DEBUG → INFO → WARNING →
    ERROR → DEBUG."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [Binding("f", "cycle_level", "Level filter")]

    def __init__(self, *, limit: int = 1000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit = limit
        self.records: deque[LogEmitted] = deque(maxlen=limit)
        self.timezone = "Asia/Kolkata"
        self.wrap_width = 0
        """Width the current lines were wrapped at (RichLog does not re-wrap on resize)."""
        self.min_level = "DEBUG"
        """The lowest level shown."""
        self.border_title = "Log"
        self.border_subtitle = "all levels · f filters"

    def compose(self) -> ComposeResult:
        yield RichLog(id="log-view", max_lines=self.limit, markup=False, highlight=False,
                      wrap=True, auto_scroll=True)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())

    def on_resize(self) -> None:
        width = self._width()
        if width and width != self.wrap_width:  # 0 while another pane is maximised
            self.redraw()

    def _width(self) -> int:
        return self.view.scrollable_content_region.width

    @property
    def view(self) -> RichLog:
        return self.query_one("#log-view", RichLog)

    def set_timezone(self, timezone: str) -> None:
        self.timezone = timezone

    def add(self, records: tuple[LogEmitted, ...]) -> None:
        self.records.extend(records)
        self._write(records)

    def set_level(self, level: str) -> None:
        """Show `level` and above (every record is kept: lowering the level shows them)."""
        self.min_level = level.upper()
        self.border_subtitle = ("all levels · f filters" if self.min_level == LEVELS[0]
                                else f"{self.min_level} and above · f filters")
        self.redraw()

    def action_cycle_level(self) -> None:
        index = LEVELS.index(self.min_level) if self.min_level in LEVELS else 0
        self.set_level(LEVELS[(index + 1) % len(LEVELS)])

    def shown(self) -> list[LogEmitted]:
        """The kept records the filter lets through, oldest first."""
        floor = rank(self.min_level)
        return [r for r in self.records if rank(r.level) >= floor]

    def _write(self, records: Iterable[LogEmitted]) -> None:
        """Wrap at the pane's width (RichLog would use the console's, 80 when headless); while
        another pane is maximised (width 0 here), at the width this pane will get back."""
        view = self.view
        self.wrap_width = self._width() or self.wrap_width
        floor = rank(self.min_level)
        for record in records:
            if rank(record.level) >= floor:
                view.write(self.line(record), width=self.wrap_width or None)

    def clear(self) -> None:
        self.records.clear()
        self.view.clear()

    def redraw(self) -> None:
        self.view.clear()
        self._write(self.records)

    def line(self, record: LogEmitted) -> Text:
        """`14:05:12 WARNING core.engine  message` with the level in its theme colour."""
        variables = self.app.theme_variables
        local = to_display(record.time, self.timezone)
        level = record.level.upper()
        text = Text(no_wrap=False, end="")
        text.append(f"{local:%H:%M:%S} ", style=theme_style(variables, "log-time"))
        text.append(f"{level:<8}", style=theme_style(variables, level_variable(level),
                                                     bold=level in ("ERROR", "CRITICAL")))
        text.append(f"{record.logger}  ", style=theme_style(variables, "log-time"))
        text.append(record.message, style=theme_style(variables, level_variable(level)))
        return text
