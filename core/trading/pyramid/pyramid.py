"""The profit-booking pyramid (SPEC §7): books Order B chains level by level, a price follower."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from core.brokers.port import BrokerError
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction
from core.domain.orders import Position
from core.domain.symbols import SymbolSpec
from core.events import Event, EventBus, PositionClosed, PositionOpened, TradingStateChanged
from core.risk.gates import usd
from core.storage.store import Store
from core.trading.autonomy import Autonomy
from core.trading.chain_events import ChainRow
from core.trading.pyramid.ledger import ChainLedger
from core.trading.pyramid.model import (
    ACTIVE,
    BOOKED,
    BOOKED_REASONS,
    CLOSED,
    COMPLETED,
    FAILED,
    HUNT,
    LOST,
    OPEN,
    SENDING,
    STOPPED,
    ProfitChain,
    Slot,
    new_chain,
    verdict,
)
from core.trading.pyramid.orders import PyramidOrders
from core.trading.service import TradingService

log = logging.getLogger(__name__)
Prices = Mapping[str, tuple[float, float]]


class ProfitPyramid:
    """Chains start when an Order B (or a Shield B, via `seed`) opens while booking is on.
    Listeners record what happened (opens, closes, panic); `follow` does what needs the broker:
    booking, resuming sends after a restart, the profit-SL hunt and level-ups."""

    def __init__(self, trading: TradingService, orders: PyramidOrders, store: Store,
                 bus: EventBus, clock: Clock, settings: Callable[[], Settings],
                 symbols: Callable[[], Mapping[str, SymbolSpec]],
                 autonomy: Callable[[], Autonomy | None], trading_day: Callable[[], str]
                 ) -> None:
        self.trading = trading
        self.orders = orders
        self._store = store
        self._bus = bus
        self._clock = clock
        self._settings = settings
        self._symbols = symbols
        self._shared_autonomy = autonomy
        self._trading_day = trading_day
        self._own_autonomy: Autonomy | None = None
        self._lock = asyncio.Lock()
        self.ledger = ChainLedger(store, bus, clock, settings,
                                  lambda: self._shared_autonomy() or self._own_autonomy)
        self.chains, self.finished = self.ledger.chains, self.ledger.finished
        bus.listen(self._on_opened, (PositionOpened,))
        bus.listen(self._on_closed, (PositionClosed,))
        bus.listen(self._on_state, (TradingStateChanged,))

    # -- the follower --------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return bool(self.chains)

    async def follow(self, now: datetime, prices: Prices | None) -> int:
        if self._lock.locked():
            return 0  # a stop command is acting: the next tick sees its result
        # Most ticks change nothing: a synchronous look at each chain finds the few that
        # need a step, so 25 quiet chains cost microseconds, not 125 awaited steps.
        due = [chain_id for chain_id, chain in self.chains.items() if self._needs_step(chain)]
        if not due:
            return 0
        async with self._lock:
            acted = 0
            for chain_id in due:
                for step in (self._resume, self._book, self._vanished, self._hunt, self._progress):
                    chain = self.chains.get(chain_id)
                    if chain is None:
                        break
                    acted += await step(chain, now, prices)
            return acted

    def _needs_step(self, chain: ProfitChain) -> bool:
        """An order in flight or hunting, one gone, one at its booking target, or a level
        complete: anything the steps below would act on (one pass over the slots)."""
        positions, targets, level = self.trading.positions, chain.targets, chain.current_level
        at_level = open_at_level = False
        for slot in chain.slots:
            state = slot.state
            if state in (SENDING, HUNT):
                return True
            if slot.level == level:
                at_level = True
            if state == OPEN:
                open_at_level = open_at_level or slot.level == level
                if slot.ticket is not None:
                    position = positions.get(slot.ticket)
                    if position is None or position.profit >= targets[slot.level]:
                        return True
        return chain.status == ACTIVE and at_level and not open_at_level

    async def _resume(self, chain: ProfitChain, now: datetime, prices: Prices | None) -> int:
        """Orders stored as SENDING (a crash mid-send): found at the broker or sent once."""
        acted = 0
        for slot in [s for s in chain.slots if s.state == SENDING]:
            acted += await self._send(chain.chain_id, slot)
        return acted

    async def _book(self, chain: ProfitChain, now: datetime, prices: Prices | None) -> int:
        """SPEC §7.2: close each order once its own floating P&L reaches its level target."""
        acted = 0
        for slot in [s for s in chain.slots if s.state == OPEN and s.ticket is not None]:
            position = self.trading.positions.get(slot.ticket or 0)
            target = chain.targets[slot.level]
            if position is None or position.profit < target:
                continue
            self.trading.note(position.ticket, profit_booked_at=position.profit)
            result = await self.trading.close(position.ticket, reason="BOOKED")
            if result.ok:
                acted += 1
            else:
                log.warning("%s: booking #%s failed: %s", chain.chain_id, position.ticket,
                            result.message)
        return acted

    async def _vanished(self, chain: ProfitChain, now: datetime, prices: Prices | None) -> int:
        """An open order that is gone without a close event (closed while the process was
        down): its deals say how it ended."""
        broker = self.trading.broker
        for slot in [s for s in chain.slots if s.state == OPEN and s.ticket is not None]:
            if slot.ticket in self.trading.positions or not broker.connected:
                continue
            try:
                deals = [d for d in await broker.position_deals(slot.ticket or 0)
                         if d.entry == "OUT"]
            except BrokerError:
                continue
            if deals:
                profit = round(sum(d.profit + d.commission + d.swap for d in deals), 2)
                reason = deals[-1].reason if deals[-1].reason in ("SL", "TP") else str(
                    self.trading.meta(slot.ticket or 0).get("close_reason") or deals[-1].reason)
                current = self.chains.get(chain.chain_id)
                fresh = current.slot_of(slot.ticket or 0) if current else None
                if current is not None and fresh is not None:
                    self._closed(current, fresh, profit, reason, deals[-1].price)
        return 0

    async def _hunt(self, chain: ProfitChain, now: datetime, prices: Prices | None) -> int:
        """SPEC §7.4: a hunting order re-enters once price is back at its target."""
        acted = 0
        for key in [(s.level, s.index) for s in chain.slots if s.state == HUNT]:
            current = self.chains.get(chain.chain_id)
            slot = next((s for s in current.slots if (s.level, s.index) == key), None) \
                if current is not None else None
            if current is None or slot is None or slot.state != HUNT or slot.target is None:
                continue
            if now >= datetime.fromisoformat(slot.until):
                self._lose(current, replace(slot, state=LOST, note=slot.note
                                            + "; profit-SL hunt expired"))
                continue
            price = prices.get(chain.symbol) if prices is not None else None
            if price is None:
                try:
                    price = await self.orders.price(chain)
                except BrokerError:
                    continue
            bid, ask = price
            if not (bid >= slot.target if chain.direction == "BUY" else ask <= slot.target):
                continue
            recovery, why = await self.orders.plan_recovery(current, slot, now,
                                                            self.autonomy())
            if recovery is None:
                if why != slot.blocked:  # said once per reason; the hunt stays armed
                    self.ledger.put(current.with_slot(replace(slot, blocked=why), now.isoformat()))
                    self.ledger.notice("recovery_blocked", f"Profit-SL recovery blocked — "
                                       f"{chain.chain_id}", current, (why,))
                continue
            self.ledger.put(current.with_slot(recovery, now.isoformat()))  # before it is sent
            sent = await self._send(chain.chain_id, recovery)
            if sent:  # SPEC §6.6: a recovery opened counts toward the daily attempts
                self.autonomy().record_attempt(chain.chain_id, now)
            acted += sent
        return acted

    async def _progress(self, chain: ProfitChain, now: datetime, prices: Prices | None
                        ) -> int:
        """A complete level: advance (SPEC §7.2), complete, or stop with the reason."""
        if chain.status != ACTIVE or not chain.level_done():
            return 0
        ok, words = verdict(chain, self._settings().profit_booking)
        if not ok:
            self.ledger.put(self._stopped(chain, words))
            return 0
        level = chain.next_level()
        if level is None:
            self.ledger.put(replace(chain, status=COMPLETED, updated_at=now.isoformat()))
            self.ledger.notice("profit_chain_completed",
                               f"Profit chain completed — {chain.chain_id}", chain,
                               (f"levels 0–{chain.current_level}, booked "
                                f"{usd(chain.booked_profit)}",))
            return 0
        slots, why = await self.orders.plan_level(chain, level, now)
        if not slots:
            self.ledger.put(self._stopped(chain, f"level {level} blocked: {why}"))
            return 0
        # Stored before any is sent: after a crash these client ids are looked up, so a
        # level is never opened twice.
        self.ledger.put(replace(chain, current_level=level, slots=chain.slots + slots,
                                updated_at=now.isoformat()))
        first = slots[0]
        sl = f"SL {usd(first.sl_amount)} each" if first.sl is not None else "no SL"
        self.ledger.notice("pyramid_level_up", f"Pyramid level {level} — {chain.chain_id}", chain, (
            f"{len(slots)} × {first.volume:.2f} {chain.direction} {chain.symbol}, {sl}, "
            f"booked at {usd(chain.targets[level])} each",))
        acted = 0
        for slot in slots:
            acted += await self._send(chain.chain_id, slot)
        return acted

    async def _send(self, chain_id: str, slot: Slot) -> int:
        chain = self.chains[chain_id]
        sent = await self.orders.send(chain, slot)
        chain = self.chains[chain_id].with_slot(sent, self._clock.now().isoformat())
        if sent.state == FAILED and chain.status == ACTIVE:
            chain = self._stopped(chain, f"level {slot.level} order failed: {sent.note}")
        self.ledger.put(chain)
        return 1 if sent.state == OPEN else 0

    # -- what the events say -------------------------------------------------------------
    def seed(self, position: Position) -> ProfitChain | None:
        """Start a chain on an Order B or a Shield B (SPEC §7.1, §6.9); None when booking is
        off or the position already has one."""
        if not self._settings().profit_booking.enabled:
            return None
        known = [c for c in self.chains.values() if c.origin_ticket == position.ticket]
        if known:
            return known[0]
        meta = self.trading.meta(position.ticket)
        chain = new_chain(position, meta, self._settings().profit_booking,
                          self._symbols()[position.symbol], self._clock.now().isoformat())
        self.trading.note(position.ticket, profit_chain_id=chain.chain_id, profit_level=0)
        log.info("%s started on #%s (%s %s %.2f, levels %s)", chain.chain_id, position.ticket,
                 chain.direction, chain.symbol, chain.base_lot, list(chain.enabled_levels))
        self.ledger.put(chain)
        return chain

    def _on_opened(self, event: Event) -> None:
        """Order B seeds a chain; so does a Shield B, which the shield marks `profit_seed`."""
        assert isinstance(event, PositionOpened)
        meta = self.trading.meta(event.position.ticket)
        if meta.get("kind") == "B" or meta.get("profit_seed"):
            self.seed(event.position)

    def _on_closed(self, event: Event) -> None:
        assert isinstance(event, PositionClosed)
        for chain in list(self.chains.values()):
            slot = chain.slot_of(event.ticket)
            if slot is not None and slot.state == OPEN:
                self._closed(chain, slot, event.profit, event.reason, event.price_close)
                return

    def _on_state(self, event: Event) -> None:
        """SPEC §5.5.2: a panic close stops every profit chain before the closes begin."""
        assert isinstance(event, TradingStateChanged)
        if event.paused and event.reason == "PANIC":
            for chain in [c for c in self.chains.values() if c.status == ACTIVE]:
                self.ledger.put(self._stopped(chain, "panic close"))

    def _closed(self, chain: ProfitChain, slot: Slot, profit: float, reason: str,
                price: float) -> None:
        """Book, hunt, lose or just close one order of a chain (SPEC §7.2, §7.4)."""
        now = self._clock.now()
        pb = self._settings().profit_booking
        total = round(slot.profit + profit, 2)
        recovery = slot.attempts > 0
        if recovery:
            self.autonomy().record_result(chain.chain_id, profit, now)
        words = f"#{slot.ticket} {reason} {profit:+.2f}"
        if reason in BOOKED_REASONS or profit >= chain.targets[slot.level] - 0.005:
            done = replace(slot, state=BOOKED, profit=total,
                           note=words + (" (recovered)" if recovery else ""))
            self.ledger.put(chain.with_slot(done, now.isoformat()))
            self.ledger.notice("profit_booked",
                               f"Profit booked {usd(profit)} — {chain.chain_id}", chain,
                               (f"level {slot.level}: {done.note}",))
        elif (profit < 0 and reason == "SL" and chain.status == ACTIVE
              and pb.profit_sl_hunt.enabled and slot.attempts < pb.profit_sl_hunt.attempts):
            self.ledger.put(chain.with_slot(self._armed(chain, slot, total, price, now, words),
                                            now.isoformat()))
        elif profit < 0:
            self._lose(chain, replace(slot, state=LOST, profit=total, note=words))
        else:
            self.ledger.put(chain.with_slot(
                replace(slot, state=CLOSED, profit=total, note=words), now.isoformat()))

    def _armed(self, chain: ProfitChain, slot: Slot, total: float, price: float,
               now: datetime, words: str) -> Slot:
        """The SL-hunt offset target (SPEC §6.3): the SL moved back toward the entry."""
        spec = self._symbols()[chain.symbol]
        settings = self._settings()
        offset = spec.price_distance(settings.reentry.sl_hunt.offset_pips)
        sign = Direction(chain.direction).sign
        target = spec.round_price((slot.sl if slot.sl is not None else price) + sign * offset)
        until = now + timedelta(minutes=settings.profit_booking.profit_sl_hunt.window_minutes)
        log.info("%s level %d: %s, profit-SL hunt at %s until %s", chain.chain_id,
                 slot.level, words, target, until.isoformat())
        return replace(slot, state=HUNT, profit=total, target=target, until=until.isoformat(),
                       note=f"{words}; hunting {target:.{spec.digits}f}")

    def _lose(self, chain: ProfitChain, slot: Slot) -> None:
        """A loss that stands: in strict mode it ends the chain's climb (SPEC §7.2)."""
        now = self._clock.now().isoformat()
        chain = chain.with_slot(slot, now)
        if self._settings().profit_booking.strict_mode and chain.status == ACTIVE:
            chain = self._stopped(chain, f"level {slot.level} order #{slot.ticket} lost "
                                         f"{usd(-slot.profit)} (strict mode)")
        self.ledger.put(chain)

    def _stopped(self, chain: ProfitChain, reason: str) -> ProfitChain:
        """STOPPED with the reason; its hunts end, its open orders run on (SPEC §7.2)."""
        now = self._clock.now().isoformat()
        slots = tuple(replace(s, state=LOST, note=s.note + "; chain stopped")
                      if s.state == HUNT else s for s in chain.slots)
        log.info("%s stopped: %s", chain.chain_id, reason)
        stopped = replace(chain, status=STOPPED, stop_reason=reason, slots=slots,
                          updated_at=now)
        self.ledger.notice("profit_chain_stopped", f"Profit chain stopped — {chain.chain_id}",
                           stopped, (reason, f"booked {usd(stopped.booked_profit)}"))
        return stopped

    # -- operator ------------------------------------------------------------------------
    async def stop(self, chain_id: str, reason: str = "stopped by the operator"
                   ) -> tuple[ProfitChain, list[tuple[int, bool, str]]] | None:
        """SPEC §7.2: stop one chain and close its open orders."""
        async with self._lock:
            chain = self.chains.get(chain_id)
            if chain is None:
                return None
            self.ledger.put(self._stopped(chain, reason) if chain.status == ACTIVE else replace(
                chain, slots=tuple(replace(s, state=LOST) if s.state == HUNT else s
                                   for s in chain.slots)))
            closed = []
            for ticket in chain.open_tickets():
                result = await self.trading.close(ticket, reason="MANUAL")
                closed.append((ticket, result.ok, result.message))
            final = self.chains.get(chain_id) or next(
                (c for c in reversed(self.finished) if c.chain_id == chain_id), chain)
            return final, closed

    async def stop_all(self, reason: str = "stopped by the operator"
                       ) -> list[tuple[ProfitChain, list[tuple[int, bool, str]]]]:
        done = []
        for chain_id in list(self.chains):
            result = await self.stop(chain_id, reason)
            if result is not None:
                done.append(result)
        return done

    # -- autonomy, views (the ledger keeps the chains) -----------------------------------
    def autonomy(self) -> Autonomy:
        """The re-entry system's instance (one set of limits, SPEC §6.6); an own one only
        when the engine runs without the re-entry system."""
        shared = self._shared_autonomy()
        if shared is not None:
            return shared
        if self._own_autonomy is None:
            self._own_autonomy = Autonomy(self._settings, self._store, self._bus, self._clock,
                                          self._trading_day)
        return self._own_autonomy

    def rows(self) -> tuple[ChainRow, ...]:
        return self.ledger.rows()

    def history(self, limit: int = 5000) -> list[ProfitChain]:
        return self.ledger.history(limit)
