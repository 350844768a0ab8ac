"""The pre-trade risk check of SPEC §5.4.3: the orders' potential loss must fit the caps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.risk.gates import usd
from core.risk.sizing import order_b_lot

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    """One order about to be placed. `fixed_loss` is set for orders sized to a fixed loss at
    SL (legacy Order B: $10), whose loss does not change with the lot."""

    kind: str  # A, B, R (re-entry), P (pyramid), S (shield), M (manual)
    lot: float
    sl_pips: float
    pip_value: float
    fixed_loss: float | None = None

    def loss_at(self, lot: float) -> float:
        if self.fixed_loss is not None:
            return self.fixed_loss
        return lot * self.sl_pips * self.pip_value


@dataclass(frozen=True, slots=True)
class PreTradeResult:
    ok: bool
    code: str | None  # None or RISK_TOO_HIGH
    text: str
    lots: tuple[float, ...]  # final lots, in the order of the planned orders
    potential_loss: float
    room: float
    reduced: bool


def _loss(orders: Sequence[PlannedOrder], lots: Sequence[float]) -> float:
    return sum(o.loss_at(lot) for o, lot in zip(orders, lots, strict=True))


def pre_trade_check(orders: Sequence[PlannedOrder], room_daily: float, room_lifetime: float,
                    *, b_fraction: float = 0.5, step: float = 0.01,
                    minimum: float = 0.01) -> PreTradeResult:
    """Σ lot × SL pips × pip value must fit the remaining daily and lifetime caps. Otherwise
    the lots are lowered one step at a time — A, with B kept at 50 % of A — until it fits;
    when even the minimum lots do not fit the answer is RISK_TOO_HIGH."""
    lots = [round(o.lot, 2) for o in orders]
    room = min(room_daily, room_lifetime)
    binding = "daily" if room_daily <= room_lifetime else "lifetime"
    has_a = any(o.kind == "A" for o in orders)
    start = list(lots)
    while _loss(orders, lots) > room + EPS:
        if has_a:
            a_lot = next(lot for o, lot in zip(orders, lots, strict=True) if o.kind == "A")
            movable = [i for i, o in enumerate(orders)
                       if o.kind != "B" and lots[i] > minimum + EPS]
            if not movable:
                break
            for i in movable:
                lots[i] = round(lots[i] - step, 2)
            a_lot = round(max(a_lot - step, minimum), 2)
            for i, o in enumerate(orders):
                if o.kind == "B":
                    lots[i] = order_b_lot(a_lot, b_fraction, minimum)
        else:
            movable = [i for i, lot in enumerate(lots) if lot > minimum + EPS]
            if not movable:
                break
            for i in movable:
                lots[i] = round(lots[i] - step, 2)
    loss = round(_loss(orders, lots), 2)
    if loss > room + EPS:
        text = (f"risk too high: potential loss {usd(loss)} at the smallest lots exceeds the "
                f"remaining {binding} cap {usd(max(room, 0.0))}")
        return PreTradeResult(False, "RISK_TOO_HIGH", text, tuple(lots), loss, room, True)
    reduced = lots != start
    text = (f"lots reduced to fit the remaining {binding} cap {usd(room)}: potential loss "
            f"{usd(loss)}" if reduced else f"potential loss {usd(loss)} fits ({usd(room)} left)")
    return PreTradeResult(True, None, text, tuple(lots), loss, room, reduced)
