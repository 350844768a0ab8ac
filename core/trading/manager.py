"""The trade manager (SPEC §5.2): TP ladder, breakeven, profit lock, trailing, exit signals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from core.brokers.port import BrokerError
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction
from core.domain.orders import Position
from core.domain.symbols import SymbolSpec
from core.events import Event, EventBus, ExitHeld, PartialClosed, PositionClosed, StopLossMoved
from core.storage.store import Store
from core.trading.exit_intelligence import (
    CLOSE,
    HOLD,
    PARTIAL,
    ExitAction,
    StrongContext,
    exit_choice,
)
from core.trading.ladder import NAMES, GroupState, reached
from core.trading.service import TradingService
from core.trading.stops import (
    INF,
    Holding,
    Proposal,
    Watchlist,
    most_protective,
    partial_volume,
    pips_text,
    proposals,
    tighter,
    trail_steps,
)

log = logging.getLogger(__name__)
Prices = Mapping[str, tuple[float, float]]  # symbol → (bid, ask)


class PriceFollower(Protocol):
    """Work that follows prices after the positions are managed: re-entry watches and profit
    chains (SPEC §6, §7). `active` says whether it has anything to watch, so an idle one
    costs nothing; `follow` gets the prices the caller already has (None: ask the broker)."""

    @property
    def active(self) -> bool: ...

    async def follow(self, now: datetime, prices: Prices | None) -> int: ...


class TradeManager:
    """Every open live position, once per tick. Each position has an "edge": the nearest
    price on its profit side at which some rule would act (a TP level, +40 pips, the next
    trailing step). A tick compares each symbol's price with the nearest edge of its longs
    and of its shorts and looks closer only when one is crossed, so a quiet tick costs a
    few comparisons however many positions are open."""

    def __init__(self, trading: TradingService, store: Store, bus: EventBus, clock: Clock,
                 settings: Callable[[], Settings],
                 symbols: Callable[[], Mapping[str, SymbolSpec]],
                 context: StrongContext) -> None:
        self.trading = trading
        self._bus = bus
        self._clock = clock
        self._settings = settings
        self._symbols = symbols
        self.context = context
        self._w = Watchlist(store, trading.meta, trading.note)
        self._moved = False
        # Ticks and exit signals never interleave their broker calls on one position.
        self._lock = asyncio.Lock()
        self.followers: list[PriceFollower] = []
        bus.listen(self._on_closed, (PositionClosed,))

    @property
    def following(self) -> bool:
        """Whether some follower has something to watch even with no position open."""
        return any(f.active for f in self.followers)

    # -- the loop ------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None, prices: Prices | None = None) -> int:
        """Evaluate every open position once, then the followers; returns the actions taken
        (closes, SL moves, orders). `prices` spares the broker a quote for the symbols the
        caller already priced."""
        acted = await self._manage(now, prices)
        for follower in self.followers:
            if follower.active:
                try:
                    acted += await follower.follow(now or self._clock.now(), prices)
                except Exception:  # one broken follower must not stop position management
                    log.exception("price follower %s failed", type(follower).__name__)
        return acted

    async def _manage(self, now: datetime | None, prices: Prices | None) -> int:
        positions = self.trading.positions
        if (not positions and not self._w.known) or self._lock.locked():
            return 0  # an exit signal is acting: the next tick sees its result
        async with self._lock:
            settings = self._settings()
            if positions.keys() != self._w.known:
                self._w.sync(positions, settings, self._symbols())
            elif settings is not self._w.seen:
                self._w.arm_all(settings)
            acted = 0
            for symbol, (longs, shorts) in list(self._w.symbol_edges.items()):
                if longs == INF and shorts == INF:
                    continue  # nothing can happen on this symbol at any price
                price = prices.get(symbol) if prices is not None else None
                if price is None:
                    try:
                        quote = await self.trading.broker.quote(symbol)
                    except BrokerError as exc:
                        log.warning("trade manager: no price for %s: %s", symbol, exc)
                        continue
                    price = (quote.bid, quote.ask)
                bid, ask = price
                if bid >= longs or -ask >= shorts:
                    acted += await self._symbol(symbol, bid, ask, settings,
                                                now or self._clock.now())
            await self._settle()
            return acted

    def due(self, prices: Prices) -> bool:
        """Whether a tick on `prices` would look at any position: a synchronous pre-check
        for hot loops (the offline replay), which then set the clock and tick only if so."""
        if self.trading.positions.keys() != self._w.known or self._settings() is not self._w.seen:
            return True
        if self.following:
            return True
        for symbol, (longs, shorts) in self._w.symbol_edges.items():
            price = prices.get(symbol)
            if price is None:
                if longs != INF or shorts != INF:
                    return True  # a tick would ask the broker for this symbol's price
            elif price[0] >= longs or -price[1] >= shorts:
                return True
        return False

    async def _settle(self) -> None:
        """SL changes do not refresh the positions by themselves; one refresh covers all."""
        if self._moved:
            self._moved = False
            await self.trading.refresh()

    async def _symbol(self, symbol: str, bid: float, ask: float, settings: Settings,
                      now: datetime) -> int:
        holdings = self._w.by_symbol.get(symbol, [])
        edges = self._w.edges
        due = [h for h in holdings if (bid if h.sign > 0 else -ask) >= edges[h.ticket]]
        groups = sorted({h.group for h in due if h.group is not None})
        acted = 0
        for group in groups:
            acted += await self._ladder(group, bid, ask, settings, now)
        # every member of a group that acted gets its SL rules (breakeven, SL to TP1)
        due += [h for h in holdings if h.group in groups and h not in due]
        for h in due:
            self._w.fresh.discard(h.ticket)
            if h.ticket in self.trading.positions:
                acted += await self._rules(h, bid, ask, settings)
        self._w.arm(symbol, settings)
        return acted

    # -- SPEC §5.2.1: the TP ladder ----------------------------------------------------------
    async def _ladder(self, group: str, bid: float, ask: float, settings: Settings,
                      now: datetime) -> int:
        members = [self._w.holdings[t] for t in self._w.members.get(group, ())
                   if t in self._w.holdings]
        if not members or members[0].ladder is None:
            return 0
        first, ladder = members[0], members[0].ladder
        tm = settings.trade_management
        acted = 0
        for n, level in ladder.levels:  # TP3, TP2, TP1: each reached level acts once
            state = self._w.groups.get(group, GroupState())
            if n in state.done or not (n <= state.hit or reached(
                    level, first.sign, bid, ask, first.point / 2)):
                continue
            open_ = [h for h in members if h.ticket in self.trading.positions]
            a = next((h for h in open_ if h.kind == "A"), None)
            step = n != 3 and a is not None and not self._targets(a, level)
            # Recorded before acting: after a crash a level is never repeated.
            self._w.save_group(group, replace(state.with_done(n),
                                              sl_to_tp1=state.sl_to_tp1 or (step and n == 2)))
            if n == 3:
                words = [await self._close_rest(h) for h in open_] or ["nothing left open"]
                acted += len(open_)
            elif a is None:
                words = ["no Order A open"]
            elif not step:
                words = [f"A #{a.ticket} closes at its own TP"]
            elif n == 2:
                words = [await self._partial(a, tm.tp2_partial_percent, "TP2_PARTIAL", bid,
                                             ask), "A SL to TP1"]
                acted += 1
            else:
                verdict = self.context.judge(a.owner, a.logic, a.symbol, Direction(a.side),
                                             True)
                if verdict.strong:
                    words = [f"A #{a.ticket} held (strong: {verdict.words})"]
                else:
                    words = [await self._partial(a, tm.tp1_partial_percent, "TP1_PARTIAL",
                                                 bid, ask) + f" (not strong: {verdict.words})"]
                    acted += 1
            text = (f"{NAMES[n]} {level:.{first.digits}f} reached at {now:%H:%M:%S}: "
                    + "; ".join(words))
            log.info("group %s %s %s: %s", group, first.symbol, first.side, text)
            self._w.save_group(group, self._w.groups[group].noting(text))
        return acted

    def _targets(self, a: Holding, level: float) -> bool:
        """Order A's own target is the TP it holds at the broker now."""
        position = self.trading.positions.get(a.ticket)
        tp = position.tp if position is not None else None
        return tp is not None and abs(tp - level) <= a.point / 2

    async def _close_rest(self, h: Holding) -> str:
        self.trading.note(h.ticket, tp_level=3)  # the tp_hit notice names TP3
        result = await self.trading.close(h.ticket, reason="TP3")
        return (f"{h.kind} #{h.ticket} closed" if result.ok
                else f"{h.kind} #{h.ticket} not closed: {result.message}")

    async def _partial(self, h: Holding, percent: float, reason: str, bid: float,
                       ask: float) -> str:
        position = self.trading.positions.get(h.ticket)
        if position is None:
            return f"{h.kind} #{h.ticket} already closed"
        part = partial_volume(position.volume, percent)
        if part is None:
            return (f"{h.kind} #{h.ticket} {position.volume:.2f} held: {percent:g} % would "
                    "leave a part under 0.01 lot")
        result = await self.trading.close(h.ticket, part, reason)
        if not result.ok:
            return f"{h.kind} #{h.ticket} partial close failed: {result.message}"
        price = result.price or (bid if h.sign > 0 else ask)
        left = round(position.volume - part, 2)
        pips = (price - h.entry) * h.sign / h.pip
        words = (f"{h.kind} #{h.ticket} closed {part:.2f} of {position.volume:.2f} "
                 f"({percent:g} %) at {price:.{h.digits}f} ({pips_text(pips)} pips), "
                 f"{left:.2f} left")
        self._bus.publish(PartialClosed(h.ticket, h.symbol, h.side, h.kind, part, left, price,
                                        reason, words, h.owner))
        return words

    # -- SPEC §5.2.4-§5.2.7: the SL rules ------------------------------------------------
    async def _rules(self, h: Holding, bid: float, ask: float, settings: Settings) -> int:
        tm = settings.trade_management
        # within half a point of a threshold counts as there (prices are whole points)
        pips = h.pips(bid, ask) + h.point / (2 * h.pip)
        marks = self._w.marks[h.ticket]
        new = marks
        if tm.profit_lock.enabled and not marks.lock and pips >= tm.profit_lock.trigger_pips:
            new = replace(new, lock=True)
        if tm.trailing.enabled and h.trails:
            steps = trail_steps(pips, h.d_pips, tm.trailing.start_fraction,
                                tm.trailing.step_fraction)
            if steps > new.trail:
                new = replace(new, trail=steps)
        if new != marks:
            self._w.set_marks(h, new)
        return 1 if await self._protect(h, settings) is not None else 0

    async def _protect(self, h: Holding, settings: Settings) -> Proposal | None:
        """Apply the most protective proposal when it tightens the SL (the one applied); a
        refusal (too close to the price for the broker's stops level) is postponed and
        retried on later ticks, once the price is past it."""
        position = self.trading.positions.get(h.ticket)
        best = most_protective(proposals(h, self._w.marks[h.ticket], self._w.group_of(h),
                                         settings.trade_management), h.sign)
        if position is None or best is None or not tighter(best.sl, position.sl, h.sign,
                                                           h.point / 2):
            self._w.postponed.pop(h.ticket, None)
            return None
        result = await self.trading.broker.modify_position(h.ticket, best.sl, position.tp)
        if not result.ok:
            if self._w.postponed.get(h.ticket) != best.sl:
                log.info("#%s SL %s postponed (%s): %s", h.ticket, best.sl, best.reason,
                         result.message)
            self._w.postponed[h.ticket] = best.sl
            return None
        self._w.postponed.pop(h.ticket, None)
        self._moved = True
        old = "none" if position.sl is None else f"{position.sl:.{h.digits}f}"
        words = (f"{h.kind} #{h.ticket} SL {old} → {best.sl:.{h.digits}f} "
                 f"({best.reason}: {best.words})")
        log.info("%s %s %s", h.symbol, h.side, words)
        self._bus.publish(StopLossMoved(h.ticket, h.symbol, h.side, h.kind, position.sl,
                                        best.sl, best.reason, words, h.owner))
        return best

    # -- SPEC §5.2.3: exit signals ------------------------------------------------------------
    async def exit_signal(self, ticket: int) -> ExitAction:
        """Hold, close or halve one position an exit signal selected; acts and says so."""
        async with self._lock:
            try:
                return await self._exit(ticket)
            finally:
                await self._settle()

    async def _exit(self, ticket: int) -> ExitAction:
        settings = self._settings()
        cfg = settings.trade_management.exit_intelligence
        if self.trading.positions.keys() != self._w.known:
            self._w.sync(self.trading.positions, settings, self._symbols())
        position = self.trading.positions.get(ticket)
        h = self._w.holdings.get(ticket)
        if position is None:
            return ExitAction(ticket, CLOSE, False, 0.0, 0.0, f"#{ticket} is not open")
        pips: float | None = None
        if h is not None:
            try:
                quote = await self.trading.broker.quote(h.symbol)
                pips = h.pips(quote.bid, quote.ask)
            except BrokerError as exc:
                log.warning("exit #%s: no price for %s (%s): closed in full", ticket,
                            h.symbol, exc)
        if h is None or pips is None:
            return await self._exit_close(position, None, "no price to judge it by")
        held = h
        choice, verdict = exit_choice(cfg, pips, lambda: self.context.judge(
            held.owner, held.logic, held.symbol, Direction(held.side),
            held.ladder is not None))
        if choice == HOLD and verdict is not None:
            words = f"#{ticket} held: {pips_text(pips)} pips, strong ({verdict.words})"
            self._bus.publish(ExitHeld(ticket, h.symbol, h.side, pips, words, h.owner))
            return ExitAction(ticket, HOLD, True, pips, 0.0, words)
        if choice == CLOSE:
            return await self._exit_close(position, pips, "" if cfg.enabled
                                          else "exit intelligence off")
        part = partial_volume(position.volume, cfg.partial_percent)
        if part is not None:
            result = await self.trading.close(ticket, part, "EXIT_PARTIAL")
            if not result.ok:
                return ExitAction(ticket, PARTIAL, False, pips, 0.0,
                                  f"#{ticket} partial close failed: {result.message}")
            left = round(position.volume - part, 2)
            self._bus.publish(PartialClosed(
                ticket, h.symbol, h.side, h.kind, part, left, result.price or 0.0,
                "EXIT_PARTIAL", f"{h.kind} #{ticket} closed {part:.2f} of "
                f"{position.volume:.2f} on an exit signal, {left:.2f} left", h.owner))
            done = f"closed {cfg.partial_percent:g} % ({pips_text(pips)} pips)"
        else:
            done = f"kept whole ({position.volume:.2f}: no {cfg.partial_percent:g} % part)"
        plus = cfg.breakeven_plus_pips
        self._w.set_marks(h, replace(self._w.marks[ticket], floor=h.at(plus)))
        applied = await self._protect(h, settings)
        target = f"entry {pips_text(plus)}"
        if applied is not None and applied.reason == "exit_partial":
            sl = f"SL to {target}"
        elif applied is not None:
            sl = f"SL to {applied.sl:.{h.digits}f} ({applied.reason}, beyond {target})"
        elif ticket in self._w.postponed:
            sl = f"SL to {target} postponed"
        else:
            sl = f"SL kept (already beyond {target})"
        why = f" (not strong: {verdict.words})" if verdict is not None else ""
        self._w.arm(h.symbol, settings)
        return ExitAction(ticket, PARTIAL, True, pips, part or 0.0,
                          f"#{ticket} {done}, {sl}{why}")

    async def _exit_close(self, position: Position, pips: float | None, note: str
                          ) -> ExitAction:
        result = await self.trading.close(position.ticket, reason="EXIT_SIGNAL")
        ticket, profit = position.ticket, pips or 0.0
        if not result.ok:
            return ExitAction(ticket, CLOSE, False, profit, 0.0,
                              f"close #{ticket} failed: {result.message}")
        why = [f"{pips_text(pips)} pips"] if pips is not None else []
        why += [note] if note else []
        return ExitAction(ticket, CLOSE, True, profit, position.volume,
                          f"#{ticket} closed ({', '.join(why)})")

    def _on_closed(self, event: Event) -> None:
        if isinstance(event, PositionClosed) and event.reason == "TP":
            self._w.filled_at(event.ticket, self._settings())
