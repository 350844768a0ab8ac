"""Trade session records (SPEC §8.5) rebuilt from the trades journal and the open positions."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from core.analytics.labels import REPORT_ORDER
from core.analytics.records import Trade


@dataclass(frozen=True, slots=True)
class OpenLeg:
    """A position still open: it keeps its session running."""

    ticket: int
    symbol: str
    strategy: str  # the report label (`V6 15m`, `V4 Logic 1`, `Manual`)
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class TradeSession:
    """From the first position opened while none was open to the close of the last one."""

    id: str
    start: datetime
    end: datetime | None  # None: positions are still open
    symbols: tuple[str, ...]
    entries: int
    exits: int
    max_simultaneous: int
    pnl_by_strategy: tuple[tuple[str, float], ...]
    tickets: tuple[int, ...]

    @property
    def net(self) -> float:
        return round(sum(v for _, v in self.pnl_by_strategy), 2)

    def duration(self, now: datetime) -> str:
        seconds = int(((self.end or now) - self.start).total_seconds())
        hours, rest = divmod(seconds, 3600)
        return f"{hours}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "start": self.start.isoformat(),
                "end": self.end.isoformat() if self.end else None, "symbols": list(self.symbols),
                "entries": self.entries, "exits": self.exits,
                "max_simultaneous": self.max_simultaneous, "net": self.net,
                "pnl_by_strategy": dict(self.pnl_by_strategy), "tickets": list(self.tickets)}


def session_id(start: datetime, tickets: Sequence[int]) -> str:
    """`SES_<yyyymmddHHMMSS>_<6 hex>` (UTC); the hex comes from the first tickets, so the same
    journal always yields the same ids."""
    digest = hashlib.sha1(f"{start.isoformat()}|{','.join(map(str, tickets[:3]))}".encode())
    return f"SES_{start.astimezone(UTC):%Y%m%d%H%M%S}_{digest.hexdigest()[:6]}"


def build_sessions(trades: Iterable[Trade], open_legs: Iterable[OpenLeg] = ()
                   ) -> list[TradeSession]:
    """Sweep opens (+1) and closes (−1) in time order; a session spans one busy stretch.
    A trade without an open time counts as opened when it closed (a zero-length leg)."""
    events: list[tuple[datetime, int, int, str, str, float | None]] = []
    for t in trades:
        opened = t.opened_at or t.closed_at
        events.append((opened, 1, t.ticket, t.symbol, t.label.name, None))
        events.append((t.closed_at, -1, t.ticket, t.symbol, t.label.name, t.profit))
    for leg in open_legs:
        events.append((leg.opened_at, 1, leg.ticket, leg.symbol, leg.strategy, None))
    events.sort(key=lambda e: (e[0], -e[1], e[2]))  # opens first at equal times: one session
    sessions: list[TradeSession] = []
    current: list[tuple[datetime, int, int, str, str, float | None]] = []
    depth = 0
    for event in events:
        current.append(event)
        depth += event[1]
        if depth == 0:
            sessions.append(_session(current, closed=True))
            current = []
    if current:
        sessions.append(_session(current, closed=False))
    return sessions


def _session(events: list[tuple[datetime, int, int, str, str, float | None]],
             closed: bool) -> TradeSession:
    depth, peak = 0, 0
    pnl: defaultdict[str, float] = defaultdict(float)
    tickets: list[int] = []
    symbols: list[str] = []
    for _, step, ticket, symbol, strategy, profit in events:
        depth += step
        peak = max(peak, depth)
        if step > 0:
            tickets.append(ticket)
            if symbol not in symbols:
                symbols.append(symbol)
        if profit is not None:
            pnl[strategy] += profit
    order = {name: i for i, name in enumerate(REPORT_ORDER)}
    rows = tuple(sorted(((k, round(v, 2)) for k, v in pnl.items()),
                        key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    start = events[0][0]
    return TradeSession(session_id(start, tickets), start, events[-1][0] if closed else None,
                        tuple(symbols), len(tickets), sum(1 for e in events if e[1] < 0), peak,
                        rows, tuple(tickets))
