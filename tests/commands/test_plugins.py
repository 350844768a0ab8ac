"""PLUGIN commands on the real engine: menu, /plugins, /enable, /disable, /shadow, /deps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.commands.spec import Category
from core.engine import Engine
from core.plugins.loader import Candidate
from tests.commands.support import CLI, GUEST, decided_by, refused, reloaded, run, v6_buy

BROKEN = Candidate("broken_plugin", None, None, "tests (local)",
                   "import failed: ModuleNotFoundError: No module named 'broken'")


async def test_plugin_menu_counts_states_and_links_commands(engine: Engine) -> None:
    await run(engine, "/disable v6_price_action_1h")
    reply = await run(engine, "/plugin")
    assert reply.lines[0].startswith("Installed: 5 (4 active · 1 disabled)")
    assert reply.data["commands"] == engine.registry.command_list(Category.PLUGIN,
                                                                  without="plugin")
    assert {"/plugins", "/enable", "/disable", "/shadow", "/compare", "/deps", "/rollback",
            "/checkpoint", "/conflicts", "/resolve", "/market", "/benchmark"} <= set(
        reply.data["commands"])


async def test_plugins_lists_version_track_switches_bridge_and_health(engine: Engine) -> None:
    await run(engine, "/disable v6_price_action_5m")
    await run(engine, "/shadow v3_combined on")
    assert engine.plugins is not None
    engine.plugins.load([BROKEN])
    reply = await run(engine, "/plugins")
    assert reply.table is not None
    rows = {r[0]: r for r in reply.table.rows}
    assert rows["v6_price_action_5m"] == ("v6_price_action_5m", "1.0.0", "V5_HYBRID", "OFF",
                                          "OFF", "fallback", "ok")
    assert rows["v3_combined"][3:6] == ("ON", "ON", "active")
    assert rows["v6_price_action_1m"][5:] == ("active", "ok")
    assert rows["broken_plugin"][6].startswith("BLOCKED: import failed")
    assert reply.title == "Plugins: 6 installed, 1 not healthy"


async def test_disable_is_admin_only_and_confirmed(engine: Engine) -> None:
    guest = await engine.execute("/disable v6_price_action_15m", GUEST, True)
    assert not guest.ok and "admin only" in guest.lines[0]
    pending = await engine.execute("/disable v6_price_action_15m", CLI, False)
    assert pending.needs_confirmation
    assert engine.settings.plugins.v6_price_action_15m.enabled


async def test_disable_then_enable_moves_signals_between_fallback_and_plugin(
        engine: Engine) -> None:
    reply = await run(engine, "/disable v6_price_action_15m")
    assert reply.title == "v6_price_action_15m: enabled → disabled"
    assert "V4 fallback (V4 combinedlogic-2)" in reply.lines[0]
    assert reloaded(engine).plugins.v6_price_action_15m.enabled is False
    record = await v6_buy(engine, "15")
    assert "v6_price_action_15m" not in decided_by(record)
    assert decided_by(record)["V4"][3] is True  # traded (or refused) by the V4 fallback
    enabled = await run(engine, "/enable v6_price_action_15m")
    assert enabled.title == "v6_price_action_15m: disabled → enabled"
    assert any(line.startswith("Fallback ends") for line in enabled.lines)
    assert "v6_price_action_15m trades" in enabled.lines[0]
    record = await v6_buy(engine, "15", price=1.08462)
    assert decided_by(record)["v6_price_action_15m"][:2] == (True, "executed")
    assert reloaded(engine).plugins.v6_price_action_15m.enabled is True


async def test_enable_of_a_blocked_plugin_stores_the_switch_and_says_so(
        engine: Engine) -> None:
    assert engine.plugins is not None
    engine.plugins.load([BROKEN])
    await run(engine, "/disable broken_plugin")
    reply = await run(engine, "/enable broken_plugin")
    assert reply.title == "broken_plugin: disabled → enabled"
    assert any("not loaded (import failed" in line for line in reply.lines)
    assert reloaded(engine).plugins.entry("broken_plugin").enabled is True


@pytest.mark.parametrize("line", ["/enable nope", "/disable v6_price_action_4h",
                                  "/shadow v9 on"])
async def test_plugin_parameter_must_name_an_installed_plugin(engine: Engine,
                                                              line: str) -> None:
    assert "is not an installed plugin; use one of v3_combined, v6_price_action_15m" in \
        await refused(engine, line)


async def test_shadow_on_records_virtual_orders_only(engine: Engine) -> None:
    assert (await run(engine, "/shadow v6_price_action_15m")).title == \
        "v6_price_action_15m shadow mode: OFF → ON"  # toggled
    assert reloaded(engine).plugins.v6_price_action_15m.shadow_mode is True
    record = await v6_buy(engine, "15")
    assert decided_by(record)["v6_price_action_15m"][:2] == (False, "shadow")
    assert engine.trading is not None and not engine.trading.positions
    assert engine.shadow is not None and len(engine.shadow.positions("v6_price_action_15m")) == 1
    status = await run(engine, "/shadow v6_price_action_15m status")
    assert status.title == "v6_price_action_15m shadow mode: ON"


async def test_shadow_off_needs_confirmation_and_trades_live_again(engine: Engine) -> None:
    await run(engine, "/shadow v6_price_action_15m on")
    assert not (await engine.execute("/shadow v6_price_action_15m on", CLI, False)
                ).needs_confirmation
    pending = await engine.execute("/shadow v6_price_action_15m off", CLI, False)
    assert pending.needs_confirmation and engine.settings.plugins.v6_price_action_15m.shadow_mode
    reply = await run(engine, "/shadow v6_price_action_15m off")
    assert reply.title == "v6_price_action_15m shadow mode: ON → OFF"
    record = await v6_buy(engine, "15")
    assert decided_by(record)["v6_price_action_15m"][:2] == (True, "executed")
    assert "use one of on, off, status" in await refused(
        engine, "/shadow v6_price_action_15m maybe")
    guest = await engine.execute("/shadow v6_price_action_15m status", GUEST, True)
    assert not guest.ok


async def test_deps_reports_versions_priorities_sources_idle_and_blocked(
        engine: Engine) -> None:
    host = engine.plugins
    assert host is not None
    builtin = host.plugins["v6_price_action_15m"]
    factory = host.candidates["v6_price_action_15m"].factory
    assert factory is not None
    newer = factory(host.services["v6_price_action_15m"])
    newer.manifest = replace(builtin.manifest, id="v6_pa_15m_next", version="1.1.0",
                             priority=1)
    host.install(newer, host.services["v6_price_action_15m"])
    host.load([BROKEN])
    reply = await run(engine, "/deps")
    assert reply.table is not None
    rows = {r[0]: r for r in reply.table.rows}
    assert rows["v3_combined"][1:5] == ("1.0.0", "V5_HYBRID", "1",
                                        "core.strategies.v3_combined:create (v5-console)")
    assert rows["v3_combined"][5] == "core >=1.0,<2" and rows["v3_combined"][8] == \
        "loaded (active)"
    assert rows["v6_price_action_15m"][8] == "idle: v6_pa_15m_next has priority for its slot"
    assert rows["broken_plugin"][8].startswith("BLOCKED: import failed")
    assert reply.lines[0] == "7 installed · 6 loaded · 1 idle · 1 blocked"
    assert reply.lines[1].startswith("BLOCKED broken_plugin: import failed")
