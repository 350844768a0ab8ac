"""What feature buttons (§10.3) run, and the buttons and texts of the screens they lead to."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bots.telegram import feature_menus as fm
from bots.telegram.callbacks import Callback
from bots.telegram.menus import Keyboard, MenuModel, help_menu
from bots.telegram.state import Shown, UserState
from core.analytics.periods import PERIODS
from core.commands.spec import Reply
from core.notifications.types import CATEGORIES, STATES, TYPES, V6_TIMEFRAMES

if TYPE_CHECKING:
    from core.engine import Engine

PERIOD_REPORTS = ("performance", "performance_report", "stats", "winrate", "drawdown",
                  "pair_report", "strategy_report")
SESSION_COMMANDS = ("session", "session_master", "time_adjust", "force_close", "symbol_filter")


@dataclass(frozen=True, slots=True)
class Step:
    """What one feature button does: run a command line, or pick the rest of a command."""

    line: str = ""
    flow: tuple[str, dict[str, str]] | None = None  # command and the parameters already known
    family: str = "both"
    focus: str | None = None  # the session or notification category to show afterwards
    error: str = ""


def _line(*words: str) -> str:
    return shlex.join(["/" + words[0], *words[1:]])


def route(engine: Engine, state: UserState, cb: Callback) -> Step:
    """The registry command behind a feature button (validated against current settings)."""
    key, value = cb.name, cb.value
    if key.startswith("session_"):
        return _session(engine, key, value)
    if key.startswith("notif_"):
        return _notif(engine, key, value)
    if key == "pos_close":
        return Step(_line("close", value)) if value.isdigit() else Step(error="bad ticket")
    if key == "pos_partial":
        spec = engine.registry.get("partial")
        if not value.isdigit() or not spec.params:
            return Step(error="bad ticket")
        return Step(flow=(spec.name, {spec.params[0].name: value}))
    return _analytics(state, key, value)


def _session(engine: Engine, key: str, value: str) -> Step:
    cfg = engine.settings.sessions
    if key == "session_toggle" and value == "master":
        return Step(_line("session_master"))
    if key == "session_edit" and value in cfg.table:
        return Step(_line("session"), focus=value)
    if key == "session_force" and value in cfg.table:
        on = "off" if cfg.table[value].force_close else "on"
        return Step(_line("force_close", value, on), focus=value)
    if key == "session_toggle":
        sid, _, symbol = value.rpartition("_")
        if sid in cfg.table and symbol:
            return Step(_line("symbol_filter", sid, symbol), focus=sid)
    if key == "session_time":
        parts = value.rsplit("_", 2)
        if len(parts) == 3 and parts[0] in cfg.table:
            return Step(_line("time_adjust", *parts), focus=parts[0])
    return Step(error=f"unknown session button ({key} {value})")


def _notif(engine: Engine, key: str, value: str) -> Step:
    center = engine.notifications
    if center is None:
        return Step(error="the engine is not started")
    prefs = center.prefs.current()
    if key == "notif_cat":
        name, _, switch = value.rpartition("_")
        if switch in ("on", "off") and name in CATEGORIES:
            return Step(_line("notifications", "category", name, switch), focus=name)
        if value in CATEGORIES:
            return Step(_line("notifications"), focus=value)
    if key == "notif_type":
        name, _, setting = value.rpartition("_")
        if name in TYPES and setting in STATES:
            return Step(_line("notifications", "type", name, setting),
                        focus=TYPES[name].category)
    if key in ("notif_filter", "notif_priority") and value:
        action = "plugins" if key == "notif_filter" else "priority"
        return Step(_line("notifications", action, value))
    if key == "notif_v6tf" and value in V6_TIMEFRAMES:
        on = "off" if prefs.v6_tf_filter.get(value, True) else "on"
        return Step(_line("notifications", "v6", value, on))
    if key == "notif_quiet" and value == "toggle":
        return Step(_line("notifications", "quiet", "off" if prefs.quiet.enabled else "on"))
    if key == "notif_reset" and not value:
        return Step(_line("notifications", "reset"))
    return Step(error=f"unknown notification button ({key} {value})")


def _analytics(state: UserState, key: str, value: str) -> Step:
    shown = state.report
    if key == "analytics_export" and value in ("csv", "json"):
        if shown is not None and shown.command in PERIOD_REPORTS and shown.key != "all":
            return Step(_line("export", value, shown.key), family=shown.family)
        return Step(_line("export", value), family=shown.family if shown else "both")
    command = key.removeprefix("analytics_")
    if command not in fm.DATED or value not in ("prev", "next"):
        return Step(error=f"unknown report button ({key} {value})")
    if shown is None or shown.command != command:
        return Step(_line(command))
    step = -1 if value == "prev" else 1
    try:
        if command == "monthly":
            year, month = (int(x) for x in shown.key.split("-"))
            index = year * 12 + month - 1 + step
            return Step(_line(command, f"{index // 12:04d}-{index % 12 + 1:02d}"),
                        family=shown.family)
        day = date.fromisoformat(shown.key.removeprefix("week-"))
    except ValueError:
        return Step(_line(command), family=shown.family)
    days = 7 if command == "weekly" else 1
    return Step(_line(command, (day + timedelta(days=step * days)).isoformat()),
                family=shown.family)


def remember(state: UserState, command: str, reply: Reply) -> None:
    """The report just shown is where prev/next and export start from."""
    family = str(reply.data.get("family", "both"))
    if command in fm.DATED and reply.data.get("period_key"):
        state.report = Shown(command, str(reply.data["period_key"]), family)
    elif command in PERIOD_REPORTS:
        words = reply.command_line.split()
        period = next((w for w in words[1:] if w in PERIODS), "all")
        state.report = Shown(command, period, family)


def screen(engine: Engine, model: MenuModel, command: str, reply: Reply,
           focus: str | None) -> tuple[str | None, Keyboard]:
    """A compact text (None: the reply as usual) and the feature buttons of one result."""
    if not reply.ok:
        return None, []
    if command in SESSION_COMMANDS:
        cfg = engine.settings.sessions
        sid = focus or reply.data.get("session")
        sid = sid if isinstance(sid, str) and sid in cfg.table else None
        text = fm.session_text(cfg, sid, "" if command == "session" else reply.title) \
            if sid else None
        return text, fm.session_keyboard(model, cfg, engine.settings.symbols.enabled, sid)
    if command == "notifications" and "types" in reply.data:
        return fm.notif_text(reply.data, focus), fm.notif_keyboard(model, reply.data, focus)
    if command == "positions":
        return None, fm.position_keyboard(model, list(reply.data.get("positions", [])))
    if command == "help":  # typed /help gets the `help_<cat>` pages too (SPEC §10.2.1)
        return None, help_menu(model)[:-1]  # without its Back/Home row: added after
    if command in fm.DATED or command in PERIOD_REPORTS:
        return None, fm.report_keyboard(model, command)
    return None, []
