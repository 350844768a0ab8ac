"""PROFIT commands (SPEC §10.2.7): profit booking, the pyramid, its SLs, Order B, /partial."""

from __future__ import annotations

from typing import Any

from core.commands.profit_views import (
    PERIODS,
    chain_table,
    profit_chains,
    profit_config,
    profit_menu,
    profit_sl_status,
    profit_stats,
    profit_status,
    pyramid_of,
    sl_lines,
)
from core.commands.risk import on_off, set_config, switch_value
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
)
from core.commands.system import money
from core.commands.trading import require_trading
from core.config.profit import MULTIPLIER_PRESETS, TARGET_PRESETS, PyramidSlSettings
from core.domain.enums import Severity
from core.domain.symbols import round_down_lot
from core.events import PartialClosed
from core.risk.gates import usd

NEW_CHAINS = "Applies to chains that start from now on; running chains keep their plan."
# SPEC §5.1.4 routing per strategy: the broker tag code → its routing key.
ROUTES = {**{f"v4-logic{n}": f"logics.combinedlogic-{n}.v4_routing" for n in (1, 2, 3)},
          **{f"v3-logic{n}": f"logics.combinedlogic-{n}.v3_routing" for n in (1, 2, 3)},
          **{f"v6-{tf}": f"plugins.v6_price_action_{tf}.config.routing"
             for tf in ("1m", "5m", "15m", "1h")}}
ROUTINGS = ("order_a_only", "order_b_only", "dual_orders")


def _routing(ctx: CommandContext, key: str) -> str:
    value: Any = ctx.engine.settings
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return str(value)


# -- switches ---------------------------------------------------------------------------
async def booking(ctx: CommandContext) -> Reply:
    current = ctx.engine.settings.profit_booking.enabled
    value = switch_value(ctx.args.get("switch"), current)
    chains = len(pyramid_of(ctx).chains)
    if value is None:
        return Reply(title=f"Profit booking: {on_off(current)}",
                     lines=(f"{chains} chain(s) watched.",), data={"enabled": current})
    set_config(ctx, "profit_booking.enabled", value)
    words = ("New Order B positions start pyramid chains and carry no TP without levels."
             if value else "New Order B positions get their own TP and start no chain; "
             f"the {chains} running chain(s) continue.")
    return Reply(title=f"Profit booking: {on_off(value)}", lines=(words,),
                 data={"enabled": value})


async def profit_sl_hunt(ctx: CommandContext) -> Reply:
    hunt = ctx.engine.settings.profit_booking.profit_sl_hunt
    value = switch_value(ctx.args.get("switch"), hunt.enabled)
    if value is None:
        return Reply(title=f"Profit-SL hunt: {on_off(hunt.enabled)}",
                     lines=(f"One recovery per pyramid order within {hunt.window_minutes} min "
                            "(SPEC §7.4).",), data={"enabled": hunt.enabled})
    set_config(ctx, "profit_booking.profit_sl_hunt.enabled", value)
    return Reply(title=f"Profit-SL hunt: {on_off(value)}", data={"enabled": value},
                 lines=("Applies to pyramid orders that hit their SL from now on.",))


async def levels(ctx: CommandContext) -> Reply:
    raw = str(ctx.args["levels"]).replace(" ", "")
    try:
        wanted = sorted({int(x) for x in raw.split(",") if x})
    except ValueError as exc:
        raise CommandError(f"levels: {raw!r} is not a list like 0,1,2") from exc
    if 0 not in wanted or any(not 0 <= n <= 4 for n in wanted):
        raise CommandError("levels: a list of levels 0–4 that contains 0, e.g. 0,1,2")
    before = ctx.engine.settings.profit_booking.enabled_levels
    set_config(ctx, "profit_booking.enabled_levels", wanted)
    orders = ctx.engine.settings.profit_booking.orders_per_level
    most = sum(orders[n] for n in wanted)
    return Reply(title=f"Pyramid levels: {','.join(map(str, before))} → "
                       f"{','.join(map(str, wanted))}",
                 lines=(f"A chain holds at most {most} orders.", NEW_CHAINS),
                 data={"enabled_levels": wanted})


