"""Profit-booking chains as values (SPEC §7.1-§7.3): orders, levels, verdicts, SL amounts."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from core.config.profit import ProfitBookingSettings
from core.domain.orders import Position
from core.domain.symbols import SymbolSpec
from core.trading.chain_events import ChainRow

ACTIVE, COMPLETED, STOPPED = "ACTIVE", "COMPLETED", "STOPPED"
# Order (slot) states. SENDING: its client id is stored, the broker may or may not have it;
# HUNT: it hit its SL and waits for the profit-SL hunt (SPEC §7.4); CLOSED: ended neither
# booked nor at a loss (an exit signal or breakeven at ±0); FAILED: the broker refused it.
SENDING, OPEN, HUNT = "SENDING", "OPEN", "HUNT"
BOOKED, LOST, CLOSED, FAILED = "BOOKED", "LOST", "CLOSED", "FAILED"
LIVE = frozenset({SENDING, OPEN, HUNT})
BOOKED_REASONS = frozenset({"BOOKED", "TP"})
V6_SL_LOGIC = {"1m": "logic1", "5m": "logic1", "15m": "logic2", "1h": "logic3"}


@dataclass(frozen=True, slots=True)
class Slot:
    """One order of a level; a profit-SL hunt recovery reuses the slot (`attempts` + 1)."""

    level: int
    index: int
    client_id: str
    state: str
    ticket: int | None = None
    volume: float = 0.0
    sl: float | None = None  # SL price sent (None: pyramid SLs off)
    sl_amount: float = 0.0  # dollars lost at that SL
    entry: float | None = None
    attempts: int = 0  # recovery orders opened for this slot
    profit: float = 0.0  # realised P&L of every attempt
    target: float | None = None  # profit-SL hunt trigger price
    until: str = ""  # profit-SL hunt window end (ISO UTC)
    note: str = ""  # how it ended, in words
    blocked: str = ""  # why a triggered hunt may not open yet (said once)

    @property
    def live(self) -> bool:
        return self.state in LIVE


@dataclass(frozen=True, slots=True)
class LevelResult:
    level: int
    orders: int
    booked: int
    lost: int


@dataclass(frozen=True, slots=True)
class ProfitChain:
    """SPEC §7.1. The level presets are copied at creation: a chain keeps the plan it began
    with while the operator changes the settings for later chains."""

    chain_id: str
    symbol: str
    direction: str
    strategy: str
    logic: str | None
    timeframe: str | None
    magic: int
    tag: str  # broker tag code of the owner (SPEC §5.1.5), first part of the comment
    base_lot: float
    origin_ticket: int
    enabled_levels: tuple[int, ...]
    orders_per_level: tuple[int, ...]
    targets: tuple[float, ...]
    created_at: str
    updated_at: str
    current_level: int = 0
    status: str = ACTIVE
    stop_reason: str = ""
    slots: tuple[Slot, ...] = ()
    finished_at: str = ""

    # -- facts ---------------------------------------------------------------------------
    @property
    def booked_profit(self) -> float:
        return round(sum(s.profit for s in self.slots if s.state == BOOKED), 2)

    @property
    def realised(self) -> float:
        """Every closed order's P&L: the chain profit profit protection weighs (SPEC §6.7)."""
        return round(sum(s.profit for s in self.slots), 2)

    @property
    def live(self) -> bool:
        """Still needs watching: active, or an order of it is open or hunting."""
        return self.status == ACTIVE or any(s.live for s in self.slots)

    @property
    def max_level(self) -> int:
        return max(self.enabled_levels)

    def at(self, level: int) -> list[Slot]:
        return [s for s in self.slots if s.level == level]

    def level_results(self) -> tuple[LevelResult, ...]:
        levels = sorted({s.level for s in self.slots})
        return tuple(LevelResult(n, len(self.at(n)), sum(s.state == BOOKED for s in self.at(n)),
                                 sum(s.state == LOST for s in self.at(n))) for n in levels)

    def open_tickets(self) -> tuple[int, ...]:
        return tuple(s.ticket for s in self.slots if s.state == OPEN and s.ticket is not None)

    def slot_of(self, ticket: int) -> Slot | None:
        return next((s for s in self.slots if s.ticket == ticket and s.live), None)

    def next_level(self) -> int | None:
        """The next enabled level above the current one (disabled levels are skipped)."""
        return next((n for n in self.enabled_levels if n > self.current_level), None)

    def level_done(self) -> bool:
        level = self.at(self.current_level)
        return bool(level) and not any(s.live for s in level)

    # -- changes -------------------------------------------------------------------------
    def with_slot(self, slot: Slot, now: str) -> ProfitChain:
        slots = tuple(slot if (s.level, s.index) == (slot.level, slot.index) else s
                      for s in self.slots)
        return replace(self, slots=slots, updated_at=now)

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["level_results"] = [asdict(r) for r in self.level_results()]
        doc["booked_profit"] = self.booked_profit
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ProfitChain:
        fields = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__}
        fields["slots"] = tuple(Slot(**s) for s in doc.get("slots", ()))
        for name in ("enabled_levels", "orders_per_level", "targets"):
            fields[name] = tuple(doc[name])
        return cls(**fields)


