"""/shutdown and /restart from any surface stop the console's engine; /restart asks run_tui
for a fresh console (exit code RESTART), /shutdown leaves with 0."""

from __future__ import annotations

import pytest

from console.app import RESTART
from core.commands.spec import Actor, Surface
from core.engine import Engine, EngineOptions
from tests.console.support import SIZE, console_for, wait_running, wait_until

PHONE = Actor(Surface.TELEGRAM, "controller", admin=True)


@pytest.mark.parametrize(("line", "code"), [("/restart", RESTART), ("/shutdown", 0)])
async def test_a_lifecycle_command_stops_the_engine_and_leaves(
        engine_options: EngineOptions, line: str, code: int) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        reply = await engine.execute(line, PHONE, True)
        assert reply.ok and "broker" in " ".join(reply.lines)
        await wait_until(pilot, lambda: app.return_code is not None, what="the app to leave")
    assert app.return_code == code and app.lifecycle == "stopped"
    assert engine.store is None  # stopped: the store is closed and the directory released
