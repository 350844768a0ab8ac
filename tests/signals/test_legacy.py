"""Legacy JSON (SPEC §2.2): the examples, every type, and what each malformed alert answers."""

from __future__ import annotations

from typing import Any

import pytest

from core.domain.enums import SignalFamily
from core.signals.legacy import parse_legacy
from core.signals.model import AlertRejected
from tests.signals.payloads import (
    LEGACY_ENTRY,
    LEGACY_EXIT,
    LEGACY_TREND,
    NOW,
    SYMBOLS,
    without_secret,
)

BASE = {"type": "entry", "signal": "buy", "tf": "15m", "symbol": "EURUSD", "price": 1.084}


def test_spec_examples_map_to_their_canonical_signals() -> None:
    entry = parse_legacy(without_secret(LEGACY_ENTRY), SYMBOLS, NOW)
    assert (entry.signal_type, entry.direction, entry.strategy, entry.timeframe) == (
        "BUY_SIGNAL", "BUY", "combinedlogic-2", "15m")
    assert entry.price == 1.08452 and entry.extras["label"] == "combined"
    assert entry.source_format is SignalFamily.LEGACY and entry.received_at == NOW
    trend = parse_legacy(LEGACY_TREND, SYMBOLS, NOW)
    assert (trend.signal_type, trend.direction, trend.strategy, trend.symbol) == (
        "TREND_UPDATE", "BEARISH", "legacy", "XAUUSD")
    exit_ = parse_legacy(without_secret(LEGACY_EXIT), SYMBOLS, NOW)
    # exit bull closes SELL positions of the Logic 1 strategy (5m)
    assert (exit_.signal_type, exit_.direction, exit_.strategy) == (
        "CLOSE_SELL", "SELL", "combinedlogic-1")


@pytest.mark.parametrize(("kind", "signal", "tf", "canonical", "direction", "strategy"), [
    ("bias", "bull", "1d", "BIAS_UPDATE", "BULLISH", "legacy"),
    ("bias", "bear", "5m", "BIAS_UPDATE", "BEARISH", "legacy"),
    ("trend", "bull", "15m", "TREND_UPDATE", "BULLISH", "legacy"),
    ("entry", "sell", "5m", "SELL_SIGNAL", "SELL", "combinedlogic-1"),
    ("entry", "buy", "1h", "BUY_SIGNAL", "BUY", "combinedlogic-3"),
    ("reversal", "reversal_bull", "15m", "REVERSAL_BUY", "BUY", "combinedlogic-2"),
    ("reversal", "reversal_bear", "1h", "REVERSAL_SELL", "SELL", "combinedlogic-3"),
    ("exit", "bear", "15m", "CLOSE_BUY", "BUY", "combinedlogic-2"),
])
def test_every_type_and_signal(kind: str, signal: str, tf: str, canonical: str,
                               direction: str, strategy: str) -> None:
    out = parse_legacy({**BASE, "type": kind, "signal": signal, "tf": tf}, SYMBOLS, NOW)
    assert (out.signal_type, out.direction, out.strategy) == (canonical, direction, strategy)


def test_normalisation_of_symbol_timeframe_price_and_case() -> None:
    out = parse_legacy({"type": " ENTRY ", "signal": "Buy", "tf": "60",
                        "symbol": " oanda:xauusd ", "price": "2318.456"}, SYMBOLS, NOW)
    assert (out.symbol, out.timeframe, out.price) == ("XAUUSD", "1h", 2318.46)


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"type": None}, "MISSING_FIELD", "'type' is required"),
    ({"type": "buy"}, "INVALID_VALUE", "'type' must be one of bias, trend"),
    ({"type": 5}, "INVALID_VALUE", "'type'"),
    ({"signal": None}, "MISSING_FIELD", "'signal' is required: buy, sell"),
    ({"signal": "bull"}, "INVALID_SIGNAL", "does not belong to type 'entry'; use one of buy"),
    ({"signal": 1}, "INVALID_VALUE", "'signal' must be text"),
    ({"tf": None}, "MISSING_FIELD", "'tf' is required"),
    ({"tf": "1d"}, "UNSUPPORTED_TF", "use one of 5m, 15m, 1h"),
    ({"tf": "2h"}, "UNSUPPORTED_TF", "1, 5, 15, 60, 240, D"),
    ({"symbol": None}, "MISSING_FIELD", "'symbol' is required"),
    ({"symbol": "DOGEUSD"}, "UNKNOWN_SYMBOL", "not in the symbol table"),
    ({"symbol": 7}, "INVALID_VALUE", "'symbol' must be text"),
    ({"price": None}, "MISSING_FIELD", "'price' is required"),
    ({"price": 0}, "INVALID_VALUE", "'price' must be a number > 0"),
    ({"price": "abc"}, "INVALID_VALUE", "got 'abc'"),
    ({"price": True}, "INVALID_VALUE", "'price'"),
])
def test_malformed_variants(change: dict[str, Any], code: str, words: str) -> None:
    with pytest.raises(AlertRejected) as caught:
        parse_legacy({**BASE, **change}, SYMBOLS, NOW)
    assert caught.value.code == code and caught.value.status == 400
    assert words in caught.value.message


def test_the_first_field_in_order_answers() -> None:
    with pytest.raises(AlertRejected) as caught:
        parse_legacy({"type": "entry", "signal": "bull", "symbol": "DOGE"}, SYMBOLS, NOW)
    assert caught.value.code == "INVALID_SIGNAL"


def test_unknown_fields_are_ignored_and_the_label_is_informational() -> None:
    out = parse_legacy({**BASE, "colour": "green", "strategy": 42}, SYMBOLS, NOW)
    assert out.signal_type == "BUY_SIGNAL" and "label" not in out.extras
