"""Broker reconciliation (SPEC §3.7): the store's positions against the terminal's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.brokers.port import BrokerError
from core.brokers.tagging import MAGIC_OFFSETS, MAGIC_SPAN
from core.clock import Clock
from core.config.settings import Settings
from core.domain.orders import Position
from core.events import Event, EventBus, PartialClosed, PositionOpened, StopLossMoved
from core.infra.conflicts import ConflictStore
from core.storage.store import Store
from core.trading.service import INTENTS, POSITIONS, TradingService

log = logging.getLogger(__name__)
TERMINAL, STORE = "terminal", "store"
EPS = 1e-9
V4_OWNERS = {"v4-logic1": "combinedlogic-1", "v4-logic2": "combinedlogic-2",
             "v4-logic3": "combinedlogic-3"}


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one pass found (each item is also a conflict record)."""

    ok: bool
    closed: int = 0
    adopted: int = 0
    stops: int = 0
    volumes: int = 0
    detail: str = ""

    @property
    def differences(self) -> int:
        return self.closed + self.adopted + self.stops + self.volumes


def owner_of(magic: int, magic_base: int) -> tuple[str, str]:
    """(owner, tag code) from the magic number (SPEC §5.1.5): an adopted position's owner."""
    offset = magic - magic_base
    code = next((c for c, o in MAGIC_OFFSETS.items() if o == offset), "manual")
    if code in V4_OWNERS:
        return V4_OWNERS[code], code
    if code.startswith("v3-"):
        return "v3_combined", code
    if code.startswith("v6-"):
        return f"v6_price_action_{code[3:]}", code
    return "manual", code


