"""Provides the dashboard screen: the header, the main panes, and tabs for the others."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from console.messages import (
    AccountChanged,
    ChainsUpdated,
    CheckpointsUpdated,
    ConflictsUpdated,
    DashboardResumed,
    EngineBuilt,
    EngineFailed,
    EngineStarted,
    EngineStopping,
    LogBatch,
    PluginHealthUpdated,
    PositionsUpdated,
    RollbackDone,
    ServiceUpdated,
    SignalBatch,
    TradingStateUpdated,
)
from console.widgets.banner import StartupBanner
from console.widgets.chains import ChainsPane
from console.widgets.checkpoints import CheckpointsPane
from console.widgets.conflicts import ConflictsPane
from console.widgets.desk_footer import DeskFooter
from console.widgets.header import HeaderBar
from console.widgets.log import LogPane
from console.widgets.plugin_health import PluginHealthPane
from console.widgets.positions import PositionsPane
from console.widgets.signals import SignalsPane

TABS: dict[str, str] = {"log": "tab-log", "signals": "tab-signals", "chains": "tab-chains"}
"""The less frequent panes, each on a tab under the main panes (pane id → tab id); the log
comes first, so it is the tab shown at start."""


class DashboardScreen(Screen[None]):
    """The default screen. The event pump posts engine messages here; each goes to its pane.
    At once: the header, positions, plugin health, sync conflicts and checkpoints; under
    them one tab of log, signals or chains (`1`, `2`, `3`, or a click on the tab). Tab and
    shift+tab move the focus between panes. `m` maximises the pane with the focus (the
    positions pane if none has it) and restores it; Escape restores too. The header bar and
    the footer stay visible while a pane is maximised. A pane asks for a command with
    `RunCommand`, which the app runs (confirmation first where the command wants one)."""

    BINDINGS = [
        Binding("m", "maximize_pane", "Maximise"),
        Binding("m", "restore_pane", "Restore"),
        Binding("1", "show_tab('log')", "Log"),
        Binding("2", "show_tab('signals')", "Signals"),
        Binding("3", "show_tab('chains')", "Chains"),
    ]
    ALLOW_IN_MAXIMIZED_VIEW = "Footer, HeaderBar"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    """Below 36 rows the fixed-height panes shrink (panes.tcss) so positions and the tabs
    stay usable."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield StartupBanner(id="banner")
        yield PositionsPane(id="positions")
        yield PluginHealthPane(id="plugin-health")
        with Horizontal(id="infra-row"):
            yield ConflictsPane(id="conflicts")
            yield CheckpointsPane(id="checkpoints")
        with TabbedContent(id="tabs"):  # no `initial`: Textual 8.2 fails a quick exit with it
            with TabPane("1 Log", id=TABS["log"]):
                yield LogPane(id="log")
            with TabPane("2 Signals", id=TABS["signals"]):
                yield SignalsPane(id="signals")
            with TabPane("3 Chains", id=TABS["chains"]):
                yield ChainsPane(id="chains")
        yield DeskFooter()

    @property
    def header(self) -> HeaderBar:
        return self.query_one("#header", HeaderBar)

    @property
    def banner(self) -> StartupBanner:
        return self.query_one("#banner", StartupBanner)

    @property
    def positions(self) -> PositionsPane:
        return self.query_one("#positions", PositionsPane)

    @property
    def plugin_health(self) -> PluginHealthPane:
        return self.query_one("#plugin-health", PluginHealthPane)

    @property
    def signals(self) -> SignalsPane:
        return self.query_one("#signals", SignalsPane)

    @property
    def log_pane(self) -> LogPane:
        return self.query_one("#log", LogPane)

    @property
    def conflicts(self) -> ConflictsPane:
        return self.query_one("#conflicts", ConflictsPane)

    @property
    def checkpoints(self) -> CheckpointsPane:
        return self.query_one("#checkpoints", CheckpointsPane)

    @property
    def chains(self) -> ChainsPane:
        return self.query_one("#chains", ChainsPane)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#tabs", TabbedContent)

    @property
    def panes(self) -> tuple[Vertical, ...]:
        return (self.positions, self.plugin_health, self.conflicts, self.checkpoints,
                self.signals, self.chains, self.log_pane)

    def action_show_tab(self, pane: str) -> None:
        """Bring a tab to the front; the focus goes to its pane (keys act on what is shown)."""
        self.tabs.active = TABS[pane]
        body = next((w for w in self.query_one(f"#{pane}").query(Widget) if w.focusable),
                    None)
        if body is not None:
            body.focus()

    def focused_pane(self) -> Vertical | None:
        """The pane that has the focus (its table or log), if any."""
        focused = self.focused
        return next((pane for pane in self.panes
                     if focused is not None and (focused is pane or pane in focused.ancestors)),
                    None)

    def on_screen_resume(self) -> None:
        self.post_message(DashboardResumed())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "maximize_pane":
            return self.maximized is None
        if action == "restore_pane":
            return self.maximized is not None
        if action == "show_tab":  # a maximised pane stays in front until restored: the tab
            return True if self.maximized is None else None  # keys show, greyed out
        return True

    def action_maximize_pane(self) -> None:
        pane = self.focused_pane()
        if pane is None:
            pane = self.positions
            body = next((w for w in pane.query(Widget) if w.focusable), None)
            if body is not None:
                body.focus()
        self.maximize(pane, container=False)

    def action_restore_pane(self) -> None:
        self.minimize()

    def _watch_maximized(self, previously_maximized: Widget | None,
                         maximized: Widget | None) -> None:
        """Textual's own watcher also toggles `-maximized-view` on the screen, which restyles
        every node (~30-60 ms with the tables' component classes); the screen is already a
        vertical layout here, so only the pane's class changes and the restyle stays inside
        the pane (the arrangement of a maximised screen is Textual's, unchanged)."""
        if previously_maximized is not None:
            previously_maximized.remove_class("-maximized")
        if maximized is not None:
            maximized.add_class("-maximized")

    def watch_maximized(self) -> None:
        self.refresh_bindings()  # Maximise ↔ Restore in the footer, whoever changed it

    def on_engine_built(self, message: EngineBuilt) -> None:
        self.header.set_clock(message.clock, message.timezone)
        self.header.set_mode(message.mode)
        self.log_pane.set_timezone(message.timezone)
        self.signals.set_timezone(message.timezone)
        for pane in (self.conflicts, self.checkpoints, self.chains):
            pane.set_timezone(message.timezone)

    def on_engine_started(self, _message: EngineStarted) -> None:
        self.header.set_lifecycle("running")
        self.banner.running()

    def on_engine_failed(self, message: EngineFailed) -> None:
        self.header.set_lifecycle("failed")
        self.add_class("-failed")  # no plugins without an engine: panes.tcss hides their pane
        self.banner.failed(message.error)

    def on_engine_stopping(self, _message: EngineStopping) -> None:
        self.header.set_lifecycle("stopping")
        self.banner.stopping()

    def on_account_changed(self, message: AccountChanged) -> None:
        self.header.set_account(message.account)

    def on_positions_updated(self, message: PositionsUpdated) -> None:
        self.positions.show(message.positions)
        self.header.set_open_count(len(message.positions))

    def on_trading_state_updated(self, message: TradingStateUpdated) -> None:
        self.header.set_trading(message.paused, message.reason)

    def on_signal_batch(self, message: SignalBatch) -> None:
        self.signals.add(message.views)

    def on_service_updated(self, message: ServiceUpdated) -> None:
        self.header.set_service(message.service, message.up, message.detail)

    def on_plugin_health_updated(self, message: PluginHealthUpdated) -> None:
        self.plugin_health.show(message.rows)

    def on_log_batch(self, message: LogBatch) -> None:
        self.log_pane.add(message.records)

    def on_conflicts_updated(self, message: ConflictsUpdated) -> None:
        self.conflicts.show(message.rows)

    def on_checkpoints_updated(self, message: CheckpointsUpdated) -> None:
        self.checkpoints.show(message.rows)

    def on_rollback_done(self, message: RollbackDone) -> None:
        self.checkpoints.rolled_back(message.checkpoint_id, message.reason, message.plugin_id)

    def on_chains_updated(self, message: ChainsUpdated) -> None:
        self.chains.show_family(message.family, message.rows)
