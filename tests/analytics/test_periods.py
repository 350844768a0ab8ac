"""Trading days in IST with the 03:35 boundary (SPEC §5.4.5) and the report windows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.analytics.periods import TradingCalendar, parse_date, parse_month
from tests.analytics.support import ist

CAL = TradingCalendar("Asia/Kolkata", "03:35")


def test_the_trading_day_turns_at_03_35_ist() -> None:
    assert CAL.trading_day(ist(26, 3, 34, 59)) == date(2025, 11, 25)
    assert CAL.trading_day(ist(26, 3, 35)) == date(2025, 11, 26)
    assert CAL.trading_day(ist(26, 23, 59)) == date(2025, 11, 26)
    assert CAL.day_start(date(2025, 11, 26)) == datetime(2025, 11, 25, 22, 5, tzinfo=UTC)


def test_day_week_and_month_windows() -> None:
    day = CAL.day(date(2025, 11, 26))
    assert (day.start, day.end) == (ist(26, 3, 35), ist(27, 3, 35))
    assert day.label == "26 Nov 2025 (Wednesday)" and day.key == "2025-11-26"
    assert day.contains(ist(26, 3, 35)) and not day.contains(ist(27, 3, 35))
    week = CAL.week(date(2025, 11, 26))  # Monday 24 → Friday 28 trading days
    assert (week.start, week.end) == (ist(24, 3, 35), ist(29, 3, 35))
    assert week.label == "week 24 Nov – 28 Nov 2025" and week.key == "week-2025-11-24"
    month = CAL.month(2025, 12)
    assert (month.start, month.end) == (ist(1, 3, 35, month=12),
                                        datetime(2026, 1, 1, 3, 35, tzinfo=ist(1, 0).tzinfo))
    assert month.label == "December 2025" and month.key == "2025-12"


def test_rolling_periods_count_trading_days() -> None:
    now = ist(26, 14, 5)
    today = CAL.period("today", now)
    assert (today.start, today.end) == (ist(26, 3, 35), ist(27, 3, 35))
    seven = CAL.period("7d", now)
    assert seven.start == ist(20, 3, 35) and seven.end == today.end
    assert CAL.period("all", now).start is None
    with pytest.raises(ValueError, match="use one of today, 7d, 30d, all"):
        CAL.period("week", now)


def test_date_and_month_parsing() -> None:
    today = date(2025, 11, 26)
    assert parse_date("2025-11-24", today) == date(2025, 11, 24)
    assert parse_date("24-11-2025", today) == date(2025, 11, 24)
    assert parse_date("yesterday", today) == date(2025, 11, 25)
    with pytest.raises(ValueError, match="YYYY-MM-DD or DD-MM-YYYY"):
        parse_date("2025-13-01", today)
    assert parse_month("2025-11") == (2025, 11)
    with pytest.raises(ValueError, match="use YYYY-MM"):
        parse_month("11-2025")
    with pytest.raises(ValueError, match="before start date"):
        CAL.span(date(2025, 11, 26), date(2025, 11, 20))
