"""Provides V5ConsoleApp, its factory `make_console` and `run_tui` (the TUI entry point)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandInput, CommandPalette
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from console.collector import PacedCollector
from console.commands import RegistryCommands
from console.event_pump import EventPump
from console.formatting import toast_severity
from console.messages import (
    DashboardResumed,
    EngineBuilt,
    EngineFailed,
    EngineStarted,
    EngineStopping,
    RunCommand,
    ThemeSettingChanged,
)
from console.screens.confirm import ConfirmScreen
from console.screens.dashboard import DashboardScreen
from console.screens.params import ParamsScreen
from console.screens.result import ResultScreen
from console.theming import mark_first_frame, remembered_theme
from core.commands.registry import CommandRegistry
from core.commands.spec import Actor, Reply, Surface
from themes import (
    DEFAULT_THEME,
    STYLESHEETS,
    THEMES,
    theme_for_setting,
    theme_variable_defaults,
)

if TYPE_CHECKING:
    from core.engine import Engine, EngineOptions

Lifecycle = Literal["idle", "starting", "running", "failed", "stopping", "stopped"]
TOAST_LINES = 6
"""Replies with more lines than this open the result modal instead of a toast."""


@dataclass(frozen=True, slots=True)
class ConsoleOptions:
    """Presentation switches; tests turn off everything that moves by itself."""

    theme: str = DEFAULT_THEME
    """The first frame's theme; `display.theme` decides as soon as the engine is built."""
    cursor_blink: bool = True
    animations: bool = True
    toast_timeout: float = 6.0
    full_collection_every: float = 10.0
    """Seconds between the paced full garbage collections (see `PacedCollector`)."""


def describe_error(exc: BaseException) -> str:
    """Operator-facing one-liner for a start-up failure (never a traceback)."""
    known = {"EngineAlreadyRunning", "ConfigError", "ValidationError"}
    text = str(exc).strip() or type(exc).__name__
    return text if type(exc).__name__ in known else f"{type(exc).__name__}: {text}"


