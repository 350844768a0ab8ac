"""V3 JSON alerts (SPEC §2.3): entry_v3, exit_v3, squeeze_v3, trend_pulse_v3 — model and parser."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationInfo, field_validator, model_validator

from core.domain.enums import SignalFamily
from core.domain.symbols import SymbolSpec
from core.signals import fields as f
from core.signals.model import INFO, V4Signal

V3_TYPES = ("entry_v3", "exit_v3", "squeeze_v3", "trend_pulse_v3")
SIGNAL_TYPES: dict[str, tuple[str, ...]] = {
    "entry_v3": ("Institutional_Launchpad", "Liquidity_Trap_Reversal", "Momentum_Breakout",
                 "Mitigation_Test_Entry", "Golden_Pocket_Flip", "Screener_Full_Bullish",
                 "Screener_Full_Bearish", "Sideways_Breakout"),
    "exit_v3": ("Bullish_Exit", "Bearish_Exit"),
    "squeeze_v3": ("Volatility_Squeeze",),
    "trend_pulse_v3": ("Trend_Pulse",),
}
# SPEC §2.3 field table, one letter per type in the order entry, exit, squeeze, pulse:
# R required, O optional, * required-or-no-levels, o optional-or-derived, - ignored,
# † required unless the other trend field is present (checked on the whole alert).
ROLES: dict[str, str] = {
    "signal_type": "RROO", "direction": "RROO", "price": "RROO", "consensus_score": "ROOO",
    "sl_price": "*---", "tp1_price": "*---", "tp2_price": "o---", "mtf_trends": "ROO†",
    "market_trend": "OOOO", "volume_delta_ratio": "OOOO", "price_in_ob": "OOOO",
    "position_multiplier": "O---", "fib_level": "O---", "full_alignment": "O---",
    "adx_value": "O---", "confidence": "O---", "reason": "-O--", "message": "--OO",
    "current_trends": "---O", "previous_trends": "---O", "changed_timeframes": "---O",
    "change_details": "---O", "trend_labels": "---O",
}
PILLARS = ("15m", "1h", "4h", "1d")  # positions 3-6 of the six-value trend string
TP2_FACTOR = 1.5  # SPEC §2.3: a missing tp2_price is price ± 1.5 × |tp1 − price|
MULTIPLIER_RANGE = (0.1, 2.0)
EXIT_USUAL = {"Bullish_Exit": "sell", "Bearish_Exit": "buy"}
_DIRECTIONS = {"buy": "buy", "sell": "sell", "neutral": "neutral"}
_CONFIDENCE = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}


def route_v3(signal_type: str | None, tf: str) -> str:
    """SPEC §4.2.5 routing table: the first matching row wins."""
    if signal_type in ("Screener_Full_Bullish", "Screener_Full_Bearish"):
        return "combinedlogic-3"
    if signal_type == "Golden_Pocket_Flip" and tf in ("1h", "4h"):
        return "combinedlogic-3"
    return {"5m": "combinedlogic-1", "15m": "combinedlogic-2", "1h": "combinedlogic-3",
            "4h": "combinedlogic-3"}.get(tf, "combinedlogic-2")


def _role(info: ValidationInfo) -> str:
    kind = info.data.get("type")
    if kind not in V3_TYPES:
        return "-"  # the type itself failed and answers first
    return ROLES[str(info.field_name)][V3_TYPES.index(kind)]


class V3Alert(f.AlertModel):
    """One V3 alert; validated in field order, the first failure answers."""

    type: str
    signal_type: str | None
    symbol: str
    direction: str | None
    tf: str
    price: float | None
    consensus_score: int | None
    sl_price: float | None
    tp1_price: float | None
    tp2_price: float | None
    mtf_trends: tuple[int, ...] | None
    market_trend: int | None
    volume_delta_ratio: float | None
    price_in_ob: bool | None
    position_multiplier: float | None
    fib_level: float | None
    full_alignment: bool | None
    adx_value: float | None
    confidence: str | None
    reason: str | None
    message: str | None
    current_trends: tuple[int, ...] | None
    previous_trends: tuple[int, ...] | None
    changed_timeframes: tuple[str, ...] | None
    change_details: str | None
    trend_labels: str | None

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any, info: ValidationInfo) -> str:
        f.required(value, f.name_of(info), ", ".join(V3_TYPES))
        return str(f.choice(value, f.name_of(info), {t: t for t in V3_TYPES}))

    @field_validator("signal_type", mode="before")
    @classmethod
    def _signal_type(cls, value: Any, info: ValidationInfo) -> str | None:
        role, kind = _role(info), str(info.data.get("type"))
        if role == "-":
            return None
        allowed = SIGNAL_TYPES[kind]
        if role == "R":
            f.required(value, f.name_of(info), " or ".join(allowed))
        return f.choice(value, f.name_of(info), {s.lower(): s for s in allowed}, "INVALID_SIGNAL",
                        f"{', '.join(allowed)} (for type {kind})")

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, value: Any, info: ValidationInfo) -> str:
        return f.symbol(value, f.name_of(info), f.ctx(info).symbols)

    @field_validator("direction", mode="before")
    @classmethod
    def _direction(cls, value: Any, info: ValidationInfo) -> str | None:
        role, name = _role(info), f.name_of(info)
        if role == "R":
            f.required(value, name, "buy or sell")
        out = f.choice(value, name, _DIRECTIONS, "INVALID_DIRECTION", "buy, sell, neutral")
        if role == "R" and out == "neutral":
            f.fail("INVALID_DIRECTION", f"{name} must be buy or sell for "
                   f"{info.data.get('type')}; neutral cannot open or close a position")
        return out

    @field_validator("tf", mode="before")
    @classmethod
    def _tf(cls, value: Any, info: ValidationInfo) -> str:
        return f.timeframe(value, f.name_of(info))

    @field_validator("price", "sl_price", "tp1_price", "tp2_price", mode="before")
    @classmethod
    def _prices(cls, value: Any, info: ValidationInfo) -> float | None:
        role, name = _role(info), f.name_of(info)
        if role == "-":
            return None
        if role == "R":
            f.required(value, name, "a price > 0, e.g. {{close}}")
        return f.price(value, name, f.ctx(info).symbols, info.data.get("symbol"))

    @field_validator("consensus_score", mode="before")
    @classmethod
    def _consensus(cls, value: Any, info: ValidationInfo) -> int | None:
        role, name = _role(info), f.name_of(info)
        if role == "R":
            f.required(value, name, "the consensus score, a whole number 0-9")
        return None if role == "-" else f.integer(value, name, 0, 9)

    @field_validator("mtf_trends", "current_trends", "previous_trends", mode="before")
    @classmethod
    def _trends(cls, value: Any, info: ValidationInfo) -> tuple[int, ...] | None:
        role, name = _role(info), f.name_of(info)
        if role == "R":
            f.required(value, name, "six values from -1, 0, 1 for 1m,5m,15m,1h,4h,1d")
        return None if role == "-" else f.trends6(value, name)

    @field_validator("market_trend", mode="before")
    @classmethod
    def _market_trend(cls, value: Any, info: ValidationInfo) -> int | None:
        return None if _role(info) == "-" else f.integer(value, f.name_of(info), -1, 1)

    @field_validator("volume_delta_ratio", "position_multiplier", "fib_level", mode="before")
    @classmethod
    def _numbers(cls, value: Any, info: ValidationInfo) -> float | None:
        return None if _role(info) == "-" else f.number(value, f.name_of(info))

    @field_validator("adx_value", mode="before")
    @classmethod
    def _adx(cls, value: Any, info: ValidationInfo) -> float | None:
        return None if _role(info) == "-" else f.number(value, f.name_of(info), low=0, high=100)

    @field_validator("price_in_ob", "full_alignment", mode="before")
    @classmethod
    def _flags(cls, value: Any, info: ValidationInfo) -> bool | None:
        return None if _role(info) == "-" else f.boolean(value, f.name_of(info))

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, value: Any, info: ValidationInfo) -> str | None:
        if _role(info) == "-":
            return None
        return f.choice(value, f.name_of(info), _CONFIDENCE)

    @field_validator("reason", "message", "change_details", "trend_labels", mode="before")
    @classmethod
    def _texts(cls, value: Any, info: ValidationInfo) -> str | None:
        return None if _role(info) == "-" else f.text(value, f.name_of(info))

    @field_validator("changed_timeframes", mode="before")
    @classmethod
    def _changed(cls, value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
        return None if _role(info) == "-" else f.timeframes(value, f.name_of(info))

    @model_validator(mode="after")
    def _pulse_trends(self) -> V3Alert:
        if self.type == "trend_pulse_v3" and self.current_trends is None \
                and self.mtf_trends is None:
            f.fail("MISSING_FIELD", "trend_pulse_v3 needs current_trends (or mtf_trends): six "
                   "values from -1, 0, 1 for 1m,5m,15m,1h,4h,1d")
        return self


def parse_v3(payload: Mapping[str, Any], symbols: Mapping[str, SymbolSpec],
             received_at: datetime, raw: str = "") -> V4Signal:
    """Validate one V3 payload (secret already removed) into a V4Signal."""
    alert = f.validate(V3Alert, payload, f.ParseContext(symbols))
    warnings: list[str] = []
    extras: dict[str, Any] = {"alert_type": alert.type, "signal_type": alert.signal_type}
    direction: str | None
    if alert.type == "entry_v3":
        side = "BUY" if alert.direction == "buy" else "SELL"
        signal_type, direction = f"{side}_SIGNAL", side
        strategy = route_v3(alert.signal_type, alert.tf)
        extras.update(_entry_extras(alert, side, symbols[alert.symbol].digits, warnings))
    elif alert.type == "exit_v3":
        # SPEC §4.2.8: the direction field governs; sell closes BUY positions.
        direction = "BUY" if alert.direction == "sell" else "SELL"
        signal_type, strategy = f"CLOSE_{direction}", route_v3(alert.signal_type, alert.tf)
        usual = EXIT_USUAL.get(str(alert.signal_type))
        if usual is not None and alert.direction != usual:
            warnings.append(f"{alert.signal_type} normally comes with direction {usual}; "
                            f"direction {alert.direction} governs: closing {direction} positions")
    elif alert.type == "squeeze_v3":
        signal_type, strategy = INFO, "legacy"
        direction = {"buy": "BUY", "sell": "SELL"}.get(str(alert.direction))
    else:
        signal_type, strategy = "TREND_UPDATE", "legacy"
        direction = {"buy": "BULLISH", "sell": "BEARISH"}.get(str(alert.direction), "NEUTRAL")
    trends = alert.current_trends if alert.type == "trend_pulse_v3" and alert.current_trends \
        else alert.mtf_trends
    if trends is not None:
        extras["pillars"] = dict(zip(PILLARS, trends[2:], strict=True))
    extras["scores"] = {"consensus": alert.consensus_score}
    for key in ("mtf_trends", "market_trend", "volume_delta_ratio", "price_in_ob", "reason",
                "message", "current_trends", "previous_trends", "changed_timeframes",
                "change_details", "trend_labels"):
        value = getattr(alert, key)
        if value is not None:
            extras[key] = list(value) if isinstance(value, tuple) else value
    extras["warnings"] = warnings
    return V4Signal(
        signal_id=str(uuid.uuid4()), signal_type=signal_type, symbol=alert.symbol,
        timeframe=alert.tf, direction=direction, price=alert.price, strategy=strategy,
        source_format=SignalFamily.V3, received_at=received_at, extras=extras, raw=raw,
    )


def _entry_extras(alert: V3Alert, side: str, digits: int, warnings: list[str]
                  ) -> dict[str, Any]:
    """Levels (usable or not, with the reason), derived TP2 and the clamped multiplier."""
    price = float(alert.price or 0)
    sign = 1 if side == "BUY" else -1
    sl, tp1, tp2 = alert.sl_price, alert.tp1_price, alert.tp2_price
    problem = None
    if sl is None or tp1 is None:
        problem = f"{'sl_price' if sl is None else 'tp1_price'} is missing"
    elif (price - sl) * sign <= 0:
        problem = f"sl_price {sl} is not {'below' if sign > 0 else 'above'} price {price}"
    elif (tp1 - price) * sign <= 0:
        problem = f"tp1_price {tp1} is not {'above' if sign > 0 else 'below'} price {price}"
    derived = False
    if problem is not None:
        warnings.append(f"{problem}: traded without alert levels (SL from the SL table)")
        sl = tp1 = tp2 = None
    elif tp1 is not None and (tp2 is None or (tp2 - tp1) * sign <= 0):
        if tp2 is not None:
            warnings.append(f"tp2_price {tp2} is not beyond tp1_price {tp1}; derived instead")
        tp2, derived = round(price + sign * TP2_FACTOR * abs(tp1 - price), digits), True
    multiplier = 1.0 if alert.position_multiplier is None else alert.position_multiplier
    low, high = MULTIPLIER_RANGE
    if not low <= multiplier <= high:
        clamped = min(max(multiplier, low), high)
        warnings.append(f"position_multiplier {multiplier:g} is outside {low:g}-{high:g}; "
                        f"clamped to {clamped:g}")
        multiplier = clamped
    out: dict[str, Any] = {
        "levels": {"sl": sl, "tp1": tp1, "tp2": tp2, "tp3": None},
        "levels_present": problem is None, "tp2_derived": derived,
        "position_multiplier": multiplier,
    }
    for key in ("fib_level", "full_alignment", "adx_value", "confidence"):
        value = getattr(alert, key)
        if value is not None:
            out[key] = value
    return out
