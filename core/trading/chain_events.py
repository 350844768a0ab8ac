"""Events of the re-entry chains (SPEC §6) and profit-booking chains (SPEC §7)."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One chain as the chains pane and /chains show it."""

    chain_id: str  # RE_<SYMBOL>_<8 hex> or PB_<SYMBOL>_<8 hex>
    family: str  # "reentry" or "profit"
    symbol: str
    direction: str
    strategy: str
    level: int
    max_level: int
    status: str  # ACTIVE, ARMED, COMPLETED, STOPPED, EXPIRED
    armed_kind: str  # SL_HUNT, TP_CONTINUATION, EXIT_CONTINUATION, "" (profit: "")
    target: float | None
    until: str  # ISO time the window ends, "" when none
    profit: float  # realised chain P&L (re-entry) or booked profit (profit chain)
    open_tickets: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ChainsChanged(Event):
    """Every chain of one family that is not finished, plus those finished today."""

    family: str
    rows: tuple[ChainRow, ...]
