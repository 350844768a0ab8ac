"""Hypothesis: nothing makes detection or parsing raise but AlertRejected; valid alerts
round-trip (parse → V4Signal fields equal the generated values)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.enums import SignalFamily
from core.signals.detect import detect_family
from core.signals.intake import PARSERS
from core.signals.model import AlertRejected, V4Signal
from core.signals.v3 import SIGNAL_TYPES, route_v3
from core.signals.v6 import LAYOUTS
from tests.signals.payloads import NOW, SPEC_SECRET, SYMBOLS
from tests.signals.test_intake import Rig

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ROUND_TRIP = settings(max_examples=200, deadline=None)
SPELLINGS = {"1m": ["1", "1m", "1M"], "5m": ["5", "5m"], "15m": ["15", "15m", "15M"],
             "1h": ["60", "1h", "1H"], "4h": ["240", "4h"], "1d": ["D", "1D", "1d", "d"]}
KEYS = sorted({"type", "signal", "tf", "symbol", "price", "strategy", "signal_type",
               "direction", "consensus_score", "sl_price", "tp1_price", "tp2_price",
               "mtf_trends", "market_trend", "volume_delta_ratio", "price_in_ob",
               "position_multiplier", "fib_level", "full_alignment", "adx_value", "confidence",
               "reason", "message", "current_trends", "previous_trends", "changed_timeframes",
               "ticker", "timeframe", "confidence_score", "sl", "tp1", "tp2", "tp3", "tp3_price",
               "secret"} | {k for layout in LAYOUTS.values() for k in layout})
WORDS = (["entry", "trend", "bias", "exit", "reversal", "entry_v3", "exit_v3", "squeeze_v3",
          "trend_pulse_v3", "buy", "sell", "bull", "bear", "neutral", "BUY", "SELL", "BULLISH",
          "NA", "N/A", "NaN", "", "5/1", "7/0", "TL_OK", "1,1,1,1,0,1", "1,2", "15,240",
          "EURUSD", "OANDA:XAUUSD", "DOGE", "HIGH", "INCREASING"] + list(LAYOUTS)
         + [s for group in SIGNAL_TYPES.values() for s in group]
         + [s for group in SPELLINGS.values() for s in group])
scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                   st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                   st.sampled_from(WORDS))
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


def parse_body(body: bytes) -> V4Signal:
    family, payload = detect_family(body)
    if isinstance(payload, dict):
        payload.pop("secret", None)
    return PARSERS[family](payload, SYMBOLS, NOW, "")


def only_rejections(body: bytes) -> None:
    try:
        signal = parse_body(body)
    except AlertRejected as exc:
        assert exc.code and exc.message and exc.status == 400
    else:
        json.dumps(signal.as_dict())  # whatever is accepted can be stored


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(body: bytes) -> None:
    only_rejections(body)


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYS), value, max_size=14),
       st.sampled_from(["entry", "trend", "entry_v3", "exit_v3", "squeeze_v3",
                        "trend_pulse_v3", *LAYOUTS, "nope"]))
def test_random_json_objects(payload: dict[str, Any], kind: str) -> None:
    only_rejections(json.dumps(payload).encode())
    only_rejections(json.dumps({**payload, "type": kind}).encode())


@FUZZ
@given(st.sampled_from(list(LAYOUTS) + ["bullish_entry", "NOPE"]),
       st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8),
                          st.floats(allow_nan=True).map(str), st.integers().map(str)),
                max_size=16),
       st.booleans())
def test_random_pipe_strings(kind: str, fields: list[str], trailing: bool) -> None:
    only_rejections(("|".join([kind, *fields]) + ("|" if trailing else "")).encode())


def test_the_http_boundary_answers_every_body_with_a_status(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "store")

    @FUZZ
    @given(st.one_of(st.binary(max_size=300),
                     st.dictionaries(st.sampled_from(KEYS), value, max_size=10).map(
                         lambda d: json.dumps({**d, "secret": SPEC_SECRET}).encode())))
    def check(body: bytes) -> None:
        response = rig.intake.receive(body, query_secret=SPEC_SECRET)
        assert response.status in (200, 400)
        assert response.body["status"] in ("accepted", "duplicate", "rejected")

    try:
        check()
    finally:
        rig.store.close()


# -- round trips ------------------------------------------------------------------------------

symbols = st.sampled_from(sorted(SYMBOLS))


@st.composite
def prices(draw: st.DrawFn, symbol: str) -> float:
    digits = SYMBOLS[symbol].digits
    return round(draw(st.integers(10**digits // 2, 3000 * 10**digits)) / 10**digits, digits)


def spell(draw: st.DrawFn, tf: str) -> str:
    return draw(st.sampled_from(SPELLINGS[tf]))


def written_symbol(draw: st.DrawFn, symbol: str) -> str:
    prefix = draw(st.sampled_from(["", "OANDA:", "FX:", " "]))
    return prefix + draw(st.sampled_from([symbol, symbol.lower()]))


LEGACY_EXPECT = {  # (type, signal) → (canonical type, direction), written out independently
    ("bias", "bull"): ("BIAS_UPDATE", "BULLISH"), ("bias", "bear"): ("BIAS_UPDATE", "BEARISH"),
    ("trend", "bull"): ("TREND_UPDATE", "BULLISH"), ("trend", "bear"): ("TREND_UPDATE", "BEARISH"),
    ("entry", "buy"): ("BUY_SIGNAL", "BUY"), ("entry", "sell"): ("SELL_SIGNAL", "SELL"),
    ("reversal", "reversal_bull"): ("REVERSAL_BUY", "BUY"),
    ("reversal", "reversal_bear"): ("REVERSAL_SELL", "SELL"),
    ("exit", "bull"): ("CLOSE_SELL", "SELL"), ("exit", "bear"): ("CLOSE_BUY", "BUY"),
}
LOGIC = {"5m": "combinedlogic-1", "15m": "combinedlogic-2", "1h": "combinedlogic-3"}


@ROUND_TRIP
@given(st.data())
def test_legacy_round_trip(data: st.DataObject) -> None:
    kind, signal = data.draw(st.sampled_from(sorted(LEGACY_EXPECT)))
    tfs = ["5m", "15m", "1h"] + (["1d"] if kind in ("bias", "trend") else [])
    tf = data.draw(st.sampled_from(tfs))
    symbol = data.draw(symbols)
    price = data.draw(prices(symbol))
    body = {"type": kind, "signal": signal, "tf": data.draw(st.sampled_from(SPELLINGS[tf])),
            "symbol": data.draw(st.builds(lambda p, s: p + s,
                                          st.sampled_from(["", "OANDA:"]),
                                          st.sampled_from([symbol, symbol.lower()]))),
            "price": data.draw(st.sampled_from([price, str(price)])), "secret": SPEC_SECRET}
    out = parse_body(json.dumps(body).encode())
    assert (out.signal_type, out.direction) == LEGACY_EXPECT[(kind, signal)]
    assert (out.symbol, out.timeframe, out.price) == (symbol, tf, price)
    assert out.strategy == ("legacy" if kind in ("bias", "trend") else LOGIC[tf])
    assert out.source_format is SignalFamily.LEGACY


@ROUND_TRIP
@given(st.data())
def test_v3_entry_round_trip(data: st.DataObject) -> None:
    symbol = data.draw(symbols)
    point = 10.0 ** -SYMBOLS[symbol].digits
    digits = SYMBOLS[symbol].digits
    price = data.draw(prices(symbol))
    side = data.draw(st.sampled_from(["buy", "sell"]))
    sign = 1 if side == "buy" else -1
    away = st.integers(1, 5000)
    sl = round(price - sign * data.draw(away) * point, digits)
    tp1 = round(price + sign * data.draw(away) * point, digits)
    tp2 = data.draw(st.one_of(st.none(), away.map(lambda k: round(tp1 + sign * k * point,
                                                                  digits))))
    tf = data.draw(st.sampled_from(sorted(SPELLINGS)))
    kind = data.draw(st.sampled_from(SIGNAL_TYPES["entry_v3"]))
    trends = data.draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=6, max_size=6))
    consensus = data.draw(st.integers(0, 9))
    multiplier = data.draw(st.integers(10, 200)) / 100
    if sl <= 0 or min(tp1, tp2 or tp1) <= 0:
        return  # a SELL far below zero is not a market
    body = {"type": "entry_v3", "signal_type": kind, "symbol": symbol, "direction": side,
            "tf": spell(data.draw, tf), "price": price, "consensus_score": consensus,
            "sl_price": sl, "tp1_price": tp1, "tp2_price": tp2,
            "mtf_trends": ",".join(map(str, trends)), "position_multiplier": multiplier,
            "secret": SPEC_SECRET}
    out = parse_body(json.dumps(body).encode())
    assert (out.signal_type, out.direction) == (("BUY_SIGNAL", "BUY") if side == "buy"
                                                else ("SELL_SIGNAL", "SELL"))
    assert (out.symbol, out.timeframe, out.price) == (symbol, tf, price)
    assert out.strategy == route_v3(kind, tf)
    levels = out.extras["levels"]
    assert (levels["sl"], levels["tp1"]) == (sl, tp1) and out.extras["levels_present"]
    expected_tp2 = tp2 if tp2 is not None else round(price + sign * 1.5 * abs(tp1 - price),
                                                     digits)
    assert levels["tp2"] == expected_tp2
    assert out.extras["mtf_trends"] == trends and out.extras["scores"]["consensus"] == consensus
    assert out.extras["pillars"] == dict(zip(("15m", "1h", "4h", "1d"), trends[2:],
                                             strict=True))
    assert out.extras["position_multiplier"] == multiplier and out.extras["warnings"] == []


@ROUND_TRIP
@given(st.data())
def test_v6_entry_round_trip(data: st.DataObject) -> None:
    symbol = data.draw(symbols)
    digits = SYMBOLS[symbol].digits
    point = 10.0 ** -digits
    price = data.draw(prices(symbol))
    bullish = data.draw(st.booleans())
    sign = 1 if bullish else -1
    away = st.integers(1, 3000)
    sl = round(price - sign * data.draw(away) * point, digits)
    tp1 = round(price + sign * data.draw(away) * point, digits)
    tp2 = data.draw(st.one_of(st.none(), away.map(lambda k: round(tp1 + sign * k * point,
                                                                  digits))))
    tp3 = None if tp2 is None else data.draw(st.one_of(st.none(), away.map(
        lambda k: round(tp2 + sign * k * point, digits))))
    if min(sl, tp1, tp2 or tp1, tp3 or tp1) <= 0:
        return
    score = data.draw(st.integers(0, 100))
    adx = data.draw(st.one_of(st.none(), st.integers(0, 600).map(lambda v: v / 10)))
    bull = data.draw(st.integers(0, 6))
    bear = data.draw(st.integers(0, 6 - bull))
    tf = data.draw(st.sampled_from(sorted(SPELLINGS)))
    na = data.draw(st.sampled_from(["NA", "N/A", "NaN", "", "na"]))
    kind = "BULLISH_ENTRY" if bullish else "BEARISH_ENTRY"
    direction = data.draw(st.sampled_from(["BUY", "BULLISH"] if bullish else ["SELL",
                                                                            "BEARISH"]))

    def show(v: float | None) -> str:
        return na if v is None else f"{v:.{digits}f}"

    if data.draw(st.booleans()):
        fields = [kind, written_symbol(data.draw, symbol), spell(data.draw, tf), show(price),
                  direction, "HIGH", str(score), na if adx is None else str(adx), "STRONG",
                  show(sl), show(tp1), show(tp2), show(tp3), f"{bull}/{bear}", "TL_OK"]
        body = ("|".join(fields) + data.draw(st.sampled_from(["", "|"]))).encode()
    else:
        body = json.dumps({"type": kind, "ticker": symbol, "timeframe": spell(data.draw, tf),
                           "price": price, "direction": direction, "confidence_score": score,
                           "adx": adx, "sl_price": sl, "tp1": tp1, "tp2": tp2,
                           "tp3": "NA" if tp3 is None else tp3,
                           "alignment": f"{bull}/{bear}", "secret": SPEC_SECRET}).encode()
    out = parse_body(body)
    assert out.signal_type == ("BUY_SIGNAL" if bullish else "SELL_SIGNAL")
    assert out.direction == ("BUY" if bullish else "SELL")
    assert (out.symbol, out.timeframe, out.price, out.strategy) == (symbol, tf, price,
                                                                     "price_action")
    levels = out.extras["levels"]
    derived = round(price + sign * 1.5 * abs(tp1 - price), digits)
    assert (levels["sl"], levels["tp1"], levels["tp3"]) == (sl, tp1, tp3)
    assert levels["tp2"] == (tp2 if tp2 is not None else derived)
    scores = out.extras["scores"]
    assert (scores["confidence"], scores["adx"]) == (score, adx)
    assert scores["confidence_level"] == ("HIGH" if score >= 80 else "MODERATE" if score >= 60
                                          else "LOW")
    assert out.extras["alignment"] == f"{bull}/{bear}"
