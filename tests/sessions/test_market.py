"""SPEC §8.3 classic market sessions: DST-correct IST/UTC hours, open/closed, overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.config import Settings
from core.sessions.market import overlaps_on, status, window_on

IST = ZoneInfo("Asia/Kolkata")
WINTER, SUMMER = date(2025, 1, 15), date(2025, 7, 16)  # both Wednesdays


def hm(when: datetime, zone: ZoneInfo | None = None) -> str:
    return f"{when.astimezone(zone or UTC):%H:%M}"


@pytest.mark.parametrize(("sid", "day", "utc_open", "utc_close", "ist_open", "ist_close"), [
    ("london", WINTER, "08:00", "17:00", "13:30", "22:30"),   # GMT
    ("london", SUMMER, "07:00", "16:00", "12:30", "21:30"),   # BST
    ("new_york", WINTER, "13:00", "22:00", "18:30", "03:30"),  # EST
    ("new_york", SUMMER, "12:00", "21:00", "17:30", "02:30"),  # EDT
    ("sydney", WINTER, "20:00", "05:00", "01:30", "10:30"),   # AEDT (southern summer)
    ("sydney", SUMMER, "21:00", "06:00", "02:30", "11:30"),   # AEST
    ("tokyo", WINTER, "00:00", "09:00", "05:30", "14:30"),    # no DST
    ("tokyo", SUMMER, "00:00", "09:00", "05:30", "14:30"),
])
def test_local_hours_in_utc_and_ist_follow_dst(sid: str, day: date, utc_open: str,
                                               utc_close: str, ist_open: str,
                                               ist_close: str) -> None:
    window = window_on(sid, Settings().sessions.market_sessions[sid], day)
    assert window is not None
    assert (hm(window.opens), hm(window.closes)) == (utc_open, utc_close)
    assert (hm(window.opens, IST), hm(window.closes, IST)) == (ist_open, ist_close)


def test_between_the_us_and_uk_clock_changes_new_york_moves_alone() -> None:
    markets = Settings().sessions.market_sessions
    day = date(2025, 3, 12)  # US on EDT since 9 March, UK on GMT until 30 March
    ny, london = window_on("new_york", markets["new_york"], day), window_on(
        "london", markets["london"], day)
    assert ny is not None and london is not None
    assert (hm(ny.opens), hm(london.opens)) == ("12:00", "08:00")


def test_no_window_on_weekend_days() -> None:
    assert window_on("london", Settings().sessions.market_sessions["london"],
                     date(2025, 11, 29)) is None


@pytest.mark.parametrize(("sid", "now", "open_now", "kind", "change"), [
    ("london", datetime(2025, 11, 26, 8, 35, tzinfo=UTC), True, "closes",
     datetime(2025, 11, 26, 17, 0, tzinfo=UTC)),
    ("new_york", datetime(2025, 11, 26, 8, 35, tzinfo=UTC), False, "opens",
     datetime(2025, 11, 26, 13, 0, tzinfo=UTC)),
    ("tokyo", datetime(2025, 11, 26, 8, 59, 59, tzinfo=UTC), True, "closes",
     datetime(2025, 11, 26, 9, 0, tzinfo=UTC)),
    ("tokyo", datetime(2025, 11, 26, 9, 0, tzinfo=UTC), False, "opens",
     datetime(2025, 11, 27, 0, 0, tzinfo=UTC)),
    ("sydney", datetime(2025, 11, 26, 8, 35, tzinfo=UTC), False, "opens",
     datetime(2025, 11, 26, 20, 0, tzinfo=UTC)),
    ("london", datetime(2025, 11, 29, 12, 0, tzinfo=UTC), False, "opens",   # Saturday
     datetime(2025, 12, 1, 8, 0, tzinfo=UTC)),
    ("sydney", datetime(2025, 11, 30, 21, 0, tzinfo=UTC), True, "closes",  # Mon 08:00 AEDT
     datetime(2025, 12, 1, 5, 0, tzinfo=UTC)),
])
def test_open_now_and_time_to_the_next_change(sid: str, now: datetime, open_now: bool,
                                              kind: str, change: datetime) -> None:
    result = status(sid, Settings().sessions.market_sessions[sid], now)
    assert (result.open_now, result.next_change_kind, result.next_change) == (
        open_now, kind, change)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2025, 11, 26), [("Sydney", "New York", "01:30", "03:30"),
                          ("Sydney", "Tokyo", "05:30", "10:30"),
                          ("Tokyo", "London", "13:30", "14:30"),
                          ("London", "New York", "18:30", "22:30")]),
    (SUMMER, [("Sydney", "Tokyo", "05:30", "11:30"), ("Tokyo", "London", "12:30", "14:30"),
              ("London", "New York", "17:30", "21:30")]),
])
def test_overlap_windows_of_an_ist_day(day: date,
                                       expected: list[tuple[str, str, str, str]]) -> None:
    found = [(*sorted(o.names, key=["Sydney", "Tokyo", "London", "New York"].index),
              hm(o.starts, IST), hm(o.ends, IST))
             for o in overlaps_on(Settings().sessions, day, "Asia/Kolkata")]
    assert found == expected