class V5ConsoleApp(App[int]):
    """Engine host: starts the engine in a worker after the first frame, pumps its events to
    the dashboard, runs registry commands from the palette, and stops the engine on exit."""

    TITLE = "V5 Console"
    CSS_PATH = [str(path) for path in STYLESHEETS]
    COMMANDS = App.COMMANDS | {RegistryCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, build: Callable[[], Engine], options: ConsoleOptions | None = None
                 ) -> None:
        super().__init__()
        self.options = options or ConsoleOptions()
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self.options.theme
        if not self.options.animations:
            self.animation_level = "none"
        self._build = build
        self.engine: Engine | None = None
        self.pump: EventPump | None = None
        self.lifecycle: Lifecycle = "idle"
        self._start_worker: Worker[None] | None = None
        self.start_error: str | None = None
        self.actor = Actor(Surface.CONSOLE, "console", admin=True)
        self.dashboard = DashboardScreen(id="dashboard")
        self.collector = PacedCollector(self.options.full_collection_every,
                                        quiet=self._dashboard_in_front)
        self.collector_timer: Timer | None = None

    # -- composition ---------------------------------------------------------------------------
    def get_default_screen(self) -> DashboardScreen:
        return self.dashboard

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults(self.current_theme.to_color_system().generate())

    @property
    def registry(self) -> CommandRegistry | None:
        return self.engine.registry if self.engine is not None else None

    def on_mount(self) -> None:
        self.lifecycle = "starting"
        self._start_worker = self.run_worker(self.start_engine(), name="engine-start",
                                             group="engine", exit_on_error=False)

    def on_ready(self) -> None:
        mark_first_frame()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own palette entries, minus its theme picker: `/theme` switches the
        theme and the engine remembers it."""
        return (command for command in super().get_system_commands(screen)
                if command.title != "Theme")

    def apply_theme_setting(self, value: str) -> None:
        """Switch to the Textual theme of a `display.theme` value (panes recolour live)."""
        name = theme_for_setting(value)
        if self.theme != name:
            self.theme = name

    def on_theme_setting_changed(self, message: ThemeSettingChanged) -> None:
        self.apply_theme_setting(message.value)

    def _dashboard_in_front(self) -> bool:
        """No dialog or palette open (never raises, even while the app winds down)."""
        stack = self.screen_stack
        return bool(stack) and stack[-1] is self.dashboard

    def on_dashboard_resumed(self, _message: DashboardResumed) -> None:
        self.call_after_refresh(self.collector.due)

    def on_command_palette_opened(self, _message: CommandPalette.Opened) -> None:
        if not self.options.cursor_blink and isinstance(self.screen, CommandPalette):
            self.screen.query_one(CommandInput).cursor_blink = False

    # -- engine lifecycle ------------------------------------------------------------------------
    async def start_engine(self) -> None:
        """Build, subscribe, start; every failure ends on screen as a message."""
        try:
            engine = self._build()
        except Exception as exc:  # ConfigError and friends: show, don't crash
            self._failed(exc)
            return
        self.engine = engine
        try:
            self.apply_theme_setting(remembered_theme(engine))
        except Exception as exc:  # a damaged store: the engine start reports it properly
            self.log.warning("remembered theme not read", describe_error(exc))
        self.dashboard.post_message(EngineBuilt(
            engine.clock, engine.settings.display.timezone, engine.settings.trading.mode))
        self.pump = pump = EventPump(engine, self.dashboard)
        self.run_worker(pump.run(), name="event-pump", group="engine", exit_on_error=False)
        try:
            await engine.start()
        except Exception as exc:  # EngineAlreadyRunning, a port, a broken file...
            pump.flush()
            self._failed(exc)
            return
        if self.lifecycle != "starting":  # quit while starting
            return
        self.lifecycle = "running"
        self.collector.start()
        every = self.collector.every
        self.collector_timer = self.set_interval(min(0.5, every / 4), self.collector.due,
                                                 name="paced-collector")
        self.apply_theme_setting(engine.settings.display.theme)
        pump.flush()
        pump.snapshot()
        self.dashboard.post_message(EngineStarted())
        self.run_worker(self._stop_on_request(engine), name="stop-request", group="engine",
                        exit_on_error=False)

    async def _stop_on_request(self, engine: Engine) -> None:
        """/shutdown or /restart from any surface: stop, then leave (run_tui restarts)."""
        await engine.stop_request.wait()
        await self.stop_engine()
        self.exit(return_code=RESTART if engine.restart_requested else 0)

    def _failed(self, exc: Exception) -> None:
        self.lifecycle = "failed"
        self.start_error = describe_error(exc)
        self.log.error("engine start failed", self.start_error)
        self.dashboard.post_message(EngineFailed(self.start_error))

    async def stop_engine(self) -> None:
        """Stop the engine once (quit binding, or app shutdown as a safety net). While it is
        still starting, the start is cancelled instead (`Engine.start` cleans up after itself)."""
        engine = self.engine
        if self.lifecycle in ("stopping", "stopped", "failed", "idle"):
            return
        starting = self.lifecycle == "starting"
        self.lifecycle = "stopping"
        self.dashboard.post_message(EngineStopping())
        try:
            if starting and self._start_worker is not None:
                self._start_worker.cancel()
                with suppress(WorkerCancelled, WorkerFailed):
                    await self._start_worker.wait()
            elif engine is not None:
                await engine.stop()
        except Exception as exc:  # stopping must always end
            self.log.error("engine stop failed", describe_error(exc))
        finally:
            self.lifecycle = "stopped"
            if self.pump is not None:
                self.pump.close()

    async def action_quit(self) -> None:
        self.run_worker(self._quit(), name="quit", group="quit", exclusive=True)

    async def _quit(self) -> None:
        await self.stop_engine()
        self.exit(return_code=2 if self.start_error else 0)

    async def on_unmount(self) -> None:
        await self.stop_engine()
        self.collector.stop()  # tests and /restart run many apps in one process

    # -- commands ------------------------------------------------------------------------------
    def start_command(self, name: str) -> None:
        """Palette entry point: parameters first if required, then run in a worker."""
        registry = self.registry
        if registry is None:
            self.notify("The engine is not built yet.", severity="warning", markup=False)
            return
        spec = registry.get(name)
        if any(p.required for p in spec.params):
            screen = ParamsScreen(spec, registry, cursor_blink=self.options.cursor_blink)
            self.push_screen(screen, callback=self._params_done)
        else:
            self.run_command(f"/{spec.name}")

    def on_run_command(self, message: RunCommand) -> None:
        """A pane's action (close, resolve, roll back, checkpoint): the same path as the
        palette, so a confirm-command shows the confirmation modal first."""
        if self.engine is None:
            self.notify("The engine is not built yet.", severity="warning", markup=False)
            return
        self.run_command(message.line)

    def _params_done(self, line: str | None) -> None:
        if line:
            self.run_command(line)

    def run_command(self, line: str, confirmed: bool = False) -> Worker[Reply | None]:
        return self.run_worker(self._execute(line, confirmed), name=f"command {line}",
                               group="commands", exit_on_error=False)

    async def _execute(self, line: str, confirmed: bool) -> Reply | None:
        if self.engine is None:
            return None
        reply = await self.engine.execute(line, self.actor, confirmed=confirmed)
        self.show_reply(reply)
        return reply

    def show_reply(self, reply: Reply) -> None:
        """Confirmation modal, result modal or toast, by what the reply carries."""
        if reply.needs_confirmation:
            screen = ConfirmScreen(reply.command_line, reply.lines)
            self.push_screen(screen, callback=partial(self._confirmed, reply.command_line))
        elif reply.table is not None or len(reply.lines) > TOAST_LINES:
            self.push_screen(ResultScreen(reply))
        else:
            self.notify("\n".join(reply.lines) or reply.command_line, title=reply.title,
                        severity=toast_severity(reply.ok, reply.severity),
                        timeout=self.options.toast_timeout, markup=False)

    def _confirmed(self, line: str, confirmed: bool | None) -> None:
        if confirmed:
            self.run_command(line, confirmed=True)
        else:
            self.notify(f"{line} was not run.", title="Cancelled", markup=False,
                        timeout=self.options.toast_timeout)


def make_console(engine: Engine | None = None, *, options: EngineOptions | None = None,
                 console: ConsoleOptions | None = None) -> V5ConsoleApp:
    """The one factory for the CLI and tests: give a built engine, or options to build one
    (inside the app, so a configuration error is shown on screen)."""
    if (engine is None) == (options is None):
        raise ValueError("make_console needs exactly one of engine= or options=")
    if engine is not None:
        built = engine
        return V5ConsoleApp(lambda: built, console)
    from core.engine import Engine

    assert options is not None
    return V5ConsoleApp(partial(Engine, options), console)


RESTART = 3  # the app's exit code after /restart: run_tui builds a fresh console and engine


def run_tui(options: EngineOptions) -> int:
    """Run the console until the operator quits; the exit code is 2 if the engine never ran."""
    while True:
        app = make_console(options=options)
        app.run()
        if app.return_code != RESTART:
            return app.return_code or 0
