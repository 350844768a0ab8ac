"""SYSTEM commands /version, /config, /loglevel, /logs, /dashboard against a real engine."""

from __future__ import annotations

import logging
import platform
from pathlib import Path

from core.commands.system_admin import LOG_LOGGERS, system_version
from core.engine import Engine
from tests.commands.support import GUEST, reloaded, run
from tests.engine.helpers import quote


def log_text(engine: Engine) -> str:
    for handler in logging.getLogger("core").handlers:
        handler.flush()
    return (engine.data_dir / "logs" / "v5.log").read_text(encoding="utf-8")


async def test_version_shows_system_python_and_every_plugin(engine: Engine) -> None:
    reply = await run(engine, "/version")
    assert reply.ok
    assert system_version() == "5.0.0"
    assert reply.lines[0] == "V5 console 5.0.0"
    assert platform.python_version() in reply.lines[1]
    assert engine.plugins is not None
    infos = engine.plugins.infos()
    assert reply.table is not None and reply.table.columns == ("Plugin", "Version", "Track",
                                                                "State")
    assert [r[0] for r in reply.table.rows] == [i.plugin_id for i in infos]
    assert [(r[1], r[2]) for r in reply.table.rows] == [(i.version, i.track) for i in infos]
    assert "checkpoints" not in reply.text().lower()


async def test_config_overview_counts_keys_and_layers(engine: Engine) -> None:
    reply = await run(engine, "/config")
    assert reply.ok and reply.table is not None
    rows = {r[0]: r for r in reply.table.rows}
    assert set(rows) == set(engine.settings.model_dump())
    assert int(rows["app"][1]) >= 3
    # the fixture puts paper.demo_alerts and voice.enabled into the file layer
    assert int(rows["paper"][2]) >= 1 and int(rows["voice"][2]) >= 1
    assert rows["app"][3] == "0"


async def test_config_section_shows_values_and_layers(engine: Engine) -> None:
    await run(engine, "/loglevel WARNING")
    reply = await run(engine, "/config app")
    assert reply.ok and reply.table is not None
    values = {r[0]: (r[1], r[2]) for r in reply.table.rows}
    assert values["app.log_level"] == ("WARNING", "runtime")
    assert values["app.log_max_mb"][1] == "default"
    voice = await run(engine, "/config VOICE")
    assert voice.data["values"]["voice.enabled"] == {"value": "False", "layer": "file"}


async def test_config_never_shows_secrets(engine: Engine) -> None:
    for section in engine.settings.model_dump():
        text = (await run(engine, f"/config {section}")).text()
        assert engine.api_token not in text and engine.webhook_secret not in text


async def test_config_unknown_section_is_refused(engine: Engine) -> None:
    reply = await run(engine, "/config nosuch")
    assert not reply.ok and "not a configuration section" in reply.lines[0]


async def test_loglevel_applies_now_and_persists(engine: Engine) -> None:
    probe = logging.getLogger("core.probe")
    probe.debug("probe-before-debug")
    assert "probe-before-debug" not in log_text(engine)
    reply = await run(engine, "/loglevel debug")
    assert reply.ok and reply.data == {"level": "DEBUG", "previous": "INFO"}
    probe.debug("probe-after-debug")
    assert "probe-after-debug" in log_text(engine)
    assert all(logging.getLogger(n).level == logging.DEBUG for n in LOG_LOGGERS)
    assert engine.settings.app.log_level == "DEBUG"
    assert reloaded(engine).app.log_level == "DEBUG"
    await run(engine, "/loglevel ERROR")
    probe.warning("probe-warning-hidden")
    assert "probe-warning-hidden" not in log_text(engine)
    await run(engine, "/loglevel INFO")


async def test_loglevel_rejects_unknown_level_and_non_admin(engine: Engine) -> None:
    bad = await run(engine, "/loglevel VERBOSE")
    assert not bad.ok and "not allowed" in bad.lines[0]
    assert engine.settings.app.log_level == "INFO"
    refused = await engine.execute("/loglevel DEBUG", GUEST)
    assert not refused.ok and "admin only" in refused.lines[0]
    assert engine.settings.app.log_level == "INFO"
    assert logging.getLogger("core").level == logging.INFO


async def test_logs_sends_the_last_lines_as_a_file(engine: Engine) -> None:
    probe = logging.getLogger("core.probe")
    for n in range(120):
        probe.info("probe line %03d", n)
    reply = await run(engine, "/logs 100")
    assert reply.ok and reply.data["lines"] == 100
    sent = Path(reply.data["document"])
    assert reply.data["files"] == [str(sent)] and sent.exists()
    lines = sent.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100
    assert lines[-1].endswith("probe line 119")
    assert lines[0].endswith("probe line 020")
    default = await run(engine, "/logs")
    assert default.data["lines"] == 100


async def test_logs_are_redacted_and_admin_only(engine: Engine) -> None:
    logging.getLogger("core.probe").info("token leak %s", engine.api_token)
    sent = Path((await run(engine, "/logs 500")).data["document"])
    text = sent.read_text(encoding="utf-8")
    assert "token leak ***" in text and engine.api_token not in text
    refused = await engine.execute("/logs 100", GUEST)
    assert not refused.ok and "admin only" in refused.lines[0]
    bad = await run(engine, "/logs 42")
    assert not bad.ok and "not allowed" in bad.lines[0]


async def test_dashboard_summarises_state_today_and_positions(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    assert (await run(engine, "/buy EURUSD 0.1")).ok
    await run(engine, "/pause")
    reply = await run(engine, "/dashboard")
    assert reply.ok
    assert reply.lines[0].startswith("PAUSED") and "PAPER" in reply.lines[0]
    assert "Open trades 1" in reply.lines[2] and "Manual 1" in reply.lines[2]
    assert reply.lines[3].startswith("Today: 0 trade(s)")
    assert reply.lines[4].startswith("Session:")
    assert reply.table is not None and len(reply.table.rows) == 1
    row = reply.table.rows[0]
    assert row[1:3] == ("EURUSD", "BUY") and row[4] == "Manual" and row[5] == "0.1"
    assert reply.data["paused"] is True and reply.data["owners"] == {"Manual": 1}
    await run(engine, "/resume")
    assert (await run(engine, "/dashboard")).lines[0].startswith("RUNNING")
