"""V3 Combined pure rules (SPEC §4.2.3-§4.2.6, §4.1.3), the manifest and the entry point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core.config.plugins import V3CombinedConfig
from core.domain.enums import Direction
from core.plugins.loader import discover
from core.storage.store import Store
from core.strategies.trend_store import TrendStore
from core.strategies.v3.rules import (
    consensus_refusal,
    has_levels,
    is_aggressive,
    logic_aligned,
    logic_for_v3,
    logic_tag,
    pillars_aligned,
    position_multiplier,
)
from core.strategies.v3_combined import V3CombinedPlugin, create
from tests.conftest import WEDNESDAY
from tests.strategies.v3_support import signal_of, v3_entry

DEFAULTS = V3CombinedConfig()
BUY, SELL = Direction.BUY, Direction.SELL


@pytest.fixture
def trends(tmp_path: Path) -> Iterator[TrendStore]:
    with Store(tmp_path / "store", durable=False) as store:
        yield TrendStore(store)


@pytest.mark.parametrize(("signal_type", "tf", "logic"), [
    ("Screener_Full_Bullish", "5", "combinedlogic-3"),  # row 1 beats the tf rows
    ("Screener_Full_Bearish", "15", "combinedlogic-3"),
    ("Golden_Pocket_Flip", "60", "combinedlogic-3"),  # row 2
    ("Golden_Pocket_Flip", "240", "combinedlogic-3"),
    ("Golden_Pocket_Flip", "5", "combinedlogic-1"),  # row 2 needs 1h/4h: row 3 answers
    ("Golden_Pocket_Flip", "15", "combinedlogic-2"),
    ("Momentum_Breakout", "5", "combinedlogic-1"),  # row 3
    ("Institutional_Launchpad", "15", "combinedlogic-2"),  # row 4
    ("Liquidity_Trap_Reversal", "60", "combinedlogic-3"),  # row 5
    ("Mitigation_Test_Entry", "240", "combinedlogic-3"),
    ("Momentum_Breakout", "1", "combinedlogic-2"),  # row 6: anything else
    ("Sideways_Breakout", "D", "combinedlogic-2"),
])
def test_routing_table_first_matching_row_wins(signal_type: str, tf: str, logic: str) -> None:
    assert logic_for_v3(signal_of(v3_entry(signal_type, tf=tf))) == logic


def test_a_label_disagreeing_with_the_routing_table_is_overruled() -> None:
    signal = signal_of(v3_entry("Screener_Full_Bullish", tf="5"))
    forged = replace(signal, context={**signal.context, "logic": "combinedlogic-1"})
    assert logic_for_v3(forged) == "combinedlogic-3"


@pytest.mark.parametrize(("signal_type", "side", "score", "code", "words"), [
    ("Momentum_Breakout", BUY, 4, "CONSENSUS_LOW", "filtered: V3 consensus 4 < 5"),
    ("Momentum_Breakout", SELL, 0, "CONSENSUS_LOW", "filtered: V3 consensus 0 < 5"),
    ("Momentum_Breakout", BUY, 5, None, ""),
    ("Institutional_Launchpad", BUY, 4, "CONSENSUS_LOW", "filtered: V3 consensus 4 < 5"),
    ("Institutional_Launchpad", BUY, 6, "LAUNCHPAD_CONSENSUS_LOW",
     "filtered: Institutional_Launchpad buy needs consensus 7, got 6"),
    ("Institutional_Launchpad", BUY, 7, None, ""),
    ("Institutional_Launchpad", SELL, 5, None, ""),  # the Launchpad floor is for buys only
])
def test_consensus_filter(signal_type: str, side: Direction, score: int, code: str | None,
                          words: str) -> None:
    refusal = consensus_refusal(DEFAULTS, signal_type, side, score)
    got = None if refusal is None else (refusal.code, refusal.words)
    assert got == ((code, words) if code else None)


def test_consensus_floor_follows_the_configuration() -> None:
    strict = V3CombinedConfig(min_consensus_score=6, launchpad_buy_min_consensus=8)
    assert consensus_refusal(strict, "Momentum_Breakout", BUY, 5) is not None
    refusal = consensus_refusal(strict, "Institutional_Launchpad", BUY, 7)
    assert refusal is not None and refusal.code == "LAUNCHPAD_CONSENSUS_LOW"
    assert consensus_refusal(DEFAULTS, "Momentum_Breakout", BUY, None) is not None


@pytest.mark.parametrize(("signal_type", "score", "aggressive"), [
    ("Liquidity_Trap_Reversal", 5, True), ("Golden_Pocket_Flip", 5, True),
    ("Screener_Full_Bullish", 5, True), ("Screener_Full_Bearish", 5, True),
    ("Momentum_Breakout", 6, False), ("Momentum_Breakout", 7, True),
    ("Institutional_Launchpad", 9, True), ("Mitigation_Test_Entry", 6, False),
])
def test_aggressive_reversal_triggers(signal_type: str, score: int, aggressive: bool) -> None:
    assert is_aggressive(DEFAULTS, signal_type, score) is aggressive


def test_aggressive_reversal_follows_the_configuration() -> None:
    calm = V3CombinedConfig(aggressive_reversal_signals=[], aggressive_reversal_min_consensus=9)
    assert not is_aggressive(calm, "Golden_Pocket_Flip", 8)
    assert is_aggressive(calm, "Golden_Pocket_Flip", 9)


@pytest.mark.parametrize(("values", "side", "minimum", "aligned"), [
    (("BULLISH", "BULLISH", "BULLISH", "NEUTRAL"), BUY, 3, True),
    (("BULLISH", "BULLISH", "NEUTRAL", "BEARISH"), BUY, 3, False),
    (("BULLISH", "BULLISH", "BULLISH", "NEUTRAL"), BUY, 4, False),
    (("BEARISH", "BEARISH", "BULLISH", "BEARISH"), SELL, 3, True),
    (("BULLISH", "BULLISH", "BULLISH", "BULLISH"), SELL, 1, False),
    (("NEUTRAL", "NEUTRAL", "NEUTRAL", "NEUTRAL"), BUY, 1, False),
])
def test_pillars_aligned(trends: TrendStore, values: tuple[str, ...], side: Direction,
                         minimum: int, aligned: bool) -> None:
    pillars = ("15m", "1h", "4h", "1d")
    for tf, value in zip(pillars, values, strict=True):
        trends.update("EURUSD", tf, value, "V3", WEDNESDAY)
    assert pillars_aligned(trends, "EURUSD", side, pillars, minimum) is aligned
    # another symbol's trends never count
    assert not pillars_aligned(trends, "GBPUSD", side, pillars, 1)


@pytest.mark.parametrize(("h1", "m15", "side", "aligned"), [
    ("BULLISH", "BULLISH", BUY, True), ("BEARISH", "BEARISH", SELL, True),
    ("BULLISH", "NEUTRAL", BUY, False), ("BULLISH", "BEARISH", BUY, False),
    ("BEARISH", "BEARISH", BUY, False), ("NEUTRAL", "NEUTRAL", SELL, False),
])
def test_logic_alignment_table(trends: TrendStore, h1: str, m15: str, side: Direction,
                               aligned: bool) -> None:
    trends.update("EURUSD", "1h", h1, "LEGACY", WEDNESDAY)
    trends.update("EURUSD", "15m", m15, "LEGACY", WEDNESDAY)
    assert logic_aligned(trends, "EURUSD", side, ["1h", "15m"]) is aligned


@pytest.mark.parametrize(("given", "used"), [(None, 1.0), (0.8, 0.8), (5.0, 2.0), (0.01, 0.1)])
def test_position_multiplier_range(given: float | None, used: float) -> None:
    assert position_multiplier({} if given is None else {"position_multiplier": given}) == used


def test_levels_present_and_tags() -> None:
    assert has_levels(signal_of(v3_entry()))
    no_sl = {k: v for k, v in v3_entry().items() if k != "sl_price"}
    assert not has_levels(signal_of(no_sl))
    assert [logic_tag(f"combinedlogic-{n}") for n in (1, 2, 3)] == [
        "v3-logic1", "v3-logic2", "v3-logic3"]


def test_entry_point_is_discovered_with_its_manifest() -> None:
    [candidate] = [c for c in discover() if c.plugin_id == "v3_combined"]
    assert candidate.blocked == "" and candidate.factory is create is V3CombinedPlugin
    m = candidate.manifest
    assert m is not None
    assert (m.id, m.name, m.version, m.track, m.strategy, m.priority, dict(m.requires)) == (
        "v3_combined", "V3 Combined", "1.0.0", "V5_HYBRID", "V3_COMBINED", 1,
        {"core": ">=1.0,<2"})
    assert {"5m", "15m", "1h", "4h", "1d"} <= set(m.timeframes)
    assert create.config_schema() is V3CombinedConfig
