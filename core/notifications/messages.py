"""Message texts of SPEC §9.4 for the events the engine publishes (pure formatting)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.analytics.report import money
from core.clock import fmt_date, fmt_duration, fmt_time

MINUS = "−"
REASONS = {
    "EXIT_SIGNAL": "exit signal", "EXIT_PARTIAL": "exit signal (partial)",
    "REVERSAL": "reversal", "TREND_FLIP": "trend flip", "MANUAL": "manual close",
    "PANIC": "panic close", "SESSION_FORCE": "session force close", "TRAIL": "trailing stop",
    "BREAKEVEN": "breakeven stop", "BOOKED": "profit booked", "TP": "take profit",
    "SL": "stop loss", "SO": "stop out", "CLIENT": "closed at the terminal",
    "EXPERT": "closed by an expert", "UNKNOWN": "closed (reason unknown)",
}


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One order of an entry: kind, ticket, lot, entry, SL/TP and the symbol's arithmetic."""

    kind: str
    ticket: int
    volume: float
    price: float
    sl: float | None
    tp: float | None
    digits: int
    pip_size: float
    pip_value: float  # USD per pip for 1.00 lot

    def pips(self, level: float | None) -> float | None:
        return None if level is None else abs(level - self.price) / self.pip_size

    @property
    def risk(self) -> float | None:
        sl_pips = self.pips(self.sl)
        return None if sl_pips is None else round(sl_pips * self.pip_value * self.volume, 2)

    @property
    def reward_ratio(self) -> float | None:
        sl_pips, tp_pips = self.pips(self.sl), self.pips(self.tp)
        return tp_pips / sl_pips if sl_pips and tp_pips is not None else None


@dataclass(frozen=True, slots=True)
class ClosedLine:
    """One closed order: entry → exit, pips and P&L."""

    kind: str
    ticket: int
    direction: str
    volume: float
    price_open: float
    price_close: float
    profit: float
    digits: int
    pip_size: float
    opened_at: datetime | None
    closed_at: datetime

    @property
    def pips(self) -> float:
        sign = 1 if self.direction == "BUY" else -1
        return (self.price_close - self.price_open) * sign / self.pip_size

    @property
    def held(self) -> str | None:
        if self.opened_at is None:
            return None
        return fmt_duration((self.closed_at - self.opened_at).total_seconds())


