"""Provides the plugin health pane: state, track, version, calls, errors, latency, memory."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize

from console.formatting import styled
from console.widgets.live_table import LiveTable
from core.events import PluginHealthRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("plugin", "Plugin"), ("state", "State"), ("track", "Track"), ("version", "Ver"),
    ("calls", "Calls"), ("errors", "Err10m"), ("p50", "p50ms"), ("p95", "p95ms"),
    ("memory", "Mem"), ("last_error", "Error"),
)
"""Column keys and labels, in display order."""
MIN_WIDTHS: dict[str, int] = {"plugin": 19, "state": 8, "track": 9, "calls": 5,
                              "p50": 5, "p95": 5, "memory": 4, "last_error": 8}
"""Starting widths, so the columns do not jump when the first rows arrive."""
MAX_ERROR_WIDTH = 40
"""The last error is cut to this many cells, or to the room the table has left (the whole
text is in the log)."""
STATE_VARIABLES: dict[str, str] = {
    "active": "health-up", "shadow": "mode-paper", "disabled": "text-muted",
    "idle": "text-muted", "blocked": "health-down",
}
"""The theme variable each plugin state is shown in."""


def latency(ms: float, calls: int) -> str:
    return f"{ms:.1f}" if calls else "—"


def memory(kb: float, calls: int) -> str:
    """The sampled memory growth of a plugin's calls: `640k`, `1.2M`; a dash before any."""
    if not calls and not kb:
        return "—"
    if kb >= 1024:
        return f"{kb / 1024:.1f}M"
    return f"{kb:.0f}k"


class PluginHealthPane(Vertical):
    """A read-only table fed by `PluginHealthUpdated`, one row per plugin (sorted by id):
    the state in its theme colour, errors of the last 10 minutes in the down colour."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: tuple[PluginHealthRow, ...] = ()
        self.shown: dict[str, tuple[PluginHealthRow, dict[str, Text]]] = {}
        """What each table row shows, by plugin id, in table order."""
        self.border_title = "Plugin health"

    def compose(self) -> ComposeResult:
        yield LiveTable(COLUMNS, id="plugin-health-table")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_rows(True))
        self._render_rows()

    def on_resize(self, _event: Resize) -> None:
        self._render_rows()

    @property
    def table(self) -> LiveTable:
        return self.query_one("#plugin-health-table", LiveTable)

    def show(self, rows: tuple[PluginHealthRow, ...]) -> None:
        self.rows = tuple(sorted(rows, key=lambda r: r.plugin_id))
        self._render_rows()

    def _cells(self, r: PluginHealthRow) -> dict[str, Text]:
        variables = self.app.theme_variables
        errors = (styled(str(r.errors), variables, "health-down", bold=True) if r.errors
                  else Text("0"))
        last = r.last_error[:MAX_ERROR_WIDTH] if r.last_error else "—"
        return {
            "plugin": styled(r.plugin_id, variables, "brand", bold=True),
            # A throttled plugin still runs, slowed down (SPEC §3.9.2): say so in its state.
            "state": (styled("throttled", variables, "health-degraded", bold=True)
                      if r.throttled and r.state == "active" else
                      styled(r.state, variables, STATE_VARIABLES.get(r.state, "foreground"))),
            "track": Text(r.track), "version": Text(r.version),
            "calls": Text(str(r.calls)), "errors": errors,
            "p50": Text(latency(r.p50_ms, r.calls)), "p95": Text(latency(r.p95_ms, r.calls)),
            "memory": Text(memory(r.memory_kb, r.calls)),
            "last_error": (styled(last, variables, "health-down") if r.last_error
                           else styled(last, variables, "text-muted")),
        }

    def _render_rows(self, recolour: bool = False) -> None:
        """Bring the table in line with `rows`; an unchanged row keeps its cells (and is not
        redrawn). `recolour` rebuilds every cell (new theme colours)."""
        rows: dict[str, tuple[PluginHealthRow, dict[str, Text]]] = {}
        for r in self.rows:
            old = self.shown.get(r.plugin_id)
            rows[r.plugin_id] = (old if old is not None and old[0] == r and not recolour
                                 else (r, self._cells(r)))
        widths = {key: max(len(label), MIN_WIDTHS.get(key, 0)) for key, label in COLUMNS}
        for _, cells in rows.values():
            for key, cell in cells.items():
                widths[key] = max(widths[key], cell.cell_len)
        room = self.table.size.width - sum(w + 2 for k, w in widths.items() if k != "last_error")
        if room > 2:  # laid out: the last error takes the room left, never less than its label
            widths["last_error"] = max(MIN_WIDTHS["last_error"],
                                       min(widths["last_error"], room - 2))
        self.shown = rows
        self.table.show({key: cells for key, (_, cells) in rows.items()}, widths)
        trading = sum(1 for r in self.rows if r.state in ("active", "shadow"))
        errors = sum(r.errors for r in self.rows)
        if not self.rows:
            self.border_title, self.border_subtitle = "Plugin health", "no plugins loaded"
            return
        self.border_title = f"Plugin health · {trading}/{len(self.rows)} active"
        self.border_subtitle = (f"{errors} error{'s' if errors != 1 else ''} in 10 min"
                                if errors else "no errors in 10 min")
