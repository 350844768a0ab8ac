"""SVG snapshots of the console (plain `def` tests: snap_compare runs its own event loop)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from console.app import V5ConsoleApp
from console.screens.confirm import ConfirmScreen
from console.screens.params import ParamsScreen
from core.commands.registry import CommandRegistry
from core.commands.spec import Actor, Surface
from core.engine import Engine, EngineOptions
from core.events import LogEmitted
from core.infra.events import CheckpointsChanged, ConflictsChanged
from core.logs import BusHandler
from core.plugins.health import PluginHealthPublisher
from core.runtime import DataDirLock
from tests.console.rows import CHECKPOINTS, send
from tests.console.support import (
    SIZE,
    SMALL,
    console_for,
    open_palette,
    open_position,
    wait_running,
    wait_until,
)
from tests.console.test_palette import _limit_spec
from tests.engine.helpers import legacy

Snap = Callable[..., bool]
ADMIN = Actor(Surface.CONSOLE, "console", admin=True)
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


LOG_LINES = (
    (8, 35, 0, "INFO", "core.engine", "Trading system started (paper mode)"),
    (8, 35, 5, "INFO", "core.trading.service", "order BUY 0.10 EURUSD filled at 1.08452 "
     "(#10000001)"),
    (8, 35, 9, "WARNING", "core.signals.intake", "alert refused: duplicate of [EURUSD buy] "
     "within 30 s"),
    (8, 35, 12, "ERROR", "core.engine", "demo alert not delivered: connection refused"),
)
"""Fixed log records for the shots: the engine's own start-up lines change with core (the
pilot tests check those); these show the level colours and a bracket that is not markup."""


async def _fixed_log(pilot: Pilot[Any], app: V5ConsoleApp) -> None:
    """Replace whatever the engine logged with LOG_LINES, sent through the bus and the pump.
    The engine's records stop reaching the bus first: its timers log whenever they run."""
    assert app.engine is not None and app.pump is not None
    pump = app.pump
    for name in ("core", "console", "bots", "aiohttp"):
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if isinstance(h, BusHandler)]:
            logger.removeHandler(handler)
    await wait_until(pilot, lambda: pump.subscription.pending() == 0, what="pump drained")
    await pilot.pause(0.1)
    pane = app.dashboard.log_pane
    pane.clear()
    for hour, minute, second, level, source, message in LOG_LINES:
        app.engine.bus.publish(LogEmitted(datetime(2025, 11, 26, hour, minute, second,
                                                   tzinfo=UTC), level, source, message))
    await wait_until(pilot, lambda: len(pane.records) >= len(LOG_LINES), what="log lines")
    await pilot.pause(0.1)
    assert [r.message for r in pane.records] == [line[-1] for line in LOG_LINES]


async def _dashboard(pilot: Pilot[Any]) -> None:
    app = await wait_running(pilot)
    assert app.engine is not None
    await open_position(app.engine)
    table = app.dashboard.positions.table
    await wait_until(pilot, lambda: table.row_count == 1, what="position row")
    await _three_alerts(pilot, app)
    await _quiet_health(pilot, app)
    await _fixed_log(pilot, app)
    await _fixed_infra(pilot, app)


async def _quiet_health(pilot: Pilot[Any], app: V5ConsoleApp) -> None:
    """No call figures: the alerts' real latencies vary per run, and the engine publishes
    them up to a second later. Zeroed, and published now, whatever it sends later is this."""
    engine = app.engine
    assert engine is not None and engine.bridge is not None and engine.plugins is not None
    publisher = engine.plugins.health_publisher
    assert publisher is not None
    engine.bridge.stats.layers.clear()
    if publisher.monitor is not None:
        publisher.monitor.plugins.clear()
    publisher.publish()
    pane = app.dashboard.plugin_health
    await wait_until(pilot, lambda: bool(pane.rows) and not any(r.calls for r in pane.rows),
                     what="quiet health")


async def _fixed_infra(pilot: Pilot[Any], app: V5ConsoleApp) -> None:
    """Fixed checkpoints and no conflicts, through the bus: the engine's own checkpoints
    (one per plugin at start, one before each config change) follow core's rules, which
    the pane shots must not depend on."""
    pane = app.dashboard.checkpoints
    ids = [row.checkpoint_id for row in CHECKPOINTS]
    await send(pilot, CheckpointsChanged(CHECKPOINTS), lambda: list(pane.table.rows) == ids,
               "fixed checkpoints")
    await send(pilot, ConflictsChanged(()), lambda: not app.dashboard.conflicts.rows,
               "no conflicts")
    pane.table.move_to(0)

