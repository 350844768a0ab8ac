"""Provides the chains pane: re-entry and profit-booking chains, open ones first."""

from __future__ import annotations

from rich.text import Text

from console.formatting import DASH, pnl_variable, signed, styled
from console.widgets.table_pane import TablePane, local_time
from core.trading.chain_events import ChainRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("chain", "Chain"), ("symbol", "Symbol"), ("side", "Side"),
    ("level", "Level"), ("status", "Status"), ("armed", "Armed"), ("target", "Target"),
    ("until", "Until"), ("pnl", "P&L"), ("strategy", "Strategy"), ("tickets", "Tickets"),
)
"""No family column: a chain id starts with RE_ (re-entry) or PB_ (profit booking)."""
MIN_WIDTHS: dict[str, int] = {"chain": 11, "symbol": 6, "level": 5, "status": 9, "armed": 5,
                              "target": 7, "pnl": 6, "strategy": 8, "tickets": 8}
STATUS_VARIABLES = {"ACTIVE": "health-up", "ARMED": "health-degraded",
                    "COMPLETED": "foreground-muted", "STOPPED": "health-down",
                    "EXPIRED": "foreground-muted"}
RUNNING = ("ACTIVE", "ARMED")


def level_text(row: ChainRow) -> str:
    return f"{row.level}/{row.max_level}" if row.max_level else str(row.level)


class ChainsPane(TablePane[ChainRow]):
    """Both families in one table (each `ChainsChanged` replaces its family's rows): running
    chains (ACTIVE, ARMED) first, then those finished today; the armed kind, its target price
    and window end, the chain's P&L and its open tickets."""

    COLUMNS = COLUMNS
    MIN_WIDTHS = MIN_WIDTHS
    FLEX = "tickets"
    TABLE_ID = "chains-table"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.families: dict[str, tuple[ChainRow, ...]] = {}

    def show_family(self, family: str, rows: tuple[ChainRow, ...]) -> None:
        self.families[family] = rows
        merged = [row for fam in sorted(self.families) for row in self.families[fam]]
        self.show(tuple(sorted(merged, key=lambda r: r.status.upper() not in RUNNING)))

    def key(self, row: ChainRow) -> str:
        return row.chain_id

    def cells(self, row: ChainRow) -> dict[str, Text]:
        variables = self.variables
        status = row.status.upper()
        side_var = "pnl-profit" if row.direction.upper() == "BUY" else "pnl-loss"
        return {
            "chain": styled(row.chain_id, variables, "text-accent", bold=status in RUNNING),
            "symbol": styled(row.symbol, variables, "brand", bold=True),
            "side": styled(row.direction.upper(), variables, side_var),
            "level": Text(level_text(row)),
            "status": styled(status, variables, STATUS_VARIABLES.get(status, "foreground")),
            "armed": Text(row.armed_kind or DASH),
            "target": Text(f"{row.target:g}" if row.target else DASH),
            "until": Text(local_time(row.until, self.timezone) if row.until else DASH),
            "pnl": styled(signed(row.profit), variables, pnl_variable(row.profit), bold=True),
            "strategy": Text(row.strategy),
            "tickets": Text(" ".join(f"#{t}" for t in row.open_tickets) or DASH),
        }

    def describe(self) -> tuple[str, str]:
        running = sum(1 for r in self.rows if r.status.upper() in RUNNING)
        if not self.rows:
            return "Chains", "no chains today"
        return (f"Chains · {running} running",
                f"{len(self.rows) - running} finished today")
