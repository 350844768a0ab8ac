"""Checkpoints (SPEC §3.6.1): start-up, /checkpoint, pruning, config hooks, /rollback."""

from __future__ import annotations

from core.engine import Engine
from core.infra.events import CheckpointsChanged, RolledBack
from tests.commands.support import GUEST
from tests.engine.signal_helpers import run
from tests.infra.helpers import infra
from tests.notifications.support import of_type

PLUGIN = "v3_combined"


async def test_start_up_takes_one_checkpoint_per_plugin(engine: Engine) -> None:
    assert engine.plugins is not None
    rows = infra(engine).checkpoints.rows()
    assert sorted(r.plugin_id for r in rows) == sorted(engine.plugins.plugins)
    assert {r.reason for r in rows} == {"startup"}
    [v3] = [r for r in rows if r.plugin_id == PLUGIN]
    assert v3.checkpoint_id == "CP_v3_combined_20251126083512"  # CP_<plugin>_<yyyymmddHHMMSS>
    assert (v3.track, v3.bridge_mode) == ("V5_HYBRID", "hybrid")
    doc = infra(engine).checkpoints.get(v3.checkpoint_id)
    assert doc is not None and doc["plugin_version"] == "1.0.0"
    assert doc["config"]["enabled"] is True and "min_consensus_score" in doc["config"]["config"]
    assert engine.steps["checkpoints"].state == "ok"
    listing = await run(engine, f"/checkpoints {PLUGIN}")
    assert [c["checkpoint_id"] for c in listing.data["checkpoints"]] == [v3.checkpoint_id]
    health = await run(engine, "/health")
    assert health.data["checkpoints"]["count"] == len(rows)
    assert f"{PLUGIN} 1" in health.text()


async def test_checkpoint_command_and_ten_kept_per_plugin(engine: Engine) -> None:
    changes = engine.bus.subscribe((CheckpointsChanged,), name="cp")
    made = await run(engine, f"/checkpoint {PLUGIN} before the news")
    assert made.ok and len(made.data["checkpoints"]) == 1
    event = changes.get_nowait()
    assert isinstance(event, CheckpointsChanged)
    assert event.rows[0].checkpoint_id == made.data["checkpoints"][0]
    assert event.rows[0].note == "before the news" and event.rows[0].reason == "manual"
    guest = await engine.execute(f"/checkpoint {PLUGIN}", GUEST)
    assert not guest.ok  # admin only
    for _ in range(9):
        await run(engine, f"/checkpoint {PLUGIN}")
    rows = infra(engine).checkpoints.rows(PLUGIN)
    assert len(rows) == 10 and "startup" not in {r.reason for r in rows}  # oldest pruned
    assert rows[-1].checkpoint_id == made.data["checkpoints"][0]
    everything = await run(engine, "/checkpoint all")
    assert len(everything.data["checkpoints"]) == 5
    assert len(infra(engine).checkpoints.rows(PLUGIN)) == 10
    assert not (await run(engine, "/checkpoint nosuch")).ok


async def test_many_checkpoints_in_one_second_keep_the_newest(engine: Engine) -> None:
    """Pruning must drop the oldest even when all share one second (and one base id)."""
    made = []
    for n in range(15):
        reply = await run(engine, f"/checkpoint {PLUGIN} n{n}")
        made.append(reply.data["checkpoints"][0])
        assert infra(engine).checkpoints.rows(PLUGIN)[0].checkpoint_id == made[-1]
    rows = infra(engine).checkpoints.rows(PLUGIN)
    assert [r.note for r in rows] == [f"n{n}" for n in range(14, 4, -1)]


async def test_config_changes_through_commands_take_a_checkpoint_first(engine: Engine) -> None:
    assert (await run(engine, f"/shadow {PLUGIN} on")).ok
    [pre] = [r for r in infra(engine).checkpoints.rows(PLUGIN) if r.reason != "startup"]
    assert (pre.reason, pre.note) == ("pre_config_change", f"plugins.{PLUGIN}.shadow_mode")
    doc = infra(engine).checkpoints.get(pre.checkpoint_id)
    assert doc is not None and doc["config"]["shadow_mode"] is False  # the value before
    assert (await run(engine, "/mode translate")).ok  # system-wide: every plugin
    assert engine.plugins is not None
    for plugin_id in engine.plugins.plugins:
        reasons = [r.reason for r in infra(engine).checkpoints.rows(plugin_id)]
        assert reasons[0] == "pre_config_change", plugin_id
    assert (await run(engine, f"/disable {PLUGIN}")).ok
    assert (await run(engine, f"/enable {PLUGIN}")).ok
    assert infra(engine).checkpoints.rows(PLUGIN)[0].reason == "pre_enable"


async def test_rollback_restores_config_and_state(engine: Engine) -> None:
    assert engine.plugins is not None
    rolled = engine.bus.subscribe((RolledBack,), name="rolled")
    services = engine.plugins.services[PLUGIN]
    services.save_state({"squeezes": {"EURUSD": "2025-11-26T08:00:00+00:00"}})
    made = await run(engine, f"/checkpoint {PLUGIN}")
    checkpoint_id = made.data["checkpoints"][0]
    assert (await run(engine, f"/shadow {PLUGIN} on")).ok
    assert (await run(engine, "/mode passthrough")).ok
    services.save_state({"squeezes": {}})
    asked = await run(engine, f"/rollback {PLUGIN}", confirmed=False)
    assert asked.needs_confirmation
    done = await run(engine, f"/rollback {PLUGIN} {checkpoint_id}")
    assert done.ok, done.text()
    assert not engine.settings.plugins.entry(PLUGIN).shadow_mode
    assert engine.settings.bridge.mode == "hybrid"
    assert services.state() == {"squeezes": {"EURUSD": "2025-11-26T08:00:00+00:00"}}
    assert engine.plugins.enabled(PLUGIN)  # a manual rollback does not disable it
    event = rolled.get_nowait()
    assert isinstance(event, RolledBack)
    assert (event.reason, event.checkpoint_id) == ("MANUAL_REQUEST", checkpoint_id)
    [notice] = of_type(engine, "plugin_rollback")
    assert checkpoint_id in notice.text
    latest = await run(engine, f"/rollback {PLUGIN}")  # default: the newest checkpoint
    assert latest.ok and latest.data["checkpoint_id"] == infra(
        engine).checkpoints.rows(PLUGIN)[0].checkpoint_id
    refused = await run(engine, f"/rollback {PLUGIN} CP_nope")
    assert not refused.ok and "no checkpoint CP_nope" in refused.text()
