"""SESSION commands (SPEC §10.2.9): the trading-session table, its editor, markets, /clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.brokers.port import BrokerError
from core.clock import fmt_date, fmt_time
from core.commands.risk import SYMBOLS, on_off, switch_value, symbol_arg
from core.commands.spec import Category, CommandContext, CommandError, CommandSpec, Param, Reply
from core.commands.spec import Table as T
from core.config import ConfigError
from core.domain.enums import Severity
from core.events import ConfigChanged
from core.sessions import market, table
from core.sessions.clock_view import clock_lines, market_lines, session_countdown
from core.sessions.manager import EditorError, SessionManager

SESSION_IDS = ("asian", "london", "overlap", "ny_late", "dead_zone")
S = Category.SESSION


def _sessions(ctx: CommandContext) -> SessionManager:
    if ctx.engine.sessions is None:
        raise CommandError("the engine is not started")
    return ctx.engine.sessions


def _session_id(ctx: CommandContext) -> str:
    sid = str(ctx.args["session_id"]).lower()
    if sid not in ctx.engine.settings.sessions.table:
        raise CommandError(f"session_id: {sid!r} is not a session; use one of "
                           + ", ".join(ctx.engine.settings.sessions.table))
    return sid


async def _edit(ctx: CommandContext, dotted: str, change: Any) -> Any:
    """Run one editor operation: persisted, announced, then applied at once (a tick)."""
    sessions = _sessions(ctx)
    try:
        result = change()
    except (EditorError, ConfigError) as exc:
        raise CommandError(f"refused: {exc}") from exc
    ctx.engine.bus.publish(ConfigChanged(dotted, ctx.engine.config.value(dotted),
                                         ctx.command_line))
    await sessions.tick()
    return result


def _now_line(ctx: CommandContext) -> str:
    current, nxt = session_countdown(ctx.engine.settings, ctx.engine.clock.now())
    return f"Current: {current} · {nxt}"


def _table(ctx: CommandContext) -> T:
    cfg = ctx.engine.settings.sessions
    now_id = _sessions(ctx).current()
    rows = tuple((sid + (" ◀" if now_id and now_id.id == sid else ""), w.name,
                  f"{w.start}–{w.end}", table.symbols_line(w.symbols),
                  "yes" if w.force_close else "no") for sid, w in cfg.table.items())
    return T(("Id", "Session", f"Hours ({cfg.timezone})", "Allowed symbols", "Force close"),
             rows)


async def session(ctx: CommandContext) -> Reply:
    cfg = ctx.engine.settings.sessions
    step = cfg.editor_step_minutes
    lines = (f"Session filter master switch: {on_off(cfg.enabled)}", _now_line(ctx),
             f"Edit: /time_adjust <id> start|end +{step}|-{step} · /symbol_filter <id> "
             "<SYMBOL> on|off · /force_close <id> on|off · /session_master on|off")
    return Reply(title="Trading sessions", lines=lines, table=_table(ctx),
                 data={"enabled": cfg.enabled, "table": {k: w.model_dump()
                                                         for k, w in cfg.table.items()}})


async def session_status(ctx: CommandContext) -> Reply:
    sessions = _sessions(ctx)
    cfg = ctx.engine.settings.sessions
    window = sessions.current()
    flags = ", ".join(f"{w.name} {'on' if w.force_close else 'off'}" for w in cfg.table.values())
    allowed = table.symbols_line(window.symbols) if window else "none (outside every window)"
    if not cfg.enabled:
        allowed += " — filter OFF: every symbol may trade"
    return Reply(title=f"Session: {window.name if window else 'none'}",
                 lines=(_now_line(ctx), f"Allowed now: {allowed}",
                        f"Master switch: {on_off(cfg.enabled)}", f"Force close: {flags}"),
                 data={"session": window.id if window else None, "enabled": cfg.enabled,
                       "symbols": list(window.symbols) if window else []})


async def session_master(ctx: CommandContext) -> Reply:
    sessions = _sessions(ctx)
    current = ctx.engine.settings.sessions.enabled
    value = switch_value(ctx.args.get("switch"), current)
    if value is None:
        return Reply(title=f"Session filter: {on_off(current)}", data={"enabled": current})
    await _edit(ctx, "sessions.enabled", lambda: sessions.set_master(value))
    note = ("Only symbols allowed by the current session may open." if value else
            "Every symbol may open at any hour (weekend closure still applies).")
    return Reply(title=f"Session filter: {on_off(value)}", lines=(note,),
                 severity=Severity.LOW if value else Severity.MEDIUM, data={"enabled": value})


async def force_close(ctx: CommandContext) -> Reply:
    sessions, sid = _sessions(ctx), _session_id(ctx)
    on = ctx.args["switch"] == "on"
    await _edit(ctx, "sessions.table", lambda: sessions.set_force_close(sid, on))
    name = ctx.engine.settings.sessions.table[sid].name
    return Reply(title=f"Force close at the start of {name}: {on_off(on)}",
                 data={"session": sid, "force_close": on})


def _shift_minutes(ctx: CommandContext) -> int:
    raw = str(ctx.args["shift"]).replace("−", "-").strip()
    step = ctx.engine.settings.sessions.editor_step_minutes
    if raw not in (f"+{step}", f"-{step}"):
        raise CommandError(f"shift: {ctx.args['shift']!r} is not allowed; use +{step} or -{step}")
    return int(raw)


async def time_adjust(ctx: CommandContext) -> Reply:
    sessions, sid = _sessions(ctx), _session_id(ctx)
    edge, minutes = str(ctx.args["edge"]), _shift_minutes(ctx)
    old, new = await _edit(ctx, "sessions.table", lambda: sessions.shift(sid, edge, minutes))
    w = ctx.engine.settings.sessions.table[sid]
    return Reply(title=f"{w.name} {edge}: {old} → {new}",
                 lines=(f"{w.name} now {w.start}–{w.end}.", _now_line(ctx)),
                 data={"session": sid, "edge": edge, "old": old, "new": new})


async def symbol_filter(ctx: CommandContext) -> Reply:
    sessions, sid = _sessions(ctx), _session_id(ctx)
    spec = symbol_arg(ctx)
    arg = ctx.args.get("switch")
    on = None if arg is None else arg == "on"
    allowed = await _edit(ctx, "sessions.table", lambda: sessions.set_symbol(sid, spec.name, on))
    w = ctx.engine.settings.sessions.table[sid]
    return Reply(title=f"{spec.name} {'allowed' if allowed else 'not allowed'} in {w.name}",
                 lines=(f"{w.name}: {table.symbols_line(w.symbols)}",),
                 data={"session": sid, "symbol": spec.name, "allowed": allowed})


def _market(sid: str) -> Any:
    async def handler(ctx: CommandContext) -> Reply:
        settings = ctx.engine.settings
        cfg = settings.sessions.market_sessions.get(sid)
        if cfg is None:
            raise CommandError(f"market session {sid!r} is not configured")
        status = market.status(sid, cfg, ctx.engine.clock.now())
        return Reply(title=f"{status.name} session: {'OPEN' if status.open_now else 'CLOSED'}",
                     lines=tuple(market_lines(settings, ctx.engine.clock.now(), status)),
                     data={"open": status.open_now, "opens": status.window.opens.isoformat(),
                           "closes": status.window.closes.isoformat(),
                           "next_change": status.next_change.isoformat()})
    return handler


async def overlap(ctx: CommandContext) -> Reply:
    settings, now = ctx.engine.settings, ctx.engine.clock.now()
    display = settings.display.timezone
    open_now = [s.name for s in market.statuses(settings.sessions, now) if s.open_now]
    today = now.astimezone(ZoneInfo(display)).date()
    spans = market.overlaps_on(settings.sessions, today, display)
    rows = tuple((" + ".join(o.names), f"{fmt_time(o.starts, display)[:5]}–"
                  f"{fmt_time(o.ends, display)[:5]}", "now" if o.starts <= now < o.ends else "")
                 for o in spans)
    state = ("Overlap now: " + " + ".join(open_now) if len(open_now) >= 2 else
             "Open now: " + (", ".join(open_now) or "none") + " (no overlap)")
    return Reply(title="Market-session overlaps", lines=(state, f"Today, {fmt_date(now, display)}"),
                 table=T(("Sessions", f"Window ({fmt_time(now, display).split()[-1]})", ""),
                         rows),
                 data={"open_now": open_now, "overlap_now": len(open_now) >= 2})


async def clock(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    server = await _server_time(ctx)
    lines, data = clock_lines(engine.settings, engine.clock.now(), server)
    return Reply(title="Clock", lines=tuple(lines), data=data)


async def _server_time(ctx: CommandContext) -> datetime | None:
    """Broker server time = the terminal's clock: the newest tick time it reports."""
    trading = ctx.engine.trading
    if trading is None or not trading.broker.connected:
        return None
    newest: datetime | None = None
    for symbol in ctx.engine.symbols():
        try:
            quote = await trading.broker.quote(symbol)
        except BrokerError:
            continue
        if newest is None or quote.time > newest:
            newest = quote.time
    return newest


