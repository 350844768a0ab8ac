"""Recovery, connection-watchdog and performance-monitor settings (SPEC §3.5, §3.9.2, §11.16)."""

from __future__ import annotations

from pydantic import Field

from core.config.base import Section


class ConnectionSettings(Section):
    """The MT5 link watchdog; attempts and their spacing are `mt5.connect_retries` and
    `mt5.connect_retry_delay_seconds` (SPEC §11.5)."""

    check_seconds: float = Field(5.0, gt=0, le=600)
    # After the attempts failed: trading paused (MT5_DOWN), one more attempt this often.
    down_retry_seconds: float = Field(60.0, gt=0, le=3600)
    # Resume trading on reconnection, only when it was paused for MT5_DOWN (SPEC §3.5).
    auto_resume: bool = True


class PerformanceSettings(Section):
    """SPEC §3.9.2, §11.16 `performance.*`: the warning threshold per plugin signal call and
    throttling; the critical threshold is `rollback.performance_threshold_ms`."""

    warn_ms: float = Field(1000.0, gt=0)
    throttle_window: int = Field(20, ge=1, le=10_000)
    # Resident-size delta is read around one call in this many (psutil costs ~20 µs a read).
    memory_sample_every: int = Field(10, ge=1, le=10_000)


class RecoverySettings(Section):
    error_window_minutes: int = Field(10, ge=1, le=1440)
    plugin_error_threshold: int = Field(5, ge=1, le=1000)
    # A plugin disabled for failures is probed and re-enabled after this cool-down.
    plugin_auto_reenable: bool = True
    plugin_cooldown_seconds: float = Field(300.0, gt=0, le=86_400)
    # SPEC §3.5 DATABASE: a failed store write is retried after these pauses, then CRITICAL.
    database_retry_seconds: list[float] = Field(default_factory=lambda: [1.0, 2.0, 4.0])
    # How often due re-enables and reconnections are looked at.
    tick_seconds: float = Field(1.0, gt=0, le=60)
    connection: ConnectionSettings = ConnectionSettings()
