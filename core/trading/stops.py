"""SL rules of SPEC §5.2.4-§5.2.7 and the watchlist of the positions the manager holds."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.config.management import TradeManagementSettings
from core.config.settings import Settings
from core.domain.orders import Position
from core.domain.symbols import SymbolSpec
from core.storage.store import Store
from core.trading.ladder import GROUPS, GroupState, Ladder

log = logging.getLogger(__name__)

TRAILED_KINDS = frozenset({"A", "R"})  # SPEC §5.2.6: Order A and re-entry orders
LOT_STEP = 0.01
EPS = 1e-9
INF = math.inf


@dataclass(frozen=True, slots=True)
class Holding:
    """What the manager needs to know of one open position; read once from its record."""

    ticket: int
    symbol: str
    sign: int  # +1 BUY, -1 SELL
    kind: str
    owner: str
    logic: str | None
    group: str | None
    entry: float
    d_pips: float  # initial SL distance (SPEC §5.2.6 "D"); 0 when the order had no SL
    pip: float
    point: float
    digits: int
    ladder: Ladder | None
    tp_level: int | None  # the ladder level its broker TP sits at

    @property
    def side(self) -> str:
        return "BUY" if self.sign > 0 else "SELL"

    @property
    def trails(self) -> bool:
        return self.kind in TRAILED_KINDS and self.d_pips > 0

    def pips(self, bid: float, ask: float) -> float:
        """Open profit in pips at the closing price (bid for a BUY, ask for a SELL)."""
        price = bid if self.sign > 0 else ask
        return (price - self.entry) * self.sign / self.pip

    def at(self, pips: float) -> float:
        """The price `pips` on the profit side of the entry."""
        return round(self.entry + self.sign * pips * self.pip, self.digits)


def holding(position: Position, meta: Mapping[str, Any], spec: SymbolSpec) -> Holding:
    entry = float(meta.get("entry") or position.price_open)
    first_sl = meta.get("sl_initial", position.sl)
    ladder = Ladder.from_doc(meta.get("levels"))
    level = meta.get("tp_level")
    return Holding(
        ticket=position.ticket, symbol=position.symbol, sign=position.direction.sign,
        kind=str(meta.get("kind") or "?"), owner=str(meta.get("strategy") or ""),
        logic=meta.get("logic"), group=meta.get("group_id") if ladder else None,
        entry=entry, d_pips=spec.pips(entry - float(first_sl)) if first_sl else 0.0,
        pip=spec.pip_size, point=spec.point, digits=spec.digits, ladder=ladder,
        tp_level=int(level) if level else None)


@dataclass(frozen=True, slots=True)
class Marks:
    """Per-position rule state, kept in the position record (`manage`): the profit lock
    fired (once per position), trailing steps taken (-1: not active), the exit-signal SL."""

    lock: bool = False
    trail: int = -1
    floor: float | None = None

    @staticmethod
    def from_doc(doc: Mapping[str, Any] | None) -> Marks:
        if not doc:
            return Marks()
        floor = doc.get("floor")
        return Marks(bool(doc.get("lock")), int(doc.get("trail", -1)),
                     float(floor) if floor is not None else None)

    def to_doc(self) -> dict[str, Any]:
        return {"lock": self.lock, "trail": self.trail, "floor": self.floor}


@dataclass(frozen=True, slots=True)
class Proposal:
    """One rule's wish for a position's SL, with its reason code and words."""

    sl: float
    reason: str  # breakeven, profit_lock, trailing, tp2_sl_to_tp1, exit_partial
    words: str


def most_protective(proposals: Iterable[Proposal], sign: int) -> Proposal | None:
    """SPEC §5.2.7: of several proposed SLs the one furthest on the profit side wins."""
    best: Proposal | None = None
    for p in proposals:
        if best is None or (p.sl - best.sl) * sign > 0:
            best = p
    return best


def tighter(new: float, current: float | None, sign: int, tolerance: float) -> bool:
    """SLs only ever move toward profit (SPEC §5.2.7)."""
    return current is None or (new - current) * sign > tolerance


def partial_volume(volume: float, percent: float) -> float | None:
    """SPEC §5.2.1: the part rounded down to 0.01; None when it or the rest is under 0.01."""
    part = math.floor(volume * percent / 100 / LOT_STEP + EPS) * LOT_STEP
    if part < LOT_STEP - EPS or volume - part < LOT_STEP - EPS:
        return None
    return round(part, 2)


def trail_steps(profit_pips: float, d_pips: float, start: float, step: float) -> int:
    """SPEC §5.2.6: -1 before activation (profit < start × D), 0 at activation (SL to
    entry), n after n further moves of step × D."""
    if d_pips <= 0 or profit_pips < start * d_pips - EPS:
        return -1
    return int(math.floor((profit_pips - start * d_pips) / (step * d_pips) + EPS))


def trail_next_pips(steps: int, d_pips: float, start: float, step: float) -> float:
    """The profit at which trailing takes its next step."""
    return (start + (steps + 1) * step) * d_pips


def proposals(h: Holding, marks: Marks, group: GroupState | None,
              tm: TradeManagementSettings) -> list[Proposal]:
    """Every SL the rules want for `h` now; switches off drop their rule's wish."""
    out: list[Proposal] = []
    if group is not None and h.kind == "A" and h.ladder is not None:
        if 1 in group.done and tm.breakeven.enabled:
            buffer = tm.breakeven.buffer_pips
            out.append(Proposal(h.at(buffer), "breakeven", f"entry {pips_text(buffer)}p "
                                                           "after TP1"))
        tp1 = h.ladder.price(1)
        if group.sl_to_tp1 and tp1 is not None:
            out.append(Proposal(round(tp1, h.digits), "tp2_sl_to_tp1", "TP1 after TP2"))
    lock = tm.profit_lock
    if marks.lock and lock.enabled:
        out.append(Proposal(h.at(lock.lock_pips), "profit_lock",
                            f"entry {pips_text(lock.lock_pips)}p at "
                            f"{pips_text(lock.trigger_pips)}p"))
    if marks.trail >= 0 and tm.trailing.enabled and h.trails:
        moved = marks.trail * tm.trailing.step_fraction * h.d_pips
        out.append(Proposal(h.at(moved), "trailing",
                            f"entry {pips_text(moved)}p, step {marks.trail}"))
    if marks.floor is not None:
        floor = (marks.floor - h.entry) * h.sign / h.pip
        out.append(Proposal(marks.floor, "exit_partial",
                            f"entry {pips_text(floor)}p after an exit signal"))
    return out


