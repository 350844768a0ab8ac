"""The V6 filter chain per timeframe at and around every threshold (SPEC §4.3.2-§4.3.4)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from core.config.plugins import V6_DEFAULTS, V6Config
from core.domain.enums import Direction
from core.signals.pulse_store import PulseRecord, market_state
from core.strategies.v6.filters import EntryFacts, first_failure

BUY, SELL = Direction.BUY, Direction.SELL
TFS = ("1m", "5m", "15m", "1h")
# SPEC §4.3.2 defaults: ADX ≥, confidence ≥.
THRESHOLDS = {"1m": (30, 80), "5m": (25, 70), "15m": (20, 65), "1h": (15, 60)}
HIGHER = {"1m": None, "5m": "15m", "15m": "1h", "1h": "4h"}
# SPEC §4.3.4: max open trades, max trades per day, daily loss limit.
LIMITS = {"1m": (3, 20, 200), "5m": (4, 12, 300), "15m": (3, 8, 400), "1h": (2, 5, 500)}


def config(tf: str, **changes: object) -> V6Config:
    return V6Config.model_validate({**V6_DEFAULTS[tf], **changes})


def record(tf: str, bull: int, bear: int, reported: str | None = None,
           counts: bool = True) -> PulseRecord:
    return PulseRecord("EURUSD", tf, bull, bear, (), reported,
                       market_state(bull, bear) if counts else "SIDEWAYS",
                       "2025-11-26T08:35:12+00:00", counts)


def passing(tf: str, direction: Direction = BUY) -> EntryFacts:
    """Facts that pass every filter of `tf` (a 1.0-pip spread, no pulse records)."""
    adx, confidence = THRESHOLDS[tf]
    return EntryFacts(direction, adx=adx + 5, confidence=confidence + 5, spread_pips=1.0)


def code(tf: str, facts: EntryFacts, **changes: object) -> str | None:
    return first_failure(tf, config(tf, **changes), facts).code


@pytest.mark.parametrize("tf", TFS)
def test_defaults_match_the_spec_table(tf: str) -> None:
    cfg = config(tf)
    assert (cfg.adx_min, cfg.confidence_min) == THRESHOLDS[tf]
    assert cfg.higher_tf == HIGHER[tf]
    assert (cfg.max_open_trades, cfg.max_daily_trades, cfg.daily_loss_limit) == LIMITS[tf]
    assert cfg.avoid_sideways is (tf == "15m")
    assert cfg.max_spread_pips == (2.0 if tf == "1m" else None)
    assert code(tf, passing(tf)) is None


@pytest.mark.parametrize(("tf", "adx", "expected"), [
    row for tf, (minimum, _) in THRESHOLDS.items() for row in (
        (tf, minimum - 0.1, "ADX_LOW"), (tf, minimum, None), (tf, minimum + 0.1, None),
        (tf, None, "ADX_LOW"))])
def test_adx_threshold_and_na_fails_closed(tf: str, adx: float | None,
                                           expected: str | None) -> None:
    assert code(tf, replace(passing(tf), adx=adx)) == expected


def test_adx_words_name_the_timeframe_and_both_numbers() -> None:
    result = first_failure("5m", config("5m"), replace(passing("5m"), adx=18))
    assert result.text == "filtered: V6 5m ADX 18 < 25"
    na = first_failure("1m", config("1m"), replace(passing("1m"), adx=None))
    assert na.text == "filtered: V6 1m ADX unknown (NA) — needs ≥ 30"


@pytest.mark.parametrize(("tf", "confidence", "expected"), [
    row for tf, (_, minimum) in THRESHOLDS.items() for row in (
        (tf, minimum - 1, "CONFIDENCE_LOW"), (tf, minimum, None), (tf, minimum + 1, None),
        (tf, None, "CONFIDENCE_LOW"))])
def test_confidence_threshold(tf: str, confidence: int | None, expected: str | None) -> None:
    assert code(tf, replace(passing(tf), confidence=confidence)) == expected


@pytest.mark.parametrize(("spread", "expected"), [
    (1.9, None), (1.99, None), (2.0, "SPREAD_HIGH"), (2.1, "SPREAD_HIGH")])
def test_1m_spread_must_be_strictly_below_the_maximum(spread: float,
                                                      expected: str | None) -> None:
    assert code("1m", replace(passing("1m"), spread_pips=spread)) == expected


def test_1m_unknown_spread_is_a_broker_error_not_a_pass() -> None:
    facts = replace(passing("1m"), spread_pips=None, spread_problem="no quote for EURUSD")
    result = first_failure("1m", config("1m"), facts)
    assert (result.code, result.text) == ("MT5_ERROR",
                                          "V6 1m: no live spread (no quote for EURUSD)")


@pytest.mark.parametrize("tf", ["5m", "15m", "1h"])
def test_spread_is_not_checked_without_a_maximum(tf: str) -> None:
    assert code(tf, replace(passing(tf), spread_pips=9.0)) is None
    assert code(tf, replace(passing(tf), spread_pips=2.5), max_spread_pips=2.0) == \
        "SPREAD_HIGH"


@pytest.mark.parametrize(("bull", "bear", "reported", "counts", "expected"), [
    (3, 3, None, True, "MARKET_SIDEWAYS"),      # d = 0
    (4, 3, None, True, "MARKET_SIDEWAYS"),      # d = 1
    (2, 3, None, True, "MARKET_SIDEWAYS"),      # d = −1
    (5, 3, None, True, None),                   # d = 2 WEAK_BULLISH
    (1, 3, None, True, None),                   # d = −2 WEAK_BEARISH
    (5, 1, "CHOPPY", True, "MARKET_SIDEWAYS"),  # trending counts, reported choppy
    (5, 1, "sideways", True, "MARKET_SIDEWAYS"),
    (5, 1, "TRENDING_BULLISH", True, None),
    (0, 0, "BREAKOUT", False, None),            # STATE_CHANGE only: no counts to judge
    (0, 0, "CHOPPY", False, "MARKET_SIDEWAYS"),
])
def test_15m_market_state(bull: int, bear: int, reported: str | None, counts: bool,
                          expected: str | None) -> None:
    facts = replace(passing("15m"), sideways_record=record("15m", bull, bear, reported, counts))
    assert code("15m", facts) == expected


def test_15m_without_a_record_is_allowed_and_other_timeframes_ignore_sideways() -> None:
    assert code("15m", replace(passing("15m"), sideways_record=None)) is None
    sideways = record("5m", 3, 3, "CHOPPY")
    assert code("5m", replace(passing("5m"), sideways_record=sideways)) is None
    assert code("5m", replace(passing("5m"), sideways_record=sideways),
                avoid_sideways=True) == "MARKET_SIDEWAYS"


@pytest.mark.parametrize(("tf", "direction", "bull", "bear", "expected"), [
    row for tf in ("5m", "15m", "1h") for row in (
        (tf, BUY, 4, 2, None), (tf, BUY, 3, 3, "HTF_MISALIGNED"),
        (tf, BUY, 1, 5, "HTF_MISALIGNED"), (tf, SELL, 2, 4, None),
        (tf, SELL, 3, 3, "HTF_MISALIGNED"), (tf, SELL, 5, 1, "HTF_MISALIGNED"))])
def test_higher_timeframe_alignment(tf: str, direction: Direction, bull: int, bear: int,
                                    expected: str | None) -> None:
    higher = HIGHER[tf]
    assert higher is not None
    facts = replace(passing(tf, direction), htf_record=record(higher, bull, bear))
    assert code(tf, facts) == expected


@pytest.mark.parametrize("tf", ["5m", "15m", "1h"])
def test_no_higher_timeframe_pulse_yet_is_allowed(tf: str) -> None:
    assert code(tf, replace(passing(tf, SELL), htf_record=None)) is None
    higher = HIGHER[tf]
    assert higher is not None
    only_state = record(higher, 0, 0, "TRENDING_BEARISH", counts=False)
    assert code(tf, replace(passing(tf), htf_record=only_state)) is None


def test_1m_has_no_higher_timeframe_check() -> None:
    against = replace(passing("1m"), htf_record=record("5m", 0, 6))
    assert code("1m", against) is None


def test_htf_words() -> None:
    facts = replace(passing("15m"), htf_record=record("1h", 1, 5))
    assert first_failure("15m", config("15m"), facts).text == \
        "filtered: V6 15m BUY against the 1h pulse 1 bull / 5 bear"


@pytest.mark.parametrize(("tf", "field", "value", "expected"), [
    row for tf, (max_open, max_day, loss) in LIMITS.items() for row in (
        (tf, "open_groups", max_open - 1, None),
        (tf, "open_groups", max_open, "PLUGIN_MAX_OPEN"),
        (tf, "groups_today", max_day - 1, None),
        (tf, "groups_today", max_day, "PLUGIN_DAILY_TRADES"),
        (tf, "loss_today", loss - 0.01, None),
        (tf, "loss_today", float(loss), "PLUGIN_DAILY_LOSS"))])
def test_plugin_limits(tf: str, field: str, value: float, expected: str | None) -> None:
    changes: dict[str, Any] = {field: value}
    assert code(tf, replace(passing(tf), **changes)) == expected


def test_limit_words() -> None:
    cfg = config("15m")
    assert first_failure("15m", cfg, replace(passing("15m"), open_groups=3)).text == \
        "blocked: V6 15m has 3 open trades (max 3)"
    assert first_failure("15m", cfg, replace(passing("15m"), loss_today=412.5)).text == \
        "blocked: V6 15m lost $412.50 today (limit $400)"


def test_zero_daily_trades_and_zero_loss_limit_mean_no_limit() -> None:
    facts = replace(passing("5m"), groups_today=50, loss_today=900.0)
    assert code("5m", facts, max_daily_trades=0, daily_loss_limit=0) is None
    assert code("5m", replace(passing("5m"), open_groups=0), max_open_trades=0) == \
        "PLUGIN_MAX_OPEN"


def test_the_first_failure_in_spec_order_decides() -> None:
    """Everything wrong at once; fixing one input at a time reveals the order."""
    facts = EntryFacts(
        BUY, adx=None, confidence=0, spread_pips=9.0,
        sideways_record=record("15m", 3, 3), htf_record=record("1h", 0, 6),
        open_groups=9, groups_today=99, loss_today=9999.0)
    cfg = config("15m", max_spread_pips=2.0)  # every filter active on one plugin
    seen = []
    fixes: list[dict[str, Any]] = [
        {"adx": 50.0}, {"confidence": 99}, {"spread_pips": 0.5}, {"sideways_record": None},
        {"htf_record": None}, {"open_groups": 0}, {"groups_today": 0}, {"loss_today": 0.0}]
    for fix in fixes:
        seen.append(first_failure("15m", cfg, facts).code)
        facts = replace(facts, **fix)
    assert seen == ["ADX_LOW", "CONFIDENCE_LOW", "SPREAD_HIGH", "MARKET_SIDEWAYS",
                    "HTF_MISALIGNED", "PLUGIN_MAX_OPEN", "PLUGIN_DAILY_TRADES",
                    "PLUGIN_DAILY_LOSS"]
    assert first_failure("15m", cfg, facts).code is None
