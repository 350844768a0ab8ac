"""STRATEGY commands on the real engine: menu, logic switches, /v3, /filters, /multiplier,
/logic_status — each change validated, persisted and seen by the next signal."""

from __future__ import annotations

import pytest

from core.engine import Engine
from tests.commands.support import (
    aligned_buy,
    decided_by,
    refused,
    reloaded,
    run,
    v6_buy,
)


async def test_strategy_menu_shows_state_and_links_every_strategy_command(
        engine: Engine) -> None:
    await run(engine, "/logic3 off")
    reply = await run(engine, "/logic_control")
    assert reply.ok and reply.title == "Strategy"
    assert any("Logic 3 OFF (1h)" in line for line in reply.lines)
    assert any(line.startswith("Bridge mode: hybrid") for line in reply.lines)
    buttons = set(reply.data["commands"])
    assert {"/logic1", "/v3", "/v6", "/v6_control", "/filters", "/multiplier", "/mode",
            "/logic_status", "/tf1h_off"} <= buttons and "/strategy" not in buttons


async def test_logic_off_blocks_its_entries_and_persists(engine: Engine) -> None:
    reply = await run(engine, "/logic2_off")
    assert reply.title == "Logic 2 (combinedlogic-2): ON → OFF"
    assert reloaded(engine).logics["combinedlogic-2"].enabled is False
    record = await aligned_buy(engine, "15m")
    assert record["reason"] == "LOGIC_DISABLED"
    assert engine.trading is not None and not engine.trading.positions
    assert (await run(engine, "/logic2 on")).title == "Logic 2 (combinedlogic-2): OFF → ON"
    record = await aligned_buy(engine, "15m", price=1.085)
    assert record["outcome"] == "executed" and engine.trading.positions


async def test_logic_without_argument_toggles_and_status_only_shows(engine: Engine) -> None:
    assert (await run(engine, "/logic1")).title.endswith("ON → OFF")
    status = await run(engine, "/logic1 status")
    assert status.title == "Logic 1 (combinedlogic-1): OFF" and status.data["enabled"] is False
    assert any("Entry 5m" in line for line in status.lines)
    assert (await run(engine, "/logic1")).title.endswith("OFF → ON")
    assert reloaded(engine).logics["combinedlogic-1"].enabled is True


async def test_logic_switch_refuses_other_words(engine: Engine) -> None:
    assert "use one of on, off, status" in await refused(engine, "/logic1 maybe")


async def test_v3_card_shows_switches_bridge_thresholds_and_today(engine: Engine) -> None:
    await run(engine, "/filters v3 min_consensus_score 6")
    await aligned_buy(engine, "15m")
    reply = await run(engine, "/v3")
    assert reply.data["state"] == "active" and reply.data["config"]["min_consensus_score"] == 6
    assert reply.data["today"]["trades"] == 1 and reply.data["today"]["open"] >= 1
    assert any("consensus ≥ 6" in line for line in reply.lines)
    assert any(line.startswith("Bridge: V3_COMBINED: v3_combined trades") for line in
               reply.lines)
    assert reply.table is not None and ("Logic 3", "ON", "1h", "dual_orders", "0.625") in \
        reply.table.rows
    await run(engine, "/disable v3_combined")
    after = await run(engine, "/v3")
    assert after.data["enabled"] is False
    assert any("V4 fallback" in line for line in after.lines)


async def test_filters_change_is_persisted_and_applies_to_the_next_signal(
        engine: Engine) -> None:
    reply = await run(engine, "/filters 15m adx_min 30")
    assert reply.title == "v6_price_action_15m adx_min: 20 → 30"
    assert reloaded(engine).plugins.v6_price_action_15m.config.adx_min == 30
    record = await v6_buy(engine, "15")  # ADX 27.4
    assert decided_by(record)["v6_price_action_15m"][1:3] == ("blocked", "ADX_LOW")
    await run(engine, "/filters v6_price_action_15m adx_min 25")
    record = await v6_buy(engine, "15", price=1.08462)
    assert decided_by(record)["v6_price_action_15m"][1:3] == ("executed", "ORDER_PLACED")


