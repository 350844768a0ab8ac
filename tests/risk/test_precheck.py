"""SPEC §5.4.3 pre-trade risk check: fits, reduction keeping B = 50 % of A, RISK_TOO_HIGH."""

from __future__ import annotations

import pytest

from core.risk.precheck import PlannedOrder, pre_trade_check


def a_and_b(lot_a: float, sl: float = 100, pip: float = 10.0,
            b_fixed: float | None = None) -> list[PlannedOrder]:
    b_lot = max(0.01, int(lot_a * 50 + 1e-9) / 100)
    return [PlannedOrder("A", lot_a, sl, pip),
            PlannedOrder("B", b_lot, sl, pip, fixed_loss=b_fixed)]


@pytest.mark.parametrize(("room_daily", "room_lifetime", "lots", "loss"), [
    (1000, 1000, (0.10, 0.05), 150.0),   # fits: nothing changes
    (150, 1000, (0.10, 0.05), 150.0),    # exactly the remaining cap still fits
    (1000, 150, (0.10, 0.05), 150.0),    # lifetime room binds the same way
    (149.99, 1000, (0.09, 0.04), 130.0),  # one step down: A 0.09, B 0.04
    (100, 1000, (0.07, 0.03), 100.0),
    (45, 1000, (0.03, 0.01), 40.0),
    (20, 1000, (0.01, 0.01), 20.0),
])
def test_lots_are_reduced_until_the_potential_loss_fits(
        room_daily: float, room_lifetime: float, lots: tuple[float, float], loss: float) -> None:
    result = pre_trade_check(a_and_b(0.10), room_daily, room_lifetime)
    assert result.ok and result.code is None
    assert result.lots == pytest.approx(lots) and result.potential_loss == pytest.approx(loss)
    assert result.reduced == (lots != (0.10, 0.05))


def test_b_stays_half_of_a_at_every_step() -> None:
    orders = a_and_b(0.50)
    for room in range(10, 760, 7):
        result = pre_trade_check(orders, room, 10_000)
        a, b = result.lots
        assert b == max(0.01, int(a * 50 + 1e-9) / 100)


def test_even_the_smallest_lots_do_not_fit_is_risk_too_high() -> None:
    result = pre_trade_check(a_and_b(0.10), 19.99, 1000)
    assert not result.ok and result.code == "RISK_TOO_HIGH"
    assert "remaining daily cap $19.99" in result.text and result.lots == (0.01, 0.01)
    lifetime = pre_trade_check(a_and_b(0.10), 500, 5)
    assert lifetime.code == "RISK_TOO_HIGH" and "remaining lifetime cap $5" in lifetime.text


def test_fixed_loss_order_b_costs_ten_dollars_whatever_the_lot() -> None:
    orders = a_and_b(0.10, b_fixed=10.0)
    assert pre_trade_check(orders, 110, 1000).lots == (0.10, 0.05)  # 100 + 10
    assert pre_trade_check(orders, 60, 1000).lots == (0.05, 0.02)   # 50 + 10
    assert pre_trade_check(orders, 19.99, 1000).code == "RISK_TOO_HIGH"  # 10 + 10 > 19.99


def test_orders_without_a_are_reduced_each() -> None:
    pyramid = [PlannedOrder("P", 0.04, 50, 10.0), PlannedOrder("P", 0.02, 50, 10.0)]
    result = pre_trade_check(pyramid, 20, 1000)  # 0.03 + 0.01 → $20 fits
    assert result.ok and result.lots == (0.03, 0.01) and result.potential_loss == 20
    single = pre_trade_check([PlannedOrder("R", 0.10, 30, 10.0)], 31, 1000)
    assert single.lots == (0.10,)  # 30 fits
    assert pre_trade_check([PlannedOrder("M", 0.10, 30, 10.0)], 2.99, 1000).code == \
        "RISK_TOO_HIGH"


def test_b_only_routing_reduces_b() -> None:
    result = pre_trade_check([PlannedOrder("B", 0.05, 100, 10.0)], 30, 1000)
    assert result.ok and result.lots == (0.03,)
