"""The base of every settings table (shared by the settings modules)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Routing = Literal["order_a_only", "order_b_only", "dual_orders"]


class Section(BaseModel):
    """A settings table: unknown keys are kept (and warned about), values are validated."""

    model_config = ConfigDict(extra="allow", validate_assignment=True, frozen=False)
