"""SPEC §9.9 metrics on a fixed set of trades, checked against numbers worked out by hand."""

from __future__ import annotations

import math
from datetime import date

import pytest

from core.analytics.labels import StrategyLabel, classify
from core.analytics.metrics import drawdown, per_pair, per_strategy, summarize
from core.analytics.periods import TradingCalendar
from core.analytics.records import load_trades
from tests.analytics.support import RECORDS, ist, record, trades

CAL = TradingCalendar()


def test_summary_of_the_fixed_set() -> None:
    s = summarize(trades(), CAL, start_balance=9990.0)
    assert (s.trades, s.wins, s.losses, s.breakeven) == (6, 2, 3, 1)
    assert s.win_rate == pytest.approx(40.0)  # 2 / (2 + 3): the breakeven is excluded
    assert (s.gross_profit, s.gross_loss, s.net) == (80.0, -70.0, 10.0)
    assert s.profit_factor == pytest.approx(80 / 70)
    assert s.average_win == pytest.approx(40.0) and s.average_loss == pytest.approx(-70 / 3)
    assert s.best is not None and s.best.ticket == 1
    assert s.worst is not None and s.worst.ticket == 4
    assert s.best_day == (date(2025, 11, 25), 30.0) and s.worst_day == (date(2025, 11, 26), -20.0)
    assert (s.tp_hits, s.sl_hits, s.reentries, s.reentry_net) == (1, 1, 1, -10.0)
    # +1 −1 (breakeven resets) −1 +1 −1
    assert (s.longest_win_streak, s.longest_loss_streak, s.current_streak) == (1, 1, -1)
    assert s.end_balance == 10000.0


def test_drawdown_in_dollars_and_percent_of_the_peak_balance() -> None:
    # 9990 → 10040 (peak) → 10020 → 10020 → 9980 (trough) → 10010 → 10000
    dd = summarize(trades(), CAL, start_balance=9990.0).drawdown
    assert dd.max_amount == 60.0 and dd.peak_balance == 10040.0
    assert dd.max_percent == pytest.approx(60 / 10040 * 100)
    assert dd.current_amount == 40.0
    assert dd.current_percent == pytest.approx(40 / 10040 * 100)
    unknown = drawdown([50, -20, -40], None)  # no balance: dollars only
    assert unknown.max_amount == 60.0 and unknown.max_percent is None
    assert drawdown([], 1000.0).max_amount == 0.0


def test_profit_factor_edge_cases() -> None:
    only_wins = summarize(load_trades([record(1, "EURUSD", 5.0, "manual", ist(25, 10))],
                                      "paper"), CAL)
    assert only_wins.profit_factor is not None and math.isinf(only_wins.profit_factor)
    assert only_wins.as_dict()["profit_factor"] is None
    assert only_wins.as_dict()["profit_factor_text"] == "∞"
    nothing = summarize([], CAL)
    assert nothing.win_rate is None and nothing.profit_factor is None and nothing.trades == 0


def test_per_pair() -> None:
    pairs = per_pair(trades(), CAL)
    assert list(pairs) == ["EURUSD", "GBPUSD", "XAUUSD"]
    eur, gbp, xau = pairs["EURUSD"], pairs["GBPUSD"], pairs["XAUUSD"]
    assert (eur.trades, eur.win_rate, eur.net, eur.profit_factor) == (2, 50.0, 30.0, 2.5)
    assert (gbp.wins, gbp.breakeven, gbp.win_rate, gbp.net) == (1, 1, 100.0, 30.0)
    assert (xau.losses, xau.win_rate, xau.net, xau.profit_factor) == (2, 0.0, -50.0, 0.0)


def test_per_strategy_in_spec_order() -> None:
    strategies = per_strategy(trades(), CAL)
    assert list(strategies) == ["V4 Logic 1", "V4 Logic 2", "V3 Logic 1", "V6 15m", "Manual"]
    assert strategies["V4 Logic 1"].net == 40.0 and strategies["V4 Logic 1"].win_rate == 50.0
    assert strategies["V6 15m"].net == -40.0 and strategies["Manual"].breakeven == 1


@pytest.mark.parametrize(("strategy", "comment", "magic", "name", "badge"), [
    ("combinedlogic-2", None, None, "V4 Logic 2", "[V4 · Logic 2]"),
    ("v3_combined combinedlogic-3", None, None, "V3 Logic 3", "[V3 · Logic 3]"),
    ("v6_price_action_1m", None, None, "V6 1m", "[V6 · 1m]"),
    ("v6_price_action_1h", None, None, "V6 1h", "[V6 · 1h]"),
    (None, "v6-5m|A|abc123", None, "V6 5m", "[V6 · 5m]"),
    (None, None, 505032, "V3 Logic 2", "[V3 · Logic 2]"),
    (None, None, None, "Manual", "[Manual]"),
    ("manual", None, None, "Manual", "[Manual]"),
])
def test_strategy_labels(strategy: str | None, comment: str | None, magic: int | None,
                         name: str, badge: str) -> None:
    label = classify(strategy, comment, magic)
    assert (label.name, label.badge) == (name, badge)


def test_shadow_and_other_modes_are_never_mixed_and_partials_fold() -> None:
    docs = [*RECORDS,
            record(7, "EURUSD", 99.0, "combinedlogic-1", ist(26, 13), mode="SHADOW"),
            record(8, "EURUSD", 77.0, "combinedlogic-1", ist(26, 13), mode="LIVE"),
            record(1, "EURUSD", 5.0, "combinedlogic-1", ist(25, 11), mode="PAPER")]
    paper = load_trades(docs, "paper")
    assert [t.ticket for t in paper] == [1, 2, 3, 4, 5, 6]  # by (final) closing time
    assert next(t for t in paper if t.ticket == 1).profit == 55.0  # partial + final close
    live = {t.ticket: t.profit for t in load_trades(docs, "live")}
    # records without a mode belong to the running mode; tagged ones only to their own
    assert live[8] == 77.0 and live[1] == 50.0 and 7 not in live
    assert StrategyLabel("V6", "15m").timeframe == "15m"
