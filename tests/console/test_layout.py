"""Pilot tests of the dashboard layout: maximise/restore a pane, the dashboard behind a modal."""

from __future__ import annotations

import gc
import html
import re
from typing import Any

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from console.app import V5ConsoleApp
from console.screens.confirm import ConfirmScreen
from console.screens.dashboard import DashboardScreen
from core.engine import Engine, EngineOptions
from core.events import LogEmitted
from tests.console.support import SIZE, console_for, open_position, wait_running, wait_until

HEADER_ROWS = 3
FOOTER_ROWS = 1
TEXT_RE = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                     r'clip-path="url\(#[\w-]+-line-(\d+)\)">([^<]*)</text>')
CELL_WIDTH = 12.2
"""Width of one cell in Rich's SVG export (0.61 × the 20 px font size)."""


def footer_descriptions(screen: DashboardScreen) -> list[str]:
    return [key.description for key in screen.query(FooterKey)]


async def _press(pilot: Pilot[Any], key: str) -> None:
    await pilot.press(key)
    await pilot.pause()
    await pilot.pause()


async def test_maximise_and_restore_the_focused_pane(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard
        await wait_until(pilot, lambda: screen.banner.region.area == 0, what="banner gone")
        await pilot.pause(0.1)  # the layout after the banner, the log's scrollbar settled
        pane = screen.positions
        normal = pane.region
        logged = [line.text for line in screen.log_pane.view.lines()]
        wrap = screen.log_pane.wrap_width
        assert logged, "no log lines to keep"
        pane.table.focus()
        await pilot.pause()
        assert "Maximise" in footer_descriptions(screen)
        assert "Restore" not in footer_descriptions(screen)

        await _press(pilot, "m")
        assert screen.maximized is pane
        width, height = SIZE
        # The pane takes everything between the header bar and the footer ...
        assert pane.region == Region(0, HEADER_ROWS, width, height - HEADER_ROWS - FOOTER_ROWS)
        assert screen.header.region.height == HEADER_ROWS
        # ... the other panes are not shown, and the footer offers Restore instead.
        assert screen.signals.region.area == 0 and screen.log_pane.region.area == 0
        assert "Restore" in footer_descriptions(screen)
        assert "Maximise" not in footer_descriptions(screen)
        assert app.focused is pane.table
        # A log record while the log pane is hidden is wrapped at the width it will get back.
        assert app.engine is not None
        app.engine.bus.publish(LogEmitted(app.engine.clock.now(), "INFO", "test", "hidden"))
        await wait_until(pilot, lambda: screen.log_pane.records[-1].message == "hidden",
                         what="hidden record")
        assert screen.log_pane.wrap_width == wrap > 100

        await _press(pilot, "m")
        assert screen.maximized is None
        assert pane.region == normal and screen.log_pane.region.area > 0
        assert "Maximise" in footer_descriptions(screen)
        # Back at its old width, the log pane shows the lines it had, plus the record written
        # while hidden, all wrapped at that width.
        assert screen.log_pane.wrap_width == wrap
        kept = [line.text for line in screen.log_pane.view.lines()]
        assert kept[:len(logged)] == logged and kept[-1].endswith("hidden")


async def test_maximise_the_log_pane_and_restore_with_escape(
        engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard
        screen.log_pane.view.focus()
        await _press(pilot, "m")
        assert screen.maximized is screen.log_pane
        assert screen.log_pane.region.height == SIZE[1] - HEADER_ROWS - FOOTER_ROWS
        assert screen.log_pane.wrap_width > 100  # re-wrapped at the new width
        await _press(pilot, "escape")
        assert screen.maximized is None
        assert "Maximise" in footer_descriptions(screen)


async def test_without_focus_m_maximises_the_positions_pane(
        engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard
        screen.set_focus(None)
        await _press(pilot, "m")
        assert screen.maximized is screen.positions
        assert app.focused is screen.positions.table  # arrow keys scroll what is shown


async def test_startup_objects_leave_the_cyclic_gc(engine_options: EngineOptions) -> None:
    """Once the engine runs, what start-up built is frozen: full GC passes over it stalled
    the screen for 60-80 ms (bench/bench_console.py)."""
    gc.unfreeze()
    try:
        app = console_for(Engine(engine_options))
        async with app.run_test(size=SIZE) as pilot:
            await wait_running(pilot)
            assert gc.get_freeze_count() > 10_000
        assert gc.get_freeze_count() == 0  # given back on exit
    finally:
        gc.unfreeze()


def screen_rows(app: V5ConsoleApp) -> list[str]:
    """The whole frame as text, one string per row, read from the SVG export by cell
    position (what a terminal shows, whatever an SVG viewer does with the text runs)."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, text in TEXT_RE.findall(app.export_screenshot()):
        column = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if column + offset < width:
                rows[int(line)][column + offset] = char
    return ["".join(row) for row in rows]


async def test_dashboard_behind_a_modal_keeps_its_columns(
        engine_options: EngineOptions) -> None:
    """Behind the dimmed /closeall confirmation, the positions table has the same columns,
    cell for cell, as without it (the squeeze seen in some SVG viewers is not in the frame)."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await open_position(engine)
        table = app.dashboard.positions.table
        await wait_until(pilot, lambda: table.row_count == 1, what="position row")
        app.dashboard.set_focus(None)
        await pilot.pause(0.1)
        before = screen_rows(app)
        row = next(i for i, text in enumerate(before) if "10000001" in text)
        assert re.search(r"10000001 +EURUSD +BUY +A +0\.10 +1\.08452", before[row])
        app.run_command("/closeall")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen),
                         what="confirmation")
        await pilot.pause(0.1)
        after = screen_rows(app)
        assert any("Confirm command" in text for text in after)
        assert after[row - 1] == before[row - 1]  # the column titles
        assert after[row] == before[row]


async def test_maximise_relabels_the_footer_keys_in_place(engine_options: EngineOptions
                                                          ) -> None:
    """`m` swaps Maximise for Restore on the key already shown: no new row of key widgets
    (each rebuild relaid out the screen and left the old row to the garbage collector)."""
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard
        screen.positions.table.focus()
        await pilot.pause()
        before = list(screen.query(FooterKey))
        await _press(pilot, "m")
        assert screen.maximized is screen.positions
        await wait_until(pilot, lambda: "Restore" in footer_descriptions(screen),
                         what="Restore in the footer")
        assert list(screen.query(FooterKey)) == before  # the same widgets
        key = next(k for k in before if k.description == "Restore")
        assert key.action == "restore_pane"
        await _press(pilot, "m")
        await wait_until(pilot, lambda: "Maximise" in footer_descriptions(screen),
                         what="Maximise back")
        assert screen.maximized is None and key.action == "maximize_pane"
        await pilot.click(key)  # a click on the relabelled key does what it says
        await wait_until(pilot, lambda: screen.maximized is not None, what="maximised by click")


async def test_the_footer_lets_go_of_the_keys_it_replaced(engine_options: EngineOptions) -> None:
    """Moving the focus to a pane with other keys rebuilds the footer's keys; the replaced
    ones are freed (Textual's own Footer kept a watcher of each, so every key ever shown
    stayed in memory)."""
    import weakref

    from console.widgets.desk_footer import DeskFooter

    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard

        async def round_trip() -> None:
            screen.log_pane.view.focus()
            await wait_until(pilot, lambda: "Level filter" in footer_descriptions(screen),
                             what="the log pane's keys")
            screen.positions.table.focus()
            await wait_until(pilot, lambda: "Maximise" in footer_descriptions(screen)
                             and "Level filter" not in footer_descriptions(screen),
                             what="the positions pane's keys")

        # Keys built before the engine started are frozen out of the collector with the rest
        # of start-up (console/collector.py): watch a row built after that.
        await round_trip()
        first = [weakref.ref(key) for key in screen.query(FooterKey)]
        assert first
        for _ in range(3):
            await round_trip()
        footer = screen.query_one(DeskFooter)
        shown = len(screen.query(FooterKey))
        watchers = getattr(footer, "__watchers", {}).get("compact", [])
        assert len(watchers) <= shown
        gc.collect()
        assert [ref for ref in first if ref() is not None] == []
