"""The sync conflicts pane: rows from the bus, the resolve dialog, and its snapshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from console.app import V5ConsoleApp
from console.formatting import theme_style
from console.screens.choice import ChoiceScreen
from console.screens.confirm import ConfirmScreen
from core.engine import Engine, EngineOptions
from core.infra.events import CheckpointsChanged, ConflictsChanged
from tests.console.rows import CHECKPOINTS, CONFLICTS, send
from tests.console.support import SIZE, console_for, settle, wait_running, wait_until
from tests.console.test_snapshots import _app, _dashboard, _fixed_health, _settled

Snap = Callable[..., bool]


def texts(app: V5ConsoleApp) -> list[list[str]]:
    table = app.dashboard.conflicts.table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def fixed_conflicts(pilot: Pilot[Any]) -> V5ConsoleApp:
    app = pilot.app
    assert isinstance(app, V5ConsoleApp)
    pane = app.dashboard.conflicts
    await send(pilot, ConflictsChanged(CONFLICTS), lambda: pane.table.row_count == 3,
               "conflict rows")
    return app


async def test_rows_come_from_the_bus_open_first(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.conflicts
        assert pane.border_subtitle == "no conflicts" and pane.table.row_count == 0
        await fixed_conflicts(pilot)
        rows = texts(app)
        assert [r[:3] for r in rows] == [["CF_3", "OPEN", "sl_tp_changed"],
                                         ["CF_2", "OPEN", "both_changed"],
                                         ["CF_1", "RESOLVED", "closed_outside"]]
        assert rows[0][3].startswith("#10000001 EURUSD: store SL 1.08052")
        assert rows[2][3].endswith("→ closed in the store from its deals (trade recorded)")
        assert pane.border_title == "Sync conflicts · 2 open"
        assert pane.border_subtitle == "1 resolved · r resolves"
        status = pane.table.get_row_at(0)[1]
        assert isinstance(status, Text)
        assert status.style == theme_style(app.theme_variables, "health-degraded", bold=True)
        # Every column fits the pane at 120 columns (the detail is cut, not scrolled).
        assert pane.table.virtual_size.width <= pane.table.size.width
        # The whole list is replaced by the next event: one resolved, none open.
        await send(pilot, ConflictsChanged(CONFLICTS[2:]),
                   lambda: pane.table.row_count == 1, "one row")
        assert pane.border_title == "Sync conflicts · 0 open"
        assert pane.border_subtitle == "1 resolved"


async def test_r_asks_which_side_then_the_confirmation(engine_options: EngineOptions) -> None:
    """The choices are the row's own; choosing one runs /resolve, which asks to confirm
    (CF_2 is not a real conflict of this engine, so the command refuses it after that)."""
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_running(pilot)
        await fixed_conflicts(pilot)
        table = app.dashboard.conflicts.table
        table.focus()
        await pilot.press("down")
        assert table.cursor_key == "CF_2"
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="choice")
        choice = app.screen
        assert isinstance(choice, ChoiceScreen) and choice.choices == ("legacy", "hybrid")
        body = str(choice.query_one("#choice-body", Static).content)
        assert "CONFIG · both_changed" in body and "legacy 200, hybrid 250" in body
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        confirm = app.screen
        assert str(confirm.query_one("#confirm-command", Static).content) == \
            "/resolve CF_2 hybrid"
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: any("no conflict CF_2" in n.message
                                            for n in app._notifications), what="refusal")


async def test_escape_and_resolved_rows_run_nothing(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_running(pilot)
        await fixed_conflicts(pilot)
        table = app.dashboard.conflicts.table
        table.focus()
        await pilot.press("enter")  # Enter does what r does
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="choice")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.dashboard, what="closed")
        await settle(pilot, app, "commands")
        assert not [w for w in app.workers if w.group == "commands"]
        await pilot.press("end")
        assert table.cursor_key == "CF_1"
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is app.dashboard
        assert any("CF_1 is resolved: nothing to resolve." in n.message
                   for n in app._notifications)


async def _focused_conflicts(pilot: Pilot[Any]) -> None:
    await _dashboard(pilot)
    assert isinstance(pilot.app, V5ConsoleApp)
    await _fixed_health(pilot, pilot.app)  # fixed plugin stats: real latencies vary
    app = await fixed_conflicts(pilot)
    pane = app.dashboard.checkpoints
    await send(pilot, CheckpointsChanged(CHECKPOINTS), lambda: pane.table.row_count == 3,
               "checkpoints")
    app.dashboard.conflicts.table.focus()
    await pilot.pause(0.1)


def test_snapshot_dashboard_with_conflicts_and_checkpoints(
        snap_compare: Snap, snap_options: EngineOptions) -> None:
    """The 120×40 dashboard with fixed data: two open conflicts (bold, in the degraded
    colour) above a resolved one (muted), the cursor on CF_3 (focused pane), three
    checkpoints over two days next to it; footer: Resolve."""
    app, _ = _app(snap_options)
    assert snap_compare(app, terminal_size=SIZE, run_before=_focused_conflicts)


def test_snapshot_resolve_dialog(snap_compare: Snap, snap_options: EngineOptions) -> None:
    """`r` on CF_3: which side wins, with the detail and the proposal; Cancel focused."""
    app, _ = _app(snap_options)

    async def dialog(pilot: Pilot[Any]) -> None:
        await _focused_conflicts(pilot)
        await _settled(pilot)
        app.dashboard.conflicts.table.focus()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="choice")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=dialog)


async def test_conflicts_so_far_are_shown_at_start(engine_options: EngineOptions) -> None:
    """An open conflict from an earlier run is in the pane from the start (the pump reads
    the engine's conflicts once; later ones come by event)."""
    from dataclasses import replace

    from tests.console.support import open_position

    options = replace(engine_options, config_overrides={
        **engine_options.config_overrides, "state_sync.types.POSITIONS.resolution": "manual"})
    first = Engine(options)
    await first.start()
    ticket = (await open_position(first)).ticket
    assert first.infra is not None and first.bundle is not None
    assert first.bundle.terminal is not None
    await first.infra.reconciler.run()
    first.bundle.terminal.order_send({"action": 6, "position": ticket, "symbol": "EURUSD",
                                      "sl": 1.0800, "tp": 1.0910})  # TRADE_ACTION_SLTP
    await first.infra.reconciler.run()
    kept = first.infra.conflicts.rows()
    await first.stop()
    assert [r.status for r in kept] == ["OPEN"], kept
    app = console_for(Engine(options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        table = app.dashboard.conflicts.table
        await wait_until(pilot, lambda: table.row_count >= 1, what="stored conflict")
        assert texts(app)[0][:3] == [kept[0].conflict_id, "OPEN", "sl_tp_changed"]
