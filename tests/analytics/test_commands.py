"""ANALYTICS commands on a running paper engine over the fixed trade set (SPEC §10.2.8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.analytics.export import read_csv_trades, read_json
from core.commands.spec import Actor, Reply, Surface
from core.engine import Engine
from tests.analytics.support import journal

ACTOR = Actor(Surface.CLI, "tester")
PNG = b"\x89PNG\r\n\x1a\n"


async def run(engine: Engine, line: str) -> Reply:
    reply = await engine.execute(line, ACTOR)
    assert reply.ok, reply.text()
    return reply


@pytest.fixture
async def loaded(engine: Engine) -> Engine:
    journal(engine)  # the paper account holds $10,000: the set started from $9,990
    return engine


async def test_performance_report_carries_every_metric_and_a_chart(loaded: Engine) -> None:
    reply = await run(loaded, "/performance_report")
    assert reply.title == "PERFORMANCE REPORT · PAPER · all time"
    assert reply.lines == (
        "Trades 6 · wins 2 · losses 3 · breakeven 1 · win rate 40.0%",
        "Gross profit +$80.00 · gross loss −$70.00 · net +$10.00",
        "Profit factor 1.14 · average win +$40.00 · average loss −$23.33",
        "Best trade #1 EURUSD +$50.00 · worst #4 XAUUSD −$40.00",
        "Best day 25 Nov +$30.00 · worst day 26 Nov −$20.00",
        "Max drawdown $60.00 (0.60% of $10,040.00) · current drawdown $40.00 (0.40%)",
        "TP hits 1 · SL hits 1 · re-entries 1 (net −$10.00)",
        "Balance $9,990.00 → $10,000.00",
    )
    assert reply.table is not None
    assert [r[:3] for r in reply.table.rows] == [
        ("Pair", "EURUSD", "2"), ("Pair", "GBPUSD", "2"), ("Pair", "XAUUSD", "2"),
        ("Strategy", "V4 Logic 1", "2"), ("Strategy", "V4 Logic 2", "1"),
        ("Strategy", "V3 Logic 1", "1"), ("Strategy", "V6 15m", "1"),
        ("Strategy", "Manual", "1")]
    chart = Path(reply.data["chart"])
    assert chart.parent == loaded.data_dir / "exports" and chart.read_bytes().startswith(PNG)
    assert reply.data["summary"]["max_drawdown"] == 60.0
    assert reply.data["per_strategy"]["V6 15m"]["net"] == -40.0


async def test_daily_uses_the_03_35_trading_day(loaded: Engine) -> None:
    yesterday = await run(loaded, "/daily 25-11-2025")
    assert yesterday.title == "DAILY REPORT · PAPER · 25 Nov 2025 (Tuesday)"
    # #3 closed at 03:34:59 IST on the 26th: still the 25th's trading day
    assert yesterday.lines[0] == "Trades 3 · wins 1 · losses 1 · breakeven 1 · win rate 50.0%"
    today = await run(loaded, "/daily")
    assert today.lines[0] == "Trades 3 · wins 1 · losses 2 · breakeven 0 · win rate 33.3%"
    assert (await run(loaded, "/weekly 2025-11-28")).data["summary"]["trades"] == 6
    assert (await run(loaded, "/monthly 2025-10")).lines == ("No closed trades in this period.",)
    assert (await run(loaded, "/performance_report 2025-11-26")).data["summary"]["net"] == -20.0


async def test_summaries_rates_and_breakdowns(loaded: Engine) -> None:
    perf = await run(loaded, "/performance")
    assert perf.table is not None and [r[:4] for r in perf.table.rows] == [
        ("today", "3", "33.3%", "−$20.00"), ("7d", "6", "40.0%", "+$10.00"),
        ("30d", "6", "40.0%", "+$10.00"), ("all", "6", "40.0%", "+$10.00")]
    assert (await run(loaded, "/performance today")).data["summary"]["net"] == -20.0
    stats = await run(loaded, "/stats")
    assert stats.lines[-1] == "Longest streaks: 1 win(s), 1 loss(es) · current 1 loss(es)"
    win = await run(loaded, "/winrate")
    assert win.data["per_pair"] == {"EURUSD": 50.0, "GBPUSD": 100.0, "XAUUSD": 0.0}
    assert win.data["per_strategy"]["V4 Logic 1"] == 50.0
    dd = await run(loaded, "/drawdown")
    assert dd.data["max_drawdown"] == 60.0 and dd.data["current_drawdown"] == 40.0
    assert Path(dd.data["chart"]).read_bytes().startswith(PNG)
    pairs = await run(loaded, "/pairreport 7d")  # the legacy alias
    assert pairs.command_line == "/pair_report 7d"
    assert pairs.data["per_pair"]["XAUUSD"]["net"] == -50.0
    strategies = await run(loaded, "/strategyreport")
    assert list(strategies.data["per_strategy"]) == [
        "V4 Logic 1", "V4 Logic 2", "V3 Logic 1", "V6 15m", "Manual"]
    menu = await run(loaded, "/analytics")
    assert "/export" in menu.data["commands"] and menu.lines[0].startswith("PAPER · today:")


async def test_exports_round_trip(loaded: Engine) -> None:
    csv_reply = await run(loaded, "/export csv")
    trades_file, summary_file = (Path(p) for p in csv_reply.data["files"])
    assert [r["ticket"] for r in read_csv_trades(trades_file)] == ["1", "2", "3", "4", "5", "6"]
    assert summary_file.name.endswith("_summary.csv")
    json_reply = await run(loaded, "/export json today")
    doc = read_json(Path(json_reply.data["document"]))
    assert [t["ticket"] for t in doc["trades"]] == [4, 5, 6]
    assert doc["report"]["mode"] == "PAPER" and doc["summary"]["net"] == -20.0


@pytest.mark.parametrize(("line", "message"), [
    ("/daily 2025-02-30", "date: '2025-02-30' is not a date as YYYY-MM-DD or DD-MM-YYYY"),
    ("/monthly 2025-13", "use YYYY-MM"),
    ("/stats week", "use one of today, 7d, 30d, all"),
    ("/export xml", "use one of csv, json"),
    ("/performance_report soon", "use one of today, 7d, 30d, all, or a date"),
    ("/performance_report 2025-11-26 2025-11-01", "before start date"),
])
async def test_invalid_parameters_name_the_allowed_values(engine: Engine, line: str,
                                                          message: str) -> None:
    reply = await engine.execute(line, ACTOR)
    assert not reply.ok and message in reply.text()
