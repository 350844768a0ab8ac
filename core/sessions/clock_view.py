"""The /clock view and market-session texts (SPEC §8.3, §8.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clock import fmt_date, fmt_duration, fmt_time
from core.config.settings import Settings
from core.sessions import market, table


def session_countdown(settings: Settings, now: datetime) -> tuple[str, str]:
    """("London (13:30–18:30 IST)", "next: Overlap at 18:30 IST in 4h 25m")."""
    cfg = settings.sessions
    zone = table.local(cfg, now).tzname()
    window = table.current(cfg, now)
    current = f"{window.name} ({window.hours} {zone})" if window else "none (outside every window)"
    upcoming = table.next_start(cfg, now)
    if upcoming is None:
        return current, "next: none"
    nxt, at = upcoming
    return current, (f"next: {nxt.name} at {table.fmt_hhmm(nxt.start)} {zone} in "
                     f"{fmt_duration((at - now).total_seconds())}")


def market_lines(settings: Settings, now: datetime, status: market.MarketStatus) -> list[str]:
    """Local hours, today's IST and UTC equivalents, open/closed, time to the next change."""
    display = settings.display.timezone
    w = status.window
    state = "OPEN" if status.open_now else "CLOSED"
    return [
        f"{status.name}: {state} · {status.local_hours} ({status.timezone})",
        f"{fmt_date(w.opens, display)}: {fmt_time(w.opens, display)[:5]}–"
        f"{fmt_time(w.closes, display)[:5]} {fmt_time(w.opens, display).split()[-1]} · "
        f"{w.opens:%H:%M}–{w.closes:%H:%M} UTC",
        f"{status.next_change_kind} in {fmt_duration((status.next_change - now).total_seconds())}"
        f" ({fmt_time(status.next_change, display)})",
    ]


def clock_lines(settings: Settings, now: datetime, server: datetime | None
                ) -> tuple[list[str], dict[str, Any]]:
    display = settings.display.timezone
    current, nxt = session_countdown(settings, now)
    open_now = [s.name for s in market.statuses(settings.sessions, now) if s.open_now]
    server_text = (f"{server:%H:%M:%S} (time of the latest tick)" if server is not None
                   else "unavailable (no quote from the terminal)")
    lines = [
        f"{fmt_time(now, display)} · {fmt_date(now, display)}",
        f"{now:%H:%M:%S} UTC",
        f"Broker server: {server_text}",
        f"Trading session: {current}",
        nxt[:1].upper() + nxt[1:],
        "Market sessions open: " + (", ".join(open_now) if open_now else "none"),
    ]
    data = {"utc": now.isoformat(), "display": fmt_time(now, display),
            "server": server.isoformat() if server else None, "session": current,
            "next": nxt, "markets_open": open_now}
    return lines, data
