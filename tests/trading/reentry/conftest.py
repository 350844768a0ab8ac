"""Roomy loss caps: a stopped-out 225-pip Order A must not block the recovery by itself."""

from __future__ import annotations

import pytest

from core.engine import EngineOptions


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    engine_options.config_overrides.update({
        "risk.tier_mode": "5000", "risk.tiers.5000.daily_cap": 5000,
        "risk.tiers.5000.lifetime_cap": 50000})
    return engine_options
