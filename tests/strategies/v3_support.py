"""Builders for the V3 plugin tests: alerts, V5Signals, the plugin's positions, lot oracle."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.domain.enums import Direction
from core.domain.symbols import DEFAULT_SYMBOLS
from core.engine import Engine
from core.signals.legacy import parse_legacy
from core.signals.v3 import parse_v3
from core.signals.v5 import V5Signal, to_v5
from tests.conftest import WEDNESDAY
from tests.engine.helpers import quote
from tests.engine.signal_helpers import post, record_of

PLUGIN = "v3_combined"
PRICE = 1.0845
SL_PIPS = 150  # wide enough that the risk lot stays under the tier's 0.10 cap


def v3_entry(signal_type: str = "Momentum_Breakout", direction: str = "buy", tf: str = "15",
             *, consensus: int = 6, symbol: str = "EURUSD", price: float = PRICE,
             sl_pips: float = SL_PIPS, multiplier: float | None = None,
             mtf: str | None = None) -> dict[str, Any]:
    """An entry_v3 alert with SL `sl_pips` away, TP1 one SL away, TP2 two SLs away."""
    spec = DEFAULT_SYMBOLS[symbol]
    sign = 1 if direction == "buy" else -1
    step = sl_pips * spec.pip_size
    body: dict[str, Any] = {
        "type": "entry_v3", "signal_type": signal_type, "symbol": symbol,
        "direction": direction, "tf": tf, "price": price, "consensus_score": consensus,
        "sl_price": round(price - sign * step, spec.digits),
        "tp1_price": round(price + sign * step, spec.digits),
        "tp2_price": round(price + sign * 2 * step, spec.digits),
        "mtf_trends": mtf or ("1,1,1,1,0,1" if sign > 0 else "-1,-1,-1,-1,0,-1"),
    }
    if multiplier is not None:
        body["position_multiplier"] = multiplier
    return body


def v3_exit(direction: str, symbol: str = "EURUSD", tf: str = "60",
            price: float = PRICE) -> dict[str, Any]:
    kind = "Bullish_Exit" if direction == "sell" else "Bearish_Exit"
    return {"type": "exit_v3", "signal_type": kind, "symbol": symbol, "direction": direction,
            "tf": tf, "price": price, "consensus_score": 3, "reason": "consensus faded"}


def legacy(kind: str, signal: str, tf: str, symbol: str = "EURUSD",
           price: float = PRICE) -> dict[str, Any]:
    return {"type": kind, "signal": signal, "tf": tf, "symbol": symbol, "price": price}


def signal_of(payload: dict[str, Any]) -> V5Signal:
    """What the plugin receives for `payload`, through the real parsers and translation."""
    parse = parse_v3 if str(payload["type"]).endswith("_v3") else parse_legacy
    return to_v5(parse(payload, DEFAULT_SYMBOLS, WEDNESDAY), {})


async def send(engine: Engine, payload: dict[str, Any]) -> dict[str, Any]:
    """Post an alert at the current quote and return its signal record."""
    answer = await post(engine, payload)
    assert answer.get("signal_id"), answer
    return record_of(engine, str(answer["signal_id"]))


def plugin_layer(record: dict[str, Any]) -> dict[str, Any]:
    [decision] = [d for d in record["decisions"] if d["layer"] == PLUGIN]
    return decision


def at(engine: Engine, bid: float = PRICE, symbol: str = "EURUSD") -> None:
    """A quote without spread: the execution price equals the alert price, so SL distances
    are exactly the alert's."""
    quote(engine, symbol, bid, spread=0.0)


@dataclass(frozen=True, slots=True)
class Held:
    """One open terminal position as the plugin's owner metadata describes it."""

    ticket: int
    symbol: str
    direction: Direction
    kind: str
    logic: str | None
    strategy: str
    magic: int
    volume: float
    sl: float | None
    tp: float | None


def held(engine: Engine) -> list[Held]:
    trading = engine.trading
    assert trading is not None
    out = []
    for p in sorted(trading.positions.values(), key=lambda p: p.ticket):
        meta = trading.meta(p.ticket)
        out.append(Held(p.ticket, p.symbol, p.direction, str(meta.get("kind")),
                        meta.get("logic"), str(meta.get("strategy")), p.magic, p.volume,
                        p.sl, p.tp))
    return out


def closed_reason(engine: Engine, ticket: int) -> str:
    """The close reason of a closed position, from its trade record."""
    assert engine.store is not None
    [trade] = [t for t in engine.store.tail("trades", 100) if t["ticket"] == ticket]
    return str(trade["close_reason"])


def spec_lot(sl_pips: float, multipliers: float, *, balance: float = 10_000,
             risk_percent: float = 1.0, pip_value: float = 10.0, cap: float = 0.10) -> float:
    """SPEC §5.4.2 worked by hand: balance × risk% ÷ (SL pips × pip value), × multipliers,
    rounded down to 0.01, clamped to [0.01, cap]."""
    raw = balance * risk_percent / 100 / (sl_pips * pip_value)
    return round(min(max(math.floor(raw * multipliers * 100 + 1e-9) / 100, 0.01), cap), 2)
