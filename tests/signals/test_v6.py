"""V6 price action (SPEC §2.4): pipe text and JSON, every type, NA handling, rejections."""

from __future__ import annotations

from typing import Any

import pytest

from core.domain.enums import SignalFamily
from core.signals.model import INFO, AlertRejected, V4Signal
from core.signals.v6 import LAYOUTS, adx_strength, confidence_level, parse_v6
from tests.signals.payloads import (
    NOW,
    SYMBOLS,
    V6_ENTRY,
    V6_ENTRY_JSON,
    V6_ENTRY_NA,
    V6_EXIT,
    V6_PULSE,
    without_secret,
)

ENTRY = V6_ENTRY.rstrip("|").split("|")


def parse(payload: Any) -> V4Signal:
    return parse_v6(payload, SYMBOLS, NOW)


def pipe(*fields: str) -> str:
    return "|".join(fields)


def with_field(position: int, value: str) -> str:
    fields = list(ENTRY)
    fields[position] = value
    return pipe(*fields)


def test_entry_example() -> None:
    out = parse(V6_ENTRY)
    assert (out.signal_type, out.direction, out.strategy, out.timeframe, out.price) == (
        "BUY_SIGNAL", "BUY", "price_action", "15m", 1.08452)
    assert out.source_format is SignalFamily.V6
    x = out.extras
    assert x["levels"] == {"sl": 1.0821, "tp1": 1.08694, "tp2": 1.08936, "tp3": 1.09178}
    assert x["scores"] == {"confidence": 85, "confidence_level": "HIGH", "adx": 27.4,
                           "adx_strength": "STRONG"}
    assert (x["alignment"], x["tl_status"], x["alert_type"]) == ("5/1", "TL_BREAK",
                                                                 "BULLISH_ENTRY")


def test_entry_with_na_fields() -> None:
    out = parse(V6_ENTRY_NA)
    assert (out.signal_type, out.direction, out.timeframe) == ("SELL_SIGNAL", "SELL", "1m")
    assert out.extras["scores"]["adx"] is None and out.extras["scores"]["adx_strength"] is None
    assert out.extras["levels"]["tp3"] is None and out.extras["levels"]["tp2"] == 151.12
    assert out.extras["scores"]["confidence_level"] == "MODERATE"


def test_pulse_and_exit_examples() -> None:
    pulse = parse(V6_PULSE)
    assert (pulse.signal_type, pulse.direction, pulse.timeframe, pulse.price) == (
        "TREND_UPDATE", "BULLISH", "1h", None)
    assert (pulse.extras["bull_count"], pulse.extras["bear_count"]) == (5, 1)
    assert pulse.extras["changed_tfs"] == ["15m", "4h"]
    assert pulse.extras["market_state"] == "TRENDING_BULLISH"
    exit_ = parse(V6_EXIT)
    assert (exit_.signal_type, exit_.direction, exit_.timeframe, exit_.price) == (
        "CLOSE_SELL", "SELL", "5m", 191.245)
    assert exit_.extras["exit_length"] == 12


def test_json_form_equals_the_pipe_form() -> None:
    from_json, from_text = parse(without_secret(V6_ENTRY_JSON)), parse(V6_ENTRY)
    strip = ("signal_id", "extras")
    assert {k: v for k, v in from_json.as_dict().items() if k not in strip} == \
        {k: v for k, v in from_text.as_dict().items() if k not in strip}
    assert {**from_json.extras, "form": ""} == {**from_text.extras, "form": ""}


def test_json_synonyms_and_na_strings() -> None:
    payload = {"type": "bullish_entry", "ticker": "EURUSD", "timeframe": "15",
               "price": "1.08452", "direction": "bullish", "confidence_score": "85",
               "adx": "NA", "sl_price": 1.08210, "tp1_price": 1.08694, "tp2_price": None,
               "tp3_price": "NA", "spread_pips": 0.8, "momentum_state": "increasing"}
    out = parse(payload)
    assert (out.symbol, out.timeframe, out.direction) == ("EURUSD", "15m", "BUY")
    assert out.extras["levels"]["tp2"] == pytest.approx(1.08452 + 1.5 * 0.00242)
    assert out.extras["tp2_derived"] and out.extras["scores"]["adx"] is None
    assert (out.extras["spread_pips"], out.extras["momentum_state"]) == (0.8, "INCREASING")


@pytest.mark.parametrize("text", [
    V6_ENTRY.rstrip("|"), V6_ENTRY, " " + V6_ENTRY.replace("|", " | ") + " ",
    pipe(*ENTRY[:11]), pipe(*ENTRY[:11], ""), pipe(*ENTRY, "EXTRA", "MORE"),
    V6_ENTRY.lower(),
])
def test_trailing_pipe_spaces_missing_optionals_and_extra_fields(text: str) -> None:
    out = parse(text)
    assert (out.signal_type, out.symbol, out.price) == ("BUY_SIGNAL", "EURUSD", 1.08452)