async def test_filters_view_all_and_by_family(engine: Engine) -> None:
    everything = await run(engine, "/filters")
    assert everything.table is not None and len(everything.table.rows) == 11
    assert ("v6_price_action_1m", "max_spread_pips", "2", "0.5–5") in everything.table.rows
    v6_only = await run(engine, "/filters --family v6")
    assert v6_only.table is not None
    assert {r[0] for r in v6_only.table.rows} == {"v6_price_action_1m", "v6_price_action_5m",
                                                  "v6_price_action_15m", "v6_price_action_1h"}
    v3_only = await run(engine, "/filters --family v3")
    assert v3_only.table is not None and {r[0] for r in v3_only.table.rows} == {"v3_combined"}
    await run(engine, "/filters v3 launchpad_buy_min_consensus 8")
    assert reloaded(engine).plugins.v3_combined.config.launchpad_buy_min_consensus == 8


@pytest.mark.parametrize(("line", "message"), [
    ("/filters 5m max_spread_pips 1", "not a filter of v6_price_action_5m; use one of adx_min, "
                                      "confidence_min"),
    ("/filters 15m adx_min 50", "out of range for adx_min (allowed 10–40)"),
    ("/filters 1m max_spread_pips 0.2", "allowed 0.5–5"),
    ("/filters v3 min_consensus_score 6.5", "whole score from 3 to 9"),
    ("/filters v3 min_consensus_score 2", "allowed 3–9"),
    ("/filters 4h adx_min 20", "use one of v3, 1m, 5m, 15m, 1h"),
    ("/filters 5m spread 20", "key: 'spread' is not allowed; use one of"),
    ("/filters 5m adx_min", "usage: /filters PLUGIN KEY VALUE"),
    ("/filters 5m adx_min lots", "is not a number"),
])
async def test_filters_invalid_input_names_what_is_allowed(engine: Engine, line: str,
                                                           message: str) -> None:
    assert message in await refused(engine, line)
    assert reloaded(engine).plugins.v6_price_action_5m.config.adx_min == 25


async def test_multiplier_of_a_logic_and_of_a_v6_timeframe(engine: Engine) -> None:
    reply = await run(engine, "/multiplier logic3 1.5")
    assert reply.title == "Logic 3 lot multiplier: 0.625 → 1.5"
    reply = await run(engine, "/multiplier 1h 2.5")
    assert reply.title == "V6 1h risk multiplier: 1.5 → 2.5"
    settings = reloaded(engine)
    assert settings.logics["combinedlogic-3"].lot_multiplier == 1.5
    assert settings.plugins.v6_price_action_1h.config.risk_multiplier == 2.5


async def test_multiplier_scales_the_next_v6_order(engine: Engine) -> None:
    assert engine.trading is not None
    await v6_buy(engine, "15")
    first = next(iter(engine.trading.positions.values())).volume
    await run(engine, "/multiplier 15m 0.6")  # half of the default 1.2
    await engine.trading.close(next(iter(engine.trading.positions)))
    await v6_buy(engine, "15", price=1.08462)
    [second] = engine.trading.positions.values()
    assert second.volume == pytest.approx(first / 2, abs=0.011)


@pytest.mark.parametrize(("line", "message"), [
    ("/multiplier logic2 2.5", "out of range for a logic lot multiplier (allowed 0.5–2.0)"),
    ("/multiplier 1m 3", "out of range (allowed 0.5–2.5)"),
    ("/multiplier 4h 1", "use one of logic1, logic2, logic3, 1m, 5m, 15m, 1h"),
    ("/multiplier logic1 big", "is not a number"),
    ("/multiplier logic1", "missing value"),
    ("/multiplier logic1 1.5 --family v6", "not part of the V6 family"),
])
async def test_multiplier_invalid_input(engine: Engine, line: str, message: str) -> None:
    assert message in await refused(engine, line)
    assert reloaded(engine).logics["combinedlogic-1"].lot_multiplier == 1.25


async def test_logic_status_alignment_open_groups_and_today(engine: Engine) -> None:
    await aligned_buy(engine, "15m")
    await run(engine, "/set_trend GBPUSD 1h BEARISH")
    await run(engine, "/set_trend GBPUSD 15m BEARISH")
    reply = await run(engine, "/logic_status")
    assert reply.table is not None
    rows = {r[0]: r[1:] for r in reply.table.rows}
    assert rows["EURUSD"][:2] == ("BUY ✓", "BUY ✓")
    assert rows["GBPUSD"][:2] == ("SELL ✓", "SELL ✓")
    assert rows["GBPUSD"][2] == "— (NEUT/BEAR)"
    assert reply.data["logics"]["combinedlogic-2"]["open_groups"] == 1
    assert any("Logic 2 (combinedlogic-2) ON" in line and "1 group(s) today" in line
               for line in reply.lines)
