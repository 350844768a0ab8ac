"""TRADING views: /orders, /pnl, /equity, /margin, /symbols, /price, /spread (SPEC §10.2.2)."""

from __future__ import annotations

from typing import Any

from core.analytics.periods import TradingCalendar, Window
from core.analytics.records import Trade, load_trades
from core.brokers.port import BrokerError
from core.commands.risk import SYMBOLS, symbol_arg
from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
    family_suffix,
    in_family,
)
from core.commands.system import money
from core.commands.trading import owner_family, require_trading
from core.domain.orders import Account, Quote
from core.domain.symbols import SymbolSpec
from core.sessions.table import block_text

PERIODS = ("today", "week", "month")


async def _account(ctx: CommandContext) -> Account:
    trading = require_trading(ctx)
    await trading.refresh()
    if trading.account is None:
        raise CommandError("no account information (broker not connected)")
    return trading.account


async def _quote(ctx: CommandContext, spec: SymbolSpec) -> Quote:
    try:
        return await require_trading(ctx).broker.quote(spec.name)
    except BrokerError as exc:
        raise CommandError(f"no price for {spec.name}: {exc}") from exc


def spread_pips(spec: SymbolSpec, quote: Quote) -> float:
    return round(spec.pips(quote.ask - quote.bid), 1)


async def orders(ctx: CommandContext) -> Reply:
    """The broker port has no pending-order query: this system sends market orders only."""
    require_trading(ctx)
    return Reply(title=f"Pending orders: 0{family_suffix(ctx.family)}", lines=(
        "This system sends market orders only (the broker port has no pending-order "
        "query), so it never has pending orders.",
        "Open positions: /positions",
    ), data={"pending": 0, "market_orders_only": True, "family": ctx.family})


def _windows(calendar: TradingCalendar, ctx: CommandContext) -> dict[str, Window]:
    day = calendar.trading_day(ctx.engine.clock.now())
    return {"today": calendar.day(day), "week": calendar.week(day),
            "month": calendar.month(day.year, day.month)}


def _journal(ctx: CommandContext) -> list[Trade]:
    engine = ctx.engine
    if engine.analytics is not None:
        return engine.analytics.trades()
    if engine.store is None:
        raise CommandError("the engine is not started")
    return load_trades(engine.store.scan("trades"), engine.settings.trading.mode.upper())


async def pnl(ctx: CommandContext) -> Reply:
    """Realised P&L of the IST trading day / week / month from the journal, plus floating."""
    trading = require_trading(ctx)
    await trading.refresh()
    calendar = TradingCalendar.from_settings(ctx.engine.settings)
    windows = _windows(calendar, ctx)
    chosen = str(ctx.args["period"]) if ctx.args.get("period") else None
    trades = [t for t in _journal(ctx) if in_family(ctx.family, t.label.family)]
    rows: list[tuple[str, ...]] = []
    data: dict[str, Any] = {}
    for name in ((chosen,) if chosen else PERIODS):
        window = windows[name]
        inside = [t for t in trades if window.contains(t.closed_at)]
        net = round(sum(t.profit for t in inside), 2)
        rows.append((name, window.label, str(len(inside)), f"{net:+.2f}"))
        data[name] = {"net": net, "trades": len(inside), "period": window.label}
    floating = round(sum(
        p.profit for p in trading.positions.values()
        if in_family(ctx.family, owner_family(ctx, {"comment": p.comment, "magic": p.magic,
                                                    **trading.meta(p.ticket)}))), 2)
    data["floating"] = floating
    mode = ctx.engine.settings.trading.mode.upper()
    return Reply(title=f"P&L ({mode}){family_suffix(ctx.family)}",
                 table=Table(("Period", "Trading days", "Trades", "Realised"), tuple(rows)),
                 lines=(f"Floating P&L on open positions {money(floating)}",),
                 data={**data, "family": ctx.family})


async def equity(ctx: CommandContext) -> Reply:
    account = await _account(ctx)
    return Reply(title="Equity", lines=(
        f"Equity {money(account.equity)} · balance {money(account.balance)}",
        f"Floating P&L {money(account.profit)}",
    ), data={"equity": account.equity, "balance": account.balance, "floating": account.profit})


async def margin(ctx: CommandContext) -> Reply:
    account = await _account(ctx)
    level = f"{account.margin_level:,.1f} %" if account.margin > 0 else "— (no margin in use)"
    return Reply(title="Margin", lines=(
        f"Margin {money(account.margin)} · free margin {money(account.margin_free)}",
        f"Margin level {level} · leverage 1:{account.leverage}",
    ), data={"margin": account.margin, "free_margin": account.margin_free,
             "margin_level": account.margin_level if account.margin > 0 else None})


async def symbols(ctx: CommandContext) -> Reply:
    settings = ctx.engine.settings
    now = ctx.engine.clock.now()
    known = ctx.engine.symbols()
    broker = require_trading(ctx).broker
    rows = []
    for name in settings.symbols.enabled:
        blocked = block_text(settings.sessions, name, now)
        try:
            spread = f"{spread_pips(known[name], await broker.quote(name)):g}"
        except BrokerError:
            spread = "—"
        rows.append((name, settings.symbols.mapping.get(name, name),
                     "yes" if blocked is None else f"no ({blocked.removeprefix('blocked: ')})",
                     spread))
    table = Table(("Symbol", "Broker name", "Allowed now", "Spread (pips)"), tuple(rows))
    return Reply(title=f"Symbols: {len(rows)}", table=table,
                 lines=("Allowed now = the session filter for automated orders; manual orders "
                        "bypass it with a warning.",),
                 data={"symbols": [dict(zip(table.columns, r, strict=True)) for r in rows]})


async def price(ctx: CommandContext) -> Reply:
    spec = symbol_arg(ctx)
    quote = await _quote(ctx, spec)
    digits = spec.digits
    return Reply(title=f"{spec.name} bid {quote.bid:.{digits}f} / ask {quote.ask:.{digits}f}",
                 lines=(f"Spread {spread_pips(spec, quote):g} pips · "
                        f"{quote.time:%Y-%m-%d %H:%M:%S} UTC",),
                 data={"symbol": spec.name, "bid": quote.bid, "ask": quote.ask})


async def spread(ctx: CommandContext) -> Reply:
    spec = symbol_arg(ctx)
    quote = await _quote(ctx, spec)
    pips = spread_pips(spec, quote)
    return Reply(title=f"{spec.name} spread {pips:g} pips",
                 lines=(f"Typical {spec.typical_spread_pips:g} pips",),
                 data={"symbol": spec.name, "spread_pips": pips})


SYMBOL = Param("symbol", "symbol", presets=SYMBOLS)
T = Category.TRADING
COMMANDS = (
    CommandSpec("orders", T, "Pending orders", orders, plugin_aware=True),
    CommandSpec("pnl", T, "P&L: today, week, month, floating", pnl, plugin_aware=True,
                params=(Param("period", "period", required=False, choices=PERIODS),)),
    CommandSpec("equity", T, "Equity and floating P&L", equity),
    CommandSpec("margin", T, "Margin, free margin, margin level", margin),
    CommandSpec("symbols", T, "Symbols with broker names, allowed now (session), current "
                "spread", symbols),
    CommandSpec("price", T, "Current bid / ask", price, params=(SYMBOL,)),
    CommandSpec("spread", T, "Current spread in pips", spread, params=(SYMBOL,)),
)
