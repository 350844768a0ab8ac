"""Order placement and position tracking over the Broker port; pause, resume and panic close."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from core.brokers.port import Broker, BrokerError
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction, PauseReason
from core.domain.orders import Account, Deal, OrderIntent, OrderResult, Position
from core.events import (
    AccountUpdated,
    EventBus,
    OrderRejected,
    PositionClosed,
    PositionOpened,
    PositionsChanged,
    TradingStateChanged,
)
from core.storage.errors import StoreError
from core.storage.store import Store
from core.trading.retry import UNKNOWN_OUTCOME, RetcodeClass, classify, send_with_retries

log = logging.getLogger(__name__)
INTENTS = "order_intents"
POSITIONS = "positions"
RUNTIME = "runtime"
TRADES = "trades"


@dataclass(frozen=True, slots=True)
class CloseReport:
    ticket: int
    ok: bool
    profit: float
    message: str


class TradingService:
    """The only component that sends orders (SPEC §3 step 6)."""

    def __init__(self, broker: Broker, store: Store, bus: EventBus, clock: Clock,
                 settings: Callable[[], Settings]) -> None:
        self.broker = broker
        self._store = store
        self._bus = bus
        self._clock = clock
        self._settings = settings
        self.positions: dict[int, Position] = {}
        self.account: Account | None = None
        state = store.get(RUNTIME, "trading") or {}
        self.paused: bool = bool(state.get("paused", False))
        self.pause_reason: str | None = state.get("reason")

    # -- state ---------------------------------------------------------------------------
    def meta(self, ticket: int) -> dict[str, Any]:
        return self._store.get(POSITIONS, str(ticket)) or {}

    def owned_by(self, strategy: str, symbol: str, direction: Direction | None = None
                 ) -> list[Position]:
        return [p for p in self.positions.values()
                if p.symbol == symbol and self.meta(p.ticket).get("strategy") == strategy
                and (direction is None or p.direction is direction)]

    def pause(self, reason: PauseReason) -> None:
        self.paused, self.pause_reason = True, reason.value
        try:
            self._store.put(RUNTIME, "trading", {"paused": True, "reason": reason.value})
        except (StoreError, OSError) as exc:  # a failing store is a reason to pause anyway
            log.critical("trading paused (%s) but the pause could not be stored: %s",
                         reason.value, exc)
        self._bus.publish(TradingStateChanged(paused=True, reason=reason.value))

    def resume(self) -> None:
        self.paused, self.pause_reason = False, None
        self._store.put(RUNTIME, "trading", {"paused": False, "reason": None})
        self._bus.publish(TradingStateChanged(paused=False, reason=None))

    # -- orders --------------------------------------------------------------------------
    async def place(self, intent: OrderIntent, extra: Mapping[str, Any] | None = None
                    ) -> OrderResult:
        """Send once: the intent is stored first; a retry after a crash looks it up instead.
        `extra` joins the position record (the order group's TP ladder, SPEC §5.2.1).
        Retryable results are sent again with backoff (SPEC §3.5 TRADE); after an IPC
        failure the order is looked up by its client id before any resend."""
        placed = self._store.find(POSITIONS, client_id=intent.client_id)
        if placed:
            return OrderResult(True, 10009, "already filled", ticket=placed[0]["ticket"])
        known = self._store.get(INTENTS, intent.client_id)
        if known and known.get("status") in ("sending", "unknown"):
            found = await self._look_up(intent, extra)
            if found is not None:
                return found
        record = {**_intent_doc(intent), "status": "sending",
                  "created_at": self._clock.now().isoformat()}
        self._store.put(INTENTS, intent.client_id, record)
        mt5 = self._settings().mt5
        result, tries = await send_with_retries(
            lambda previous: self._place_attempt(intent, extra, previous),
            retries=mt5.order_retries, backoff=mt5.order_retry_backoff_seconds,
            what=f"order {intent.direction.value} {intent.symbol} {intent.client_id}")
        if result.ok and result.ticket is not None:
            log.info("order %s %.2f %s filled at %s (#%s, %s %s)%s", intent.direction.value,
                     intent.volume, intent.symbol, result.price, result.ticket, intent.strategy,
                     intent.kind.value, f" after {tries} attempts" if tries > 1 else "")
            # A look-up after a timeout settled the intent itself (recorded, or closed since)
            if self._store.get(INTENTS, intent.client_id) is not None:
                self._filled(intent, result.ticket, result.price, extra)
            await self.refresh()
            position = self.positions.get(result.ticket)
            if position is not None:
                self._bus.publish(PositionOpened(position, intent.strategy, intent.signal_id))
        else:
            # An IPC failure may have executed the order: the intent stays in doubt and any
            # later call with this client id looks it up before sending again.
            unknown = classify(result) is RetcodeClass.UNKNOWN
            message = result.message + (f" (after {tries} attempts)" if tries > 1 else "")
            self._store.update(INTENTS, intent.client_id,
                               status="unknown" if unknown else "failed",
                               retcode=result.retcode, message=message, attempts=tries)
            log.warning("order %s %s %s refused: %s", intent.direction.value, intent.volume,
                        intent.symbol, message)
            self._bus.publish(OrderRejected(intent.symbol, intent.direction.value,
                                            message, result.retcode))
            result = OrderResult(False, result.retcode, message, price=result.price)
        return result

    async def _place_attempt(self, intent: OrderIntent, extra: Mapping[str, Any] | None,
                             previous: OrderResult | None) -> OrderResult:
        if previous is not None and classify(previous) is RetcodeClass.UNKNOWN:
            try:
                found = await self._look_up(intent, extra)
            except BrokerError as exc:  # still in doubt: never resend blind
                return OrderResult(False, UNKNOWN_OUTCOME,
                                   f"look-up by client id failed ({exc}): outcome unknown")
            if found is not None:
                return found
        try:
            return await self.broker.place_market(intent)
        except BrokerError as exc:
            return OrderResult(False, UNKNOWN_OUTCOME, f"order_send failed ({exc}): outcome "
                               "unknown, looked up by its client id before resending")

    async def _look_up(self, intent: OrderIntent, extra: Mapping[str, Any] | None
                       ) -> OrderResult | None:
        """The order by its client id at the broker: recorded when open; None if absent."""
        found = await self.broker.find_by_client_id(intent.client_id,
                                                    self._clock.now() - timedelta(days=7))
        if isinstance(found, Position):
            self._filled(intent, found.ticket, found.price_open, extra)
            return OrderResult(True, 10009, "found at the broker: not sent again",
                               ticket=found.ticket, price=found.price_open)
        if found is not None:  # it filled and has closed since: never send it again
            ticket = found.position_id
            if any(t.get("ticket") == ticket for t in self._store.tail(TRADES, 200)):
                self._store.delete(INTENTS, intent.client_id)  # reconciliation booked it
            else:  # book the trade now (its P&L feeds the loss counters)
                deals = await self.broker.position_deals(ticket)
                self._filled(intent, ticket, found.price, extra)
                await self._record_close(ticket, deals)
            return OrderResult(True, 10009, "filled earlier and already closed: not sent "
                               "again", ticket=ticket, price=found.price)
        return None

    def _filled(self, intent: OrderIntent, ticket: int, price: float | None,
                extra: Mapping[str, Any] | None = None) -> None:
        """The position record (with the client id) replaces the in-flight intent, so the
        intents table holds only orders in flight and never grows with history."""
        self._store.put(POSITIONS, str(ticket), {
            "ticket": ticket, "client_id": intent.client_id, "strategy": intent.strategy,
            "kind": intent.kind.value, "signal_id": intent.signal_id,
            "group_id": intent.group_id, "logic": intent.logic, "symbol": intent.symbol,
            "direction": intent.direction.value, "entry": price,
            "opened_at": self._clock.now().isoformat(),
            # the initial stops: trailing measures D from the first SL (SPEC §5.2.6)
            "sl_initial": intent.sl, "tp_initial": intent.tp, **(extra or {}),
        })
        self._store.delete(INTENTS, intent.client_id)

    async def close(self, ticket: int, volume: float | None = None,
                    reason: str = "MANUAL") -> OrderResult:
        held = self.positions.get(ticket)
        mt5 = self._settings().mt5
        result, tries = await send_with_retries(
            lambda previous: self._close_attempt(ticket, volume, held, previous),
            retries=mt5.order_retries, backoff=mt5.order_retry_backoff_seconds,
            what=f"close #{ticket}")
        if result.ok:
            # A partial close leaves the position open: its reason must not become the
            # reason of the final close, which may be the broker's SL/TP or a manual one.
            full = volume is None or held is None or volume >= held.volume - 1e-9
            if self.meta(ticket):
                self._store.update(POSITIONS, str(ticket), **(
                    {"close_reason": reason} if full else {"last_partial": reason}))
            await self.refresh()
        elif tries > 1:
            result = OrderResult(False, result.retcode,
                                 f"{result.message} (after {tries} attempts)")
        return result

    async def _close_attempt(self, ticket: int, volume: float | None, held: Position | None,
                             previous: OrderResult | None) -> OrderResult:
        """After an IPC failure the position is read first: gone (or smaller, for a partial
        close) means the close executed and is not sent again."""
        if previous is not None and classify(previous) is RetcodeClass.UNKNOWN:
            try:
                now = {p.ticket: p for p in await self.broker.positions()}
            except BrokerError as exc:
                return OrderResult(False, UNKNOWN_OUTCOME,
                                   f"position look-up failed ({exc}): outcome unknown")
            current = now.get(ticket)
            if current is None:
                return OrderResult(True, 10009, "closed at the broker: not sent again",
                                   ticket=ticket)
            if volume is not None and held is not None and \
                    current.volume < held.volume - 1e-9:
                return OrderResult(True, 10009, "partly closed at the broker: not sent again",
                                   ticket=ticket, volume=held.volume - current.volume)
        try:
            return await self.broker.close_position(ticket, volume)
        except BrokerError as exc:
            return OrderResult(False, UNKNOWN_OUTCOME, f"close failed ({exc}): outcome unknown")

    def note(self, ticket: int, **fields: Any) -> None:
        """Add fields to an open position's record (the trade manager's marks)."""
        if self.meta(ticket):
            self._store.update(POSITIONS, str(ticket), **fields)

    async def close_all(self, reason: str = "PANIC") -> list[CloseReport]:
        """SPEC §5.5.2: pause (PANIC) then close every system-owned position at market."""
        self.pause(PauseReason.PANIC)
        await self.refresh()
        reports = []
        for ticket in sorted(self.positions):
            before = self.positions[ticket]
            result = await self.close(ticket, reason=reason)
            profit = before.profit if result.ok else 0.0
            reports.append(CloseReport(ticket, result.ok, profit, result.message))
        return reports

    # -- watching the terminal -------------------------------------------------------------
    async def refresh(self) -> None:
        """Read positions and account; turn vanished positions into closed-trade records."""
        try:
            positions, account = await self.broker.snapshot()
            current = {p.ticket: p for p in positions}
        except BrokerError as exc:
            log.warning("broker refresh failed: %s", exc)
            return
        gone = [t for t in self.positions if t not in current]
        self.positions = current
        self.account = account
        for ticket in gone:
            await self._record_close(ticket)
        self._bus.publish(PositionsChanged(tuple(sorted(current.values(),
                                                        key=lambda p: p.ticket))))
        self._bus.publish(AccountUpdated(account))

    async def _record_close(self, ticket: int, known: tuple[Deal, ...] | None = None) -> None:
        """`known` deals make it one step with no await (no other task sees it half done)."""
        meta = self.meta(ticket)
        now = self._clock.now()
        deals = list(known if known is not None else await self.broker.position_deals(ticket))
        outs = [d for d in deals if d.entry == "OUT"]
        ins = [d for d in deals if d.entry == "IN"]
        profit = round(sum(d.profit + d.commission + d.swap for d in outs), 2)
        last = outs[-1] if outs else None
        reason = _close_reason(last, meta)
        direction = ins[0].direction if ins else Direction(meta.get("direction", "BUY"))
        record = {
            **meta, "ticket": ticket, "symbol": last.symbol if last else meta.get("symbol"),
            "direction": direction.value, "volume": round(sum(d.volume for d in ins), 2),
            "price_open": ins[0].price if ins else meta.get("entry"),
            "price_close": last.price if last else None, "profit": profit,
            "close_reason": reason, "closed_at": now.isoformat(),
        }
        log.info("position #%s %s %s closed at %s: %s %+.2f", ticket, record["symbol"],
                 direction.value, record["price_close"], reason, profit)
        self._store.append(TRADES, record)
        self._store.delete(POSITIONS, str(ticket))
        self._bus.publish(PositionClosed(
            ticket=ticket, symbol=str(record["symbol"]), direction=direction.value,
            volume=float(record["volume"] or 0), price_open=float(record["price_open"] or 0),
            price_close=float(record["price_close"] or 0), profit=profit, reason=reason,
            deals=tuple(deals), strategy=str(meta.get("strategy") or "")))


def _close_reason(last: Deal | None, meta: dict[str, Any]) -> str:
    if last is not None and last.reason in ("SL", "TP"):
        return last.reason
    return str(meta.get("close_reason") or (last.reason if last else "UNKNOWN"))


def _intent_doc(intent: OrderIntent) -> dict[str, Any]:
    doc = asdict(intent)
    doc["direction"] = intent.direction.value
    doc["kind"] = intent.kind.value
    return doc