@pytest.mark.parametrize("na", ["NA", "N/A", "nan", "NaN", "na", "", " "])
def test_every_na_spelling_is_null(na: str) -> None:
    out = parse(with_field(7, na))
    assert out.extras["scores"]["adx"] is None and out.extras["scores"]["adx_strength"] is None


@pytest.mark.parametrize(("score", "level"), [(100, "HIGH"), (80, "HIGH"), (79, "MODERATE"),
                                              (60, "MODERATE"), (59, "LOW"), (0, "LOW")])
def test_confidence_level_is_re_derived_from_the_score(score: int, level: str) -> None:
    out = parse(with_field(6, str(score)))
    assert out.extras["scores"]["confidence_level"] == level == confidence_level(score)
    assert out.extras["confidence_level_reported"] == "HIGH"


@pytest.mark.parametrize(("adx", "strength"), [("25", "STRONG"), ("24.9", "MODERATE"),
                                               ("20", "MODERATE"), ("15", "WEAK"),
                                               ("14.99", "NONE")])
def test_adx_strength_is_re_derived(adx: str, strength: str) -> None:
    out = parse(with_field(7, adx))
    assert out.extras["scores"]["adx_strength"] == strength == adx_strength(float(adx))


INFO_EXAMPLES = [
    ("SIDEWAYS_BREAKOUT|EURUSD|15|BULLISH|21|MODERATE|SIDEWAYS|INCREASING", "BUY",
     {"adx": 21.0, "adx_strength": "MODERATE", "prior_state": "SIDEWAYS",
      "momentum": "INCREASING"}),
    ("TRENDLINE_BULLISH_BREAK|EURUSD|15|1.0845|1.0840|12", None,
     {"trendline_level": 1.084, "bars": 12}),
    ("TRENDLINE_BEARISH_BREAK|EURUSD|5|1.0845|1.0850|3", None,
     {"trendline_level": 1.085, "bars": 3}),
    ("MOMENTUM_CHANGE|EURUSD|5|22.5|MODERATE|18|WEAK|INCREASING", None,
     {"adx": 22.5, "adx_strength": "MODERATE", "prev_adx": 18.0, "prev_strength": "WEAK",
      "momentum": "INCREASING"}),
    ("STATE_CHANGE|EURUSD|15|CHOPPY|TRENDING|3/3", None,
     {"state": "CHOPPY", "prev_state": "TRENDING", "alignment": "3/3"}),
    ("BREAKOUT|XAUUSD|60|2330.5|3|100|120", None,
     {"level": 2330.5, "tests": 3, "start_bar": 100, "bar": 120}),
    ("BREAKDOWN|XAUUSD|60|2300|2|90|121", None, {"level": 2300.0, "tests": 2}),
    ("SCREENER_FULL_BULLISH|XAUUSD|D|9|RSI,MACD,EMA", None,
     {"score": 9.0, "indicators": ["RSI", "MACD", "EMA"]}),
    ("SCREENER_FULL_BEARISH|GBPUSD|240|NA|NA", None, {}),
    ("SIDEWAYS_BREAKOUT|EURUSD|15", None, {"adx": None, "adx_strength": None}),
]


@pytest.mark.parametrize(("text", "direction", "extras"), INFO_EXAMPLES)
def test_informational_types(text: str, direction: str | None, extras: dict[str, Any]) -> None:
    out = parse(text)
    assert out.signal_type == INFO and out.direction == direction
    assert out.extras["alert_type"] == text.split("|")[0]
    assert {k: out.extras.get(k) for k in extras} == extras


def test_every_v6_type_is_covered_by_a_test() -> None:
    covered = {t.split("|")[0] for t, _, _ in INFO_EXAMPLES} | {
        "BULLISH_ENTRY", "BEARISH_ENTRY", "TREND_PULSE", "EXIT_BEARISH", "EXIT_BULLISH"}
    assert covered == set(LAYOUTS)
    assert parse("EXIT_BULLISH|EURUSD|15|1.0850").signal_type == "CLOSE_BUY"


