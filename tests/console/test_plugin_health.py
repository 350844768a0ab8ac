"""Pilot tests of the plugin health pane: fed by PluginHealth events through the pump."""

from __future__ import annotations

from core.commands.spec import Actor, Surface
from core.engine import Engine, EngineOptions
from tests.console.support import SIZE, SMALL, console_for, wait_running, wait_until

ADMIN = Actor(Surface.CONSOLE, "console", admin=True)
BUILT_IN = ("v3_combined", "v6_price_action_15m", "v6_price_action_1h", "v6_price_action_1m",
            "v6_price_action_5m")


def _rows(app: object) -> dict[str, list[str]]:
    from console.app import V5ConsoleApp

    assert isinstance(app, V5ConsoleApp)
    table = app.dashboard.plugin_health.table
    return {str(cells[0]): [str(c) for c in cells]
            for cells in (table.get_row_at(i) for i in range(table.row_count))}


async def test_plugin_health_shows_the_plugins_and_a_disable(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.plugin_health
        await wait_until(pilot, lambda: pane.table.row_count == len(BUILT_IN), what="rows")
        rows = _rows(app)
        assert tuple(rows) == BUILT_IN
        assert engine.plugins is not None
        infos = {i.plugin_id: i for i in engine.plugins.infos()}
        for plugin_id, row in rows.items():
            info = infos[plugin_id]
            assert row[1:4] == ["active", info.track, info.version], plugin_id
            assert row[4:6] == ["0", "0"], plugin_id
        assert pane.border_title == "Plugin health · 5/5 active"
        # Header, positions and plugin health are all on screen together.
        dashboard = app.dashboard
        for widget in (dashboard.header, dashboard.positions, pane):
            assert widget.region.height > 0 and widget.region.bottom <= SIZE[1]
        assert pane.region.height >= len(BUILT_IN) + 3  # borders, header row, every plugin

        reply = await engine.execute("/disable v6_price_action_1m", ADMIN, confirmed=True)
        assert reply.ok, reply
        await wait_until(pilot, lambda: _rows(app)["v6_price_action_1m"][1] == "disabled",
                         what="disabled row")
        assert _rows(app)["v6_price_action_5m"][1] == "active"
        assert pane.border_title == "Plugin health · 4/5 active"


async def test_plugin_health_fits_100_by_30(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SMALL) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.plugin_health
        await wait_until(pilot, lambda: pane.table.row_count == len(BUILT_IN), what="rows")
        await pilot.pause()
        assert pane.table.virtual_size.width <= pane.table.size.width
        assert pane.region.height >= len(BUILT_IN) + 3
        assert app.dashboard.positions.region.height >= 6
        assert app.dashboard.log_pane.region.height >= 6


async def test_m_maximises_the_plugin_health_pane(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.plugin_health
        pane.table.focus()
        await pilot.press("m")
        await wait_until(pilot, lambda: app.dashboard.maximized is pane, what="maximised")
        await pilot.press("m")
        await wait_until(pilot, lambda: app.dashboard.maximized is None, what="restored")


async def test_memory_and_throttled(engine_options: EngineOptions) -> None:
    """Each plugin's sampled memory growth in its own column; a throttled active plugin says
    "throttled" in the degraded colour (SPEC §3.9.2)."""
    from rich.text import Text

    from console.formatting import theme_style
    from core.events import PluginHealth, PluginHealthRow

    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SMALL) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.plugin_health
        engine.bus.publish(PluginHealth((
            PluginHealthRow("v3_combined", "active", "V5_HYBRID", "1.0.0", 40, 0, 1.1, 2.0,
                            "", 3.0, 1536.0, 12.0, True),
            PluginHealthRow("v6_price_action_5m", "active", "V5_HYBRID", "1.0.0", 7, 0, 0.4,
                            0.6, "", 0.9, 640.0, 2.0, False),
            PluginHealthRow("v6_price_action_1h", "idle", "V5_HYBRID", "1.0.0", 0, 0, 0.0,
                            0.0, ""),
        )))
        await wait_until(pilot, lambda: pane.table.row_count == 3, what="fixed rows")
        rows = _rows(app)
        assert rows["v3_combined"][1] == "throttled" and rows["v3_combined"][8] == "1.5M"
        assert rows["v6_price_action_5m"][1] == "active" and rows["v6_price_action_5m"][8] == \
            "640k"
        assert rows["v6_price_action_1h"][8] == "—"
        state = pane.table.get_row_at(0)[1]
        assert isinstance(state, Text)
        assert state.style == theme_style(app.theme_variables, "health-degraded", bold=True)
        assert pane.table.virtual_size.width <= pane.table.size.width  # fits 100 columns
