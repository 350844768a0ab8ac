"""The state synchroniser (SPEC §3.7): per state type, legacy and hybrid views reconciled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.infra.conflicts import ConflictStore
from core.infra.reconcile import BrokerReconciler

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
STATE_TYPES = ("CONFIG", "POSITIONS", "ORDERS", "SIGNALS", "TRENDS", "RISK", "PLUGIN")
LEGACY, HYBRID = "legacy", "hybrid"
Capture = Callable[[], dict[str, Any]]
Apply = Callable[[str, Any], None]


@dataclass(frozen=True, slots=True)
class View:
    """One state type's two captures and how a value is written into each side. `shared`
    views read one object for both layers (the bridge's shared stores): they cannot
    disagree, and the synchroniser reports their content for the unified state view."""

    legacy: Capture
    hybrid: Capture
    to_legacy: Apply | None = None
    to_hybrid: Apply | None = None
    shared: bool = False
    note: str = ""


@dataclass
class TypeStatus:
    """The /sync row of one state type."""

    state_type: str
    runs: int = 0
    last_sync: str = ""
    keys: int = 0
    differences: int = 0
    propagated: int = 0
    conflicts: int = 0
    detail: str = ""
    ok: bool = True
    values: dict[str, Any] = field(default_factory=dict)


class StateSynchronizer:
    """Runs each state type at its interval (CONFIG 60 s, POSITIONS/ORDERS 5 s, SIGNALS
    1 s...). A difference where one side changed since the last sync is propagated in the
    type's direction; both sides changed is a conflict, resolved by the type's strategy or
    queued for /resolve. POSITIONS and ORDERS reconcile the store with the terminal."""

    def __init__(self, engine: Engine, conflicts: ConflictStore,
                 reconciler: BrokerReconciler) -> None:
        self._engine = engine
        self.conflicts = conflicts
        self.reconciler = reconciler
        self.views: dict[str, View] = {}
        self.status = {t: TypeStatus(t) for t in STATE_TYPES}
        self._agreed: dict[str, dict[str, Any]] = {}  # per type: values at the last sync
        self._changed_at: dict[tuple[str, str, str], str] = {}  # (type, side, key) → time
        self._seen: dict[tuple[str, str, str], Any] = {}
        self._due: dict[str, float] = {}

    # -- the loop -----------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            cfg = self._engine.settings.state_sync
            now = self._engine.clock.monotonic()
            for state_type in STATE_TYPES:
                if cfg.enabled and now >= self._due.get(state_type, 0.0):
                    try:
                        await self.sync(state_type)
                    except Exception as exc:  # one failing type must not stop the others
                        log.exception("state sync %s failed", state_type)
                        self.status[state_type].ok = False
                        self.status[state_type].detail = f"failed: {exc}"
            await asyncio.sleep(1.0)

    async def sync_all(self) -> list[TypeStatus]:
        for state_type in STATE_TYPES:
            await self.sync(state_type)
        return [self.status[t] for t in STATE_TYPES]

    async def sync(self, state_type: str) -> TypeStatus:
        """One pass of one type, whatever asked for it; the next is due one interval on."""
        status = self.status[state_type]
        types = self._engine.settings.state_sync.types
        interval = types[state_type].interval_seconds if state_type in types else 60.0
        self._due[state_type] = self._engine.clock.monotonic() + interval
        if state_type == "POSITIONS":
            report = await self.reconciler.run()
            status.ok, status.differences = report.ok, report.differences
            status.keys = len(self.reconciler.trading.positions)
            status.detail = report.detail or (
                f"{status.keys} open · closed outside {report.closed} · adopted "
                f"{report.adopted} · SL/TP edits {report.stops} · volume {report.volumes}")
        else:
            self._sync_view(state_type, status)
        status.runs += 1
        status.last_sync = self._engine.clock.now().isoformat()
        status.conflicts = len(self.conflicts.rows(open_only=True, state_type=state_type))
        return status

    # -- one layered type ------------------------------------------------------------------------
    def _sync_view(self, state_type: str, status: TypeStatus) -> None:
        view = self.views.get(state_type)
        if view is None:
            status.detail = "no view registered"
            return
        legacy, hybrid = view.legacy(), view.hybrid()
        status.keys = len(set(legacy) | set(hybrid))
        status.values = legacy
        if view.shared:
            status.differences = status.propagated = 0
            status.detail = f"{status.keys} keys · {view.note}"
            return
        cfg = self._engine.settings.state_sync.types.get(state_type)
        direction = cfg.direction if cfg is not None else "bidirectional"
        strategy = cfg.resolution if cfg is not None else "manual"
        agreed = self._agreed.setdefault(state_type, {})
        differences = propagated = 0
        now = self._engine.clock.now().isoformat()
        for key in sorted(set(legacy) | set(hybrid)):
            lv, hv = legacy.get(key), hybrid.get(key)
            self._track(state_type, LEGACY, key, lv, now)
            self._track(state_type, HYBRID, key, hv, now)
            if lv == hv:
                agreed[key] = lv
                continue
            differences += 1
            if key not in agreed:  # first sight of the key: the allowed direction decides
                l_changed, h_changed = direction == "legacy_to_hybrid", \
                    direction != "legacy_to_hybrid"
            else:
                l_changed, h_changed = lv != agreed[key], hv != agreed[key]
            side = self._winner(state_type, key, l_changed, h_changed, direction, strategy)
            if side is None:
                self._queue(state_type, key, lv, hv, l_changed and h_changed)
                continue
            self._apply(view, side, key, lv if side == LEGACY else hv)
            agreed[key] = lv if side == LEGACY else hv
            propagated += 1
            if l_changed and h_changed:
                self.conflicts.record(
                    state_type, "both_changed", None, "", self._words(key, lv, hv),
                    f"take the {side} value ({strategy})", (LEGACY, HYBRID),
                    resolution=f"{side} value applied ({strategy})", resolved_by="policy",
                    extra={"key": key})
        status.differences, status.propagated = differences, propagated
        status.detail = f"{status.keys} keys · {differences} differences · {propagated} " \
                        f"propagated ({direction}, {strategy})"

    def _winner(self, state_type: str, key: str, l_changed: bool, h_changed: bool,
                direction: str, strategy: str) -> str | None:
        if l_changed and h_changed:
            if strategy == "hybrid_wins":
                return HYBRID
            if strategy == "legacy_wins":
                return LEGACY
            if strategy == "newest_wins":
                lt = self._changed_at.get((state_type, LEGACY, key), "")
                ht = self._changed_at.get((state_type, HYBRID, key), "")
                return None if lt == ht else (LEGACY if lt > ht else HYBRID)
            return None
        side = LEGACY if l_changed else HYBRID
        allowed = direction == "bidirectional" or (
            direction == "legacy_to_hybrid" and side == LEGACY) or (
            direction == "hybrid_to_legacy" and side == HYBRID)
        return side if allowed else None

    def _track(self, state_type: str, side: str, key: str, value: Any, now: str) -> None:
        slot = (state_type, side, key)
        if slot not in self._seen or self._seen[slot] != value:
            self._seen[slot] = value
            self._changed_at[slot] = now

    def _queue(self, state_type: str, key: str, lv: Any, hv: Any, both: bool) -> None:
        kind = "both_changed" if both else "against_direction"
        if any(self.conflicts.extra(r.conflict_id).get("key") == key
               for r in self.conflicts.rows(open_only=True, state_type=state_type)):
            return
        self.conflicts.record(state_type, kind, None, "", self._words(key, lv, hv),
                              "choose the side to keep: /resolve ID legacy|hybrid",
                              (LEGACY, HYBRID), extra={"key": key})

    @staticmethod
    def _words(key: str, lv: Any, hv: Any) -> str:
        return f"{key}: legacy {_short(lv)}, hybrid {_short(hv)}"

    @staticmethod
    def _apply(view: View, side: str, key: str, value: Any) -> None:
        """`side` won: write its value into the other side."""
        target = view.to_hybrid if side == LEGACY else view.to_legacy
        if target is not None:
            target(key, value)

    # -- /resolve --------------------------------------------------------------------------------
    async def resolve(self, conflict_id: str, choice: str, by: str) -> str:
        row = self.conflicts.get(conflict_id)
        if row is None:
            raise KeyError(conflict_id)
        if row.state_type in ("POSITIONS", "ORDERS"):
            return await self.reconciler.apply(conflict_id, choice, by)
        key = str(self.conflicts.extra(conflict_id).get("key") or "")
        view = self.views.get(row.state_type)
        if view is None or not key:
            raise KeyError(conflict_id)
        source = view.legacy() if choice == LEGACY else view.hybrid()
        value = source.get(key)
        self._apply(view, choice, key, value)
        self._agreed.setdefault(row.state_type, {})[key] = value
        words = f"{choice} value of {key} applied to both layers ({_short(value)})"
        self.conflicts.resolve(conflict_id, words, by)
        return words

    # -- reports ---------------------------------------------------------------------------------
    def unified(self) -> dict[str, Any]:
        """The one state view: per type, the values both layers agree on (as of the last
        pass); POSITIONS from the terminal with the store's owner of each ticket."""
        view: dict[str, Any] = {t: dict(self.status[t].values) for t in STATE_TYPES}
        trading = self.reconciler.trading
        view["POSITIONS"] = {
            str(p.ticket): {"symbol": p.symbol, "direction": p.direction.value,
                            "volume": p.volume, "sl": p.sl, "tp": p.tp,
                            "owner": trading.meta(p.ticket).get("strategy")}
            for p in sorted(trading.positions.values(), key=lambda p: p.ticket)}
        return view

    def health_lines(self) -> tuple[list[str], dict[str, Any]]:
        open_rows = self.conflicts.rows(open_only=True)
        line = (f"State sync: {len(open_rows)} open conflict(s)" if open_rows else
                "State sync: no open conflicts") + " · " + " · ".join(
            f"{s.state_type} {s.runs}×" for s in self.status.values())
        lines = [line, *(f"  {r.conflict_id} {r.state_type} {r.kind}: {r.detail}"
                         for r in open_rows[:5])]
        last = self.reconciler.last
        if last is not None:
            lines.append("Broker reconciliation: " + (
                f"{last.differences} difference(s) last pass" if last.ok else last.detail))
        return lines, {"open_conflicts": len(open_rows), "types": {
            s.state_type: {"runs": s.runs, "last_sync": s.last_sync, "keys": s.keys,
                           "differences": s.differences, "conflicts": s.conflicts,
                           "ok": s.ok, "detail": s.detail} for s in self.status.values()}}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
