"""SPEC §8.1 session table and §8.2 weekend closure: boundaries, symbols, latest start wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.config import ConfigManager, Settings
from core.config.sessions import SessionsSettings
from core.risk.gates import in_weekend_closure
from core.sessions.table import block_text, current, next_start, shift_hhmm

IST = ZoneInfo("Asia/Kolkata")
SYMBOLS = ("XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "USDCAD", "AUDUSD", "NZDUSD", "EURJPY",
           "GBPJPY", "AUDJPY", "EURGBP")
# SPEC §8.1, copied literally.
SPEC_ALLOWED = {
    "asian": {"USDJPY", "AUDJPY", "AUDUSD", "NZDUSD"},
    "london": {"EURUSD", "GBPUSD", "EURGBP", "GBPJPY", "EURJPY", "XAUUSD"},
    "overlap": {"EURUSD", "GBPUSD", "XAUUSD", "USDJPY"},
    "ny_late": {"USDJPY", "XAUUSD", "USDCAD"},
    "dead_zone": set(),
}


def ist(hh: int, mm: int, ss: int = 0, day: int = 26) -> datetime:
    """A Wednesday-ish November 2025 IST wall time, as UTC."""
    return datetime(2025, 11, day, hh, mm, ss, tzinfo=IST).astimezone(UTC)


def edited(**changes: object) -> SessionsSettings:
    manager = ConfigManager()
    for key, value in changes.items():
        manager.set("sessions." + key.replace("__", "."), value)
    return manager.settings.sessions


@pytest.mark.parametrize(("hh", "mm", "ss", "sid"), [
    (5, 0, 0, "asian"), (13, 29, 59, "asian"), (13, 30, 0, "london"), (18, 29, 59, "london"),
    (18, 30, 0, "overlap"), (22, 29, 59, "overlap"), (22, 30, 0, "ny_late"),
    (23, 59, 59, "ny_late"), (0, 0, 0, "ny_late"), (3, 29, 59, "ny_late"),
    (3, 30, 0, "dead_zone"), (4, 59, 59, "dead_zone"),
])
def test_every_boundary_start_inclusive_end_exclusive(hh: int, mm: int, ss: int,
                                                      sid: str) -> None:
    window = current(Settings().sessions, ist(hh, mm, ss))
    assert window is not None and window.id == sid


@pytest.mark.parametrize("sid", list(SPEC_ALLOWED))
@pytest.mark.parametrize("symbol", SYMBOLS)
def test_allowed_symbols_per_session(sid: str, symbol: str) -> None:
    cfg = Settings().sessions
    start = {"asian": ist(6, 0), "london": ist(14, 0), "overlap": ist(19, 0),
             "ny_late": ist(1, 0), "dead_zone": ist(4, 0)}[sid]
    text = block_text(cfg, symbol, start)
    if symbol in SPEC_ALLOWED[sid]:
        assert text is None
    elif sid == "dead_zone":
        assert text == "blocked: Dead Zone session"
    else:
        assert text == f"blocked: {symbol} is not traded in the {cfg.table[sid].name} session"


def test_force_close_defaults_only_the_dead_zone() -> None:
    assert {k: w.force_close for k, w in Settings().sessions.table.items()} == {
        "asian": False, "london": False, "overlap": False, "ny_late": False, "dead_zone": True}


def test_master_switch_off_allows_everything_and_gaps_allow_nothing() -> None:
    assert block_text(edited(enabled=False), "USDCAD", ist(4, 0)) is None
    gap = edited(table__london__end="18:00")  # 18:00–18:30 is outside every window
    assert current(gap, ist(18, 10)) is None
    assert block_text(gap, "EURUSD", ist(18, 10)) == "blocked: outside every trading session"
    assert block_text(gap, "EURUSD", ist(18, 30)) is None


@pytest.mark.parametrize(("changes", "hh", "mm", "sid"), [
    ({"table__london__start": "13:00"}, 13, 15, "london"),   # overlaps Asian; London newer
    ({"table__london__start": "13:00"}, 12, 59, "asian"),
    ({"table__asian__end": "14:00"}, 13, 45, "london"),       # Asian extended; London newer
    ({"table__asian__end": "14:00"}, 13, 29, "asian"),
    ({"table__ny_late__end": "04:00"}, 3, 45, "dead_zone"),   # across midnight
    ({"table__ny_late__end": "04:00"}, 3, 29, "ny_late"),
    ({"table__dead_zone__start": "23:00"}, 23, 30, "dead_zone"),  # both cross midnight
    ({"table__dead_zone__start": "23:00"}, 2, 0, "dead_zone"),
    ({"table__dead_zone__start": "23:00"}, 22, 45, "ny_late"),
])
def test_latest_start_wins_after_an_edit(changes: dict[str, str], hh: int, mm: int,
                                         sid: str) -> None:
    window = current(edited(**changes), ist(hh, mm))
    assert window is not None and window.id == sid


@pytest.mark.parametrize(("hh", "mm", "sid", "start"), [
    (14, 5, "overlap", ist(18, 30)), (3, 29, "dead_zone", ist(3, 30)),
    (3, 30, "asian", ist(5, 0)), (23, 0, "dead_zone", ist(3, 30, day=27)),
    (22, 30, "dead_zone", ist(3, 30, day=27)),
])
def test_next_session_start(hh: int, mm: int, sid: str, start: datetime) -> None:
    found = next_start(Settings().sessions, ist(hh, mm))
    assert found is not None and (found[0].id, found[1]) == (sid, start)


@pytest.mark.parametrize(("text", "minutes", "result"), [
    ("13:30", 30, "14:00"), ("13:30", -30, "13:00"), ("23:45", 30, "00:15"),
    ("00:10", -30, "23:40"), ("00:00", -30, "23:30"), ("23:30", 30, "00:00"),
])
def test_shift_wraps_around_midnight(text: str, minutes: int, result: str) -> None:
    assert shift_hhmm(text, minutes) == result


@pytest.mark.parametrize(("when", "closed"), [
    (datetime(2025, 11, 28, 21, 59, 59, tzinfo=UTC), False),  # Friday
    (datetime(2025, 11, 28, 22, 0, tzinfo=UTC), True),
    (datetime(2025, 11, 29, 12, 0, tzinfo=UTC), True),        # Saturday
    (datetime(2025, 11, 30, 21, 59, 59, tzinfo=UTC), True),   # Sunday
    (datetime(2025, 11, 30, 22, 0, tzinfo=UTC), False),
    (datetime(2025, 12, 1, 0, 0, tzinfo=UTC), False),         # Monday
])
def test_weekend_closure_boundaries_in_utc(when: datetime, closed: bool) -> None:
    assert in_weekend_closure(when) == closed


def test_weekend_boundary_given_in_ist_is_read_as_utc() -> None:
    friday_2159 = datetime(2025, 11, 29, 3, 29, tzinfo=IST)  # = Fri 21:59 UTC
    assert not in_weekend_closure(friday_2159)
    assert in_weekend_closure(friday_2159 + timedelta(minutes=1))