def stop_edge(h: Holding, marks: Marks, group: GroupState | None, postponed: float | None,
              tm: TradeManagementSettings) -> float:
    """The nearest signed price (sign × price, so "due" is always ≥) at which some rule
    would act on `h`: a ladder level not done yet, +40 pips, the next trailing step, a
    postponed SL. -inf when a broker fill is waiting; +inf when nothing can happen."""
    half = h.point / 2
    entry = h.sign * h.entry
    edges = [INF]
    if group is not None and h.ladder is not None:
        if group.waiting(h.ladder):
            return -INF
        edges += [h.sign * p - half for n, p in h.ladder.levels if n not in group.done]
    if tm.profit_lock.enabled and not marks.lock:
        edges.append(entry + tm.profit_lock.trigger_pips * h.pip - half)
    if tm.trailing.enabled and h.trails:
        edges.append(entry + trail_next_pips(marks.trail, h.d_pips, tm.trailing.start_fraction,
                                             tm.trailing.step_fraction) * h.pip - half)
    if postponed is not None:  # retried once the price is a point past it
        edges.append(h.sign * postponed + h.point)
    return min(edges)


def pips_text(value: float) -> str:
    """+63, +22.5, -4: pips as a trader writes them (one decimal, none when whole)."""
    text = f"{value:+.1f}"
    return text[:-2] if text.endswith(".0") else text


