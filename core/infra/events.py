"""Events of the infrastructure: plugin faults, sync conflicts, checkpoints, operator notices."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True, slots=True)
class PluginFault(Event):
    """One failed or slow plugin call (SPEC §3.5, §3.6.2): the recovery handler counts them
    to disable a plugin, the rollback manager to roll back to the V4 stable path."""

    plugin_id: str
    kind: str  # "error" (the hook raised) or "slow" (slower than the threshold)
    hook: str  # on_signal, on_tick, on_event...
    elapsed_ms: float
    error: str = ""


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """One difference between the store and the terminal (or two layers), SPEC §3.7."""

    conflict_id: str
    state_type: str  # CONFIG, POSITIONS, ORDERS, SIGNALS, TRENDS, RISK, PLUGIN
    kind: str  # closed_outside, opened_outside, sl_tp_changed, volume_mismatch, ...
    ticket: int | None
    symbol: str
    detail: str  # in words: "store SL 1.0820, terminal SL 1.0800"
    proposal: str  # the proposed resolution, in words
    choices: tuple[str, ...]  # what /resolve accepts for it (e.g. "terminal", "store")
    status: str  # OPEN, RESOLVED
    detected_at: str  # ISO time
    resolution: str = ""


@dataclass(frozen=True, slots=True)
class ConflictsChanged(Event):
    """Every known conflict, open first (sent on each change)."""

    rows: tuple[ConflictRow, ...]


@dataclass(frozen=True, slots=True)
class CheckpointRow:
    """One checkpoint (SPEC §3.6.1): what it holds and why it was taken."""

    checkpoint_id: str
    created_at: str  # ISO time
    reason: str  # SPEC §3.6.1: manual, startup, pre_upgrade, pre_hotswap, pre_config_change...
    plugin_id: str  # "" for a whole-system checkpoint
    track: str  # V4_STABLE, V5_HYBRID, V6_EXPERIMENTAL
    bridge_mode: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class CheckpointsChanged(Event):
    """Every kept checkpoint, newest first (sent on each change)."""

    rows: tuple[CheckpointRow, ...]


@dataclass(frozen=True, slots=True)
class RolledBack(Event):
    """A rollback happened (automatic or by /rollback), SPEC §3.6.2."""

    checkpoint_id: str
    reason: str  # PLUGIN_FAILURE, PERFORMANCE_DEGRADATION, ERROR_THRESHOLD, MANUAL_REQUEST...
    plugin_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class OperatorNotice(Event):
    """A SPEC §9.2 notification that maps one to one onto an event of a subsystem without a
    typed event of its own (re-entry, profit booking, recovery, sync, rollback...). `type`
    must be a §9.2 type; `title` is the first line, `lines` the body, in words."""

    type: str
    title: str
    lines: tuple[str, ...] = ()
    symbol: str = ""
    strategy: str = ""  # owner, for the plugin filters ("" = none)
    speech: str | None = None
