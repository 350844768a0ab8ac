"""The infrastructure settings sit at SPEC §11.16's keys with SPEC's defaults."""

from __future__ import annotations

from core.config.settings import Settings


def test_spec_11_16_keys_and_defaults() -> None:
    s = Settings()
    assert (s.recovery.error_window_minutes, s.recovery.plugin_error_threshold) == (10, 5)
    rb = s.rollback
    assert rb.max_checkpoints_per_plugin == 10
    assert (rb.performance_threshold_ms, rb.performance_consecutive) == (5000, 3)
    assert (rb.health_interval_seconds, rb.health_timeout_seconds, rb.health_failures) == (
        60, 5, 3)
    assert rb.restore_lookback_minutes == 60
    assert (s.performance.warn_ms, s.performance.throttle_window) == (1000, 20)
    intervals = {t: c.interval_seconds for t, c in s.state_sync.types.items()}
    assert intervals == {"CONFIG": 60, "POSITIONS": 5, "ORDERS": 5, "SIGNALS": 1, "TRENDS": 5,
                         "RISK": 5, "PLUGIN": 60}
    assert s.state_sync.types["CONFIG"].resolution == "manual"
    assert s.state_sync.types["PLUGIN"].direction == "hybrid_to_legacy"
    assert s.marketplace.index_url == ""  # the marketplace is off until an index is set
