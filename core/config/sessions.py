"""Trading-session and market-session settings (SPEC §8, §11.14)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator, model_validator

from core.config.base import HHMM, Section, check_zone

SESSION_ID = r"^[a-z0-9_]{1,20}$"


class SessionWindow(Section):
    """One row of the IST trading-session table (SPEC §8.1)."""

    name: str = Field(min_length=1, max_length=40)
    start: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM)
    symbols: list[str] = []
    force_close: bool = False

    @model_validator(mode="after")
    def _window(self) -> SessionWindow:
        if self.start == self.end:
            raise ValueError(f"{self.name}: start and end are both {self.start}")
        if len(set(self.symbols)) != len(self.symbols):
            raise ValueError(f"{self.name}: a symbol is listed twice")
        return self


def _session_table() -> dict[str, SessionWindow]:
    return {
        "asian": SessionWindow(name="Asian", start="05:00", end="13:30",
                               symbols=["USDJPY", "AUDJPY", "AUDUSD", "NZDUSD"]),
        "london": SessionWindow(name="London", start="13:30", end="18:30", symbols=[
            "EURUSD", "GBPUSD", "EURGBP", "GBPJPY", "EURJPY", "XAUUSD"]),
        "overlap": SessionWindow(name="Overlap", start="18:30", end="22:30",
                                 symbols=["EURUSD", "GBPUSD", "XAUUSD", "USDJPY"]),
        "ny_late": SessionWindow(name="NY Late", start="22:30", end="03:30",
                                 symbols=["USDJPY", "XAUUSD", "USDCAD"]),
        "dead_zone": SessionWindow(name="Dead Zone", start="03:30", end="05:00", symbols=[],
                                   force_close=True),
    }


class MarketSessionSettings(Section):
    """A classic exchange-hours session, Monday to Friday local time (SPEC §8.3)."""

    name: str = Field(min_length=1, max_length=40)
    timezone: str
    open: str = Field(pattern=HHMM)
    close: str = Field(pattern=HHMM)

    _zone = field_validator("timezone")(check_zone)


def _market_sessions() -> dict[str, MarketSessionSettings]:
    rows = {"sydney": ("Sydney", "Australia/Sydney", "07:00", "16:00"),
            "tokyo": ("Tokyo", "Asia/Tokyo", "09:00", "18:00"),
            "london": ("London", "Europe/London", "08:00", "17:00"),
            "new_york": ("New York", "America/New_York", "08:00", "17:00")}
    return {k: MarketSessionSettings(name=n, timezone=z, open=o, close=c)
            for k, (n, z, o, c) in rows.items()}


class SessionsSettings(Section):
    enabled: bool = True
    timezone: str = "Asia/Kolkata"
    advance_alert_minutes: int = Field(15, ge=0, le=240)
    editor_step_minutes: int = Field(30, ge=5, le=120)
    table: dict[str, SessionWindow] = Field(default_factory=_session_table)
    market_sessions: dict[str, MarketSessionSettings] = Field(default_factory=_market_sessions)

    _zone = field_validator("timezone")(check_zone)

    @field_validator("table", "market_sessions")
    @classmethod
    def _ids(cls, value: dict[str, BaseModel]) -> dict[str, BaseModel]:
        import re

        bad = [k for k in value if not re.match(SESSION_ID, k)]
        if bad:
            raise ValueError(f"session ids are a-z, 0-9 and _ (≤ 20): {bad}")
        return value
