"""V6 exits, reversals, shadow mode and disabled plugins end to end (SPEC §3.4.2, §4.3.6)."""

from __future__ import annotations

import pytest

from core.domain.enums import Direction
from core.engine import Engine
from tests.engine.helpers import alert, legacy
from tests.engine.signal_helpers import run
from tests.strategies.v6_support import (
    decision,
    entry,
    exit_alert,
    kind_of,
    market,
    positions,
    send,
    sides,
)

BUY, SELL = Direction.BUY, Direction.SELL
P5, P15 = "v6_price_action_5m", "v6_price_action_15m"


async def test_exit_closes_only_its_side_of_its_own_plugin(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("5m"))                  # A + B BUY, owned by the 5m plugin
    await send(engine, entry("15m", "SELL"))         # A SELL, owned by the 15m plugin
    bearish = await send(engine, exit_alert("5m", "SELL"))
    assert (bearish["outcome"], bearish["reason"]) == ("ignored", "NO_POSITIONS")
    assert bearish["detail"] == "V6 5m exit: no open SELL EURUSD position"
    wrong_plugin = await send(engine, exit_alert("15m", "BUY"))
    assert wrong_plugin["reason"] == "NO_POSITIONS"  # the BUYs belong to the 5m plugin
    assert sides(engine, P5) == [BUY, BUY] and sides(engine, P15) == [SELL]
    bullish = await send(engine, exit_alert("5m", "BUY", price=1.08441))
    assert (bullish["outcome"], bullish["reason"]) == ("executed", "EXIT_SIGNAL")
    assert "V6 5m exit: closing 2 BUY EURUSD" in bullish["detail"]
    assert positions(engine, P5) == [] and sides(engine, P15) == [SELL]


async def test_exit_is_never_blocked_by_the_global_gates(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("15m"))
    await run(engine, "/pause")                         # gate 2 would refuse any entry
    record = await send(engine, exit_alert("15m", "BUY"))
    assert record["reason"] == "EXIT_SIGNAL" and positions(engine) == []


async def test_reversal_closes_the_opposite_side_then_enters(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("15m"))
    [buy] = positions(engine, P15)
    record = await send(engine, entry("15m", "SELL"))
    assert (record["outcome"], record["reason"]) == ("executed", "ORDER_PLACED")
    detail = decision(record, P15)["detail"]
    assert detail.startswith("reversal: closing 1 BUY EURUSD of V6 15m; V6 15m SELL EURUSD")
    assert f"closed #{buy.ticket} (REVERSAL)" in detail
    [sell] = positions(engine, P15)
    assert sell.direction is SELL and kind_of(engine, sell) == "A"


async def test_reversal_still_closes_when_the_new_entry_is_filtered(engine: Engine) -> None:
    market(engine)
    await send(engine, entry("5m"))
    record = await send(engine, entry("5m", "SELL", adx=12))
    assert (record["outcome"], record["reason"]) == ("executed", "ADX_LOW")
    assert "new entry not opened — filtered: V6 5m ADX 12 < 25" in record["detail"]
    assert record["detail"].count("(REVERSAL)") == 2   # Order A and Order B
    assert positions(engine) == []


async def test_reversal_frees_its_own_open_trade_slots(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_15m.config.max_open_trades", 1)
    market(engine)
    await send(engine, entry("15m"))
    record = await send(engine, entry("15m", "SELL"))  # the closing BUY no longer counts
    assert record["reason"] == "ORDER_PLACED" and sides(engine, P15) == [SELL]


async def test_shadow_mode_decides_the_same_and_sends_nothing(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_15m.shadow_mode", True)
    market(engine)
    record = await send(engine, entry("15m", sl_pips=100, tp2=1.08936))
    plugin = decision(record, P15)
    assert (plugin["outcome"], plugin["reason"], plugin["live"]) == ("shadow", "SHADOW", False)
    assert positions(engine) == []
    assert engine.shadow is not None
    [virtual] = engine.shadow.open_positions(P15)
    assert (virtual.direction, virtual.kind) == (BUY, "A")
    assert (virtual.volume, virtual.sl, virtual.tp) == \
        (pytest.approx(0.10), pytest.approx(1.07448), pytest.approx(1.08936))
    filtered = await send(engine, entry("15m", adx=None, price=1.08453))
    assert decision(filtered, P15)["reason"] == "ADX_LOW"
    closed = await send(engine, exit_alert("15m", "BUY"))
    assert decision(closed, P15)["outcome"] == "shadow"
    assert engine.shadow.open_positions(P15) == []


async def test_disabled_5m_plugin_falls_back_to_v4_logic_1(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_5m.enabled", False)
    market(engine)
    for tf in ("1h", "15m"):                       # Logic 1's own alignment (SPEC §4.1.3)
        await alert(engine, legacy("trend", "bull", tf))
    record = await send(engine, entry("5m"))
    assert [(d["layer"], d["live"], d["fallback"]) for d in record["decisions"]
            if d["layer"] != "stores"] == [("V4", True, True)]
    assert record["outcome"] == "executed"
    assert positions(engine, P5) == []
    assert {p.magic for p in positions(engine, "combinedlogic-1")} == {505011}


async def test_disabled_1m_plugin_is_not_traded_there_is_no_v4_logic(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_1m.enabled", False)
    market(engine)
    record = await send(engine, entry("1m"))
    assert (record["outcome"], record["reason"]) == ("ignored", "NO_LOGIC_FOR_TF")
    assert positions(engine) == []


async def test_disabled_plugin_without_fallback_is_plugin_disabled(engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_5m.enabled", False)
    engine.persist_override("bridge.fallback_on_failure", False)
    market(engine)
    record = await send(engine, entry("5m"))
    assert (record["outcome"], record["reason"]) == ("blocked", "PLUGIN_DISABLED")
    assert positions(engine) == []


async def test_reversal_losses_count_towards_the_daily_loss_of_the_new_entry(
        engine: Engine) -> None:
    engine.persist_override("plugins.v6_price_action_15m.config.daily_loss_limit", 5)
    market(engine)
    await send(engine, entry("15m"))
    market(engine, bid=1.08340)                  # the BUY is ≈ $10.80 down
    assert engine.trading is not None
    await engine.trading.refresh()               # what the position monitor does each pass
    record = await send(engine, entry("15m", "SELL"))
    # The BUY closes first (SPEC §4.3.6); the loss it realises then blocks the SELL.
    assert (record["outcome"], record["reason"]) == ("executed", "PLUGIN_DAILY_LOSS")
    assert "(REVERSAL)" in record["detail"] and positions(engine) == []
