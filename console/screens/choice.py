"""Provides the choice modal: pick one of a few answers (which side resolves a conflict)."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ChoiceScreen(ModalScreen[str | None]):
    """A title, what is at stake, one button per choice (keys 1, 2, ... too) and Cancel.
    Dismisses with the chosen value, or None (Cancel, Escape). Choosing does not run anything
    by itself: the caller runs the command, whose own confirmation follows."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, lines: tuple[str, ...], choices: tuple[str, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static("\n".join(self.lines), id="choice-body", classes="dialog-body",
                         markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                for index, choice in enumerate(self.choices, start=1):
                    yield Button(f"{index} · {choice}", id=f"choice-{index}",
                                 variant="primary", name=choice)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_key(self, event: events.Key) -> None:
        if event.key.isdigit() and 1 <= int(event.key) <= len(self.choices):
            event.stop()
            self.dismiss(self.choices[int(event.key) - 1])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.name if event.button.id != "cancel" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
