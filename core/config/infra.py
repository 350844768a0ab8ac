"""State-sync and rollback settings (SPEC §3.6, §3.7, §11.16 `state_sync`, `rollback`)."""

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
    """SPEC §3.7, §11.16 `state_sync.*`: one row per state type."""

    enabled: bool = True
    types: dict[str, SyncTypeSettings] = Field(default_factory=_types)
    # Conflicts kept for /conflicts all (resolved ones beyond this are dropped, oldest first).
    keep_conflicts: int = Field(500, ge=10, le=100_000)


class RollbackSettings(Section):
    """SPEC §3.6, §11.16 `rollback.*`. The error threshold and window are
    `recovery.plugin_error_threshold` / `recovery.error_window_minutes` (shared with the
    recovery handler, one definition each)."""

    auto: bool = True
    max_checkpoints_per_plugin: int = Field(10, ge=1, le=1000)
    # a signal call slower than this is a "slow" fault; this many in a row roll back
    performance_threshold_ms: float = Field(5000.0, gt=0)
    performance_consecutive: int = Field(3, ge=1, le=100)
    health_interval_seconds: float = Field(60.0, gt=0, le=86_400)
    health_timeout_seconds: float = Field(5.0, gt=0, le=600)
    health_failures: int = Field(3, ge=1, le=100)
    # A risky operation this recent is undone by an automatic rollback (its checkpoint).
    restore_lookback_minutes: int = Field(60, ge=0, le=10_080)
