"""Plugin discovery and manifest rules (SPEC §3.9.1): blocked with a reason, never fatal."""

from __future__ import annotations

from dataclasses import replace
from importlib.metadata import EntryPoint

import pytest

from core.engine import Engine, EngineOptions
from core.plugins.loader import Candidate, _candidate, discover, manifest_problem, resolve
from core.signals.v5 import PLUGIN_IDS
from core.strategies.api import ENTRY_POINT_GROUP, Manifest
from tests.plugins.samples import EchoPlugin


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, ENTRY_POINT_GROUP)


def test_the_built_ins_register_through_the_entry_point_group() -> None:
    found = {c.plugin_id: c for c in discover()}
    assert set(PLUGIN_IDS) <= set(found)
    for plugin_id in PLUGIN_IDS:
        c = found[plugin_id]
        assert c.blocked == "" and c.manifest is not None and c.manifest.id == plugin_id
        assert c.manifest.requires["core"] == ">=1.0,<2"


@pytest.mark.parametrize(("change", "words"), [
    ({"id": "other"}, "differs from the entry-point name"),
    ({"track": "V9"}, "track 'V9' is not one of"),
    ({"version": "one"}, "not a semantic version"),
    ({"requires": {"core": ">=2.0"}}, "needs core API >=2.0; this core offers 1.0"),
    ({"requires": {"core": "~~1"}}, "is not a version range"),
])
def test_manifest_problems_are_named(change: dict[str, object], words: str) -> None:
    manifest = replace(EchoPlugin.manifest, **change)  # type: ignore[arg-type]
    assert words in manifest_problem(manifest, "echo")
    assert manifest_problem(EchoPlugin.manifest, "echo") == ""


def test_unimportable_and_manifest_less_entry_points_are_blocked() -> None:
    missing = _candidate(ep("ghost", "tests.plugins.nowhere:Plugin"))
    assert missing.factory is None and missing.blocked.startswith("import failed: "
                                                                  "ModuleNotFoundError")
    bare = _candidate(ep("bare", "tests.plugins.samples:not_a_plugin"))
    assert "has no `manifest`" in bare.blocked
    future = _candidate(ep("future", "tests.plugins.samples:FutureCorePlugin"))
    assert future.blocked == "needs core API >=2.0; this core offers 1.0"
    good = _candidate(ep("echo", "tests.plugins.samples:EchoPlugin"))
    assert good.blocked == "" and good.factory is EchoPlugin


def _c(manifest: Manifest) -> Candidate:
    return Candidate(manifest.id, EchoPlugin, manifest, "test")


def test_requirements_and_conflicts_between_plugins() -> None:
    base = EchoPlugin.manifest
    needs = replace(base, id="needs", requires={"echo": ">=2,<3"})
    too_new = replace(base, id="too_new", requires={"echo": ">=3"})
    absent = replace(base, id="absent", requires={"nobody": ">=1"})
    clash = replace(base, id="clash", conflicts_with=("echo",))
    out = {c.plugin_id: c.blocked for c in resolve([_c(base), _c(needs), _c(too_new),
                                                    _c(absent), _c(clash)])}
    assert out == {"echo": "", "needs": "",
                   "too_new": "requires echo >=3; installed 2.1.0",
                   "absent": "requires plugin nobody >=1, which is not installed",
                   "clash": "declares a conflict with echo, which is installed"}


async def test_a_blocked_plugin_is_reported_and_the_rest_load(engine: Engine) -> None:
    host = engine.plugins
    assert host is not None
    host.load([_candidate(ep("future", "tests.plugins.samples:FutureCorePlugin"))])
    states = {i.plugin_id: (i.state, i.detail) for i in host.infos()}
    assert states["future"] == ("blocked", "needs core API >=2.0; this core offers 1.0")
    assert all(states[p][0] == "active" for p in PLUGIN_IDS)