async def set_profit_targets(ctx: CommandContext) -> Reply:
    preset = str(ctx.args["preset"])
    values = [float(v) for v in TARGET_PRESETS[preset]]
    set_config(ctx, "profit_booking.targets", values)
    return Reply(title=f"Booking targets: {preset} ({'-'.join(f'{v:g}' for v in values)} $)",
                 lines=("Per order, levels 0–4.", NEW_CHAINS),
                 data={"preset": preset, "targets": values})


async def set_chain_multipliers(ctx: CommandContext) -> Reply:
    preset = str(ctx.args["preset"])
    values = list(MULTIPLIER_PRESETS[preset])
    set_config(ctx, "profit_booking.orders_per_level", values)
    return Reply(title=f"Orders per level: {preset} ({'-'.join(map(str, values))})",
                 lines=(NEW_CHAINS,), data={"preset": preset, "orders_per_level": values})


# -- pyramid SL (SPEC §7.3) ---------------------------------------------------------------
async def set_sl_reductions(ctx: CommandContext) -> Reply:
    values = [float(ctx.args[f"level{n}"]) for n in range(5)]
    set_config(ctx, "profit_booking.sl.level_reductions_percent", values)
    return Reply(title="Pyramid SL reductions: " + " / ".join(f"{v:g} %" for v in values),
                 lines=tuple(sl_lines(ctx.engine.settings)[3:]),
                 data={"level_reductions_percent": values})


async def profit_sl_mode(ctx: CommandContext) -> Reply:
    mode = str(ctx.args["mode"])
    before = ctx.engine.settings.profit_booking.sl.mode
    set_config(ctx, "profit_booking.sl.mode", mode)
    return Reply(title=f"Pyramid SL mode: {before} → {mode}",
                 lines=tuple(sl_lines(ctx.engine.settings)[4:]), data={"mode": mode})


async def _sl_switch(ctx: CommandContext, on: bool) -> Reply:
    set_config(ctx, "profit_booking.sl.enabled", on)
    words = ("New pyramid orders carry their SL amount." if on else
             "New pyramid orders carry NO SL: booking and the loss caps only (not "
             "recommended). /enable_profit_sl switches SLs back on.")
    return Reply(title=f"Pyramid SL: {on_off(on)}", lines=(words,),
                 severity=Severity.INFO if on else Severity.HIGH, data={"enabled": on})


async def enable_profit_sl(ctx: CommandContext) -> Reply:
    return await _sl_switch(ctx, True)


async def disable_profit_sl(ctx: CommandContext) -> Reply:
    return await _sl_switch(ctx, False)


async def set_profit_sl(ctx: CommandContext) -> Reply:
    logic, amount = str(ctx.args["logic"]), float(ctx.args["amount"])
    amounts = dict(ctx.engine.settings.profit_booking.sl.sl_1_1)
    before = amounts[logic]
    set_config(ctx, "profit_booking.sl.sl_1_1", {**amounts, logic: amount})
    return Reply(title=f"SL-1.1 amount of {logic}: {usd(before)} → {usd(amount)}",
                 data={"logic": logic, "amount": amount})


async def set_sl2_1(ctx: CommandContext) -> Reply:
    amount = float(ctx.args["amount"])
    before = ctx.engine.settings.profit_booking.sl.sl_2_1_amount
    set_config(ctx, "profit_booking.sl.sl_2_1_amount", amount)
    return Reply(title=f"SL-2.1 fixed amount: {usd(before)} → {usd(amount)}",
                 data={"amount": amount})


async def reset_profit_sl(ctx: CommandContext) -> Reply:
    defaults = PyramidSlSettings().model_dump()
    set_config(ctx, "profit_booking.sl", defaults)
    return Reply(title="Pyramid SL restored to defaults",
                 lines=tuple(sl_lines(ctx.engine.settings)), data=defaults)


# -- chains --------------------------------------------------------------------------------
def _closed_words(closed: list[tuple[int, bool, str]]) -> list[str]:
    return [f"#{t} closed" if ok else f"#{t} NOT closed: {message}"
            for t, ok, message in closed]


