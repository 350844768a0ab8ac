"""The shadow ledger (SPEC §4.4): virtual groups, SL/TP simulation, restarts, the V4 shadow."""

from __future__ import annotations

import pytest

from core.domain.enums import Direction
from core.domain.orders import OrderIntent
from core.engine import Engine, EngineOptions
from core.events import Event, LotReduced, PositionOpened, RiskBlocked
from core.signals.model import V4Signal
from core.signals.v5 import Levels
from core.trading.shadow import ShadowLedger
from tests.engine.helpers import legacy
from tests.engine.signal_helpers import post, record_of
from tests.trading.plans import ASK, buy_levels, market, plan


def ledger_of(engine: Engine) -> ShadowLedger:
    assert engine.shadow is not None
    return engine.shadow


async def test_a_shadow_group_is_recorded_and_never_sent(engine: Engine) -> None:
    assert engine.desk is not None and engine.trading is not None and engine.risk is not None
    events: list[Event] = []
    engine.bus.listen(events.append, (PositionOpened, LotReduced, RiskBlocked))
    engine.risk.ledger.set(daily_loss=150.0)  # live smart reduction ×0.75 still applies
    market(engine)
    result = await engine.desk.open_group(plan(), shadow=True, layer="V4")
    assert (result.outcome, result.reason) == ("shadow", "SHADOW")
    assert result.detail == (
        "would place A BUY 0.01 EURUSD @ 1.08408 SL 1.06158 (225.0p) TP 1.11783; "
        "B BUY 0.01 EURUSD @ 1.08408 SL 1.07408 (100.0p) TP none")
    # nothing at the terminal, nothing in flight, no event, no counter moved
    positions, _ = await engine.trading.broker.snapshot()
    assert list(positions) == [] and engine.trading.positions == {}
    assert engine.store is not None and engine.store.all("order_intents") == []
    assert events == [] and engine.risk.counters.daily_trades == 0
    docs = ledger_of(engine).positions("V4")
    assert [(d["id"], d["kind"], d["volume"], d["price_open"], d["sl"], d["tp"]) for d in docs] \
        == [("S1", "A", 0.01, ASK, 1.06158, 1.11783), ("S2", "B", 0.01, ASK, 1.07408, None)]
    assert {(d["owner"], d["strategy"], d["logic"], d["group_id"], d["signal_id"])
            for d in docs} == {("V4", "combinedlogic-2", "combinedlogic-2", result.group_id,
                                "sig-1")}
    assert [leg.message for leg in result.legs] == ["S1", "S2"]


async def test_the_layer_defaults_to_the_plan_owner(engine: Engine) -> None:
    assert engine.desk is not None
    market(engine)
    await engine.desk.open_group(plan(owner="v6_price_action_15m", tag="v6-15m",
                                      routing="order_a_only"), shadow=True)
    [doc] = ledger_of(engine).positions()
    assert (doc["owner"], doc["strategy"]) == ("v6_price_action_15m", "v6_price_action_15m")


async def test_tick_closes_at_tp_and_sl_with_the_pnl(engine: Engine) -> None:
    assert engine.desk is not None and engine.trading is not None
    ledger = ledger_of(engine)
    market(engine)
    # SL 30 pips: 100 ÷ 300 = 0.33 → tier max 0.10; B 0.05. A at TP2, B at TP1.
    await engine.desk.open_group(plan(levels=buy_levels(sl=1.08108)), shadow=True, layer="V4")
    quote = engine.trading.broker.quote
    market(engine, 1.08600)
    assert await ledger.tick(quote) == [] and ledger.open_count == 2
    market(engine, 1.08710)  # bid ≥ B's TP1 1.08708: B sells at the bid
    [b] = await ledger.tick(quote)
    # +30.2 pips × $10 × 0.05 lot
    assert (b["kind"], b["close_reason"], b["price_close"], b["profit"]) == (
        "B", "TP", 1.08710, pytest.approx(15.10))
    market(engine, 1.08100)  # bid ≤ A's SL 1.08108
    [a] = await ledger.tick(quote)
    # −30.8 pips × $10 × 0.10 lot
    assert (a["kind"], a["close_reason"], a["price_close"], a["profit"]) == (
        "A", "SL", 1.08100, pytest.approx(-30.80))
    assert ledger.positions() == []
    stats = ledger.stats("V4")
    assert (stats.trades, stats.wins, stats.net, stats.win_rate) == (2, 1, -15.70, 50.0)
    assert [t["close_reason"] for t in ledger.closed("V4")] == ["TP", "SL"]
    assert ledger.closed("v6_") == [] and ledger.stats("V", prefix=True).trades == 2


async def test_a_sell_closes_at_the_ask(engine: Engine) -> None:
    assert engine.desk is not None and engine.trading is not None
    ledger = ledger_of(engine)
    market(engine)
    levels = Levels(sl=1.08700, tp1=1.08100, tp2=1.07800)
    await engine.desk.open_group(plan(direction=Direction.SELL, levels=levels,
                                      routing="order_a_only"), shadow=True, layer="V4")
    [doc] = ledger.positions(direction=Direction.SELL)
    assert (doc["price_open"], doc["volume"], doc["tp"]) == (1.08400, 0.10, 1.07800)
    market(engine, 1.07795)  # ask 1.07803 is not yet at the TP
    assert await ledger.tick(engine.trading.broker.quote) == []
    market(engine, 1.07790)  # ask 1.07798 ≤ TP 1.07800
    [trade] = await ledger.tick(engine.trading.broker.quote)
    # (1.08400 − 1.07798) = 60.2 pips × $10 × 0.10 lot
    assert (trade["price_close"], trade["profit"]) == (1.07798, pytest.approx(60.20))


