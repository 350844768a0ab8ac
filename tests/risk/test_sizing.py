"""SPEC §5.3 and §5.4.1-§5.4.3: tiers, SL tables, reductions, the lot formula, smart factor."""

from __future__ import annotations

import pytest

from core.config import ConfigManager, Settings
from core.domain.symbols import DEFAULT_SYMBOLS
from core.risk.sizing import (
    VolumeRules,
    order_b_lot,
    pip_value_for,
    risk_lot,
    smart_factor,
    table_sl_pips,
    tier_for,
)

TIERS = ("5000", "10000", "25000", "50000", "100000")
# SPEC §5.3.1, copied literally (not read from the settings under test).
SPEC_SL_1 = """XAUUSD 1000 1500 500 500 600
EURUSD 150 150 50 40 40
GBPUSD 150 150 50 40 50
AUDUSD 150 150 50 40 50
USDCAD 150 150 50 40 50
NZDUSD 150 150 50 40 50
USDJPY 166 166 55 44 55
EURJPY 111 111 41 44 44
GBPJPY 111 111 41 44 44
AUDJPY 111 111 41 44 44
EURGBP 150 150 50 40 40"""
SPEC_SL_2 = """XAUUSD 500 800 300 300 200
EURUSD 100 100 35 30 30
GBPUSD 120 120 40 35 40
AUDUSD 120 120 40 35 40
USDCAD 120 120 40 35 40
NZDUSD 120 120 40 35 40
USDJPY 130 130 45 38 45
EURJPY 80 80 30 35 35
GBPJPY 80 80 30 35 35
AUDJPY 80 80 30 35 35
EURGBP 100 100 35 30 30"""


def _cells() -> list[tuple[str, str, str, float]]:
    cells = []
    for system, text in (("sl-1", SPEC_SL_1), ("sl-2", SPEC_SL_2)):
        for line in text.splitlines():
            symbol, *values = line.split()
            cells += [(system, symbol, tier, float(v))
                      for tier, v in zip(TIERS, values, strict=True)]
    return cells


def _settings(**overrides: object) -> Settings:
    manager = ConfigManager()
    for key, value in overrides.items():
        manager.set(key.replace("__", "."), value)
    return manager.settings


@pytest.mark.parametrize(("balance", "tier"), [
    (0, "5000"), (1000, "5000"), (4999.99, "5000"), (5000, "5000"), (9999.99, "5000"),
    (10000, "10000"), (24999.99, "10000"), (25000, "25000"), (49999.99, "25000"),
    (50000, "50000"), (99999.99, "50000"), (100000, "100000"), (5_000_000, "100000"),
])
def test_tier_is_the_highest_tier_at_or_below_the_balance(balance: float, tier: str) -> None:
    assert tier_for(balance, Settings()) == tier


@pytest.mark.parametrize("pinned", TIERS)
def test_a_pinned_tier_ignores_the_balance(pinned: str) -> None:
    settings = _settings(risk__tier_mode=pinned)
    assert tier_for(1_000_000, settings) == pinned and tier_for(10, settings) == pinned


@pytest.mark.parametrize(("tier", "risk", "max_lot", "daily", "lifetime"), [
    ("5000", 1.0, 0.05, 100, 500), ("10000", 1.0, 0.10, 200, 1000),
    ("25000", 1.0, 0.25, 500, 2500), ("50000", 1.0, 0.50, 1000, 5000),
    ("100000", 1.0, 1.00, 2000, 10000),
])
def test_tier_table_defaults(tier: str, risk: float, max_lot: float, daily: float,
                             lifetime: float) -> None:
    row = Settings().risk.tiers[tier]
    assert (row.risk_percent, row.max_lot, row.daily_cap, row.lifetime_cap) == (
        risk, max_lot, daily, lifetime)


@pytest.mark.parametrize(("system", "symbol", "tier", "pips"), _cells())
def test_every_sl_table_cell(system: str, symbol: str, tier: str, pips: float) -> None:
    settings = _settings(sl_systems__active=system)
    spec = DEFAULT_SYMBOLS[symbol]
    assert settings.sl_systems.tables[system][symbol][tier] == pips
    # the effective SL is the cell itself unless the symbol minimum is larger
    assert table_sl_pips(settings, spec, tier) == max(pips, spec.min_sl_pips)


@pytest.mark.parametrize(("reduction", "multiplier", "reentry", "expected"), [
    (0, 1.0, 1.0, 150.0), (20, 1.0, 1.0, 120.0), (50, 1.0, 1.0, 75.0),
    (5, 1.0, 1.0, 142.5), (0, 1.5, 1.0, 225.0), (0, 2.5, 1.0, 375.0),
    (20, 1.5, 1.0, 180.0), (20, 1.5, 0.7, 126.0), (50, 0.75, 0.49, 27.5625),
])
def test_effective_sl_reduction_then_multipliers(reduction: float, multiplier: float,
                                                 reentry: float, expected: float) -> None:
    settings = _settings(sl_systems__symbol_reductions={"EURUSD": reduction} if reduction
                         else {})
    spec = DEFAULT_SYMBOLS["EURUSD"]
    assert table_sl_pips(settings, spec, "10000", multiplier, reentry) == pytest.approx(expected)


def test_effective_sl_is_at_least_the_symbol_minimum_and_the_stops_level() -> None:
    settings = _settings(sl_systems__symbol_reductions={"XAUUSD": 50})
    gold = DEFAULT_SYMBOLS["XAUUSD"]  # sl-1 tier 25000 = 500 → × 0.5 × 0.1 = 25 < 50 minimum
    assert table_sl_pips(settings, gold, "25000", 1.0, 0.1) == 50
    eur = DEFAULT_SYMBOLS["EURUSD"]  # 40 × 0.2 = 8 < 10 minimum; stops level 12 wins
    assert table_sl_pips(Settings(), eur, "50000", 0.2) == 10
    assert table_sl_pips(Settings(), eur, "50000", 0.2, stops_level_pips=12) == 12


