"""HTML texts of the screens and headers (main menu, pickers, confirmation, dashboard)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from bots.telegram.figures import Today, signed_money, today
from bots.telegram.render import Line, chunk, escape, reply_lines
from core.clock import fmt_date, fmt_time
from core.commands.spec import CommandSpec, Param, Reply
from core.sessions import market

if TYPE_CHECKING:
    from core.engine import Engine

TITLE = "V5 Hybrid Operator Console"


def app_version() -> str:
    try:
        return version("v5-console")
    except PackageNotFoundError:
        return "5"


def clock_lines(engine: Engine) -> list[str]:
    now, tz = engine.clock.now(), engine.settings.display.timezone
    return [f"🕐 {fmt_time(now, tz)}", f"📅 {fmt_date(now, tz)}"]


def status_line(engine: Engine) -> str:
    trading = engine.trading
    if trading is None:
        return "⏹ STOPPED"
    state = f"⏸ PAUSED ({trading.pause_reason})" if trading.paused else "▶️ RUNNING"
    settings = engine.settings
    return f"{state} · {settings.trading.mode.upper()} · bridge {settings.bridge.mode}"


def session_lines(engine: Engine) -> list[str]:
    """Current trading session (§8.1) and the classic market sessions open now (§8.3)."""
    manager = engine.sessions
    if manager is None:
        return []
    now = engine.clock.now()
    window = manager.current(now)
    text = f"Session: {window.name if window else 'none (outside the session table)'}"
    opened = [s.name for s in market.statuses(engine.settings.sessions, now) if s.open_now]
    if opened:
        text += " · markets open: " + ", ".join(opened)
    return [escape(text)]


def main_text(engine: Engine, bot_title: str) -> str:
    lines = [f"<b>{escape(TITLE)} · {escape(bot_title)}</b>", *clock_lines(engine),
             *session_lines(engine), escape(status_line(engine)), "",
             "Choose an action or a category:"]
    return "\n".join(lines)


def allowed_text(param: Param) -> str:
    if param.choices:
        return "allowed: " + ", ".join(param.choices)
    if param.minimum is not None and param.maximum is not None:
        return f"allowed {param.minimum:g}–{param.maximum:g}"
    return f"a {param.kind} value"


def picker_text(spec: CommandSpec, param: Param, collected: Mapping[str, str]) -> str:
    done = " ".join(v for p in spec.params if (v := collected.get(p.name)) and v != "-")
    head = f"<b>/{escape(spec.name)}{(' ' + escape(done)) if done else ''}</b>"
    note = escape(param.help or spec.summary)
    optional = " (optional)" if not param.required else ""
    return (f"{head}\n{note}\n\nChoose <b>{escape(param.name)}</b>{optional} "
            f"— {escape(allowed_text(param))}.")


def custom_prompt(spec: CommandSpec, param: Param) -> str:
    return (f"<b>/{escape(spec.name)}</b>\nSend the value for <b>{escape(param.name)}</b> "
            f"as a message ({escape(allowed_text(param))}).")


def confirm_text(reply: Reply, args: Mapping[str, str] | None, ttl_seconds: float) -> str:
    lines = [Line("⚠️ Confirm", "bold"), Line(reply.command_line, "pre")]
    lines += [Line(text) for text in reply.lines]
    if args:
        lines += [Line(f"{name} = {value}") for name, value in args.items()]
    lines.append(Line(f"Confirm within {int(ttl_seconds // 60)} minutes."))
    return chunk(lines)[0]


def result_chunks(reply: Reply) -> list[str]:
    return chunk(reply_lines(reply))


def reply_files(reply: Reply) -> list[tuple[str, str]]:
    """Files a reply names (a report's chart, an export's files), to send after its text."""
    out: list[tuple[str, str]] = []
    chart = reply.data.get("chart")
    if isinstance(chart, str) and chart:
        out.append((chart, "photo"))
    files = reply.data.get("files")
    if isinstance(files, list):
        out += [(str(f), "document") for f in files if f]
    elif isinstance(reply.data.get("document"), str):
        out.append((str(reply.data["document"]), "document"))
    return out


def _money(value: Any) -> str:
    return "—" if value is None else f"${float(value):,.2f}"


def dashboard_chunks(engine: Engine, status: Reply, positions: Reply) -> list[str]:
    """§9.8 from the /status and /positions replies plus today's closed trades."""
    if not status.ok or not positions.ok:
        return chunk([*reply_lines(status), *reply_lines(positions)])
    data = status.data
    rows = list(positions.data.get("positions", []))
    floating = sum(float(p.get("P&L", 0) or 0) for p in rows)
    day: Today = today(engine)
    lines = [Line("📊 Dashboard", "bold"), Line(status_line(engine)),
             Line(f"Balance {_money(data.get('balance'))} · Equity {_money(data.get('equity'))}"),
             Line(f"Open trades {len(rows)} · floating {signed_money(floating)}"),
             Line(f"Today: profit {signed_money(day.gross_profit)} · loss "
                  f"{signed_money(day.gross_loss)} · net {signed_money(day.net)} · "
                  f"{day.trades} trade(s)"),
             Line(f"Dual orders: {'on' if engine.settings.dual_orders.enabled else 'off'}")]
    for p in rows:
        lines.append(Line(f"{p.get('Symbol')} {p.get('Side')} {p.get('Kind')} {p.get('Lot')} "
                          f"{p.get('P&L')}  SL {p.get('SL')}  TP {p.get('TP')}", "pre"))
    return chunk(lines)


@dataclass(frozen=True, slots=True)
class HeaderFacts:
    """What the delivery side knows: notifications and reports delivered today."""

    alerts_today: int = 0
    last_alert: str = ""
    reports_today: int = 0


def _controller(engine: Engine, day: Today, facts: HeaderFacts) -> tuple[str, list[str]]:
    trading = engine.trading
    positions = trading.positions if trading else {}
    floating = sum(p.profit for p in positions.values())
    return f"🤖 {TITLE} {app_version()}", [
        *session_lines(engine), escape(status_line(engine)),
        f"Open trades: {len(positions)} · floating {escape(signed_money(floating))}",
        f"Today's P&amp;L: {escape(signed_money(day.net))} ({day.trades} closed)"]


def _notification(engine: Engine, day: Today, facts: HeaderFacts) -> tuple[str, list[str]]:
    return "🔔 Notifications", [
        f"Alerts today: {facts.alerts_today} · entries {day.entries} · exits {day.trades}",
        f"Last alert: {escape(facts.last_alert) if facts.last_alert else '—'}"]


def _analytics(engine: Engine, day: Today, facts: HeaderFacts) -> tuple[str, list[str]]:
    rate = "—" if day.win_rate is None else f"{day.win_rate * 100:.0f}%"
    return "📊 Analytics", [
        f"Win rate today: {rate} · P&amp;L {escape(signed_money(day.net))}",
        f"Trades today: {day.trades} · reports sent: {facts.reports_today}"]


SECTIONS = {"controller": _controller, "notification": _notification, "analytics": _analytics}


def header_text(engine: Engine, roles: tuple[str, ...], facts: HeaderFacts) -> str:
    """§9.5 content; a bot playing several roles shows one header with one section each."""
    day = today(engine)
    out: list[str] = []
    for index, role in enumerate(roles):
        title, body = SECTIONS[role](engine, day, facts)
        if index == 0:
            out += [f"<b>{escape(title)}</b>", *clock_lines(engine)]
        else:
            out.append(f"<b>{escape(title)}</b>")
        out += body
    return "\n".join(out)