async def test_close_virtual_checks_the_owner_and_uses_the_last_quote(engine: Engine) -> None:
    assert engine.desk is not None and engine.trading is not None
    ledger = ledger_of(engine)
    market(engine)
    await engine.desk.open_group(plan(owner="v3_combined", tag="v3-logic2",
                                      routing="order_a_only"), shadow=True)
    assert ledger.close_virtual("v6_price_action_5m", 1, "EXIT_SIGNAL") is None
    market(engine, 1.08500)
    await ledger.tick(engine.trading.broker.quote)  # the monitor sees 1.08500 / 1.08508
    record = ledger.close_virtual("v3_combined", 1, "EXIT_SIGNAL")
    assert record is not None and (record["price_close"], record["close_reason"]) == (
        1.08500, "EXIT_SIGNAL")
    assert ledger.close_virtual("v3_combined", 1, "EXIT_SIGNAL") is None  # already closed


async def test_the_ledger_survives_a_restart(engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    try:
        assert first.desk is not None
        market(first)
        await first.desk.open_group(plan(), shadow=True, layer="V4")
        before = ledger_of(first).positions()
    finally:
        await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        assert second.desk is not None
        assert ledger_of(second).positions() == before and len(before) == 2
        market(second)
        await second.desk.open_group(plan(symbol="EURUSD", routing="order_a_only",
                                          owner="v3_combined", tag="v3-logic2"), shadow=True)
        # the id counter is persisted too: no id is ever reused
        assert [d["id"] for d in ledger_of(second).positions()] == ["S1", "S2", "S3"]
    finally:
        await second.stop()


# -- the V4 logic in shadow (the bridge's hybrid mode) -------------------------------------------

@pytest.fixture
def hybrid_options(engine_options: EngineOptions) -> EngineOptions:
    """Hybrid without fallback: the V4 logic always runs in shadow, whatever is installed."""
    engine_options.config_overrides.update({"bridge.mode": "hybrid",
                                            "bridge.fallback_on_failure": False})
    return engine_options


def v4_decision(engine: Engine, answer: dict[str, object]) -> dict[str, object]:
    record = record_of(engine, str(answer["signal_id"]))
    [decision] = [d for d in record["decisions"] if d["layer"] == "V4"]
    assert decision["live"] is False
    return decision


async def test_v4_in_shadow_keeps_its_groups_in_the_ledger(hybrid_options: EngineOptions
                                                           ) -> None:
    engine = Engine(hybrid_options)
    await engine.start()
    try:
        assert engine.v4 is not None
        seen: list[tuple[str, str, bool]] = []

        def observe(signal: V4Signal, intent: OrderIntent, shadow: bool) -> None:
            seen.append((signal.signal_id, intent.kind.value, shadow))

        engine.v4.on_intent = observe
        market(engine)
        for tf in ("1h", "15m"):
            await post(engine, legacy("trend", "bull", tf).decode())
        answer = await post(engine, legacy("entry", "buy", "15m").decode())
        entry = v4_decision(engine, answer)
        assert (entry["outcome"], entry["reason"]) == ("shadow", "SHADOW")
        assert str(entry["detail"]).startswith("would place A BUY 0.04 EURUSD @ 1.08408")
        assert seen == [(answer["signal_id"], "A", True), (answer["signal_id"], "B", True)]
        ledger = ledger_of(engine)
        docs = ledger.positions("V4")
        assert [(d["kind"], d["strategy"]) for d in docs] == [
            ("A", "combinedlogic-2"), ("B", "combinedlogic-2")]
        # its own virtual group counts as open: one group per logic per symbol (§4.1.2)
        again = v4_decision(engine, await post(engine, legacy("entry", "buy", "15m",
                                                              price=1.0841).decode()))
        assert (again["outcome"], again["reason"]) == ("rejected", "ALREADY_OPEN")
        assert len(ledger.positions("V4")) == 2
        # an opposite entry closes the virtual group first (REVERSAL), then opens its own
        for tf in ("1h", "15m"):
            await post(engine, legacy("trend", "bear", tf).decode())
        flip = v4_decision(engine, await post(engine, legacy("entry", "sell", "15m",
                                                             price=1.0839).decode()))
        # (the lot depends on the live layer's results: a plugin trading beside it in hybrid
        # mode moves the balance and the caps the shadow sizing reads)
        assert str(flip["detail"]).startswith("would close #S1, #S2 then place A SELL ")
        assert "EURUSD @ 1.08400 SL 1.10650 (225.0p)" in str(flip["detail"])
        assert [t["close_reason"] for t in ledger.closed("V4")] == ["REVERSAL", "REVERSAL"]
        assert [d["direction"] for d in ledger.positions("V4")] == ["SELL", "SELL"]
        # an exit alert closes the virtual SELLs (SPEC §4.4: signal exits are simulated)
        out = v4_decision(engine, await post(engine, legacy("exit", "bull", "15m").decode()))
        assert out["detail"] == "would close 2 SELL (EXIT_SIGNAL): #S3, #S4"
        assert ledger.positions("V4") == []
        assert engine.store is not None and engine.store.all("order_intents") == []
    finally:
        await engine.stop()
