"""SPEC §11.10-§11.14 keys added for risk and sessions: defaults and validation."""

from __future__ import annotations

from typing import Any

import pytest

from core.config import ConfigError, ConfigManager, Settings


def test_defaults() -> None:
    s = Settings()
    assert list(s.sessions.table) == ["asian", "london", "overlap", "ny_late", "dead_zone"]
    assert (s.sessions.table["ny_late"].start, s.sessions.table["ny_late"].end) == (
        "22:30", "03:30")
    assert {k: (m.timezone, m.open, m.close) for k, m in s.sessions.market_sessions.items()} == {
        "sydney": ("Australia/Sydney", "07:00", "16:00"),
        "tokyo": ("Asia/Tokyo", "09:00", "18:00"),
        "london": ("Europe/London", "08:00", "17:00"),
        "new_york": ("America/New_York", "08:00", "17:00")}
    assert (s.sessions.advance_alert_minutes, s.sessions.editor_step_minutes) == (15, 30)
    tm = s.trade_management
    assert (tm.trailing.enabled, tm.breakeven.enabled, tm.breakeven.buffer_pips,
            tm.profit_lock.trigger_pips, tm.profit_lock.lock_pips) == (True, True, 2, 40, 10)
    pp = s.reentry.profit_protection
    assert pp.mode == "BALANCED" and {k: (r.multiplier, r.min_chain_profit)
                                      for k, r in pp.modes.items()} == {
        "AGGRESSIVE": (3.5, 15), "BALANCED": (6, 20), "CONSERVATIVE": (9, 30),
        "VERY_CONSERVATIVE": (15, 50)}
    assert (s.risk.daily_loss_warning_percent, s.risk.max_open_trades,
            s.risk.max_daily_trades, s.risk.daily_profit_target) == (80, 10, 0, 0)


@pytest.mark.parametrize(("key", "value", "fragment"), [
    ("sessions.table.london.start", "25:00", "String should match pattern"),
    ("sessions.table.london.end", "13:30", "start and end are both 13:30"),
    ("sessions.table.london.symbols", ["EURUSD", "BTCUSD"], "missing from symbols.table"),
    ("sessions.table.london.symbols", ["EURUSD", "EURUSD"], "listed twice"),
    ("sessions.timezone", "Mars/Olympus", "unknown timezone"),
    ("sessions.market_sessions.tokyo.timezone", "Asia/Nowhere", "unknown timezone"),
    ("sl_systems.symbol_reductions", {"EURUSD": 60}, "5–50 %"),
    ("sl_systems.symbol_reductions", {"BTCUSD": 20}, "missing from symbols.table"),
    ("risk.daily_reset_timezone", "Nowhere/City", "unknown timezone"),
    ("reentry.profit_protection.mode", "YOLO", "reentry.profit_protection.mode"),
    ("sl_systems.tables", {"sl-1": {"EURUSD": {"5000": -1}}}, "needs a positive value"),
])
def test_invalid_values_are_refused(key: str, value: Any, fragment: str) -> None:
    manager = ConfigManager()
    with pytest.raises(ConfigError) as info:
        manager.set(key, value)
    assert fragment in str(info.value)


def test_tiers_must_be_the_five_spec_tiers() -> None:
    manager = ConfigManager()
    tiers = {t: r.model_dump() for t, r in manager.settings.risk.tiers.items()}
    tiers["7500"] = tiers["5000"]
    with pytest.raises(ConfigError, match="risk tiers must be exactly"):
        manager.set("risk.tiers", tiers)
