"""State-sync, checkpoint and rollback settings (SPEC §3.6, §3.7)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config.base import Section

Direction = Literal["legacy_to_hybrid", "hybrid_to_legacy", "bidirectional"]
Resolution = Literal["hybrid_wins", "legacy_wins", "newest_wins", "manual"]
STATE_TYPES = ("CONFIG", "POSITIONS", "ORDERS", "SIGNALS", "TRENDS", "RISK", "PLUGIN")


class SyncTypeSettings(Section):
    """One state type of the SPEC §3.7 table."""

    interval_seconds: float = Field(gt=0, le=3600)
    direction: Direction = "bidirectional"
    resolution: Resolution = "newest_wins"


def _types() -> dict[str, SyncTypeSettings]:
    return {
        "CONFIG": SyncTypeSettings(interval_seconds=60, resolution="manual"),
        "POSITIONS": SyncTypeSettings(interval_seconds=5),
        "ORDERS": SyncTypeSettings(interval_seconds=5),
        "SIGNALS": SyncTypeSettings(interval_seconds=1, direction="legacy_to_hybrid"),
        "TRENDS": SyncTypeSettings(interval_seconds=5),
        "RISK": SyncTypeSettings(interval_seconds=5),
        "PLUGIN": SyncTypeSettings(interval_seconds=60, direction="hybrid_to_legacy",
                                   resolution="hybrid_wins"),
    }


class SyncSettings(Section):
    enabled: bool = True
    types: dict[str, SyncTypeSettings] = Field(default_factory=_types)
    # Conflicts kept for /conflicts all (resolved ones beyond this are dropped, oldest first).
    keep_conflicts: int = Field(500, ge=10, le=100_000)


class RollbackSettings(Section):
    """SPEC §3.6.2 triggers. The error threshold and window are `recovery.plugin_error_
    threshold` / `recovery.error_window_minutes`, the slow threshold `recovery.performance.
    critical_ms` (one definition each, shared with the recovery handler)."""

    auto: bool = True
    slow_consecutive: int = Field(3, ge=1, le=100)
    # A risky operation this recent is undone by an automatic rollback (its checkpoint).
    risky_window_minutes: int = Field(60, ge=0, le=10_080)


class CheckpointSettings(Section):
    keep_per_plugin: int = Field(10, ge=1, le=1000)


class InfraSettings(Section):
    sync: SyncSettings = SyncSettings()
    rollback: RollbackSettings = RollbackSettings()
    checkpoints: CheckpointSettings = CheckpointSettings()
