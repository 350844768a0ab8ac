"""The order desk on the simulated terminal: sizing, SL/TP rules, routing, failures (SPEC §5.1)."""

from __future__ import annotations

import pytest

from core.brokers.sim import Fault, SimTerminal
from core.domain.enums import Direction
from core.domain.orders import OrderIntent, Position
from core.engine import Engine
from core.signals.v5 import Levels
from core.strategies.api import EntryPlan
from core.trading.desk import OrderDesk
from tests.trading.plans import ASK, BID, buy_levels, market, plan


def desk_of(engine: Engine) -> OrderDesk:
    assert engine.desk is not None
    return engine.desk


def positions(engine: Engine) -> list[Position]:
    assert engine.trading is not None
    return sorted(engine.trading.positions.values(), key=lambda p: p.ticket)


def kinds(engine: Engine) -> list[tuple[str, float]]:
    assert engine.trading is not None
    return [(engine.trading.meta(p.ticket)["kind"], p.volume) for p in positions(engine)]


# -- SPEC §5.1.2: alert with levels ------------------------------------------------------------

async def test_levels_rule_sizes_from_the_alert_sl_a_takes_tp2_and_b_tp1(engine: Engine) -> None:
    market(engine)
    result = await desk_of(engine).open_group(plan(levels=buy_levels()))
    assert (result.outcome, result.reason) == ("executed", "ORDER_PLACED")
    a, b = positions(engine)
    # SL 200 pips from the ask: 10,000 × 1 % ÷ (200 × $10) = 0.05; B = round-down(0.025).
    # The plan's SL multiplier (1.5) never stretches an alert SL (SPEC §4.1.3).
    assert (a.volume, a.sl, a.tp, a.price_open) == (0.05, 1.06408, 1.08908, ASK)
    assert (b.volume, b.sl, b.tp, b.price_open) == (0.02, 1.06408, 1.08708, ASK)
    assert engine.trading is not None
    meta_a, meta_b = engine.trading.meta(a.ticket), engine.trading.meta(b.ticket)
    assert (meta_a["kind"], meta_b["kind"]) == ("A", "B")
    assert meta_a["group_id"] == meta_b["group_id"] == result.group_id
    assert result.group_id.startswith("G") and len(result.group_id) == 9
    assert {meta_a["logic"], meta_b["logic"]} == {"combinedlogic-2"}
    assert {meta_a["signal_id"], meta_b["signal_id"]} == {"sig-1"}
    assert (a.magic, b.magic) == (505012, 505012)
    assert a.comment == f"v4-logic2|A|{meta_a['client_id']}"
    assert b.comment == f"v4-logic2|B|{meta_b['client_id']}"
    assert result.detail == (
        f"A #{a.ticket} BUY 0.05 EURUSD @ 1.08408 SL 1.06408 (200.0p) TP 1.08908; "
        f"B #{b.ticket} BUY 0.02 EURUSD @ 1.08408 SL 1.06408 (200.0p) TP 1.08708")
    assert [i.kind.value for i in result.intents] == ["A", "B"]


@pytest.mark.parametrize(("direction", "levels", "target", "tp"), [
    (Direction.BUY, buy_levels(tp3=1.09208), "TP2", 1.08908),
    (Direction.BUY, buy_levels(tp3=1.09208), "TP3", 1.09208),
    (Direction.BUY, buy_levels(tp3=None), "TP3", 1.08908),  # TP3 null → TP2
    (Direction.BUY, buy_levels(tp2=None), "TP2", 1.08858),  # 1.08408 + 1.5 × 30 pips
    (Direction.BUY, buy_levels(tp2=None, tp3=None), "TP3", 1.08858),
    (Direction.BUY, buy_levels(), "TP1", 1.08708),
    # SELL fills at the bid 1.08400: TP2 derived = 1.08400 − 1.5 × 30 pips
    (Direction.SELL, Levels(sl=1.10400, tp1=1.08100), "TP2", 1.07950),
])
async def test_order_a_target(engine: Engine, direction: Direction, levels: Levels,
                              target: str, tp: float) -> None:
    market(engine)
    result = await desk_of(engine).open_group(plan(
        direction=direction, levels=levels, order_a_target=target, routing="order_a_only"))
    assert result.outcome == "executed", result.detail
    [a] = positions(engine)
    assert (a.direction, a.sl, a.tp) == (direction, levels.sl, tp)


