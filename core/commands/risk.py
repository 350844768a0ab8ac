"""RISK commands (SPEC §10.2.3): tiers, caps, lots, SL systems, protections, counters."""

from __future__ import annotations

from typing import Any

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
from core.config import ConfigError
from core.config.settings import TIERS, RiskSettings
from core.domain.enums import Severity
from core.domain.symbols import SymbolSpec
from core.events import ConfigChanged
from core.risk import report
from core.risk.gates import usd
from core.risk.manager import RiskManager

SYMBOLS = ("XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "USDCAD", "AUDUSD", "NZDUSD", "EURJPY",
           "GBPJPY", "AUDJPY", "EURGBP")
MODES = ("AGGRESSIVE", "BALANCED", "CONSERVATIVE", "VERY_CONSERVATIVE")
APPLIES = "Applies to open and new positions from the trade manager's next check (SPEC §5.2)."


def _risk(ctx: CommandContext) -> RiskManager:
    if ctx.engine.risk is None:
        raise CommandError("the engine is not started")
    return ctx.engine.risk


def set_config(ctx: CommandContext, dotted: str, value: Any) -> None:
    """Validated, persisted runtime change (survives restarts); raises `config_changed`."""
    try:
        ctx.engine.persist_override(dotted, value)
    except ConfigError as exc:
        raise CommandError(f"refused: {exc}") from exc
    ctx.engine.bus.publish(ConfigChanged(dotted, value, ctx.command_line))


def symbol_arg(ctx: CommandContext, name: str = "symbol") -> SymbolSpec:
    symbol = str(ctx.args[name]).upper()
    known = ctx.engine.symbols()
    if symbol not in known:
        raise CommandError(f"{name}: {symbol!r} is not in the symbol table; use one of "
                           + ", ".join(known))
    return known[symbol]


def switch_value(arg: str | None, current: bool) -> bool | None:
    """on/off → bool, missing → the toggled value, status → None (display only)."""
    if arg == "status":
        return None
    return (not current) if arg is None else arg == "on"


def _set_tier(ctx: CommandContext, tier: str, **changes: float) -> None:
    rows = {t: r.model_dump() for t, r in ctx.engine.settings.risk.tiers.items()}
    rows[tier] = {**rows[tier], **changes}
    set_config(ctx, "risk.tiers", rows)


def on_off(value: bool) -> str:
    return "ON" if value else "OFF"


# -- overview -------------------------------------------------------------------------------
async def risk_menu(ctx: CommandContext) -> Reply:
    risk = _risk(ctx)
    now = ctx.engine.clock.now()
    status = risk.status(now)
    names = ", ".join(f"/{s.name}" for s in ctx.engine.registry.specs(Category.RISK))
    return Reply(title=f"Risk · tier {status.tier}",
                 lines=(*report.overview(status, ctx.engine.settings, now), f"Commands: {names}"),
                 data=report.status_data(status))


async def view_risk_status(ctx: CommandContext) -> Reply:
    status = _risk(ctx).status()
    return Reply(title="Risk status", lines=tuple(report.status_lines(status)),
                 data=report.status_data(status))


def _view(view: report.View) -> Reply:
    return Reply(title=view.title, lines=view.lines, table=Table(view.columns, view.rows),
                 data=view.data)


async def view_risk_caps(ctx: CommandContext) -> Reply:
    return _view(report.caps_view(ctx.engine.settings, _risk(ctx).tier()))


async def lot_size_status(ctx: CommandContext) -> Reply:
    return _view(report.lots_view(_risk(ctx), ctx.engine.settings, ctx.engine.symbols()))


async def view_sl_config(ctx: CommandContext) -> Reply:
    risk = _risk(ctx)
    return _view(report.sl_view(ctx.engine.settings, risk.tier(), risk.balance(),
                                ctx.engine.symbols()))


# -- tiers, caps, lots ----------------------------------------------------------------------
async def setlot(ctx: CommandContext) -> Reply:
    tier, lot = str(ctx.args["tier"]), round(float(ctx.args["lot"]), 2)
    before = ctx.engine.settings.risk.tiers[tier].max_lot
    _set_tier(ctx, tier, max_lot=lot)
    return Reply(title=f"Max lot of tier {tier}: {before:.2f} → {lot:.2f}",
                 data={"tier": tier, "max_lot": lot})


