"""Provides the positions pane: every open position with its live P&L; closes one on request."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from console.formatting import DASH, lots, pnl_variable, price, signed, signed_money, styled
from console.messages import PositionView, RunCommand
from console.widgets.cursor_table import CursorTable

COLUMNS: tuple[tuple[str, str], ...] = (
    ("ticket", "Ticket"), ("symbol", "Symbol"), ("side", "Side"), ("kind", "Kind"),
    ("lot", "Lot"), ("entry", "Entry"), ("sl", "SL"), ("tp", "TP"), ("pnl", "P&L"),
    ("owner", "Owner"), ("chain", "Chain"),
)
"""Column keys and labels, in display order."""
MIN_WIDTHS: dict[str, int] = {"ticket": 8, "symbol": 6, "lot": 4, "entry": 7, "sl": 7,
                              "tp": 7, "pnl": 6, "owner": 8, "chain": 7}
"""Starting widths, so the columns do not jump on the first rows."""


class PositionsPane(Vertical):
    """A read-only table fed by `PositionsUpdated`; sorted by ticket, P&L in theme colours.
    A price tick builds new P&L cells only, and the LiveTable redraws only the rows whose
    cells changed: hundreds of positions ticking several times a second stay cheap.
    `c` (or Enter) asks to close the cursor row: `/close <ticket>`, confirmed first."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [Binding("c", "close_position", "Close position")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.positions: tuple[PositionView, ...] = ()
        self.widths: dict[str, int] = {}
        """Current column widths; explicit, so a frame never shows half-measured columns."""
        self.shown: dict[str, tuple[PositionView, dict[str, Text]]] = {}
        """What each table row shows, by ticket, in table order."""
        self.border_title = "Positions"

    def compose(self) -> ComposeResult:
        yield CursorTable(COLUMNS, id="positions-table")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._render_rows(True))
        self._render_rows()

    @property
    def table(self) -> CursorTable:
        return self.query_one("#positions-table", CursorTable)

    def action_close_position(self) -> None:
        ticket = self.table.cursor_key
        if ticket is not None:
            self.post_message(RunCommand(f"/close {ticket}"))

    def on_cursor_table_chosen(self, message: CursorTable.Chosen) -> None:
        message.stop()
        self.post_message(RunCommand(f"/close {message.key}"))

    def show(self, positions: tuple[PositionView, ...]) -> None:
        had = bool(self.positions)
        self.positions = tuple(sorted(positions, key=lambda p: p.ticket))
        self._render_rows()
        if had != bool(self.positions):
            self.refresh_bindings()  # "Close position" only while there is one

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.positions) if action == "close_position" else True

    def _pnl(self, p: PositionView) -> Text:
        return styled(signed(p.profit), self.app.theme_variables, pnl_variable(p.profit),
                      bold=True)

    def _row(self, p: PositionView, recolour: bool) -> tuple[PositionView, dict[str, Text]]:
        """The view and cells of a row: the shown ones if nothing changed, a new P&L cell if
        only the P&L did (the usual price tick), all new cells otherwise."""
        old = self.shown.get(str(p.ticket))
        if old is not None and not recolour:
            if old[0] == p:
                return old
            if replace(old[0], profit=p.profit) == p:
                return p, {**old[1], "pnl": self._pnl(p)}
        return p, self._cells(p)

    def _cells(self, p: PositionView) -> dict[str, Text]:
        variables = self.app.theme_variables
        side_var = "pnl-profit" if p.side == "BUY" else "pnl-loss"
        return {
            "ticket": Text(str(p.ticket)),
            "symbol": styled(p.symbol, variables, "brand", bold=True),
            "side": styled(p.side, variables, side_var), "kind": Text(p.kind),
            "lot": Text(lots(p.volume)), "entry": Text(price(p.price_open, p.digits)),
            "sl": Text(price(p.sl, p.digits)), "tp": Text(price(p.tp, p.digits)),
            "pnl": self._pnl(p),
            "owner": Text(p.owner),
            "chain": styled(p.chain or DASH, variables, "text-accent" if p.chain
                            else "foreground-muted"),
        }

    def _render_rows(self, recolour: bool = False) -> None:
        """Bring the table in line with `positions`; unchanged rows keep their cells (the table
        redraws only the others). `recolour` rebuilds every cell (new theme colours)."""
        rows = {str(p.ticket): self._row(p, recolour) for p in self.positions}
        base = {key: max(len(label), MIN_WIDTHS.get(key, 0)) for key, label in COLUMNS}
        # Columns only grow while positions are open (no jitter), and reset once all close.
        widths = dict(base)
        if rows:
            widths = {key: max(self.widths.get(key, 0), base[key]) for key in base}
            for ticket, (_, cells) in rows.items():
                old = self.shown.get(ticket)
                for key, cell in cells.items():
                    if old is None or old[1][key] is not cell:
                        widths[key] = max(widths[key], cell.cell_len)
        self.widths = widths
        self.shown = rows
        self.table.show({ticket: cells for ticket, (_, cells) in rows.items()}, widths)
        floating = sum(p.profit for p in self.positions)
        count = len(self.positions)
        self.border_title = f"Positions · {count} open"
        self.border_subtitle = (f"floating {signed_money(floating)}" if count
                                else "no open positions")
