"""SYSTEM /start, /simulation_mode and /diagnostics against a real paper engine."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

from core.commands.spec import Category
from core.commands.system_start import DEBUG_LOGGER, DIAG_MENU
from core.engine import Engine, EngineOptions
from core.events import ConfigChanged, Event
from tests.commands.support import GUEST, reloaded, run
from tests.engine.helpers import quote


async def test_start_and_menu_alias_show_every_category(engine: Engine) -> None:
    reply = await run(engine, "/start")
    assert reply.ok and reply.title == "Main menu"
    assert "PAPER" in reply.lines[0] and "RUNNING" in reply.lines[0]
    assert reply.table is not None
    cats = {row[0]: int(row[1]) for row in reply.table.rows}
    assert cats == {c.value: len(engine.registry.specs(c)) for c in Category
                    if engine.registry.specs(c)}
    assert "menu_risk" in reply.data["buttons"] and reply.data["buttons"][0] == "menu_main"
    alias = await run(engine, "/menu")
    assert alias.title == "Main menu" and alias.command_line == "/start"


async def test_simulation_mode_switch_is_saved_for_the_next_start(engine: Engine) -> None:
    status = await run(engine, "/simulation_mode")
    assert status.title == "Trading mode: PAPER" and status.data["running"] == "paper"
    asked = await run(engine, "/simulation_mode off", confirmed=False)
    assert asked.needs_confirmation
    assert reloaded(engine).trading.mode == "paper"  # nothing saved before confirming
    seen: list[Event] = []
    engine.bus.listen(seen.append, (ConfigChanged,))
    done = await run(engine, "/simulation_mode off")
    assert done.ok and done.title == "Trading mode → LIVE (at restart)"
    changes = [(e.key, e.value) for e in seen if isinstance(e, ConfigChanged)]
    assert changes == [("trading.mode", "live (at the next restart)")]
    assert engine.infra is not None  # SPEC §10.1: checkpoints before a configuration change
    assert {c["reason"] for c in engine.infra.checkpoints.docs()} >= {"pre_config_change"}
    assert "next /restart" in done.lines[0]
    # the running engine stays PAPER (labels never mixed); the next start reads LIVE
    assert engine.settings.trading.mode == "paper"
    assert reloaded(engine).trading.mode == "live"
    again = await run(engine, "/simulation_mode status")
    assert again.title == "Trading mode: PAPER — LIVE from the next restart"
    back = await run(engine, "/simulation_mode on")
    assert back.ok and "withdrawn" in back.lines[0]
    assert reloaded(engine).trading.mode == "paper"


async def test_simulation_mode_refused_with_open_positions_and_for_guests(
        engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    assert (await run(engine, "/buy EURUSD 0.1")).ok
    refused = await run(engine, "/simulation_mode off")
    assert not refused.ok and "1 position(s) open in PAPER mode" in refused.lines[0]
    assert reloaded(engine).trading.mode == "paper"
    guest = await engine.execute("/simulation_mode status", GUEST)
    assert not guest.ok and "admin only" in guest.lines[0]


async def test_diagnostics_menu_lists_real_commands(engine: Engine) -> None:
    menu = await run(engine, "/diagnostics")
    assert menu.ok and menu.title == "Diagnostics"
    for button in menu.data["buttons"]:
        reply = await run(engine, button["command"])
        assert reply.ok, (button, reply.text())
    assert len(menu.data["buttons"]) == len(DIAG_MENU)
    guest = await engine.execute("/diagnostics", GUEST)
    assert not guest.ok


async def test_diagnostics_resources_and_log_size(engine: Engine) -> None:
    res = await run(engine, "/diagnostics resources")
    assert res.data["rss_mb"] > 0 and res.data["threads"] >= 1
    assert res.lines[0].startswith("Process:")
    size = await run(engine, "/diagnostics log_size")
    assert size.data["files"] >= 1 and size.data["bytes"] > 0


async def test_diagnostics_errors_and_resets(engine: Engine) -> None:
    await engine.execute("/loglevel DEBUG", GUEST)  # a refused command counts as a failure
    errors = await run(engine, "/diagnostics errors")
    assert errors.data["commands"] >= 1
    assert engine.bridge is not None
    layer = engine.bridge.stats.layer("v3_combined")
    layer.errors, layer.last_error = 3, "boom"
    reset = await run(engine, "/diagnostics reset_errors")
    assert reset.ok and layer.errors == 0 and layer.last_error == ""
    assert sum(engine.registry.failures.values()) == 0
    layer.calls = 9
    await run(engine, "/diagnostics reset_health")
    assert engine.bridge.stats.layers == {}


async def test_diagnostics_debug_switch_and_logs(engine: Engine) -> None:
    on = await run(engine, "/diagnostics debug on")
    assert on.data["debug"] is True
    assert logging.getLogger(DEBUG_LOGGER).getEffectiveLevel() == logging.DEBUG
    off = await run(engine, "/diagnostics debug off")
    assert off.data["debug"] is False
    assert logging.getLogger(DEBUG_LOGGER).level == logging.NOTSET
    exported = await run(engine, "/diagnostics export_logs")
    archive = Path(exported.data["document"])
    with zipfile.ZipFile(archive) as z:
        assert "v5.log" in z.namelist()


async def test_diagnostics_clear_logs_needs_confirmation(engine: Engine) -> None:
    logs = engine.data_dir / "logs"
    (logs / "v5.log.1").write_text("old\n", encoding="utf-8")
    (logs / "v5.log.2").write_text("older\n", encoding="utf-8")
    asked = await run(engine, "/diagnostics clear_logs", confirmed=False)
    assert asked.needs_confirmation and (logs / "v5.log.1").exists()
    done = await run(engine, "/diagnostics clear_logs")
    assert sorted(done.data["removed"]) == ["v5.log.1", "v5.log.2"]
    assert not (logs / "v5.log.1").exists() and (logs / "v5.log").exists()


async def test_simulation_mode_takes_effect_at_the_next_start(
        engine: Engine, engine_options: EngineOptions) -> None:
    assert (await run(engine, "/simulation_mode off")).ok
    await engine.stop()
    engine_options.config_overrides.update({"mt5.connect_retries": 1,  # fail fast
                                            "mt5.connect_retry_delay_seconds": 0})
    live = Engine(engine_options)
    await live.start()
    try:  # no MetaTrader 5 here: a live start is paused MT5_DOWN, never back to paper
        assert live.settings.trading.mode == "live"
        assert live.bundle is not None and live.bundle.terminal is None
        assert live.trading is not None and live.trading.paused
        assert live.trading.pause_reason == "MT5_DOWN"
        status = await run(live, "/simulation_mode")
        assert status.title == "Trading mode: LIVE"
        assert (await run(live, "/simulation_mode on")).ok
    finally:
        await live.stop()
    await engine.start()  # the fixture stops it again: back in paper, as switched
    assert engine.settings.trading.mode == "paper"
