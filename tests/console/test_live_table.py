"""LiveTable and the positions pane under load: only what changed is rebuilt and redrawn."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from console.event_pump import EventPump
from console.formatting import theme_style
from console.messages import PositionView
from console.widgets.live_table import LiveTable
from console.widgets.positions import PositionsPane
from core.engine import Engine
from tests.console.support import open_position
from themes import STYLESHEETS, THEMES

COLUMNS = (("ticket", "Ticket"), ("pnl", "P&L"))


class Host(App[None]):
    """The console's themes and stylesheets around one widget."""

    CSS_PATH = [str(path) for path in STYLESHEETS]

    def __init__(self, make: Callable[[], LiveTable | PositionsPane]) -> None:
        super().__init__()
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "v5-dark"
        self.make = make

    def compose(self) -> ComposeResult:
        yield self.make()


def rows(count: int, pnl: Callable[[int], str] = str) -> dict[str, dict[str, Text]]:
    return {str(n): {"ticket": Text(str(n)), "pnl": Text(pnl(n))} for n in range(count)}


def lines(table: LiveTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def count_drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the first cell of every line LiveTable draws (header or row)."""
    drawn: list[str] = []
    draw = LiveTable._line

    def spy(self: LiveTable, cells: Sequence[Text], style: Style) -> Strip:
        drawn.append(cells[0].plain)
        return draw(self, cells, style)

    monkeypatch.setattr(LiveTable, "_line", spy)
    return drawn


async def test_only_replaced_rows_are_redrawn(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = count_drawn(monkeypatch)
    app = Host(lambda: LiveTable(COLUMNS))
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(LiveTable)
        first = rows(30)
        table.show(first, {"ticket": 6, "pnl": 6})
        await pilot.pause()
        lines(table)
        assert table.row_count == 30 and "0" in drawn and "Ticket" in drawn
        drawn.clear()
        tick = dict(first)
        tick["3"] = {"ticket": first["3"]["ticket"], "pnl": Text("-1.25")}
        table.show(tick, {"ticket": 6, "pnl": 6})
        await pilot.pause()
        shown = lines(table)
        assert drawn == ["3"]  # one row redrawn, the header and the other rows reused
        assert shown[4].split() == ["3", "-1.25"]
        assert [str(c) for c in table.get_row_at(3)] == ["3", "-1.25"]


async def test_header_stays_while_rows_scroll() -> None:
    app = Host(lambda: LiveTable(COLUMNS))
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(LiveTable)
        table.show(rows(50), {"ticket": 6, "pnl": 6})
        table.focus()
        await pilot.pause()
        assert lines(table)[0].split() == ["Ticket", "P&L"]
        assert lines(table)[1].split()[0] == "0"
        await pilot.press("end")
        await pilot.pause()
        shown = lines(table)
        assert shown[0].split() == ["Ticket", "P&L"]
        assert shown[-1].split()[0] == "49"  # the last row, right above the bottom edge


async def test_wider_columns_apply_without_new_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Host(lambda: LiveTable(COLUMNS))
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(LiveTable)
        table.show(rows(3), {"ticket": 6, "pnl": 6})
        await pilot.pause()
        big = rows(3, lambda n: "-12,345.67" if n == 1 else str(n))
        table.show(big, {"ticket": 6, "pnl": 10})
        await pilot.pause()
        shown = lines(table)
        assert table.virtual_size.width == (6 + 2) + (10 + 2)
        assert shown[2].split() == ["1", "-12,345.67"]
        assert shown[0].index("P&L") == shown[2].index("-12,345.67")


def _views(profits: Sequence[float]) -> tuple[PositionView, ...]:
    return tuple(PositionView(ticket=10000001 + n, symbol="EURUSD", side="BUY", kind="A",
                              volume=0.1, price_open=1.08452, sl=1.08052, tp=1.09052,
                              profit=profit, owner="v4-logic1")
                 for n, profit in enumerate(profits))


async def test_a_price_tick_rebuilds_only_pnl_cells() -> None:
    app = Host(lambda: PositionsPane(id="positions"))
    async with app.run_test(size=(120, 20)) as pilot:
        pane = app.query_one(PositionsPane)
        pane.show(_views([-1.2, 3.4]))
        await pilot.pause()
        before = {ticket: cells for ticket, (_, cells) in pane.shown.items()}
        pane.show(_views([-1.2, 13.4]))
        after = {ticket: cells for ticket, (_, cells) in pane.shown.items()}
        assert after["10000001"] is before["10000001"]  # unchanged row: same cells
        changed, old = after["10000002"], before["10000002"]
        assert changed["pnl"].plain == "+13.40" and old["pnl"].plain == "+3.40"
        assert all(changed[key] is old[key] for key in changed if key != "pnl")
        assert pane.widths["pnl"] == 6 and pane.border_subtitle == "floating +$12.20"
        pane.show(_views([-12345.67]))  # wider P&L: the column grows, row 2 goes
        assert pane.widths["pnl"] == len("-12,345.67") and pane.table.row_count == 1
        pane.show(())
        assert pane.widths["pnl"] == 6 and pane.table.row_count == 0  # reset when empty
        pane.show(_views([1.0]))
        dark = pane.table.get_row_at(0)[8]
        app.theme = "v5-light"  # a new theme recolours every cell, unchanged rows too
        await pilot.pause()
        light = pane.table.get_row_at(0)[8]
        assert light is not dark and light.plain == "+1.00"
        assert light.style == theme_style(app.theme_variables, "pnl-profit", bold=True)
        assert light.style != dark.style


async def test_pump_reads_position_labels_once(engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Kind and owner come from the store once per ticket, not on every price tick."""
    placed = await open_position(engine)
    assert engine.trading is not None and placed.ticket is not None
    reads: list[int] = []
    meta = engine.trading.meta

    def counting(ticket: int) -> dict[str, object]:
        reads.append(ticket)
        return meta(ticket)

    monkeypatch.setattr(engine.trading, "meta", counting)
    pump = EventPump(engine, App())
    positions = list(engine.trading.positions.values())
    first = pump.views(positions)
    again = pump.views(positions)
    assert reads == [placed.ticket]
    assert first == again and first[0].owner == "v4-logic1" and first[0].kind == "A"
    pump.close()
