"""ANALYTICS /tp_report, /sessions, /session_report over the real engine's trades journal."""

from __future__ import annotations

import re

from core.engine import Engine
from tests.analytics.support import RECORDS, ist, journal, record
from tests.commands.support import run
from tests.engine.helpers import quote

EXTRA = [
    record(7, "EURUSD", 25.0, "combinedlogic-2", ist(26, 13, 30), reason="TP", tp_level=2,
           last_partial="TP1_PARTIAL"),
    record(8, "EURUSD", 12.0, "combinedlogic-2", ist(26, 13, 40), reason="TP", kind="R",
           reentry_kind="TP_CONTINUATION"),
    record(9, "EURUSD", 99.0, "combinedlogic-2", ist(26, 13, 45), mode="SHADOW"),
]


async def test_tp_report_counts_reasons_levels_partials_and_reentries(engine: Engine) -> None:
    journal(engine, [*RECORDS, *EXTRA])
    reply = await run(engine, "/tp_report")
    assert reply.ok, reply.text()
    data = reply.data
    assert data["orders"] == 8  # the shadow record never counts
    assert data["by_reason"] == {"EXIT_SIGNAL": 4, "TP": 2, "TP2": 1, "SL": 1}
    assert (data["tp_hits"], data["sl_hits"]) == (3, 1)
    assert data["partials"] == {"TP1_PARTIAL": 1}
    assert data["reentries"] == {"R": 1, "TP_CONTINUATION": 1}
    assert data["reentry_pnl"] == {"R": -10.0, "TP_CONTINUATION": 12.0}
    assert reply.table is not None and reply.table.rows[0][:2] == ("EXIT_SIGNAL", "4")
    assert "TP 3 · SL 1" in reply.lines[0]
    alias = await run(engine, "/tpreport today")
    assert alias.ok and alias.data["period"] == "today"
    assert alias.data["orders"] == 5  # trading day 26 Nov: tickets 4-8


async def test_tp_report_of_one_family(engine: Engine) -> None:
    journal(engine, [*RECORDS, *EXTRA])
    v6 = await run(engine, "/tp_report --family v6")
    assert v6.ok and v6.title.endswith("— V6")
    assert v6.data["orders"] == 1 and v6.data["by_reason"] == {"EXIT_SIGNAL": 1}


async def test_sessions_are_rebuilt_from_the_journal(engine: Engine) -> None:
    journal(engine)
    reply = await run(engine, "/sessions")
    assert reply.ok and reply.data["total"] == 4
    newest, *_ = reply.data["sessions"]
    assert re.fullmatch(r"SES_\d{14}_[0-9a-f]{6}", newest["id"])
    # tickets 5 (11:00-12:00 IST) and 6 (12:00-13:00) touch: one session, two entries
    assert newest["tickets"] == [5, 6] and newest["max_simultaneous"] == 2
    assert newest["id"].startswith("SES_20251126053000")  # 11:00 IST in UTC
    overlap = reply.data["sessions"][1]
    assert overlap["tickets"] == [3, 4] and overlap["symbols"] == ["GBPUSD", "XAUUSD"]
    assert overlap["pnl_by_strategy"] == {"V6 15m": -40.0, "Manual": 0.0}
    assert (await run(engine, "/sessions 2")).data["sessions"] == reply.data["sessions"][:2]
    # the same journal always gives the same ids
    assert (await run(engine, "/sessions")).data["sessions"] == reply.data["sessions"]


async def test_session_report_latest_by_id_and_unknown(engine: Engine) -> None:
    empty = await run(engine, "/session_report")
    assert not empty.ok and "no trade session yet" in empty.lines[0]
    journal(engine)
    latest = await run(engine, "/session_report")
    assert latest.ok and latest.data["tickets"] == [5, 6]
    assert latest.data["net"] == 20.0 and latest.table is not None
    older_id = (await run(engine, "/sessions")).data["sessions"][1]["id"]
    older = await run(engine, f"/session_report {older_id}")
    assert older.title == f"Trade session {older_id}" and older.data["entries"] == 2
    bad = await run(engine, "/session_report SES_1_abc")
    assert not bad.ok and "is not a trade session" in bad.lines[0]


async def test_open_position_keeps_a_session_running(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    assert (await run(engine, "/buy EURUSD 0.1")).ok
    reply = await run(engine, "/session_report")
    assert reply.ok and reply.data["end"] is None and reply.data["entries"] == 1
    assert "end open" in reply.lines[0]
    assert engine.trading is not None
    [ticket] = engine.trading.positions
    assert (await run(engine, f"/close {ticket}")).ok
    closed = await run(engine, "/session_report")
    assert closed.data["end"] is not None and closed.data["exits"] == 1
    assert closed.data["tickets"] == [ticket] and "Manual" in closed.data["pnl_by_strategy"]
