"""Notification preferences (SPEC §9.3): configured defaults plus the operator's stored changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from core.analytics.labels import StrategyLabel
from core.config.settings import Settings
from core.notifications.types import (
    CATEGORIES,
    MIN_PRIORITIES,
    PLUGIN_FILTERS,
    STATES,
    TYPES,
    V6_TIMEFRAMES,
    NotificationType,
    Priority,
)
from core.storage.store import Store

TABLE = "notification_prefs"
KEY = "operator"


@dataclass(frozen=True, slots=True)
class QuietHours:
    enabled: bool
    start: str
    end: str
    timezone: str
    allow_critical: bool
    digest: bool

    def active(self, now: datetime) -> bool:
        """Start inclusive, end exclusive; a window ending before it starts crosses midnight."""
        if not self.enabled:
            return False
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        if start <= end:
            return start <= local < end
        return local >= start or local < end


@dataclass(frozen=True, slots=True)
class Preferences:
    """The effective preferences at one moment."""

    types: Mapping[str, str]
    categories: Mapping[str, bool]
    plugin_filter: str
    min_priority: str
    v6_tf_filter: Mapping[str, bool]
    quiet: QuietHours

    def state(self, name: str) -> str:
        known = TYPES.get(name)
        return self.types.get(name, known.default if known else "on")


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one notification: send | silent | hold | drop, and why."""

    action: str
    reason: str
    copy_to_controller: bool = False

    @property
    def delivered_now(self) -> bool:
        return self.action in ("send", "silent")


def decide(prefs: Preferences, ntype: NotificationType, origin: StrategyLabel | None,
           now: datetime) -> Decision:
    """SPEC §9.3; CRITICAL ignores every filter except an explicit per-type off."""
    state = prefs.state(ntype.name)
    if state == "off":
        return Decision("drop", f"type {ntype.name} is off")
    action = "silent" if state == "silent" else "send"
    if ntype.priority is Priority.CRITICAL:
        if prefs.quiet.active(now) and not prefs.quiet.allow_critical:
            return _quiet(prefs, critical=True)
        return Decision(action, "critical", copy_to_controller=True)
    if not prefs.categories.get(ntype.category, True):
        return Decision("drop", f"category {ntype.category} is disabled")
    if ntype.priority < MIN_PRIORITIES[prefs.min_priority]:
        return Decision("drop", f"below the minimum priority ({prefs.min_priority})")
    if ntype.strategy_originated and origin is not None and origin.family != "Manual":
        blocked = _plugin_block(prefs, origin)
        if blocked:
            return Decision("drop", blocked)
    if prefs.quiet.active(now):
        return _quiet(prefs)
    return Decision(action, state)


def _quiet(prefs: Preferences, critical: bool = False) -> Decision:
    if prefs.quiet.digest:
        return Decision("hold", "quiet hours: held for the digest", copy_to_controller=critical)
    return Decision("drop", "quiet hours (digest off)")


def _plugin_block(prefs: Preferences, origin: StrategyLabel) -> str | None:
    wanted = prefs.plugin_filter
    if wanted == "none":
        return "plugin filter none"
    if wanted == "v3_only" and origin.family != "V3":
        return f"plugin filter v3_only ({origin.name})"
    if wanted == "v6_only" and origin.family != "V6":
        return f"plugin filter v6_only ({origin.name})"
    tf = origin.timeframe
    if tf is not None and not prefs.v6_tf_filter.get(tf, True):
        return f"V6 {tf} notifications are off"
    return None


class PreferenceStore:
    """Configured defaults (`notifications.*`) overlaid with the operator's changes, which are
    stored in the `notification_prefs` table (they survive restarts; reset deletes them)."""

    def __init__(self, store: Store, settings: Callable[[], Settings]) -> None:
        self._store = store
        self._settings = settings

    def overlay(self) -> dict[str, Any]:
        doc = self._store.get(TABLE, KEY) or {}
        return {k: v for k, v in doc.items() if not k.startswith("_")}

    def current(self) -> Preferences:
        cfg = self._settings().notifications
        over = self.overlay()
        q = {**cfg.quiet_hours.model_dump(), **over.get("quiet_hours", {})}
        return Preferences(
            types={**cfg.types, **over.get("types", {})},
            categories={**cfg.categories, **over.get("categories", {})},
            plugin_filter=over.get("plugin_filter", cfg.plugin_filter),
            min_priority=over.get("min_priority", cfg.min_priority),
            v6_tf_filter={**cfg.v6_tf_filter, **over.get("v6_tf_filter", {})},
            quiet=QuietHours(bool(q["enabled"]), str(q["start"]), str(q["end"]),
                             str(q["timezone"]), bool(q["allow_critical"]), bool(q["digest"])))

    def _merge(self, section: str, values: Mapping[str, Any] | str) -> None:
        over = self.overlay()
        if isinstance(values, str):
            over[section] = values
        else:
            over[section] = {**over.get(section, {}), **values}
        self._store.put(TABLE, KEY, over)

    # -- changes (each validated; the error names the allowed values) --------------------------
    def set_type(self, name: str, state: str) -> None:
        _check("notification type", name, TYPES)
        _check("state", state, STATES)
        self._merge("types", {name: state})

    def set_category(self, category: str, enabled: bool) -> None:
        if category == "all":
            self._merge("categories", dict.fromkeys(CATEGORIES, enabled))
            return
        _check("category", category, CATEGORIES)
        self._merge("categories", {category: enabled})

    def set_plugin_filter(self, value: str) -> None:
        _check("plugin filter", value, PLUGIN_FILTERS)
        self._merge("plugin_filter", value)

    def set_min_priority(self, value: str) -> None:
        _check("minimum priority", value, MIN_PRIORITIES)
        self._merge("min_priority", value)

    def set_v6_timeframe(self, timeframe: str, enabled: bool) -> None:
        _check("V6 timeframe", timeframe, V6_TIMEFRAMES)
        self._merge("v6_tf_filter", {timeframe: enabled})

    def set_quiet_hours(self, enabled: bool) -> None:
        self._merge("quiet_hours", {"enabled": enabled})

    def reset(self) -> bool:
        """Back to the configured defaults; False when nothing had been changed."""
        return self._store.delete(TABLE, KEY)


def _check(kind: str, value: str, allowed: Any) -> None:
    if value not in allowed:
        raise ValueError(f"{kind} {value!r} is not allowed; use one of {', '.join(allowed)}")
