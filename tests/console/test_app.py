"""Pilot tests of the app's lifecycle: first frame, engine start, failure on screen, quit."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from console.app import V5ConsoleApp, make_console
from core.engine import Engine, EngineOptions
from core.runtime import DataDirLock
from tests.console.support import QUIET, SIZE, console_for, wait_running, wait_until


async def test_first_frame_then_engine_starts(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        assert app.engine is None or app.lifecycle in ("starting", "running")
        await wait_running(pilot)
        assert engine.trading is not None
        header = app.dashboard.header
        assert header.state_text == "RUNNING"
        assert str(header.query_one("#clock", Static).content) == "14:05:12 IST | 26 Nov (Wed)"
        assert str(header.query_one("#mode", Static).content) == "PAPER · simulated terminal"
        assert str(header.query_one("#balance", Static).content) == "Balance $10,000.00"
        assert app.dashboard.banner.has_class("-hidden")


async def test_quit_stops_the_engine(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.lifecycle == "stopped", what="engine stop")
    assert app.return_code == 0
    assert engine.store is None  # stop() closed the store
    # The data directory is free again: a second engine can take it.
    again = DataDirLock(engine_options.data_dir)
    again.acquire()
    again.release()


async def test_engine_already_running_is_shown_not_raised(
        engine_options: EngineOptions) -> None:
    holder = DataDirLock(engine_options.data_dir)
    holder.acquire()
    try:
        app = console_for(Engine(engine_options))
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.lifecycle == "failed", what="failure")
            await wait_until(pilot, lambda: app.dashboard.banner.has_class("-failed"),
                             what="banner")
            banner = str(app.dashboard.banner.content)
            assert "another engine is already running" in banner
            assert "Traceback" not in banner
            assert app.dashboard.header.state_text == "START FAILED"
            await pilot.press("ctrl+q")
        assert app.return_code == 2
    finally:
        holder.release()


async def test_config_error_is_shown_not_raised(engine_options: EngineOptions) -> None:
    bad = replace(engine_options, config_overrides={"trading.mode": "demo"})
    app = make_console(options=bad, console=QUIET)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.lifecycle == "failed", what="failure")
        await wait_until(pilot, lambda: app.dashboard.banner.has_class("-failed"),
                         what="banner")
        assert "trading.mode" in str(app.dashboard.banner.content)
        assert app.engine is None


def test_make_console_needs_exactly_one_source(engine_options: EngineOptions) -> None:
    with pytest.raises(ValueError):
        make_console()
    with pytest.raises(ValueError):
        make_console(Engine(engine_options), options=engine_options)
    assert isinstance(make_console(options=engine_options), V5ConsoleApp)


async def test_leaving_the_app_any_way_stops_the_engine(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
    # No ctrl+q: the app was torn down from outside (as snap_compare does); unmount stopped it.
    assert app.lifecycle == "stopped"
    assert engine.store is None


def test_run_tui_returns_2_when_the_engine_cannot_start(engine_options: EngineOptions,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from console import app as app_module

    original = V5ConsoleApp.run

    def headless_run(self: V5ConsoleApp, **_kwargs: object) -> int | None:
        async def auto_pilot(pilot: Pilot[object]) -> None:
            await wait_until(pilot, lambda: self.lifecycle == "failed", what="failure")
            await pilot.press("ctrl+q")

        return original(self, headless=True, size=SIZE, auto_pilot=auto_pilot)

    monkeypatch.setattr(V5ConsoleApp, "run", headless_run)
    bad = replace(engine_options, config_overrides={"trading.mode": "demo"})
    assert app_module.run_tui(bad) == 2


async def test_quit_while_starting_cancels_the_start(engine_options: EngineOptions,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(engine_options)
    entered = asyncio.Event()
    real_start = engine.start

    async def slow_start() -> None:
        entered.set()
        await asyncio.sleep(30)
        await real_start()

    monkeypatch.setattr(engine, "start", slow_start)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, entered.is_set, what="start entered")
        assert app.dashboard.header.state_text == "STARTING…"
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.lifecycle == "stopped", what="stopped")
    assert app.return_code == 0
    assert engine.trading is None
