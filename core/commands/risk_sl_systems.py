"""SL-table RISK commands (SPEC §10.2.3): active table, fallback, symbol reductions."""

from __future__ import annotations

from core.commands.risk import SYMBOLS, _risk, set_config, symbol_arg
from core.commands.spec import Alias, Category, CommandContext, CommandSpec, Param, Reply
from core.domain.enums import Severity
from core.risk import report


async def slsystem(ctx: CommandContext) -> Reply:
    choice = ctx.args.get("system", "status")
    sl = ctx.engine.settings.sl_systems
    if choice != "status":
        set_config(ctx, "sl_systems.active", choice)
        set_config(ctx, "sl_systems.enabled", True)
        return Reply(title=f"SL system {choice} active (tables on)",
                     lines=("Applies to new orders only.",),
                     data={"active": choice, "enabled": True})
    state = f"{sl.active} active" if sl.enabled else f"tables OFF ({sl.active} when re-enabled)"
    return Reply(title=f"SL system: {state}", lines=("Switch with /slsystem sl-1|sl-2.",),
                 data={"active": sl.active, "enabled": sl.enabled})


async def complete_sl_system_off(ctx: CommandContext) -> Reply:
    risk = _risk(ctx)
    set_config(ctx, "sl_systems.enabled", False)
    lines = report.fallback_text(ctx.engine.settings, risk.tier(), risk.balance(),
                                 ctx.engine.symbols())
    return Reply(title="SL tables OFF: table-based SLs use the fallback rule",
                 lines=(*lines, "/slsystem sl-1|sl-2 switches the tables back on."),
                 severity=Severity.MEDIUM, data={"enabled": False})


def _write_reductions(ctx: CommandContext, wanted: dict[str, float]) -> None:
    set_config(ctx, "sl_systems.symbol_reductions", wanted)
    # values from the config file survive a merge: neutralise them explicitly (0 = none)
    left = {k for k, v in ctx.engine.settings.sl_systems.symbol_reductions.items()
            if v and k not in wanted}
    if left:
        set_config(ctx, "sl_systems.symbol_reductions", {**wanted, **dict.fromkeys(left, 0.0)})


async def set_symbol_sl(ctx: CommandContext) -> Reply:
    spec, percent = symbol_arg(ctx), float(ctx.args["percent"])
    current = {k: v for k, v in ctx.engine.settings.sl_systems.symbol_reductions.items() if v}
    _write_reductions(ctx, {**current, spec.name: percent})
    pips = _risk(ctx).sl_pips(spec)
    return Reply(title=f"{spec.name} table SL reduced by {percent:g} %",
                 lines=(f"Effective table SL now {pips:.1f} pips (before logic multipliers).",),
                 data={"symbol": spec.name, "percent": percent, "sl_pips": pips})


async def reset_symbol_sl(ctx: CommandContext) -> Reply:
    spec = symbol_arg(ctx)
    current = {k: v for k, v in ctx.engine.settings.sl_systems.symbol_reductions.items() if v}
    had = current.pop(spec.name, 0.0)
    _write_reductions(ctx, current)
    title = (f"{spec.name} reduction removed (was {had:g} %)" if had
             else f"{spec.name} had no reduction")
    return Reply(title=title, data={"symbol": spec.name, "removed": had})


async def reset_all_sl(ctx: CommandContext) -> Reply:
    current = {k: v for k, v in ctx.engine.settings.sl_systems.symbol_reductions.items() if v}
    _write_reductions(ctx, {})
    return Reply(title=f"All symbol SL reductions removed ({len(current)})",
                 data={"removed": current})


SYMBOL = Param("symbol", "symbol", presets=SYMBOLS)
R = Category.RISK

COMMANDS = (
    CommandSpec("slsystem", R, "Show or switch the active SL table (switching re-enables it)",
                slsystem, plugin_aware=True,
                params=(Param("system", "sl_system", required=False,
                              choices=("sl-1", "sl-2", "status")),),
                aliases=(Alias("sl_system_change"), Alias("sl_system_on"),
                         Alias("sl_status", ("status",)))),
    CommandSpec("complete_sl_system_off", R, "Disable the SL tables (fallback rule §5.3.2)",
                complete_sl_system_off, admin=True, confirm=True,
                effect="Table-based SLs become balance × risk % ÷ (pip value × max lot)."),
    CommandSpec("set_symbol_sl", R, "Reduce one symbol's table SL", set_symbol_sl,
                params=(SYMBOL, Param("percent", "sl_percent", kind="float", minimum=5,
                                      maximum=50, presets=("5", "10", "15", "20", "25", "30",
                                                           "40", "50"))),
                confirm=True, effect="Reduces the symbol's table SL for new orders."),
    CommandSpec("reset_symbol_sl", R, "Remove one symbol's reduction", reset_symbol_sl,
                params=(SYMBOL,)),
    CommandSpec("reset_all_sl", R, "Remove all symbol reductions", reset_all_sl, confirm=True,
                effect="Removes every per-symbol SL reduction."),
)
