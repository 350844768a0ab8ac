"""The checkpoints pane: rows from the bus, create and roll back keys, and its snapshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from console.app import V5ConsoleApp
from console.screens.confirm import ConfirmScreen
from core.engine import Engine, EngineOptions
from core.infra.events import CheckpointsChanged, RolledBack
from tests.console.rows import CHECKPOINTS, send
from tests.console.support import SIZE, SMALL, console_for, wait_running, wait_until
from tests.console.test_snapshots import _app, _dashboard, _fixed_health

Snap = Callable[..., bool]


def texts(app: V5ConsoleApp) -> list[list[str]]:
    table = app.dashboard.checkpoints.table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def fixed_checkpoints(pilot: Pilot[Any]) -> V5ConsoleApp:
    app = pilot.app
    assert isinstance(app, V5ConsoleApp)
    pane = app.dashboard.checkpoints
    ids = [row.checkpoint_id for row in CHECKPOINTS]
    await send(pilot, CheckpointsChanged(CHECKPOINTS), lambda: list(pane.table.rows) == ids,
               "checkpoints")
    pane.table.move_to(0)  # the cursor followed its old row: start from the top
    return app


async def test_start_up_checkpoints_are_shown(engine_options: EngineOptions) -> None:
    """The engine takes one per plugin at start; the pane has them from the first frame."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.checkpoints
        assert engine.infra is not None
        kept = engine.infra.checkpoints.rows()
        assert kept
        await wait_until(pilot, lambda: pane.table.row_count == len(kept), what="rows")
        assert pane.border_title == f"Checkpoints · {len(kept)} kept"
        assert {row[1] for row in texts(app)} == {r.plugin_id for r in kept}


async def test_rows_in_local_time_and_the_last_rollback(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await fixed_checkpoints(pilot)
        pane = app.dashboard.checkpoints
        assert texts(app) == [
            ["26 Nov 14:00", "v6_price_action_15m", "manual · before tuning"],
            ["26 Nov 13:45", "v3_combined", "pre_config_change"],
            ["26 Nov 03:30", "v6_price_action_15m", "startup"],
        ]
        assert pane.border_subtitle == "n new · b roll back"
        assert pane.table.virtual_size.width <= pane.table.size.width
        await send(pilot, RolledBack("CP_v3_combined_20251126081500_2", "MANUAL_REQUEST",
                                     "v3_combined", "restored"),
                   lambda: "rolled back" in str(pane.border_subtitle), "rollback")
        assert pane.border_subtitle == \
            "v3_combined rolled back to CP_v3_combined_20251126081500_2 (MANUAL_REQUEST)"


async def test_n_takes_checkpoints_of_every_plugin(engine_options: EngineOptions) -> None:
    """`n` runs /checkpoint all (admin, no confirmation: nothing changes but the list); the
    new rows come back through the bus, newest first."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_running(pilot)
        assert engine.infra is not None
        pane = app.dashboard.checkpoints
        before = len(engine.infra.checkpoints.rows())
        await wait_until(pilot, lambda: pane.table.row_count == before, what="rows")
        pane.table.focus()
        await pilot.press("n")
        await wait_until(pilot, lambda: pane.table.row_count == 2 * before, what="new rows")
        assert [row[2] for row in texts(app)[:before]] == ["manual"] * before
        assert any(n.title == f"Checkpoints created: {before}" for n in app._notifications)


async def test_b_and_enter_ask_to_roll_back(engine_options: EngineOptions) -> None:
    """`b` and Enter → /rollback <plugin> <checkpoint>, confirmed first; Escape runs
    nothing."""
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await fixed_checkpoints(pilot)
        table = app.dashboard.checkpoints.table
        table.focus()
        for keys, line in ((("down", "b"), "/rollback v3_combined CP_v3_combined_"
                                           "20251126081500_2"),
                           (("down", "enter"), "/rollback v6_price_action_15m "
                                               "CP_v6_price_action_15m_20251125220000_1")):
            await pilot.press(*keys)
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen),
                             what=line)
            assert str(app.screen.query_one("#confirm-command", Static).content) == line
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is app.dashboard, what="closed")


async def test_panes_fit_100_by_30(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SMALL) as pilot:
        await wait_running(pilot)
        await fixed_checkpoints(pilot)
        for pane in (app.dashboard.checkpoints, app.dashboard.conflicts):
            assert pane.region.height >= 5 and pane.region.width >= 44
            assert pane.table.virtual_size.width <= pane.table.size.width


def test_snapshot_maximised_checkpoints(snap_compare: Snap, snap_options: EngineOptions) -> None:
    """`m` on the checkpoints pane: fixed rows in IST, newest first, the last rollback in
    the border; the footer offers New checkpoint, Roll back and Restore."""
    app, _ = _app(snap_options)

    async def maximised(pilot: Pilot[Any]) -> None:
        await _dashboard(pilot)
        await _fixed_health(pilot, app)  # fixed plugin stats: real latencies vary
        await fixed_checkpoints(pilot)
        pane = app.dashboard.checkpoints
        await send(pilot, RolledBack("CP_v3_combined_20251126081500_2", "MANUAL_REQUEST",
                                     "v3_combined", "restored"),
                   lambda: "rolled back" in str(pane.border_subtitle), "rollback")
        pane.table.focus()
        await pilot.press("down", "m")
        await wait_until(pilot, lambda: app.dashboard.maximized is pane, what="maximised")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=maximised)
