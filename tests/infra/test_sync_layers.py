"""The state synchroniser (SPEC §3.7): propagation by direction, conflicts by strategy."""

from __future__ import annotations

from core.engine import Engine
from core.infra.events import ConflictsChanged
from core.infra.sync import STATE_TYPES
from tests.engine.signal_helpers import run
from tests.infra.helpers import infra, manual_buy
from tests.infra.plugins import PLUGIN, StatefulPlugin, load_test_build


def live(engine: Engine) -> StatefulPlugin:
    assert engine.plugins is not None
    plugin = engine.plugins.plugins[PLUGIN]
    assert isinstance(plugin, StatefulPlugin)
    return plugin


def stored(engine: Engine) -> dict[str, object]:
    assert engine.plugins is not None
    return engine.plugins.services[PLUGIN].state()


def save(engine: Engine, state: dict[str, object]) -> None:
    assert engine.plugins is not None
    engine.plugins.services[PLUGIN].save_state(state)


async def test_plugin_state_goes_hybrid_to_legacy_and_the_reverse_is_a_conflict(
        engine: Engine) -> None:
    load_test_build(engine)
    await run(engine, "/sync now")
    live(engine).memory = {"signals": 2}  # the plugin layer changed: propagated
    status = await run(engine, "/sync now")
    assert stored(engine) == {"signals": 2}
    assert status.data["types"]["PLUGIN"]["differences"] == 1
    assert infra(engine).conflicts.rows() == []
    changes = engine.bus.subscribe((ConflictsChanged,), name="conflicts")
    save(engine, {"signals": 9})  # only the legacy side changed, against the direction
    await run(engine, "/sync now")
    [row] = infra(engine).conflicts.rows(open_only=True)
    assert (row.state_type, row.kind, row.choices) == ("PLUGIN", "against_direction",
                                                       ("legacy", "hybrid"))
    assert "legacy {'signals': 9}, hybrid {'signals': 2}" in row.detail
    event = changes.get_nowait()
    assert isinstance(event, ConflictsChanged) and event.rows[0].conflict_id == row.conflict_id
    await run(engine, "/sync now")
    assert len(infra(engine).conflicts.rows()) == 1  # queued once
    refused = await run(engine, f"/resolve {row.conflict_id} terminal")
    assert not refused.ok
    done = await run(engine, f"/resolve {row.conflict_id} legacy")
    assert done.ok, done.text()
    assert live(engine).memory == {"signals": 9}
    assert infra(engine).conflicts.resolved_by(row.conflict_id) == "tester"
    await run(engine, "/sync now")
    assert infra(engine).conflicts.rows(open_only=True) == []


async def test_both_sides_changed_is_decided_by_the_strategy(engine: Engine) -> None:
    load_test_build(engine)
    await run(engine, "/sync now")
    live(engine).memory = {"signals": 5}
    save(engine, {"signals": 6})
    await run(engine, "/sync now")  # PLUGIN default: hybrid_wins
    [row] = infra(engine).conflicts.rows()
    assert (row.kind, row.status) == ("both_changed", "RESOLVED")
    assert row.resolution == "hybrid value applied (hybrid_wins)"
    assert stored(engine) == {"signals": 5}
    engine.persist_override("state_sync.types.PLUGIN.resolution", "manual")
    live(engine).memory = {"signals": 7}
    save(engine, {"signals": 8})
    await run(engine, "/sync now")
    [queued] = infra(engine).conflicts.rows(open_only=True)
    assert queued.kind == "both_changed"
    assert (await run(engine, f"/resolve {queued.conflict_id} hybrid")).ok
    assert stored(engine) == {"signals": 7} and live(engine).memory == {"signals": 7}


async def test_sync_reports_every_state_type(engine: Engine) -> None:
    status = await run(engine, "/sync")
    assert list(status.data["types"]) == list(STATE_TYPES)
    assert status.data["types"]["POSITIONS"]["runs"] == 1  # the start-up pass
    forced = await run(engine, "/sync now")
    assert forced.data["forced"] and forced.data["types"]["SIGNALS"]["runs"] == 2
    assert "shared source" in forced.data["types"]["TRENDS"]["detail"]
    assert forced.table is not None and [r[0] for r in forced.table.rows] == list(STATE_TYPES)
    assert [r[1] for r in forced.table.rows] == ["60 s", "5 s", "5 s", "1 s", "5 s", "5 s",
                                                 "60 s"]
    ticket = await manual_buy(engine)
    state = (await run(engine, "/sync now")).data["state"]  # the one unified view
    assert state["POSITIONS"][str(ticket)]["owner"] == "manual"
    assert state["CONFIG"]["bridge.mode"] == "hybrid"
    assert set(state["PLUGIN"]) == {PLUGIN, *(f"v6_price_action_{tf}" for tf in
                                             ("1m", "5m", "15m", "1h"))}
    conflicts = await run(engine, "/conflicts plugin")
    assert conflicts.ok and conflicts.data["conflicts"] == []