async def stop_profit_chain(ctx: CommandContext) -> Reply:
    pyramid = pyramid_of(ctx)
    chain_id = str(ctx.args["chain_id"]).upper()
    found = next((c for c in pyramid.chains if c.upper() == chain_id), None)
    if found is None:
        known = ", ".join(pyramid.chains) or "none"
        raise CommandError(f"chain {ctx.args['chain_id']} is not running; running: {known}")
    result = await pyramid.stop(found)
    assert result is not None
    chain, closed = result
    failed = [t for t, ok, _ in closed if not ok]
    return Reply(title=f"Profit chain {found} stopped", ok=not failed,
                 lines=(*(_closed_words(closed) or ["no open order"]),
                        f"Booked {usd(chain.booked_profit)}"),
                 table=chain_table([chain]), severity=Severity.MEDIUM,
                 data={"chain_id": found, "closed": [t for t, ok, _ in closed if ok],
                       "failed": failed})


async def stop_all_profit_chains(ctx: CommandContext) -> Reply:
    results = await pyramid_of(ctx).stop_all()
    closed = [item for _, c in results for item in c]
    failed = [t for t, ok, _ in closed if not ok]
    lines = [f"{chain.chain_id}: " + (", ".join(_closed_words(c)) or "no open order")
             for chain, c in results]
    return Reply(title=f"Profit chains stopped: {len(results)}", ok=not failed,
                 lines=tuple(lines) or ("No profit-booking chain was running.",),
                 severity=Severity.MEDIUM,
                 data={"stopped": [c.chain_id for c, _ in results],
                       "closed": [t for t, ok, _ in closed if ok], "failed": failed})


# -- orders: /partial, /orderb, /dualorder -------------------------------------------------
async def partial(ctx: CommandContext) -> Reply:
    """Close PERCENT of one system position, rounded down to the volume step (0.01)."""
    trading = require_trading(ctx)
    ticket, percent = int(ctx.args["ticket"]), float(ctx.args["percent"])
    await trading.refresh()
    held = trading.positions.get(ticket)
    if held is None:
        open_ = ", ".join(f"#{t}" for t in sorted(trading.positions)) or "none"
        raise CommandError(f"ticket #{ticket} is not an open system position; open: {open_}")
    part = round_down_lot(held.volume * percent / 100)
    left = round(held.volume - part, 2)
    if part < 0.01 or left < 0.01:
        raise CommandError(f"{percent:g} % of {held.volume:.2f} lot leaves a part under 0.01 "
                           "lot: nothing closed")
    result = await trading.close(ticket, part, reason="MANUAL_PARTIAL")
    if not result.ok:
        return Reply(title=f"Partial close of #{ticket} failed", ok=False,
                     severity=Severity.HIGH, lines=(f"{result.message} ({result.retcode})",),
                     data={"ticket": ticket, "retcode": result.retcode})
    meta = trading.meta(ticket)
    price = result.price or held.price_current
    profit = round(held.profit * part / held.volume, 2)
    words = (f"#{ticket} closed {part:.2f} of {held.volume:.2f} ({percent:g} %) at {price}, "
             f"{left:.2f} left")
    ctx.engine.bus.publish(PartialClosed(ticket, held.symbol, held.direction.value,
                                         str(meta.get("kind") or "?"), part, left, price,
                                         "MANUAL_PARTIAL", words,
                                         str(meta.get("strategy") or "")))
    return Reply(title=f"Partial close #{ticket}: {part:.2f} lot ({percent:g} %)",
                 lines=(words, f"Realised about {money(profit)}"),
                 data={"ticket": ticket, "closed": part, "remaining": left, "price": price})


