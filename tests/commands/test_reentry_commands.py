"""REENTRY commands (SPEC §10.2.6): each one reads or changes what it names."""

from __future__ import annotations

import pytest

from core.commands.spec import Category
from core.engine import Engine
from tests.commands.support import GUEST, refused, reloaded, run
from tests.trading.reentry.support import SL, only_chain, open_a, price


@pytest.fixture
def engine_options(engine_options):  # type: ignore[no-untyped-def]
    engine_options.config_overrides.update({
        "risk.tier_mode": "5000", "risk.tiers.5000.daily_cap": 5000,
        "risk.tiers.5000.lifetime_cap": 50000})
    return engine_options


def test_the_category_holds_the_20_spec_commands(engine: Engine) -> None:
    names = {s.name for s in engine.registry.specs(Category.REENTRY)}
    assert names == {
        "reentry", "slhunt", "tpcontinue", "recovery", "cooldown", "chains", "autonomous",
        "chainlimit", "exit_continuation", "reentry_config", "set_monitor_interval",
        "set_sl_offset", "set_recovery_time", "set_sl_reduction", "reset_reentry_config",
        "autonomous_dashboard", "shield", "fine_tune", "sl_reduction", "recovery_windows"}


@pytest.mark.parametrize("line,key,value", [
    ("/slhunt off", "sl_hunt.enabled", False),
    ("/sl_hunt retrace", "sl_hunt.mode", "retrace"),
    ("/tp_system off", "tp_continuation.enabled", False),
    ("/exit_continuation off", "exit_continuation.enabled", False),
    ("/autonomous_mode off", "autonomous_enabled", False),
    ("/set_cooldown 30", "cooldown_seconds", 30),
    ("/set_max_levels 3", "max_levels", 3),
    ("/set_monitor_interval 10", "monitor_interval_seconds", 10),
    ("/set_sl_offset 3", "sl_hunt.offset_pips", 3),
    ("/set_recovery_time 90", "default_recovery_window_minutes", 90),
    ("/sl_reduction ADAPTIVE", "sl_reduction_strategy", "ADAPTIVE"),
])
async def test_setting_commands_persist_their_key(engine: Engine, line: str, key: str,
                                                  value: object) -> None:
    reply = await run(engine, line)
    assert reply.ok, reply.text()
    dotted = f"reentry.{key}"
    assert engine.config.value(dotted) == value
    assert reloaded(engine).model_dump()["reentry"] == engine.settings.model_dump()["reentry"]


async def test_set_sl_reduction_switches_the_optimiser_to_custom(engine: Engine) -> None:
    reply = await run(engine, "/set_sl_reduction 0.5")
    assert reply.title == "SL reduction per level: 0.3 → 0.5"
    re = engine.settings.reentry
    assert (re.sl_reduction_strategy, re.reduction("EURUSD")) == ("CUSTOM", 0.5)


async def test_ranges_are_enforced(engine: Engine) -> None:
    assert "out of range" in await refused(engine, "/chainlimit 6")
    assert "out of range" in await refused(engine, "/cooldown 601")
    assert "out of range" in await refused(engine, "/set_sl_reduction 0.8")
    assert "out of range" in await refused(engine, "/recovery_windows logic1 10")


async def test_status_switches_show_without_changing(engine: Engine) -> None:
    reply = await run(engine, "/tpcontinue status")
    assert reply.title == "TP continuation: ON"
    reply = await run(engine, "/autonomous_status")
    assert reply.title == "Autonomous system: ON" and "0/10 attempts" in reply.lines[0]
    assert engine.settings.reentry.autonomous_enabled


async def test_shield_on_needs_confirmation_and_turns_it_on(engine: Engine) -> None:
    unconfirmed = await run(engine, "/shield on", confirmed=False)
    assert unconfirmed.needs_confirmation and not engine.settings.reverse_shield.enabled
    reply = await run(engine, "/shield on")
    assert reply.title == "Reverse shield: OFF → ON" and engine.settings.reverse_shield.enabled
    assert (await run(engine, "/shield status", confirmed=False)).lines[0] == \
        "0/3 shield pairs open"


async def test_recovery_windows_show_and_set_logic_and_v6_targets(engine: Engine) -> None:
    shown = await run(engine, "/recovery_windows")
    assert shown.table is not None and ("logic2", "combinedlogic-2", "45 min") in \
        shown.table.rows
    await run(engine, "/recovery_windows logic2 60")
    await run(engine, "/recovery_windows 5m 20")
    assert engine.settings.logics["combinedlogic-2"].recovery_window_minutes == 60
    assert engine.settings.plugins.v6_price_action_5m.config.recovery_window_minutes == 20


async def test_reset_restores_defaults_and_is_admin_only(engine: Engine) -> None:
    await run(engine, "/chainlimit 2")
    await run(engine, "/shield on")
    denied = await engine.execute("/reset_reentry_config", GUEST, True)
    assert not denied.ok and engine.settings.reentry.max_levels == 2
    reply = await run(engine, "/reset_reentry_config")
    assert set(reply.data["changes"]) == {"reentry.max_levels", "reverse_shield.enabled"}
    assert engine.settings.reentry.max_levels == 5
    assert not engine.settings.reverse_shield.enabled


async def test_chains_recovery_and_dashboard_show_real_chains(engine: Engine) -> None:
    chain = await open_a(engine)
    listed = await run(engine, "/chains")
    assert listed.table is not None and listed.table.rows[0][0] == chain.chain_id
    assert (await run(engine, "/chains all GBPUSD")).data["chains"] == []
    await price(engine, SL - 0.0001)
    recovery = await run(engine, "/recovery")
    assert recovery.table is not None
    [row] = recovery.table.rows
    assert row[:4] == (chain.chain_id, "EURUSD", "SL_HUNT", "1.06168")
    dashboard = await run(engine, "/autonomous_dashboard")
    assert dashboard.table is not None and dashboard.table.rows[0][1] == chain.chain_id
    assert dashboard.data["attempts"] == 0 and dashboard.data["may_start"]
    menu = await run(engine, "/reentry")
    assert menu.lines[0].startswith("SL hunt ON (offset)")
    config = await run(engine, "/reconfig")
    assert "max level 5" in config.lines[1]
    tune = await run(engine, "/fine_tune")
    assert tune.lines[0] == "Profit protection: BALANCED (/protection)"
    assert only_chain(engine).status == "ARMED"


async def test_chainlimit_caps_new_and_running_chains(engine: Engine) -> None:
    await run(engine, "/chainlimit 2")
    chain = await open_a(engine)
    assert chain.max_level == 2
    await price(engine, SL - 0.0001)
    await price(engine, 1.06168)
    assert only_chain(engine).current_level == 1
    reply = await run(engine, "/chainlimit 1")
    assert reply.lines == (f"{chain.chain_id} max level 1",)
    assert only_chain(engine).max_level == 1


async def test_lowering_the_chainlimit_completes_an_armed_chain_at_the_new_max(
        engine: Engine) -> None:
    await open_a(engine)
    await price(engine, SL - 0.0001)
    await price(engine, 1.06168)
    assert engine.store is not None
    [r] = [p for p in engine.store.all("positions") if p["kind"] == "R"]
    await price(engine, r["sl_initial"] - 0.0001, seconds=10)
    assert (only_chain(engine).status, only_chain(engine).current_level) == ("ARMED", 1)
    await run(engine, "/set_max_levels 1")
    chain = only_chain(engine)
    assert (chain.status, chain.stop_reason) == ("COMPLETED",
                                                 "max level 1 reached (/chainlimit)")
