"""Keyboards and texts of the §10.3 feature sub-menus, built from plain data (no engine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bots.telegram.callbacks import feature
from bots.telegram.menus import Button, Keyboard, MenuModel, rows
from bots.telegram.render import escape
from core.config.sessions import SessionsSettings
from core.notifications.types import (
    CATEGORIES,
    MIN_PRIORITIES,
    PLUGIN_FILTERS,
    STATES,
    TYPES,
    V6_TIMEFRAMES,
)

MAX_POSITION_ROWS = 20
DATED = {"daily": "day", "weekly": "week", "monthly": "month"}


def _kept(model: MenuModel, buttons: Iterable[Button]) -> list[Button]:
    return [b for b in buttons if model.exists(b.cb)]


def _mark(on: bool) -> str:
    return "✅" if on else "▫️"


# -- sessions (§8.1 editor) ----------------------------------------------------------------
def session_keyboard(model: MenuModel, cfg: SessionsSettings, symbols: Sequence[str],
                     focus: str | None) -> Keyboard:
    """Every session (open one to edit it), the master switch, and the open session's edits."""
    names = _kept(model, (Button(("✏️ " if sid == focus else "") + w.name,
                                 feature("session_edit", sid)) for sid, w in cfg.table.items()))
    master = _kept(model, [Button(f"🔀 Session filter {'ON → off' if cfg.enabled else 'OFF → on'}",
                                  feature("session_toggle", "master"))])
    out = [*rows(names, 3), master]
    window = cfg.table.get(focus or "")
    if window is not None and focus is not None:
        step = cfg.editor_step_minutes
        shifts = _kept(model, (Button(f"{edge.capitalize()} {sign}{step}", feature(
            "session_time", f"{focus}_{edge}_{'+' if sign == '+' else '-'}{step}"))
            for edge in ("start", "end") for sign in ("−", "+")))
        force = _kept(model, [Button(
            f"⚡ Force close {'on → off' if window.force_close else 'off → on'}",
            feature("session_force", focus))])
        toggles = _kept(model, (Button(f"{_mark(s in window.symbols)} {s}",
                                       feature("session_toggle", f"{focus}_{s}"))
                                for s in symbols))
        out += [*rows(shifts, 4), force, *rows(toggles, 3)]
    return [row for row in out if row]


def session_text(cfg: SessionsSettings, focus: str, notice: str) -> str:
    w = cfg.table[focus]
    allowed = ", ".join(w.symbols) or "none"
    lines = [f"<b>✏️ {escape(w.name)}</b> ({escape(focus)}) {w.start}–{w.end} "
             f"{escape(cfg.timezone)}",
             f"Force close at its start: {'on' if w.force_close else 'off'}",
             f"Allowed symbols: {escape(allowed)}"]
    if notice:
        lines.append(f"✔️ {escape(notice)}")
    lines.append(f"Tap a symbol to allow ✅ or disallow ▫️ it; start/end move by "
                 f"{cfg.editor_step_minutes} min (with confirmation).")
    return "\n".join(lines)


# -- notification preferences (§9.3) ------------------------------------------------------
def next_state(state: str) -> str:
    """A type button cycles on → silent → off → on."""
    return STATES[(STATES.index(state) + 1) % len(STATES)] if state in STATES else STATES[0]


