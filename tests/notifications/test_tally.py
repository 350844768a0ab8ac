"""Today's net and losses for exit messages: the 03:35 IST day, read incrementally."""

from __future__ import annotations

from pathlib import Path

from core.analytics.periods import TradingCalendar
from core.notifications.preferences import QuietHours, decide
from core.notifications.tally import DayTally
from core.notifications.types import TYPES
from core.storage.store import Store
from tests.analytics.support import ist, record
from tests.notifications.test_decide import prefs


def test_day_tally_reads_back_to_the_day_start_then_forward(tmp_path: Path) -> None:
    cal = TradingCalendar()
    with Store(tmp_path / "store", durable=False, segment_records=50) as store:
        for n in range(300):  # yesterday's trading day: never counted today
            store.append("trades", record(n, "EURUSD", -1.0, "manual", ist(25, 12)))
        store.append("trades", record(900, "EURUSD", -7.0, "manual", ist(26, 3, 34, 59)))
        store.append("trades", record(901, "EURUSD", 20.0, "manual", ist(26, 3, 35)))
        store.append("trades", record(902, "EURUSD", -5.0, "manual", ist(26, 9)))
        tally = DayTally()
        tally.refresh(store, cal, ist(26, 10), "paper")
        assert (tally.net, tally.losses) == (15.0, 5.0)
        store.append("trades", record(903, "EURUSD", -2.5, "manual", ist(26, 11)))
        store.append("trades", record(904, "EURUSD", 9.0, "manual", ist(26, 11), mode="LIVE"))
        tally.refresh(store, cal, ist(26, 11), "paper")
        assert (tally.net, tally.losses) == (12.5, 7.5)
        store.append("trades", record(905, "EURUSD", 4.0, "manual", ist(27, 3, 36)))
        tally.refresh(store, cal, ist(27, 3, 36), "paper")
        assert (tally.net, tally.losses) == (4.0, 0.0)


def test_critical_held_when_quiet_hours_do_not_allow_it_keeps_its_controller_copy() -> None:
    strict = prefs(quiet=QuietHours(True, "22:00", "06:00", "Asia/Kolkata", False, True))
    decision = decide(strict, TYPES["emergency_stop"], None, ist(26, 23))
    assert decision.action == "hold" and decision.copy_to_controller
