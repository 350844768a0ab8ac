"""/notifications (SPEC §10.2.11, §9.3): show and change notification preferences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.events import ConfigChanged
from core.notifications.preferences import Preferences, PreferenceStore
from core.notifications.types import (
    CATEGORIES,
    MIN_PRIORITIES,
    PLUGIN_FILTERS,
    STATES,
    TYPES,
    V6_TIMEFRAMES,
)

ACTIONS = ("status", "type", "category", "priority", "plugins", "v6", "quiet", "reset")
USAGE = {
    "type": "/notifications type TYPE on|silent|off",
    "category": f"/notifications category {'|'.join(CATEGORIES)}|all on|off",
    "priority": f"/notifications priority {'|'.join(MIN_PRIORITIES)}",
    "plugins": f"/notifications plugins {'|'.join(PLUGIN_FILTERS)}",
    "v6": f"/notifications v6 {'|'.join(V6_TIMEFRAMES)} on|off",
    "quiet": "/notifications quiet on|off",
}


def _prefs(ctx: CommandContext) -> PreferenceStore:
    center = ctx.engine.notifications
    if center is None:
        raise CommandError("the engine is not started")
    return center.prefs


def _need(value: Any, action: str, what: str) -> str:
    if value is None:
        raise CommandError(f"{action}: missing {what}; usage: {USAGE[action]}")
    return str(value).lower()


def _pick(value: str, allowed: tuple[str, ...] | Mapping[str, Any], what: str) -> str:
    if value not in allowed:
        raise CommandError(f"{what}: {value!r} is not allowed; use one of {', '.join(allowed)}")
    return value


def _switch(value: str, what: str) -> bool:
    return _pick(value, ("on", "off"), what) == "on"


async def notifications(ctx: CommandContext) -> Reply:
    store = _prefs(ctx)
    action = str(ctx.args.get("action") or "status")
    target, value = ctx.args.get("target"), ctx.args.get("value")
    key, setting = "", ""  # what changed, as a `notifications.*` key (for config_changed)
    if action == "type":
        name = _pick(_need(target, action, "the type"), TYPES, "type")
        setting = _pick(_need(value, action, "the state"), STATES, "state")
        store.set_type(name, setting)
        key = f"types.{name}"
    elif action == "category":
        name = _need(target, action, "the category")
        if name != "all":
            _pick(name, CATEGORIES, "category")
        enabled = _switch(_need(value, action, "on or off"), "switch")
        store.set_category(name, enabled)
        key, setting = f"categories.{name}", "on" if enabled else "off"
    elif action == "priority":
        setting = _pick(_need(target, action, "the minimum priority"), MIN_PRIORITIES,
                        "minimum priority")
        store.set_min_priority(setting)
        key = "min_priority"
    elif action == "plugins":
        setting = _pick(_need(target, action, "the plugin filter"), PLUGIN_FILTERS,
                        "plugin filter")
        store.set_plugin_filter(setting)
        key = "plugin_filter"
    elif action == "v6":
        tf = _pick(_need(target, action, "the timeframe"), V6_TIMEFRAMES, "V6 timeframe")
        enabled = _switch(_need(value, action, "on or off"), "switch")
        store.set_v6_timeframe(tf, enabled)
        key, setting = f"v6_tf_filter.{tf}", "on" if enabled else "off"
    elif action == "quiet":
        enabled = _switch(_need(target, action, "on or off"), "quiet hours")
        store.set_quiet_hours(enabled)
        key, setting = "quiet_hours.enabled", "on" if enabled else "off"
    elif action == "reset":
        key, setting = "*", "defaults" if store.reset() else "defaults (unchanged)"
    done = f"notifications.{key} → {setting}" if key else ""
    if key:
        ctx.engine.bus.publish(ConfigChanged(f"notifications.{key}", setting, ctx.command_line))
    return _show(store.current(), store.overlay(), done)


def _show(prefs: Preferences, overlay: Mapping[str, Any], done: str) -> Reply:
    q = prefs.quiet
    v6 = ", ".join(f"{tf} {'on' if on else 'off'}" for tf, on in prefs.v6_tf_filter.items())
    cats = ", ".join(f"{c} {'on' if on else 'off'}" for c, on in prefs.categories.items())
    changed = sorted(f"{k} {v}" for k, v in overlay.get("types", {}).items())
    lines = [f"Changed: {done}"] if done else []
    lines += [
        f"Minimum priority: {prefs.min_priority} · plugin filter: {prefs.plugin_filter}",
        f"V6 timeframes: {v6}",
        f"Quiet hours: {'ON' if q.enabled else 'off'} ({q.start}–{q.end} {q.timezone}; "
        f"CRITICAL {'allowed' if q.allow_critical else 'held'}; digest "
        f"{'on' if q.digest else 'off'})",
        f"Categories: {cats}",
        "Types changed by you: " + (", ".join(changed) if changed else "none"),
        "Change: " + " · ".join(USAGE.values()) + " · /notifications reset",
    ]
    rows = tuple((t.name, t.category, t.priority.name, prefs.state(t.name),
                  "yes" if t.speaks else "") for t in TYPES.values())
    return Reply(
        title="Notification preferences", lines=tuple(lines),
        table=Table(("Type", "Category", "Priority", "State", "Speaks"), rows),
        data={"types": dict(prefs.types), "categories": dict(prefs.categories),
              "plugin_filter": prefs.plugin_filter, "min_priority": prefs.min_priority,
              "v6_tf_filter": dict(prefs.v6_tf_filter),
              "quiet_hours": {"enabled": q.enabled, "start": q.start, "end": q.end,
                              "timezone": q.timezone, "allow_critical": q.allow_critical,
                              "digest": q.digest},
              "changed": done})


COMMANDS = (
    CommandSpec(
        "notifications", Category.VOICE, "Notification preferences (per type, category, "
        "priority, plugins, V6 timeframes, quiet hours)", notifications,
        params=(
            Param("action", "notif_action", required=False, choices=ACTIONS, presets=ACTIONS,
                  default="status", help="what to show or change"),
            Param("target", "notif_target", required=False,
                  help="a type, category, priority, plugin filter, V6 timeframe or on/off"),
            Param("value", "notif_value", required=False, choices=(*STATES,),
                  presets=STATES, help="on, silent or off"),
        ),
        confirm=lambda args: args.get("action") == "reset",
        effect="Restores every notification preference to the configured defaults."),
)
