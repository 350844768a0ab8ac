"""PLUGIN commands (SPEC §10.2.10): menu, list, enable/disable, shadow, /compare, /deps."""

from __future__ import annotations

from core.commands import compare
from core.commands.risk import switch_value
from core.commands.spec import Category, CommandContext, CommandSpec, Param, Reply, Table
from core.commands.strategy_views import (
    PLUGIN_IDS,
    host,
    info_state,
    installed,
    on_off,
    plugin_arg,
    state_text,
    strategy_state,
    switch_plugin,
    switch_shadow,
    transition,
)
from core.domain.enums import Severity

P = Category.PLUGIN


async def plugin(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    infos = host(engine).infos()
    counts: dict[str, int] = {}
    for info in infos:
        counts[info.state] = counts.get(info.state, 0) + 1
    commands = engine.registry.command_list(P, without="plugin")
    summary = " · ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none"
    return Reply(title="Plugins", lines=(
        f"Installed: {len(infos)} ({summary}) · bridge mode {engine.settings.bridge.mode}",
        "List and health: /plugins · switch: /enable PLUGIN, /disable PLUGIN · shadow: "
        "/shadow PLUGIN on|off · live vs shadow: /compare · dependencies: /deps",
        "Commands: " + " ".join(commands)), data={"commands": commands, "states": counts})


def _fallback(ctx: CommandContext, plugin_id: str) -> str:
    state = strategy_state(ctx.engine, plugin_id)
    return state.state if state is not None else "–"


async def plugins(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    plugins_ = host(engine)
    rows, data = [], []
    for info in plugins_.infos():
        entry = engine.settings.plugins.entry(info.plugin_id)
        if info.state == "blocked":
            health = f"BLOCKED: {info.detail}"
        else:
            status = plugins_.health(info.plugin_id)
            health = ("ok" if status.ok else "FAILING") + (
                f" ({status.detail})" if status.detail and status.detail != "ok" else "")
        shadow = plugins_.shadow(info.plugin_id) if info.plugin_id in plugins_.plugins \
            else entry.shadow_mode
        rows.append((info.plugin_id, info.version, info.track, on_off(entry.enabled),
                     on_off(shadow), _fallback(ctx, info.plugin_id), health))
        data.append({"plugin": info.plugin_id, "version": info.version, "track": info.track,
                     "enabled": entry.enabled, "shadow": shadow, "state": info.state,
                     "bridge": _fallback(ctx, info.plugin_id), "health": health})
    failing = [r[0] for r in rows if not r[6].startswith("ok")]
    return Reply(title=f"Plugins: {len(rows)} installed" + (
        f", {len(failing)} not healthy" if failing else ""),
        lines=tuple(s.text for s in engine.bridge.strategy_states()) if engine.bridge else (),
        table=Table(("Plugin", "Version", "Track", "Enabled", "Shadow", "Bridge", "Health"),
                    tuple(rows)),
        severity=Severity.MEDIUM if failing else Severity.INFO, data={"plugins": data})


async def enable(ctx: CommandContext) -> Reply:
    plugin_id = plugin_arg(ctx)
    before = switch_plugin(ctx, plugin_id, True)
    state, detail = info_state(ctx.engine, plugin_id)
    lines = [state_text(ctx.engine, plugin_id),
             "Fallback ends: in this build a strategy is in fallback exactly while its plugin is "
             "not enabled, so enabling it routes its signals to the plugin again."]
    if state == "blocked":
        lines.append(f"{plugin_id} is not loaded ({detail}); the switch is stored and applies "
                     "once it loads.")
    return Reply(title=f"{plugin_id}: " + ("already enabled" if before else "disabled → enabled"),
                 lines=tuple(lines), severity=Severity.MEDIUM,
                 data={"plugin": plugin_id, "enabled": True, "previous": before,
                       "state": state})


async def disable(ctx: CommandContext) -> Reply:
    plugin_id = plugin_arg(ctx)
    before = switch_plugin(ctx, plugin_id, False)
    state, _ = info_state(ctx.engine, plugin_id)
    return Reply(title=f"{plugin_id}: " + ("enabled → disabled" if before else "already disabled"),
                 lines=(state_text(ctx.engine, plugin_id),
                        "Its open positions stay under core management (SL/TP, caps); its "
                        "signals are no longer traded by it."),
                 severity=Severity.HIGH,
                 data={"plugin": plugin_id, "enabled": False, "previous": before,
                       "state": state})


async def shadow(ctx: CommandContext) -> Reply:
    plugin_id = plugin_arg(ctx)
    plugins_ = host(ctx.engine)
    entry = ctx.engine.settings.plugins.entry(plugin_id)
    effective = plugins_.shadow(plugin_id) if plugin_id in plugins_.plugins \
        else entry.shadow_mode
    value = switch_value(ctx.args.get("switch"), entry.shadow_mode)
    if value is None:
        forced = effective and not entry.shadow_mode
        return Reply(title=f"{plugin_id} shadow mode: {on_off(effective)}",
                     lines=(("V6_EXPERIMENTAL track: always in shadow until promoted."
                             if forced else "Switch with /shadow PLUGIN on|off."),),
                     data={"plugin": plugin_id, "shadow": effective,
                           "switch": entry.shadow_mode})
    before = switch_shadow(ctx, plugin_id, value)
    effective = plugins_.shadow(plugin_id) if plugin_id in plugins_.plugins else value
    note = ("It decides and records virtual orders in the shadow ledger; nothing reaches the "
            "broker (see /compare)." if value else
            "It trades live again: its accepted signals send real orders.")
    lines = [note]
    if effective != value:
        lines.append("V6_EXPERIMENTAL track: it stays in shadow until promoted.")
    return Reply(title=f"{plugin_id} shadow mode: {transition(before, value)}",
                 lines=tuple(lines), severity=Severity.MEDIUM if not value else Severity.LOW,
                 data={"plugin": plugin_id, "shadow": effective, "switch": value,
                       "previous": before})


async def deps(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    plugins_ = host(engine)
    rows, blocked, data = [], [], []
    for info in plugins_.infos():
        candidate = plugins_.candidates[info.plugin_id]
        manifest = candidate.manifest
        requires = ", ".join(f"{k} {v}" for k, v in (manifest.requires.items()
                                                      if manifest else ())) or "–"
        conflicts = ", ".join(manifest.conflicts_with) if manifest else "–"
        pin = engine.settings.plugins.entry(info.plugin_id).pin or "–"
        if info.state == "blocked":
            status = f"BLOCKED: {info.detail}"
            blocked.append(f"{info.plugin_id}: {info.detail}")
        elif info.plugin_id in plugins_.idle:
            status = f"idle: {plugins_.idle[info.plugin_id]} has priority for its slot"
        else:
            status = f"loaded ({info.state})"
        rows.append((info.plugin_id, info.version, info.track, str(info.priority),
                     candidate.source, requires, conflicts or "–", pin, status))
        data.append({"plugin": info.plugin_id, "version": info.version, "track": info.track,
                     "priority": info.priority, "source": candidate.source,
                     "requires": dict(manifest.requires) if manifest else {},
                     "conflicts_with": list(manifest.conflicts_with) if manifest else [],
                     "pin": None if pin == "–" else pin, "status": status})
    lines = [f"{len(rows)} installed · {len(rows) - len(blocked)} loaded · "
             f"{len(plugins_.idle)} idle · {len(blocked)} blocked"]
    lines += [f"BLOCKED {b}" for b in blocked]
    return Reply(title="Plugin dependencies", lines=tuple(lines),
                 table=Table(("Plugin", "Version", "Track", "Priority", "Source", "Requires",
                              "Conflicts", "Pin", "Status"), tuple(rows)),
                 severity=Severity.MEDIUM if blocked else Severity.INFO,
                 data={"plugins": data, "installed": installed(engine)})


PLUGIN = Param("plugin", "plugin", presets=PLUGIN_IDS)
COMMANDS = (
    CommandSpec("plugin", P, "Plugin menu", plugin),
    CommandSpec("plugins", P, "Plugins: id, version, track, enabled, shadow, fallback, health",
                plugins),
    CommandSpec("enable", P, "Enable a plugin; ends fallback for its strategy", enable,
                params=(PLUGIN,), admin=True, confirm=True, plugin_aware=True,
                effect="The plugin trades its signals again (its strategy leaves fallback)."),
    CommandSpec("disable", P, "Disable a plugin; its signals are not traded by it", disable,
                params=(PLUGIN,), admin=True, confirm=True, plugin_aware=True,
                effect="The plugin stops trading; its strategy goes to the V4 fallback (or is "
                       "not traded when there is none or fallback is off)."),
    CommandSpec("shadow", P, "Shadow mode of a plugin (SPEC §4.4)", shadow, plugin_aware=True,
                params=(PLUGIN, Param("switch", "switch", required=False,
                                      choices=("on", "off", "status"))),
                admin=True, confirm=lambda args: args.get("switch") in (None, "off"),
                effect="Turning shadow off makes the plugin trade live (real orders); without "
                       "an argument it toggles."),
    *compare.COMMANDS,
    CommandSpec("deps", P, "Dependency report: versions, priorities, sources, idle and blocked "
                "plugins and why", deps),
)
