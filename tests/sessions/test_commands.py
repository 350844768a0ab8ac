"""The 12 SESSION commands of SPEC §10.2.9 through `engine.execute` on a real paper engine."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.commands.catalog import build_registry
from core.commands.spec import Category
from core.engine import Engine, EngineOptions
from core.events import ConfigChanged, SessionForceClose
from tests.engine.helpers import quote
from tests.risk.support import ADMIN, Recorder, at, open_position, sessions_of

IST = ZoneInfo("Asia/Kolkata")
SESSION_COMMANDS = {"session", "london", "newyork", "tokyo", "sydney", "overlap",
                    "session_status", "session_master", "force_close", "time_adjust",
                    "symbol_filter", "clock"}


def ist(hh: int, mm: int, day: int = 26) -> datetime:
    return datetime(2025, 11, day, hh, mm, tzinfo=IST).astimezone(UTC)


def test_the_session_category_is_exactly_the_spec_table() -> None:
    registry = build_registry()
    specs = {s.name: s for s in registry.specs(Category.SESSION)}
    assert set(specs) == SESSION_COMMANDS
    assert {n for n, s in specs.items() if s.confirm} == {
        "session_master", "force_close", "time_adjust"}
    assert not any(s.admin or s.aliases for s in specs.values())
    master = specs["session_master"]
    assert master.needs_confirmation({"switch": "off"}) and master.needs_confirmation({})
    assert not master.needs_confirmation({"switch": "on"})
    assert not master.needs_confirmation({"switch": "status"})


async def test_session_dashboard_and_status(quiet: Engine) -> None:
    dashboard = await quiet.execute("/session", ADMIN)
    assert dashboard.ok and dashboard.table is not None and len(dashboard.table.rows) == 5
    assert dashboard.table.rows[1][0] == "london ◀"
    assert dashboard.table.rows[4][3:] == ("none — no trading", "yes")
    assert "next: Overlap at 18:30 IST in 4h 24m" in dashboard.lines[1]
    status = await quiet.execute("/session_status", ADMIN)
    assert status.title == "Session: London" and status.data["session"] == "london"
    assert "Allowed now: EURUSD, GBPUSD, EURGBP, GBPJPY, EURJPY, XAUUSD" in status.lines
    assert "Force close: Asian off, London off, Overlap off, NY Late off, Dead Zone on" \
        in status.lines


async def test_master_switch_confirms_off_and_toggles(quiet: Engine) -> None:
    events = Recorder(quiet, ConfigChanged)
    asked = await quiet.execute("/session_master off", ADMIN)
    assert asked.needs_confirmation and quiet.settings.sessions.enabled
    done = await quiet.execute("/session_master off", ADMIN, confirmed=True)
    assert done.ok and not quiet.settings.sessions.enabled
    assert sessions_of(quiet).block_text("USDCAD") is None
    on = await quiet.execute("/session_master on", ADMIN)
    assert on.ok and not on.needs_confirmation and quiet.settings.sessions.enabled
    assert (await quiet.execute("/session_master", ADMIN)).needs_confirmation  # toggle
    await quiet.execute("/session_master", ADMIN, confirmed=True)
    assert not quiet.settings.sessions.enabled
    status = await quiet.execute("/session_master status", ADMIN)
    assert status.data == {"enabled": False}
    assert [e.key for e in events.events if isinstance(e, ConfigChanged)] == [
        "sessions.enabled"] * 3


async def test_force_close_flag_applies_at_the_next_session_start(quiet: Engine) -> None:
    assert quiet.trading is not None
    at(quiet, ist(22, 0))
    await sessions_of(quiet).tick()
    asked = await quiet.execute("/force_close ny_late on", ADMIN)
    assert asked.needs_confirmation and not quiet.settings.sessions.table["ny_late"].force_close
    done = await quiet.execute("/force_close ny_late on", ADMIN, confirmed=True)
    assert done.ok and quiet.settings.sessions.table["ny_late"].force_close
    events = Recorder(quiet, SessionForceClose)
    eur = await open_position(quiet, "EURUSD", 0.02, 1.1)
    await sessions_of(quiet).tick(at(quiet, ist(22, 30)))
    assert eur not in quiet.trading.positions and len(events.events) == 1
    await quiet.execute("/force_close dead_zone off", ADMIN, confirmed=True)
    kept = await open_position(quiet, "EURUSD", 0.02, 1.1)
    await sessions_of(quiet).tick(at(quiet, ist(3, 30, day=27)))
    assert kept in quiet.trading.positions


async def test_time_adjust_shifts_wraps_and_applies_immediately(quiet: Engine) -> None:
    at(quiet, ist(13, 15))
    await sessions_of(quiet).tick()
    assert sessions_of(quiet).last_id == "asian"
    asked = await quiet.execute("/time_adjust london start -30", ADMIN)
    assert asked.needs_confirmation and quiet.settings.sessions.table["london"].start == "13:30"
    done = await quiet.execute("/time_adjust london start −30", ADMIN, confirmed=True)
    assert done.ok and quiet.settings.sessions.table["london"].start == "13:00"
    assert sessions_of(quiet).last_id == "london"  # applied at once: London is current now
    await quiet.execute("/time_adjust ny_late end +30", ADMIN, confirmed=True)
    await quiet.execute("/time_adjust ny_late start +30", ADMIN, confirmed=True)
    table = quiet.settings.sessions.table
    assert (table["ny_late"].start, table["ny_late"].end) == ("23:00", "04:00")
    for _ in range(2):
        await quiet.execute("/time_adjust ny_late start +30", ADMIN, confirmed=True)
    assert quiet.settings.sessions.table["ny_late"].start == "00:00"  # wrapped past midnight


@pytest.mark.parametrize(("line", "message"), [
    ("/time_adjust london start +45", "use +30 or -30"),
    ("/time_adjust mars start +30", "is not a session"),
    ("/time_adjust london middle +30", "use one of start, end"),
    ("/force_close london maybe", "use one of on, off"),
    ("/symbol_filter london BTCUSD on", "not in the symbol table"),
])
async def test_editor_refusals_change_nothing(quiet: Engine, line: str, message: str) -> None:
    before = quiet.settings.sessions.model_dump()
    reply = await quiet.execute(line, ADMIN, confirmed=True)
    assert not reply.ok and message in " ".join(reply.lines)
    assert quiet.settings.sessions.model_dump() == before


async def test_time_adjust_refuses_an_empty_window(quiet: Engine) -> None:
    await quiet.execute("/time_adjust dead_zone end -30", ADMIN, confirmed=True)
    await quiet.execute("/time_adjust dead_zone end -30", ADMIN, confirmed=True)
    reply = await quiet.execute("/time_adjust dead_zone end -30", ADMIN, confirmed=True)
    assert not reply.ok and "start and end would both be 03:30" in reply.lines[0]
    assert quiet.settings.sessions.table["dead_zone"].end == "04:00"


async def test_symbol_filter_on_off_and_toggle(quiet: Engine) -> None:
    sessions = sessions_of(quiet)
    assert sessions.block_text("USDJPY") is not None
    reply = await quiet.execute("/symbol_filter london usdjpy on", ADMIN)
    assert reply.ok and "USDJPY" in quiet.settings.sessions.table["london"].symbols
    assert sessions.block_text("USDJPY") is None
    await quiet.execute("/symbol_filter london USDJPY", ADMIN)  # toggle back off
    assert "USDJPY" not in quiet.settings.sessions.table["london"].symbols
    await quiet.execute("/symbol_filter london EURUSD off", ADMIN)
    assert sessions.block_text("EURUSD") == \
        "blocked: EURUSD is not traded in the London session"


async def test_editor_changes_survive_a_restart(engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    for line in ("/time_adjust asian end +30", "/symbol_filter asian EURUSD on",
                 "/force_close london on", "/session_master off"):
        assert (await first.execute(line, ADMIN, confirmed=True)).ok
    await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        table = second.settings.sessions.table
        assert table["asian"].end == "14:00" and "EURUSD" in table["asian"].symbols
        assert table["london"].force_close and not second.settings.sessions.enabled
    finally:
        await second.stop()


@pytest.mark.parametrize(("line", "title", "fragment"), [
    ("/london", "London session: OPEN", "26 Nov 2025 (Wednesday): 13:30–22:30 IST · "
                                        "08:00–17:00 UTC"),
    ("/newyork", "New York session: CLOSED", "opens in 4h 24m (18:30:00 IST)"),
    ("/tokyo", "Tokyo session: OPEN", "closes in 24m 48s (14:30:00 IST)"),
    ("/sydney", "Sydney session: CLOSED", "opens in 11h 24m (01:30:00 IST)"),
])
async def test_market_session_commands(quiet: Engine, line: str, title: str,
                                       fragment: str) -> None:
    reply = await quiet.execute(line, ADMIN)
    assert reply.ok and reply.title == title
    assert any(fragment in text for text in reply.lines), reply.text()


async def test_market_session_command_in_summer_time(quiet: Engine) -> None:
    at(quiet, datetime(2025, 7, 16, 6, 0, tzinfo=UTC))
    reply = await quiet.execute("/london", ADMIN)
    assert reply.title == "London session: CLOSED"
    assert "16 Jul 2025 (Wednesday): 12:30–21:30 IST · 07:00–16:00 UTC" in reply.lines


async def test_overlap_command(quiet: Engine) -> None:
    reply = await quiet.execute("/overlap", ADMIN)
    assert reply.ok and reply.lines[0] == "Overlap now: Tokyo + London"
    assert reply.table is not None
    assert ("Tokyo + London", "13:30–14:30", "now") in reply.table.rows
    assert ("London + New York", "18:30–22:30", "") in reply.table.rows
    at(quiet, ist(16, 0))
    later = await quiet.execute("/overlap", ADMIN)
    assert later.lines[0] == "Open now: London (no overlap)" and not later.data["overlap_now"]


async def test_clock_view(quiet: Engine) -> None:
    quote(quiet, "EURUSD", 1.1)
    reply = await quiet.execute("/clock", ADMIN)
    assert reply.ok and reply.lines[:3] == (
        "14:05:12 IST · 26 Nov 2025 (Wednesday)", "08:35:12 UTC",
        "Broker server: 08:35:12 (time of the latest tick)")
    assert reply.lines[3] == "Trading session: London (13:30–18:30 IST)"
    assert reply.lines[4] == "Next: Overlap at 18:30 IST in 4h 24m"
    assert reply.lines[5] == "Market sessions open: Tokyo, London"
