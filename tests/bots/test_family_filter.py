"""Plugin family in the handlers (§9.6.6): positions, history and analytics restricted by owner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.cli import cli_actor
from core.engine import Engine
from tests.bots.helpers import open_owned

OWNERS = {  # owner (position meta "strategy", logic) → symbol, one position each
    ("v3_combined", "combinedlogic-2"): "EURUSD",
    ("combinedlogic-1", None): "GBPUSD",
    ("v6_price_action_5m", None): "USDJPY",
    ("manual", None): "AUDUSD",
}


async def open_all(engine: Engine) -> dict[str, int]:
    tickets = {}
    for (strategy, logic), symbol in OWNERS.items():
        tickets[strategy] = await open_owned(engine, strategy, symbol, logic=logic)
    return tickets


async def close_all(engine: Engine, tickets: dict[str, int]) -> None:
    assert engine.trading is not None
    for ticket in tickets.values():
        assert (await engine.trading.close(ticket)).ok


def owners(rows: object) -> set[str]:
    assert isinstance(rows, list)
    return {str(r.get("Owner", r.get("strategy"))) for r in rows}


async def test_positions_filter_by_owner_family_and_say_so(engine: Engine) -> None:
    tickets = await open_all(engine)
    run = engine.execute  # what `v5-console exec` and the console palette call
    v6 = await run("/positions --family v6", cli_actor())
    assert v6.ok and v6.title == "Open positions: 1 — V6"
    assert owners(v6.data["positions"]) == {"v6_price_action_5m"}
    assert [r[0] for r in v6.table.rows] == [str(tickets["v6_price_action_5m"])]  # type: ignore[union-attr]
    v3 = await run("/positions --family=V3", cli_actor())
    assert v3.title == "Open positions: 2 — V3"
    assert owners(v3.data["positions"]) == {"v3_combined", "combinedlogic-1"}
    assert v3.command_line == "/positions --family v3"
    both = await run("/positions --family both", cli_actor())
    plain = await run("/positions", cli_actor())  # other surfaces: unchanged, everything
    assert both.title == plain.title == "Open positions: 4"
    assert owners(plain.data["positions"]) == {"v3_combined", "combinedlogic-1",
                                               "v6_price_action_5m", "manual"}
    assert plain.data["family"] == "both" and plain.command_line == "/positions"


async def test_history_filters_closed_trades_by_owner_family(engine: Engine) -> None:
    tickets = await open_all(engine)
    await close_all(engine, tickets)
    v3 = await engine.execute("/history 30 --family v3", cli_actor())
    assert v3.title == "Closed trades, last 30 day(s): 2 — V3"
    assert {t["ticket"] for t in v3.data["trades"]} == {tickets["v3_combined"],
                                                         tickets["combinedlogic-1"]}
    v6 = await engine.execute("/history --family v6", cli_actor())
    assert [t["ticket"] for t in v6.data["trades"]] == [tickets["v6_price_action_5m"]]
    everything = await engine.execute("/history", cli_actor())
    assert len(everything.data["trades"]) == 4  # manual trades only under "both"


async def test_analytics_reports_restrict_their_trade_set(engine: Engine) -> None:
    tickets = await open_all(engine)
    await close_all(engine, tickets)
    run = engine.execute
    stats = await run("/stats --family v6", cli_actor())
    assert stats.ok and stats.title.endswith(" — V6") and stats.data["family"] == "v6"
    assert stats.data["summary"]["trades"] == 1
    assert (await run("/stats", cli_actor())).data["summary"]["trades"] == 4
    report = await run("/strategy_report --family v3", cli_actor())
    assert set(report.data["per_strategy"]) == {"V3 Logic 2", "V4 Logic 1"}
    winrate = await run("/winrate today --family v6", cli_actor())
    assert set(winrate.data["per_strategy"]) == {"V6 5m"}
    daily = await run("/daily --family v3", cli_actor())
    assert daily.title.endswith(" — V3") and daily.data["summary"]["trades"] == 2
    assert set(daily.data["per_strategy"]) == {"V3 Logic 2", "V4 Logic 1"}
    pairs = await run("/pair_report --family v3", cli_actor())
    assert set(pairs.data["per_pair"]) == {"EURUSD", "GBPUSD"}
    perf = await run("/performance today --family v6", cli_actor())
    assert perf.data["summary"]["trades"] == 1
    export = await run("/export json --family v6", cli_actor())
    doc = json.loads(Path(export.data["document"]).read_text(encoding="utf-8"))
    assert [t["ticket"] for t in doc["trades"]] == [tickets["v6_price_action_5m"]]
    assert doc["report"]["family"] == "v6" and doc["summary"]["trades"] == 1


@pytest.mark.parametrize(("line", "error"), [
    ("/status --family v3", "not plugin-aware"),
    ("/positions --family v9", "use one of both, v3, v6"),
    ("/positions --family", "use one of both, v3, v6"),
])
async def test_the_family_parameter_is_validated(engine: Engine, line: str, error: str) -> None:
    reply = await engine.execute(line, cli_actor())
    assert not reply.ok and error in " ".join(reply.lines)


async def test_the_registry_flags_the_spec_plugin_aware_commands(engine: Engine) -> None:
    aware = {s.name for s in engine.registry.specs() if s.plugin_aware}
    for name in ("positions", "history", "dailylimit", "signals", "daily", "stats", "export",
                 "strategy_report"):
        assert name in aware
    for name in ("status", "closeall", "pause", "session", "notifications"):
        assert name not in aware  # panic close and system commands are never plugin-scoped
