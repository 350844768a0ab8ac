"""The TP ladder of an order group (SPEC §5.2.1): its levels, "reached", and what acted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.domain.enums import Direction
from core.signals.v5 import Levels

GROUPS = "trade_groups"  # store table: one GroupState per order group with levels
NAMES = {1: "TP1", 2: "TP2", 3: "TP3"}


def ladder_levels(levels: Levels | None, direction: Direction, price: float, factor: float,
                  round_price: Callable[[float], float]) -> dict[str, float] | None:
    """The group's TP1/TP2/TP3 as the desk placed it: TP2 derived as for Order A's target
    (price ± factor × |TP1 − price|) when missing or on the loss side; TP3 only when usable.
    None for a group without levels (legacy entries have no ladder)."""
    if levels is None or levels.sl is None or levels.tp1 is None:
        return None
    sign, tp1, tp2, tp3 = direction.sign, levels.tp1, levels.tp2, levels.tp3
    if tp2 is None or (tp2 - price) * sign <= 0:
        tp2 = price + sign * factor * abs(tp1 - price)
    out = {"tp1": round_price(tp1), "tp2": round_price(tp2)}
    if tp3 is not None and (tp3 - price) * sign > 0:
        out["tp3"] = round_price(tp3)
    return out


def position_extra(ladder: dict[str, float] | None, tp: float | None,
                   tolerance: float) -> dict[str, Any] | None:
    """What each position of a group keeps in its record: the ladder, and the level its
    broker TP sits at (Order B: 1; Order A: its target), for the manager and tp_hit."""
    if ladder is None:
        return None
    found = Ladder.from_doc(ladder)
    return {"levels": ladder, "tp_level": found.level_of(tp, tolerance) if found else None}


@dataclass(frozen=True, slots=True)
class Ladder:
    """Levels by number (1, 2, 3), as stored with each position of the group."""

    levels: tuple[tuple[int, float], ...]  # highest first: SPEC checks TP3, TP2, TP1

    @staticmethod
    def from_doc(doc: Mapping[str, Any] | None) -> Ladder | None:
        if not doc:
            return None
        found = [(n, float(doc[f"tp{n}"])) for n in (3, 2, 1) if doc.get(f"tp{n}") is not None]
        return Ladder(tuple(found)) if found else None

    def price(self, n: int) -> float | None:
        return next((p for level, p in self.levels if level == n), None)

    def level_of(self, tp: float | None, tolerance: float) -> int | None:
        """Which level a broker TP sits at (Order B: 1; Order A: its target), if any."""
        if tp is None:
            return None
        return next((n for n, p in self.levels if abs(p - tp) <= tolerance), None)


def reached(level: float, sign: int, bid: float, ask: float, tolerance: float) -> bool:
    """SPEC §5.2: bid ≥ level for a BUY, ask ≤ level for a SELL (within half a point)."""
    return bid >= level - tolerance if sign > 0 else ask <= level + tolerance


@dataclass(frozen=True, slots=True)
class GroupState:
    """What the ladder has done for one group; persisted so a restart neither repeats a
    level nor forgets one. `hit` is the highest level a broker TP fill reached (a level
    passed between two checks still counts as reached)."""

    done: frozenset[int] = frozenset()
    hit: int = 0
    sl_to_tp1: bool = False  # the TP2 step moved Order A's SL to TP1
    record: tuple[str, ...] = ()  # what each level did, with its time, for the audit

    @staticmethod
    def from_doc(doc: Mapping[str, Any] | None) -> GroupState:
        if not doc:
            return GroupState()
        return GroupState(frozenset(int(n) for n in doc.get("done") or ()),
                          int(doc.get("hit") or 0), bool(doc.get("sl_to_tp1")),
                          tuple(str(w) for w in doc.get("record") or ()))

    def to_doc(self) -> dict[str, Any]:
        return {"done": sorted(self.done), "hit": self.hit, "sl_to_tp1": self.sl_to_tp1,
                "record": list(self.record)}

    def with_done(self, n: int) -> GroupState:
        return replace(self, done=self.done | {n})

    def noting(self, words: str) -> GroupState:
        return replace(self, record=(*self.record, words))

    def with_hit(self, n: int) -> GroupState:
        return replace(self, hit=max(self.hit, n))

    def waiting(self, ladder: Ladder) -> bool:
        """A broker fill reached a level that has not acted yet."""
        return any(n <= self.hit and n not in self.done for n, _ in ladder.levels)