async def _cap(ctx: CommandContext, field: str, label: str) -> Reply:
    risk = _risk(ctx)
    tier, amount = risk.tier(), float(ctx.args["amount"])
    before = getattr(ctx.engine.settings.risk.tiers[tier], field)
    _set_tier(ctx, tier, **{field: amount})
    risk.evaluate()
    block = risk.cap_block()
    lines = (block.text,) if block.code else ()
    return Reply(title=f"{label} of tier {tier}: {usd(before)} → {usd(amount)}", lines=lines,
                 data={"tier": tier, field: amount})


async def dailylimit(ctx: CommandContext) -> Reply:
    return await _cap(ctx, "daily_cap", "Daily loss cap")


async def maxloss(ctx: CommandContext) -> Reply:
    return await _cap(ctx, "lifetime_cap", "Lifetime loss cap")


async def set_risk_tier(ctx: CommandContext) -> Reply:
    tier = str(ctx.args["tier"])
    daily, lifetime = float(ctx.args["daily"]), float(ctx.args["lifetime"])
    _set_tier(ctx, tier, daily_cap=daily, lifetime_cap=lifetime)
    _risk(ctx).evaluate()
    return Reply(title=f"Tier {tier}: daily cap {usd(daily)}, lifetime cap {usd(lifetime)}",
                 data={"tier": tier, "daily_cap": daily, "lifetime_cap": lifetime})


async def risktier(ctx: CommandContext) -> Reply:
    mode = str(ctx.args["tier"])
    set_config(ctx, "risk.tier_mode", mode)
    tier = _risk(ctx).tier()
    how = "automatic selection by balance" if mode == "auto" else "pinned"
    return Reply(title=f"Risk tier {tier} ({how})", data={"tier_mode": mode, "tier": tier})


async def reset_risk_settings(ctx: CommandContext) -> Reply:
    defaults = RiskSettings().model_dump()
    set_config(ctx, "risk.tiers", defaults["tiers"])
    set_config(ctx, "risk.tier_mode", "auto")
    return Reply(title="Risk tiers restored to defaults",
                 lines=("Caps, max lots and risk % per SPEC §5.4.1; tier selection automatic.",),
                 severity=Severity.MEDIUM, data={"tiers": defaults["tiers"]})


async def maxprofit(ctx: CommandContext) -> Reply:
    amount = float(ctx.args["amount"])
    set_config(ctx, "risk.daily_profit_target", amount)
    _risk(ctx).evaluate()
    text = f"{usd(amount)} (new entries stop once today's net reaches it)" if amount else "off"
    return Reply(title=f"Daily profit target: {text}", data={"daily_profit_target": amount})


async def maxtrades(ctx: CommandContext) -> Reply:
    n = int(ctx.args["n"])
    set_config(ctx, "risk.max_daily_trades", n)
    done = _risk(ctx).counters.daily_trades
    return Reply(title=f"Max trades per trading day: {n or 'unlimited'}",
                 lines=(f"{done} trade(s) opened today.",), data={"max_daily_trades": n})


async def setsl(ctx: CommandContext) -> Reply:
    pips = float(ctx.args["pips"])
    set_config(ctx, "risk.manual_default_sl_pips", pips)
    return Reply(title=f"Default SL for manual trades: {pips:g} pips",
                 data={"manual_default_sl_pips": pips})


async def settp(ctx: CommandContext) -> Reply:
    pips = float(ctx.args["pips"])
    set_config(ctx, "risk.manual_default_tp_pips", pips)
    text = f"{pips:g} pips" if pips else "1.5 × SL"
    return Reply(title=f"Default TP for manual trades: {text}",
                 data={"manual_default_tp_pips": pips})


# -- counters --------------------------------------------------------------------------------
async def clear_loss_data(ctx: CommandContext) -> Reply:
    before = _risk(ctx).clear_lifetime_loss()
    return Reply(title=f"Lifetime loss cleared ({usd(before)} → $0)", severity=Severity.HIGH,
                 data={"lifetime_loss": 0.0, "cleared": before})


