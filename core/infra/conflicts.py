"""The sync conflict record (SPEC §3.7): CF_<n> ids, open/resolved, kept in the store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from typing import Any

from core.clock import Clock
from core.events import EventBus
from core.infra.events import ConflictRow, ConflictsChanged, OperatorNotice
from core.storage.store import Store

TABLE = "sync_conflicts"
COUNTER = "sync_meta"
OPEN, RESOLVED = "OPEN", "RESOLVED"


class ConflictStore:
    """Every conflict the synchroniser or the broker reconciliation found; each change is
    published as one ConflictsChanged (the console pane) and a new open one as sync_conflict."""

    def __init__(self, store: Store, bus: EventBus, clock: Clock,
                 keep: Callable[[], int]) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._keep = keep

    def rows(self, *, open_only: bool = False, state_type: str | None = None
             ) -> list[ConflictRow]:
        """Open first, then newest first within each status."""
        rows = [_row(d) for d in self._store.all(TABLE)]
        rows = [r for r in rows if (not open_only or r.status == OPEN)
                and (state_type is None or r.state_type == state_type)]
        rows.sort(key=lambda r: (r.status != OPEN, -_number(r.conflict_id)))
        return rows

    def get(self, conflict_id: str) -> ConflictRow | None:
        doc = self._store.get(TABLE, conflict_id.upper())
        return None if doc is None else _row(doc)

    def find_open(self, state_type: str, kind: str, ticket: int | None) -> ConflictRow | None:
        """The open conflict already recorded for this key (a difference is recorded once)."""
        for row in self.rows(open_only=True, state_type=state_type):
            if row.kind == kind and row.ticket == ticket:
                return row
        return None

    def record(self, state_type: str, kind: str, ticket: int | None, symbol: str, detail: str,
               proposal: str, choices: tuple[str, ...], resolution: str = "",
               resolved_by: str = "", extra: Mapping[str, Any] | None = None) -> ConflictRow:
        """A new conflict; with `resolution` it is recorded already resolved (SPEC §3.7:
        broker differences the reconciliation applied stay visible in /conflicts all)."""
        conflict_id = f"CF_{self._next_number()}"
        row = ConflictRow(conflict_id, state_type, kind, ticket, symbol, detail, proposal,
                          choices, RESOLVED if resolution else OPEN,
                          self._clock.now().isoformat(), resolution)
        self._store.put(TABLE, conflict_id, {**_doc(row), "resolved_by": resolved_by,
                                             "extra": dict(extra or {})})
        self._prune()
        self._publish()
        if not resolution:
            self._bus.publish(OperatorNotice(
                type="sync_conflict", title=f"Sync conflict {conflict_id}: {state_type} {kind}",
                lines=(detail, f"Proposed: {proposal}",
                       f"Resolve with /resolve {conflict_id} {'|'.join(choices)}"),
                symbol=symbol))
        return row

    def resolve(self, conflict_id: str, resolution: str, by: str) -> ConflictRow:
        row = self.get(conflict_id)
        if row is None:
            raise KeyError(conflict_id)
        done = replace(row, status=RESOLVED, resolution=resolution)
        self._store.update(TABLE, row.conflict_id, **_doc(done), resolved_by=by)
        self._publish()
        return done

    def resolved_by(self, conflict_id: str) -> str:
        doc = self._store.get(TABLE, conflict_id.upper()) or {}
        return str(doc.get("resolved_by") or "")

    def extra(self, conflict_id: str) -> dict[str, Any]:
        """What the recorder kept to apply a side later (key, both values)."""
        doc = self._store.get(TABLE, conflict_id.upper()) or {}
        return dict(doc.get("extra") or {})

    def publish(self) -> None:
        self._publish()

    def _publish(self) -> None:
        self._bus.publish(ConflictsChanged(tuple(self.rows())))

    def _next_number(self) -> int:
        meta = self._store.get(COUNTER, "conflicts") or {}
        number = int(meta.get("last", 0)) + 1
        self._store.put(COUNTER, "conflicts", {"last": number})
        return number

    def _prune(self) -> None:
        """Resolved conflicts beyond the configured number go, oldest first; open ones stay."""
        resolved = [r for r in self.rows() if r.status == RESOLVED]
        for row in resolved[self._keep():]:
            self._store.delete(TABLE, row.conflict_id)


def _number(conflict_id: str) -> int:
    tail = conflict_id.rpartition("_")[2]
    return int(tail) if tail.isdigit() else 0


def _doc(row: ConflictRow) -> dict[str, Any]:
    doc = asdict(row)
    doc["choices"] = list(row.choices)
    return doc


def _row(doc: dict[str, Any]) -> ConflictRow:
    return ConflictRow(
        str(doc["conflict_id"]), str(doc["state_type"]), str(doc["kind"]),
        None if doc.get("ticket") is None else int(doc["ticket"]), str(doc.get("symbol") or ""),
        str(doc.get("detail") or ""), str(doc.get("proposal") or ""),
        tuple(doc.get("choices") or ()), str(doc["status"]), str(doc["detected_at"]),
        str(doc.get("resolution") or ""))
