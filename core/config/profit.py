"""Profit-booking settings (SPEC §7, §11.13): the Order B pyramid, targets, pyramid SLs."""

from __future__ import annotations

from core.config.base import Section


class ProfitBookingSettings(Section):
    """SPEC §11.13; while enabled, Order B of a no-levels group has no TP (§5.1.3)."""

    enabled: bool = True
