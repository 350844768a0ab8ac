"""RiskManager: the gates of §3.8, sizing, the pre-trade check and the loss caps (SPEC §5.4)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.brokers.port import BrokerError
from core.clock import Clock
from core.config.settings import Settings
from core.domain.orders import Deal
from core.domain.symbols import SymbolSpec
from core.events import (
    DailyLossLimit,
    DailyLossWarning,
    DailyReset,
    Event,
    EventBus,
    LifetimeLossLimit,
    LotReduced,
    PositionClosed,
    PositionOpened,
    ProfitTargetReached,
    RiskBlocked,
)
from core.risk.gates import ALLOWED, WEEKEND_TEXT, GateResult, paused_text, usd, weekend_blocked
from core.risk.ledger import Counters, Ledger, day_start, next_reset, realised_units
from core.risk.precheck import PlannedOrder, PreTradeResult, pre_trade_check
from core.risk.sizing import LotDecision, VolumeRules, risk_lot, smart_factor, table_sl_pips
from core.risk.sizing import tier_for as _tier_for
from core.sessions.table import block_text
from core.storage.store import Store
from core.trading.service import TradingService

log = logging.getLogger(__name__)
RISK_CODES = ("LIFETIME_CAP", "DAILY_CAP", "PROFIT_TARGET_REACHED", "MAX_OPEN",
              "MAX_DAILY_TRADES")


@dataclass(frozen=True, slots=True)
class RiskStatus:
    """Everything /risk and /view_risk_status show, computed at one instant."""

    tier: str
    tier_mode: str
    balance: float
    risk_percent: float
    max_lot: float
    daily_cap: float
    lifetime_cap: float
    counters: Counters
    max_open: int
    open_trades: int
    max_daily_trades: int
    profit_target: float
    smart_factor: float
    next_reset: datetime
    blocks: tuple[str, ...]

    @property
    def remaining_daily(self) -> float:
        return round(max(self.daily_cap - self.counters.daily_loss, 0.0), 2)

    @property
    def remaining_lifetime(self) -> float:
        return round(max(self.lifetime_cap - self.counters.lifetime_loss, 0.0), 2)


class RiskManager:
    """One per engine. Loss counters come from realised closes (events and a deal scan)."""

    SCAN_SECONDS = 5.0

    def __init__(self, settings: Callable[[], Settings], store: Store, bus: EventBus,
                 clock: Clock, trading: TradingService,
                 symbols: Callable[[], Mapping[str, SymbolSpec]]) -> None:
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self.trading = trading
        self._symbols = symbols
        now = clock.now()
        risk = settings().risk
        self.ledger = Ledger(store, now, risk.daily_reset_time, risk.daily_reset_timezone)
        self._next_scan = float("-inf")
        self._scanned = False
        self._scan_saved = float("-inf")
        self.roll(now)  # the process was down at the reset: reset now (SPEC §5.4.5)
        bus.listen(self._on_event, (PositionClosed, PositionOpened))

    # -- the numbers -----------------------------------------------------------------------
    @property
    def counters(self) -> Counters:
        return self.ledger.counters

    def balance(self) -> float:
        account = self.trading.account
        if account is not None:
            self.ledger.last_balance = account.balance
            return account.balance
        return self.ledger.last_balance or 0.0  # unknown: the lowest tier (smallest caps)

    def tier(self) -> str:
        return _tier_for(self.balance(), self._settings())

    def caps(self) -> tuple[float, float]:
        row = self._settings().risk.tiers[self.tier()]
        return row.daily_cap, row.lifetime_cap

    def smart_factor(self) -> float:
        daily_cap, _ = self.caps()
        return smart_factor(self.counters.daily_loss, daily_cap,
                            self._settings().risk.smart_lot_reduction)

    def remaining(self) -> tuple[float, float]:
        daily_cap, lifetime_cap = self.caps()
        c = self.counters
        return daily_cap - c.daily_loss, lifetime_cap - c.lifetime_loss

    def next_reset(self, now: datetime | None = None) -> datetime:
        r = self._settings().risk
        return next_reset(now or self._clock.now(), r.daily_reset_time, r.daily_reset_timezone)

    # -- gates 2-8 (SPEC §3.8) ---------------------------------------------------------------
    def cap_block(self) -> GateResult:
        """Gates 5 and 6: a hit loss cap (what /resume refuses to lift)."""
        daily_cap, lifetime_cap = self.caps()
        c = self.counters
        if c.lifetime_loss >= lifetime_cap:
            return GateResult("LIFETIME_CAP", f"blocked: lifetime loss cap {usd(lifetime_cap)} "
                                              "reached")
        if c.daily_loss >= daily_cap:
            return GateResult("DAILY_CAP", f"blocked: daily loss cap {usd(daily_cap)} reached")
        return ALLOWED

    def _limits_block(self) -> GateResult:
        """Gates 5-8 in order: lifetime cap, daily cap, profit target, max open / per day."""
        capped = self.cap_block()
        if not capped.allowed:
            return capped
        risk = self._settings().risk
        target = risk.daily_profit_target
        if target > 0 and self.counters.daily_net >= target:
            return GateResult("PROFIT_TARGET_REACHED",
                              f"blocked: daily profit target {usd(target)} reached")
        if len(self.trading.positions) >= risk.max_open_trades:
            return GateResult("MAX_OPEN",
                              f"blocked: maximum open trades reached ({risk.max_open_trades})")
        if 0 < risk.max_daily_trades <= self.counters.daily_trades:
            return GateResult("MAX_DAILY_TRADES", "blocked: maximum trades per day reached "
                                                  f"({risk.max_daily_trades})")
        return ALLOWED

    def check_new_order(self, symbol: str, now: datetime | None = None, *, strategy: str = "",
                        manual: bool = False, announce: bool = True) -> GateResult:
        """Gates 2-8 of SPEC §3.8 for one new order (entry, re-entry, pyramid, shield).

        Manual orders bypass the session filter with a warning. A refusal by gates 5-8
        raises `risk_blocked` unless `announce` is False.
        """
        now = now or self._clock.now()
        self.roll(now)
        settings = self._settings()
        if self.trading.paused:
            return GateResult("PAUSED", paused_text(self.trading.pause_reason))
        if weekend_blocked(settings, now):
            return GateResult("WEEKEND", WEEKEND_TEXT)
        warning = ""
        session = block_text(settings.sessions, symbol, now)
        if session is not None:
            if not manual:
                return GateResult("SESSION_BLOCKED", session)
            warning = f"manual order bypasses the session filter ({session})"
        result = self._limits_block()
        if result.allowed:
            return GateResult(None, "allowed", warning)
        if announce and result.code:
            self._bus.publish(RiskBlocked(symbol, result.code, result.text, strategy))
        return result

    # -- sizing (SPEC §5.3.2, §5.4.2) --------------------------------------------------------
    def sl_pips(self, spec: SymbolSpec, *, sl_multiplier: float = 1.0,
                reentry_factor: float = 1.0, stops_level_pips: float = 0.0) -> float:
        """Table-based SL for a new order at the active tier (fallback rule when tables are
        off uses the account balance)."""
        return table_sl_pips(self._settings(), spec, self.tier(), sl_multiplier, reentry_factor,
                             balance=self.balance(), stops_level_pips=stops_level_pips)

    def size(self, spec: SymbolSpec, sl_pips: float, *, multipliers: float = 1.0,
             strategy_max_lot: float | None = None, pip_value: float | None = None,
             volume: VolumeRules | None = None, strategy: str = "",
             announce: bool = True) -> LotDecision:
        """The risk-based lot with every multiplier, the smart-reduction factor, the tier and
        strategy clamp and the broker's volume grid."""
        settings, balance, smart = self._settings(), self.balance(), self.smart_factor()
        decision = risk_lot(balance, settings, spec, sl_pips, multipliers, strategy_max_lot,
                            pip_value, smart=smart, volume=volume)
        if announce and smart < 1.0:
            full = risk_lot(balance, settings, spec, sl_pips, multipliers, strategy_max_lot,
                            pip_value, volume=volume)
            if decision.lot < full.lot:
                used = round(100 * self.counters.daily_loss / self.caps()[0])
                self._bus.publish(LotReduced(spec.name, full.lot, decision.lot,
                                             f"smart reduction ×{smart:g} ({used} % of the "
                                             "daily cap used)", strategy))
        return decision

    def pre_trade_check(self, symbol: str, orders: Sequence[PlannedOrder], *,
                        volume: VolumeRules | None = None, strategy: str = "",
                        announce: bool = True) -> PreTradeResult:
        """SPEC §5.4.3: the potential loss of all orders must fit the remaining caps."""
        room_daily, room_lifetime = self.remaining()
        rules = volume or VolumeRules()
        result = pre_trade_check(orders, room_daily, room_lifetime,
                                 b_fraction=self._settings().dual_orders.order_b_lot_fraction,
                                 step=rules.step, minimum=rules.minimum)
        if announce and not result.ok and result.code:
            self._bus.publish(RiskBlocked(symbol, result.code, result.text, strategy))
        elif announce and result.reduced:
            before = sum(o.lot for o in orders)
            self._bus.publish(LotReduced(symbol, round(before, 2), round(sum(result.lots), 2),
                                         result.text, strategy))
        return result

    # -- realised results ----------------------------------------------------------------------
    def record_deals(self, deals: Iterable[Deal], when: datetime | None = None) -> int:
        """Count the closing deals not counted yet; `when` None = each deal's own time."""
        now = self._clock.now()
        self.roll(now)
        r = self._settings().risk
        begins = day_start(date.fromisoformat(self.counters.trading_day), r.daily_reset_time,
                           r.daily_reset_timezone)
        counted = 0
        for deal, net in realised_units(deals):
            moment = when or min(deal.time, now)
            if self.ledger.record(deal.ticket, net, moment, begins, now):
                counted += 1
                log.info("realised %+.2f on #%s (deal %s): daily loss %.2f, lifetime %.2f",
                         net, deal.position_id, deal.ticket, self.counters.daily_loss,
                         self.counters.lifetime_loss)
        if counted:
            self.evaluate(now)
        return counted

    def _on_event(self, event: Event) -> None:
        if isinstance(event, PositionClosed):
            self.record_deals(event.deals, when=self._clock.now())
        elif isinstance(event, PositionOpened):
            self.roll(self._clock.now())
            self.ledger.opened_position(event.position.ticket, self._clock.now())

    async def scan(self, now: datetime | None = None) -> int:
        """Read the broker's recent deals: partial closes and closes while the process was
        down. The first scan of a fresh ledger only marks what exists as already counted."""
        now = now or self._clock.now()
        broker = self.trading.broker
        if not broker.connected:
            return 0
        first = not self._scanned
        last = self.ledger.last_scan
        since = (datetime.fromisoformat(last) if last else now) - timedelta(days=1)
        try:
            deals = await broker.deals(since, now + timedelta(days=1))
        except BrokerError as exc:
            log.warning("risk: deal scan failed: %s", exc)
            return 0
        counted = 0
        if first and self.ledger.fresh:
            self.ledger.mark_seen((d.ticket for d in deals if d.entry == "OUT"), now)
        else:
            fresh = sorted({d.position_id for d in deals
                            if d.entry == "OUT" and str(d.ticket) not in self.ledger.seen})
            for position in fresh:
                try:
                    full = tuple(await broker.position_deals(position))
                except BrokerError:
                    full = tuple(d for d in deals if d.position_id == position)
                counted += self.record_deals(full, when=None if first else now)
        self._scanned = True
        self.ledger.last_scan = now.isoformat()
        if counted or first or self._clock.monotonic() - self._scan_saved >= 60:
            self._scan_saved = self._clock.monotonic()
            self.ledger.save()
        return counted

    # -- caps, warnings, the daily reset ---------------------------------------------------------
    def evaluate(self, now: datetime | None = None) -> None:
        """Raise the 80 % warning, the cap and the profit-target events, each once."""
        now = now or self._clock.now()
        settings = self._settings()
        c, tier = self.counters, self.tier()
        daily_cap, lifetime_cap = self.caps()
        changes: dict[str, bool] = {}
        if c.daily_loss >= daily_cap:
            if not c.daily_limit_sent:
                changes.update(daily_limit_sent=True, warned=True)
                self._bus.publish(DailyLossLimit(c.daily_loss, daily_cap, tier,
                                                 self.next_reset(now)))
        else:
            if c.daily_limit_sent:
                changes["daily_limit_sent"] = False
            warn_at = daily_cap * settings.risk.daily_loss_warning_percent / 100
            if c.daily_loss >= warn_at - 1e-9 and not c.warned:
                changes["warned"] = True
                self._bus.publish(DailyLossWarning(
                    c.daily_loss, daily_cap, round(100 * c.daily_loss / daily_cap, 1), tier))
        if c.lifetime_loss >= lifetime_cap and not c.lifetime_limit_sent:
            changes["lifetime_limit_sent"] = True
            self._bus.publish(LifetimeLossLimit(c.lifetime_loss, lifetime_cap, tier))
        elif c.lifetime_loss < lifetime_cap and c.lifetime_limit_sent:
            changes["lifetime_limit_sent"] = False
        target = settings.risk.daily_profit_target
        if target > 0 and c.daily_net >= target and not c.target_sent:
            changes["target_sent"] = True
            self._bus.publish(ProfitTargetReached(c.daily_net, target))
        if changes:
            self.ledger.set(**changes)

    def roll(self, now: datetime | None = None) -> bool:
        """The daily reset: when `now` is in a new trading day, zero the daily counters."""
        now = now or self._clock.now()
        r = self._settings().risk
        closed = self.ledger.roll(now, r.daily_reset_time, r.daily_reset_timezone)
        if closed is None:
            return False
        log.info("daily reset: trading day %s starts (previous %s: loss %.2f, profit %.2f, "
                 "%d trades)", self.counters.trading_day, closed.trading_day, closed.daily_loss,
                 closed.daily_profit, closed.daily_trades)
        self._bus.publish(DailyReset(self.counters.trading_day, closed.trading_day,
                                     closed.daily_loss, closed.daily_profit,
                                     closed.daily_trades))
        return True

    def clear_daily_loss(self) -> float:
        before = self.counters.daily_loss
        self.ledger.set(daily_loss=0.0, warned=False, daily_limit_sent=False)
        return before

    def clear_lifetime_loss(self) -> float:
        before = self.counters.lifetime_loss
        self.ledger.set(lifetime_loss=0.0, lifetime_limit_sent=False,
                        lifetime_since=self._clock.now().isoformat())
        return before

    async def tick(self, now: datetime | None = None) -> None:
        """One timer step: daily reset, deal scan (every few seconds), cap events."""
        now = now or self._clock.now()
        self.roll(now)
        if self._clock.monotonic() >= self._next_scan:
            self._next_scan = self._clock.monotonic() + self.SCAN_SECONDS
            await self.scan(now)
        self.evaluate(now)

    async def run(self, interval: float = 1.0) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the timer must survive one bad step
                log.exception("risk timer step failed")
            await asyncio.sleep(interval)

    # -- views ------------------------------------------------------------------------------------
    def status(self, now: datetime | None = None) -> RiskStatus:
        now = now or self._clock.now()
        self.roll(now)
        settings = self._settings()
        tier = self.tier()
        row = settings.risk.tiers[tier]
        blocks = []
        if self.trading.paused:
            blocks.append(paused_text(self.trading.pause_reason))
        if weekend_blocked(settings, now):
            blocks.append(WEEKEND_TEXT)
        limits = self._limits_block()
        if limits.code:
            blocks.append(limits.text)
        return RiskStatus(
            tier=tier, tier_mode=settings.risk.tier_mode, balance=self.balance(),
            risk_percent=row.risk_percent, max_lot=row.max_lot, daily_cap=row.daily_cap,
            lifetime_cap=row.lifetime_cap, counters=self.counters,
            max_open=settings.risk.max_open_trades, open_trades=len(self.trading.positions),
            max_daily_trades=settings.risk.max_daily_trades,
            profit_target=settings.risk.daily_profit_target, smart_factor=self.smart_factor(),
            next_reset=self.next_reset(now), blocks=tuple(blocks))
