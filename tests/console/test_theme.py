"""`/theme`: the command stores and remembers the name, the console applies it live and at start."""

from __future__ import annotations

from typing import get_args

import pytest

from console.formatting import theme_style
from console.theming import remembered_theme
from core.commands.display import THEMES as SETTING_NAMES
from core.commands.display import next_theme
from core.commands.spec import Actor, Surface
from core.config.settings import DisplaySettings
from core.engine import Engine, EngineOptions
from core.events import ConfigChanged
from core.storage import Store
from tests.console.support import (
    SIZE,
    console_for,
    open_palette,
    palette_prompts,
    wait_running,
    wait_until,
)
from themes import SETTING_THEMES, theme_for_setting
from themes.builtin import V5_HIGH_CONTRAST, V5_LIGHT

OPERATOR = Actor(Surface.CLI, "operator", admin=True)
PHONE = Actor(Surface.TELEGRAM, "controller", admin=True)


def test_setting_names_and_console_themes_agree() -> None:
    """Core's `display.theme` values are exactly the names the console maps to themes."""
    assert get_args(DisplaySettings.model_fields["theme"].annotation) == SETTING_NAMES
    assert SETTING_NAMES == ("dark", "light", "high-contrast")
    assert set(SETTING_THEMES) == set(SETTING_NAMES)
    assert theme_for_setting("high-contrast") == "v5-high-contrast"
    assert theme_for_setting("no-such-theme") == "v5-dark"
    assert [next_theme(n) for n in SETTING_NAMES] == ["light", "high-contrast", "dark"]


async def test_theme_command_changes_persists_and_survives_a_restart(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    await engine.start()
    try:
        changes = engine.bus.subscribe((ConfigChanged,), name="test")
        assert engine.settings.display.theme == "dark"
        reply = await engine.execute("/theme high-contrast", OPERATOR)
        assert reply.ok and reply.title == "Theme: high-contrast", reply.lines
        assert engine.settings.display.theme == "high-contrast"
        assert engine.config.layer_of("display.theme") == "runtime"
        event = changes.get_nowait()
        assert isinstance(event, ConfigChanged)
        assert (event.key, event.value) == ("display.theme", "high-contrast")
        status = await engine.execute("/theme status", OPERATOR)
        assert status.data["theme"] == "high-contrast" and changes.get_nowait() is None
        same = await engine.execute("/theme high-contrast", OPERATOR)
        assert same.title == "Theme already high-contrast" and changes.get_nowait() is None
        bad = await engine.execute("/theme neon", OPERATOR)
        assert not bad.ok and "dark, light, high-contrast, status" in bad.text()
        assert engine.settings.display.theme == "high-contrast"
    finally:
        await engine.stop()
    again = Engine(engine_options)
    await again.start()
    try:
        assert again.settings.display.theme == "high-contrast"
        cycled = await again.execute("/theme", OPERATOR)  # no argument: the next one, wrapping
        assert cycled.title == "Theme: dark" and again.settings.display.theme == "dark"
    finally:
        await again.stop()


async def test_console_applies_a_theme_change_live(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        assert app.theme == "v5-dark"
        worker = app.run_command("/theme light")  # from the palette
        await worker.wait()
        await wait_until(pilot, lambda: app.theme == "v5-light", what="light theme")
        assert app.theme_variables["pnl-loss"] == V5_LIGHT.variables["pnl-loss"]
        pane = app.dashboard.log_pane
        await wait_until(pilot, lambda: len(pane.records) > 0, what="log lines")
        first = pane.view.lines()[0]
        assert any(s.style == theme_style(app.theme_variables, "log-time")
                   for s in first), "log pane not recoloured"
        # The same command from another surface (Telegram) reaches the console over the bus.
        await engine.execute("/theme high-contrast", PHONE)
        await wait_until(pilot, lambda: app.theme == "v5-high-contrast", what="high contrast")
        assert app.theme_variables["pane-border"] == V5_HIGH_CONTRAST.variables["pane-border"]


async def test_console_starts_with_the_remembered_theme(
        engine_options: EngineOptions, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Engine(engine_options)
    await first.start()
    await first.execute("/theme light", OPERATOR)
    await first.stop()
    engine = Engine(engine_options)  # file layer says dark; the store remembers light
    assert engine.settings.display.theme == "dark"
    assert remembered_theme(engine) == "light"
    app = console_for(engine)
    at_start: list[str] = []
    start = engine.start

    async def spy() -> None:
        at_start.append(app.theme)
        await start()

    monkeypatch.setattr(engine, "start", spy)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        assert app.theme == "v5-light"
    # Applied from the store before the engine started, not only once it was running.
    assert at_start == ["v5-light"]


def test_remembered_theme_without_a_store_or_with_the_store_busy(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    assert remembered_theme(engine) == "dark"  # a new data dir
    assert not (engine.data_dir / "store").exists()  # and reading it created nothing
    with Store(engine.data_dir / "store") as store:
        store.put("config_overrides", "display.theme", {"value": "light"})
        assert remembered_theme(engine) == "dark"  # held by another owner: the file layer
    assert remembered_theme(engine) == "light"


async def test_palette_offers_theme_and_not_textuals_picker(
        engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        prompts = palette_prompts(await open_palette(pilot, "theme"))
        assert prompts[0].startswith("System: /theme — "), prompts
        assert not any(p.startswith("Theme") for p in prompts), prompts