class BrokerReconciler:
    """At start-up and on every POSITIONS sync: positions closed while nobody watched are
    closed in the store from their deals, positions with our magic unknown to the store
    are adopted, and SL/TP or volume changed by hand on the terminal become conflicts.
    The store keeps what the system last saw of each position (seen_sl, seen_tp,
    seen_volume); the system's own changes move it (events), anything else is a hand edit."""

    def __init__(self, trading: TradingService, store: Store, conflicts: ConflictStore,
                 bus: EventBus, clock: Clock, settings: Callable[[], Settings]) -> None:
        self.trading = trading
        self._store = store
        self.conflicts = conflicts
        self._clock = clock
        self._settings = settings
        self.last: ReconcileReport | None = None
        bus.listen(self._on_event, (PositionOpened, StopLossMoved, PartialClosed))

    # -- the system's own changes ---------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if isinstance(event, PositionOpened):
            self._seen(event.position.ticket, sl=event.position.sl, tp=event.position.tp,
                       volume=event.position.volume)
        elif isinstance(event, StopLossMoved):
            self._seen(event.ticket, sl=event.new_sl)
        elif isinstance(event, PartialClosed):
            self._seen(event.ticket, volume=event.remaining)

    def _seen(self, ticket: int, **values: float | None) -> None:
        self.trading.note(ticket, **{f"seen_{k}": v for k, v in values.items()})

    # -- one pass ---------------------------------------------------------------------------------
    async def run(self) -> ReconcileReport:
        if not self.trading.broker.connected:  # MT5 down: the watchdog reconnects first
            self.last = ReconcileReport(False, detail="terminal not readable: not connected")
            return self.last
        await self.trading.refresh()  # closes the service watched are recorded by it first
        try:
            terminal = {p.ticket: p for p in await self.trading.broker.positions()}
        except BrokerError as exc:  # never judge the store against a terminal we cannot read
            self.last = ReconcileReport(False, detail=f"terminal not readable: {exc}")
            return self.last
        closed = await self._closed_outside(terminal)
        adopted = stops = volumes = 0
        for position in terminal.values():
            meta = self.trading.meta(position.ticket)
            if not meta:
                intent = self._store.get(INTENTS, position.client_id) \
                    if position.client_id else None
                if intent is not None and intent.get("status") == "sending":
                    continue  # its order is in flight: the service records it in a moment
                self._adopt(position)
                adopted += 1
                continue
            stops += await self._stops(position, meta)
            volumes += await self._volume(position, meta)
        self.last = ReconcileReport(True, closed, adopted, stops, volumes)
        return self.last

    async def _closed_outside(self, terminal: dict[int, Position]) -> int:
        gone = [d for d in self._store.all(POSITIONS) if int(d["ticket"]) not in terminal
                and int(d["ticket"]) not in self.trading.positions]
        if gone:
            # An order filling while the terminal was read has its record written after the
            # read: a second read (after the records were listed) shows it open.
            try:
                again = {p.ticket for p in await self.trading.broker.positions()}
            except BrokerError:
                return 0
            gone = [d for d in gone if int(d["ticket"]) not in again
                    and int(d["ticket"]) not in self.trading.positions]
        count = 0
        for doc in gone:
            ticket = int(doc["ticket"])
            if not self.trading.meta(ticket):
                continue  # recorded meanwhile by the service itself
            # The service's own close path: one trade record (from the deals, SL/TP reason),
            # the position record deleted, PositionClosed for the loss counters and TP/SL.
            await self.trading._record_close(ticket)  # noqa: SLF001 - same record, one path
            trade = self._store.tail("trades", 1)
            last = trade[0] if trade else {}
            reason, profit = last.get("close_reason", "UNKNOWN"), last.get("profit", 0.0)
            self.conflicts.record(
                "POSITIONS", "closed_outside", ticket, str(doc.get("symbol") or ""),
                f"#{ticket} is in the store but no longer open at the broker "
                f"(closed while the system was not watching: {reason}, P&L {profit:+.2f})",
                "close it in the store from its deals", (TERMINAL,),
                resolution="closed in the store from its deals (trade recorded)",
                resolved_by="reconciliation")
            count += 1
        return count

    def _adopt(self, p: Position) -> None:
        base = self._settings().mt5.magic_base
        owner, code = owner_of(p.magic, base)
        parts = p.comment.split("|")
        kind = parts[1] if len(parts) >= 3 and parts[1] else "M"
        self._store.put(POSITIONS, str(p.ticket), {
            "ticket": p.ticket, "client_id": p.client_id, "strategy": owner, "kind": kind,
            "signal_id": None, "group_id": None, "logic": None, "symbol": p.symbol,
            "direction": p.direction.value, "entry": p.price_open,
            "opened_at": p.time.isoformat(), "sl_initial": p.sl, "tp_initial": p.tp,
            # SPEC §3.7: under core management, no chains (re-entry, booking) for it
            "adopted": True, "chains": False,
            "seen_sl": p.sl, "seen_tp": p.tp, "seen_volume": p.volume})
        log.warning("adopted #%s %s %s %.2f (magic %s → %s)", p.ticket, p.symbol,
                    p.direction.value, p.volume, p.magic, owner)
        self.conflicts.record(
            "POSITIONS", "opened_outside", p.ticket, p.symbol,
            f"#{p.ticket} {p.direction.value} {p.volume:g} {p.symbol} carries the system's magic "
            f"{p.magic} ({code}) but is unknown to the store",
            f"adopt it under core management as {owner} (no chains)", (TERMINAL,),
            resolution=f"adopted as {owner} (magic {p.magic}, range {base}-"
                       f"{base + MAGIC_SPAN - 1})", resolved_by="reconciliation")

    async def _stops(self, p: Position, meta: dict[str, Any]) -> int:
        if "seen_sl" not in meta:  # first sight (opened before this feature): the baseline
            self._seen(p.ticket, sl=p.sl, tp=p.tp, volume=p.volume)
            return 0
        was_sl, was_tp = meta.get("seen_sl"), meta.get("seen_tp")
        if _same(was_sl, p.sl) and _same(was_tp, p.tp):
            return 0
        if self.conflicts.find_open("POSITIONS", "sl_tp_changed", p.ticket) is not None:
            return 0
        detail = (f"#{p.ticket} {p.symbol}: store SL {_fmt(was_sl)} TP {_fmt(was_tp)}, "
                  f"terminal SL {_fmt(p.sl)} TP {_fmt(p.tp)} (changed by hand)")
        proposal = "adopt the terminal's SL/TP (terminal) or re-apply the store's (store)"
        resolution = ""
        choice = self.policy_choice()
        if choice == TERMINAL:  # the hand edit is the newest change: it stands
            self.adopt_stops(p)
            resolution = "terminal SL/TP adopted (newest_wins)"
        elif choice == STORE:
            try:
                resolution = await self._reapply(p.ticket, meta) + " (policy)"
            except ValueError as exc:  # stays open: the operator decides
                log.warning("#%s: %s", p.ticket, exc)
        self.conflicts.record("POSITIONS", "sl_tp_changed", p.ticket, p.symbol, detail,
                              proposal, (TERMINAL, STORE), resolution=resolution,
                              resolved_by="policy" if resolution else "")
        return 1

    async def _volume(self, p: Position, meta: dict[str, Any]) -> int:
        seen = meta.get("seen_volume")
        if seen is None or abs(float(seen) - p.volume) < EPS:
            return 0
        # The system's own partial closes are deals with its magic; a hand close is not.
        deals = await self.trading.broker.position_deals(p.ticket)
        expected = sum(d.volume for d in deals if d.entry == "IN") - sum(
            d.volume for d in deals if d.entry == "OUT")
        if abs(expected - p.volume) < EPS:
            self._seen(p.ticket, volume=p.volume)
            return 0
        if self.conflicts.find_open("POSITIONS", "volume_mismatch", p.ticket) is not None:
            return 0
        resolution = ""
        if self.policy_choice() is not None:  # the lots are gone: only the terminal can win
            self._seen(p.ticket, volume=p.volume)
            resolution = f"terminal volume {p.volume:g} adopted (policy)"
        self.conflicts.record(
            "POSITIONS", "volume_mismatch", p.ticket, p.symbol,
            f"#{p.ticket} {p.symbol}: store volume {float(seen):g}, terminal {p.volume:g} "
            "(closed in part outside the system)",
            "adopt the terminal's volume (the lots closed by hand are gone)", (TERMINAL,),
            resolution=resolution, resolved_by="policy" if resolution else "")
        return 1

    # -- resolutions ----------------------------------------------------------------------------
    def policy_choice(self) -> str | None:
        """SPEC §3.7 POSITIONS resolution for a hand edit: newest_wins → the terminal (the
        edit is newer than the store's record); legacy_wins/hybrid_wins → the store (the
        layers' record wins); manual → None (left open for /resolve)."""
        cfg = self._settings().state_sync.types.get("POSITIONS")
        strategy = cfg.resolution if cfg is not None else "newest_wins"
        return {"newest_wins": TERMINAL, "manual": None}.get(strategy, STORE)

    def adopt_stops(self, p: Position) -> None:
        self._seen(p.ticket, sl=p.sl, tp=p.tp)

    async def apply(self, conflict_id: str, choice: str, by: str) -> str:
        """/resolve of a POSITIONS conflict: what was done, in words."""
        row = self.conflicts.get(conflict_id)
        if row is None or row.ticket is None:
            raise KeyError(conflict_id)
        position = self.trading.positions.get(row.ticket)
        if position is None:
            words = f"#{row.ticket} is no longer open: nothing to apply"
        elif row.kind == "volume_mismatch":
            self._seen(row.ticket, volume=position.volume)
            words = f"terminal volume {position.volume:g} adopted"
        elif choice == TERMINAL:
            self.adopt_stops(position)
            words = f"terminal SL {_fmt(position.sl)} TP {_fmt(position.tp)} adopted"
        else:
            words = await self._reapply(row.ticket, self.trading.meta(row.ticket))
        self.conflicts.resolve(row.conflict_id, words, by)
        return words

    async def _reapply(self, ticket: int, meta: dict[str, Any]) -> str:
        sl, tp = meta.get("seen_sl"), meta.get("seen_tp")
        result = await self.trading.broker.modify_position(ticket, sl, tp)
        if not result.ok:
            raise ValueError(f"the terminal refused SL {_fmt(sl)} TP {_fmt(tp)}: "
                             f"{result.message}")
        await self.trading.refresh()
        return f"store SL {_fmt(sl)} TP {_fmt(tp)} re-applied on the terminal"


def _same(a: float | None, b: float | None) -> bool:
    if not a and not b:  # 0 and None both mean "no stop" to MT5
        return True
    return a is not None and b is not None and abs(float(a) - float(b)) < EPS


def _fmt(value: float | None) -> str:
    return "none" if not value else f"{float(value):g}"
