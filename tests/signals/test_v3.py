"""V3 JSON (SPEC §2.3, §4.2.5): examples, every type and field, levels rules, rejections."""

from __future__ import annotations

from typing import Any

import pytest

from core.domain.enums import SignalFamily
from core.signals.model import INFO, AlertRejected
from core.signals.v3 import SIGNAL_TYPES, parse_v3, route_v3
from tests.signals.payloads import NOW, SYMBOLS, V3_ENTRY, V3_EXIT, V3_PULSE, without_secret

ENTRY = without_secret(V3_ENTRY)


def parse(payload: dict[str, Any]) -> Any:
    return parse_v3(payload, SYMBOLS, NOW)


def test_entry_example_carries_every_field() -> None:
    out = parse(ENTRY)
    assert (out.signal_type, out.direction, out.strategy, out.timeframe, out.price) == (
        "BUY_SIGNAL", "BUY", "combinedlogic-2", "15m", 1.0845)
    assert out.source_format is SignalFamily.V3
    x = out.extras
    assert x["levels"] == {"sl": 1.0825, "tp1": 1.0885, "tp2": 1.0905, "tp3": None}
    assert x["levels_present"] is True and x["tp2_derived"] is False
    assert x["signal_type"] == "Institutional_Launchpad" and x["scores"] == {"consensus": 8}
    assert x["mtf_trends"] == [1, 1, 1, 1, 0, 1]
    assert x["pillars"] == {"15m": 1, "1h": 1, "4h": 0, "1d": 1}
    assert (x["market_trend"], x["volume_delta_ratio"], x["price_in_ob"]) == (1, 1.42, True)
    assert x["position_multiplier"] == 0.8 and x["warnings"] == []


def test_exit_example_direction_governs() -> None:
    out = parse(without_secret(V3_EXIT))
    # direction sell closes BUY positions; routed by tf 60 → Logic 3
    assert (out.signal_type, out.direction, out.strategy, out.timeframe) == (
        "CLOSE_BUY", "BUY", "combinedlogic-3", "1h")
    assert out.extras["reason"] == "bullish consensus faded" and out.extras["warnings"] == []


def test_exit_with_an_unusual_direction_is_accepted_with_a_warning() -> None:
    out = parse({**without_secret(V3_EXIT), "direction": "buy"})
    assert (out.signal_type, out.direction) == ("CLOSE_SELL", "SELL")
    assert "Bullish_Exit normally comes with direction sell" in out.extras["warnings"][0]


def test_pulse_example_updates_pillars_and_never_trades() -> None:
    out = parse(without_secret(V3_PULSE))
    assert (out.signal_type, out.direction, out.strategy, out.price) == (
        "TREND_UPDATE", "NEUTRAL", "legacy", None)
    assert out.extras["pillars"] == {"15m": -1, "1h": 1, "4h": 1, "1d": 1}
    assert out.extras["changed_timeframes"] == ["15m"]
    assert out.extras["previous_trends"] == [1, -1, 1, 1, 1, 1]
    assert out.extras["message"] == "15m turned bearish"


def test_pulse_falls_back_to_mtf_trends() -> None:
    out = parse({"type": "trend_pulse_v3", "symbol": "EURUSD", "tf": "60",
                 "mtf_trends": "0,0,1,-1,0,1"})
    assert out.extras["pillars"] == {"15m": 1, "1h": -1, "4h": 0, "1d": 1}


def test_squeeze_is_informational() -> None:
    out = parse({"type": "squeeze_v3", "symbol": "EURUSD", "tf": "15",
                 "message": "squeeze on", "signal_type": "Volatility_Squeeze"})
    assert (out.signal_type, out.strategy, out.price) == (INFO, "legacy", None)
    assert out.extras["alert_type"] == "squeeze_v3"


@pytest.mark.parametrize(("signal_type", "tf", "logic"), [
    ("Screener_Full_Bullish", "5", "combinedlogic-3"),
    ("Screener_Full_Bearish", "1", "combinedlogic-3"),
    ("Golden_Pocket_Flip", "60", "combinedlogic-3"),
    ("Golden_Pocket_Flip", "240", "combinedlogic-3"),
    ("Golden_Pocket_Flip", "15", "combinedlogic-2"),
    ("Momentum_Breakout", "5", "combinedlogic-1"),
    ("Momentum_Breakout", "15", "combinedlogic-2"),
    ("Momentum_Breakout", "60", "combinedlogic-3"),
    ("Momentum_Breakout", "240", "combinedlogic-3"),
    ("Momentum_Breakout", "1", "combinedlogic-2"),
    ("Momentum_Breakout", "D", "combinedlogic-2"),
])
def test_routing_table(signal_type: str, tf: str, logic: str) -> None:
    out = parse({**ENTRY, "signal_type": signal_type, "tf": tf})
    assert out.strategy == logic == route_v3(signal_type, out.timeframe)


@pytest.mark.parametrize("signal_type", SIGNAL_TYPES["entry_v3"])
def test_every_entry_signal_type_is_accepted(signal_type: str) -> None:
    assert parse({**ENTRY, "signal_type": signal_type.lower()}).extras["signal_type"] == \
        signal_type


def test_entry_extras_of_particular_signal_types() -> None:
    out = parse({**ENTRY, "signal_type": "Sideways_Breakout", "adx_value": "23.5",
                 "confidence": "medium", "fib_level": 0.618, "full_alignment": "true"})
    assert (out.extras["adx_value"], out.extras["confidence"], out.extras["fib_level"],
            out.extras["full_alignment"]) == (23.5, "MEDIUM", 0.618, True)


