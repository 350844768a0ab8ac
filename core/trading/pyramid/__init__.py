"""The profit-booking pyramid of Order B chains (SPEC §7)."""

from core.trading.pyramid.build import build_pyramid
from core.trading.pyramid.model import ProfitChain, Slot
from core.trading.pyramid.orders import PyramidOrders
from core.trading.pyramid.pyramid import ProfitPyramid

__all__ = ["ProfitChain", "ProfitPyramid", "PyramidOrders", "Slot", "build_pyramid"]