def notif_keyboard(model: MenuModel, data: Mapping[str, Any], focus: str | None) -> Keyboard:
    """Categories (open one for its types), plugin filter, minimum priority, V6 timeframes,
    quiet hours and reset; every button runs `/notifications …`."""
    categories: Mapping[str, bool] = data.get("categories", {})
    types: Mapping[str, str] = data.get("types", {})
    v6: Mapping[str, bool] = data.get("v6_tf_filter", {})
    quiet = bool(data.get("quiet_hours", {}).get("enabled"))
    out = rows(_kept(model, (Button(f"{'🔎 ' if c == focus else ''}{_mark(categories.get(c, True))}"
                                    f" {c}", feature("notif_cat", c)) for c in CATEGORIES)), 3)
    if focus in CATEGORIES:
        members = [t for t in TYPES.values() if t.category == focus]
        out += rows(_kept(model, (Button(f"{t.name}: {types.get(t.name, t.default)}", feature(
            "notif_type", f"{t.name}_{next_state(types.get(t.name, t.default))}"))
            for t in members)), 2)
        out.append(_kept(model, (Button(f"All {focus} {s}", feature("notif_cat", f"{focus}_{s}"))
                                 for s in ("on", "off"))))
    chosen, level = data.get("plugin_filter"), data.get("min_priority")
    out += rows(_kept(model, (Button(f"{'• ' if f == chosen else ''}🧩 {f}",
                                     feature("notif_filter", f)) for f in PLUGIN_FILTERS)), 2)
    out += rows(_kept(model, (Button(f"{'• ' if p == level else ''}⬆️ {p}",
                                     feature("notif_priority", p)) for p in MIN_PRIORITIES)), 2)
    out.append(_kept(model, (Button(f"V6 {tf} {_mark(v6.get(tf, True))}", feature("notif_v6tf", tf))
                             for tf in V6_TIMEFRAMES)))
    out.append(_kept(model, (Button(f"🌙 Quiet hours {'ON → off' if quiet else 'off → on'}",
                                    feature("notif_quiet", "toggle")),
                             Button("♻️ Reset", feature("notif_reset")))))
    return [row for row in out if row]


def notif_text(data: Mapping[str, Any], focus: str | None) -> str:
    q = data.get("quiet_hours", {})
    v6 = ", ".join(f"{tf} {'on' if on else 'off'}"
                   for tf, on in data.get("v6_tf_filter", {}).items())
    lines = ["<b>🔔 Notification preferences</b>"]
    if data.get("changed"):
        lines.append(f"✔️ {escape(str(data['changed']))}")
    lines += [f"Minimum priority: {escape(str(data.get('min_priority')))} · plugin filter: "
              f"{escape(str(data.get('plugin_filter')))}",
              f"Quiet hours: {'ON' if q.get('enabled') else 'off'} ({q.get('start')}–"
              f"{q.get('end')} {escape(str(q.get('timezone')))})",
              f"V6 timeframes: {v6}"]
    if focus in CATEGORIES:
        lines.append(f"<b>{escape(focus)}</b>: a type button cycles on → silent → off.")
    else:
        lines.append("Open a category to change its types.")
    return "\n".join(lines)


# -- positions and reports ----------------------------------------------------------------
def position_keyboard(model: MenuModel, positions: Sequence[Mapping[str, Any]]) -> Keyboard:
    """One row per open position: close it, or close part of it (the commands confirm)."""
    out: Keyboard = []
    for p in positions[:MAX_POSITION_ROWS]:
        ticket = str(p.get("Ticket", ""))
        if not ticket.isdigit():
            continue
        row = _kept(model, (Button(f"❌ Close #{ticket} {p.get('Symbol', '')}",
                                   feature("pos_close", ticket)),
                            Button(f"✂️ Partial #{ticket}", feature("pos_partial", ticket))))
        if row:
            out.append(row)
    return out


def report_keyboard(model: MenuModel, command: str) -> Keyboard:
    """Previous/next period of a dated report; exports of a period report."""
    if command in DATED:
        unit = DATED[command]
        steps = _kept(model, (
            Button(f"◀️ Previous {unit}", feature(f"analytics_{command}", "prev")),
            Button(f"Next {unit} ▶️", feature(f"analytics_{command}", "next"))))
        return [steps] if steps else []
    exports = _kept(model, (Button(f"📄 Export {fmt.upper()}", feature("analytics_export", fmt))
                            for fmt in ("csv", "json")))
    return [exports] if exports else []
