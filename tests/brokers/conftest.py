"""Fixtures for the broker room: a simulated terminal on a Wednesday with quotes on every symbol."""

from __future__ import annotations

from typing import Any

import pytest

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c

# Wednesday 2024-01-03 12:00:00 UTC: mid-week, far from the weekend close.
WED = 1_704_283_200
MAPPING = {"XAUUSD": "GOLD"}

QUOTES: dict[str, tuple[float, float]] = {
    "EURUSD": (1.10000, 1.10012),
    "GBPUSD": (1.25000, 1.25015),
    "USDJPY": (150.000, 150.012),
    "GOLD": (2000.00, 2000.25),
    "EURGBP": (0.86000, 0.86012),
    "EURJPY": (165.000, 165.015),
}


def quote_all(term: SimTerminal, at: float = WED, skip: tuple[str, ...] = ()) -> None:
    for name, (bid, ask) in QUOTES.items():
        if name not in skip:
            term.push_quote(name, bid, ask, at)


def make_terminal(**kwargs: Any) -> SimTerminal:
    kwargs.setdefault("mapping", MAPPING)
    term = SimTerminal(**kwargs)
    assert term.initialize()
    return term


def market(symbol: str, type_: int, volume: float = 0.1, **extra: Any) -> dict[str, Any]:
    """A TRADE_ACTION_DEAL request with a filling mode the default symbols accept."""
    return {"action": c.TRADE_ACTION_DEAL, "symbol": symbol, "volume": volume, "type": type_,
            "type_filling": c.ORDER_FILLING_FOK, **extra}


def close_req(symbol: str, position: int, type_: int, volume: float) -> dict[str, Any]:
    return market(symbol, type_, volume, position=position)


def send_ok(term: SimTerminal, request: dict[str, Any]) -> Any:
    result = term.order_send(request)
    assert result is not None, term.last_error()
    assert result.retcode == c.TRADE_RETCODE_DONE, result
    return result


@pytest.fixture
def term() -> SimTerminal:
    """Initialised terminal (XAUUSD is GOLD at this broker) with quotes on six symbols."""
    terminal = make_terminal()
    quote_all(terminal)
    return terminal