# -- SPEC §5.1.3: alert without levels ---------------------------------------------------------

@pytest.mark.parametrize(("booking", "b_tp"), [(True, None), (False, 1.09158)])
async def test_no_levels_rule_table_sl_for_a_and_ten_dollar_sl_for_b(
        engine: Engine, booking: bool, b_tp: float | None) -> None:
    engine.config.set("profit_booking.enabled", booking)
    market(engine)
    result = await desk_of(engine).open_group(plan())
    assert result.outcome == "executed", result.detail
    a, b = positions(engine)
    # A: table 150 pips × SL multiplier 1.5 = 225 pips; TP at 1.5 R (337.5 pips).
    assert (a.volume, a.sl, a.tp) == (0.04, 1.06158, 1.11783)
    # B: half of A; SL pips = $10 ÷ (0.02 × $10) = 50; TP none while profit booking is on,
    # otherwise 1.5 × B's own SL distance (75 pips).
    assert (b.volume, b.sl, b.tp) == (0.02, 1.07908, b_tp)
    assert "B #" in result.detail and "SL 1.07908 (50.0p)" in result.detail


async def test_the_sl_multiplier_scales_only_the_table_sl(engine: Engine) -> None:
    market(engine)
    result = await desk_of(engine).open_group(plan(sl_multiplier=1.0, lot_multiplier=1.25,
                                                   routing="order_a_only"))
    assert result.outcome == "executed", result.detail
    [a] = positions(engine)
    # 150 pips; 100 ÷ (150 × $10) × 1.25 = 0.083 → 0.08
    assert (a.volume, a.sl, a.tp) == (0.08, 1.06908, 1.10658)


# -- SPEC §5.1.4: routing ----------------------------------------------------------------------

@pytest.mark.parametrize(("routing", "dual_switch", "placed"), [
    ("order_a_only", True, [("A", 0.04)]),
    ("order_b_only", True, [("B", 0.02)]),  # B is still 50 % of the computed L_A
    ("dual_orders", True, [("A", 0.04), ("B", 0.02)]),
    ("dual_orders", False, [("A", 0.04)]),  # /dualorder off: dual_orders → order_a_only
    ("order_b_only", False, [("B", 0.02)]),
])
async def test_routing(engine: Engine, routing: str, dual_switch: bool,
                       placed: list[tuple[str, float]]) -> None:
    engine.config.set("dual_orders.enabled", dual_switch)
    market(engine)
    result = await desk_of(engine).open_group(plan(routing=routing))
    assert result.outcome == "executed", result.detail
    assert kinds(engine) == placed
    assert [leg.kind for leg in result.legs] == [k for k, _ in placed]


# -- unusable levels ---------------------------------------------------------------------------

@pytest.mark.parametrize(("levels", "words"), [
    (buy_levels(sl=1.08500), "SL 1.08500 is not below the BUY price 1.08408"),
    (buy_levels(tp1=1.08300), "TP1 1.08300 is not above the BUY price 1.08408"),
    (Levels(sl=None, tp1=1.08708), "the alert has no SL"),
])
async def test_unusable_levels_are_invalid_when_required(engine: Engine, levels: Levels,
                                                         words: str) -> None:
    market(engine)
    result = await desk_of(engine).open_group(plan(levels=levels, levels_required=True))
    assert (result.outcome, result.reason, result.detail) == ("rejected", "INVALID_LEVELS",
                                                               words)
    assert positions(engine) == [] and result.intents == ()


async def test_unusable_levels_fall_back_to_the_table_rule(engine: Engine) -> None:
    market(engine)
    result = await desk_of(engine).open_group(plan(levels=buy_levels(sl=1.08500)))
    assert result.outcome == "executed"
    assert result.detail.startswith("alert levels unusable at 1.08408: table SL (SL 1.08500 "
                                    "is not below the BUY price 1.08408); A #")
    a, b = positions(engine)
    assert (a.sl, a.tp, b.sl, b.tp) == (1.06158, 1.11783, 1.07908, None)