@pytest.mark.parametrize(("symbol", "tier", "balance", "expected"), [
    ("EURUSD", "10000", 10000, 100.0),   # 10000 × 1 % ÷ (10 × 0.10)
    ("XAUUSD", "10000", 12000, 1200.0),  # 12000 × 1 % ÷ (1 × 0.10)
    ("USDJPY", "5000", 5000, 5000 * 0.01 / (9.1 * 0.05)),
    ("EURGBP", "100000", 150000, 150000 * 0.01 / (12.5 * 1.0)),
])
def test_tables_off_use_the_fallback_rule(symbol: str, tier: str, balance: float,
                                          expected: float) -> None:
    settings = _settings(sl_systems__enabled=False)
    spec = DEFAULT_SYMBOLS[symbol]
    assert table_sl_pips(settings, spec, tier, balance=balance) == pytest.approx(
        max(expected, spec.min_sl_pips))


def test_pip_value_from_tick_value_and_size_else_the_table() -> None:
    eur, jpy = DEFAULT_SYMBOLS["EURUSD"], DEFAULT_SYMBOLS["USDJPY"]
    assert pip_value_for(eur, 1.0, 0.00001) == pytest.approx(10.0)
    assert pip_value_for(jpy, 0.6667, 0.001) == pytest.approx(6.667)
    assert pip_value_for(jpy) == 9.1 and pip_value_for(jpy, 0, 0.001) == 9.1


@pytest.mark.parametrize(("balance", "symbol", "sl", "mult", "lot", "raw"), [
    (10000, "EURUSD", 20, 1.0, 0.10, 0.5),      # SPEC example: 0.50 → tier max 0.10
    (10000, "EURUSD", 225, 1.0, 0.04, 100 / 2250),
    (10000, "EURUSD", 150, 1.25, 0.08, 100 / 1500),  # Logic 1: 0.0667 × 1.25 = 0.083
    (10000, "EURUSD", 150, 0.625, 0.04, 100 / 1500),
    (5000, "XAUUSD", 1000, 1.0, 0.05, 0.05),
    (5000, "XAUUSD", 5000, 1.0, 0.01, 0.01),
    (5000, "XAUUSD", 50000, 1.0, 0.01, 0.001),   # below 0.01 → clamped up to 0.01
    (30000, "GBPJPY", 41, 1.0, 0.25, 300 / 369),
    (100000, "USDCAD", 50, 1.0, 1.00, 2.5),
    (60000, "USDCAD", 200, 1.0, 0.37, 600 / 1600),
])
def test_lot_formula(balance: float, symbol: str, sl: float, mult: float, lot: float,
                     raw: float) -> None:
    decision = risk_lot(balance, Settings(), DEFAULT_SYMBOLS[symbol], sl, mult)
    assert decision.lot == pytest.approx(lot) and decision.raw == pytest.approx(raw)


def test_lot_strategy_max_smart_factor_and_pip_value_override() -> None:
    eur = DEFAULT_SYMBOLS["EURUSD"]
    assert risk_lot(50000, Settings(), eur, 20, strategy_max_lot=0.3).lot == 0.3
    assert risk_lot(10000, Settings(), eur, 150, smart=0.5).lot == 0.03  # 0.0667 × 0.5
    assert risk_lot(10000, Settings(), eur, 150, smart=0.75).lot == 0.05
    assert risk_lot(10000, Settings(), eur, 150, pip_value=5.0).lot == 0.1  # 0.133 → max 0.10


@pytest.mark.parametrize(("step", "minimum", "maximum", "wanted", "lot"), [
    (0.01, 0.01, 100, 0.07, 0.07), (0.02, 0.01, 100, 0.08, 0.07),
    (0.1, 0.1, 100, 0.1, 0.1), (0.05, 0.05, 0.05, 0.1, 0.05),
])
def test_broker_volume_grid(step: float, minimum: float, maximum: float, wanted: float,
                            lot: float) -> None:
    settings = _settings(risk__tiers__50000__max_lot=wanted)
    decision = risk_lot(60000, settings, DEFAULT_SYMBOLS["EURUSD"], 20,
                        volume=VolumeRules(step, minimum, maximum))
    assert decision.lot == pytest.approx(lot)


def test_broker_minimum_above_the_limit_means_no_order() -> None:
    decision = risk_lot(6000, Settings(), DEFAULT_SYMBOLS["EURUSD"], 150,
                        volume=VolumeRules(0.1, 0.1, 100))
    assert decision.lot == 0.0 and "broker minimum volume 0.1" in decision.note


@pytest.mark.parametrize(("loss", "cap", "factor"), [
    (0, 200, 1.0), (99.99, 200, 1.0), (100, 200, 0.75), (120, 200, 0.75), (150, 200, 0.75),
    (150.01, 200, 0.5), (199, 200, 0.5), (250, 200, 0.5), (50, 100, 0.75), (74.99, 100, 0.75),
    (75, 100, 0.75), (75.01, 100, 0.5),
])
def test_smart_reduction_bands(loss: float, cap: float, factor: float) -> None:
    assert smart_factor(loss, cap) == factor
    assert smart_factor(loss, cap, enabled=False) == 1.0


@pytest.mark.parametrize(("a", "b"), [(0.01, 0.01), (0.02, 0.01), (0.03, 0.01), (0.05, 0.02),
                                      (0.10, 0.05), (0.25, 0.12), (1.0, 0.5)])
def test_order_b_is_half_of_a_rounded_down_at_least_001(a: float, b: float) -> None:
    assert order_b_lot(a) == b
