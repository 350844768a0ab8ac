"""SessionManager on a real paper engine: changes, force close, advance alerts, weekend, editor."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.clock import FrozenClock
from core.engine import Engine, EngineOptions
from core.events import SessionChanged, SessionForceClose, SessionStarting, WeekendClosure
from tests.risk.support import Recorder, at, open_position, sessions_of, silence

IST = ZoneInfo("Asia/Kolkata")


def ist(hh: int, mm: int, ss: int = 0, day: int = 26) -> datetime:
    return datetime(2025, 11, day, hh, mm, ss, tzinfo=IST).astimezone(UTC)


async def step(engine: Engine, when: datetime) -> None:
    await sessions_of(engine).tick(at(engine, when))


async def test_session_changed_through_a_day(quiet: Engine) -> None:
    events = Recorder(quiet, SessionChanged)
    for when in (ist(14, 0), ist(18, 29, 59), ist(18, 30), ist(22, 30), ist(3, 30, day=27),
                 ist(5, 0, day=27), ist(5, 1, day=27)):
        await step(quiet, when)
    changes = [(e.previous_id, e.session_id) for e in events.events
               if isinstance(e, SessionChanged)]
    assert changes[-4:] == [("london", "overlap"), ("overlap", "ny_late"),
                            ("ny_late", "dead_zone"), ("dead_zone", "asian")]
    last = events.events[-1]
    assert isinstance(last, SessionChanged) and last.name == "Asian"
    assert last.symbols == ("USDJPY", "AUDJPY", "AUDUSD", "NZDUSD")


async def test_dead_zone_force_closes_the_book_once(quiet: Engine) -> None:
    assert quiet.trading is not None and quiet.store is not None
    await step(quiet, ist(23, 0))  # NY Late
    events = Recorder(quiet, SessionForceClose)
    eur = await open_position(quiet, "EURUSD", 0.05, 1.1)
    jpy = await open_position(quiet, "USDJPY", 0.05, 155.0)
    await step(quiet, ist(3, 29, 59, day=27))
    assert set(quiet.trading.positions) == {eur, jpy}
    await step(quiet, ist(3, 30, day=27))
    assert not quiet.trading.positions
    [event] = events.events
    assert isinstance(event, SessionForceClose)
    assert (event.session_id, set(event.closed), event.failed) == ("dead_zone", {eur, jpy}, ())
    reasons = {r["ticket"]: r["close_reason"] for r in quiet.store.tail("trades", 5)}
    assert reasons == {eur: "SESSION_FORCE", jpy: "SESSION_FORCE"}
    manual = await open_position(quiet, "EURUSD", 0.01, 1.1)  # opened inside the dead zone
    await step(quiet, ist(4, 0, day=27))
    assert manual in quiet.trading.positions and len(events.events) == 1


async def test_force_close_keeps_symbols_the_session_allows(quiet: Engine) -> None:
    assert quiet.trading is not None
    await step(quiet, ist(20, 0))  # Overlap
    quiet.persist_override("sessions.table", {
        **{k: w.model_dump() for k, w in quiet.settings.sessions.table.items()},
        "ny_late": {**quiet.settings.sessions.table["ny_late"].model_dump(),
                    "force_close": True}})
    eur = await open_position(quiet, "EURUSD", 0.05, 1.1)
    jpy = await open_position(quiet, "USDJPY", 0.05, 155.0)
    await step(quiet, ist(22, 30))
    assert set(quiet.trading.positions) == {jpy} and eur not in quiet.trading.positions


async def test_master_switch_off_means_no_force_close(quiet: Engine) -> None:
    assert quiet.trading is not None
    await step(quiet, ist(23, 0))
    quiet.persist_override("sessions.enabled", False)
    ticket = await open_position(quiet, "EURUSD", 0.05, 1.1)
    await step(quiet, ist(3, 30, day=27))
    assert ticket in quiet.trading.positions


async def test_advance_alert_fifteen_minutes_before_once_per_day(quiet: Engine) -> None:
    events = Recorder(quiet, SessionStarting)
    for when in (ist(13, 14, 59), ist(13, 15), ist(13, 20), ist(13, 29, 59), ist(13, 30)):
        await step(quiet, when)
    [alert] = events.events
    assert isinstance(alert, SessionStarting)
    assert (alert.session_id, alert.local_start, alert.minutes, alert.starts_at) == (
        "london", "13:30 IST", 15, ist(13, 30))
    assert alert.symbols[:2] == ("EURUSD", "GBPUSD")
    await step(quiet, ist(18, 20))  # Overlap in 10 minutes: the tick was late, still alerted
    await step(quiet, ist(13, 16, day=27))  # next day: London again
    assert [(e.session_id, e.starts_at) for e in events.events
            if isinstance(e, SessionStarting)] == [
        ("london", ist(13, 30)), ("overlap", ist(18, 30)), ("london", ist(13, 30, day=27))]


async def test_advance_alert_before_a_midnight_start_uses_the_session_day(quiet: Engine) -> None:
    quiet.persist_override("sessions.table", {
        **{k: w.model_dump() for k, w in quiet.settings.sessions.table.items()},
        "ny_late": {**quiet.settings.sessions.table["ny_late"].model_dump(), "start": "00:00"},
        "overlap": {**quiet.settings.sessions.table["overlap"].model_dump(), "end": "00:00"}})
    events = Recorder(quiet, SessionStarting)
    await step(quiet, ist(23, 50))
    await step(quiet, ist(23, 55))
    [alert] = events.events
    assert isinstance(alert, SessionStarting) and alert.starts_at == ist(0, 0, day=27)


async def test_weekend_closure_events_at_both_ends(quiet: Engine) -> None:
    events = Recorder(quiet, WeekendClosure)
    for when in (datetime(2025, 11, 28, 21, 59, 59, tzinfo=UTC),
                 datetime(2025, 11, 28, 22, 0, tzinfo=UTC),
                 datetime(2025, 11, 29, 22, 0, tzinfo=UTC),
                 datetime(2025, 11, 30, 21, 59, 59, tzinfo=UTC),
                 datetime(2025, 11, 30, 22, 0, tzinfo=UTC)):
        await step(quiet, when)
    assert [e.active for e in events.events if isinstance(e, WeekendClosure)] == [True, False]


async def test_a_restart_in_the_same_session_does_not_close_again(
        engine_options: EngineOptions) -> None:
    assert isinstance(engine_options.clock, FrozenClock)
    engine_options.clock.set(ist(23, 0))
    first = Engine(engine_options)
    await first.start()
    await silence(first)
    await step(first, ist(3, 30, day=27))
    ticket = await open_position(first, "EURUSD", 0.01, 1.1)  # a manual trade in the dead zone
    await first.stop()
    engine_options.clock.set(ist(3, 40, day=27))
    second = Engine(engine_options)
    await second.start()
    try:
        await silence(second)
        await step(second, ist(3, 41, day=27))
        assert second.trading is not None and ticket in second.trading.positions
        assert sessions_of(second).last_id == "dead_zone"
    finally:
        await second.stop()


async def test_editor_operations_persist_and_apply_at_once(quiet: Engine) -> None:
    sessions = sessions_of(quiet)
    await step(quiet, ist(13, 15))
    assert getattr(sessions.current(), "id", None) == "asian"
    assert sessions.shift("london", "start", -30) == ("13:30", "13:00")
    assert getattr(sessions.current(), "id", None) == "london"
    assert sessions.set_symbol("london", "USDCAD", None) is True
    assert sessions.block_text("USDCAD") is None
    assert sessions.set_symbol("london", "USDCAD", False) is False
    sessions.set_force_close("asian", True)
    sessions.set_master(False)
    assert quiet.store is not None
    stored = {d["_key"]: d["value"] for d in quiet.store.all("config_overrides")}
    assert stored["sessions.table"]["london"]["start"] == "13:00"
    assert stored["sessions.table"]["asian"]["force_close"] is True
    assert stored["sessions.enabled"] is False
    upcoming = sessions.next_start()
    assert upcoming is not None and upcoming[0].id == "overlap"


async def test_a_failed_force_close_is_retried_on_the_next_tick(quiet: Engine) -> None:
    assert quiet.trading is not None and quiet.bundle is not None
    assert quiet.bundle.terminal is not None
    await step(quiet, ist(23, 0))
    events = Recorder(quiet, SessionForceClose)
    ticket = await open_position(quiet, "EURUSD", 0.05, 1.1)
    quiet.bundle.terminal.faults.inject("market_closed", count=1)
    await step(quiet, ist(3, 30, day=27))
    assert ticket in quiet.trading.positions
    await step(quiet, ist(3, 30, 1, day=27))
    assert ticket not in quiet.trading.positions
    assert [(e.failed, e.closed) for e in events.events if isinstance(e, SessionForceClose)] \
        == [((ticket,), ()), ((), (ticket,))]
