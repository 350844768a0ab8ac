"""Persisted loss and trade counters with the trading day and its 03:35 IST reset (§5.4.4-5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.domain.orders import Deal
from core.storage.store import Store

TABLE = "risk"
KEY = "ledger"
SEEN_DAYS = 7


def trading_day(now: datetime, reset_time: str, zone: str) -> date:
    """The trading day `now` belongs to: it starts at the reset time of the reset timezone."""
    local = now.astimezone(ZoneInfo(zone))
    hours, minutes = (int(x) for x in reset_time.split(":"))
    if local.time() >= time(hours, minutes):
        return local.date()
    return local.date() - timedelta(days=1)


def day_start(day: date, reset_time: str, zone: str) -> datetime:
    hours, minutes = (int(x) for x in reset_time.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def next_reset(now: datetime, reset_time: str, zone: str) -> datetime:
    return day_start(trading_day(now, reset_time, zone) + timedelta(days=1), reset_time, zone)


def realised_units(deals: Iterable[Deal]) -> list[tuple[Deal, float]]:
    """Each closing deal (full or partial close) with its net result: profit + commission +
    swap, plus its share (by volume) of the entry deal's commission."""
    deals = list(deals)
    units = []
    for out in (d for d in deals if d.entry == "OUT"):
        ins = [d for d in deals if d.entry == "IN" and d.position_id == out.position_id]
        in_volume = sum(d.volume for d in ins)
        entry_cost = sum(d.commission for d in ins) * (out.volume / in_volume if in_volume else 0)
        units.append((out, round(out.profit + out.commission + out.swap + entry_cost, 2)))
    return units


@dataclass(frozen=True, slots=True)
class Counters:
    """The numbers the caps are checked against; replaced (never mutated) on every change."""

    trading_day: str
    daily_loss: float = 0.0
    daily_profit: float = 0.0
    daily_trades: int = 0
    lifetime_loss: float = 0.0
    lifetime_since: str = ""
    warned: bool = False
    daily_limit_sent: bool = False
    lifetime_limit_sent: bool = False
    target_sent: bool = False

    @property
    def daily_net(self) -> float:
        return round(self.daily_profit - self.daily_loss, 2)


class Ledger:
    """Counters plus the deals already counted (by deal ticket) and positions opened today."""

    def __init__(self, store: Store, now: datetime, reset_time: str, zone: str) -> None:
        self._store = store
        doc = store.get(TABLE, KEY) or {}
        names = {f.name for f in fields(Counters)}
        stored = {k: v for k, v in (doc.get("counters") or {}).items() if k in names}
        self.fresh = not stored
        today = trading_day(now, reset_time, zone).isoformat()
        self.counters = Counters(**stored) if stored else Counters(
            trading_day=today, lifetime_since=now.isoformat())
        self.seen: dict[str, str] = dict(doc.get("seen") or {})
        self.opened: dict[str, str] = dict(doc.get("opened") or {})
        self.last_scan: str | None = doc.get("last_scan")
        self.last_balance: float | None = doc.get("last_balance")
        if self.fresh:
            self.save()

    def save(self) -> None:
        self._store.put(TABLE, KEY, {
            "counters": asdict(self.counters), "seen": self.seen, "opened": self.opened,
            "last_scan": self.last_scan, "last_balance": self.last_balance})

    def set(self, **changes: Any) -> None:
        self.counters = replace(self.counters, **changes)
        self.save()

    def roll(self, now: datetime, reset_time: str, zone: str) -> Counters | None:
        """Start a new trading day when `now` is past the reset; returns the closed day.
        Only forward: a time from an earlier trading day never wipes today's counters."""
        today = trading_day(now, reset_time, zone).isoformat()
        if today <= self.counters.trading_day:
            return None
        closed = self.counters
        self.counters = replace(closed, trading_day=today, daily_loss=0.0, daily_profit=0.0,
                                daily_trades=0, warned=False, daily_limit_sent=False,
                                target_sent=False)
        self.opened = {}
        horizon = (now - timedelta(days=SEEN_DAYS)).isoformat()
        self.seen = {k: v for k, v in self.seen.items() if v >= horizon}
        self.save()
        return closed

    def record(self, deal_ticket: int, net: float, when: datetime, day_begins: datetime,
               now: datetime) -> bool:
        """Count one realised result once. Losses add to the lifetime loss, and to the daily
        loss when they happened in the current trading day; profits never offset losses."""
        key = str(deal_ticket)
        if key in self.seen:
            return False
        self.seen[key] = now.isoformat()
        c = self.counters
        today = when >= day_begins
        loss, profit = max(-net, 0.0), max(net, 0.0)
        self.counters = replace(
            c, lifetime_loss=round(c.lifetime_loss + loss, 2),
            daily_loss=round(c.daily_loss + (loss if today else 0.0), 2),
            daily_profit=round(c.daily_profit + (profit if today else 0.0), 2))
        self.save()
        return True

    def opened_position(self, ticket: int, now: datetime) -> bool:
        key = str(ticket)
        if key in self.opened:
            return False
        self.opened[key] = now.isoformat()
        self.counters = replace(self.counters, daily_trades=self.counters.daily_trades + 1)
        self.save()
        return True

    def mark_seen(self, tickets: Iterable[int], now: datetime) -> None:
        for ticket in tickets:
            self.seen.setdefault(str(ticket), now.isoformat())
        self.save()
