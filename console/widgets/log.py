"""Provides the log pane: the engine's log records, level-coloured, filterable by level."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from console.formatting import level_variable, theme_style
from console.widgets.log_view import LogView
from core.clock import to_display
from core.events import LogEmitted

LEVELS: tuple[str, ...] = ("DEBUG", "INFO", "WARNING", "ERROR")
"""The filter steps, lowest first: `f` shows this level and above."""
RANKS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def rank(level: str) -> int:
    return RANKS.get(level.upper(), 20)


class LogPane(Vertical):
    """A LogView of `LogEmitted` records; keeps the newest `limit` (all levels) to recolour on
    theme change and to re-filter: `f` steps the lowest level shown DEBUG → INFO → WARNING →
    ERROR → DEBUG."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [Binding("f", "cycle_level", "Level filter")]

    def __init__(self, *, limit: int = 1000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.limit = limit
        self.records: deque[LogEmitted] = deque(maxlen=limit)
        self.timezone = "Asia/Kolkata"
        self.min_level = "DEBUG"
        """The lowest level shown."""
        self.border_title = "Log"
        self.border_subtitle = "all levels · f filters"

    def compose(self) -> ComposeResult:
        yield LogView(self.line, limit=self.limit, id="log-view")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())

    @property
    def view(self) -> LogView[LogEmitted]:
        return self.query_one("#log-view", LogView)

    @property
    def wrap_width(self) -> int:
        """The width the lines are wrapped at (kept while another pane is maximised)."""
        return self.view.wrap_width

    def set_timezone(self, timezone: str) -> None:
        if timezone != self.timezone:
            self.timezone = timezone
            self.redraw()

    def add(self, records: tuple[LogEmitted, ...]) -> None:
        self.records.extend(records)
        floor = rank(self.min_level)
        self.view.append(r for r in records if rank(r.level) >= floor)

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

    def clear(self) -> None:
        self.records.clear()
        self.view.clear()

    def redraw(self) -> None:
        self.view.replace(self.shown())

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
