"""V6 price-action alerts (SPEC §2.4): pipe text and its JSON form — one model, one parser."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationInfo, field_validator, model_validator

from core.domain.enums import SignalFamily
from core.domain.symbols import SymbolSpec
from core.signals import fields as f
from core.signals.model import INFO, AlertRejected, V4Signal

_ENTRY = ("price", "direction", "conf_level", "conf_score", "adx", "adx_strength", "sl", "tp1",
          "tp2", "tp3", "alignment", "tl_status")
_EXIT = ("price", "exit_length")
# Positions 3, 4, ... of the pipe text per type (1 = SYMBOL and 2 = TF for every type).
LAYOUTS: dict[str, tuple[str, ...]] = {
    "BULLISH_ENTRY": _ENTRY, "BEARISH_ENTRY": _ENTRY, "EXIT_BULLISH": _EXIT,
    "EXIT_BEARISH": _EXIT,
    "TREND_PULSE": ("bull_count", "bear_count", "changed_tfs", "market_state"),
    "SIDEWAYS_BREAKOUT": ("direction", "adx", "adx_strength", "prior_state", "momentum"),
    "TRENDLINE_BULLISH_BREAK": ("price", "trendline_level", "bars"),
    "TRENDLINE_BEARISH_BREAK": ("price", "trendline_level", "bars"),
    "MOMENTUM_CHANGE": ("adx", "adx_strength", "prev_adx", "prev_strength", "momentum"),
    "STATE_CHANGE": ("state", "prev_state", "alignment"),
    "BREAKOUT": ("level", "tests", "start_bar", "bar"),
    "BREAKDOWN": ("level", "tests", "start_bar", "bar"),
    "SCREENER_FULL_BULLISH": ("score", "indicators"),
    "SCREENER_FULL_BEARISH": ("score", "indicators"),
}
V6_TYPES = tuple(LAYOUTS)
REQUIRED: dict[str, frozenset[str]] = {
    "BULLISH_ENTRY": frozenset({"price", "direction", "conf_score", "sl", "tp1"}),
    "BEARISH_ENTRY": frozenset({"price", "direction", "conf_score", "sl", "tp1"}),
    "EXIT_BULLISH": frozenset({"price"}), "EXIT_BEARISH": frozenset({"price"}),
    "TREND_PULSE": frozenset({"bull_count", "bear_count"}),
}
JSON_ONLY = {"BULLISH_ENTRY": ("momentum_state", "spread_pips"),
             "BEARISH_ENTRY": ("momentum_state", "spread_pips")}
SYNONYMS = {"symbol": ("symbol", "ticker"), "tf": ("tf", "timeframe"),
            "conf_score": ("conf_score", "confidence_score"), "sl": ("sl", "sl_price"),
            "tp1": ("tp1", "tp1_price"), "tp2": ("tp2", "tp2_price"), "tp3": ("tp3", "tp3_price")}
CANONICAL = {"BULLISH_ENTRY": ("BUY_SIGNAL", "BUY"), "BEARISH_ENTRY": ("SELL_SIGNAL", "SELL"),
             "EXIT_BULLISH": ("CLOSE_BUY", "BUY"), "EXIT_BEARISH": ("CLOSE_SELL", "SELL")}
TP2_FACTOR = 1.5  # SPEC §2.4: a null TP2 is price ± 1.5 × |TP1 − price|
_DIRECTIONS = {"buy": "BUY", "sell": "SELL", "bullish": "BUY", "bearish": "SELL"}
_TL = {"tl_break": "TL_BREAK", "tl_ok": "TL_OK"}
_MOMENTUM = {"increasing": "INCREASING", "decreasing": "DECREASING"}


def confidence_level(score: int | None) -> str | None:
    if score is None:
        return None
    return "HIGH" if score >= 80 else "MODERATE" if score >= 60 else "LOW"


def adx_strength(adx: float | None) -> str | None:
    if adx is None:
        return None
    return "STRONG" if adx >= 25 else "MODERATE" if adx >= 20 else "WEAK" if adx >= 15 else "NONE"


def _use(info: ValidationInfo) -> str:
    """"R" required, "O" optional or "-" not part of this alert type (ignored)."""
    kind, name = info.data.get("type"), str(info.field_name)
    if kind not in LAYOUTS or (name not in LAYOUTS[kind] and name not in JSON_ONLY.get(kind, ())):
        return "-"
    return "R" if name in REQUIRED.get(kind, ()) else "O"


def _checked(info: ValidationInfo, value: Any, expected: str) -> bool:
    use = _use(info)
    if use == "R":
        f.required(value, f.name_of(info), expected)
    return use != "-"


class V6Alert(f.AlertModel):
    """One V6 alert of any type; fields outside the type's layout are ignored."""

    type: str
    symbol: str
    tf: str
    price: float | None
    direction: str | None
    conf_level: str | None
    conf_score: int | None
    adx: float | None
    adx_strength: str | None
    sl: float | None
    tp1: float | None
    tp2: float | None
    tp3: float | None
    alignment: tuple[int, int] | None
    tl_status: str | None
    momentum_state: str | None
    spread_pips: float | None
    exit_length: int | None
    bull_count: int | None
    bear_count: int | None
    changed_tfs: tuple[str, ...] | None
    market_state: str | None
    prior_state: str | None
    momentum: str | None
    trendline_level: float | None
    bars: int | None
    prev_adx: float | None
    prev_strength: str | None
    state: str | None
    prev_state: str | None
    level: float | None
    tests: int | None
    start_bar: int | None
    bar: int | None
    score: float | None
    indicators: tuple[str, ...] | None

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any, info: ValidationInfo) -> str:
        f.required(value, f.name_of(info), "a V6 alert type such as BULLISH_ENTRY")
        return str(f.choice(value, f.name_of(info), {t.lower(): t for t in V6_TYPES}))

    @field_validator("symbol", mode="before")
    @classmethod
    def _symbol(cls, value: Any, info: ValidationInfo) -> str:
        return f.symbol(value, f.name_of(info), f.ctx(info).symbols)

    @field_validator("tf", mode="before")
    @classmethod
    def _tf(cls, value: Any, info: ValidationInfo) -> str:
        return f.timeframe(value, f.name_of(info))

    @field_validator("price", "sl", "tp1", "tp2", "tp3", "trendline_level", "level",
                     mode="before")
    @classmethod
    def _prices(cls, value: Any, info: ValidationInfo) -> float | None:
        if not _checked(info, value, "a price > 0"):
            return None
        return f.price(value, f.name_of(info), f.ctx(info).symbols, info.data.get("symbol"))

    @field_validator("direction", mode="before")
    @classmethod
    def _direction(cls, value: Any, info: ValidationInfo) -> str | None:
        if not _checked(info, value, "BUY or SELL"):
            return None
        return f.choice(value, f.name_of(info), _DIRECTIONS, "INVALID_DIRECTION",
                        "BUY, SELL (or BULLISH, BEARISH)")

    @field_validator("conf_score", mode="before")
    @classmethod
    def _conf_score(cls, value: Any, info: ValidationInfo) -> int | None:
        if not _checked(info, value, "the confidence score, a whole number 0-100"):
            return None
        return f.integer(value, f.name_of(info), 0, 100)

    @field_validator("adx", "prev_adx", mode="before")
    @classmethod
    def _adx(cls, value: Any, info: ValidationInfo) -> float | None:
        if not _checked(info, value, "the ADX value"):
            return None
        return f.number(value, f.name_of(info), low=0, high=100)

    @field_validator("spread_pips", "score", mode="before")
    @classmethod
    def _non_negative(cls, value: Any, info: ValidationInfo) -> float | None:
        if not _checked(info, value, "a number ≥ 0"):
            return None
        return f.number(value, f.name_of(info), low=0)

    @field_validator("exit_length", "bars", "tests", "start_bar", "bar", mode="before")
    @classmethod
    def _counts(cls, value: Any, info: ValidationInfo) -> int | None:
        if not _checked(info, value, "a whole number ≥ 0"):
            return None
        return f.integer(value, f.name_of(info), 0)

    @field_validator("bull_count", "bear_count", mode="before")
    @classmethod
    def _pulse_counts(cls, value: Any, info: ValidationInfo) -> int | None:
        if not _checked(info, value, "how many of the six timeframes agree, 0-6"):
            return None
        return f.integer(value, f.name_of(info), 0, 6)

    @field_validator("alignment", mode="before")
    @classmethod
    def _alignment(cls, value: Any, info: ValidationInfo) -> tuple[int, int] | None:
        return f.counts(value, f.name_of(info)) if _checked(info, value, "B/R") else None

    @field_validator("tl_status", mode="before")
    @classmethod
    def _tl(cls, value: Any, info: ValidationInfo) -> str | None:
        return f.choice(value, f.name_of(info), _TL) if _checked(info, value, "") else None

    @field_validator("momentum", mode="before")
    @classmethod
    def _momentum(cls, value: Any, info: ValidationInfo) -> str | None:
        if not _checked(info, value, ""):
            return None
        if info.data.get("type") == "MOMENTUM_CHANGE":
            return f.choice(value, f.name_of(info), _MOMENTUM)
        return f.text(value, f.name_of(info), upper=True, limit=40)

    @field_validator("conf_level", "adx_strength", "momentum_state", "market_state",
                     "prior_state", "prev_strength", "state", "prev_state", mode="before")
    @classmethod
    def _words(cls, value: Any, info: ValidationInfo) -> str | None:
        if not _checked(info, value, ""):
            return None
        return f.text(value, f.name_of(info), upper=True, limit=40)

    @field_validator("changed_tfs", mode="before")
    @classmethod
    def _changed(cls, value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
        return f.timeframes(value, f.name_of(info)) if _checked(info, value, "") else None

    @field_validator("indicators", mode="before")
    @classmethod
    def _indicators(cls, value: Any, info: ValidationInfo) -> tuple[str, ...] | None:
        return f.items(value, f.name_of(info)) if _checked(info, value, "") else None

    @model_validator(mode="after")
    def _consistent(self) -> V6Alert:
        if self.bull_count is not None and self.bear_count is not None \
                and self.bull_count + self.bear_count > 6:
            f.fail("INVALID_VALUE", f"BULL_COUNT {self.bull_count} + BEAR_COUNT "
                   f"{self.bear_count} exceed the six timeframes")
        if self.type in ("BULLISH_ENTRY", "BEARISH_ENTRY"):
            _check_levels(self)
        return self


def _check_levels(alert: V6Alert) -> None:
    """SPEC §2.4 entry consistency and TP1 < TP2 < TP3 in the trade's direction."""
    side = "BUY" if alert.type == "BULLISH_ENTRY" else "SELL"
    if alert.direction != side:
        f.fail("INVALID_LEVELS", f"{alert.type} must carry DIRECTION {side}, got "
               f"{alert.direction}")
    price, sl, tp1 = float(alert.price or 0), float(alert.sl or 0), float(alert.tp1 or 0)
    sign = 1 if side == "BUY" else -1
    if not ((price - sl) * sign > 0 and (tp1 - price) * sign > 0):
        order = "SL < PRICE < TP1" if side == "BUY" else "SL > PRICE > TP1"
        f.fail("INVALID_LEVELS", f"{alert.type} needs {order}; got SL {sl}, PRICE {price}, "
               f"TP1 {tp1} — check the SL and TP values in the alert message")
    previous, name = tp1, "TP1"
    for target, label in ((alert.tp2, "TP2"), (alert.tp3, "TP3")):
        if target is None:
            continue
        if (target - previous) * sign <= 0:
            f.fail("INVALID_LEVELS", f"{label} {target} must be "
                   f"{'above' if sign > 0 else 'below'} {name} {previous} for a {side}")
        previous, name = target, label


# -- the two input forms --------------------------------------------------------------------

def from_pipe(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Pipe text → keyed fields and the trader's names for them ("position 9 (SL)")."""
    parts = [p.strip() for p in text.strip().split("|")]
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # text ending in `|`
    kind = parts[0].upper()
    if kind not in LAYOUTS:
        raise AlertRejected("UNKNOWN_FORMAT", f"{parts[0][:40]!r} is not a V6 alert type; use "
                            "one of " + ", ".join(V6_TYPES))
    layout = LAYOUTS[kind]
    needed = 3 + max((i + 1 for i, k in enumerate(layout) if k in REQUIRED.get(kind, ())),
                     default=0)
    keys = ("type", "symbol", "tf", *layout)
    labels = {k: f"position {i} ({k.upper()})" for i, k in enumerate(keys)}
    if len(parts) < needed:
        raise AlertRejected("MALFORMED", f"{kind} needs at least {needed} |-separated fields "
                            f"({'|'.join(k.upper() for k in keys[:needed])}), got {len(parts)}")
    return dict(zip(keys, parts, strict=False)), labels


def from_json(payload: Mapping[str, Any]) -> dict[str, Any]:
    """JSON form → the same keys as the pipe form, synonyms resolved (SPEC §2.4 table)."""
    data = dict(payload)
    for key, names in SYNONYMS.items():
        data[key] = next((payload[n] for n in names if not f.is_null(payload.get(n))), None)
    return data


def parse_v6(payload: Mapping[str, Any] | str, symbols: Mapping[str, SymbolSpec],
             received_at: datetime, raw: str = "") -> V4Signal:
    """Validate one V6 alert, pipe text or JSON (secret already removed), into a V4Signal."""
    if isinstance(payload, str):
        data, labels = from_pipe(payload)
        form = "text"
    else:
        data, labels, form = from_json(payload), {}, "json"
    alert = f.validate(V6Alert, data, f.ParseContext(symbols, labels))
    signal_type, direction = CANONICAL.get(alert.type, (INFO, alert.direction))
    if alert.type == "TREND_PULSE":
        bull, bear = alert.bull_count or 0, alert.bear_count or 0
        signal_type = "TREND_UPDATE"
        direction = "BULLISH" if bull > bear else "BEARISH" if bear > bull else "NEUTRAL"
    extras: dict[str, Any] = {"alert_type": alert.type, "form": form}
    if alert.type in ("BULLISH_ENTRY", "BEARISH_ENTRY"):
        extras.update(_entry_extras(alert, symbols[alert.symbol].digits))
    skip = {"type", "symbol", "tf", "price", "direction", *_ENTRY}
    for key in LAYOUTS[alert.type] + JSON_ONLY.get(alert.type, ()):
        value = getattr(alert, key)
        if key not in skip and value is not None:
            extras[key] = list(value) if isinstance(value, tuple) else value
    if alert.type in ("MOMENTUM_CHANGE", "SIDEWAYS_BREAKOUT"):
        # The indicator snapshot takes ADX; its strength is re-derived as for entries.
        extras["adx"], extras["adx_strength"] = alert.adx, adx_strength(alert.adx)
        if alert.adx_strength is not None:
            extras["adx_strength_reported"] = alert.adx_strength
    if alert.type == "STATE_CHANGE" and alert.alignment is not None:
        extras["alignment"] = "/".join(map(str, alert.alignment))
    price = alert.price if "price" in LAYOUTS[alert.type] else None
    return V4Signal(
        signal_id=str(uuid.uuid4()), signal_type=signal_type, symbol=alert.symbol,
        timeframe=alert.tf, direction=direction, price=price, strategy="price_action",
        source_format=SignalFamily.V6, received_at=received_at, extras=extras, raw=raw,
    )


def _entry_extras(alert: V6Alert, digits: int) -> dict[str, Any]:
    price, tp1 = float(alert.price or 0), float(alert.tp1 or 0)
    sign = 1 if alert.type == "BULLISH_ENTRY" else -1
    tp2, derived = alert.tp2, alert.tp2 is None
    if tp2 is None:
        tp2 = round(price + sign * TP2_FACTOR * abs(tp1 - price), digits)
    out: dict[str, Any] = {
        "levels": {"sl": alert.sl, "tp1": alert.tp1, "tp2": tp2, "tp3": alert.tp3},
        "levels_present": True, "tp2_derived": derived,
        "scores": {"confidence": alert.conf_score,
                   "confidence_level": confidence_level(alert.conf_score),
                   "adx": alert.adx, "adx_strength": adx_strength(alert.adx)},
        "alignment": None if alert.alignment is None else "/".join(map(str, alert.alignment)),
        "tl_status": alert.tl_status,
    }
    if alert.conf_level is not None:
        out["confidence_level_reported"] = alert.conf_level
    if alert.adx_strength is not None:
        out["adx_strength_reported"] = alert.adx_strength
    return out
