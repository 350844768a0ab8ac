"""V5Signal translation and strategy/plugin mapping (SPEC §3.1, §3.2)."""

from __future__ import annotations

import pytest

from core.signals.legacy import parse_legacy
from core.signals.model import V4Signal
from core.signals.v3 import parse_v3
from core.signals.v5 import ACTIONS, Route, route, to_v5
from core.signals.v6 import parse_v6
from tests.signals.payloads import NOW, SYMBOLS, V3_ENTRY, V3_EXIT, V6_ENTRY, without_secret

MAPPING = {"XAUUSD": "GOLD"}


def legacy(kind: str, signal: str, tf: str = "15m", symbol: str = "EURUSD") -> V4Signal:
    return parse_legacy({"type": kind, "signal": signal, "tf": tf, "symbol": symbol,
                         "price": 1.08 if symbol != "XAUUSD" else 2300}, SYMBOLS, NOW)


def test_v3_entry_translates_with_levels_scores_and_context() -> None:
    v5 = to_v5(parse_v3(without_secret(V3_ENTRY), SYMBOLS, NOW), MAPPING)
    assert (v5.action, v5.strategy, v5.target_plugin, v5.direction) == (
        "entry_long", "V3_COMBINED", "v3_combined", "long")
    assert (v5.symbol, v5.broker_symbol, v5.timeframe, v5.price) == (
        "EURUSD", "EURUSD", "15m", 1.0845)
    assert (v5.levels.sl, v5.levels.tp1, v5.levels.tp2, v5.levels.tp3) == (
        1.0825, 1.0885, 1.0905, None)
    assert v5.scores.consensus == 8 and v5.mtf_trends == (1, 1, 1, 1, 0, 1)
    assert v5.context["logic"] == "combinedlogic-2" and v5.context["source_format"] == "V3"
    assert v5.context["indicator_signal_type"] == "Institutional_Launchpad"
    assert v5.context["extras"]["position_multiplier"] == 0.8


def test_v3_exit_on_gold_uses_the_broker_name() -> None:
    v5 = to_v5(parse_v3(without_secret(V3_EXIT), SYMBOLS, NOW), MAPPING)
    assert (v5.action, v5.direction, v5.broker_symbol) == ("exit_long", "long", "GOLD")


def test_v6_entry_goes_to_the_plugin_of_its_timeframe() -> None:
    v5 = to_v5(parse_v6(V6_ENTRY, SYMBOLS, NOW), MAPPING)
    assert (v5.action, v5.strategy, v5.target_plugin) == (
        "entry_long", "V6_PRICE_ACTION", "v6_price_action_15m")
    assert (v5.scores.confidence, v5.scores.confidence_level, v5.scores.adx,
            v5.scores.adx_strength) == (85, "HIGH", 27.4, "STRONG")
    assert v5.alignment == "5/1" and v5.levels.tp3 == 1.09178


@pytest.mark.parametrize(("signal", "action", "direction"), [
    (legacy("entry", "sell"), "entry_short", "short"),
    (legacy("exit", "bull"), "exit_short", "short"),
    (legacy("exit", "bear"), "exit_long", "long"),
    (legacy("reversal", "reversal_bull"), "reversal_long", "long"),
    (legacy("reversal", "reversal_bear"), "reversal_short", "short"),
    (legacy("trend", "bull"), "trend_update", None),
    (legacy("bias", "bear", "1d"), "trend_update", None),
])
def test_actions_of_the_canonical_types(signal: V4Signal, action: str,
                                        direction: str | None) -> None:
    v5 = to_v5(signal, MAPPING)
    assert (v5.action, v5.direction, v5.strategy) == (action, direction, "V3_COMBINED")
    assert v5.signal_id == signal.signal_id


def test_every_canonical_type_has_its_spec_action() -> None:
    assert ACTIONS == {
        "BUY_SIGNAL": "entry_long", "SELL_SIGNAL": "entry_short", "CLOSE_BUY": "exit_long",
        "CLOSE_SELL": "exit_short", "REVERSAL_BUY": "reversal_long",
        "REVERSAL_SELL": "reversal_short", "TP_HIT": "take_profit", "SL_HIT": "stop_loss",
        "TREND_UPDATE": "trend_update", "BIAS_UPDATE": "trend_update"}


@pytest.mark.parametrize(("tf", "plugin"), [
    ("1", "v6_price_action_1m"), ("5", "v6_price_action_5m"), ("15", "v6_price_action_15m"),
    ("60", "v6_price_action_1h"), ("240", None), ("D", None),
])
def test_v6_plugin_per_timeframe(tf: str, plugin: str | None) -> None:
    text = f"BULLISH_ENTRY|EURUSD|{tf}|1.08452|BUY|HIGH|85|27|STRONG|1.0821|1.08694"
    got = route(parse_v6(text, SYMBOLS, NOW))
    assert got == (Route("V6_PRICE_ACTION", plugin) if plugin
                   else Route("V6_PRICE_ACTION", None, "NO_PLUGIN_FOR_TF"))
