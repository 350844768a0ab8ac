"""Exit-signal intelligence (SPEC §5.2.3) through real exit alerts: V6, V3 and the V4 logic.

V6 5m group: fills at the ask 1.08448, A 0.10 and B 0.05 (SL 100 pips), TP1 100 pips away so
no ladder level interferes. Profit is measured on the bid (BUY).
"""

from __future__ import annotations

from typing import Any

import pytest

from core.clock import FrozenClock
from core.domain.orders import Position
from core.engine import Engine, EngineOptions
from tests.engine.helpers import alert as legacy_alert
from tests.engine.helpers import aligned_buy, last_outcome, legacy, quote
from tests.strategies.v3_support import at, v3_entry, v3_exit
from tests.strategies.v3_support import send as send_v3
from tests.strategies.v6_support import entry, exit_alert, market, positions, pulse, send

P5 = "v6_price_action_5m"
ENTRY = 1.08448
PIP = 0.0001


async def v6_group(engine: Engine) -> tuple[Position, Position]:
    market(engine)
    record = await send(engine, entry("5m", tp1_pips=100))
    assert record["reason"] == "ORDER_PLACED", record["detail"]
    a, b = positions(engine, P5)
    assert (a.volume, b.volume) == (0.10, 0.05)
    return a, b


def trade(engine: Engine, ticket: int) -> dict[str, Any]:
    assert engine.store is not None
    [found] = [t for t in engine.store.tail("trades", 50) if t["ticket"] == ticket]
    return found


def volumes(engine: Engine) -> list[tuple[int, float, float | None]]:
    return [(p.ticket, p.volume, p.sl) for p in positions(engine)]


async def test_a_strong_position_over_50_pips_is_held(engine: Engine) -> None:
    a, b = await v6_group(engine)
    market(engine, ENTRY + 60 * PIP)
    record = await send(engine, exit_alert("5m", "BUY", price=1.0905))
    assert (record["outcome"], record["reason"]) == ("executed", "EXIT_HELD")
    assert (f"#{a.ticket} held: +60 pips, strong (V6 5m: ADX 35 ≥ 25, conf 85 ≥ 70, no 15m "
            "pulse yet)") in record["detail"]
    assert f"#{b.ticket} held: +60 pips" in record["detail"]
    assert volumes(engine) == [(a.ticket, 0.10, a.sl), (b.ticket, 0.05, b.sl)]
    assert engine.notifications is not None and engine.outbox is not None
    engine.notifications.flush()
    held = [m.message.text for m in engine.outbox.pending("notification")
            if m.message.type == "exit_held"]
    assert len(held) == 2 and held[0].startswith("EXIT HELD · EURUSD BUY · [V6 · 5m]")


@pytest.mark.parametrize(("pips", "words"), [(5, "+5"), (-20, "-20")])
async def test_under_10_pips_or_a_loss_closes_in_full(engine: Engine, pips: float,
                                                      words: str) -> None:
    a, b = await v6_group(engine)
    market(engine, round(ENTRY + pips * PIP, 5))
    record = await send(engine, exit_alert("5m", "BUY"))
    assert (record["outcome"], record["reason"]) == ("executed", "EXIT_SIGNAL")
    assert f"#{a.ticket} closed ({words} pips)" in record["detail"]
    assert positions(engine) == []
    assert [trade(engine, t)["close_reason"] for t in (a.ticket, b.ticket)] == [
        "EXIT_SIGNAL"] * 2


async def test_between_10_and_50_pips_half_closes_and_sl_to_entry_plus_5(
        engine: Engine) -> None:
    a, b = await v6_group(engine)
    market(engine, ENTRY + 25 * PIP)
    record = await send(engine, exit_alert("5m", "BUY"))
    assert record["reason"] == "EXIT_SIGNAL"
    assert f"#{a.ticket} closed 50 % (+25 pips), SL to entry +5" in record["detail"]
    # A: 0.10 → 0.05 closed; B: 50 % of 0.05 = 0.025 → 0.02 closed (rounded down)
    assert volumes(engine) == [(a.ticket, 0.05, 1.08498), (b.ticket, 0.03, 1.08498)]
    assert engine.trading is not None
    assert engine.trading.meta(a.ticket)["last_partial"] == "EXIT_PARTIAL"
    assert "close_reason" not in engine.trading.meta(a.ticket)  # still open


