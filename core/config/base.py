"""The base of every settings table (shared by the settings modules)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Routing = Literal["order_a_only", "order_b_only", "dual_orders"]


class Section(BaseModel):
    """A settings table: unknown keys are kept (and warned about), values are validated."""

    model_config = ConfigDict(extra="allow", validate_assignment=True, frozen=False)


HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"  # a time of day, 24 h


def check_zone(value: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except Exception as exc:  # ZoneInfoNotFoundError or a bad key
        raise ValueError(f"unknown timezone {value!r} (use an IANA name)") from exc
    return value
