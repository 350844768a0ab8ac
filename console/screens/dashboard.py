"""Provides the dashboard screen: header, start-up banner, positions, signals and log panes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from console.messages import (
    AccountChanged,
    EngineBuilt,
    EngineFailed,
    EngineStarted,
    EngineStopping,
    LogBatch,
    PositionsUpdated,
    ServiceUpdated,
    SignalBatch,
    TradingStateUpdated,
)
from console.widgets.banner import StartupBanner
from console.widgets.header import HeaderBar
from console.widgets.log import LogPane
from console.widgets.positions import PositionsPane
from console.widgets.signals import SignalsPane


class DashboardScreen(Screen[None]):
    """The default screen. The event pump posts engine messages here; each goes to its pane."""

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield StartupBanner(id="banner")
        yield PositionsPane(id="positions")
        yield SignalsPane(id="signals")
        yield LogPane(id="log")
        yield Footer()

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
    def signals(self) -> SignalsPane:
        return self.query_one("#signals", SignalsPane)

    @property
    def log_pane(self) -> LogPane:
        return self.query_one("#log", LogPane)

    def on_engine_built(self, message: EngineBuilt) -> None:
        self.header.set_clock(message.clock, message.timezone)
        self.header.set_mode(message.mode)
        self.log_pane.set_timezone(message.timezone)
        self.signals.set_timezone(message.timezone)

    def on_engine_started(self, _message: EngineStarted) -> None:
        self.header.set_lifecycle("running")
        self.banner.running()

    def on_engine_failed(self, message: EngineFailed) -> None:
        self.header.set_lifecycle("failed")
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

    def on_log_batch(self, message: LogBatch) -> None:
        self.log_pane.add(message.records)
