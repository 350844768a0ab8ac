"""REENTRY commands (SPEC §10.2.6): re-entry chains, SL hunt, continuations, autonomy."""

from __future__ import annotations

from typing import Any

from core.commands.risk import set_config
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.config.reentry import ReentrySettings, ReverseShieldSettings
from core.trading.reentry import report
from core.trading.reentry.engine import ReentryEngine
from core.trading.reentry.report import on_off
from core.trading.reentry.rules import by_priority

R = Category.REENTRY
SWITCH = Param("switch", "switch", required=False, choices=("on", "off", "status"))
REDUCTIONS = ("AGGRESSIVE", "BALANCED", "CONSERVATIVE", "ADAPTIVE")


def _engine(ctx: CommandContext) -> ReentryEngine:
    if ctx.engine.reentry is None:
        raise CommandError("the engine is not started")
    return ctx.engine.reentry


def _switch(ctx: CommandContext, dotted: str, label: str) -> Reply:
    """on/off sets the key; status (or nothing) shows it."""
    current = bool(ctx.engine.config.value(dotted))
    arg = ctx.args.get("switch") or "status"
    if arg == "status":
        return Reply(title=f"{label}: {on_off(current)}", data={"enabled": current})
    wanted = arg == "on"
    set_config(ctx, dotted, wanted)
    return Reply(title=f"{label}: {on_off(current)} → {on_off(wanted)}",
                 data={"enabled": wanted})


def _set(ctx: CommandContext, dotted: str, value: Any, label: str, unit: str) -> Reply:
    before = ctx.engine.config.value(dotted)
    set_config(ctx, dotted, value)
    return Reply(title=f"{label}: {before:g}{unit} → {value:g}{unit}", data={"value": value})


# -- menus and views ------------------------------------------------------------------------
async def reentry_menu(ctx: CommandContext) -> Reply:
    status = _engine(ctx).autonomy.status(ctx.engine.clock.now())
    names = ", ".join(f"/{s.name}" for s in ctx.engine.registry.specs(R))
    return Reply(title="Re-entry", lines=(*report.switches(ctx.engine.settings),
                                          report.counters(status), f"Commands: {names}"),
                 data={"autonomy": status})


async def recovery(ctx: CommandContext) -> Reply:
    chains = [c for c in _engine(ctx).book.live() if c.status == "ARMED" or c.current_level]
    rows = tuple(report.recovery_row(c) for c in chains)
    return Reply(title=f"Recoveries: {len(rows)}", table=Table(report.RECOVERY_COLUMNS, rows),
                 lines=() if rows else ("No armed or open recovery.",),
                 data={"chains": [c.chain_id for c in chains]})


async def chains(ctx: CommandContext) -> Reply:
    scope = ctx.args.get("scope") or "active"
    symbol = str(ctx.args.get("symbol") or "").upper()
    book = _engine(ctx).book
    found = sorted(book.live() if scope == "active" else book.chains.values(),
                   key=lambda c: c.created_at)
    found = [c for c in found if not symbol or c.symbol == symbol]
    rows = tuple(report.chain_row(c) for c in found)
    where = f" on {symbol}" if symbol else ""
    return Reply(title=f"Re-entry chains ({scope}){where}: {len(rows)}",
                 table=Table(report.CHAIN_COLUMNS, rows),
                 lines=() if rows else ("No chain.",),
                 data={"chains": [c.to_doc() for c in found]})


async def reentry_config(ctx: CommandContext) -> Reply:
    return Reply(title="Re-entry configuration", lines=tuple(report.config_lines(
        ctx.engine.settings)), data={"reentry": ctx.engine.settings.reentry.model_dump(),
                                     "reverse_shield":
                                         ctx.engine.settings.reverse_shield.model_dump()})