def test_sell_entry_levels_on_the_other_side() -> None:
    out = parse({**ENTRY, "direction": "sell", "sl_price": 1.0865, "tp1_price": 1.0805,
                 "tp2_price": None})
    assert out.signal_type == "SELL_SIGNAL" and out.extras["levels_present"]
    # derived TP2 = price − 1.5 × |tp1 − price| = 1.0845 − 0.006
    assert out.extras["levels"]["tp2"] == pytest.approx(1.0785)
    assert out.extras["tp2_derived"] is True


@pytest.mark.parametrize(("change", "warning"), [
    ({"sl_price": None}, "sl_price is missing"),
    ({"tp1_price": "NA"}, "tp1_price is missing"),
    ({"sl_price": 1.0855}, "sl_price 1.0855 is not below price 1.0845"),
    ({"tp1_price": 1.0835}, "tp1_price 1.0835 is not above price 1.0845"),
])
def test_unusable_levels_mean_without_levels_plus_a_warning(change: dict[str, Any],
                                                            warning: str) -> None:
    out = parse({**ENTRY, **change})
    assert out.signal_type == "BUY_SIGNAL" and out.extras["levels_present"] is False
    assert out.extras["levels"] == {"sl": None, "tp1": None, "tp2": None, "tp3": None}
    assert warning in out.extras["warnings"][0] and "without alert levels" in \
        out.extras["warnings"][0]


def test_tp2_not_beyond_tp1_is_derived_with_a_warning() -> None:
    out = parse({**ENTRY, "tp2_price": 1.0870})
    assert out.extras["levels"]["tp2"] == pytest.approx(1.0905) and out.extras["tp2_derived"]
    assert "not beyond tp1_price" in out.extras["warnings"][0]


@pytest.mark.parametrize(("given", "used"), [(None, 1.0), (0.05, 0.1), (3, 2.0), (-1, 0.1),
                                             (1.5, 1.5), ("0.5", 0.5)])
def test_position_multiplier_is_clamped_with_a_warning(given: Any, used: float) -> None:
    out = parse({**ENTRY, "position_multiplier": given})
    assert out.extras["position_multiplier"] == used
    assert bool(out.extras["warnings"]) is (given is not None and not 0.1 <= float(given) <= 2)


def test_fields_ignored_for_a_type_are_not_validated() -> None:
    out = parse({**without_secret(V3_EXIT), "sl_price": "garbage", "position_multiplier": "x"})
    assert out.signal_type == "CLOSE_BUY"


@pytest.mark.parametrize(("payload", "code", "words"), [
    ({**ENTRY, "direction": "neutral"}, "INVALID_DIRECTION", "must be buy or sell"),
    ({**ENTRY, "direction": "long"}, "INVALID_DIRECTION", "buy, sell, neutral"),
    ({**ENTRY, "direction": None}, "MISSING_FIELD", "'direction' is required"),
    ({**without_secret(V3_EXIT), "direction": "neutral"}, "INVALID_DIRECTION", "exit_v3"),
    ({**ENTRY, "mtf_trends": "1,1,1,1,0"}, "INVALID_MTF", "six comma-separated values"),
    ({**ENTRY, "mtf_trends": "1,1,1,1,0,2"}, "INVALID_MTF", "got '1,1,1,1,0,2'"),
    ({**ENTRY, "mtf_trends": None}, "MISSING_FIELD", "'mtf_trends' is required"),
    ({**without_secret(V3_PULSE), "current_trends": "a,b"}, "INVALID_MTF", "current_trends"),
    ({**without_secret(V3_PULSE), "current_trends": None}, "MISSING_FIELD",
     "needs current_trends (or mtf_trends)"),
    ({**ENTRY, "signal_type": "Bullish_Exit"}, "INVALID_SIGNAL", "for type entry_v3"),
    ({**ENTRY, "signal_type": None}, "MISSING_FIELD", "'signal_type' is required"),
    ({**without_secret(V3_PULSE), "signal_type": "Volatility_Squeeze"}, "INVALID_SIGNAL",
     "Trend_Pulse"),
    ({**ENTRY, "tf": "3"}, "UNSUPPORTED_TF", "'tf'"),
    ({**ENTRY, "symbol": "BTCUSD"}, "UNKNOWN_SYMBOL", "BTCUSD"),
    ({**ENTRY, "price": -2}, "INVALID_VALUE", "'price' must be a number > 0"),
    ({**ENTRY, "price": None}, "MISSING_FIELD", "'price' is required"),
    ({**ENTRY, "consensus_score": 10}, "INVALID_VALUE", "whole number from 0 to 9"),
    ({**ENTRY, "consensus_score": 4.5}, "INVALID_VALUE", "whole number"),
    ({**ENTRY, "consensus_score": None}, "MISSING_FIELD", "'consensus_score' is required"),
    ({**ENTRY, "sl_price": "low"}, "INVALID_VALUE", "'sl_price' must be a number > 0"),
    ({**ENTRY, "market_trend": 2}, "INVALID_VALUE", "'market_trend'"),
    ({**ENTRY, "price_in_ob": "yes"}, "INVALID_VALUE", "true or false"),
    ({**ENTRY, "volume_delta_ratio": "lots"}, "INVALID_VALUE", "'volume_delta_ratio'"),
    ({**ENTRY, "confidence": "SURE"}, "INVALID_VALUE", "HIGH, MEDIUM, LOW"),
    ({**ENTRY, "adx_value": 140}, "INVALID_VALUE", "'adx_value'"),
    ({**without_secret(V3_PULSE), "changed_timeframes": "15,7"}, "INVALID_VALUE",
     "comma list of periods"),
    ({**ENTRY, "type": None}, "MISSING_FIELD", "'type' is required"),
])
def test_malformed_variants(payload: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(AlertRejected) as caught:
        parse(payload)
    assert caught.value.code == code and words in caught.value.message