async def orderb(ctx: CommandContext) -> Reply:
    dual = ctx.engine.settings.dual_orders
    fraction, risk = ctx.args.get("fraction"), ctx.args.get("risk")
    changed = []
    if fraction is not None:
        set_config(ctx, "dual_orders.order_b_lot_fraction", float(fraction))
        changed.append(f"lot fraction {dual.order_b_lot_fraction:g} → {float(fraction):g}")
    if risk is not None:
        set_config(ctx, "dual_orders.order_b_fixed_risk_usd", float(risk))
        changed.append(f"fixed risk {usd(dual.order_b_fixed_risk_usd)} → {usd(float(risk))}")
    now = ctx.engine.settings.dual_orders
    return Reply(title="Order B: " + ("; ".join(changed) if changed else "settings"), lines=(
        f"Lot {now.order_b_lot_fraction:g} × Order A's lot (at least 0.01)",
        f"Without alert levels: SL sized to lose {usd(now.order_b_fixed_risk_usd)}",
        "TP: TP1 with levels; none while profit booking is on (the pyramid books it)."),
        data={"order_b_lot_fraction": now.order_b_lot_fraction,
              "order_b_fixed_risk_usd": now.order_b_fixed_risk_usd})


async def dualorder(ctx: CommandContext) -> Reply:
    action, routing = ctx.args.get("action", "status"), ctx.args.get("routing")
    enabled = ctx.engine.settings.dual_orders.enabled
    if action in ROUTES:
        if routing is None:
            return Reply(title=f"{action} routing: {_routing(ctx, ROUTES[action])}",
                         data={"strategy": action, "routing": _routing(ctx, ROUTES[action])})
        before = _routing(ctx, ROUTES[action])
        set_config(ctx, ROUTES[action], routing)
        return Reply(title=f"{action} routing: {before} → {routing}",
                     lines=("Applies to new entries.",),
                     data={"strategy": action, "routing": routing})
    if routing is not None:
        raise CommandError("usage: /dualorder on|off|toggle|status, or /dualorder STRATEGY "
                           "ROUTING")
    if action != "status":
        value = not enabled if action == "toggle" else action == "on"
        set_config(ctx, "dual_orders.enabled", value)
        enabled = value
    lines = [f"{name}: {_routing(ctx, key)}" for name, key in ROUTES.items()]
    if not enabled:
        lines.append("Every dual_orders route behaves as order_a_only while the switch is off.")
    return Reply(title=f"Dual orders: {on_off(enabled)}", lines=tuple(lines),
                 data={"enabled": enabled,
                       "routing": {name: _routing(ctx, key) for name, key in ROUTES.items()}})


SWITCH = Param("switch", "switch", required=False, choices=("on", "off", "status"))
PRESET_TARGETS = Param("preset", "preset", choices=tuple(TARGET_PRESETS))
PRESET_ORDERS = Param("preset", "preset", choices=tuple(MULTIPLIER_PRESETS))
AMOUNT = Param("amount", "amount", kind="float", minimum=1, maximum=10_000,
               presets=("5", "10", "15", "20", "30", "40", "50"))