def verdict(chain: ProfitChain, settings: ProfitBookingSettings) -> tuple[bool, str]:
    """Did the (complete) current level succeed? Strict: every order booked; otherwise at
    least `partial_threshold` of them (SPEC §7.2)."""
    level = chain.current_level
    orders = chain.at(level)
    booked = sum(s.state == BOOKED for s in orders)
    words = f"level {level}: {booked} of {len(orders)} booked"
    if booked == len(orders):
        return True, words
    if settings.strict_mode:
        return False, f"{words} (strict mode needs all)"
    needed = settings.partial_threshold
    if booked / len(orders) >= needed - 1e-9:
        return True, f"{words} (≥ {needed:.0%})"
    return False, f"{words} (under {needed:.0%})"


def sl_logic(strategy: str, logic: str | None, timeframe: str | None) -> str:
    """Which SL-1.1 amount an owner uses: Logic n by label; V6 1m/5m as Logic 1, 15m as
    Logic 2, 1h as Logic 3 (SPEC §7.3); anything else as Logic 1."""
    for label in (logic, strategy):
        if label and label.startswith("combinedlogic-"):
            return f"logic{label.rsplit('-', 1)[1]}"
    if timeframe in V6_SL_LOGIC:
        return V6_SL_LOGIC[timeframe]
    return "logic1"


def sl_amount(settings: ProfitBookingSettings, logic: str, level: int) -> float:
    """SPEC §7.3: the mode's dollar amount less the level's reduction."""
    sl = settings.sl
    base = sl.sl_2_1_amount if sl.mode == "SL-2.1" else sl.sl_1_1[logic]
    return round(base * (1 - sl.level_reductions_percent[level] / 100), 2)


def sl_pips(amount: float, lot: float, pip_value: float, minimum: float) -> float:
    """SL pips = amount ÷ (lot × pip value), never under the symbol's minimum SL."""
    return max(amount / (lot * pip_value), minimum)


def chain_row(chain: ProfitChain) -> ChainRow:
    """The chains pane's row of a chain."""
    hunt = next((s for s in chain.slots if s.state == HUNT), None)
    return ChainRow(chain.chain_id, "profit", chain.symbol, chain.direction, chain.strategy,
                    chain.current_level, chain.max_level, chain.status,
                    "PROFIT_SL_HUNT" if hunt else "", hunt.target if hunt else None,
                    hunt.until if hunt else "", chain.booked_profit, chain.open_tickets())


def new_chain(position: Position, meta: Mapping[str, Any], pb: ProfitBookingSettings,
              spec: SymbolSpec, now: str) -> ProfitChain:
    """A chain on its level-0 order (Order B or Shield B), with today's level presets."""
    owner = str(meta.get("strategy") or "")
    loss = (round(position.volume * spec.pips(position.price_open - position.sl)
                  * spec.pip_value, 2) if position.sl is not None else 0.0)
    origin = Slot(0, 0, str(meta.get("client_id") or position.client_id or ""), OPEN,
                  position.ticket, position.volume, position.sl, loss, position.price_open,
                  note=f"#{position.ticket} Order {meta.get('kind') or 'B'} "
                       f"{position.volume:.2f}")
    return ProfitChain(
        chain_id=f"PB_{position.symbol}_{secrets.token_hex(4)}", symbol=position.symbol,
        direction=position.direction.value, strategy=owner, logic=meta.get("logic"),
        timeframe=meta.get("timeframe") or v6_timeframe(owner), magic=position.magic,
        tag=position.comment.split("|")[0] or "manual", base_lot=position.volume,
        origin_ticket=position.ticket, enabled_levels=tuple(pb.enabled_levels),
        orders_per_level=tuple(pb.orders_per_level), targets=tuple(pb.targets),
        created_at=now, updated_at=now, slots=(origin,))


def v6_timeframe(owner: str) -> str | None:
    prefix = "v6_price_action_"
    return owner[len(prefix):] if owner.startswith(prefix) else None
