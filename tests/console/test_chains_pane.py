"""The chains pane and the chain column of the positions pane, fed by ChainsChanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from console.app import V5ConsoleApp
from core.engine import Engine, EngineOptions
from core.trading.chain_events import ChainsChanged
from tests.console.rows import PROFIT, REENTRY, send
from tests.console.support import SIZE, console_for, open_position, wait_running, wait_until
from tests.console.test_snapshots import _app, _dashboard, _fixed_health

Snap = Callable[..., bool]


def texts(app: V5ConsoleApp) -> list[list[str]]:
    table = app.dashboard.chains.table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def fixed_chains(pilot: Pilot[Any]) -> V5ConsoleApp:
    app = pilot.app
    assert isinstance(app, V5ConsoleApp)
    table = app.dashboard.chains.table
    await send(pilot, ChainsChanged("reentry", REENTRY), lambda: table.row_count >= 3,
               "re-entry rows")
    await send(pilot, ChainsChanged("profit", PROFIT), lambda: table.row_count == 4,
               "profit rows")
    return app


async def test_both_families_running_first(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await fixed_chains(pilot)
        rows = texts(app)
        assert [r[0] for r in rows] == ["PB_EURUSD_1a2b3c4d", "RE_EURUSD_0a1b2c3d",
                                        "RE_GBPUSD_4e5f6a7b", "RE_USDJPY_8c9d0e1f"]
        assert rows[2] == ["RE_GBPUSD_4e5f6a7b", "GBPUSD", "SELL", "1/5", "ARMED", "SL_HUNT",
                           "1.2695", "14:35", "-6.50", "v4-logic2", "—"]
        assert rows[0][3] == "1" and rows[0][10] == "#10000002"
        assert app.dashboard.chains.table.size.width == 0  # filled while on another tab
        pane = app.dashboard.chains
        assert pane.border_title == "Chains · 3 running"
        assert pane.border_subtitle == "1 finished today"
        # One family's event replaces that family only.
        await send(pilot, ChainsChanged("profit", ()), lambda: pane.table.row_count == 3,
                   "profit gone")
        assert all(r[0].startswith("RE_") for r in texts(app))


async def test_positions_show_their_chain_level(engine_options: EngineOptions) -> None:
    """The positions pane labels a ticket from the chains' open tickets: RE L<level>/<max>
    for re-entry, PB L<level> for profit booking, relabelled when only the chains change."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await open_position(engine)
        await open_position(engine, client_id="c0ffee0002")
        table = app.dashboard.positions.table
        await wait_until(pilot, lambda: table.row_count == 2, what="two positions")
        await fixed_chains(pilot)
        await wait_until(pilot, lambda: str(table.get_row_at(1)[10]) == "PB L1",
                         what="profit label")
        assert str(table.get_row_at(0)[10]) == "RE L2/5"


async def test_tab_keys_and_clicks(engine_options: EngineOptions) -> None:
    """`1`, `2`, `3` bring log, signals and chains to the front (and focus them); a click on
    a tab does too. The log is the tab shown at start."""
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard
        assert screen.tabs.active == "tab-log"
        assert screen.log_pane.region.area > 0 and screen.chains.region.area == 0
        await pilot.press("3")
        await pilot.pause()
        assert screen.tabs.active == "tab-chains"
        assert app.focused is screen.chains.table and screen.chains.region.height >= 8
        table = screen.chains.table
        await send(pilot, ChainsChanged("reentry", REENTRY), lambda: table.row_count == 3,
                   "rows")
        assert table.virtual_size.width <= table.size.width  # nothing cut at 120 columns
        assert [str(c) for c in table.get_row_at(0)][-1] == "#10000001"
        await pilot.press("2")
        await pilot.pause()
        assert screen.tabs.active == "tab-signals"
        assert screen.log_pane.region.area == 0
        await pilot.click("#--content-tab-tab-log")
        await pilot.pause()
        assert screen.tabs.active == "tab-log" and screen.log_pane.region.area > 0
        # While a pane is maximised the tab keys show greyed out and do nothing.
        screen.positions.table.focus()
        await pilot.press("m")
        await wait_until(pilot, lambda: screen.maximized is screen.positions, what="maximised")
        await pilot.press("3")
        await pilot.pause()
        assert screen.tabs.active == "tab-log" and screen.maximized is screen.positions


def test_snapshot_chains_tab(snap_compare: Snap, snap_options: EngineOptions) -> None:
    """`3`: the chains tab under the main panes with fixed chains: a profit chain and two
    running re-entry chains first (ACTIVE green, ARMED amber with its SL-hunt target and
    window end in IST), a completed one last; the positions pane labels #10000001 RE L2/5."""
    app, _ = _app(snap_options)

    async def chains(pilot: Pilot[Any]) -> None:
        await _dashboard(pilot)
        await _fixed_health(pilot, app)  # fixed plugin stats: real latencies vary
        await fixed_chains(pilot)
        positions = app.dashboard.positions.table
        await wait_until(pilot, lambda: str(positions.get_row_at(0)[10]) == "RE L2/5",
                         what="chain label")
        await pilot.press("3")
        app.dashboard.set_focus(None)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=chains)
