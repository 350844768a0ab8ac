"""Scheduled reports (SPEC §9.9): daily at the reset, weekly and monthly, each exactly once."""

from __future__ import annotations

import asyncio
import calendar as months
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.analytics.periods import Window
from core.analytics.service import AnalyticsService
from core.config.settings import Settings
from core.notifications.notice import Notice
from core.notifications.preferences import Decision
from core.storage.store import Store

log = logging.getLogger(__name__)
STATE = "analytics_schedule"
KEY = "last"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Emit = Callable[[Notice, datetime], Decision]


class ReportScheduler:
    """Knows, for any moment, the latest daily/weekly/monthly report that should exist, and
    remembers (in the store) the last one produced. `run_due(now)` produces what is missing:
    after a restart only the latest missed report of each kind is sent, never a backlog."""

    def __init__(self, analytics: AnalyticsService, emit: Emit, store: Store,
                 settings: Callable[[], Settings]) -> None:
        self._analytics = analytics
        self._emit = emit
        self._store = store
        self._settings = settings

    def due(self, now: datetime) -> dict[str, Window]:
        """Latest report window of each enabled kind whose time has come at `now`."""
        cfg = self._settings().analytics
        cal = self._analytics.calendar()
        found: dict[str, Window] = {}
        if cfg.daily.enabled:
            found["daily"] = cal.day(cal.trading_day(now) - timedelta(days=1))
        zone = ZoneInfo(cfg.timezone)
        local = now.astimezone(zone)
        if cfg.weekly.enabled:
            at = time.fromisoformat(cfg.weekly.time)
            back = (local.weekday() - WEEKDAYS.index(cfg.weekly.weekday)) % 7
            moment = datetime.combine(local.date() - timedelta(days=back), at, zone)
            if moment > local:
                moment -= timedelta(days=7)
            found["weekly"] = cal.week(cal.trading_day(moment) - timedelta(days=1))
        if cfg.monthly.enabled:
            at = time.fromisoformat(cfg.monthly.time)
            moment = datetime.combine(local.date().replace(day=cfg.monthly.day), at, zone)
            if moment > local:
                moment = datetime.combine(_previous_month(moment.date()), at, zone)
            reported = _previous_month(moment.date())
            found["monthly"] = cal.month(reported.year, reported.month)
        return found

    def last(self) -> dict[str, str]:
        doc = self._store.get(STATE, KEY) or {}
        return {k: str(v) for k, v in doc.items() if not k.startswith("_")}

    def prime(self, now: datetime) -> None:
        """First start ever: everything already due counts as done (no surprise reports)."""
        if self._store.get(STATE, KEY) is None:
            self._store.put(STATE, KEY, {k: w.key for k, w in self.due(now).items()})

    async def run_due(self, now: datetime) -> list[str]:
        """Produce every report that is due and not yet produced; returns `kind:key` items."""
        done = self.last()
        produced = []
        for kind, window in self.due(now).items():
            if done.get(kind) == window.key:
                continue
            await self.produce(kind, window, now)
            done[kind] = window.key
            self._store.put(STATE, KEY, done)
            produced.append(f"{kind}:{window.key}")
        return produced

    async def run(self, now: Callable[[], datetime], tick_seconds: float = 30.0) -> None:
        """The schedule on the engine clock; a failed report is logged and retried next tick."""
        self.prime(now())
        while True:
            try:
                await self.run_due(now())
            except Exception:
                log.exception("scheduled report failed")
            await asyncio.sleep(tick_seconds)

    async def produce(self, kind: str, window: Window, now: datetime) -> None:
        """The report text, then its equity chart, for the Analytics bot (SPEC §9.9)."""
        report, selection = await self._analytics.report(kind, window)
        chart = await self._analytics.chart(selection, report.title)
        notice_type = f"{kind}_summary"
        self._emit(Notice(notice_type, report.text()), now)
        self._emit(Notice(notice_type, f"Equity curve · {report.title}",
                          attachment_path=str(chart), attachment_kind="photo"), now)
        log.info("report sent to the outbox: %s", report.title)


def _previous_month(day: date) -> date:
    first = day.replace(day=1) - timedelta(days=1)
    return first.replace(day=min(day.day, months.monthrange(first.year, first.month)[1]))
