"""SPEC §9.3 rules as a pure function: states, categories, priority, plugins, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.analytics.labels import MANUAL, StrategyLabel
from core.notifications.preferences import Preferences, QuietHours, decide
from core.notifications.types import CATEGORIES, TYPES, V6_TIMEFRAMES, default_states

NOON_IST = datetime(2025, 11, 26, 6, 30, tzinfo=UTC)  # 12:00 IST
NIGHT_IST = datetime(2025, 11, 26, 17, 30, tzinfo=UTC)  # 23:00 IST
V4 = StrategyLabel("V4", "Logic 2")
V6_15 = StrategyLabel("V6", "15m")


def prefs(**changes: object) -> Preferences:
    base: dict[str, object] = {
        "types": default_states(), "categories": dict.fromkeys(CATEGORIES, True),
        "plugin_filter": "all", "min_priority": "all",
        "v6_tf_filter": dict.fromkeys(V6_TIMEFRAMES, True),
        "quiet": QuietHours(False, "22:00", "06:00", "Asia/Kolkata", True, True)}
    base.update(changes)
    return Preferences(**base)  # type: ignore[arg-type]


def action(p: Preferences, name: str, origin: StrategyLabel | None = V4,
           now: datetime = NOON_IST) -> str:
    return decide(p, TYPES[name], origin, now).action


def test_defaults_of_the_spec_table() -> None:
    p = prefs()
    assert action(p, "entry") == "send"
    assert action(p, "sl_modified") == "silent"
    assert action(p, "trailing_update") == "drop"
    assert action(p, "alert_received") == "drop"
    assert len(TYPES) == 66 and TYPES["daily_summary"].role == "analytics"


def test_per_type_category_and_priority() -> None:
    assert action(prefs(types={**default_states(), "entry": "silent"}), "entry") == "silent"
    assert action(prefs(types={**default_states(), "entry": "off"}), "entry") == "drop"
    assert action(prefs(categories={**dict.fromkeys(CATEGORIES, True), "trade": False}),
                  "exit") == "drop"
    high = prefs(min_priority="high_and_above")
    assert action(high, "entry") == "send" and action(high, "partial_close") == "drop"
    assert action(prefs(min_priority="critical_only"), "entry") == "drop"


def test_plugin_and_v6_timeframe_filters_apply_to_strategy_types_only() -> None:
    v6_only = prefs(plugin_filter="v6_only")
    assert action(v6_only, "entry", V4) == "drop"
    assert action(v6_only, "entry", V6_15) == "send"
    assert action(v6_only, "entry", MANUAL) == "send"  # manual trades are nobody's plugin
    assert action(v6_only, "bot_started", None) == "send"
    assert action(prefs(plugin_filter="none"), "exit", StrategyLabel("V3", "Logic 1")) == "drop"
    no_15m = prefs(v6_tf_filter={**dict.fromkeys(V6_TIMEFRAMES, True), "15m": False})
    assert action(no_15m, "entry", V6_15) == "drop"
    assert action(no_15m, "entry", StrategyLabel("V6", "5m")) == "send"


def test_quiet_hours_hold_everything_but_critical_across_midnight() -> None:
    quiet = prefs(quiet=QuietHours(True, "22:00", "06:00", "Asia/Kolkata", True, True))
    assert action(quiet, "entry", now=NIGHT_IST) == "hold"
    assert action(quiet, "entry", now=NOON_IST) == "send"
    decision = decide(quiet, TYPES["daily_loss_limit"], None, NIGHT_IST)
    assert decision.action == "send" and decision.copy_to_controller
    no_digest = prefs(quiet=QuietHours(True, "22:00", "06:00", "Asia/Kolkata", True, False))
    assert action(no_digest, "entry", now=NIGHT_IST) == "drop"


@pytest.mark.parametrize(("hour_utc", "minute", "active"), [
    (16, 29, False),  # 21:59 IST
    (16, 30, True),  # 22:00 IST: start inclusive
    (23, 0, True),  # 04:30 IST
    (0, 29, True),  # 05:59 IST
    (0, 30, False),  # 06:00 IST: end exclusive
])
def test_quiet_window_edges(hour_utc: int, minute: int, active: bool) -> None:
    window = QuietHours(True, "22:00", "06:00", "Asia/Kolkata", True, True)
    assert window.active(datetime(2025, 11, 26, hour_utc, minute, tzinfo=UTC)) is active


def test_critical_ignores_filters_but_not_an_explicit_off() -> None:
    strict = prefs(min_priority="critical_only",
                   categories={**dict.fromkeys(CATEGORIES, False)}, plugin_filter="none")
    assert action(strict, "mt5_disconnected", None) == "send"
    off = prefs(types={**default_states(), "mt5_disconnected": "off"})
    assert action(off, "mt5_disconnected", None) == "drop"