async def test_an_experimental_plugin_stays_in_shadow_until_promoted(engine: Engine) -> None:
    host = engine.plugins
    assert host is not None
    host.load([_candidate(ep("echo", "tests.plugins.samples:EchoPlugin"))])
    assert host.shadow("echo") and host.loaded()["echo"]
    engine.persist_override("plugins.echo.promoted", True)
    assert not host.shadow("echo")
    engine.persist_override("plugins.echo.shadow_mode", True)  # a third party's switch
    assert host.shadow("echo")
    assert engine.store is not None
    stored = {d["_key"]: d["value"] for d in engine.store.all("config_overrides")}
    assert stored["plugins.echo.promoted"] is True


async def test_the_lower_priority_number_wins_a_shared_slot(engine: Engine) -> None:
    host = engine.plugins
    assert host is not None
    twin = replace(host.plugins["v6_price_action_15m"].manifest, id="twin", priority=9)

    class Twin(EchoPlugin):
        manifest = twin

    host.install(Twin(host.services["v6_price_action_15m"]), host.services["v6_price_action_15m"])
    assert host.idle == {"twin": "v6_price_action_15m"}
    assert host.loaded()["twin"] is False and host.loaded()["v6_price_action_15m"] is True
    engine.persist_override("plugins.twin.priority", 1)
    engine.persist_override("plugins.v6_price_action_15m.priority", 5)
    host.install(host.plugins["twin"], host.services["v6_price_action_15m"])
    assert host.idle == {"v6_price_action_15m": "twin"}


async def test_a_pinned_version_that_is_not_installed_blocks_the_plugin(
        engine_options: EngineOptions) -> None:
    engine_options.config_overrides["plugins.v6_price_action_5m.pin"] = "0.9.0"
    engine_options.config_overrides["plugins.v3_combined.isolation"] = "process"
    engine = Engine(engine_options)
    await engine.start()
    try:
        assert engine.plugins is not None
        states = {i.plugin_id: (i.state, i.detail) for i in engine.plugins.infos()}
        assert states["v6_price_action_5m"] == (
            "blocked", "pinned to 0.9.0 (plugins.v6_price_action_5m.pin); installed 1.0.0")
        assert states["v3_combined"] == ("blocked", "isolation 'process' is not available "
                                                    "in this build")
        assert states["v6_price_action_15m"][0] == "active"
        assert engine.steps["strategies"].state == "degraded"
    finally:
        await engine.stop()


async def test_auto_load_off_loads_no_plugin(engine_options: EngineOptions) -> None:
    engine_options.config_overrides["plugin_system.auto_load"] = False
    engine = Engine(engine_options)
    await engine.start()
    try:
        assert engine.plugins is not None and engine.plugins.plugins == {}
        assert engine.bridge is not None
        assert {s.state for s in engine.bridge.strategy_states()} == {"fallback", "not traded"}
    finally:
        await engine.stop()


async def test_plugin_health_figures_held_by_the_throttle_are_flushed(engine: Engine) -> None:
    from core.events import PluginHealth
    from tests.engine.signal_helpers import post, v6_entry

    host = engine.plugins
    assert host is not None and host.health_publisher is not None
    seen = engine.bus.subscribe((PluginHealth,), name="test")
    # the frozen clock never moves: both calls fall inside the start publication's second
    await post(engine, v6_entry("15"))
    await post(engine, v6_entry("15", price=1.08453))
    calls = []
    while (event := seen.get_nowait()) is not None:
        assert isinstance(event, PluginHealth)
        calls.append({r.plugin_id: r.calls for r in event.rows}["v6_price_action_15m"])
    assert calls == [] and host.health_publisher.pending
    host.health_publisher.flush()
    flushed = seen.get_nowait()
    assert isinstance(flushed, PluginHealth)
    assert {r.plugin_id: r.calls for r in flushed.rows}["v6_price_action_15m"] == 2
    assert not host.health_publisher.pending
