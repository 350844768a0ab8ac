"""The re-entry engine (SPEC §6): creates chains, arms triggers, watches prices, re-enters."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from core.brokers.port import BrokerError
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.domain.symbols import SymbolSpec
from core.events import (
    AlertProcessed,
    DailyReset,
    Event,
    EventBus,
    PositionClosed,
    PositionOpened,
    TradingStateChanged,
)
from core.infra.events import OperatorNotice
from core.risk.manager import RiskManager
from core.storage.store import Store
from core.trading.alignment import Alignment
from core.trading.autonomy import Autonomy
from core.trading.chain_events import ChainsChanged
from core.trading.reentry import signals
from core.trading.reentry.conditions import judge
from core.trading.reentry.model import (
    ACTIVE,
    ARMED,
    COMPLETED,
    EXIT_CONTINUATION,
    EXPIRED,
    SL_HUNT,
    STOPPED,
    TP_CONTINUATION,
    Chain,
    ChainBook,
    new_chain_id,
)
from core.trading.reentry.rules import (
    TP_RR,
    beyond,
    by_priority,
    entry_timeframe,
    max_level,
    recovery_window_minutes,
    sl_hunt_target,
    triggered,
)
from core.trading.reentry.shield import ReverseShield
from core.trading.service import TradingService

log = logging.getLogger(__name__)
Prices = Mapping[str, tuple[float, float]]
EXIT_REASONS = frozenset({"EXIT_SIGNAL", "REVERSAL", "TREND_FLIP"})
TP_REASONS = frozenset({"TP", "TP3"})
NOTICE = {SL_HUNT: ("sl_hunt_reentry", "SL HUNT RE-ENTRY"),
          TP_CONTINUATION: ("tp_continuation_reentry", "TP CONTINUATION RE-ENTRY"),
          EXIT_CONTINUATION: ("exit_continuation_reentry", "EXIT CONTINUATION RE-ENTRY")}


class ReentryEngine:
    """A price follower of the trade manager (ticked even with no position open)."""

    def __init__(self, settings: Callable[[], Settings], store: Store, bus: EventBus,
                 clock: Clock, trading: TradingService, risk: RiskManager,
                 symbols: Callable[[], Mapping[str, SymbolSpec]], alignment: Alignment,
                 autonomy: Autonomy) -> None:
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self.trading = trading
        self.risk = risk
        self._symbols = symbols
        self.alignment = alignment
        self.autonomy = autonomy
        self.book = ChainBook(store)
        self.shield = ReverseShield(settings, store, bus, trading, risk, symbols)
        self._last: datetime | None = None
        self._store = store
        bus.listen(self._on_event, (PositionOpened, PositionClosed, TradingStateChanged,
                                    DailyReset, AlertProcessed))

    # -- the follower ------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.shield.active or bool(self.book.watching)

    async def follow(self, now: datetime, prices: Prices | None) -> int:
        interval = self._settings().reentry.monitor_interval_seconds
        if self._last is not None and (now - self._last).total_seconds() < interval:
            return 0
        self._last = now
        acted = await self._resume(now)
        quotes: dict[str, tuple[float, float]] = dict(prices or {})
        acted += await self.shield.follow(now, quotes)
        armed = [c for c in self.book.live() if c.status == ARMED and not c.pending]
        due = []
        for chain in armed:
            if not self._still_armed(chain, now):
                continue
            price = await self._price(chain.symbol, quotes)
            if price is not None and chain.target_price is not None and triggered(
                    chain.side, price[0], price[1], chain.target_price):
                due.append(chain)
        for chain in by_priority(due, self._settings().reentry.priority):
            acted += await self._reenter(chain, quotes[chain.symbol], now)
        return acted

    def _still_armed(self, chain: Chain, now: datetime) -> bool:
        """Windows end (SL hunt, TP continuation); exit continuation needs alignment."""
        if chain.armed_until and now >= datetime.fromisoformat(chain.armed_until):
            self._finish(chain.disarmed(now, EXPIRED, f"{chain.armed_kind} window ended"), now)
            if chain.armed_kind == SL_HUNT:
                self._notice("sl_hunt_expired", f"SL hunt expired: {chain.symbol}", chain,
                             f"target {chain.target_price} not reached by "
                             f"{chain.armed_until[11:16]} UTC")
            return False
        if chain.armed_kind == EXIT_CONTINUATION:
            ok, why = self.alignment.check(chain.strategy, chain.logic, chain.symbol,
                                           chain.side)
            if not ok:
                self._stop(chain, now, f"alignment lost: {why}")
                return False
        return True

    async def _price(self, symbol: str, quotes: dict[str, tuple[float, float]]
                     ) -> tuple[float, float] | None:
        if symbol not in quotes:
            try:
                quote = await self.trading.broker.quote(symbol)
            except BrokerError as exc:
                log.warning("re-entry: no price for %s: %s", symbol, exc)
                return None
            quotes[symbol] = (quote.bid, quote.ask)
        return quotes[symbol]

    # -- re-entering -------------------------------------------------------------------------
    async def _reenter(self, chain: Chain, price: tuple[float, float], now: datetime) -> int:
        settings = self._settings()
        spec = self._symbols()[chain.symbol]
        verdict = judge(chain, now, settings, spec, self.risk, self.alignment, self.autonomy)
        if verdict.code is not None:
            # SPEC §6.1, §5.5.1: a failing condition (pause included) leaves the chain armed
            if chain.blocked != verdict.text:
                self._save(chain.evolve(now, blocked=verdict.text), now)
                if verdict.code == "PROFIT_PROTECTION":
                    self._notice("recovery_blocked", f"Recovery blocked: {chain.symbol}",
                                 chain, "reason PROFIT_PROTECTION", verdict.text)
            return 0
        side = chain.side
        entry = price[1] if side is Direction.BUY else price[0]
        distance = spec.price_distance(verdict.sl_pips)
        client_id = new_client_id()
        intent = OrderIntent(
            client_id=client_id, symbol=chain.symbol, direction=side, volume=verdict.lot,
            sl=spec.round_price(entry - side.sign * distance),
            tp=spec.round_price(entry + side.sign * distance * TP_RR), kind=OrderKind.REENTRY,
            strategy=chain.strategy, magic=magic_for(chain.tag, settings.mt5.magic_base),
            comment=make_comment(chain.tag, OrderKind.REENTRY.value, client_id),
            group_id=chain.chain_id, logic=chain.logic)
        # Crash safety: the intent is in the chain record before it is sent, so a restart
        # re-sends the SAME client id, which the trading service finds instead of re-placing.
        pending = {**_intent_doc(intent), "armed_kind": chain.armed_kind,
                   "reduction": verdict.reduction, "sl_pips": verdict.sl_pips}
        chain = self._save(chain.evolve(now, pending=pending, blocked=""), now)
        return await self._send(chain, intent, now)

    async def _send(self, chain: Chain, intent: OrderIntent, now: datetime) -> int:
        pending = chain.pending
        result = await self.trading.place(intent, {"chain_id": chain.chain_id})
        if not result.ok or result.ticket is None:
            if result.retcode < 0:  # may have executed: the next tick asks for the same id
                self._save(chain.evolve(now, blocked=f"order in doubt: {result.message}"), now)
                return 0
            self._save(chain.evolve(now, pending={}, blocked=f"order failed: {result.message}"),
                       now)
            return 0
        kind = str(pending.get("armed_kind") or chain.armed_kind)
        level = chain.current_level + 1
        # a resumed intent found at the broker reports no price: the position record has it
        entry = float(result.price or self.trading.meta(result.ticket).get("entry") or 0.0)
        chain = self._save(chain.evolve(
            now, pending={}, status=ACTIVE, current_level=level, open_ticket=result.ticket,
            tickets=(*chain.tickets, result.ticket), last_reentry_at=now.isoformat(),
            armed_kind="", target_price=None, armed_until="", hit_entry=entry,
            hit_sl=intent.sl, sl_reduction_percent=round(float(pending["reduction"]) * 100, 1),
            applied_sl_pips=float(pending["sl_pips"]),
            sl_system_used=self._settings().reentry.sl_reduction_strategy), now)
        self.autonomy.record_attempt(chain.chain_id, now)
        notice, title = NOTICE.get(kind, NOTICE[SL_HUNT])
        self._notice(notice, f"{title} — level {level}/{chain.max_level}", chain,
                     f"#{result.ticket} {intent.direction.value} {intent.volume:.2f} "
                     f"{chain.symbol} @ {entry}", f"SL {intent.sl} ({chain.applied_sl_pips}p, "
                     f"-{chain.sl_reduction_percent:g} %/level) TP {intent.tp}")
        return 1

    async def _resume(self, now: datetime) -> int:
        """After a restart: an intent in flight is sent again under its own client id (the
        trading service finds it if it was placed) - never a second order."""
        acted = 0
        for chain in [c for c in self.book.live() if c.pending]:
            doc = dict(chain.pending)
            intent = OrderIntent(
                client_id=doc["client_id"], symbol=doc["symbol"],
                direction=Direction(doc["direction"]), volume=doc["volume"], sl=doc["sl"],
                tp=doc["tp"], kind=OrderKind(doc["kind"]), strategy=doc["strategy"],
                magic=doc["magic"], comment=doc["comment"], signal_id=doc.get("signal_id"),
                group_id=doc.get("group_id"), logic=doc.get("logic"))
            if self._closed_already(intent.client_id):
                self._save(chain.evolve(now, pending={}), now)
                continue
            acted += await self._send(chain, intent, now)
        return acted

    def _closed_already(self, client_id: str) -> bool:
        return any(t.get("client_id") == client_id for t in self._store.tail("trades", 200))

    # -- events ------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        now = self._clock.now()
        if isinstance(event, PositionOpened):
            self._opened(event, now)
        elif isinstance(event, PositionClosed):
            self._closed(event, now)
        elif isinstance(event, TradingStateChanged) and event.paused and event.reason == "PANIC":
            for chain in self.book.live():  # SPEC §5.5.2: panic disarms every chain
                self._stop(chain, now, "panic close")
            self.shield.disarm()
        elif isinstance(event, DailyReset):
            for chain in self.book.live():
                if chain.status == ARMED and chain.armed_kind == EXIT_CONTINUATION:
                    self._stop(chain, now, "daily reset")
        elif isinstance(event, AlertProcessed):
            self._alert(event, now)

    def _opened(self, event: PositionOpened, now: datetime) -> None:
        position = event.position
        meta = self.trading.meta(position.ticket)
        owner = str(meta.get("strategy") or event.strategy)
        for chain in self.book.live():  # an opposite entry of the same owner
            if (chain.symbol == position.symbol and chain.strategy == owner
                    and chain.side is not position.direction and chain.status == ARMED):
                self._opposite(chain, now, f"opposite {position.direction.value} #"
                                           f"{position.ticket} opened")
        if meta.get("kind") != OrderKind.A.value or owner in ("", "manual"):
            return
        if position.sl is None:
            return
        settings = self._settings()
        spec = self._symbols()[position.symbol]
        logic = meta.get("logic")
        chain = Chain(
            chain_id=new_chain_id(position.symbol), symbol=position.symbol,
            direction=position.direction.value, strategy=owner, logic=logic,
            timeframe=entry_timeframe(settings, owner, logic),
            tag=position.comment.split("|")[0], original_ticket=position.ticket,
            original_entry=position.price_open, original_sl=position.sl,
            original_sl_pips=round(spec.pips(position.price_open - position.sl), 1),
            lot=position.volume, max_level=max_level(settings, owner),
            created_at=now.isoformat(), updated_at=now.isoformat(),
            open_ticket=position.ticket, tickets=(position.ticket,),
            hit_entry=position.price_open, hit_sl=position.sl)
        self._save(chain, now)
        log.info("re-entry chain %s for %s #%s", chain.chain_id, owner, position.ticket)

    def _closed(self, event: PositionClosed, now: datetime) -> None:
        self.shield.closed(event)
        chain = self.book.by_ticket(event.ticket)
        if chain is None:
            return
        if chain.current_level > 0:
            self.autonomy.record_result(chain.chain_id, event.profit, now)
        chain = chain.evolve(now, open_ticket=None,
                             total_profit=round(chain.total_profit + event.profit, 2))
        settings = self._settings()
        re = settings.reentry
        kind = (SL_HUNT if event.reason == "SL" else TP_CONTINUATION
                if event.reason in TP_REASONS else EXIT_CONTINUATION
                if event.reason in EXIT_REASONS else "")
        if not kind:
            self._stop(chain, now, f"closed {event.reason}")
            return
        if chain.current_level >= chain.max_level:
            self._complete(chain, now, f"max level {chain.max_level} reached")
            return
        if not re.autonomous_enabled:
            self._complete(chain, now, "autonomous system off")
            return
        switch = {SL_HUNT: re.sl_hunt.enabled, TP_CONTINUATION: re.tp_continuation.enabled,
                  EXIT_CONTINUATION: re.exit_continuation.enabled}[kind]
        if not switch:
            self._complete(chain, now, f"{kind} off")
            return
        spec = self._symbols()[chain.symbol]
        if kind == SL_HUNT:
            target = sl_hunt_target(settings, spec, chain.side, chain.hit_entry or
                                    chain.original_entry, chain.hit_sl or chain.original_sl)
            self.shield.sl_hit(chain, event, now)
        elif kind == TP_CONTINUATION:
            target = beyond(spec, chain.side, event.price_close, re.tp_continuation.gap_pips)
        else:
            target = beyond(spec, chain.side, event.price_close, re.exit_continuation.gap_pips)
        until = "" if kind == EXIT_CONTINUATION else (now + timedelta(
            minutes=recovery_window_minutes(settings, chain.strategy, chain.logic))).isoformat()
        chain = self._save(chain.evolve(now, status=ARMED, armed_kind=kind,
                                        target_price=target, armed_at=now.isoformat(),
                                        armed_until=until, blocked=""), now)
        if kind == SL_HUNT:
            self._notice("sl_hunt_armed", f"SL hunt armed: {chain.symbol}", chain,
                         f"target {target}", f"window until {until[11:16]} UTC")

    def _alert(self, event: AlertProcessed, now: datetime) -> None:
        armed = (self.book.chains[i] for i in self.book.watching)
        watching = [c for c in armed if c.status == ARMED
                    and c.armed_kind in (TP_CONTINUATION, EXIT_CONTINUATION)]
        if not watching:
            return
        record = signals.find(self._store, event.signal_id)
        if record is None:
            return
        for chain in watching:
            if signals.opposite(record, chain):
                self._opposite(chain, now, f"opposite signal {record.get('signal_type')}")

    def _opposite(self, chain: Chain, now: datetime, why: str) -> None:
        """SPEC §6.4: TP continuation completes; §6.5: exit continuation stops."""
        if chain.armed_kind == TP_CONTINUATION:
            self._complete(chain, now, why)
        elif chain.armed_kind == EXIT_CONTINUATION:
            self._stop(chain, now, why)

    def relimit(self, now: datetime) -> list[str]:
        """`/chainlimit` applies to running chains too: an armed chain already at the new
        maximum completes now; an open one completes when its order closes."""
        changed = []
        for chain in self.book.live():
            wanted = max_level(self._settings(), chain.strategy)
            if wanted == chain.max_level:
                continue
            chain = self._save(chain.evolve(now, max_level=wanted), now)
            changed.append(f"{chain.chain_id} max level {wanted}")
            if chain.status == ARMED and chain.current_level >= wanted:
                self._complete(chain, now, f"max level {wanted} reached (/chainlimit)")
        return changed

    # -- endings and publishing --------------------------------------------------------------
    def _complete(self, chain: Chain, now: datetime, why: str) -> None:
        self._finish(chain.disarmed(now, COMPLETED, why), now)
        self._notice("chain_completed", f"Chain completed: {chain.symbol}", chain, why)

    def _stop(self, chain: Chain, now: datetime, why: str) -> None:
        self._finish(chain.disarmed(now, STOPPED, why), now)
        self._notice("chain_stopped", f"Chain stopped: {chain.symbol}", chain, why)

    def _finish(self, chain: Chain, now: datetime) -> None:
        self.autonomy.release(chain.chain_id)
        self._save(chain, now)

    def _save(self, chain: Chain, now: datetime) -> Chain:
        self.book.save(chain)
        self._bus.publish(ChainsChanged("reentry", self.book.shown(now.date().isoformat())))
        return chain

    def _notice(self, type_: str, title: str, chain: Chain, *lines: str) -> None:
        self._bus.publish(OperatorNotice(
            type=type_, title=title, lines=(f"{chain.chain_id} {chain.direction} "
                                            f"{chain.strategy} level {chain.current_level}/"
                                            f"{chain.max_level}", *lines),
            symbol=chain.symbol, strategy=chain.strategy))


def _intent_doc(intent: OrderIntent) -> dict[str, Any]:
    return {"client_id": intent.client_id, "symbol": intent.symbol,
            "direction": intent.direction.value, "volume": intent.volume, "sl": intent.sl,
            "tp": intent.tp, "kind": intent.kind.value, "strategy": intent.strategy,
            "magic": intent.magic, "comment": intent.comment, "signal_id": intent.signal_id,
            "group_id": intent.group_id, "logic": intent.logic}


def build_reentry(engine: Any) -> ReentryEngine:
    """The engine's re-entry system over its stores, registered as a price follower of the
    trade manager (SPEC §6.1: checked every `reentry.monitor_interval_seconds`)."""
    assert engine.store is not None and engine.risk is not None and engine.trends is not None
    assert engine.manager is not None and engine.bridge is not None
    settings: Callable[[], Settings] = lambda: engine.settings  # noqa: E731
    alignment = Alignment(settings, engine.trends, engine.bridge.stores.pulses)
    autonomy = Autonomy(settings, engine.store, engine.bus, engine.clock,
                        lambda: engine.risk.counters.trading_day)
    reentry = ReentryEngine(settings, engine.store, engine.bus, engine.clock, engine.trading,
                            engine.risk, engine.symbols, alignment, autonomy)
    engine.manager.followers.append(reentry)
    return reentry
