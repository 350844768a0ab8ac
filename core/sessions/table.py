"""The trading-session table of SPEC §8.1: windows, latest start wins, allowed symbols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.config.sessions import SessionsSettings

DAY = 86_400


def parse_hhmm(text: str) -> int:
    """`13:30` → minutes after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def fmt_hhmm(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def shift_hhmm(text: str, minutes: int) -> str:
    """Move a clock time by ±minutes, wrapping around midnight."""
    return fmt_hhmm(parse_hhmm(text) + minutes)


@dataclass(frozen=True, slots=True)
class Window:
    """One session of the table, in minutes of the table's timezone."""

    id: str
    name: str
    start: int
    end: int
    symbols: tuple[str, ...]
    force_close: bool

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    @property
    def hours(self) -> str:
        return f"{fmt_hhmm(self.start)}–{fmt_hhmm(self.end)}"

    def contains(self, second_of_day: float) -> bool:
        """Start inclusive, end exclusive; a window ending before it starts crosses midnight."""
        start, end = self.start * 60, self.end * 60
        if start < end:
            return start <= second_of_day < end
        return second_of_day >= start or second_of_day < end

    def since_start(self, second_of_day: float) -> float:
        """Seconds since this window last started (0 ≤ x < one day)."""
        return (second_of_day - self.start * 60) % DAY

    def allows(self, symbol: str) -> bool:
        return symbol in self.symbols


def windows(cfg: SessionsSettings) -> tuple[Window, ...]:
    return tuple(Window(sid, w.name, parse_hhmm(w.start), parse_hhmm(w.end), tuple(w.symbols),
                        w.force_close) for sid, w in cfg.table.items())


def local(cfg: SessionsSettings, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(cfg.timezone))


def second_of_day(when: datetime) -> float:
    return when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6


def current(cfg: SessionsSettings, now: datetime) -> Window | None:
    """The session containing `now`; when several do, the one that started most recently."""
    sod = second_of_day(local(cfg, now))
    live = [w for w in windows(cfg) if w.contains(sod)]
    if not live:
        return None
    return min(live, key=lambda w: w.since_start(sod))


def start_at(cfg: SessionsSettings, window: Window, day: date) -> datetime:
    """UTC instant at which `window` starts on the local date `day`."""
    zone = ZoneInfo(cfg.timezone)
    moment = datetime.combine(day, time(window.start // 60, window.start % 60), tzinfo=zone)
    return moment.astimezone(UTC)


def next_start(cfg: SessionsSettings, now: datetime) -> tuple[Window, datetime] | None:
    """The next session start strictly after `now` (UTC), and its window."""
    today = local(cfg, now).date()
    best: tuple[Window, datetime] | None = None
    for window in windows(cfg):
        for offset in (-1, 0, 1, 2):
            moment = start_at(cfg, window, today + timedelta(days=offset))
            if moment > now and (best is None or moment < best[1]):
                best = (window, moment)
    return best


def block_text(cfg: SessionsSettings, symbol: str, now: datetime) -> str | None:
    """Why the session filter refuses a new automated order for `symbol` now (None = allowed)."""
    if not cfg.enabled:
        return None
    window = current(cfg, now)
    if window is None:
        return "blocked: outside every trading session"
    if not window.symbols:
        return f"blocked: {window.name} session"
    if not window.allows(symbol):
        return f"blocked: {symbol} is not traded in the {window.name} session"
    return None


def symbols_line(symbols: tuple[str, ...] | list[str]) -> str:
    return ", ".join(symbols) if symbols else "none — no trading"