async def autonomous_dashboard(ctx: CommandContext) -> Reply:
    engine = _engine(ctx)
    now = ctx.engine.clock.now()
    status = engine.autonomy.status(now)
    ranked = by_priority(engine.book.live(), ctx.engine.settings.reentry.priority)
    until = status["suspended_until"]
    return Reply(
        title="Autonomous dashboard",
        lines=(report.counters(status),
               f"Cooldown: until {until[:16].replace('T', ' ')} UTC" if until else
               "Cooldown: none",
               f"Recoveries may start: {'yes' if status['may_start'] else 'no'} "
               f"({status['reason']})"),
        table=Table(("Priority", "Chain", "Status", "P&L", "Running"),
                    report.dashboard_rows(ranked, now)),
        data=status)


async def fine_tune(ctx: CommandContext) -> Reply:
    settings = ctx.engine.settings
    re = settings.reentry
    return Reply(title="Fine-tune", lines=(
        f"Profit protection: {re.profit_protection.mode} (/protection)",
        f"SL-reduction optimiser: {re.sl_reduction_strategy} (/sl_reduction, "
        "/set_sl_reduction)",
        "Recovery windows: " + ", ".join(f"{t} {w}" for t, _, w in report.window_rows(
            settings)) + " (/recovery_windows)"),
        data={"protection": re.profit_protection.mode,
              "sl_reduction": re.sl_reduction_strategy})


# -- switches ---------------------------------------------------------------------------------
async def slhunt(ctx: CommandContext) -> Reply:
    arg = ctx.args.get("switch") or "status"
    hunt = ctx.engine.settings.reentry.sl_hunt
    if arg in ("offset", "retrace"):
        set_config(ctx, "reentry.sl_hunt.mode", arg)
        return Reply(title=f"SL hunt mode: {hunt.mode} → {arg}", data={"mode": arg})
    reply = _switch(ctx, "reentry.sl_hunt.enabled", "SL hunt")
    return Reply(title=f"{reply.title} ({hunt.mode}, offset {hunt.offset_pips:g} pip)",
                 data={**reply.data, "mode": hunt.mode})


async def tpcontinue(ctx: CommandContext) -> Reply:
    return _switch(ctx, "reentry.tp_continuation.enabled", "TP continuation")


async def exit_continuation(ctx: CommandContext) -> Reply:
    return _switch(ctx, "reentry.exit_continuation.enabled", "Exit continuation")


async def autonomous(ctx: CommandContext) -> Reply:
    reply = _switch(ctx, "reentry.autonomous_enabled", "Autonomous system")
    status = _engine(ctx).autonomy.status(ctx.engine.clock.now())
    until = status["suspended_until"]
    return Reply(title=reply.title, lines=(report.counters(status), (
        f"Cooldown until {until[:16].replace('T', ' ')} UTC" if until else "No cooldown")),
        data={**reply.data, **status})


async def shield(ctx: CommandContext) -> Reply:
    reply = _switch(ctx, "reverse_shield.enabled", "Reverse shield")
    pairs = _engine(ctx).shield.pairs
    return Reply(title=reply.title, lines=(
        f"{len(pairs)}/{ctx.engine.settings.reverse_shield.max_concurrent} shield pairs open",
        *(f"{p['chain_id']} {p['symbol']} {p['status']} tickets "
          f"{' '.join(f'#{t}' for t in p['tickets']) or '-'}" for p in pairs)),
        data={**reply.data, "pairs": pairs})


# -- values -----------------------------------------------------------------------------------
async def cooldown(ctx: CommandContext) -> Reply:
    return _set(ctx, "reentry.cooldown_seconds", int(ctx.args["seconds"]),
                "Re-entry cooldown", " s")


async def chainlimit(ctx: CommandContext) -> Reply:
    reply = _set(ctx, "reentry.max_levels", int(ctx.args["n"]), "Max re-entry level", "")
    changed = _engine(ctx).relimit(ctx.engine.clock.now())
    return Reply(title=reply.title, lines=tuple(changed) or ("No running chain changed.",),
                 data={**reply.data, "chains": changed})


