"""ANALYTICS commands (SPEC §10.2.8): reports, statistics, drawdown, charts and exports."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from core.analytics.metrics import per_pair, per_strategy, pf_text
from core.analytics.periods import DATE_HELP, PERIODS, Window, parse_date, parse_month
from core.analytics.records import Trade
from core.analytics.report import (
    breakdown_table,
    drawdown_line,
    headline,
    money,
    pct,
    stats_lines,
    summary_lines,
    title,
)
from core.analytics.service import AnalyticsService
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Handler,
    Param,
    Reply,
    Table,
    family_suffix,
    in_family,
)

PERIOD = Param("period", "period", required=False, choices=PERIODS, presets=PERIODS,
               default="all", help="today, 7d, 30d or all")


class FamilyAnalytics(AnalyticsService):
    """The same journal restricted to the trades of one plugin family (SPEC §9.6.6)."""

    def __init__(self, base: AnalyticsService, family: str) -> None:
        vars(self).update(vars(base))  # a view of `base`: same store, clock and settings
        self.family = family

    def trades(self) -> list[Trade]:
        return [t for t in super().trades() if in_family(self.family, t.label.family)]

    def meta(self, kind: str, window: Window) -> dict[str, Any]:
        return {**super().meta(kind, window), "family": self.family}


def _service(ctx: CommandContext) -> AnalyticsService:
    service = ctx.engine.analytics
    if service is None:
        raise CommandError("the engine is not started")
    return service if ctx.family == "both" else FamilyAnalytics(service, ctx.family)


def scoped(handler: Handler) -> Handler:
    """A plugin-aware report: its title and data say which family it covers."""
    @functools.wraps(handler)
    async def run(ctx: CommandContext) -> Reply:
        reply = await handler(ctx)
        if ctx.family == "both" or not reply.ok:
            return reply
        return replace(reply, title=reply.title + family_suffix(ctx.family),
                       data={**reply.data, "family": ctx.family})
    return run


def _period(ctx: CommandContext, service: AnalyticsService) -> Window:
    return service.calendar().period(str(ctx.args.get("period") or "all"), service.now())


def _date(ctx: CommandContext, service: AnalyticsService, name: str = "date") -> date:
    today = service.calendar().trading_day(service.now())
    raw = ctx.args.get(name)
    if raw is None:
        return today
    try:
        return parse_date(str(raw), today)
    except ValueError as exc:
        raise CommandError(f"{name}: {exc}") from exc


async def _full(ctx: CommandContext, kind: str, window: Window) -> Reply:
    """A report with every metric, per pair and per strategy, and its equity chart."""
    service = _service(ctx)
    report, selection = await service.report(kind, window)
    chart = await service.chart(selection, report.title)
    return Reply(title=report.title, lines=report.lines, table=report.table,
                 data={**report.data, "chart": str(chart)})


async def analytics(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    today = await service.select(service.calendar().period("today", service.now()))
    lines = [f"{service.mode_label} · today: {headline(today.summary)} · net "
             f"{money(today.summary.net)}"]
    rows = tuple((f"/{spec.name}", spec.usage(), spec.summary)
                 for spec in ctx.engine.registry.specs(Category.ANALYTICS)
                 if spec.name != "analytics")
    return Reply(title="Analytics", lines=tuple(lines),
                 table=Table(("Command", "Usage", "What"), rows),
                 data={"mode": service.mode_label, "today": today.summary.as_dict(),
                       "commands": [r[0] for r in rows]})


@scoped
async def performance(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    if ctx.args.get("period"):
        selection = await service.select(_period(ctx, service))
        return Reply(title=title("Performance", service.mode_label, selection.window),
                     lines=tuple(summary_lines(selection.summary)),
                     data={"mode": service.mode_label, "period": selection.window.key,
                           "summary": selection.summary.as_dict()})
    rows, data = [], {}
    selections = await service.select_many([service.calendar().period(name, service.now())
                                            for name in PERIODS])
    for name, selection in zip(PERIODS, selections, strict=True):
        s = selection.summary
        rows.append((name, str(s.trades), pct(s.win_rate), money(s.net),
                     pf_text(s.profit_factor), money(s.drawdown.max_amount, signed=False)))
        data[name] = s.as_dict()
    return Reply(title=f"Performance · {service.mode_label}",
                 table=Table(("Period", "Trades", "Win rate", "Net", "PF", "Max DD"),
                             tuple(rows)),
                 data={"mode": service.mode_label, "periods": data})


@scoped
async def daily(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    return await _full(ctx, "daily", service.calendar().day(_date(ctx, service)))


@scoped
async def weekly(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    return await _full(ctx, "weekly", service.calendar().week(_date(ctx, service)))


@scoped
async def monthly(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    raw = ctx.args.get("month")
    if raw is None:
        today = service.calendar().trading_day(service.now())
        year, month = today.year, today.month
    else:
        try:
            year, month = parse_month(str(raw))
        except ValueError as exc:
            raise CommandError(f"month: {exc}") from exc
    return await _full(ctx, "monthly", service.calendar().month(year, month))


@scoped
async def performance_report(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    raw = str(ctx.args.get("period") or "all")
    if raw.lower() in PERIODS and ctx.args.get("end_date") is None:
        return await _full(ctx, "performance", service.calendar().period(raw.lower(),
                                                                         service.now()))
    today = service.calendar().trading_day(service.now())
    try:
        first = parse_date(raw, today)
    except ValueError as exc:
        raise CommandError(f"period: {raw!r} is not allowed; use one of "
                           f"{', '.join(PERIODS)}, or {DATE_HELP}") from exc
    last = _date(ctx, service, "end_date") if ctx.args.get("end_date") else today
    try:
        window = service.calendar().span(first, last)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    return await _full(ctx, "performance", window)


@scoped
async def stats(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    selection = await service.select(_period(ctx, service))
    return Reply(title=title("Statistics", service.mode_label, selection.window),
                 lines=tuple(stats_lines(selection.summary)),
                 data={"mode": service.mode_label, "summary": selection.summary.as_dict()})


@scoped
async def winrate(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    selection = await service.select(_period(ctx, service))
    cal = service.calendar()
    strategies, pairs = per_strategy(selection.trades, cal), per_pair(selection.trades, cal)
    rows = tuple((group, name, str(s.wins), str(s.losses), str(s.breakeven), pct(s.win_rate))
                 for group, items in (("Strategy", strategies), ("Pair", pairs))
                 for name, s in items.items())
    s = selection.summary
    return Reply(title=title("Win rate", service.mode_label, selection.window),
                 lines=(f"Overall {pct(s.win_rate)} ({s.wins} won, {s.losses} lost, "
                        f"{s.breakeven} breakeven, excluded)",),
                 table=Table(("Group", "Name", "Wins", "Losses", "Breakeven", "Win rate"), rows),
                 data={"mode": service.mode_label, "win_rate": s.win_rate,
                       "per_strategy": {k: v.win_rate for k, v in strategies.items()},
                       "per_pair": {k: v.win_rate for k, v in pairs.items()}})


@scoped
async def drawdown(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    selection = await service.select(_period(ctx, service))
    heading = title("Drawdown", service.mode_label, selection.window)
    chart = await service.chart(selection, heading)
    dd = selection.summary.drawdown
    return Reply(title=heading, lines=(drawdown_line(selection.summary),),
                 data={"mode": service.mode_label, "max_drawdown": dd.max_amount,
                       "max_drawdown_percent": dd.max_percent,
                       "peak_balance": dd.peak_balance, "current_drawdown": dd.current_amount,
                       "current_drawdown_percent": dd.current_percent, "chart": str(chart)})


async def _breakdown(ctx: CommandContext, heading: str, column: str,
                     compute: Callable[..., dict[str, Any]], key: str) -> Reply:
    """A report whose table has one row per pair or per strategy."""
    service = _service(ctx)
    selection = await service.select(_period(ctx, service))
    rows = compute(selection.trades, service.calendar())
    return Reply(title=title(heading, service.mode_label, selection.window),
                 lines=(headline(selection.summary),) if rows else ("No closed trades.",),
                 table=breakdown_table((column, rows)),
                 data={"mode": service.mode_label,
                       key: {k: v.as_dict() for k, v in rows.items()}})


@scoped
async def pair_report(ctx: CommandContext) -> Reply:
    return await _breakdown(ctx, "Per pair", "Pair", per_pair, "per_pair")


@scoped
async def strategy_report(ctx: CommandContext) -> Reply:
    return await _breakdown(ctx, "Per strategy", "Strategy", per_strategy, "per_strategy")


@scoped
async def export(ctx: CommandContext) -> Reply:
    service = _service(ctx)
    fmt = str(ctx.args["format"])
    paths, selection = await service.export(fmt, _period(ctx, service))
    return Reply(title=title(f"Export {fmt.upper()}", service.mode_label, selection.window),
                 lines=(f"{selection.summary.trades} closed trade(s) · net "
                        f"{money(selection.summary.net)}",
                        *(f"File: {p}" for p in paths)),
                 data={"mode": service.mode_label, "format": fmt,
                       "files": [str(p) for p in paths], "document": str(paths[0])})


DATE = Param("date", "date", required=False, help=DATE_HELP)

COMMANDS = (
    CommandSpec("analytics", Category.ANALYTICS, "Analytics menu and today's numbers", analytics),
    CommandSpec("performance", Category.ANALYTICS,
                "Performance summary (every period, or one period in detail)", performance,
                params=(Param("period", "period", required=False, choices=PERIODS,
                              presets=PERIODS),), plugin_aware=True),
    CommandSpec("daily", Category.ANALYTICS, "Daily report (trading day from 03:35 IST)", daily,
                params=(DATE,)),
    CommandSpec("weekly", Category.ANALYTICS, "Weekly report (Monday–Friday trading days)",
                weekly, params=(Param("date", "date", required=False,
                                      help="a date in the week; " + DATE_HELP),)),
    CommandSpec("monthly", Category.ANALYTICS, "Monthly report", monthly,
                params=(Param("month", "month", required=False, help="YYYY-MM"),)),
    CommandSpec("stats", Category.ANALYTICS,
                "Trades, win rate, profit factor, averages, streaks", stats, params=(PERIOD,)),
    CommandSpec("winrate", Category.ANALYTICS, "Win rate overall, per strategy, per symbol",
                winrate, params=(PERIOD,)),
    CommandSpec("drawdown", Category.ANALYTICS, "Max and current drawdown with the equity curve",
                drawdown, params=(PERIOD,)),
    CommandSpec("performance_report", Category.ANALYTICS,
                "Full report: every metric, per pair, per strategy, equity chart",
                performance_report,
                params=(Param("period", "period", required=False, presets=PERIODS,
                              default="all",
                              help=f"today, 7d, 30d, all, or a start date ({DATE_HELP})"),
                        Param("end_date", "end_date", required=False, help=DATE_HELP)),
                plugin_aware=True),
    CommandSpec("pair_report", Category.ANALYTICS, "Per-symbol report", pair_report,
                params=(PERIOD,), aliases=(Alias("pairreport"),)),
    CommandSpec("strategy_report", Category.ANALYTICS,
                "Per-strategy report (V4/V3 logics, V6 timeframes, manual)", strategy_report,
                params=(PERIOD,), aliases=(Alias("strategyreport"),)),
    CommandSpec("export", Category.ANALYTICS, "Export closed trades as CSV or JSON files",
                export, params=(Param("format", "format", choices=("csv", "json"),
                                      presets=("csv", "json")), PERIOD)),
)
