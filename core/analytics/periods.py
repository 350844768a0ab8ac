"""Trading days and report windows in IST with the daily-reset boundary (SPEC §5.4.5, §9.9)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.config.settings import Settings

PERIODS = ("today", "7d", "30d", "all")
DATE_HELP = "a date as YYYY-MM-DD or DD-MM-YYYY (or today, yesterday)"


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open span of closing times [start, end) in UTC; start None = from the beginning."""

    start: datetime | None
    end: datetime
    label: str  # shown in report titles
    key: str  # used in file names: today, 7d, 2025-11-26, week-2025-11-24, 2025-11

    def contains(self, when: datetime) -> bool:
        return (self.start is None or when >= self.start) and when < self.end


@dataclass(frozen=True, slots=True)
class TradingCalendar:
    """A trading day D runs from D at the reset time to D+1 at the reset time (local zone)."""

    tz: str = "Asia/Kolkata"
    reset: str = "03:35"

    @classmethod
    def from_settings(cls, settings: Settings) -> TradingCalendar:
        return cls(settings.risk.daily_reset_timezone, settings.risk.daily_reset_time)

    @property
    def _offset(self) -> timedelta:
        hours, minutes = (int(x) for x in self.reset.split(":"))
        return timedelta(hours=hours, minutes=minutes)

    def trading_day(self, when: datetime) -> date:
        return (when.astimezone(ZoneInfo(self.tz)) - self._offset).date()

    def day_start(self, day: date) -> datetime:
        wall = datetime.combine(day, time(0)) + self._offset  # local wall time (DST-safe)
        return wall.replace(tzinfo=ZoneInfo(self.tz)).astimezone(UTC)

    def day(self, day: date) -> Window:
        return Window(self.day_start(day), self.day_start(day + timedelta(days=1)),
                      f"{day:%d %b %Y (%A)}", day.isoformat())

    def week(self, day: date) -> Window:
        """Monday–Friday trading days of the week holding `day` (SPEC §9.9)."""
        monday = day - timedelta(days=day.weekday())
        friday = monday + timedelta(days=4)
        return Window(self.day_start(monday), self.day_start(friday + timedelta(days=1)),
                      f"week {monday:%d %b} – {friday:%d %b %Y}", f"week-{monday.isoformat()}")

    def month(self, year: int, month: int) -> Window:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return Window(self.day_start(first), self.day_start(following), f"{first:%B %Y}",
                      f"{first:%Y-%m}")

    def span(self, first: date, last: date) -> Window:
        if last < first:
            raise ValueError(f"end date {last.isoformat()} is before start date "
                             f"{first.isoformat()}")
        return Window(self.day_start(first), self.day_start(last + timedelta(days=1)),
                      f"{first:%d %b %Y} – {last:%d %b %Y}", f"{first}_{last}")

    def period(self, name: str, now: datetime) -> Window:
        """today / 7d / 30d: that many trading days ending with the current one; all."""
        today = self.trading_day(now)
        end = self.day_start(today + timedelta(days=1))
        if name == "today":
            return Window(self.day_start(today), end, f"today, {today:%d %b %Y (%A)}", "today")
        if name in ("7d", "30d"):
            days = int(name[:-1])
            first = today - timedelta(days=days - 1)
            return Window(self.day_start(first), end,
                          f"last {days} trading days ({first:%d %b} – {today:%d %b %Y})", name)
        if name == "all":
            return Window(None, end, "all time", "all")
        raise ValueError(f"period {name!r} is not allowed; use one of {', '.join(PERIODS)}")


def parse_date(text: str, today: date) -> date:
    """YYYY-MM-DD (stored form), DD-MM-YYYY (picker form), today or yesterday."""
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - timedelta(days=1)
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not {DATE_HELP}")


def parse_month(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month; use YYYY-MM (e.g. 2025-11)")
    return int(match.group(1)), int(match.group(2))
