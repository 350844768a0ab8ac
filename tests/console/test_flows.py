"""Operator flows end to end on a paper engine: keys and clicks in, engine state out."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from console.screens.choice import ChoiceScreen
from console.screens.confirm import ConfirmScreen
from core.engine import Engine, EngineOptions
from core.infra.conflicts import OPEN, RESOLVED
from tests.console.support import (
    SIZE,
    console_for,
    open_palette,
    open_position,
    palette_prompts,
    wait_running,
    wait_until,
)

TRADE_ACTION_SLTP = 6
"""MetaTrader5's TRADE_ACTION_SLTP: what the terminal sends when SL/TP is dragged by hand."""


def confirm_line(app: object) -> str:
    from console.app import V5ConsoleApp

    assert isinstance(app, V5ConsoleApp) and isinstance(app.screen, ConfirmScreen)
    return str(app.screen.query_one("#confirm-command", Static).content)


async def test_palette_pause_by_keyboard_only(engine_options: EngineOptions) -> None:
    """ctrl+p, "pause", Enter; Tab to Confirm, Enter: the header shows PAUSED."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        palette = await open_palette(pilot, "pause")
        assert palette_prompts(palette)[0].startswith("System: /pause")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert confirm_line(app) == "/pause"
        await pilot.press("tab", "enter")  # Cancel has the focus; Tab moves to Confirm
        header = app.dashboard.header
        await wait_until(pilot, lambda: header.state_text == "PAUSED · MANUAL", what="PAUSED")
        assert engine.trading is not None and engine.trading.paused


async def test_close_a_position_from_the_positions_pane(engine_options: EngineOptions) -> None:
    """Click the row, `c`, confirm: /close <ticket> closes it at market (MANUAL); the row
    goes. Cancelling first leaves it open."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        first = await open_position(engine)
        second = await open_position(engine, client_id="c0ffee0002")
        table = app.dashboard.positions.table
        await wait_until(pilot, lambda: table.row_count == 2, what="two rows")
        region = table.row_region(1)
        await pilot.click(offset=(region.x + 3, region.y))
        assert app.focused is table and table.cursor_key == str(second.ticket)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert confirm_line(app) == f"/close {second.ticket}"
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.dashboard, what="cancelled")
        assert engine.trading is not None and second.ticket in engine.trading.positions
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: table.row_count == 1, what="row closed")
        assert second.ticket not in engine.trading.positions
        assert table.cursor_key == str(first.ticket)  # the cursor moves to the row left
        assert engine.store is not None
        trade = engine.store.tail("trades", 1)[0]
        assert trade["ticket"] == second.ticket and trade["close_reason"] == "MANUAL"


async def test_resolve_a_conflict_from_the_pane(engine_options: EngineOptions) -> None:
    """SL/TP changed by hand at the terminal, POSITIONS resolution `manual`: the sync leaves
    a conflict open; in the pane `r`, choose `store`, confirm: the store's SL/TP is sent
    back to the terminal and the row shows RESOLVED."""
    overrides = {**engine_options.config_overrides,
                 "state_sync.types.POSITIONS.resolution": "manual"}
    engine = Engine(replace(engine_options, config_overrides=overrides))
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        ticket = (await open_position(engine)).ticket
        assert ticket is not None and engine.infra is not None and engine.bundle is not None
        assert engine.bundle.terminal is not None and engine.trading is not None
        await engine.infra.reconciler.run()  # the baseline SL/TP
        store_sl, store_tp = engine.trading.positions[ticket].sl, \
            engine.trading.positions[ticket].tp
        sent = engine.bundle.terminal.order_send({
            "action": TRADE_ACTION_SLTP, "position": ticket, "symbol": "EURUSD",
            "sl": 1.0800, "tp": 1.0910})
        assert sent is not None and sent.retcode == 10009
        await engine.infra.reconciler.run()
        pane = app.dashboard.conflicts
        await wait_until(pilot, lambda: pane.table.row_count == 1, what="conflict row")
        conflict = engine.infra.conflicts.rows()[0]
        assert conflict.status == OPEN and conflict.choices == ("terminal", "store")
        assert pane.border_title == "Sync conflicts · 1 open"

        region = pane.table.row_region(0)
        await pilot.click(offset=(region.x + 2, region.y))
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="choice")
        await pilot.click("#choice-2")  # store
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert confirm_line(app) == f"/resolve {conflict.conflict_id} store"
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: str(pane.table.get_row_at(0)[1]) == RESOLVED,
                         what="resolved row")
        assert pane.border_title == "Sync conflicts · 0 open"
        resolved = engine.infra.conflicts.get(conflict.conflict_id)
        assert resolved is not None and resolved.status == RESOLVED
        await engine.trading.refresh()
        held = engine.trading.positions[ticket]
        assert (held.sl, held.tp) == (store_sl, store_tp)


async def test_roll_back_to_a_checkpoint(engine_options: EngineOptions) -> None:
    """Focus the checkpoints pane, pick v3_combined's start-up checkpoint, `b`, confirm:
    /rollback restores it; the RolledBack event puts it in the pane's border."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_running(pilot)
        assert engine.infra is not None
        pane = app.dashboard.checkpoints
        kept = engine.infra.checkpoints.rows()
        await wait_until(pilot, lambda: pane.table.row_count == len(kept), what="rows")
        target = next(r for r in kept if r.plugin_id == "v3_combined")
        pane.table.focus()
        await pilot.press(*["down"] * kept.index(target), "b")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert confirm_line(app) == f"/rollback v3_combined {target.checkpoint_id}"
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: "rolled back" in str(pane.border_subtitle),
                         what="rolled back")
        assert pane.border_subtitle == \
            f"v3_combined rolled back to {target.checkpoint_id} (MANUAL_REQUEST)"
        await wait_until(pilot, lambda: any(
            n.title == f"v3_combined rolled back to {target.checkpoint_id}"
            for n in app._notifications), what="reply")


async def test_tab_moves_the_focus_through_the_panes(engine_options: EngineOptions) -> None:
    """Keyboard only: Tab visits positions, plugin health, conflicts, checkpoints, the tab
    strip (left/right switch tabs) and the shown tab's pane, in screen order."""
    from textual.widgets import Tabs

    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        screen = app.dashboard
        screen.positions.table.focus()
        await pilot.pause()
        seen = [app.focused]
        for _ in range(5):
            await pilot.press("tab")
            seen.append(app.focused)
        assert seen[:4] == [screen.positions.table, screen.plugin_health.table,
                            screen.conflicts.table, screen.checkpoints.table]
        assert isinstance(seen[4], Tabs) and seen[5] is screen.log_pane.view
        await pilot.press("shift+tab", "right")  # back to the strip, next tab
        assert screen.tabs.active == "tab-signals"
