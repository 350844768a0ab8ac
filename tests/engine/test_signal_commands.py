"""/signals, /signal_status, /mode (/bridge) and /health through the command registry."""

from __future__ import annotations

import pytest

from core.commands.spec import Actor, Surface
from core.engine import Engine, EngineOptions
from core.events import ConfigChanged
from core.strategies.api import Decision
from tests.engine.helpers import legacy, quote
from tests.engine.signal_helpers import CLI, RecordingPlugin, install, post, run
from tests.signals import payloads as spec


async def test_signals_shows_formats_window_and_mapping(engine: Engine) -> None:
    reply = await run(engine, "/signals")
    assert reply.ok and "Formats: legacy ON · V3 ON · V6 ON" in reply.lines
    assert any("Duplicate window: 300 s" in line for line in reply.lines)
    assert reply.table is not None and ("XAUUSD", "GOLD") in reply.table.rows
    assert ("EURUSD", "EURUSD") in reply.table.rows
    assert reply.data["mapping"]["XAUUSD"] == "GOLD"


async def test_signals_switches_formats_and_the_change_survives_a_restart(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    await engine.start()
    try:
        reply = await run(engine, "/signals v3 off")
        assert reply.ok and reply.lines[0] == "V3 alerts switched off"
        answer = await post(engine, spec.V3_PULSE)
        assert (answer["status"], answer["reason"]) == ("rejected", "FORMAT_DISABLED")
        assert (await run(engine, "/signals v6")).lines[0] == "V6 alerts switched off"  # toggle
        assert (await run(engine, "/signals window 120")).data["duplicate_window_seconds"] == 120
    finally:
        await engine.stop()
    engine = Engine(engine_options)
    await engine.start()
    try:
        formats = engine.settings.webhook.formats
        assert (formats.legacy, formats.v3, formats.v6) == (True, False, False)
        assert engine.settings.webhook.duplicate_window_seconds == 120
        await run(engine, "/signals v3 on")
        assert (await post(engine, spec.V3_PULSE))["status"] == "accepted"
    finally:
        await engine.stop()


@pytest.mark.parametrize(("line", "words"), [
    ("/signals window 30", "out of range (allowed 60–900 seconds)"),
    ("/signals window", "give SECONDS from 60 to 900"),
    ("/signals v6 maybe", "use on or off"),
    ("/signals v7 on", "use one of legacy, v3, v6, window"),
])
async def test_signals_refuses_bad_values(engine: Engine, line: str, words: str) -> None:
    reply = await run(engine, line)
    assert not reply.ok and words in " ".join(reply.lines)
    assert engine.settings.webhook.duplicate_window_seconds == 300


async def test_signal_status_lists_the_latest_signals_in_ist(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.084)
    await post(engine, legacy("trend", "bull", "1h").decode())
    await post(engine, spec.V6_PULSE)
    await post(engine, {**spec.V3_ENTRY, "symbol": "DOGE"})
    reply = await run(engine, "/signal_status")
    assert reply.table is not None and len(reply.table.rows) == 3
    newest, pulse, trend = reply.table.rows
    assert newest[0] == "26 Nov 14:05:12 IST" and newest[1:3] == ("V3", "—")
    assert newest[4:6] == ("rejected", "UNKNOWN_SYMBOL")
    assert pulse[1:6] == ("V6", "TREND_UPDATE (TREND_PULSE)", "XAUUSD 1h", "executed",
                          "PULSE_UPDATED")
    assert trend[2:6] == ("TREND_UPDATE (trend)", "EURUSD 1h", "executed", "TREND_UPDATED")
    only = await run(engine, "/signal_status xauusd")
    assert only.table is not None and [r[3] for r in only.table.rows] == ["XAUUSD 1h"]
    two = await run(engine, "/signal_status 2")
    assert two.table is not None and len(two.table.rows) == 2
    both = await run(engine, "/signal_status EURUSD 1")
    assert both.table is not None and len(both.table.rows) == 1
    assert not (await run(engine, "/signal_status DOGE")).ok
    assert not (await run(engine, "/signal_status EURUSD 99")).ok


async def test_signal_status_shows_every_layer(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.084)
    for tf in ("1h", "15m"):
        await post(engine, legacy("trend", "bull", tf).decode())
    await post(engine, legacy("entry", "buy", "15m").decode())
    reply = await run(engine, "/signal_status 1")
    assert reply.table is not None
    assert reply.table.rows[0][6] == ("V4 shadow: shadow SHADOW; "
                                      "v3_combined: executed ORDER_PLACED")
    await run(engine, "/disable v3_combined")
    await post(engine, legacy("entry", "buy", "15m", price=1.0842).decode())
    reply = await run(engine, "/signal_status 1")
    assert reply.table is not None
    assert reply.table.rows[0][6] == "V4 fallback: executed ORDER_PLACED"
    await run(engine, "/enable v3_combined")
    install(engine, "v3_combined", RecordingPlugin(Decision.reject("ALREADY_OPEN", "refused")))
    await post(engine, legacy("entry", "buy", "15m", price=1.0841).decode())
    reply = await run(engine, "/signal_status 1")
    assert reply.table is not None and reply.table.rows[0][6] == (
        "V4 shadow: rejected ALREADY_OPEN; v3_combined: rejected ALREADY_OPEN")
    assert [d["layer"] for d in reply.data["signals"][0]["decisions"]] == ["V4",
                                                                           "v3_combined"]


async def test_mode_needs_admin_and_confirmation(engine: Engine) -> None:
    status = await run(engine, "/mode", confirmed=False)
    assert status.ok and not status.needs_confirmation
    assert status.lines[0].startswith("Mode: hybrid — V5 plugins trade")
    assert "V3_COMBINED: v3_combined trades (V4 logic in shadow)" in status.lines
    assert "V6_PRICE_ACTION 5m: v6_price_action_5m trades (V4 logic in shadow)" in \
        status.lines
    asked = await run(engine, "/mode translate", confirmed=False)
    assert asked.needs_confirmation and engine.settings.bridge.mode == "hybrid"
    viewer = Actor(Surface.TELEGRAM, "viewer", admin=False)
    refused = await engine.execute("/mode passthrough", viewer, True)
    assert not refused.ok and "admin only" in refused.lines[0]
    changes = engine.bus.subscribe((ConfigChanged,), name="test")
    done = await engine.execute("/bridge passthrough", CLI, True)  # the alias of the issue
    assert done.ok and done.title == "Bridge mode: hybrid → passthrough"
    event = await changes.get()
    assert isinstance(event, ConfigChanged)
    assert (event.key, event.value, event.command) == ("bridge.mode", "passthrough",
                                                       "/mode passthrough")
    assert engine.settings.bridge.mode == "passthrough"
    assert any("passthrough → V4 logic trades" in line for line in done.lines)
    again = await run(engine, "/mode passthrough")
    assert again.title == "Bridge mode already passthrough"


async def test_fallback_off_is_said_plainly(engine_options: EngineOptions) -> None:
    engine_options.config_overrides["bridge.fallback_on_failure"] = False
    engine_options.config_overrides["plugins.v3_combined.enabled"] = False
    engine = Engine(engine_options)
    await engine.start()
    try:
        lines = (await run(engine, "/mode")).lines
        assert "Fallback on failure: off" in lines
        assert ("V3_COMBINED: plugin disabled → not traded (bridge.fallback_on_failure is "
                "off: PLUGIN_DISABLED)") in lines
    finally:
        await engine.stop()


async def test_health_reports_counters_layers_states_services_and_steps(
        engine: Engine) -> None:
    await run(engine, "/disable v3_combined")
    quote(engine, "EURUSD", 1.084)
    for tf in ("1h", "15m"):
        await post(engine, legacy("trend", "bull", tf).decode())
    await post(engine, legacy("entry", "buy", "15m").decode())
    await post(engine, legacy("entry", "buy", "15m").decode())  # duplicate
    await post(engine, {**spec.V3_ENTRY, "tf": "7"})  # rejected
    reply = await run(engine, "/health")
    assert reply.ok and reply.title == "Health: OK"
    intake = reply.data["intake"]
    assert (intake["accepted"], intake["duplicates"], intake["rejected"],
            intake["processed"], intake["errors"], intake["queue_length"]) == (3, 1, 1, 3, 0, 0)
    assert intake["by_reason"] == {"UNSUPPORTED_TF": 1}
    assert reply.data["bridge"]["by_type"] == {"TREND_UPDATE": {"executed": 2},
                                               "BUY_SIGNAL": {"executed": 1}}
    assert reply.data["bridge"]["fallback_trades"] == {"v3_combined": 1}
    assert set(reply.data["layers"]) == {"V4"}
    assert reply.data["steps"]["intake"]["state"] == "ok"
    assert reply.data["services"]["mt5"]["up"] is True
    text = reply.text()
    assert "Webhook intake: accepted 3 · rejected 1 · duplicates 1" in text
    assert "V3_COMBINED: plugin disabled → V4 fallback" in text
    assert "Traded by the V4 fallback: v3_combined 1" in text
    assert "BUY_SIGNAL" in text and "Start-up: config ok, store ok" in text
