"""Provides the positions pane: every open position with its live P&L."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from console.formatting import lots, pnl_variable, price, signed, signed_money, styled
from console.messages import PositionView

COLUMNS: tuple[tuple[str, str], ...] = (
    ("ticket", "Ticket"), ("symbol", "Symbol"), ("side", "Side"), ("kind", "Kind"),
    ("lot", "Lot"), ("entry", "Entry"), ("sl", "SL"), ("tp", "TP"), ("pnl", "P&L"),
    ("owner", "Owner"),
)
"""Column keys and labels, in display order."""
MIN_WIDTHS: dict[str, int] = {"ticket": 8, "symbol": 6, "lot": 4, "entry": 7, "sl": 7,
                              "tp": 7, "pnl": 6, "owner": 8}
"""Starting widths, so the columns do not jump on the first rows."""


class PositionsPane(Vertical):
    """A read-only table fed by `PositionsUpdated`; sorted by ticket, P&L in theme colours."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.positions: tuple[PositionView, ...] = ()
        self.widths: dict[str, int] = {}
        """Current column widths; explicit, so a frame never shows half-measured columns."""
        self.border_title = "Positions"

    def compose(self) -> ComposeResult:
        yield DataTable(id="positions-table", show_cursor=False, zebra_stripes=True)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_rows())
        self._render_rows()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#positions-table", DataTable)

    def show(self, positions: tuple[PositionView, ...]) -> None:
        self.positions = tuple(sorted(positions, key=lambda p: p.ticket))
        self._render_rows()

    def _cells(self, p: PositionView) -> dict[str, Text]:
        variables = self.app.theme_variables
        side_var = "pnl-profit" if p.side == "BUY" else "pnl-loss"
        return {
            "ticket": Text(str(p.ticket)),
            "symbol": styled(p.symbol, variables, "brand", bold=True),
            "side": styled(p.side, variables, side_var), "kind": Text(p.kind),
            "lot": Text(lots(p.volume)), "entry": Text(price(p.price_open, p.digits)),
            "sl": Text(price(p.sl, p.digits)), "tp": Text(price(p.tp, p.digits)),
            "pnl": styled(signed(p.profit), variables, pnl_variable(p.profit), bold=True),
            "owner": Text(p.owner),
        }

    def _render_rows(self) -> None:
        table = self.table
        rows = [(str(p.ticket), self._cells(p)) for p in self.positions]
        widths = {key: max([len(label), MIN_WIDTHS.get(key, 0),
                            *(cells[key].cell_len for _, cells in rows)])
                  for key, label in COLUMNS}
        # Columns only grow while positions are open (no jitter), and reset once all close.
        target = widths if not rows else {key: max(widths[key], self.widths.get(key, 0))
                                          for key, _ in COLUMNS}
        wanted = [ticket for ticket, _ in rows]
        current = [str(key.value) for key in table.rows]
        if wanted == current and target == self.widths:
            for ticket, cells in rows:
                for key, value in cells.items():
                    table.update_cell(ticket, key, value)
        else:
            self.widths = target
            table.clear(columns=True)
            for key, label in COLUMNS:
                table.add_column(label, key=key, width=target[key])
            for ticket, cells in rows:
                table.add_row(*(cells[key] for key, _ in COLUMNS), key=ticket)
        floating = sum(p.profit for p in self.positions)
        count = len(self.positions)
        self.border_title = f"Positions · {count} open"
        self.border_subtitle = (f"floating {signed_money(floating)}" if count
                                else "no open positions")