# -- independent legs --------------------------------------------------------------------------

def terminal(engine: Engine) -> SimTerminal:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    return engine.bundle.terminal


async def test_a_failed_b_never_undoes_a(engine: Engine) -> None:
    market(engine)

    def reject_b(_: EntryPlan, intent: OrderIntent, shadow: bool) -> None:
        if intent.kind.value == "B":  # armed after A went through: only B is refused
            terminal(engine).faults.inject(Fault.REJECT)

    result = await desk_of(engine).open_group(plan(), observer=reject_b)
    assert (result.outcome, result.reason) == ("executed", "ORDER_PLACED")
    assert [leg.ok for leg in result.legs] == [True, False]
    assert kinds(engine) == [("A", 0.04)]
    failed = result.legs[1]
    assert failed.ticket is None and failed.message
    assert result.detail.endswith(f"; B failed: {failed.message}")


async def test_a_failed_a_leaves_b_placed(engine: Engine) -> None:
    market(engine)
    terminal(engine).faults.inject(Fault.REJECT)
    result = await desk_of(engine).open_group(plan())
    assert result.outcome == "executed"
    assert kinds(engine) == [("B", 0.02)]
    assert result.detail.startswith(f"A failed: {result.legs[0].message}; B #")


async def test_every_leg_failed_is_an_mt5_error(engine: Engine) -> None:
    market(engine)
    terminal(engine).faults.inject(Fault.REJECT, count=2)
    result = await desk_of(engine).open_group(plan())
    assert (result.outcome, result.reason) == ("rejected", "MT5_ERROR")
    assert positions(engine) == [] and len(result.intents) == 2
    assert result.detail.startswith("A failed: ") and "; B failed: " in result.detail


async def test_no_price_is_an_mt5_error(engine: Engine) -> None:
    result = await desk_of(engine).open_group(plan(symbol="GBPUSD"))
    assert (result.outcome, result.reason) == ("rejected", "MT5_ERROR")
    assert result.detail.startswith("no price for GBPUSD: ")


async def test_on_intent_fires_for_each_leg_before_the_broker(engine: Engine) -> None:
    market(engine)
    seen: list[tuple[str, int, bool]] = []
    desk = desk_of(engine)

    def observe(_: EntryPlan, intent: OrderIntent, shadow: bool) -> None:
        seen.append((intent.kind.value, len(positions(engine)), shadow))

    desk.on_intent = observe
    try:
        await desk.open_group(plan())
    finally:
        desk.on_intent = None
    assert seen == [("A", 0, False), ("B", 1, False)]  # each before its own order exists


# -- SPEC §5.4.3: the pre-trade check ------------------------------------------------------------

async def test_pre_trade_check_reduces_the_group_and_b_keeps_its_ten_dollars(
        engine: Engine) -> None:
    assert engine.risk is not None
    # $150 of the $200 daily cap lost: smart reduction ×0.75 gives A 0.03 (B 0.01 at $10),
    # $77.50 at risk > $50 left → A lowered to 0.01 ($22.50) and B stays 0.01.
    engine.risk.ledger.set(daily_loss=150.0)
    market(engine)
    result = await desk_of(engine).open_group(plan())
    assert result.outcome == "executed", result.detail
    a, b = positions(engine)
    assert (a.volume, a.sl) == (0.01, 1.06158)
    # B's SL is re-derived for its final lot: $10 ÷ (0.01 × $10) = 100 pips
    assert (b.volume, b.sl) == (0.01, 1.07408)


async def test_a_group_that_cannot_fit_is_risk_too_high(engine: Engine) -> None:
    assert engine.risk is not None
    engine.risk.ledger.set(daily_loss=195.0)  # $5 left: even 0.01 lots risk $32.50
    market(engine, BID)
    result = await desk_of(engine).open_group(plan())
    assert (result.outcome, result.reason) == ("blocked", "RISK_TOO_HIGH")
    assert "risk too high" in result.detail and positions(engine) == []
