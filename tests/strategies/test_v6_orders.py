"""V6 entries end to end: alert → plugin → order desk → simulated MT5 (SPEC §4.3.4, §5.1)."""

from __future__ import annotations

import pytest

from core.engine import Engine
from core.plugins.loader import discover
from core.strategies.v6_price_action import V6PriceAction
from tests.strategies.v6_support import (
    ASK,
    BID,
    decision,
    entry,
    kind_of,
    market,
    positions,
    send,
)

V6 = {"1m": 61, "5m": 62, "15m": 63, "1h": 64}


def test_the_four_entry_points_carry_their_manifests() -> None:
    found = {c.plugin_id: c for c in discover() if c.plugin_id.startswith("v6_")}
    assert sorted(found) == sorted(f"v6_price_action_{tf}" for tf in V6)
    for tf in V6:
        c = found[f"v6_price_action_{tf}"]
        assert c.blocked == "" and c.manifest is not None and c.factory is not None
        m = c.manifest
        assert (m.name, m.version, m.track, m.strategy, m.timeframes, m.priority) == \
            (f"V6 Price Action {tf}", "1.0.0", "V5_HYBRID", "V6_PRICE_ACTION", (tf,), 2)
        assert dict(m.requires) == {"core": ">=1.0,<2"}
        assert isinstance(c.factory, type) and issubclass(c.factory, V6PriceAction)
        assert c.factory.config_schema().__name__ == "V6Config"


async def test_engine_loads_all_four_as_active(engine: Engine) -> None:
    assert engine.plugins is not None
    loaded = engine.plugins.loaded()
    assert all(loaded[f"v6_price_action_{tf}"] for tf in V6)


async def test_15m_entry_places_one_order_a_at_tp2(engine: Engine) -> None:
    market(engine)
    record = await send(engine, entry("15m", sl_pips=100, tp2=1.08936, tp3=1.09178))
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    [a] = positions(engine, "v6_price_action_15m")
    assert kind_of(engine, a) == "A"
    assert a.price_open == pytest.approx(ASK)
    assert a.sl == pytest.approx(ASK - 0.0100)   # the alert SL, as given
    assert a.tp == pytest.approx(1.08936)        # order_a_target TP2, not TP3
    # $10 000 × 1 % ÷ (100 pips × $10) = 0.10 lot, × 1.2 = 0.12 → tier 10000 max lot 0.10.
    assert a.volume == pytest.approx(0.10)
    assert a.magic == 505063 and a.comment.startswith("v6-15m|A|")
    assert "V6 15m BUY EURUSD: ADX 35 ≥ 20, confidence 85 ≥ 65, no 1h pulse yet" in \
        decision(record, "v6_price_action_15m")["detail"]


async def test_15m_lot_is_risk_lot_times_1_2_clamped_to_0_20(engine: Engine) -> None:
    # Tier 25000 (max lot 0.25) so that the plugin's own max lot 0.20 is the binding cap.
    engine.persist_override("risk.tier_mode", "25000")
    market(engine)
    await send(engine, entry("15m", sl_pips=100, price=1.08452))
    await send(engine, entry("15m", sl_pips=24.2, price=1.08453))
    wide, tight = positions(engine, "v6_price_action_15m")
    assert wide.volume == pytest.approx(0.12)    # 0.10 × 1.2
    assert tight.volume == pytest.approx(0.20)   # 0.41 × 1.2 = 0.49 → plugin max 0.20
    assert tight.sl == pytest.approx(ASK - 0.00242)


async def test_5m_entry_places_a_at_tp2_and_b_at_tp1_with_half_the_lot(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("5m", sl_pips=100, tp2=1.08936))
    a, b = positions(engine, "v6_price_action_5m")
    assert (kind_of(engine, a), kind_of(engine, b)) == ("A", "B")
    assert a.volume == pytest.approx(0.10)       # 0.10 × risk 1.0
    assert b.volume == pytest.approx(0.05)       # 50 % of A
    assert a.tp == pytest.approx(1.08936) and b.tp == pytest.approx(1.08694)
    assert a.sl == b.sl == pytest.approx(ASK - 0.0100)
    assert a.magic == b.magic == 505062
    assert b.comment.startswith("v6-5m|B|")


async def test_global_dual_switch_off_makes_5m_place_a_only(engine: Engine) -> None:
    engine.persist_override("dual_orders.enabled", False)
    market(engine)
    await send(engine, entry("5m"))
    assert [kind_of(engine, p) for p in positions(engine, "v6_price_action_5m")] == ["A"]


async def test_1m_entry_places_only_b_at_half_the_computed_a_lot(engine: Engine) -> None:
    market(engine)
    # 62.5 pips: 100 ÷ 625 = 0.16 lot, × risk 0.5 = 0.08 = L_A (not placed); B = 0.04.
    record = await send(engine, entry("1m", sl_pips=62.5))
    assert record["reason"] == "ORDER_PLACED"
    [b] = positions(engine, "v6_price_action_1m")
    assert kind_of(engine, b) == "B"
    assert b.volume == pytest.approx(0.04)
    assert b.tp == pytest.approx(1.08694) and b.sl == pytest.approx(ASK - 0.00625)
    assert b.magic == 505061 and b.comment.startswith("v6-1m|B|")


async def test_1m_wide_spread_is_spread_high_and_narrow_passes(engine: Engine) -> None:
    market(engine, spread=0.00020)               # exactly 2.0 pips: must be below
    record = await send(engine, entry("1m"))
    assert (record["outcome"], record["reason"]) == ("blocked", "SPREAD_HIGH")
    assert record["detail"] == "filtered: V6 1m spread 2 pips ≥ 2"
    market(engine, spread=0.00019)
    record = await send(engine, entry("1m", price=1.08453))
    assert record["reason"] == "ORDER_PLACED"


async def test_1m_without_a_live_quote_cannot_know_its_spread(engine: Engine) -> None:
    record = await send(engine, entry("1m"))     # no quote pushed for EURUSD yet
    assert (record["outcome"], record["reason"]) == ("rejected", "MT5_ERROR")
    assert record["detail"].startswith("V6 1m: no live spread (")


@pytest.mark.parametrize(("tp3", "expected_tp"), [(1.09178, 1.09178), (None, 1.08936)])
async def test_1h_order_a_targets_tp3_or_tp2_when_tp3_is_na(
        engine: Engine, tp3: float | None, expected_tp: float) -> None:
    market(engine)
    await send(engine, entry("1h", sl_pips=100, tp2=1.08936, tp3=tp3))
    [a] = positions(engine, "v6_price_action_1h")
    assert kind_of(engine, a) == "A" and a.magic == 505064
    assert a.tp == pytest.approx(expected_tp)
    assert a.volume == pytest.approx(0.10)       # 0.10 × 1.5 = 0.15 → tier 10000 max 0.10


async def test_sell_entry_fills_at_bid_with_the_alert_levels(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("15m", "SELL", sl_pips=100, tp2=1.07968))
    [a] = positions(engine, "v6_price_action_15m")
    assert a.price_open == pytest.approx(BID)
    assert (a.sl, a.tp) == (pytest.approx(BID + 0.0100), pytest.approx(1.07968))


async def test_sl_unusable_at_the_execution_price_is_invalid_levels(engine: Engine) -> None:
    market(engine, bid=1.07300)                  # price fell through the alert SL 1.07448
    record = await send(engine, entry("15m"))
    assert (record["outcome"], record["reason"]) == ("rejected", "INVALID_LEVELS")
    assert positions(engine) == []
