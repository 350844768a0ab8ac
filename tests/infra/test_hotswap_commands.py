"""Hot-swap and upgrade (SPEC §3.9.3): checkpoint, state moved, probe, restore on failure."""

from __future__ import annotations

from core.engine import Engine
from tests.engine.signal_helpers import run
from tests.infra.helpers import infra
from tests.infra.plugins import PLUGIN, StatefulPlugin, load_test_build
from tests.notifications.support import of_type


def current(engine: Engine) -> StatefulPlugin:
    assert engine.plugins is not None
    plugin = engine.plugins.plugins[PLUGIN]
    assert isinstance(plugin, StatefulPlugin)
    return plugin


async def test_hotswap_reloads_keeping_state_then_swaps_version(engine: Engine) -> None:
    assert engine.plugins is not None
    load_test_build(engine)
    old = current(engine)
    old.memory = {"signals": 3}
    asked = await run(engine, f"/hotswap {PLUGIN}", confirmed=False)
    assert asked.needs_confirmation
    done = await run(engine, f"/hotswap {PLUGIN}")
    assert done.ok, done.text()
    new = current(engine)
    assert new is not old and new.memory == {"signals": 3}
    assert (done.data["previous"], done.data["version"]) == ("9.9.9", "9.9.9")
    [pre] = [r for r in infra(engine).checkpoints.rows(PLUGIN) if r.reason == "pre_hotswap"]
    assert done.data["checkpoint_id"] == pre.checkpoint_id
    assert infra(engine).checkpoints.get(pre.checkpoint_id)["state"] == {"signals": 3}  # type: ignore[index]
    [notice] = of_type(engine, "hotswap_done")
    assert "9.9.9 → 9.9.9" in notice.text
    # to the built-in 1.0.0: its state goes to the persisted plugin state
    back = await run(engine, f"/hotswap {PLUGIN} 1.0.0")
    assert back.ok and back.data["version"] == "1.0.0"
    assert engine.plugins.plugins[PLUGIN].manifest.version == "1.0.0"
    assert engine.plugins.services[PLUGIN].state() == {"signals": 3}
    refused = await run(engine, f"/hotswap {PLUGIN} 7.7.7")
    assert not refused.ok and "7.7.7 is not installed" in refused.text()


async def test_a_failed_hotswap_restores_the_previous_version(engine: Engine) -> None:
    build = load_test_build(engine)
    old = current(engine)
    old.memory = {"signals": 1}
    build.healthy = False  # the new instance fails its health probe
    failed = await run(engine, f"/hotswap {PLUGIN}")
    assert not failed.ok and "health probe failed: sick" in failed.text()
    assert current(engine) is old and old.memory == {"signals": 1}
    [notice] = of_type(engine, "hotswap_failed")
    assert notice.priority == 4 and "restored" in notice.text


async def test_upgrade_moves_to_the_newest_build_and_ends_fallback(engine: Engine) -> None:
    assert engine.plugins is not None
    assert (await run(engine, f"/disable {PLUGIN}")).ok  # fallback: V4 trades its signals
    done = await run(engine, f"/upgrade {PLUGIN}")
    assert done.ok, done.text()
    assert done.data["previous"] == "1.0.0" and done.data["version"] == "1.0.0"
    assert "newest compatible version installed" in done.text()  # only 1.0.0: re-loaded
    assert engine.plugins.enabled(PLUGIN) and done.data["enabled"] is True
    reasons = [r.reason for r in infra(engine).checkpoints.rows(PLUGIN)]
    assert reasons[0] == "pre_upgrade"
    # a newer build in the marketplace's plugins directory: /upgrade moves to it
    package = engine.data_dir / "plugins" / PLUGIN / "plugin.py"
    package.parent.mkdir(parents=True)
    package.write_text(NEWER, encoding="utf-8")
    newer = await run(engine, f"/upgrade {PLUGIN}")
    assert newer.ok, newer.text()
    assert (newer.data["previous"], newer.data["version"]) == ("1.0.0", "1.1.0")
    assert engine.plugins.plugins[PLUGIN].manifest.version == "1.1.0"
    assert (await run(engine, f"/hotswap {PLUGIN} 1.0.0")).ok  # and back by version


NEWER = """
from dataclasses import replace

from core.strategies.v3_combined import MANIFEST, V3CombinedPlugin


class Newer(V3CombinedPlugin):
    manifest = replace(MANIFEST, version="1.1.0")


create = Newer
"""
