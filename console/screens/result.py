"""Provides the result modal: a reply's title, lines and table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from core.commands.spec import Reply


class ResultScreen(ModalScreen[None]):
    """Read-only view of a reply too rich for a toast (a table, or many lines)."""

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply

    def compose(self) -> ComposeResult:
        classes = "dialog -result" + ("" if self.reply.ok else " -failed")
        with Vertical(id="dialog", classes=classes):
            yield Static(self.reply.title, classes="dialog-title", markup=False)
            if self.reply.command_line:
                yield Static(self.reply.command_line, classes="dialog-command", markup=False)
            if self.reply.lines:
                yield Static("\n".join(self.reply.lines), id="result-lines",
                             classes="dialog-body", markup=False)
            if self.reply.table is not None:
                table: DataTable[Text] = DataTable(id="result-table", cursor_type="row",
                                                   zebra_stripes=True)
                table.add_columns(*self.reply.table.columns)
                for row in self.reply.table.rows:
                    table.add_row(*(Text(cell) for cell in row))
                yield table
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
