"""Provides the sync conflicts pane: open conflicts first, each resolvable from the pane."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.binding import Binding

from console.formatting import DASH, styled
from console.messages import RunCommand
from console.screens.choice import ChoiceScreen
from console.widgets.cursor_table import CursorTable
from console.widgets.table_pane import TablePane, local_time
from core.infra.events import ConflictRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("status", "Status"), ("kind", "Kind"), ("detail", "Detail"),
)
MIN_WIDTHS: dict[str, int] = {"id": 5, "status": 8, "kind": 12, "detail": 10}
"""The state type and the ticket are in the detail and in the resolve dialog."""
STATUS_VARIABLES = {"OPEN": "health-degraded", "RESOLVED": "health-up"}


def target(row: ConflictRow) -> str:
    """What the conflict is about: `#10000001` or `EURUSD`."""
    if row.ticket:
        return f"#{row.ticket}"
    return row.symbol or DASH


class ConflictsPane(TablePane[ConflictRow]):
    """Every conflict the sync service reports (SPEC §3.7), open first. `r` (or Enter) on an
    open conflict asks which side wins (its own choices, e.g. legacy | hybrid), then runs
    `/resolve <id> <choice>`, which asks for confirmation like any confirm-command."""

    COLUMNS = COLUMNS
    MIN_WIDTHS = MIN_WIDTHS
    FLEX = "detail"
    ROW_ACTIONS = frozenset({"resolve"})
    TABLE_ID = "conflicts-table"
    BINDINGS = [Binding("r", "resolve", "Resolve")]

    def key(self, row: ConflictRow) -> str:
        return row.conflict_id

    def cells(self, row: ConflictRow) -> dict[str, Text]:
        variables = self.variables
        is_open = row.status.upper() == "OPEN"
        detail = row.detail if is_open or not row.resolution else \
            f"{row.detail} → {row.resolution}"
        return {
            "id": styled(row.conflict_id, variables, "foreground", bold=is_open),
            "kind": Text(row.kind),
            "status": styled(row.status.upper(), variables,
                             STATUS_VARIABLES.get(row.status.upper(), "foreground-muted"),
                             bold=is_open),
            "detail": styled(detail, variables, "foreground" if is_open
                             else "foreground-muted"),
        }

    def describe(self) -> tuple[str, str]:
        open_rows = sum(1 for r in self.rows if r.status.upper() == "OPEN")
        if not self.rows:
            return "Sync conflicts", "no conflicts"
        resolved = len(self.rows) - open_rows
        return (f"Sync conflicts · {open_rows} open",
                f"{resolved} resolved · r resolves" if open_rows else f"{resolved} resolved")

    def action_resolve(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row.status.upper() != "OPEN" or not row.choices:
            self.notify(f"{row.conflict_id} is {row.status.lower()}: nothing to resolve.",
                        title="Sync conflicts", markup=False)
            return
        at = local_time(row.detected_at, self.timezone, "%H:%M:%S")
        lines = (f"{row.state_type} · {row.kind} · {target(row)} · detected {at}",
                 row.detail, f"Proposed: {row.proposal}" if row.proposal else "")
        screen = ChoiceScreen(f"Resolve {row.conflict_id}: which side wins?",
                              tuple(line for line in lines if line), row.choices)
        self.app.push_screen(screen, callback=partial(self._chosen, row.conflict_id))

    def _chosen(self, conflict_id: str, choice: str | None) -> None:
        if choice:
            self.post_message(RunCommand(f"/resolve {conflict_id} {choice}"))

    def on_cursor_table_chosen(self, message: CursorTable.Chosen) -> None:
        message.stop()
        self.action_resolve()
