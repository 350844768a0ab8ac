"""/benchmark (SPEC §3.9.2): the sample suite in shadow, timings, no orders, no state change."""

from __future__ import annotations

from core.engine import Engine
from core.plugins.benchmark import ROUNDS, SUITE
from tests.commands.support import GUEST, run
from tests.engine.helpers import quote


def footprint(engine: Engine) -> tuple[object, ...]:
    """Everything a decision could have touched: orders, virtual orders, plugin state."""
    assert engine.trading is not None and engine.shadow is not None
    assert engine.plugins is not None and engine.store is not None
    return (sorted(engine.trading.positions), engine.shadow.open_count,
            engine.store.count("signals"),
            {p: dict(plugin.export_state()) for p, plugin in engine.plugins.plugins.items()})


async def test_benchmark_one_plugin_reports_percentiles(engine: Engine) -> None:
    for symbol, price in (("EURUSD", 1.08452), ("GBPUSD", 1.2651), ("USDJPY", 151.32)):
        quote(engine, symbol, price)
    before = footprint(engine)
    reply = await run(engine, "/benchmark v6_price_action_15m")
    assert reply.ok, reply.text()
    [result] = reply.data["results"]
    assert result["plugin"] == "v6_price_action_15m"
    assert result["calls"] == len(SUITE) * ROUNDS
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert sum(result["outcomes"].values()) == result["calls"]
    assert {s["sample"] for s in result["samples"]} == {name for name, _ in SUITE}
    assert any("NA" in s["sample"] for s in result["samples"])
    assert result["state_restored"] is True
    assert footprint(engine) == before  # no order, no virtual order, no state change
    assert reply.table is not None and reply.table.rows[0][0] == "v6_price_action_15m"


async def test_benchmark_every_plugin_without_argument(engine: Engine) -> None:
    assert engine.plugins is not None
    before = footprint(engine)
    reply = await run(engine, "/benchmark")
    assert [r["plugin"] for r in reply.data["results"]] == sorted(engine.plugins.plugins)
    assert "no order, no state change" in reply.lines[0]
    assert footprint(engine) == before


async def test_benchmark_refusals(engine: Engine) -> None:
    unknown = await run(engine, "/benchmark nope")
    assert not unknown.ok and "is not loaded" in unknown.lines[0]
    guest = await engine.execute("/benchmark", GUEST)
    assert not guest.ok and "admin only" in guest.lines[0]
