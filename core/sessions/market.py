"""Classic market sessions (SPEC §8.3, information only), DST-correct through zoneinfo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.config.sessions import MarketSessionSettings, SessionsSettings
from core.sessions.table import parse_hhmm


@dataclass(frozen=True, slots=True)
class MarketWindow:
    """One trading day of one market session, as UTC instants."""

    id: str
    name: str
    opens: datetime
    closes: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens <= now < self.closes


@dataclass(frozen=True, slots=True)
class MarketStatus:
    id: str
    name: str
    timezone: str
    local_hours: str
    open_now: bool
    window: MarketWindow  # today's window (local date), or the next one on a closed day
    next_change: datetime  # next close when open, next open when closed
    next_change_kind: str  # "closes" | "opens"


def window_on(sid: str, cfg: MarketSessionSettings, day: date) -> MarketWindow | None:
    """The session on local date `day` (Monday to Friday), None on a weekend day."""
    if day.weekday() >= 5:
        return None
    zone = ZoneInfo(cfg.timezone)
    start, end = parse_hhmm(cfg.open), parse_hhmm(cfg.close)
    opens = datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
    close_day = day if end > start else day + timedelta(days=1)
    closes = datetime.combine(close_day, time(end // 60, end % 60), tzinfo=zone)
    return MarketWindow(sid, cfg.name, opens.astimezone(UTC), closes.astimezone(UTC))


def windows_around(sid: str, cfg: MarketSessionSettings, now: datetime,
                   before: int = 1, after: int = 8) -> list[MarketWindow]:
    today = now.astimezone(ZoneInfo(cfg.timezone)).date()
    found = (window_on(sid, cfg, today + timedelta(days=d)) for d in range(-before, after + 1))
    return [w for w in found if w is not None]


def status(sid: str, cfg: MarketSessionSettings, now: datetime) -> MarketStatus:
    around = windows_around(sid, cfg, now)
    live = next((w for w in around if w.is_open(now)), None)
    today = now.astimezone(ZoneInfo(cfg.timezone)).date()
    upcoming = next(w for w in around if w.opens > now)
    shown = live or window_on(sid, cfg, today) or upcoming
    hours = f"{cfg.open}–{cfg.close} local (Mon–Fri)"
    if live is not None:
        return MarketStatus(sid, cfg.name, cfg.timezone, hours, True, shown, live.closes,
                            "closes")
    return MarketStatus(sid, cfg.name, cfg.timezone, hours, False, shown, upcoming.opens,
                        "opens")


def statuses(cfg: SessionsSettings, now: datetime) -> list[MarketStatus]:
    return [status(sid, m, now) for sid, m in cfg.market_sessions.items()]


@dataclass(frozen=True, slots=True)
class Overlap:
    names: tuple[str, str]
    starts: datetime
    ends: datetime


def overlaps_on(cfg: SessionsSettings, day: date, zone: str) -> list[Overlap]:
    """Pairwise overlaps of the market sessions during the local date `day` of `zone`."""
    tz = ZoneInfo(zone)
    day_start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    spans: list[MarketWindow] = []
    for sid, m in cfg.market_sessions.items():
        spans += [w for w in windows_around(sid, m, day_start, before=2, after=2)
                  if w.opens < day_end and w.closes > day_start]
    found = []
    for i, first in enumerate(spans):
        for second in spans[i + 1:]:
            if first.id == second.id:
                continue
            starts = max(first.opens, second.opens, day_start)
            ends = min(first.closes, second.closes, day_end)
            if starts < ends:
                found.append(Overlap((first.name, second.name), starts, ends))
    return sorted(found, key=lambda o: (o.starts, o.names))
