"""Validation building blocks shared by the alert models: field checks that fail with SPEC codes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from core.domain.symbols import SymbolSpec
from core.signals.model import TIMEFRAME_ALIASES, AlertRejected

# SPEC §3.8 / §2 rejection codes a parser may answer with.
REASON_CODES = frozenset({
    "UNKNOWN_FORMAT", "WRONG_FORMAT", "MALFORMED", "MISSING_FIELD", "INVALID_VALUE",
    "INVALID_SIGNAL", "INVALID_DIRECTION", "INVALID_MTF", "INVALID_LEVELS", "UNSUPPORTED_TF",
    "UNKNOWN_SYMBOL",
})
NULL_WORDS = frozenset({"", "na", "n/a", "nan"})
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a model needs besides the payload: the symbol table and how to name fields."""

    symbols: Mapping[str, SymbolSpec]
    labels: Mapping[str, str] = field(default_factory=dict)  # field → how the trader wrote it

    def label(self, name: str) -> str:
        return self.labels.get(name) or f"field {name!r}"


def fail(code: str, message: str) -> NoReturn:
    # The message travels in the context so braces in it ({{ticker}}) are never formatted.
    raise PydanticCustomError(code, "{detail}", {"detail": message})


def ctx(info: ValidationInfo) -> ParseContext:
    context = info.context
    if not isinstance(context, ParseContext):
        raise TypeError("alert models are validated with a ParseContext")
    return context


def name_of(info: ValidationInfo) -> str:
    return ctx(info).label(str(info.field_name))


class AlertModel(BaseModel):
    """Base of the per-format models: every declared field reaches its validator, present or
    not, so a missing field is reported by the same code that knows what it expects."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _every_field(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            fail("MALFORMED", "the alert must be a JSON object with named fields")
        return {**dict.fromkeys(cls.model_fields), **data}


def validate(model: type[M], data: Any, context: ParseContext) -> M:
    """Validate, turning the first failure into the AlertRejected the webhook answers with."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise rejection(exc) from None


def rejection(exc: ValidationError) -> AlertRejected:
    first = exc.errors(include_url=False)[0]
    code = first["type"]
    if code in REASON_CODES:
        return AlertRejected(code, str((first.get("ctx") or {}).get("detail", first["msg"])))
    where = ".".join(str(p) for p in first["loc"]) or "body"
    return AlertRejected("INVALID_VALUE", f"field {where!r}: {first['msg']}")


# -- value checks (each returns the clean value or fails with a code and a fix) -------------

def is_null(value: Any) -> bool:
    """SPEC §2.4 NA handling: null, NA, N/A, NaN (any case) and empty are all "no value"."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in NULL_WORDS
    return isinstance(value, float) and math.isnan(value)


def required(value: Any, name: str, expected: str) -> Any:
    if is_null(value):
        fail("MISSING_FIELD", f"{name} is required: {expected}")
    return value


def text(value: Any, name: str, *, upper: bool = False, limit: int = 200) -> str | None:
    if is_null(value):
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        fail("INVALID_VALUE", f"{name} must be text, got {_shown(value)}")
    out = str(value).strip()[:limit]
    return out.upper() if upper else out


def choice(value: Any, name: str, allowed: Mapping[str, str], code: str = "INVALID_VALUE",
           expected: str = "") -> str | None:
    """Case-insensitive match against `allowed` (lowercase key → canonical spelling)."""
    if is_null(value):
        return None
    found = allowed.get(str(value).strip().lower()) if isinstance(value, str) else None
    if found is None:
        shown = expected or ", ".join(dict.fromkeys(allowed.values()))
        fail(code, f"{name} must be one of {shown}; got {_shown(value)}")
    return found


def number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
           positive: bool = False, what: str = "a number") -> float | None:
    if is_null(value):
        return None
    wanted = f"{name} must be {what}{_range(low, high, positive)}, got {_shown(value)}"
    if isinstance(value, bool):
        fail("INVALID_VALUE", wanted)
    try:
        out = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        fail("INVALID_VALUE", wanted)
    if math.isnan(out):
        return None
    if (math.isinf(out) or (positive and out <= 0) or (low is not None and out < low)
            or (high is not None and out > high)):
        fail("INVALID_VALUE", wanted)
    return out


def integer(value: Any, name: str, low: int, high: int | None = None) -> int | None:
    out = number(value, name, low=low, high=high, what="a whole number")
    if out is None:
        return None
    if out != int(out):
        fail("INVALID_VALUE", f"{name} must be a whole number{_range(low, high, False)}, "
             f"got {_shown(value)}")
    return int(out)


def boolean(value: Any, name: str) -> bool | None:
    if is_null(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    fail("INVALID_VALUE", f"{name} must be true or false, got {_shown(value)}")


def price(value: Any, name: str, symbols: Mapping[str, SymbolSpec], symbol: str | None
          ) -> float | None:
    """A price > 0 rounded to the symbol's digits (unrounded if the symbol itself failed)."""
    out = number(value, name, positive=True)
    if out is None or symbol is None or symbol not in symbols:
        return out
    return round(out, symbols[symbol].digits)


