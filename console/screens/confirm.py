"""Provides the confirmation modal for commands whose reply asks for confirmation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Shows the command line and what confirming will do; dismisses True only on Confirm."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, command_line: str, lines: tuple[str, ...]) -> None:
        super().__init__()
        self.command_line = command_line
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -danger"):
            yield Static("Confirm command", classes="dialog-title")
            yield Static(self.command_line, id="confirm-command", classes="dialog-command",
                         markup=False)
            yield Static("\n".join(self.lines), id="confirm-effect", classes="dialog-body",
                         markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Confirm", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)
