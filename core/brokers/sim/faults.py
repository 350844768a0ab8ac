"""Deterministic fault injection for the simulated terminal: counted, optionally per symbol."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

from core.brokers.sim import constants as c


class Fault(StrEnum):
    """A failure a real terminal produces on order_send."""

    REQUOTE = "requote"
    PRICE_CHANGED = "price_changed"
    PRICE_OFF = "price_off"
    MARKET_CLOSED = "market_closed"
    NO_MONEY = "no_money"
    INVALID_STOPS = "invalid_stops"
    REJECT = "reject"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    IPC_TIMEOUT_BEFORE = "ipc_timeout_before"  # order_send -> None, nothing executed
    IPC_TIMEOUT_AFTER = "ipc_timeout_after"  # executed, yet order_send -> None


FAULT_RETCODES: dict[Fault, int] = {
    Fault.REQUOTE: c.TRADE_RETCODE_REQUOTE,
    Fault.PRICE_CHANGED: c.TRADE_RETCODE_PRICE_CHANGED,
    Fault.PRICE_OFF: c.TRADE_RETCODE_PRICE_OFF,
    Fault.MARKET_CLOSED: c.TRADE_RETCODE_MARKET_CLOSED,
    Fault.NO_MONEY: c.TRADE_RETCODE_NO_MONEY,
    Fault.INVALID_STOPS: c.TRADE_RETCODE_INVALID_STOPS,
    Fault.REJECT: c.TRADE_RETCODE_REJECT,
    Fault.TIMEOUT: c.TRADE_RETCODE_TIMEOUT,
    Fault.CONNECTION: c.TRADE_RETCODE_CONNECTION,
}


@dataclass(slots=True)
class _Armed:
    fault: Fault
    remaining: int
    symbol: str | None


class Faults:
    """Faults armed for the next order_send calls, consumed first-armed first.

    Tests and the console arm faults from their own thread while the adapter's worker
    consumes them, hence the lock.
    """

    def __init__(self) -> None:
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()
        self.disconnected = False

    def inject(self, fault: Fault | str, count: int = 1, symbol: str | None = None) -> None:
        """Arm `fault` for the next `count` order_send calls (on `symbol` only, if given)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._armed.append(_Armed(Fault(fault), count, symbol))

    def disconnect(self) -> None:
        """Every API call fails with (-10004, 'No IPC connection') until restore()."""
        self.disconnected = True

    def restore(self) -> None:
        """Reconnect the IPC link; armed trade faults stay armed."""
        self.disconnected = False

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
        self.disconnected = False

    def pending(self, fault: Fault | str | None = None) -> int:
        """How many armed occurrences remain (of one kind, or in total)."""
        wanted = Fault(fault) if fault is not None else None
        with self._lock:
            return sum(a.remaining for a in self._armed if wanted is None or a.fault is wanted)

    def take(self, symbol: str) -> Fault | None:
        """Consume the next fault that applies to an order_send on `symbol`."""
        with self._lock:
            for index, armed in enumerate(self._armed):
                if armed.symbol is None or armed.symbol == symbol:
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        del self._armed[index]
                    return armed.fault
        return None