async def _fixed_health(pilot: Pilot[Any], app: V5ConsoleApp) -> None:
    """Fixed stats for three plugins (real timings vary per run), v6_price_action_1m disabled,
    then one PluginHealth through the bus and the pump."""
    engine = app.engine
    assert engine is not None and engine.bridge is not None and engine.plugins is not None
    reply = await engine.execute("/disable v6_price_action_1m", ADMIN, confirmed=True)
    assert reply.ok, reply
    layers = engine.bridge.stats.layers
    layers.clear()
    for plugin_id, times in (("v3_combined", (0.8, 1.1, 1.4, 2.9)),
                             ("v6_price_action_15m", (3.2, 4.0, 12.5)),
                             ("v6_price_action_5m", (0.4,))):
        stats = engine.bridge.stats.layer(plugin_id)
        stats.calls = len(times)
        stats.times_ms.extend(times)
    failing = layers["v6_price_action_15m"]
    failing.errors = 1
    failing.last_error = "KeyError: 'atr'"
    failing.error_times.append(engine.clock.monotonic())
    PluginHealthPublisher(engine.plugins, engine.bridge, engine.bus,
                          engine.clock.monotonic).publish()
    pane = app.dashboard.plugin_health
    await wait_until(pilot, lambda: bool(pane.rows) and pane.rows[0].calls == 4, what="health rows")
    await pilot.pause(0.1)
    await _fixed_infra(pilot, app)  # /disable took a checkpoint


async def _three_alerts(pilot: Pilot[Any], app: V5ConsoleApp) -> None:
    """Real alerts through the intake: two trend updates executed, one entry blocked."""
    assert app.engine is not None and app.engine.intake is not None
    for body in (legacy("trend", "bull", "1h", "GBPUSD", 1.27),
                 legacy("trend", "bear", "15m", "GBPUSD", 1.27),
                 legacy("entry", "buy", "15m", "GBPUSD", 1.27)):
        app.engine.intake.receive(body)
    await app.engine.intake.queue.join()
    pane = app.dashboard.signals
    await wait_until(pilot, lambda: len(pane.rows) == 3, what="signal rows")


async def _settled(pilot: Pilot[Any]) -> None:
    """Before a modal: no focus ring on the dashboard and one full repaint, because the
    dimmed dashboard behind a modal shows its last frame."""
    pilot.app.screen.set_focus(None)
    await pilot.pause(0.1)
    pilot.app.screen.refresh(layout=True)
    await pilot.pause(0.1)


def _themed(options: EngineOptions, theme: str) -> EngineOptions:
    return replace(options, config_overrides={**options.config_overrides, "display.theme": theme})


def _app(options: EngineOptions, **overrides: Any) -> tuple[V5ConsoleApp, Engine]:
    engine = Engine(options)
    return console_for(engine, **overrides), engine


