"""The reverse shield (SPEC §6.9, default off): two opposite orders after an Order A SL hit.

Shield A: 50 % of the lot, SL at the original entry, TP one SL-gap beyond the hit SL (1:1).
Shield B: the same size and SL without a TP; its position record carries `shield: "B"` and
`profit_seed: True` so profit booking (SPEC §7) can take it over as a pyramid seed.
Kill switch: the price recovering to the retrace level (70 %) closes the shields, and the
SL hunt of the chain proceeds normally. Pairs are persisted in the store table "shields".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.brokers.port import BrokerError
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.config.settings import Settings
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.domain.symbols import SymbolSpec
from core.events import EventBus, PositionClosed
from core.infra.events import OperatorNotice
from core.risk.manager import RiskManager
from core.risk.precheck import PlannedOrder
from core.storage.store import Store
from core.trading.reentry.rules import retrace_level
from core.trading.service import TradingService

if TYPE_CHECKING:
    from core.trading.reentry.model import Chain

log = logging.getLogger(__name__)
TABLE = "shields"


class ReverseShield:
    def __init__(self, settings: Callable[[], Settings], store: Store, bus: EventBus,
                 trading: TradingService, risk: RiskManager,
                 symbols: Callable[[], Mapping[str, SymbolSpec]]) -> None:
        self._settings = settings
        self._store = store
        self._bus = bus
        self.trading = trading
        self.risk = risk
        self._symbols = symbols
        # Asked on every price tick (a follower's `active`): kept in memory, refreshed after
        # each change of the table, so a tick never reads the store.
        self._live = bool(self.pairs)

    @property
    def pairs(self) -> list[dict[str, Any]]:
        return [d for d in self._store.all(TABLE) if d["status"] in ("pending", "open")]

    @property
    def active(self) -> bool:
        return self._live

    def _recount(self) -> None:
        self._live = bool(self.pairs)

    def sl_hit(self, chain: Chain, event: PositionClosed, now: datetime) -> None:
        """Order A (level 0) hit its SL: queue a pair when the shield is on and a slot is
        free; the next monitor tick opens it (orders are sent from the async loop)."""
        cfg = self._settings().reverse_shield
        if not cfg.enabled or chain.current_level != 0:
            return
        if not self._settings().reentry.autonomous_enabled:
            return
        if len(self.pairs) >= cfg.max_concurrent:
            log.info("shield for %s skipped: %d pairs open", chain.chain_id, len(self.pairs))
            return
        spec = self._symbols()[chain.symbol]
        self._store.put(TABLE, chain.chain_id, {
            "chain_id": chain.chain_id, "symbol": chain.symbol, "side": chain.direction,
            "entry": chain.original_entry, "sl": chain.original_sl,
            "lot": max(0.01, round(chain.lot * cfg.lot_fraction, 2)),
            "strategy": chain.strategy, "logic": chain.logic, "tag": chain.tag,
            "kill_level": retrace_level(spec, chain.original_entry, chain.original_sl,
                                        cfg.kill_switch_retrace),
            "status": "pending", "tickets": [], "created_at": now.isoformat()})
        self._live = True

    async def follow(self, now: datetime, quotes: dict[str, tuple[float, float]]) -> int:
        acted = 0
        for pair in self.pairs:
            if pair["status"] == "pending":
                acted += await self._open(pair)
            elif await self._killed(pair, quotes):
                acted += await self._close_pair(pair, "kill switch: price back to the "
                                                      f"retrace level {pair['kill_level']}")
        self._recount()
        return acted

    async def _open(self, pair: dict[str, Any]) -> int:
        settings = self._settings()
        spec = self._symbols()[pair["symbol"]]
        side = Direction(pair["side"]).opposite
        key = pair["chain_id"]
        gate = self.risk.check_new_order(pair["symbol"], strategy=pair["strategy"],
                                         announce=False)
        gap = abs(pair["entry"] - pair["sl"])
        sl_pips = spec.pips(gap)
        check = self.risk.pre_trade_check(pair["symbol"], [
            PlannedOrder("S", pair["lot"], sl_pips, spec.pip_value)] * 2,
            strategy=pair["strategy"], announce=False)
        if not gate.allowed or not check.ok:
            why = gate.text if not gate.allowed else check.text
            self._store.update(TABLE, key, status="refused", reason=why)
            log.info("shield for %s refused: %s", key, why)
            return 0
        tp_a = spec.round_price(pair["sl"] + side.sign * gap * settings.reverse_shield.rr)
        tickets, words = [], []
        for name, tp, lot in (("A", tp_a, check.lots[0]), ("B", None, check.lots[1])):
            client_id = new_client_id()
            intent = OrderIntent(
                client_id=client_id, symbol=pair["symbol"], direction=side, volume=lot,
                sl=spec.round_price(pair["entry"]), tp=tp, kind=OrderKind.SHIELD,
                strategy=pair["strategy"], magic=magic_for(pair["tag"], settings.mt5.magic_base),
                comment=make_comment(pair["tag"], OrderKind.SHIELD.value, client_id),
                group_id=key, logic=pair["logic"])
            extra = {"shield": name, "chain_id": key, "profit_seed": name == "B"}
            result = await self.trading.place(intent, extra)
            if result.ok and result.ticket is not None:
                tickets.append(result.ticket)
                words.append(f"Shield {name} #{result.ticket} {side.value} {lot:.2f} "
                             f"@ {result.price} SL {intent.sl} TP {tp or 'profit booking'}")
            else:
                words.append(f"Shield {name} failed: {result.message}")
        self._store.update(TABLE, key, status="open" if tickets else "refused",
                           tickets=tickets)
        self._notice("shield_opened", f"Shield opened: {pair['symbol']}", pair, *words)
        return len(tickets)

    async def _killed(self, pair: dict[str, Any], quotes: dict[str, tuple[float, float]]
                      ) -> bool:
        symbol = pair["symbol"]
        if symbol not in quotes:
            try:
                quote = await self.trading.broker.quote(symbol)
            except BrokerError:
                return False
            quotes[symbol] = (quote.bid, quote.ask)
        bid, ask = quotes[symbol]
        if Direction(pair["side"]) is Direction.BUY:
            return bid >= pair["kill_level"]
        return ask <= pair["kill_level"]

    async def _close_pair(self, pair: dict[str, Any], why: str) -> int:
        closed = 0
        for ticket in pair["tickets"]:
            if ticket in self.trading.positions:
                closed += int((await self.trading.close(ticket, reason="SHIELD_KILL")).ok)
        self._store.update(TABLE, pair["chain_id"], status="done", reason=why)
        self._notice("shield_closed", f"Shield closed: {pair['symbol']}", pair, why,
                     f"{closed} order(s) closed")
        return closed

    def closed(self, event: PositionClosed) -> None:
        """A shield order closed by itself (SL/TP): the pair ends when none is left."""
        for pair in self.pairs:
            if event.ticket in pair["tickets"]:
                left = [t for t in pair["tickets"] if t != event.ticket]
                self._store.update(TABLE, pair["chain_id"], tickets=left,
                                   status="open" if left else "done")
                self._notice("shield_closed", f"Shield closed: {pair['symbol']}", pair,
                             f"#{event.ticket} closed {event.reason} {event.profit:+.2f}")
        self._recount()

    def disarm(self) -> None:
        """Panic: queued pairs are dropped (open ones are closed by the panic itself)."""
        for pair in self.pairs:
            self._store.update(TABLE, pair["chain_id"], status="done", reason="panic close")
        self._recount()

    def _notice(self, type_: str, title: str, pair: dict[str, Any], *lines: str) -> None:
        self._bus.publish(OperatorNotice(type=type_, title=title, lines=(
            f"{pair['chain_id']} after the {pair['side']} SL", *lines), symbol=pair["symbol"],
            strategy=pair["strategy"]))
