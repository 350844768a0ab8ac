"""Provides the checkpoints pane: kept checkpoints, newest first; create one, roll back to one."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from console.formatting import styled
from console.messages import RunCommand
from console.widgets.cursor_table import CursorTable
from console.widgets.table_pane import TablePane, local_time
from core.infra.events import CheckpointRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("taken", "Taken"), ("plugin", "Plugin"), ("reason", "Reason"),
)
MIN_WIDTHS: dict[str, int] = {"taken": 12, "plugin": 6, "reason": 7}
"""No ID column: an ID repeats the plugin and the time (CP_<plugin>_<stamp>_<n>); the
confirmation of a rollback shows it."""
SYSTEM = "all"
"""How a whole-system checkpoint (plugin_id "") is shown and named to /rollback."""


def rollback_line(row: CheckpointRow) -> str:
    """`/rollback <plugin> <checkpoint>`: the checkpoint's own plugin, `all` for the system."""
    return f"/rollback {row.plugin_id or SYSTEM} {row.checkpoint_id}"


class CheckpointsPane(TablePane[CheckpointRow]):
    """Every kept checkpoint (SPEC §3.6.1), newest first. `n` takes one of every plugin
    (`/checkpoint all`, which changes nothing else, so it runs at once); `b` (or Enter)
    rolls back to the cursor row (`/rollback <plugin> <checkpoint>`, a confirm-command: the
    confirmation modal comes first). The last rollback (automatic or not) stays in the
    border until the next one."""

    COLUMNS = COLUMNS
    MIN_WIDTHS = MIN_WIDTHS
    FLEX = "reason"
    ROW_ACTIONS = frozenset({"rollback"})
    TABLE_ID = "checkpoints-table"
    BINDINGS = [
        Binding("n", "create", "New checkpoint"),
        Binding("b", "rollback", "Roll back"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.last_rollback = ""
        """`rolled back to CP_3 (MANUAL_REQUEST)`, once a rollback happened."""

    def key(self, row: CheckpointRow) -> str:
        return row.checkpoint_id

    def cells(self, row: CheckpointRow) -> dict[str, Text]:
        variables = self.variables
        return {
            "taken": styled(local_time(row.created_at, self.timezone, "%d %b %H:%M"),
                            variables, "log-time"),
            "plugin": styled(row.plugin_id or SYSTEM, variables, "text-accent", bold=True),
            "reason": Text(" · ".join(p for p in (row.reason, row.note) if p)),
        }

    def describe(self) -> tuple[str, str]:
        title = f"Checkpoints · {len(self.rows)} kept" if self.rows else "Checkpoints"
        if self.last_rollback:
            return title, self.last_rollback
        return title, ("n new · b roll back" if self.rows else "none yet · n takes one")

    def rolled_back(self, checkpoint_id: str, reason: str, plugin_id: str) -> None:
        self.last_rollback = f"{plugin_id or SYSTEM} rolled back to {checkpoint_id} ({reason})"
        self.border_title, self.border_subtitle = self.describe()

    def action_create(self) -> None:
        self.post_message(RunCommand(f"/checkpoint {SYSTEM}"))

    def action_rollback(self) -> None:
        row = self.selected()
        if row is not None:
            self.post_message(RunCommand(rollback_line(row)))

    def on_cursor_table_chosen(self, message: CursorTable.Chosen) -> None:
        message.stop()
        self.action_rollback()
