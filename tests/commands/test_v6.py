"""V6 STRATEGY commands on the real engine: /v6, /v6_status, /v6_control, /tf<TF>_on|off."""

from __future__ import annotations

import pytest

from core.engine import Engine
from tests.commands.support import decided_by, refused, reloaded, run, v6_buy

V6 = ("v6_price_action_1m", "v6_price_action_5m", "v6_price_action_15m", "v6_price_action_1h")


async def test_tf_off_hands_the_next_signal_to_the_v4_fallback(engine: Engine) -> None:
    reply = await run(engine, "/tf15m_off")
    assert reply.title == "V6 15m plugin: ON → OFF"
    assert "plugin disabled → V4 fallback (V4 combinedlogic-2)" in reply.lines[0]
    assert reloaded(engine).plugins.v6_price_action_15m.enabled is False
    record = await v6_buy(engine, "15")
    layers = decided_by(record)
    assert "v6_price_action_15m" not in layers
    assert layers["V4"][0] is True and layers["V4"][3] is True  # live, in fallback
    assert engine.trading is not None and not engine.trading.positions  # V4: not aligned
    assert (await run(engine, "/tf15m_on")).title == "V6 15m plugin: OFF → ON"
    record = await v6_buy(engine, "15", price=1.08462)
    assert decided_by(record)["v6_price_action_15m"][1] == "executed"
    assert len(engine.trading.positions) == 1


async def test_tf1m_off_means_not_traded_and_repeating_says_already(engine: Engine) -> None:
    await run(engine, "/tf1m_off")
    again = await run(engine, "/tf1m_off")
    assert again.title == "V6 1m plugin: already OFF"
    assert "not traded (no V4 logic for 1m)" in again.lines[0]
    record = await v6_buy(engine, "1")
    assert "v6_price_action_1m" not in decided_by(record)
    assert record["outcome"] != "executed"


async def test_v6_control_panel_and_all_switches(engine: Engine) -> None:
    panel = await run(engine, "/v6_control")
    assert panel.table is not None and [r[1] for r in panel.table.rows] == ["ON"] * 4
    off = await run(engine, "/v6_control all_off")
    assert off.title == "V6: all four timeframes OFF"
    assert off.lines[:4] == ("1m: ON → OFF", "5m: ON → OFF", "15m: ON → OFF", "1h: ON → OFF")
    settings = reloaded(engine)
    assert [settings.plugins.entry(p).enabled for p in V6] == [False] * 4
    record = await v6_buy(engine, "5")
    assert not any(layer.startswith("v6_") for layer in decided_by(record))
    on = await run(engine, "/v6_control all_on")
    assert on.table is not None and [r[1] for r in on.table.rows] == ["ON"] * 4
    assert all(engine.settings.plugins.entry(p).enabled for p in V6)


async def test_v6_control_refuses_other_actions(engine: Engine) -> None:
    assert "use one of all_on, all_off" in await refused(engine, "/v6_control half")


async def test_v6_overview_counts_todays_trades_and_states(engine: Engine) -> None:
    await v6_buy(engine, "15")
    await run(engine, "/filters 5m confidence_min 90")
    await run(engine, "/tf1h_off")
    reply = await run(engine, "/v6")
    assert reply.table is not None
    rows = {r[0]: r for r in reply.table.rows}
    assert rows["15m"][1:3] == ("active", "active") and rows["15m"][8] == "1/8"
    assert rows["5m"][4] == "90" and rows["1m"][5] == "2"
    assert rows["1h"][1:3] == ("disabled", "fallback")
    assert reply.data["timeframes"]["15m"]["trades_today"] == 1


async def test_v6_status_open_trades_limits_and_last_signal(engine: Engine) -> None:
    await v6_buy(engine, "15")
    await run(engine, "/filters 5m adx_min 40")
    await v6_buy(engine, "5", symbol="GBPUSD", price=1.26)
    reply = await run(engine, "/v6_status")
    assert reply.table is not None
    rows = {r[0]: r for r in reply.table.rows}
    assert rows["15m"][1:4] == ("1/3", "1/8", "$0 / $400")
    assert "EURUSD BULLISH_ENTRY → executed ORDER_PLACED" in rows["15m"][4]
    assert "GBPUSD BULLISH_ENTRY → blocked ADX_LOW" in rows["5m"][4]
    assert rows["1h"][4] == "none yet"


async def test_v6_status_counts_shadow_positions_apart(engine: Engine) -> None:
    await run(engine, "/shadow v6_price_action_15m on")
    await v6_buy(engine, "15")
    reply = await run(engine, "/v6_status")
    assert reply.table is not None
    assert reply.table.rows[2][1] == "0/3 (+1 shadow)"
    assert reply.data["timeframes"]["15m"]["shadow_open"] == 1


@pytest.mark.parametrize("tf", ["1m", "5m", "15m", "1h"])
async def test_every_tf_switch_pair_persists_its_plugin_switch(engine: Engine, tf: str) -> None:
    plugin_id = f"v6_price_action_{tf}"
    off = await run(engine, f"/tf{tf}_off")
    assert off.data == {"plugin": plugin_id, "enabled": False, "previous": True,
                        "state": "disabled"}
    assert reloaded(engine).plugins.entry(plugin_id).enabled is False
    assert engine.plugins is not None and not engine.plugins.loaded()[plugin_id]
    on = await run(engine, f"/tf{tf}_on")
    assert on.title == f"V6 {tf} plugin: OFF → ON" and on.data["state"] == "active"
    assert reloaded(engine).plugins.entry(plugin_id).enabled is True
    assert engine.plugins.loaded()[plugin_id]