class Watchlist:
    """The manager's memory between ticks: each managed position (read from its record
    once), its marks, its group's ladder state and its edge. Mutable by design; everything
    that must survive a restart is written through to the store as it changes."""

    def __init__(self, store: Store, meta: Callable[[int], dict[str, Any]],
                 note: Callable[..., None]) -> None:
        self._store = store
        self._meta = meta
        self._note = note
        self.holdings: dict[int, Holding] = {}
        self.known: set[int] = set()  # holdings + positions that cannot be managed
        self.marks: dict[int, Marks] = {}
        self.groups: dict[str, GroupState] = {}
        self.members: dict[str, list[int]] = {}
        self.by_symbol: dict[str, list[Holding]] = {}
        self.edges: dict[int, float] = {}  # signed: due when sign × price ≥ edge
        self.symbol_edges: dict[str, tuple[float, float]] = {}  # nearest (long, short)
        self.postponed: dict[int, float] = {}  # SL the broker refused, retried later
        # New to the manager (opened, or found at a restart): evaluated at the next tick
        # whatever the price, so an SL a rule wanted before a restart is not forgotten.
        self.fresh: set[int] = set()
        self.seen: Settings | None = None

    def group_of(self, h: Holding) -> GroupState | None:
        return self.groups.get(h.group) if h.group is not None else None

    def sync(self, positions: Mapping[int, Position], settings: Settings,
             specs: Mapping[str, SymbolSpec]) -> None:
        """New positions are read from their records once; closed ones are forgotten, and
        a group left without open orders drops its ladder state."""
        for ticket in [t for t in self.known if t not in positions]:
            self.known.discard(ticket)
            for table in (self.marks, self.edges, self.postponed):
                table.pop(ticket, None)
            self.fresh.discard(ticket)
            gone = self.holdings.pop(ticket, None)
            if gone is not None and gone.group is not None:
                self.members[gone.group].remove(ticket)
        for ticket, position in positions.items():
            if ticket in self.known:
                continue
            self.known.add(ticket)
            spec = specs.get(position.symbol)
            if spec is None:
                log.warning("#%s %s: symbol not in the table, not managed", ticket,
                            position.symbol)
                continue
            meta = self._meta(ticket)
            h = holding(position, meta, spec)
            self.holdings[ticket] = h
            self.fresh.add(ticket)
            self.marks[ticket] = Marks.from_doc(meta.get("manage"))
            if h.group is not None:
                self.members.setdefault(h.group, []).append(ticket)
                if h.group not in self.groups:
                    self.groups[h.group] = GroupState.from_doc(self._store.get(GROUPS, h.group))
        for group in [g for g in self.groups if not self.members.get(g)]:
            del self.groups[group]
            self.members.pop(group, None)
            self._store.delete(GROUPS, group)
        self.arm_all(settings)

    def arm_all(self, settings: Settings) -> None:
        self.seen = settings
        self.by_symbol = {}
        for h in self.holdings.values():
            self.by_symbol.setdefault(h.symbol, []).append(h)
        self.symbol_edges = {}
        for symbol in self.by_symbol:
            self.arm(symbol, settings)

    def arm(self, symbol: str, settings: Settings) -> None:
        """Recompute the edges of one symbol's positions after they acted or changed."""
        longs = shorts = INF
        for h in self.by_symbol.get(symbol, ()):
            edge = -INF if h.ticket in self.fresh else stop_edge(
                h, self.marks[h.ticket], self.group_of(h), self.postponed.get(h.ticket),
                settings.trade_management)
            self.edges[h.ticket] = edge
            if h.sign > 0:
                longs = min(longs, edge)
            else:
                shorts = min(shorts, edge)
        self.symbol_edges[symbol] = (longs, shorts)

    def set_marks(self, h: Holding, marks: Marks) -> None:
        self.marks[h.ticket] = marks
        self._note(h.ticket, manage=marks.to_doc())

    def save_group(self, group: str, state: GroupState) -> None:
        self.groups[group] = state
        self._store.put(GROUPS, group, state.to_doc())

    def filled_at(self, ticket: int, settings: Settings) -> None:
        """A broker TP fill of `ticket` reached its ladder level, even if the price has left
        it by the next tick (SPEC §5.2 "or a broker fill at that level")."""
        h = self.holdings.get(ticket)
        if h is not None:
            group, level = h.group, h.tp_level
        else:  # opened and closed between two ticks: its trade record knows the group
            record = next((r for r in self._store.tail("trades", 20)
                           if r.get("ticket") == ticket), {})
            group = record.get("group_id") if Ladder.from_doc(record.get("levels")) else None
            level = record.get("tp_level")
        if not group or not level:
            return
        state = self.groups.get(group) or GroupState.from_doc(self._store.get(GROUPS, group))
        if int(level) > state.hit:
            self.save_group(group, state.with_hit(int(level)))
            for symbol in {self.holdings[t].symbol for t in self.members.get(group, ())}:
                self.arm(symbol, settings)