def symbol(value: Any, name: str, known: Mapping[str, SymbolSpec]) -> str:
    """SPEC §2.1: trim, uppercase, strip an exchange prefix; must be in the symbol table."""
    required(value, name, "the instrument, e.g. EURUSD or {{ticker}}")
    if not isinstance(value, str):
        fail("INVALID_VALUE", f"{name} must be text such as EURUSD, got {_shown(value)}")
    out = value.strip().upper().rsplit(":", 1)[-1].strip()
    if out not in known:
        fail("UNKNOWN_SYMBOL", f"symbol {out!r} is not in the symbol table (known: "
             f"{', '.join(sorted(known))})")
    return out


def timeframe(value: Any, name: str, allowed: tuple[str, ...] | None = None) -> str:
    required(value, name, "the chart period, e.g. 15 or {{interval}}")
    tf = TIMEFRAME_ALIASES.get(str(value).strip().lower()) if isinstance(value, str | int) \
        and not isinstance(value, bool) else None
    if tf is None:
        fail("UNSUPPORTED_TF", f"{name}: timeframe {_shown(value)} is not supported; use one of "
             "1, 5, 15, 60, 240, D (or 1m, 5m, 15m, 1h, 4h, 1d)")
    if allowed is not None and tf not in allowed:
        fail("UNSUPPORTED_TF", f"{name}: timeframe {tf} is not allowed here; use one of "
             + ", ".join(allowed))
    return tf


def timeframes(value: Any, name: str) -> tuple[str, ...] | None:
    """Comma list of TradingView periods (`15,240`) → canonical timeframes."""
    if is_null(value):
        return None
    parts = [p.strip() for p in str(value).split(",") if p.strip()]
    out = [TIMEFRAME_ALIASES.get(p.lower()) for p in parts]
    if not parts or any(tf is None for tf in out) or isinstance(value, bool):
        fail("INVALID_VALUE", f"{name} must be a comma list of periods such as 15,240; got "
             f"{_shown(value)}")
    return tuple(tf for tf in out if tf is not None)


def trends6(value: Any, name: str) -> tuple[int, ...] | None:
    """Six comma-separated values in {-1, 0, 1}, ordered 1m, 5m, 15m, 1h, 4h, 1d."""
    if is_null(value):
        return None
    parts = str(value).split(",") if isinstance(value, str) else []
    try:
        out = tuple(int(p.strip()) for p in parts)
    except ValueError:
        out = ()
    if len(out) != 6 or any(v not in (-1, 0, 1) for v in out):
        fail("INVALID_MTF", f"{name} must be six comma-separated values from -1, 0, 1 for "
             f"1m,5m,15m,1h,4h,1d (e.g. 1,1,1,1,0,1); got {_shown(value)}")
    return out


def counts(value: Any, name: str) -> tuple[int, int] | None:
    """Alignment `B/R`: bull count / bear count, each 0–6, together at most 6."""
    if is_null(value):
        return None
    bull, _, bear = str(value).partition("/")
    try:
        pair = (int(bull.strip()), int(bear.strip()))
    except ValueError:
        pair = (-1, -1)
    if isinstance(value, bool) or min(pair) < 0 or sum(pair) > 6:
        fail("INVALID_VALUE", f"{name} must be bull/bear counts such as 5/1 (0-6 each, at most "
             f"6 together); got {_shown(value)}")
    return pair


def items(value: Any, name: str) -> tuple[str, ...] | None:
    if is_null(value):
        return None
    if not isinstance(value, str):
        fail("INVALID_VALUE", f"{name} must be a comma list, got {_shown(value)}")
    return tuple(p.strip()[:40] for p in value.split(",") if p.strip())[:20]


def _range(low: float | None, high: float | None, positive: bool) -> str:
    if positive:
        return " > 0"
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" ≥ {low:g}"
    return ""


def _shown(value: Any) -> str:
    text_ = repr(value)
    return text_ if len(text_) <= 40 else text_[:37] + "..."
