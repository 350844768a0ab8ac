"""Provides the parameter modal: collects a command's parameters and validates them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static

from core.commands.registry import CommandRegistry
from core.commands.spec import CommandError, CommandSpec, Param


class PresetButton(Button):
    """A suggested value; pressing it fills the parameter's input."""

    def __init__(self, param: str, value: str, index: int) -> None:
        super().__init__(value, id=f"preset-{param}-{index}", classes="preset", compact=True)
        self.param = param
        self.value = value


def describe(param: Param) -> str:
    """`amount (required) · 10–5000 · daily loss cap in dollars`."""
    parts = [param.name + (" (required)" if param.required else " (optional)")]
    if param.minimum is not None and param.maximum is not None:
        parts.append(f"{param.minimum:g}–{param.maximum:g}")
    if param.help:
        parts.append(param.help)
    return " · ".join(parts)


class ParamsScreen(ModalScreen[str | None]):
    """One field per parameter: a Select for a closed set of choices, otherwise an Input with
    the registry's presets as buttons. Each value is checked with the registry's own parser and
    the whole call with `CommandRegistry.bind`; errors show inline. Dismisses with the canonical
    command line, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, spec: CommandSpec, registry: CommandRegistry, *,
                 cursor_blink: bool = True) -> None:
        super().__init__()
        self.spec = spec
        self.registry = registry
        self.cursor_blink = cursor_blink

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -params"):
            yield Static(f"/{self.spec.name}", classes="dialog-title", markup=False)
            yield Static(self.spec.summary, classes="dialog-body", markup=False)
            with VerticalScroll(id="param-fields"):
                for param in self.spec.params:
                    yield from self._field(param)
            yield Static("", id="form-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Run", id="run", variant="primary")

    def _field(self, param: Param) -> ComposeResult:
        yield Static(describe(param), classes="field-label", markup=False)
        if param.choices:
            yield Select([(c, c) for c in param.choices], id=f"param-{param.name}",
                         allow_blank=not param.required or param.default is None,
                         value=param.default if param.default in param.choices
                         else Select.NULL, prompt=f"choose {param.name}")
        else:
            if param.presets:
                with Horizontal(classes="presets"):
                    for index, preset in enumerate(param.presets):
                        yield PresetButton(param.name, preset, index)
            field = Input(id=f"param-{param.name}", placeholder=param.type,
                          value="" if param.default is None else str(param.default))
            field.cursor_blink = self.cursor_blink
            yield field
        yield Static("", id=f"error-{param.name}", classes="field-error", markup=False)

    def on_mount(self) -> None:
        if self.spec.params:
            self.query_one(f"#param-{self.spec.params[0].name}").focus()

    def raw_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for param in self.spec.params:
            widget = self.query_one(f"#param-{param.name}")
            if isinstance(widget, Select):
                if widget.value is not Select.NULL:
                    values[param.name] = str(widget.value)
            elif isinstance(widget, Input) and widget.value.strip():
                values[param.name] = widget.value.strip()
        return values

    def validate(self) -> str | None:
        """The canonical command line, or None after showing every error inline."""
        values = self.raw_values()
        ok = True
        for param in self.spec.params:
            message = ""
            if param.name in values:
                try:
                    param.parse(values[param.name])
                except CommandError as exc:
                    message = str(exc)
            elif param.required:
                message = f"{param.name}: a value is required"
            self.query_one(f"#error-{param.name}", Static).update(message)
            ok = ok and not message
        form_error = self.query_one("#form-error", Static)
        form_error.update("")
        if not ok:
            return None
        try:
            _spec, _args, line = self.registry.bind(self.spec, values)
        except CommandError as exc:
            form_error.update(str(exc))
            return None
        return line

    def submit(self) -> None:
        line = self.validate()
        if line is not None:
            self.dismiss(line)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if isinstance(event.button, PresetButton):
            self.query_one(f"#param-{event.button.param}", Input).value = event.button.value
        elif event.button.id == "run":
            self.submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def action_cancel(self) -> None:
        self.dismiss(None)
