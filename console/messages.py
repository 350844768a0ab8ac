"""Provides the Textual messages that carry engine state from the event pump to the panes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from core.clock import Clock
from core.domain.orders import Account
from core.events import LogEmitted, PluginHealthRow
from core.infra.events import CheckpointRow, ConflictRow
from core.trading.chain_events import ChainRow


@dataclass(frozen=True, slots=True)
class PositionView:
    """One open position as the positions pane shows it (engine data plus store metadata)."""

    ticket: int
    symbol: str
    side: str
    kind: str
    volume: float
    price_open: float
    sl: float | None
    tp: float | None
    profit: float
    owner: str
    digits: int = 5
    chain: str = ""
    """The chain the position belongs to: "RE L2/5" (re-entry), "PB L1" (profit booking)."""


@dataclass(frozen=True, slots=True)
class SignalView:
    """One alert in the signals pane: when, which format, what it said, what became of it."""

    time: datetime
    family: str
    summary: str
    outcome: str
    reason: str


class EngineBuilt(Message):
    """The engine object exists (settings and clock are readable); it is not started yet."""

    def __init__(self, clock: Clock, timezone: str, mode: str) -> None:
        super().__init__()
        self.clock = clock
        self.timezone = timezone
        self.mode = mode


class EngineStarted(Message):
    """`engine.start()` returned: the engine is up."""


class EngineFailed(Message):
    """The engine could not be built or started; `error` is the operator-facing reason."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class EngineStopping(Message):
    """The console is stopping the engine before it exits."""


class AccountChanged(Message):
    def __init__(self, account: Account) -> None:
        super().__init__()
        self.account = account


class PositionsUpdated(Message):
    def __init__(self, positions: tuple[PositionView, ...]) -> None:
        super().__init__()
        self.positions = positions


class TradingStateUpdated(Message):
    def __init__(self, paused: bool, reason: str | None) -> None:
        super().__init__()
        self.paused = paused
        self.reason = reason


class ServiceUpdated(Message):
    def __init__(self, service: str, up: bool, detail: str) -> None:
        super().__init__()
        self.service = service
        self.up = up
        self.detail = detail


class PluginHealthUpdated(Message):
    """Every plugin's health row, newest only."""

    def __init__(self, rows: tuple[PluginHealthRow, ...]) -> None:
        super().__init__()
        self.rows = rows


class LogBatch(Message):
    """Log records emitted since the previous batch, oldest first."""

    def __init__(self, records: tuple[LogEmitted, ...]) -> None:
        super().__init__()
        self.records = records


class SignalBatch(Message):
    """Alerts processed since the previous batch, oldest first."""

    def __init__(self, views: tuple[SignalView, ...]) -> None:
        super().__init__()
        self.views = views


class ThemeSettingChanged(Message):
    """`display.theme` changed (by `/theme`, from any surface); it bubbles up to the app,
    which switches to the matching Textual theme."""

    def __init__(self, value: str) -> None:
        super().__init__()
        self.value = value


class ConflictsUpdated(Message):
    """Every known sync conflict, open first."""

    def __init__(self, rows: tuple[ConflictRow, ...]) -> None:
        super().__init__()
        self.rows = rows


class CheckpointsUpdated(Message):
    """Every kept checkpoint, newest first."""

    def __init__(self, rows: tuple[CheckpointRow, ...]) -> None:
        super().__init__()
        self.rows = rows


class RollbackDone(Message):
    """A rollback happened (automatic or by /rollback)."""

    def __init__(self, checkpoint_id: str, reason: str, plugin_id: str, detail: str) -> None:
        super().__init__()
        self.checkpoint_id = checkpoint_id
        self.reason = reason
        self.plugin_id = plugin_id
        self.detail = detail


class ChainsUpdated(Message):
    """The chains of one family ("reentry" or "profit"): open ones and those ended today."""

    def __init__(self, family: str, rows: tuple[ChainRow, ...]) -> None:
        super().__init__()
        self.family = family
        self.rows = rows


class RunCommand(Message):
    """A pane asks the app to run a registry command line (confirm-commands show the
    confirmation modal first). Bubbles up to the app."""

    def __init__(self, line: str) -> None:
        super().__init__()
        self.line = line


class DashboardResumed(Message):
    """The dashboard is in front again (a dialog or the palette closed). Bubbles up to the
    app, which sweeps the dialog's garbage then, while it is still small."""