SID = Param("session_id", "session_id", presets=SESSION_IDS)
COMMANDS = (
    CommandSpec("session", S, "Trading-session dashboard and editor (SPEC §8.1)", session),
    CommandSpec("london", S, "London market session (SPEC §8.3)", _market("london")),
    CommandSpec("newyork", S, "New York market session", _market("new_york")),
    CommandSpec("tokyo", S, "Tokyo market session", _market("tokyo")),
    CommandSpec("sydney", S, "Sydney market session", _market("sydney")),
    CommandSpec("overlap", S, "Current and today's market-session overlaps", overlap),
    CommandSpec("session_status", S, "Current trading session, allowed symbols, next session "
                "countdown, master switch, force-close flags", session_status),
    CommandSpec("session_master", S, "Session-filter master switch", session_master,
                params=(Param("switch", "switch", required=False,
                              choices=("on", "off", "status")),),
                confirm=lambda args: args.get("switch") in (None, "off"),
                effect="Switching the filter off lets every symbol trade at any hour "
                       "(weekend closure still applies); without an argument it toggles."),
    CommandSpec("force_close", S, "Force-close flag of a session", force_close,
                params=(SID, Param("switch", "switch", choices=("on", "off"))), confirm=True,
                effect="At the start of that session, positions in symbols it does not allow "
                       "are closed (on) or left open (off)."),
    CommandSpec("time_adjust", S, "Shift a session's start or end by 30 min", time_adjust,
                params=(SID, Param("edge", "edge", choices=("start", "end")),
                        Param("shift", "time_shift", presets=("+30", "-30"))),
                confirm=True, effect="Moves the session boundary; applies immediately."),
    CommandSpec("symbol_filter", S, "Allow or disallow a symbol in a session", symbol_filter,
                params=(SID, Param("symbol", "symbol", presets=SYMBOLS),
                        Param("switch", "switch", required=False, choices=("on", "off")))),
    CommandSpec("clock", S, "Clock view: IST, UTC, broker server time, sessions (SPEC §8.4)",
                clock),
)
