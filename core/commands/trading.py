"""TRADING commands: /positions, /history, /balance, /closeall (SPEC §10.2.2)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from core.analytics.labels import classify
from core.commands.spec import (
    Alias,
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
from core.domain.enums import Severity
from core.risk.sizing import tier_for
from core.trading.service import TradingService


def owner_family(ctx: CommandContext, record: Mapping[str, Any]) -> str:
    """V4 / V3 / V6 / Manual of a position's meta or a closed-trade record (its owner)."""
    owner = " ".join(str(record.get(k) or "") for k in ("strategy", "logic", "timeframe"))
    magic = record.get("magic")
    return classify(owner.strip() or None, record.get("comment"),
                    int(magic) if magic is not None else None,
                    ctx.engine.settings.mt5.magic_base).family


def require_trading(ctx: CommandContext) -> TradingService:
    if ctx.engine.trading is None:
        raise CommandError("the engine is not started")
    return ctx.engine.trading


async def positions(ctx: CommandContext) -> Reply:
    trading = require_trading(ctx)
    await trading.refresh()
    rows = []
    shown = []
    for p in sorted(trading.positions.values(), key=lambda p: p.ticket):
        meta = trading.meta(p.ticket)
        if not in_family(ctx.family, owner_family(ctx, {"comment": p.comment, "magic": p.magic,
                                                        **meta})):
            continue
        shown.append(p)
        rows.append((str(p.ticket), p.symbol, p.direction.value, meta.get("kind", "?"),
                     f"{p.volume:.2f}", f"{p.price_open}", str(p.sl or "—"), str(p.tp or "—"),
                     f"{p.profit:+.2f}", meta.get("strategy", "external")))
    table = Table(("Ticket", "Symbol", "Side", "Kind", "Lot", "Entry", "SL", "TP", "P&L", "Owner"),
                  tuple(rows))
    floating = sum(p.profit for p in shown)
    return Reply(title=f"Open positions: {len(rows)}{family_suffix(ctx.family)}", table=table,
                 lines=(f"Floating P&L {money(floating)}",) if rows else ("No open positions.",),
                 data={"positions": [dict(zip(table.columns, r, strict=True)) for r in rows],
                       "family": ctx.family})


async def balance(ctx: CommandContext) -> Reply:
    trading = require_trading(ctx)
    await trading.refresh()
    account = trading.account
    if account is None:
        raise CommandError("no account information (broker not connected)")
    tier = tier_for(account.balance, ctx.engine.settings)
    mode = ctx.engine.settings.trading.mode.upper()
    return Reply(title="Balance", lines=(
        f"Balance {money(account.balance)} ({mode})",
        f"Equity {money(account.equity)} · floating {money(account.profit)}",
        f"Active tier {tier} ({ctx.engine.settings.risk.tier_mode})",
    ), data={"balance": account.balance, "equity": account.equity, "tier": tier})


async def history(ctx: CommandContext) -> Reply:
    """Closed trades of the last N days, newest first, from the trades journal."""
    engine = ctx.engine
    if engine.store is None:
        raise CommandError("the engine is not started")
    days = int(ctx.args.get("days", 7))
    horizon = engine.clock.now() - timedelta(days=days)
    records = [r for r in engine.store.tail("trades", 500)
               if datetime.fromisoformat(r["closed_at"]) >= horizon
               and in_family(ctx.family, owner_family(ctx, r))]
    rows = tuple((str(r["ticket"]), str(r["symbol"]), str(r["direction"]), f"{r['volume']:.2f}",
                  str(r["price_open"]), str(r["price_close"]), f"{r['profit']:+.2f}",
                  str(r["close_reason"]), str(r.get("strategy", "external")))
                 for r in records)
    total = round(sum(float(r["profit"]) for r in records), 2)
    return Reply(
        title=f"Closed trades, last {days} day(s): {len(rows)}{family_suffix(ctx.family)}",
        table=Table(("Ticket", "Symbol", "Side", "Lot", "Open", "Close", "P&L", "Reason",
                     "Owner"), rows),
        lines=(f"Net {money(total)}",),
        data={"net": total, "family": ctx.family, "trades": [{k: r[k] for k in (
            "ticket", "symbol", "direction", "volume", "price_open", "price_close", "profit",
            "close_reason", "closed_at")} for r in records]})


async def closeall(ctx: CommandContext) -> Reply:
    trading = require_trading(ctx)
    reports = await trading.close_all()
    closed = [r for r in reports if r.ok]
    failed = [r for r in reports if not r.ok]
    lines = [f"#{r.ticket} closed {r.profit:+.2f}" for r in closed]
    lines += [f"#{r.ticket} FAILED: {r.message}" for r in failed]
    lines.append(f"Closed {len(closed)}, failed {len(failed)}, realised "
                 f"{money(sum(r.profit for r in closed))}. Trading stays paused until /resume.")
    return Reply(title="PANIC CLOSE", lines=tuple(lines), severity=Severity.CRITICAL,
                 ok=not failed, data={"closed": len(closed), "failed": len(failed)})


COMMANDS = (
    CommandSpec("positions", Category.TRADING, "Open positions with SL, TP and floating P&L",
                positions, aliases=(Alias("trades"),), plugin_aware=True),
    CommandSpec("history", Category.TRADING, "Closed trades (default: last 7 days)", history,
                params=(Param("days", "days", required=False, kind="int", minimum=1, maximum=90,
                              default=7, presets=("1", "7", "30", "90")),), plugin_aware=True),
    CommandSpec("balance", Category.TRADING, "Balance, equity and the active risk tier", balance),
    CommandSpec("closeall", Category.TRADING,
                "Panic close: pause, then close every system-owned position", closeall,
                confirm=True, aliases=(Alias("panic"),),
                effect="Pauses trading and closes EVERY system-owned position at market."),
)