P = Category.PROFIT
COMMANDS = (
    CommandSpec("profit", P, "Profit menu: booking, pyramid, dual orders, Order B, stats",
                profit_menu, plugin_aware=True),
    CommandSpec("booking", P, "Profit-booking switch", booking, params=(SWITCH,),
                plugin_aware=True, aliases=(Alias("toggle_profit_booking"),)),
    CommandSpec("levels", P, "Enabled pyramid levels", levels, confirm=True, plugin_aware=True,
                params=(Param("levels", "levels", presets=("0", "0,1", "0,1,2", "0,1,2,3",
                                                           "0,1,2,3,4"),
                              help="levels 0–4 containing 0, e.g. 0,1,2"),),
                effect="Changes the pyramid levels of new profit chains."),
    CommandSpec("partial", P, "Close part of a position", partial, confirm=True,
                plugin_aware=True,
                params=(Param("ticket", "ticket", kind="int", minimum=1),
                        Param("percent", "percent", kind="float", minimum=10, maximum=90,
                              presets=("10", "25", "50", "75", "90"))),
                effect="Closes that percentage of the position at market."),
    CommandSpec("orderb", P, "Order B settings: lot fraction, fixed risk without levels",
                orderb, plugin_aware=True,
                params=(Param("fraction", "fraction", required=False, kind="float",
                              minimum=0.1, maximum=1.0, presets=("0.25", "0.5", "0.75", "1")),
                        Param("risk", "amount", required=False, kind="float", minimum=1,
                              maximum=10_000, presets=("5", "10", "20", "50")))),
    CommandSpec("dualorder", P, "Dual-order switch; per-strategy routing", dualorder,
                plugin_aware=True,
                params=(Param("action", "switch", required=False,
                              choices=("on", "off", "toggle", "status", *ROUTES)),
                        Param("routing", "routing", required=False, choices=ROUTINGS)),
                aliases=(Alias("dual_order_status", ("status",)),
                         Alias("toggle_dual_orders", ("toggle",)))),
    CommandSpec("profit_status", P, "Booking on/off, active chains, booked today, pyramid SL",
                profit_status),
    CommandSpec("profit_stats", P, "Chains, levels reached, booked $, losses, per symbol and "
                "strategy", profit_stats, plugin_aware=True,
                params=(Param("period", "period", required=False, choices=PERIODS,
                              presets=PERIODS),)),
    CommandSpec("set_profit_targets", P, "Booking-target preset (SPEC §7.2)",
                set_profit_targets, params=(PRESET_TARGETS,), confirm=True,
                effect="Changes the booking target per order of new profit chains."),
    CommandSpec("profit_chains", P, "Active profit-booking chains", profit_chains),
    CommandSpec("stop_profit_chain", P, "Stop one chain and close its open orders",
                stop_profit_chain, confirm=True, aliases=(Alias("close_profit_chain"),),
                params=(Param("chain_id", "chain_id", help="PB_<SYMBOL>_<8 hex>"),),
                effect="Stops the chain and closes its open orders at market."),
    CommandSpec("stop_all_profit_chains", P, "Stop every chain and close their open orders",
                stop_all_profit_chains, confirm=True,
                effect="Stops every profit chain and closes their open orders at market."),
    CommandSpec("set_chain_multipliers", P, "Orders-per-level preset", set_chain_multipliers,
                params=(PRESET_ORDERS,), confirm=True,
                effect="Changes the orders per level of new profit chains."),
    CommandSpec("set_sl_reductions", P, "Per-level reduction of the pyramid SL amount",
                set_sl_reductions, confirm=True,
                params=tuple(Param(f"level{n}", "percent", kind="float", minimum=0, maximum=90,
                                   presets=("0", "10", "25", "40", "50")) for n in range(5)),
                effect="Changes the SL amount of new pyramid orders per level."),
    CommandSpec("profit_config", P, "Full profit-booking configuration", profit_config),
    CommandSpec("profit_sl_status", P, "Pyramid SL mode, amounts, reductions, on/off",
                profit_sl_status),
    CommandSpec("profit_sl_mode", P, "Switch pyramid SL mode (SPEC §7.3)", profit_sl_mode,
                params=(Param("mode", "sl_mode", choices=("SL-1.1", "SL-2.1")),),
                confirm=True, effect="Changes the SL amount of new pyramid orders."),
    CommandSpec("enable_profit_sl", P, "Pyramid orders carry SLs", enable_profit_sl),
    CommandSpec("disable_profit_sl", P, "Pyramid orders without SL", disable_profit_sl,
                confirm=True, effect="New pyramid orders are sent without any SL."),
    CommandSpec("set_profit_sl", P, "SL-1.1 amount of one logic", set_profit_sl,
                params=(Param("logic", "logic", choices=("logic1", "logic2", "logic3")),
                        AMOUNT), aliases=(Alias("set_sl1_1"),)),
    CommandSpec("set_sl2_1", P, "SL-2.1 fixed amount", set_sl2_1, params=(AMOUNT,)),
    CommandSpec("reset_profit_sl", P, "Restore pyramid SL defaults", reset_profit_sl,
                confirm=True, effect="Restores the pyramid SL mode, amounts and reductions."),
    CommandSpec("profit_sl_hunt", P, "Profit-SL hunt switch (SPEC §7.4)", profit_sl_hunt,
                params=(SWITCH,)),
)
