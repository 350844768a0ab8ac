"""Strategy labels from a strategy name, broker comment or magic: V4/V3 logics, V6 timeframes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.brokers.tagging import MAGIC_OFFSETS, MAGIC_SPAN

REPORT_ORDER = ("V4 Logic 1", "V4 Logic 2", "V4 Logic 3", "V3 Logic 1", "V3 Logic 2",
                "V3 Logic 3", "V6 1m", "V6 5m", "V6 15m", "V6 1h", "Manual")
_LOGIC = re.compile(r"logic[-_ ]?([123])")
_V6_TF = re.compile(r"(?<![0-9])(15m|1m|5m|1h)\b")


@dataclass(frozen=True, slots=True)
class StrategyLabel:
    """Who owns a trade: family V4 / V3 / V6 / Manual (or a plugin id) and logic or timeframe."""

    family: str
    detail: str = ""

    @property
    def name(self) -> str:
        """`V4 Logic 2`, `V6 15m`, `Manual` (the per-strategy report rows, SPEC §9.9)."""
        return f"{self.family} {self.detail}".strip()

    @property
    def badge(self) -> str:
        """`[V4 · Logic 2]`, `[V6 · 15m]`, `[Manual]` (SPEC §9.4)."""
        return f"[{self.family} · {self.detail}]" if self.detail else f"[{self.family}]"

    @property
    def timeframe(self) -> str | None:
        return self.detail if self.family == "V6" and self.detail else None


MANUAL = StrategyLabel("Manual")


def from_code(code: str) -> StrategyLabel | None:
    """A broker comment code of SPEC §5.1.5 (`v4-logic2`, `v6-15m`, `manual`)."""
    code = code.lower()
    if code == "manual":
        return MANUAL
    family, _, rest = code.partition("-")
    if family in ("v4", "v3") and (logic := _LOGIC.fullmatch(rest)):
        return StrategyLabel(family.upper(), f"Logic {logic.group(1)}")
    if family == "v6" and rest in ("1m", "5m", "15m", "1h"):
        return StrategyLabel("V6", rest)
    return None


def classify(strategy: str | None, comment: str | None = None, magic: int | None = None,
             magic_base: int = 505000) -> StrategyLabel:
    """Best label from whatever the record holds; no owner at all means a manual trade."""
    text = (strategy or "").strip().lower()
    if text:
        if text.startswith("combinedlogic") and (logic := _LOGIC.search(text.replace(
                "combinedlogic", "logic"))):
            return StrategyLabel("V4", f"Logic {logic.group(1)}")
        coded = from_code(text)
        if coded is not None:
            return coded
        if text.startswith("v3") or "v3_combined" in text:
            logic = _LOGIC.search(text.replace("combinedlogic", "logic"))
            if logic is None:  # the plugin id alone: its logic is in the broker tag
                tagged = _tagged(comment, magic, magic_base)
                if tagged is not None and tagged.family == "V3":
                    return tagged
            return StrategyLabel("V3", f"Logic {logic.group(1)}" if logic else "")
        if text.startswith("v6") or "price_action" in text:
            tf = _V6_TF.search(text)
            return StrategyLabel("V6", tf.group(1) if tf else "")
        if text in ("manual", "external"):
            return MANUAL
    tagged = _tagged(comment, magic, magic_base)
    if tagged is not None:
        return tagged
    if text:
        return StrategyLabel(strategy or "")
    return MANUAL


def _tagged(comment: str | None, magic: int | None, magic_base: int) -> StrategyLabel | None:
    """The label the broker tag carries: comment code first, then the magic number."""
    if comment:
        coded = from_code(comment.split("|", 1)[0])
        if coded is not None:
            return coded
    if magic is not None and magic_base <= magic < magic_base + MAGIC_SPAN:
        codes = {offset: code for code, offset in MAGIC_OFFSETS.items()}
        code = codes.get(magic - magic_base)
        if code is not None:
            return from_code(code) or MANUAL
    return None
