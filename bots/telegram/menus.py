"""Pure keyboard builders generated from the registry; only buttons whose target exists."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bots.telegram.callbacks import (
    BACK,
    HOME,
    SKIP,
    Callback,
    Kind,
    action,
    feature_command,
    menu,
)
from bots.telegram.config import accepts
from core.commands.registry import CommandRegistry
from core.commands.spec import Category, CommandSpec, Param


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    cb: Callback


Keyboard = list[list[Button]]

# Sub-menus of §9.6.2 group commands across categories (§10.2 names); empty ones are hidden.
SUBMENUS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sl_system": ("🎯 SL System", ("slsystem", "view_sl_config", "set_symbol_sl",
                                  "reset_symbol_sl", "reset_all_sl", "complete_sl_system_off")),
    "trends": ("📐 Trends", ("trends", "trend_matrix", "set_trend", "set_auto", "trend_mode")),
    "v3": ("V3", ("v3", "logic1", "logic2", "logic3", "logic_status", "view_logic_settings")),
    "v6": ("V6", ("v6", "v6_status", "v6_control", "tf1m", "tf5m", "tf15m", "tf1h")),
    "fine_tune": ("🎛 Fine-Tune", ("fine_tune", "sl_reduction", "recovery_windows")),
    "notifications": ("🔔 Notifications", ("notifications",)),
    "diagnostics": ("🩺 Diagnostics", ("diagnostics", "health", "loglevel", "logs")),
}
# Quick actions (§10.3 `action_<name>`): label and the commands each one needs.
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dashboard": ("📊 Dashboard", ("status", "positions")),
    "pause_resume": ("⏯ Pause/Resume", ("pause", "resume")),
    "trades": ("📈 Trades", ("positions",)),
    "performance": ("🏆 Performance", ("performance",)),
    "clock": ("🕐 Clock", ("clock",)),
    "voice_test": ("🔊 Voice Test", ("voicetest",)),
    "status": ("ℹ️ Status", ("status",)),
    "help": ("❓ Help", ("help",)),
    "refresh_header": ("🔄 Refresh", ()),
    "panic_close": ("🚨 PANIC CLOSE", ("closeall",)),
}
ACTION_COMMAND = {"trades": "positions", "performance": "performance", "clock": "clock",
                  "voice_test": "voicetest", "status": "status", "help": "help",
                  "panic_close": "closeall"}
CATEGORY_LABELS = {
    Category.SYSTEM: "⚙️ System", Category.TRADING: "💹 Trading", Category.RISK: "🛡 Risk",
    Category.STRATEGY: "🧠 Strategy", Category.TIMEFRAME: "⏱ Timeframe",
    Category.REENTRY: "🔁 Re-entry", Category.PROFIT: "💰 Profit",
    Category.ANALYTICS: "📊 Analytics", Category.SESSION: "🌐 Session",
    Category.PLUGIN: "🧩 Plugin", Category.VOICE: "🔊 Voice",
}
# §9.6.1 persistent reply keyboard: label → callback, five rows.
REPLY_ROWS: tuple[tuple[tuple[str, Callback], ...], ...] = (
    (("📊 Dashboard", action("dashboard")), ("⏯ Pause/Resume", action("pause_resume")),
     ("🌐 Sessions", menu("session"))),
    (("📈 Active Trades", action("trades")), ("⏱ Timeframe", menu("timeframe")),
     ("🛡 Risk", menu("risk"))),
    (("🔁 Re-entry", menu("reentry")), ("🎯 SL System", menu("sl_system")),
     ("📐 Trends", menu("trends"))),
    (("💰 Profit", menu("profit")), ("🧠 Strategy", menu("strategy")),
     ("🔊 Voice Test", action("voice_test"))),
    (("❓ Help", action("help")), ("🚨 PANIC CLOSE", action("panic_close"))),
)


def normalize_label(text: str) -> str:
    """Icons and punctuation ignored: `🚨 PANIC CLOSE` → `panic close`."""
    return " ".join(re.sub(r"[^0-9a-z/ -]+", " ", text.lower()).split())


class MenuModel:
    """The registry as one bot sees it (its roles decide which commands it serves)."""

    def __init__(self, registry: CommandRegistry, roles: tuple[str, ...]) -> None:
        self.registry = registry
        self.roles = roles

    @property
    def controller(self) -> bool:
        return "controller" in self.roles

    def command(self, name: str) -> CommandSpec | None:
        if name not in self.registry:
            return None
        spec, _ = self.registry.resolve(name)
        return spec if spec.name == name and accepts(self.roles, spec) else None

    def commands(self, category: Category) -> list[CommandSpec]:
        return [s for s in self.registry.specs(category) if accepts(self.roles, s)]

    def categories(self) -> list[Category]:
        return [c for c in Category if self.commands(c)]

    def submenu(self, name: str) -> list[CommandSpec]:
        members = SUBMENUS.get(name, ("", ()))[1]
        return [s for n in members if (s := self.command(n)) is not None]

    def menu_exists(self, name: str) -> bool:
        if name == "main":
            return True
        category = next((c for c in Category if c.key == name), None)
        return bool(self.commands(category)) if category else bool(self.submenu(name))

    def action_exists(self, name: str) -> bool:
        if name not in ACTIONS:
            return False
        return all(self.command(n) is not None for n in ACTIONS[name][1])

    def exists(self, cb: Callback) -> bool:
        if cb.kind is Kind.MENU:
            return self.menu_exists(cb.name)
        if cb.kind is Kind.ACTION:
            return self.action_exists(cb.name)
        if cb.kind is Kind.HELP:
            return self.command("help") is not None and any(
                c.key == cb.name for c in self.categories())
        if cb.kind in (Kind.CMD, Kind.PARAM, Kind.CUSTOM, Kind.EXECUTE):
            return self.command(cb.name) is not None
        if cb.kind is Kind.PLUGIN:
            spec = self.command(cb.name)
            return spec is not None and spec.plugin_aware
        if cb.kind is Kind.FEATURE:
            return self.command(feature_command(cb)) is not None
        return True


def rows(buttons: Iterable[Button], per_row: int) -> Keyboard:
    items = list(buttons)
    return [items[i:i + per_row] for i in range(0, len(items), per_row)]


def nav_row() -> list[Button]:
    return [Button("⬅️ Back", BACK), Button("🏠 Home", HOME)]


def command_button(spec: CommandSpec) -> Button:
    marks = ("🔒" if spec.admin else "") + ("⚠️" if spec.confirm else "")
    return Button(f"/{spec.name}{' ' + marks if marks else ''}",
                  Callback(Kind.CMD, spec.name, category=spec.category.key))


def _filtered(model: MenuModel, items: Iterable[Button]) -> list[Button]:
    return [b for b in items if model.exists(b.cb)]


def main_menu(model: MenuModel) -> Keyboard:
    quick = _filtered(model, (Button(ACTIONS[n][0], action(n)) for n in (
        "dashboard", "pause_resume", "trades", "performance", "clock", "voice_test",
        "status")))
    categories = [Button(CATEGORY_LABELS[c], menu(c.key)) for c in model.categories()]
    subs = _filtered(model, (Button(label, menu(n)) for n, (label, _) in SUBMENUS.items()))
    tail = _filtered(model, (Button(ACTIONS["help"][0], action("help")),
                             Button("🔄 Refresh", HOME)))
    return [*rows(quick, 3), *rows(categories, 3), *rows(subs, 3), tail]


def command_menu(specs: Sequence[CommandSpec]) -> Keyboard:
    return [*rows((command_button(s) for s in specs), 2), nav_row()]


def category_menu(model: MenuModel, key: str) -> Keyboard:
    category = next(c for c in Category if c.key == key)
    return command_menu(model.commands(category))


def submenu(model: MenuModel, name: str) -> Keyboard:
    return command_menu(model.submenu(name))


def picker_values(param: Param) -> tuple[str, ...]:
    return param.presets or param.choices


def picker(spec: CommandSpec, param: Param) -> Keyboard:
    """§9.6.4: presets, Default (optional only), Custom…, Back, Home."""
    presets = [Button(v, Callback(Kind.PARAM, spec.name, ptype=param.type, value=v))
               for v in picker_values(param)]
    extra = [Button("✏️ Custom…", Callback(Kind.CUSTOM, spec.name, ptype=param.type))]
    if not param.required:
        default = "" if param.default is None else f" ({param.default})"
        extra.insert(0, Button(f"Default{default}", Callback(
            Kind.PARAM, spec.name, ptype=param.type, value=SKIP)))
    return [*rows(presets, 3), extra, nav_row()]


def confirmation(spec: CommandSpec) -> Keyboard:
    """§9.6.5: Confirm, Cancel (the category menu), Back (the command again)."""
    return [[Button("✅ Confirm", Callback(Kind.EXECUTE, spec.name))],
            [Button("✖️ Cancel", menu(spec.category.key)), Button("⬅️ Back", Callback(
                Kind.CMD, spec.name, category=spec.category.key))]]


FAMILY_BUTTONS = (("V3", "v3"), ("V6", "v6"), ("V3 + V6", "both"))


def family_menu(spec: CommandSpec) -> Keyboard:
    """§9.6.6: which plugin family a plugin-aware command acts on; Cancel goes home."""
    return [[Button(label, Callback(Kind.PLUGIN, spec.name, value=family))
             for label, family in FAMILY_BUTTONS], [Button("✖️ Cancel", HOME)]]


def back_home() -> Keyboard:
    return [nav_row()]


def home_only() -> Keyboard:
    return [[Button("🏠 Home", HOME)]]


def help_menu(model: MenuModel) -> Keyboard:
    pages = [Button(CATEGORY_LABELS[c], Callback(Kind.HELP, c.key)) for c in model.categories()]
    return [*rows(pages, 3), nav_row()]


def dashboard_menu(model: MenuModel) -> Keyboard:
    """§9.8 buttons, those that exist."""
    return rows(_filtered(model, (
        Button(ACTIONS["pause_resume"][0], action("pause_resume")),
        Button(ACTIONS["status"][0], action("status")),
        Button(ACTIONS["trades"][0], action("trades")),
        Button(ACTIONS["performance"][0], action("performance")),
        Button(CATEGORY_LABELS[Category.RISK], menu("risk")),
        Button(SUBMENUS["trends"][0], menu("trends")),
        Button("🔄 Refresh", action("dashboard")),
        Button(ACTIONS["help"][0], action("help")),
        Button("🏠 Main Menu", HOME))), 3)


def header_menu(model: MenuModel) -> Keyboard:
    """§9.5 Controller header keyboard, filtered to targets that exist."""
    return rows(_filtered(model, (
        Button("📊 Dashboard", action("dashboard")),
        Button("📈 Live Stats", action("performance")),
        Button("V3 Status", menu("v3")), Button("V6 Status", menu("v6")),
        Button("⚙️ Settings", menu("system")), Button("📑 Reports", menu("analytics")),
        Button("🔄 Refresh", action("refresh_header")),
        Button("🚨 Emergency Stop", action("panic_close")))), 2)


def reply_keyboard(model: MenuModel) -> list[list[str]]:
    """§9.6.1 rows with only the buttons that lead somewhere (Controller bots only)."""
    if not model.controller:
        return []
    kept = [[label for label, cb in row if model.exists(cb)] for row in REPLY_ROWS]
    return [row for row in kept if row]


def reply_label(model: MenuModel, text: str) -> Callback | None:
    wanted = normalize_label(text)
    for row in REPLY_ROWS:
        for label, cb in row:
            if normalize_label(label) == wanted and model.controller and model.exists(cb):
                return cb
    return None


def bot_commands(model: MenuModel, names: Sequence[str]) -> list[tuple[str, str]]:
    """setMyCommands list: the configured short list that exists, plus `menu` (≤ 100)."""
    chosen: list[tuple[str, str]] = []
    for name in [*names, "menu"]:
        if name in (n for n, _ in chosen):
            continue
        spec = model.command(name)
        if spec is not None:
            chosen.append((name, spec.summary[:256]))
        elif name in ("start", "menu"):
            chosen.append((name, "Open the main menu"))
    return chosen[:100]