async def test_over_50_pips_without_strong_context_is_halved(engine: Engine) -> None:
    a, _ = await v6_group(engine)
    await send(engine, pulse("15m", 1, 5))  # the higher timeframe turned against the BUY
    market(engine, ENTRY + 60 * PIP)
    record = await send(engine, exit_alert("5m", "BUY"))
    assert (f"#{a.ticket} closed 50 % (+60 pips), SL to entry +5 (not strong: V6 5m: ADX "
            "35 ≥ 25, conf 85 ≥ 70, 15m pulse 1/5)") in record["detail"]
    assert positions(engine)[0].volume == 0.05


async def test_exit_intelligence_off_closes_in_full(engine: Engine) -> None:
    engine.persist_override("trade_management.exit_intelligence.enabled", False)
    a, _ = await v6_group(engine)
    market(engine, ENTRY + 60 * PIP)
    record = await send(engine, exit_alert("5m", "BUY"))
    assert f"#{a.ticket} closed (+60 pips, exit intelligence off)" in record["detail"]
    assert positions(engine) == []


async def test_reversal_closes_are_not_subject_to_it(engine: Engine) -> None:
    a, b = await v6_group(engine)
    market(engine, ENTRY + 60 * PIP)  # held on an exit signal: +60 and strong
    await send(engine, entry("5m", "SELL"))
    assert [trade(engine, t)["close_reason"] for t in (a.ticket, b.ticket)] == [
        "REVERSAL"] * 2


async def test_v3_holds_on_a_strong_consensus_and_halves_on_a_weak_one(
        engine: Engine) -> None:
    at(engine)  # no spread: the fill is the alert price 1.0845
    await send_v3(engine, v3_entry(tf="15", consensus=8))  # Logic 2: Order A only
    [a] = positions(engine)
    at(engine, 1.0845 + 60 * PIP)
    strong = {**v3_exit("sell"), "consensus_score": 8}
    record = await send_v3(engine, strong)
    assert f"#{a.ticket} held: +60 pips, strong (V3: consensus 8 ≥ 7, 3 of 4 pillars " \
           "BULLISH)" in record["detail"]
    assert record["reason"] == "EXIT_HELD" and positions(engine)[0].volume == a.volume
    assert isinstance(engine.clock, FrozenClock)
    engine.clock.advance(300)  # a later alert...
    record = await send_v3(engine, v3_exit("sell", price=1.0906))  # ...its consensus 3
    assert "(not strong: V3: consensus 3 < 7, 3 of 4 pillars BULLISH)" in record["detail"]
    # $100 ÷ (150 pips × $10) = 0.066 → 0.06 (Logic 2 × 1.0); half of it closed
    assert (a.volume, positions(engine)[0].volume) == (0.06, 0.03)


@pytest.fixture
def passthrough(engine_options: EngineOptions) -> EngineOptions:
    """The V4 logic is the live layer (SPEC §3.4.1): legacy exits reach _close_side."""
    engine_options.config_overrides["bridge.mode"] = "passthrough"
    return engine_options


async def test_the_v4_logic_holds_while_aligned_then_halves(passthrough: EngineOptions
                                                           ) -> None:
    engine = Engine(passthrough)
    await engine.start()
    try:
        quote(engine, "EURUSD", 1.08400)
        await aligned_buy(engine)  # A 0.04 and B 0.02 filled at 1.08408
        a, b = positions(engine)
        quote(engine, "EURUSD", 1.08408 + 60 * PIP)
        await legacy_alert(engine, legacy("exit", "bear", "15m", price=1.09))
        record = last_outcome(engine)
        assert (record["outcome"], record["reason"]) == ("executed", "EXIT_HELD")
        assert (f"#{a.ticket} held: +60 pips, strong (combinedlogic-2 aligned: 1h BULLISH, "
                "15m BULLISH)") in record["detail"]
        quote(engine, "EURUSD", 1.08408 + 25 * PIP)
        await legacy_alert(engine, legacy("exit", "bear", "15m", price=1.0866))
        record = last_outcome(engine)
        assert record["reason"] == "EXIT_SIGNAL"
        assert f"#{b.ticket} closed 50 % (+25 pips), SL to entry +5" in record["detail"]
        assert volumes(engine) == [(a.ticket, 0.02, 1.08458), (b.ticket, 0.01, 1.08458)]
    finally:
        await engine.stop()