async def clear_daily_loss(ctx: CommandContext) -> Reply:
    before = _risk(ctx).clear_daily_loss()
    return Reply(title=f"Today's loss cleared ({usd(before)} → $0)", severity=Severity.HIGH,
                 lines=("The lifetime loss is unchanged.",),
                 data={"daily_loss": 0.0, "cleared": before})


# -- management switches (the trade manager reads them every check) ---------------------------
async def trailsl(ctx: CommandContext) -> Reply:
    current = ctx.engine.settings.trade_management.trailing.enabled
    value = switch_value(ctx.args.get("switch"), current)
    if value is None:
        return Reply(title=f"Trailing stop: {on_off(current)}", data={"enabled": current})
    set_config(ctx, "trade_management.trailing.enabled", value)
    return Reply(title=f"Trailing stop: {on_off(value)}", lines=(APPLIES,),
                 data={"enabled": value})


async def breakeven(ctx: CommandContext) -> Reply:
    tm = ctx.engine.settings.trade_management
    arg, lock_arg = ctx.args.get("switch"), ctx.args.get("lock")
    if lock_arg is not None and arg != "lock":
        raise CommandError("usage: /breakeven on|off|status, or /breakeven lock on|off")
    if arg == "lock":
        value = switch_value(lock_arg, tm.profit_lock.enabled)
        set_config(ctx, "trade_management.profit_lock.enabled", value)
        return Reply(title=f"Profit lock: {on_off(bool(value))}", lines=(APPLIES,),
                     data={"profit_lock": value})
    value = switch_value(arg, tm.breakeven.enabled)
    if value is None:
        return Reply(title=f"Breakeven: {on_off(tm.breakeven.enabled)} · profit lock: "
                           f"{on_off(tm.profit_lock.enabled)}",
                     data={"breakeven": tm.breakeven.enabled,
                           "profit_lock": tm.profit_lock.enabled})
    set_config(ctx, "trade_management.breakeven.enabled", value)
    return Reply(title=f"Breakeven: {on_off(value)}", lines=(APPLIES,),
                 data={"breakeven": value})


async def protection(ctx: CommandContext) -> Reply:
    pp = ctx.engine.settings.reentry.profit_protection
    mode = ctx.args.get("mode", "status")
    table = Table(("Mode", "Multiplier", "Min chain profit"),
                  report.protection_rows(ctx.engine.settings))
    if mode == "status":
        return Reply(title=f"Profit protection: {pp.mode}", table=table,
                     lines=("Applies to recovery re-entries (SPEC §6.7).",),
                     data={"mode": pp.mode})
    set_config(ctx, "reentry.profit_protection.mode", mode)
    return Reply(title=f"Profit protection: {pp.mode} → {mode}",
                 lines=("Applies to the next recovery re-entry check (SPEC §6.7).",),
                 data={"mode": mode})


def _tier(required: bool = True, auto: bool = False) -> Param:
    return Param("tier", "tier", required=required, choices=TIERS + (("auto",) if auto else ()),
                 presets=TIERS + (("auto",) if auto else ()))


def _amount(name: str, picker: str, presets: tuple[str, ...], minimum: float = 0.01) -> Param:
    return Param(name, picker, kind="float", minimum=minimum, maximum=1_000_000,
                 presets=presets)


DAILY = ("50", "100", "200", "300", "500", "1000", "2000", "5000")
LIFETIME = ("200", "500", "1000", "2500", "5000", "10000", "20000")
AMOUNTS = ("10", "20", "50", "100", "200", "500", "1000", "2000", "5000")
SWITCH = Param("switch", "switch", required=False, choices=("on", "off", "status"))
R = Category.RISK