async def set_monitor_interval(ctx: CommandContext) -> Reply:
    return _set(ctx, "reentry.monitor_interval_seconds", int(ctx.args["seconds"]),
                "Re-entry monitor interval", " s")


async def set_sl_offset(ctx: CommandContext) -> Reply:
    return _set(ctx, "reentry.sl_hunt.offset_pips", float(ctx.args["pips"]), "SL-hunt offset",
                " pips")


async def set_recovery_time(ctx: CommandContext) -> Reply:
    return _set(ctx, "reentry.default_recovery_window_minutes", int(ctx.args["minutes"]),
                "Default recovery window", " min")


async def set_sl_reduction(ctx: CommandContext) -> Reply:
    value = round(float(ctx.args["value"]), 2)
    reply = _set(ctx, "reentry.sl_reduction_per_level", value, "SL reduction per level", "")
    set_config(ctx, "reentry.sl_reduction_strategy", "CUSTOM")
    return Reply(title=reply.title, lines=("Optimiser set to CUSTOM.",),
                 data={"value": value, "strategy": "CUSTOM"})


async def sl_reduction(ctx: CommandContext) -> Reply:
    re = ctx.engine.settings.reentry
    arg = ctx.args.get("strategy") or "status"
    rows = tuple((s, f"{ReentrySettings(sl_reduction_strategy=s).reduction('EURUSD'):g}"
                  if s != "ADAPTIVE" else "per symbol") for s in REDUCTIONS)
    table = Table(("Strategy", "r"), rows)
    if arg == "status":
        return Reply(title=f"SL-reduction optimiser: {re.sl_reduction_strategy}", table=table,
                     lines=("Adaptive: " + ", ".join(f"{k} {v:g}" for k, v in
                                                     re.adaptive_reductions.items())
                            + ", others 0.3",),
                     data={"strategy": re.sl_reduction_strategy})
    before = re.sl_reduction_strategy
    set_config(ctx, "reentry.sl_reduction_strategy", arg)
    return Reply(title=f"SL-reduction optimiser: {before} → {arg}", table=table,
                 data={"strategy": arg})


async def recovery_windows(ctx: CommandContext) -> Reply:
    target, minutes = ctx.args.get("target"), ctx.args.get("minutes")
    if target is None:
        return Reply(title="Recovery windows", table=Table(
            ("Target", "Strategy", "Window"), report.window_rows(ctx.engine.settings)))
    if minutes is None:
        raise CommandError("minutes: a value is required with a target")
    owner = report.WINDOW_TARGETS[str(target)]
    minutes = int(minutes)
    if owner.startswith("combinedlogic") and minutes < 15:
        raise CommandError(f"minutes: {minutes} is out of range (allowed 15–180 for logics)")
    dotted = (f"logics.{owner}.recovery_window_minutes" if owner.startswith("combinedlogic")
              else f"plugins.{owner}.config.recovery_window_minutes")
    return _set(ctx, dotted, minutes, f"Recovery window {target}", " min")


async def reset_reentry_config(ctx: CommandContext) -> Reply:
    changes = []
    for section, default in (("reentry", ReentrySettings()),
                             ("reverse_shield", ReverseShieldSettings())):
        current = getattr(ctx.engine.settings, section).model_dump()
        for key, wanted in default.model_dump().items():
            if current.get(key) != wanted:
                set_config(ctx, f"{section}.{key}", wanted)
                changes.append(f"{section}.{key}")
    return Reply(title="Re-entry configuration restored to defaults" if changes else
                 "Re-entry configuration already at defaults",
                 lines=tuple(f"restored {c}" for c in changes) or ("Nothing to change.",),
                 data={"changes": changes})


def _number(name: str, picker: str, kind: str, low: float, high: float,
            presets: tuple[str, ...]) -> Param:
    return Param(name, picker, kind=kind, minimum=low, maximum=high, presets=presets)


