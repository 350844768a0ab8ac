"""ANALYTICS commands /tp_report, /sessions and /session_report (SPEC §10.2.8, §8.5, §9.9)."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.analytics.labels import classify
from core.analytics.records import Trade
from core.analytics.report import money
from core.analytics.trade_sessions import OpenLeg, TradeSession, build_sessions
from core.clock import fmt_header
from core.commands.analytics import PERIOD, _period, _service, scoped
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
    in_family,
)

TRADES = "trades"
A = Category.ANALYTICS
REENTRY_KINDS = ("R", "REENTRY")


def _journal(ctx: CommandContext) -> list[dict[str, Any]]:
    """Raw closed-order records of the running mode (never shadow), of the chosen family."""
    store = ctx.engine.store
    if store is None:
        raise CommandError("the engine is not started")
    mode = ctx.engine.settings.trading.mode.upper()
    out = []
    for doc in store.scan(TRADES):
        record_mode = str(doc.get("mode") or mode).upper()
        if record_mode != mode or not doc.get("closed_at"):
            continue
        if ctx.family != "both":
            trade = Trade.from_record(doc)
            if not in_family(ctx.family, trade.label.family):
                continue
        out.append(dict(doc))
    return out


def _tp_name(doc: Mapping[str, Any]) -> str:
    """TP hits by ladder level when the record knows it (`tp_level`), else plain TP."""
    reason = str(doc.get("close_reason") or "UNKNOWN")
    if reason == "TP" and doc.get("tp_level"):
        return f"TP{int(doc['tp_level'])}"
    return reason


@scoped
async def tp_report(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    window = _period(ctx, service)
    docs = [d for d in await asyncio.to_thread(_journal, ctx)
            if window.contains(Trade.from_record(d).closed_at)]
    reasons: Counter[str] = Counter()
    reason_pnl: defaultdict[str, float] = defaultdict(float)
    partials: Counter[str] = Counter()
    reentries: Counter[str] = Counter()
    reentry_pnl: defaultdict[str, float] = defaultdict(float)
    for doc in docs:
        name, profit = _tp_name(doc), float(doc.get("profit") or 0)
        reasons[name] += 1
        reason_pnl[name] += profit
        if doc.get("last_partial"):
            partials[str(doc["last_partial"])] += 1
        if str(doc.get("kind") or "").upper() in REENTRY_KINDS:
            kind = str(doc.get("reentry_kind") or doc.get("chain_kind") or "R")
            reentries[kind] += 1
            reentry_pnl[kind] += profit
    orders = len({d.get("ticket") for d in docs})
    tp_total = sum(n for r, n in reasons.items() if r.startswith("TP"))
    lines = [f"{service.mode_label} · {window.label}: {orders} closed order(s) · "
             f"TP {tp_total} · SL {reasons['SL']}",
             "Partial closes (last per order): " + (", ".join(
                 f"{k} {v}" for k, v in sorted(partials.items())) or "none"),
             "Re-entries: " + (", ".join(f"{k} {v} ({money(reentry_pnl[k])})"
                                         for k, v in sorted(reentries.items())) or "none")]
    rows = tuple((r, str(n), money(round(reason_pnl[r], 2)))
                 for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return Reply(title=f"TP/SL report · {window.label}", lines=tuple(lines),
                 table=Table(("Close reason", "Orders", "P&L"), rows) if rows else None,
                 data={"mode": service.mode_label, "period": window.key, "orders": orders,
                       "by_reason": dict(reasons), "tp_hits": tp_total, "sl_hits": reasons["SL"],
                       "partials": dict(partials), "reentries": dict(reentries),
                       "reentry_pnl": {k: round(v, 2) for k, v in reentry_pnl.items()}})


async def _sessions(ctx: CommandContext) -> list[TradeSession]:
    """Closed trades of the mode plus the positions open now (their session is running)."""
    service = _service(ctx)
    trading = ctx.engine.trading
    trades = await asyncio.to_thread(service.trades)
    legs = []
    if trading is not None:
        for ticket, position in trading.positions.items():
            meta = trading.meta(ticket)
            opened = meta.get("opened_at")
            label = classify(" ".join(str(meta.get(k) or "") for k in (
                "strategy", "logic", "timeframe")).strip() or None, position.comment,
                position.magic)
            legs.append(OpenLeg(ticket, position.symbol, label.name,
                                datetime.fromisoformat(opened) if opened else service.now()))
    return build_sessions(trades, legs)


def _when(ctx: CommandContext, value: datetime | None) -> str:
    return "open" if value is None else fmt_header(value, ctx.engine.settings.display.timezone)


async def sessions(ctx: CommandContext) -> Reply:
    count = int(ctx.args.get("count") or 10)
    found = await _sessions(ctx)
    shown = list(reversed(found))[:count]
    now = ctx.engine.clock.now()
    rows = tuple((s.id, _when(ctx, s.start), s.duration(now), ",".join(s.symbols),
                  str(s.entries), str(s.max_simultaneous), money(s.net)) for s in shown)
    mode = ctx.engine.settings.trading.mode.upper()
    return Reply(title=f"Trade sessions · {mode}: {len(shown)} of {len(found)}",
                 lines=() if rows else ("No trade session yet: one starts when a position "
                                        "opens while none is open.",),
                 table=Table(("Id", "Start", "Duration", "Symbols", "Entries", "Max open",
                              "P&L"), rows) if rows else None,
                 data={"mode": mode, "total": len(found),
                       "sessions": [s.as_dict() for s in shown]})


async def session_report(ctx: CommandContext) -> Reply:
    found = await _sessions(ctx)
    if not found:
        raise CommandError("no trade session yet: one starts when a position opens while none "
                           "is open")
    wanted = ctx.args.get("session_id")
    if wanted is None:
        chosen = found[-1]
    else:
        matches = [s for s in found if s.id.lower() == str(wanted).lower()]
        if not matches:
            latest = ", ".join(s.id for s in found[-3:])
            raise CommandError(f"session_id: {wanted!r} is not a trade session; latest: "
                               f"{latest} (/sessions lists them)")
        chosen = matches[0]
    now = ctx.engine.clock.now()
    lines = (f"Start {_when(ctx, chosen.start)} · end {_when(ctx, chosen.end)} · "
             f"duration {chosen.duration(now)}",
             f"Symbols: {', '.join(chosen.symbols)}",
             f"Entries {chosen.entries} · exits {chosen.exits} · max simultaneous "
             f"{chosen.max_simultaneous}",
             f"Net P&L {money(chosen.net)}")
    rows = tuple((name, money(value)) for name, value in chosen.pnl_by_strategy)
    return Reply(title=f"Trade session {chosen.id}", lines=lines,
                 table=Table(("Strategy", "P&L"), rows) if rows else None,
                 data=chosen.as_dict())


COMMANDS = (
    CommandSpec("tp_report", A, "TP/SL and re-entry statistics: closes by reason, TP levels, "
                "partials, re-entries by kind", tp_report, params=(PERIOD,),
                aliases=(Alias("tpreport"),)),
    CommandSpec("sessions", A, "Recent trade session records (SPEC §8.5)", sessions,
                params=(Param("count", "count", required=False, kind="int", minimum=1,
                              maximum=100, presets=("5", "10", "20", "50"), default=10),)),
    CommandSpec("session_report", A, "One trade session record in detail (default: latest)",
                session_report,
                params=(Param("session_id", "ses_id", required=False,
                              help="SES_<yyyymmddHHMMSS>_<hex> from /sessions"),)),
)
