"""Simulated MetaTrader 5 terminal: the MetaTrader5 function surface over a paper account."""

from core.brokers.sim.faults import Fault, Faults
from core.brokers.sim.terminal import SimTerminal

__all__ = ["Fault", "Faults", "SimTerminal"]
