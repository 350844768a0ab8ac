"""Pyramid orders (SPEC §7.2-§7.4): the checks before a level-up or a recovery, and sending."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from core.brokers.port import BrokerError
from core.brokers.tagging import make_comment, new_client_id
from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.domain.symbols import SymbolSpec
from core.risk.gates import usd
from core.risk.manager import RiskManager
from core.risk.precheck import PlannedOrder
from core.trading.alignment import Alignment
from core.trading.autonomy import Autonomy, protection_allows
from core.trading.pyramid.model import (
    FAILED,
    OPEN,
    SENDING,
    ProfitChain,
    Slot,
    sl_amount,
    sl_logic,
    sl_pips,
)
from core.trading.service import TradingService

log = logging.getLogger(__name__)


class PyramidOrders:
    """Everything that may refuse or send a pyramid order; the chain state stays outside."""

    def __init__(self, trading: TradingService, risk: RiskManager, alignment: Alignment | None,
                 settings: Callable[[], Settings],
                 symbols: Callable[[], Mapping[str, SymbolSpec]], clock: Clock) -> None:
        self.trading = trading
        self.risk = risk
        self.alignment = alignment
        self._settings = settings
        self._symbols = symbols
        self._clock = clock

    def stops(self, chain: ProfitChain, level: int, lot: float) -> tuple[float, float]:
        """(SL amount $, SL pips) of an order of `level` (SPEC §7.3)."""
        spec = self._symbols()[chain.symbol]
        amount = sl_amount(self._settings().profit_booking,
                           sl_logic(chain.strategy, chain.logic, chain.timeframe), level)
        return amount, sl_pips(amount, lot, spec.pip_value, spec.min_sl_pips)

    async def price(self, chain: ProfitChain) -> tuple[float, float]:
        quote = await self.trading.broker.quote(chain.symbol)
        return quote.bid, quote.ask

    def _gates(self, chain: ProfitChain, now: datetime) -> str | None:
        gate = self.risk.check_new_order(chain.symbol, now, strategy=chain.strategy)
        return None if gate.allowed else f"{gate.code}: {gate.text}"

    async def plan_level(self, chain: ProfitChain, level: int, now: datetime
                         ) -> tuple[tuple[Slot, ...], str]:
        """The new level's orders (not sent yet), or () and why the level-up is blocked:
        the global gates, the owner's alignment (SPEC §6.1) and the pre-trade check."""
        refused = self._gates(chain, now)
        if refused is not None:
            return (), refused
        direction = Direction(chain.direction)
        if self.alignment is not None:
            aligned, why = self.alignment.check(chain.strategy, chain.logic, chain.symbol,
                                                direction)
            if not aligned:
                return (), f"TREND_MISALIGNED: {why}"
        count = chain.orders_per_level[level]
        amount, pips = self.stops(chain, level, chain.base_lot)
        spec = self._symbols()[chain.symbol]
        check = self.risk.pre_trade_check(chain.symbol, [
            PlannedOrder(OrderKind.PYRAMID.value, chain.base_lot, pips, spec.pip_value)] * count,
            strategy=chain.strategy)
        if not check.ok:
            return (), f"{check.code}: {check.text}"
        try:
            bid, ask = await self.price(chain)
        except BrokerError as exc:
            return (), f"MT5_ERROR: no price for {chain.symbol}: {exc}"
        sl = self._sl_price(spec, direction, ask if direction is Direction.BUY else bid, pips)
        return tuple(Slot(level, i, new_client_id(), SENDING, volume=lot, sl=sl,
                          sl_amount=amount) for i, lot in enumerate(check.lots)), ""

    async def plan_recovery(self, chain: ProfitChain, slot: Slot, now: datetime,
                            autonomy: Autonomy) -> tuple[Slot | None, str]:
        """SPEC §7.4: the recovery of a slot whose order hit its SL, same lot and SL amount,
        if the gates, the autonomous limits and profit protection allow it now."""
        refused = self._gates(chain, now)
        if refused is not None:
            return None, refused
        may, why = autonomy.may_start(now, chain.chain_id)
        if not may:
            return None, f"AUTONOMOUS_LIMIT: {why}"
        spec = self._symbols()[chain.symbol]
        pips = sl_pips(slot.sl_amount, slot.volume, spec.pip_value, spec.min_sl_pips) \
            if slot.sl_amount > 0 else self.stops(chain, slot.level, slot.volume)[1]
        allowed, why = protection_allows(self._settings(), "B", chain.realised, slot.volume,
                                         pips, spec.pip_value)
        if not allowed:
            return None, why
        check = self.risk.pre_trade_check(chain.symbol, [
            PlannedOrder(OrderKind.PYRAMID.value, slot.volume, pips, spec.pip_value)],
            strategy=chain.strategy)
        if not check.ok:
            return None, f"{check.code}: {check.text}"
        try:
            bid, ask = await self.price(chain)
        except BrokerError as exc:
            return None, f"MT5_ERROR: no price for {chain.symbol}: {exc}"
        direction = Direction(chain.direction)
        sl = self._sl_price(spec, direction, ask if direction is Direction.BUY else bid, pips)
        amount = slot.sl_amount or round(check.lots[0] * pips * spec.pip_value, 2)
        return replace(slot, client_id=new_client_id(), state=SENDING, ticket=None,
                       volume=check.lots[0], sl=sl, sl_amount=amount, entry=None,
                       attempts=slot.attempts + 1, target=None, until="", blocked="",
                       note=f"recovery {slot.attempts + 1} sent"), ""

    def _sl_price(self, spec: SymbolSpec, direction: Direction, price: float,
                  pips: float) -> float | None:
        if not self._settings().profit_booking.sl.enabled:
            return None  # /disable_profit_sl: booking and the caps only (SPEC §7.3)
        return spec.round_price(price - direction.sign * spec.price_distance(pips))

    def intent(self, chain: ProfitChain, slot: Slot) -> OrderIntent:
        return OrderIntent(
            client_id=slot.client_id, symbol=chain.symbol, direction=Direction(chain.direction),
            volume=slot.volume, sl=slot.sl, tp=None, kind=OrderKind.PYRAMID,
            strategy=chain.strategy, magic=chain.magic,
            comment=make_comment(chain.tag, OrderKind.PYRAMID.value, slot.client_id),
            group_id=chain.chain_id, logic=chain.logic)

    async def send(self, chain: ProfitChain, slot: Slot) -> Slot:
        """Place (or, after a restart, find) the slot's order: idempotent by client id."""
        result = await self.trading.place(self.intent(chain, slot), {
            "profit_chain_id": chain.chain_id, "profit_level": slot.level,
            "profit_attempt": slot.attempts})
        if not result.ok or result.ticket is None:
            log.warning("%s level %d order %d refused: %s", chain.chain_id, slot.level,
                        slot.index, result.message)
            return replace(slot, state=FAILED, note=f"refused: {result.message}")
        risk = f"SL {usd(slot.sl_amount)}" if slot.sl is not None else "no SL"
        return replace(slot, state=OPEN, ticket=result.ticket, entry=result.price,
                       note=f"#{result.ticket} {slot.volume:.2f} @ {result.price} ({risk})")