def price(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def signed(value: float, unit: str = "", digits: int = 1) -> str:
    text = f"{abs(value):,.{digits}f}{unit}"
    if round(value, digits) == 0:
        return text
    return f"+{text}" if value > 0 else f"{MINUS}{text}"


def dollars(value: float) -> str:
    """`$96`, `$95.50`: whole amounts without cents (loss-cap lines)."""
    return f"${value:,.0f}" if round(value, 2) == round(value) else f"${value:,.2f}"


def _level(label: str, level: float | None, order: OrderLine) -> str:
    pips = order.pips(level)
    if level is None or pips is None:
        return f"{label} —"
    return f"{label} {price(level, order.digits)} ({pips:.1f}p)"


def entry(symbol: str, side: str, badge: str, orders: Sequence[OrderLine],
          signal_line: str | None, session: str | None, now: datetime, tz: str) -> str:
    lines = [f"ENTRY · {side} {symbol} · {badge}"]
    if signal_line:
        lines.append(signal_line)
    for o in orders:
        lines.append(f"{o.kind} #{o.ticket}  {o.volume:.2f} @ {price(o.price, o.digits)}  "
                     f"{_level('SL', o.sl, o)}  {_level('TP', o.tp, o)}  "
                     f"risk {money(o.risk, signed=False)}")
    ratios = [f"{o.kind} 1:{o.reward_ratio:.1f}" for o in orders if o.reward_ratio is not None]
    risks = [o.risk for o in orders if o.risk is not None]
    summary = []
    if ratios:
        summary.append("R:R " + " · ".join(ratios))
    if risks:
        summary.append(f"total risk {money(sum(risks), signed=False)}")
    if summary:
        lines.append(" · ".join(summary))
    lines.append(f"{session} · {fmt_time(now, tz)}" if session else fmt_time(now, tz))
    return "\n".join(lines)


def _result(line: ClosedLine) -> str:
    return (f"{line.kind} #{line.ticket}  {price(line.price_open, line.digits)} → "
            f"{price(line.price_close, line.digits)}  {signed(line.pips, 'p')}  "
            f"{money(line.profit)}")


def _footer(line: ClosedLine, today_net: float) -> str:
    held = f"Held {line.held} · " if line.held else ""
    return f"{held}Today {money(today_net)}"


def exit_(symbol: str, badge: str, line: ClosedLine, reason: str, today_net: float) -> str:
    return "\n".join([
        f"EXIT · {line.direction} {symbol} · {badge}",
        REASONS.get(reason, reason.lower().replace("_", " ")),
        _result(line),
        _footer(line, today_net),
    ])


def tp_hit(symbol: str, badge: str, line: ClosedLine, tp_level: int, today_net: float) -> str:
    return "\n".join([
        f"TP{tp_level} HIT · {symbol} {line.direction} · {badge}",
        f"{line.kind} #{line.ticket} closed {line.volume:.2f} at "
        f"{price(line.price_close, line.digits)}  {signed(line.pips, 'p')}  "
        f"{money(line.profit)}",
        _footer(line, today_net),
    ])


def sl_hit(symbol: str, badge: str, line: ClosedLine, daily_loss: float,
           daily_cap: float | None, today_net: float) -> str:
    cap = f" / {dollars(daily_cap)}" if daily_cap is not None else ""
    return "\n".join([
        f"SL HIT · {symbol} {line.direction} · {badge}",
        f"{line.kind} #{line.ticket} closed at {price(line.price_close, line.digits)}  "
        f"{money(line.profit)} · daily loss {dollars(daily_loss)}{cap}",
        _footer(line, today_net),
    ])


def order_failed(symbol: str, side: str, reason: str, retcode: int | None, now: datetime,
                 tz: str) -> str:
    code = f" (retcode {retcode})" if retcode is not None else ""
    return f"ORDER FAILED · {side} {symbol}\n{reason}{code}\n{fmt_time(now, tz)}"


def trading_paused(reason: str | None, now: datetime, tz: str) -> str:
    return (f"TRADING PAUSED · {reason or 'MANUAL'}\n"
            "New orders are blocked; open positions are still managed.\n"
            f"{fmt_time(now, tz)}")


def trading_resumed(now: datetime, tz: str) -> str:
    return f"TRADING RESUMED\nNew orders are allowed again.\n{fmt_time(now, tz)}"


def emergency_stop(now: datetime, tz: str) -> str:
    return ("EMERGENCY STOP\nPanic close: trading paused; every system-owned position is being "
            f"closed at market.\n{fmt_time(now, tz)}")


def bot_started(mode: str, balance: float | None, open_trades: int, bridge: str,
                now: datetime, tz: str) -> str:
    return (f"SYSTEM STARTED · {mode}\n"
            f"Balance {money(balance, signed=False)} · open trades {open_trades} · "
            f"bridge {bridge}\n{fmt_time(now, tz)} · {fmt_date(now, tz)}")


def bot_stopped(mode: str, open_trades: int, today_net: float, now: datetime, tz: str) -> str:
    return (f"SYSTEM STOPPED · {mode}\nOpen trades {open_trades} · today {money(today_net)}\n"
            f"{fmt_time(now, tz)} · {fmt_date(now, tz)}")


def mt5_link(up: bool, detail: str, now: datetime, tz: str) -> str:
    if up:
        return f"MT5 RECONNECTED\n{detail}\n{fmt_time(now, tz)}"
    return f"MT5 DISCONNECTED\n{detail}\nNo new orders until the link returns.\n" \
           f"{fmt_time(now, tz)}"


def alert(kind: str, family: str, summary: str, outcome: str, reason: str, now: datetime,
          tz: str) -> str:
    heading = {"alert_rejected": "ALERT REJECTED", "trend_changed": "TREND UPDATED"}.get(
        kind, "ALERT")
    return f"{heading} · {family} {summary}\n{outcome} {reason}\n{fmt_time(now, tz)}"


def alert_refused(kind: str, status: int, reason: str, message: str, family: str | None,
                  peer: str, excerpt: str, skipped: int, now: datetime, tz: str) -> str:
    heading = "WEBHOOK AUTH FAILED" if kind == "webhook_auth_failed" else "ALERT REJECTED"
    lines = [f"{heading} · HTTP {status} {reason}" + (f" · {family}" if family else ""),
             message, f"From {peer or 'unknown'}" + (f" · body: {excerpt}" if excerpt else "")]
    if skipped:
        lines.append(f"(+{skipped} more refused since the previous notice)")
    lines.append(fmt_time(now, tz))
    return "\n".join(lines)


def digest(items: Sequence[tuple[datetime, str]], start: str, end: str, tz: str) -> str:
    lines = [f"QUIET HOURS DIGEST · {len(items)} held notification(s) · {start}–{end}"]
    for when, text in items:
        lines.append("")
        lines.append(f"[{fmt_time(when, tz)}] {text}")
    return "\n".join(lines)


# -- risk (SPEC §5.4.4) and sessions (SPEC §8) ---------------------------------------------
def daily_loss_warning(loss: float, cap: float, percent: float, tier: str, now: datetime,
                       tz: str) -> str:
    return (f"DAILY LOSS WARNING · {percent:.0f}% of the cap used\n"
            f"Daily loss {dollars(loss)} / {dollars(cap)} · tier {tier}\n{fmt_time(now, tz)}")


def daily_loss_limit(loss: float, cap: float, tier: str, reset_at: datetime, now: datetime,
                     tz: str) -> str:
    return (f"DAILY LOSS LIMIT REACHED\nDaily loss {dollars(loss)} / {dollars(cap)} · "
            f"tier {tier}\nNew orders blocked until the daily reset at "
            f"{fmt_time(reset_at, tz)}; open positions stay managed.\n{fmt_time(now, tz)}")


def lifetime_loss_limit(loss: float, cap: float, tier: str, now: datetime, tz: str) -> str:
    return (f"LIFETIME LOSS LIMIT REACHED\nLifetime loss {dollars(loss)} / {dollars(cap)} · "
            f"tier {tier}\nNew orders blocked until /clear_loss_data or a higher cap.\n"
            f"{fmt_time(now, tz)}")


def profit_target(net: float, target: float, now: datetime, tz: str) -> str:
    return (f"PROFIT TARGET REACHED\nToday {money(net)} ≥ target {dollars(target)}; new "
            f"entries blocked until the daily reset.\n{fmt_time(now, tz)}")


def risk_blocked(symbol: str, code: str, text: str, now: datetime, tz: str) -> str:
    return f"RISK BLOCKED · {symbol} · {code}\n{text}\n{fmt_time(now, tz)}"


def lot_reduced(symbol: str, before: float, after: float, reason: str, now: datetime,
                tz: str) -> str:
    return f"LOT REDUCED · {symbol}\n{before:.2f} → {after:.2f} ({reason})\n{fmt_time(now, tz)}"


def config_changed(key: str, value: object, command: str, now: datetime, tz: str) -> str:
    return f"CONFIG CHANGED\n{key} = {value}\nby {command} · {fmt_time(now, tz)}"


def session_starting(name: str, minutes: int, local_start: str,
                     symbols: Sequence[str]) -> str:
    """SPEC §8.1: `London starts in 15 min (13:30 IST) — EURUSD, GBPUSD, …`."""
    allowed = ", ".join(symbols) if symbols else "no symbols"
    return f"{name} starts in {minutes} min ({local_start}) — {allowed}"


def session_changed(name: str | None, previous: str | None, symbols: Sequence[str],
                    now: datetime, tz: str) -> str:
    current = name or "outside every session"
    allowed = ", ".join(symbols) if symbols else "none"
    return (f"SESSION · {current}\nprevious {previous or '—'} · allowed {allowed}\n"
            f"{fmt_time(now, tz)}")


def session_force_close(name: str, closed: Sequence[int], failed: Sequence[int], profit: float,
                        now: datetime, tz: str) -> str:
    done = ", ".join(f"#{t}" for t in closed) or "none"
    lines = [f"SESSION FORCE CLOSE · {name}", f"closed {done} · {money(profit)}"]
    if failed:
        lines.append("FAILED: " + ", ".join(f"#{t}" for t in failed))
    lines.append(fmt_time(now, tz))
    return "\n".join(lines)


def weekend_closure(active: bool, now: datetime, tz: str) -> str:
    if active:
        return ("WEEKEND CLOSURE started\nNew orders blocked until Sunday 22:00 UTC; exits and "
                f"management continue.\n{fmt_time(now, tz)}")
    return f"WEEKEND CLOSURE ended\nNew orders are allowed again.\n{fmt_time(now, tz)}"