@pytest.mark.parametrize(("text", "code", "words"), [
    (pipe(*ENTRY[:10]), "MALFORMED", "BULLISH_ENTRY needs at least 11"),
    ("EXIT_BEARISH|GBPJPY|5", "MALFORMED", "at least 4"),
    ("TREND_PULSE|XAUUSD|60|5", "MALFORMED", "BULL_COUNT|BEAR_COUNT"),
    ("STATE_CHANGE|EURUSD", "MALFORMED", "at least 3"),
    (with_field(3, "NA"), "MISSING_FIELD", "position 3 (PRICE) is required"),
    (with_field(4, ""), "MISSING_FIELD", "position 4 (DIRECTION) is required"),
    (with_field(6, "N/A"), "MISSING_FIELD", "position 6 (CONF_SCORE) is required"),
    (with_field(9, "NaN"), "MISSING_FIELD", "position 9 (SL) is required"),
    (with_field(10, "NA"), "MISSING_FIELD", "position 10 (TP1) is required"),
    ("EXIT_BEARISH|GBPJPY|5|NA|12", "MISSING_FIELD", "position 3 (PRICE)"),
    ("TREND_PULSE|XAUUSD|60|NA|1", "MISSING_FIELD", "position 3 (BULL_COUNT)"),
    (with_field(1, "NA"), "MISSING_FIELD", "position 1 (SYMBOL) is required"),
    (with_field(4, "SELL"), "INVALID_LEVELS", "must carry DIRECTION BUY"),
    (with_field(4, "LONG"), "INVALID_DIRECTION", "BUY, SELL"),
    (with_field(9, "1.0900"), "INVALID_LEVELS", "needs SL < PRICE < TP1"),
    (with_field(10, "1.0800"), "INVALID_LEVELS", "needs SL < PRICE < TP1"),
    (with_field(11, "1.0860"), "INVALID_LEVELS", "TP2 1.086 must be above TP1"),
    (with_field(12, "1.0890"), "INVALID_LEVELS", "TP3 1.089 must be above TP2"),
    ("BEARISH_ENTRY|USDJPY|1|151.320|SELL|MODERATE|62|NA|NA|151.220|151.120|NA|NA",
     "INVALID_LEVELS", "SL > PRICE > TP1"),
    (with_field(6, "101"), "INVALID_VALUE", "position 6 (CONF_SCORE) must be a whole number"),
    (with_field(3, "-1"), "INVALID_VALUE", "position 3 (PRICE) must be a number > 0"),
    (with_field(7, "strong"), "INVALID_VALUE", "position 7 (ADX)"),
    (with_field(13, "4/3"), "INVALID_VALUE", "at most 6 together"),
    (with_field(13, "five"), "INVALID_VALUE", "such as 5/1"),
    (with_field(14, "BROKEN"), "INVALID_VALUE", "TL_BREAK, TL_OK"),
    (with_field(2, "7"), "UNSUPPORTED_TF", "position 2 (TF)"),
    (with_field(1, "BTCUSD"), "UNKNOWN_SYMBOL", "BTCUSD"),
    ("TREND_PULSE|XAUUSD|60|5|4", "INVALID_VALUE", "exceed the six timeframes"),
    ("TREND_PULSE|XAUUSD|60|7|0", "INVALID_VALUE", "from 0 to 6"),
    ("TREND_PULSE|XAUUSD|60|5|1|15,99", "INVALID_VALUE", "comma list of periods"),
    ("MOMENTUM_CHANGE|EURUSD|5|22|MODERATE|18|WEAK|FLAT", "INVALID_VALUE",
     "INCREASING, DECREASING"),
    ("EXIT_BEARISH|GBPJPY|5|191.245|-2", "INVALID_VALUE", "whole number"),
    ("HELLO|EURUSD|5", "UNKNOWN_FORMAT", "not a V6 alert type"),
])
def test_malformed_pipe_variants(text: str, code: str, words: str) -> None:
    with pytest.raises(AlertRejected) as caught:
        parse(text)
    assert caught.value.code == code and words in caught.value.message


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"sl": None, "sl_price": "NA"}, "MISSING_FIELD", "'sl' is required"),
    ({"direction": "SELL"}, "INVALID_LEVELS", "DIRECTION BUY"),
    ({"alignment": "9/9"}, "INVALID_VALUE", "'alignment'"),
    ({"conf_score": "high"}, "INVALID_VALUE", "'conf_score'"),
    ({"symbol": None}, "MISSING_FIELD", "'symbol' is required"),
    ({"type": "SQUEEZE"}, "INVALID_VALUE", "'type' must be one of BULLISH_ENTRY"),
    ({"spread_pips": -1}, "INVALID_VALUE", "'spread_pips'"),
])
def test_malformed_json_variants(change: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(AlertRejected) as caught:
        parse({**without_secret(V6_ENTRY_JSON), **change})
    assert caught.value.code == code and words in caught.value.message


def test_json_fields_outside_the_type_are_ignored() -> None:
    out = parse({"type": "EXIT_BULLISH", "symbol": "EURUSD", "tf": "5", "price": 1.08,
                 "conf_score": "not-a-number", "sl": -5})
    assert out.signal_type == "CLOSE_BUY"
