"""Helpers for the V6 plugin tests: alert texts, the EURUSD market, one layer's decision."""

from __future__ import annotations

from typing import Any

from core.domain.enums import Direction
from core.domain.orders import Position
from core.engine import Engine
from tests.engine.helpers import quote
from tests.engine.signal_helpers import post, record_of

# TradingView periods of the pipe form (SPEC §2.4 field 2).
PERIODS = {"1m": "1", "5m": "5", "15m": "15", "1h": "60", "4h": "240"}
BID = 1.08440  # EURUSD quote used throughout; the simulated ask is 0.8 pip above
ASK = 1.08448


def na(value: float | None) -> str:
    return "NA" if value is None else f"{value}"


def entry(tf: str, side: str = "BUY", *, price: float = 1.08452, sl_pips: float = 100.0,
          tp1_pips: float = 24.2, tp2: float | None = None, tp3: float | None = None,
          adx: float | None = 35.0, confidence: int = 85, symbol: str = "EURUSD") -> str:
    """A V6 entry in pipe text. SL is `sl_pips` from the simulated execution price (ask for
    BUY, bid for SELL), so the risk lot is easy to compute by hand."""
    sign = 1 if side == "BUY" else -1
    fill = ASK if side == "BUY" else BID
    sl = round(fill - sign * sl_pips * 0.0001, 5)
    tp1 = round(price + sign * tp1_pips * 0.0001, 5)
    kind = "BULLISH_ENTRY" if side == "BUY" else "BEARISH_ENTRY"
    return (f"{kind}|{symbol}|{PERIODS[tf]}|{price}|{side}|HIGH|{confidence}|{na(adx)}|NA|"
            f"{sl}|{tp1}|{na(tp2)}|{na(tp3)}|5/1|TL_OK|")


def pulse(tf: str, bull: int, bear: int, state: str = "", symbol: str = "EURUSD") -> str:
    return f"TREND_PULSE|{symbol}|{PERIODS[tf]}|{bull}|{bear}|{PERIODS[tf]}|{state}"


def state_change(tf: str, state: str, previous: str = "TRENDING_BULLISH",
                 symbol: str = "EURUSD") -> str:
    return f"STATE_CHANGE|{symbol}|{PERIODS[tf]}|{state}|{previous}|4/1"


def exit_alert(tf: str, closes: str, price: float = 1.08440, symbol: str = "EURUSD") -> str:
    """`closes` BUY → EXIT_BULLISH, SELL → EXIT_BEARISH (SPEC §4.3.6)."""
    kind = "EXIT_BULLISH" if closes == "BUY" else "EXIT_BEARISH"
    return f"{kind}|{symbol}|{PERIODS[tf]}|{price}|12"


def market(engine: Engine, bid: float = BID, spread: float | None = None) -> None:
    quote(engine, "EURUSD", bid, spread)


async def send(engine: Engine, text: str) -> dict[str, Any]:
    """Post one alert; return its signal record (outcome, reason, detail, decisions)."""
    body = await post(engine, text)
    assert body.get("status") == "accepted", body
    return record_of(engine, str(body["signal_id"]))


def decision(record: dict[str, Any], layer: str) -> dict[str, Any]:
    [found] = [d for d in record["decisions"] if d["layer"] == layer]
    return found


def positions(engine: Engine, owner: str | None = None) -> list[Position]:
    """Live terminal positions (optionally of one owner), oldest first."""
    assert engine.trading is not None
    trading = engine.trading
    return sorted((p for p in trading.positions.values()
                   if owner is None or trading.meta(p.ticket).get("strategy") == owner),
                  key=lambda p: p.ticket)


def kind_of(engine: Engine, position: Position) -> str:
    assert engine.trading is not None
    return str(engine.trading.meta(position.ticket)["kind"])


def sides(engine: Engine, owner: str) -> list[Direction]:
    return [p.direction for p in positions(engine, owner)]
