"""Read-only PROFIT replies (SPEC §10.2.7): menu, status, stats, chains, configuration."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from core.analytics.periods import PERIODS, TradingCalendar, Window
from core.commands.risk import on_off
from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    Reply,
    Table,
    family_suffix,
    in_family,
)
from core.commands.trading import owner_family
from core.config.profit import MULTIPLIER_PRESETS, TARGET_PRESETS, preset_name
from core.config.settings import Settings
from core.risk.gates import usd
from core.trading.pyramid import ProfitChain, ProfitPyramid
from core.trading.pyramid.model import BOOKED, LOST, sl_amount

__all__ = ["PERIODS", "booked_today", "chain_table", "pyramid_of", "sl_lines"]


def pyramid_of(ctx: CommandContext) -> ProfitPyramid:
    if ctx.engine.pyramid is None:
        raise CommandError("the engine is not started")
    return ctx.engine.pyramid


def _levels(values: list[int] | list[float] | tuple[float, ...]) -> str:
    return "-".join(f"{v:g}" for v in values)


def booked_today(ctx: CommandContext) -> float:
    """Booked P&L of pyramid orders closed this trading day (BOOKED, or B at its TP)."""
    store = ctx.engine.store
    if store is None:
        return 0.0
    calendar = TradingCalendar.from_settings(ctx.engine.settings)
    now = ctx.engine.clock.now()
    today = calendar.day(calendar.trading_day(now))
    return round(sum(float(t.get("profit") or 0) for t in store.tail("trades", 2000)
                     if t.get("profit_chain_id") and t.get("close_reason") in ("BOOKED", "TP")
                     and today.contains(datetime.fromisoformat(t["closed_at"]))), 2)


def sl_lines(settings: Settings) -> list[str]:
    """The pyramid SL mode, amounts, reductions and the resulting amount per level."""
    sl = settings.profit_booking.sl
    lines = [f"Pyramid SL: {on_off(sl.enabled)} · mode {sl.mode}",
             f"SL-2.1 fixed amount {usd(sl.sl_2_1_amount)} (every strategy)",
             "SL-1.1 by logic: " + ", ".join(f"{k} {usd(v)}" for k, v in sl.sl_1_1.items())
             + " (V6 1m/5m as logic1, 15m as logic2, 1h as logic3)",
             "Level reductions: " + " / ".join(f"L{n} {v:g} %" for n, v in
                                               enumerate(sl.level_reductions_percent))]
    logics = ("logic1",) if sl.mode == "SL-2.1" else tuple(sl.sl_1_1)
    for logic in logics:
        amounts = [sl_amount(settings.profit_booking, logic, n) for n in range(5)]
        who = "every order" if sl.mode == "SL-2.1" else logic
        lines.append(f"Amount per level ({who}): " + " / ".join(usd(a) for a in amounts))
    if not sl.enabled:
        lines.append("Pyramid orders are sent WITHOUT SL: booking and the loss caps only.")
    return lines


def chain_table(chains: list[ProfitChain]) -> Table:
    rows = []
    for c in chains:
        hunting = [s for s in c.slots if s.state == "HUNT"]
        note = c.stop_reason or (f"SL hunt at {hunting[0].target}" if hunting else "")
        rows.append((c.chain_id, c.symbol, c.direction, c.strategy or "manual",
                     f"{c.current_level}/{c.max_level}", str(len(c.open_tickets())),
                     f"{c.booked_profit:+.2f}", c.status, note))
    return Table(("Chain", "Symbol", "Side", "Owner", "Level", "Open", "Booked", "Status",
                  "Note"), tuple(rows))


async def profit_menu(ctx: CommandContext) -> Reply:
    s = ctx.engine.settings
    pb, dual = s.profit_booking, s.dual_orders
    chains = list(pyramid_of(ctx).chains.values())
    names = ctx.engine.registry.command_list(Category.PROFIT, without="profit")
    return Reply(title=f"Profit booking: {on_off(pb.enabled)}", lines=(
        f"Pyramid: levels {', '.join(map(str, pb.enabled_levels))} · orders per level "
        f"{_levels(pb.orders_per_level)} · targets {_levels(pb.targets)} $ · strict "
        f"{on_off(pb.strict_mode)}",
        f"Dual orders: {on_off(dual.enabled)} · Order B lot {dual.order_b_lot_fraction:g} × A, "
        f"fixed risk {usd(dual.order_b_fixed_risk_usd)} without levels",
        f"Active chains {len(chains)} · booked today {usd(booked_today(ctx))}",
        f"Commands: {', '.join(names)}"),
        data={"enabled": pb.enabled, "chains": len(chains), "commands": names})


async def profit_status(ctx: CommandContext) -> Reply:
    s = ctx.engine.settings.profit_booking
    pyramid = pyramid_of(ctx)
    active = [c for c in pyramid.chains.values() if c.status == "ACTIVE"]
    today = booked_today(ctx)
    return Reply(title=f"Profit booking: {on_off(s.enabled)}", lines=(
        f"Active chains {len(active)} (watched {len(pyramid.chains)})",
        f"Booked today {usd(today)}",
        f"Pyramid SL {s.sl.mode} ({on_off(s.sl.enabled)}) · profit-SL hunt "
        f"{on_off(s.profit_sl_hunt.enabled)}"),
        data={"enabled": s.enabled, "active": len(active), "booked_today": today,
              "sl_mode": s.sl.mode, "sl_enabled": s.sl.enabled})


async def profit_chains(ctx: CommandContext) -> Reply:
    pyramid = pyramid_of(ctx)
    chains = list(pyramid.chains.values())
    lines = () if chains else ("No profit-booking chain is running.",)
    return Reply(title=f"Profit chains: {len(chains)}", lines=lines, table=chain_table(chains),
                 data={"chains": [c.to_doc() for c in chains]})


def _window(ctx: CommandContext) -> Window:
    calendar = TradingCalendar.from_settings(ctx.engine.settings)
    return calendar.period(str(ctx.args.get("period") or "all"), ctx.engine.clock.now())


async def profit_stats(ctx: CommandContext) -> Reply:
    """Chains finished in the period (and the ones still running), per symbol and owner."""
    pyramid = pyramid_of(ctx)
    window = _window(ctx)
    chains = [c for c in pyramid.history()
              if window.contains(datetime.fromisoformat(c.finished_at))]
    chains += [c for c in pyramid.chains.values()
               if window.contains(datetime.fromisoformat(c.created_at))]
    chains = [c for c in chains if in_family(ctx.family, owner_family(ctx, {
        "strategy": c.strategy, "logic": c.logic, "magic": c.magic}))]
    groups: dict[tuple[str, str], list[ProfitChain]] = defaultdict(list)
    for c in chains:
        groups[(c.symbol, c.strategy or "manual")].append(c)
    rows = []
    for (symbol, owner), items in sorted(groups.items()):
        lost = [s for c in items for s in c.slots if s.state == LOST]
        rows.append((symbol, owner, str(len(items)),
                     str(max(c.current_level for c in items)),
                     f"{sum(c.booked_profit for c in items):+.2f}", str(len(lost)),
                     f"{sum(s.profit for s in lost):+.2f}"))
    reached: dict[int, int] = defaultdict(int)
    for c in chains:
        reached[c.current_level] += 1
    booked = round(sum(c.booked_profit for c in chains), 2)
    orders = sum(1 for c in chains for s in c.slots if s.state == BOOKED)
    lines = (f"{len(chains)} chain(s): {sum(c.status == 'COMPLETED' for c in chains)} "
             f"completed, {sum(c.status == 'STOPPED' for c in chains)} stopped, "
             f"{sum(c.status == 'ACTIVE' for c in chains)} active",
             f"Booked {usd(booked)} on {orders} order(s)",
             "Levels reached: " + (", ".join(f"L{n} × {k}" for n, k in sorted(reached.items()))
                                   or "none"))
    return Reply(title=f"Profit stats · {window.label}{family_suffix(ctx.family)}", lines=lines,
                 table=Table(("Symbol", "Owner", "Chains", "Max level", "Booked", "Losses",
                              "Lost $"), tuple(rows)),
                 data={"chains": len(chains), "booked": booked, "booked_orders": orders,
                       "levels": dict(reached), "period": window.key})


async def profit_config(ctx: CommandContext) -> Reply:
    s = ctx.engine.settings
    pb = s.profit_booking
    hunt = pb.profit_sl_hunt
    lines = [
        f"Booking {on_off(pb.enabled)} · strict mode {on_off(pb.strict_mode)} · non-strict "
        f"threshold {pb.partial_threshold:.0%}",
        f"Enabled levels {', '.join(map(str, pb.enabled_levels))}",
        f"Orders per level {_levels(pb.orders_per_level)} "
        f"({preset_name(MULTIPLIER_PRESETS, pb.orders_per_level)})",
        f"Targets per order {_levels(pb.targets)} $ ({preset_name(TARGET_PRESETS, pb.targets)})",
        *sl_lines(s),
        f"Profit-SL hunt {on_off(hunt.enabled)} · window {hunt.window_minutes} min · "
        f"{hunt.attempts} attempt(s) · offset {s.reentry.sl_hunt.offset_pips:g} pip(s)",
        f"Profit protection (Order B side) {on_off(s.reentry.profit_protection.apply_to_order_b)}"
        f" · mode {s.reentry.profit_protection.mode}",
        f"Order B lot {s.dual_orders.order_b_lot_fraction:g} × A · fixed risk "
        f"{usd(s.dual_orders.order_b_fixed_risk_usd)} · dual orders "
        f"{on_off(s.dual_orders.enabled)}"]
    return Reply(title="Profit-booking configuration", lines=tuple(lines),
                 data={"profit_booking": pb.model_dump(), "dual_orders":
                       s.dual_orders.model_dump()})


async def profit_sl_status(ctx: CommandContext) -> Reply:
    sl = ctx.engine.settings.profit_booking.sl
    return Reply(title=f"Pyramid SL {sl.mode}: {on_off(sl.enabled)}",
                 lines=tuple(sl_lines(ctx.engine.settings)), data=sl.model_dump())