COMMANDS: list[CommandSpec] = [
    CommandSpec("reentry", R, "Re-entry menu: switches and counters", reentry_menu),
    CommandSpec("slhunt", R, "SL-hunt switch and mode (SPEC §6.3)", slhunt,
                params=(Param("switch", "switch", required=False,
                              choices=("on", "off", "status", "offset", "retrace")),),
                aliases=(Alias("sl_hunt"),)),
    CommandSpec("tpcontinue", R, "TP-continuation switch", tpcontinue, params=(SWITCH,),
                aliases=(Alias("tp_system"),)),
    CommandSpec("recovery", R, "Armed and open recoveries with their failing conditions",
                recovery),
    CommandSpec("cooldown", R, "Minimum time between re-entries of one chain", cooldown,
                params=(_number("seconds", "seconds", "int", 0, 600,
                                ("0", "5", "10", "30", "60")),),
                aliases=(Alias("set_cooldown"),)),
    CommandSpec("chains", R, "Re-entry chains", chains,
                params=(Param("scope", "scope", required=False, choices=("active", "all")),
                        Param("symbol", "symbol", required=False))),
    CommandSpec("autonomous", R, "Autonomous-system switch; status shows counters and limits",
                autonomous, params=(SWITCH,),
                aliases=(Alias("autonomous_mode"), Alias("autonomous_status", ("status",)))),
    CommandSpec("chainlimit", R, "Max re-entry level", chainlimit,
                params=(_number("n", "level", "int", 1, 5, ("1", "2", "3", "4", "5")),),
                aliases=(Alias("set_max_levels"),)),
    CommandSpec("exit_continuation", R, "Exit-continuation switch", exit_continuation,
                params=(SWITCH,)),
    CommandSpec("reentry_config", R, "All re-entry parameters in one view", reentry_config,
                aliases=(Alias("reconfig"),)),
    CommandSpec("set_monitor_interval", R, "Re-entry monitor interval", set_monitor_interval,
                params=(_number("seconds", "seconds", "int", 1, 300, ("1", "2", "5", "10")),)),
    CommandSpec("set_sl_offset", R, "SL-hunt offset", set_sl_offset,
                params=(_number("pips", "pips", "float", 1, 5, ("1", "2", "3", "5")),)),
    CommandSpec("set_recovery_time", R, "Default recovery window (strategies without their "
                "own)", set_recovery_time,
                params=(_number("minutes", "minutes", "int", 1, 180,
                                ("15", "30", "60", "120")),)),
    CommandSpec("set_sl_reduction", R, "Per-level SL reduction; sets the optimiser to CUSTOM",
                set_sl_reduction,
                params=(_number("value", "fraction", "float", 0.1, 0.7,
                                ("0.2", "0.3", "0.4", "0.5")),)),
    CommandSpec("reset_reentry_config", R, "Restore re-entry defaults", reset_reentry_config,
                admin=True, confirm=True,
                effect="Every reentry.* and reverse_shield.* setting returns to its default."),
    CommandSpec("autonomous_dashboard", R, "Counters vs limits, cooldown end, recoveries by "
                "priority, today's recovery P&L", autonomous_dashboard),
    CommandSpec("shield", R, "Reverse-shield switch and status (SPEC §6.9)", shield,
                params=(SWITCH,), confirm=lambda args: args.get("switch") == "on",
                effect="Opens opposite shield orders after Order A SL hits."),
    CommandSpec("fine_tune", R, "Fine-tune menu: profit protection, SL-reduction optimiser, "
                "recovery windows", fine_tune),
    CommandSpec("sl_reduction", R, "SL-reduction optimiser strategy (SPEC §6.2)", sl_reduction,
                params=(Param("strategy", "sl_reduction", required=False,
                              choices=(*REDUCTIONS, "status")),)),
    CommandSpec("recovery_windows", R, "Show or set recovery windows", recovery_windows,
                params=(Param("target", "recovery_target", required=False,
                              choices=tuple(report.WINDOW_TARGETS)),
                        Param("minutes", "minutes", required=False, kind="int", minimum=5,
                              maximum=180, presets=("15", "30", "45", "120")))),
]