class TestDashboard:
    def test_one_open_position(self, snap_compare: Snap, snap_options: EngineOptions) -> None:
        """Header (14:05:12 IST, PAPER · simulated terminal, RUNNING, money, links), one BUY
        EURUSD row losing 1.20 in the loss colour, three alerts in the signals pane (two
        trend updates executed, a GBPUSD entry blocked as TREND_MISALIGNED), fixed log lines."""
        app, _ = _app(snap_options)
        assert snap_compare(app, terminal_size=SIZE, run_before=_dashboard)

    def test_readable_at_100_by_30(self, snap_compare: Snap,
                                   snap_options: EngineOptions) -> None:
        """The same dashboard on the smallest supported terminal: no column cut off."""
        app, _ = _app(snap_options)
        assert snap_compare(app, terminal_size=SMALL, run_before=_dashboard)

    def test_light_theme(self, snap_compare: Snap, snap_options: EngineOptions) -> None:
        """The dashboard in v5-light (`display.theme = "light"`): same semantic colours,
        light palette."""
        app, _ = _app(_themed(snap_options, "light"))
        assert snap_compare(app, terminal_size=SIZE, run_before=_dashboard)

    def test_high_contrast_theme(self, snap_compare: Snap,
                                 snap_options: EngineOptions) -> None:
        """The dashboard in v5-high-contrast: black ground, white text and solid white pane
        borders, the loss in bright red, executed alerts green, the blocked one yellow."""
        app, _ = _app(_themed(snap_options, "high-contrast"))
        assert snap_compare(app, terminal_size=SIZE, run_before=_dashboard)

    def test_maximised_positions(self, snap_compare: Snap,
                                 snap_options: EngineOptions) -> None:
        """`m` on the positions pane: it fills the body under the header bar; the footer
        offers Restore."""
        app, _ = _app(snap_options)

        async def maximised(pilot: Pilot[Any]) -> None:
            await _dashboard(pilot)
            app.dashboard.positions.table.focus()
            await pilot.press("m")
            await wait_until(pilot, lambda: app.dashboard.maximized is not None,
                             what="maximised")
            await pilot.pause(0.1)

        assert snap_compare(app, terminal_size=SIZE, run_before=maximised)

    def test_signals_tab(self, snap_compare: Snap, snap_options: EngineOptions) -> None:
        """`2`: the signals tab under the main panes: the three alerts, newest first, the
        blocked GBPUSD entry (TREND_MISALIGNED) on top, executed ones green."""
        app, _ = _app(snap_options)

        async def signals(pilot: Pilot[Any]) -> None:
            await _dashboard(pilot)
            await pilot.press("2")
            await wait_until(pilot, lambda: app.dashboard.signals.region.area > 0,
                             what="signals tab")
            app.dashboard.set_focus(None)
            await pilot.pause(0.1)

        assert snap_compare(app, terminal_size=SIZE, run_before=signals)

    def test_log_filtered_to_warnings(self, snap_compare: Snap,
                                      snap_options: EngineOptions) -> None:
        """`f` twice in the log pane: WARNING and above (the INFO lines are kept, not
        shown); the border says so."""
        app, _ = _app(snap_options)

        async def filtered(pilot: Pilot[Any]) -> None:
            await _dashboard(pilot)
            app.dashboard.log_pane.view.focus()
            await pilot.press("f", "f")
            await wait_until(pilot, lambda: app.dashboard.log_pane.min_level == "WARNING",
                             what="filter")
            await pilot.pause(0.1)

        assert snap_compare(app, terminal_size=SIZE, run_before=filtered)

    def test_plugin_health_with_calls_and_an_error(self, snap_compare: Snap,
                                                   snap_options: EngineOptions) -> None:
        """The plugin health pane between positions and signals: fixed call counts and
        latencies, one plugin with an error in the last 10 minutes (in the down colour), one
        disabled (muted)."""
        app, _ = _app(snap_options)

        async def health(pilot: Pilot[Any]) -> None:
            await _dashboard(pilot)
            await _fixed_health(pilot, app)

        assert snap_compare(app, terminal_size=SIZE, run_before=health)

    def test_start_failure_banner(self, snap_compare: Snap,
                                  snap_options: EngineOptions) -> None:
        """A second engine on the same data directory: START FAILED and the reason, no
        traceback."""
        holder = DataDirLock(snap_options.data_dir)
        holder.acquire()
        try:
            app, _ = _app(snap_options)

            async def failed(pilot: Pilot[Any]) -> None:
                await wait_until(pilot, lambda: app.dashboard.banner.has_class("-failed"),
                                 what="failure banner")

            assert snap_compare(app, terminal_size=SIZE, run_before=failed)
        finally:
            holder.release()


class TestModals:
    def test_closeall_confirmation(self, snap_compare: Snap,
                                   snap_options: EngineOptions) -> None:
        """/closeall asks first: the command line, what it will do, Cancel focused.
        rsvg-convert drops the leading no-break spaces of each SVG text run, so the dimmed
        table behind looks squeezed in its PNG; add xml:space="preserve" to the <svg> element
        before converting. The frame itself is cell-exact (test_layout checks it)."""
        app, _ = _app(snap_options)

        async def confirm(pilot: Pilot[Any]) -> None:
            await _dashboard(pilot)
            await _settled(pilot)
            app.run_command("/closeall")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen),
                             what="confirmation")
            await pilot.pause(0.1)

        assert snap_compare(app, terminal_size=SIZE, run_before=confirm)

    def test_params_modal_with_an_error(self, snap_compare: Snap,
                                       snap_options: EngineOptions) -> None:
        """A command with required parameters: a Select for choices, presets above the input,
        the registry's range error shown inline."""
        app, engine = _app(snap_options)
        engine.registry.add(_limit_spec([]))

        async def params(pilot: Pilot[Any]) -> None:
            await _fixed_log(pilot, await wait_running(pilot))
            await _fixed_infra(pilot, app)
            await _settled(pilot)
            app.start_command("testlimit")
            await wait_until(pilot, lambda: isinstance(app.screen, ParamsScreen),
                             what="params")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ParamsScreen)
            screen.query_one("#param-amount").focus()
            await pilot.press(*"9999", "enter")
            await pilot.pause(0.1)

        assert snap_compare(app, terminal_size=SIZE, run_before=params)


class TestPalette:
    def test_query_close(self, snap_compare: Snap, snap_options: EngineOptions) -> None:
        """The palette searching "close" over five real commands: /closeall first, matched
        letters highlighted, usage and aliases under each title."""
        app, engine = _app(snap_options)
        full = engine.registry
        engine.registry = CommandRegistry()  # the full registry grows with every issue
        engine.registry.extend(full.get(name) for name in
                               ("status", "pause", "resume", "positions", "closeall"))

        async def palette(pilot: Pilot[Any]) -> None:
            await _fixed_log(pilot, await wait_running(pilot))
            await _fixed_infra(pilot, app)
            await _settled(pilot)
            await open_palette(pilot, "close")
            await pilot.pause(0.1)

        assert snap_compare(app, terminal_size=SIZE, run_before=palette)
