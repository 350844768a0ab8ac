"""Which alert format a webhook body is (SPEC §2.5.1): decided by the body, never the header."""

from __future__ import annotations

import json
from typing import Any

from core.domain.enums import SignalFamily
from core.signals.legacy import LEGACY_TYPES
from core.signals.model import AlertRejected
from core.signals.v3 import V3_TYPES
from core.signals.v6 import V6_TYPES

_V3 = frozenset(V3_TYPES)
_LEGACY = frozenset(LEGACY_TYPES)
_V6 = frozenset(V6_TYPES)


def decode(body: bytes) -> tuple[str, Any]:
    try:
        text = body.decode("utf-8", errors="strict").strip()
    except UnicodeDecodeError:
        raise AlertRejected("MALFORMED", "the body is not UTF-8 text") from None
    try:
        payload = json.loads(text)
        if isinstance(payload, str):
            inner = json.loads(payload)
            payload = inner if isinstance(inner, dict) else payload
    except (ValueError, RecursionError):  # not JSON, too deep, or a number too long
        payload = None
    return text, payload


def detect_family(body: bytes) -> tuple[SignalFamily, Any]:
    """SPEC §2.5.1 auto-detection, relying on the body and never on the Content-Type."""
    return detect(*decode(body))


def detect(text: str, payload: Any) -> tuple[SignalFamily, Any]:
    if isinstance(payload, dict):
        kind = payload.get("type")
        kind = kind.strip() if isinstance(kind, str) else ""
        if kind.lower() in _V3:
            return SignalFamily.V3, payload
        if kind.lower() in _LEGACY:
            return SignalFamily.LEGACY, payload
        if kind.upper() in _V6:
            return SignalFamily.V6, payload
        raise AlertRejected("UNKNOWN_FORMAT", f"JSON field 'type' {kind[:40]!r} is not a known "
                            "alert type (legacy: bias, trend, entry, reversal, exit; V3: "
                            "entry_v3, exit_v3, squeeze_v3, trend_pulse_v3; V6: BULLISH_ENTRY...)")
    if text.split("|", 1)[0].strip().upper() in _V6:
        return SignalFamily.V6, text
    raise AlertRejected("UNKNOWN_FORMAT", "the body is neither a JSON alert with a known 'type' "
                        "nor V6 pipe text (TYPE|SYMBOL|TF|...)")