COMMANDS = (
    CommandSpec("risk", R, "Risk menu: tier, caps used, smart-reduction factor, limits",
                risk_menu),
    CommandSpec("setlot", R, "Set a tier's max lot", setlot, confirm=True, plugin_aware=True,
                params=(_tier(), Param("lot", "lot_size", kind="float", minimum=0.01,
                                       maximum=10, presets=("0.01", "0.05", "0.1", "0.2", "0.5",
                                                            "1", "2", "5"))),
                aliases=(Alias("set_lot_size"),), effect="Changes the tier's max lot."),
    CommandSpec("setsl", R, "Default SL pips for manual trades", setsl, plugin_aware=True,
                params=(Param("pips", "pips", kind="float", minimum=1, maximum=5000,
                              presets=("20", "50", "100", "150", "300")),)),
    CommandSpec("settp", R, "Default TP pips for manual trades (0 = 1.5 × SL)", settp,
                plugin_aware=True,
                params=(Param("pips", "pips", kind="float", minimum=0, maximum=10000,
                              presets=("0", "30", "75", "150", "300")),)),
    CommandSpec("dailylimit", R, "Daily loss cap of the active tier", dailylimit,
                params=(_amount("amount", "daily_cap", DAILY),), confirm=True,
                plugin_aware=True, aliases=(Alias("set_daily_cap"),),
                effect="Changes the daily loss cap of the active tier."),
    CommandSpec("maxloss", R, "Lifetime loss cap of the active tier", maxloss,
                params=(_amount("amount", "lifetime_cap", LIFETIME),), confirm=True,
                plugin_aware=True, aliases=(Alias("set_lifetime_cap"),),
                effect="Changes the lifetime loss cap of the active tier."),
    CommandSpec("maxprofit", R, "Daily profit target (0 = off)", maxprofit, plugin_aware=True,
                params=(_amount("amount", "amount", ("0", *AMOUNTS), minimum=0),)),
    CommandSpec("risktier", R, "Pin a tier or return to automatic selection", risktier,
                params=(_tier(auto=True),), confirm=True, plugin_aware=True,
                aliases=(Alias("switch_tier"),),
                effect="Changes the tier used for lots, SL tables and caps."),
    CommandSpec("trailsl", R, "Trailing-stop switch", trailsl, params=(SWITCH,),
                plugin_aware=True),
    CommandSpec("breakeven", R, "Breakeven and profit-lock switches", breakeven,
                plugin_aware=True,
                params=(Param("switch", "switch", required=False,
                              choices=("on", "off", "status", "lock")),
                        Param("lock", "switch", required=False, choices=("on", "off")))),
    CommandSpec("protection", R, "Profit-protection mode (SPEC §6.7)", protection,
                plugin_aware=True, aliases=(Alias("profit_protection"),),
                params=(Param("mode", "protection_mode", required=False,
                              choices=(*MODES, "status")),)),
    CommandSpec("view_risk_caps", R, "Caps, max lot and risk % of every tier", view_risk_caps),
    CommandSpec("view_risk_status", R,
                "Daily and lifetime loss, remaining, smart factor, active blocks",
                view_risk_status),
    CommandSpec("set_risk_tier", R, "Set daily and lifetime caps of a tier", set_risk_tier,
                params=(_tier(), _amount("daily", "daily_cap", DAILY),
                        _amount("lifetime", "lifetime_cap", LIFETIME)),
                admin=True, confirm=True, effect="Changes both loss caps of the tier."),
    CommandSpec("clear_loss_data", R, "Reset the lifetime loss counter", clear_loss_data,
                admin=True, confirm=True,
                effect="Sets the lifetime loss to $0 (lifts a lifetime-cap block)."),
    CommandSpec("clear_daily_loss", R, "Reset today's loss counter", clear_daily_loss,
                admin=True, confirm=True,
                effect="Sets today's loss to $0 (lifts a daily-cap block)."),
    CommandSpec("lot_size_status", R,
                "Tier, max lot, risk %, example lots per symbol with the active SL table",
                lot_size_status),
    CommandSpec("reset_risk_settings", R, "Restore tiers, caps, lots and risk % to defaults",
                reset_risk_settings, admin=True, confirm=True,
                effect="Restores every tier's caps, max lot and risk % and automatic tiers."),
    CommandSpec("view_sl_config", R, "Active table, current-tier values, symbol reductions",
                view_sl_config),
    CommandSpec("maxtrades", R, "Global max trades per trading day (0 = unlimited)", maxtrades,
                params=(Param("n", "count", kind="int", minimum=0, maximum=100,
                              presets=("0", "5", "10", "20", "50")),)),
)
