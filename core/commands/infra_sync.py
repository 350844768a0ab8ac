"""State-sync commands (SPEC §3.7): /conflicts, /resolve, /sync."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.domain.enums import Severity
from core.infra.conflicts import OPEN
from core.infra.sync import STATE_TYPES

if TYPE_CHECKING:
    from core.engine import Engine
    from core.infra.startup import Infra

P = Category.PLUGIN
# SPEC §10.2.10: legacy | hybrid; a broker conflict's sides are the terminal and the store.
CHOICES = ("legacy", "hybrid", "terminal", "store")


def infra(engine: Engine) -> Infra:
    if engine.infra is None:
        raise CommandError("the engine is not started")
    return engine.infra


async def conflicts(ctx: CommandContext) -> Reply:
    which = str(ctx.args.get("which") or "open")
    store = infra(ctx.engine).conflicts
    state_type = which.upper() if which.upper() in STATE_TYPES else None
    rows = store.rows(open_only=which != "all", state_type=state_type)
    open_count = len(store.rows(open_only=True))
    table = Table(("Id", "Type", "Kind", "Ticket", "Detail", "Proposal", "Status", "Resolution"),
                  tuple((r.conflict_id, r.state_type, r.kind,
                         "" if r.ticket is None else str(r.ticket), r.detail, r.proposal,
                         r.status, r.resolution or "/resolve " + r.conflict_id + " "
                         + "|".join(r.choices)) for r in rows))
    scope = "all" if which == "all" else (f"{state_type} open" if state_type else "open")
    return Reply(
        title=f"Sync conflicts ({scope}): {len(rows)}", table=table if rows else None,
        lines=(() if rows else ("none",)) + (
            (f"{open_count} open: resolve with /resolve ID legacy|hybrid "
             "(terminal|store for broker differences)",) if open_count else ()),
        severity=Severity.MEDIUM if open_count else Severity.INFO,
        data={"open": open_count, "conflicts": [
            {"id": r.conflict_id, "type": r.state_type, "kind": r.kind, "ticket": r.ticket,
             "symbol": r.symbol, "detail": r.detail, "proposal": r.proposal,
             "choices": list(r.choices), "status": r.status, "resolution": r.resolution,
             "detected_at": r.detected_at} for r in rows]})


async def resolve(ctx: CommandContext) -> Reply:
    services = infra(ctx.engine)
    conflict_id = str(ctx.args["conflict_id"]).upper()
    choice = str(ctx.args["choice"])
    row = services.conflicts.get(conflict_id)
    if row is None:
        raise CommandError(f"no conflict {conflict_id}; /conflicts all lists them")
    if row.status != OPEN:
        raise CommandError(f"{conflict_id} is already resolved: {row.resolution}")
    if choice not in row.choices:
        raise CommandError(f"{conflict_id} takes one of: {', '.join(row.choices)}")
    try:
        words = await services.sync.resolve(conflict_id, choice, ctx.actor.user)
    except (KeyError, ValueError) as exc:
        raise CommandError(f"{conflict_id} not resolved: {exc}") from exc
    left = len(services.conflicts.rows(open_only=True))
    return Reply(title=f"{conflict_id} resolved: {choice}",
                 lines=(row.detail, words, f"{left} open conflict(s) left"),
                 severity=Severity.MEDIUM,
                 data={"conflict_id": conflict_id, "choice": choice, "applied": words,
                       "open": left})


async def sync(ctx: CommandContext) -> Reply:
    services = infra(ctx.engine)
    forced = ctx.args.get("now") == "now"
    statuses = await services.sync.sync_all() if forced else \
        [services.sync.status[t] for t in STATE_TYPES]
    cfg = ctx.engine.settings.state_sync
    rows = []
    for s in statuses:
        t = cfg.types.get(s.state_type)
        rows.append((s.state_type, f"{t.interval_seconds:g} s" if t else "–",
                     t.direction if t else "–", t.resolution if t else "–",
                     s.last_sync[11:19] if s.last_sync else "never", str(s.differences),
                     str(s.conflicts), s.detail))
    open_count = len(services.conflicts.rows(open_only=True))
    return Reply(
        title="State sync" + (": synced now" if forced else "") + (
            f" — {open_count} open conflict(s)" if open_count else ""),
        lines=("Background sync " + ("on" if cfg.enabled else "OFF (infra.sync.enabled)")
               + "; /sync now forces a pass; /conflicts lists the differences.",),
        table=Table(("Type", "Interval", "Direction", "Resolution", "Last sync", "Diffs",
                     "Conflicts", "Detail"), tuple(rows)),
        severity=Severity.MEDIUM if open_count else Severity.INFO,
        data={"forced": forced, "open": open_count, "state": services.sync.unified(),
              "types": {
            s.state_type: {"runs": s.runs, "last_sync": s.last_sync, "keys": s.keys,
                           "differences": s.differences, "conflicts": s.conflicts,
                           "detail": s.detail, "ok": s.ok} for s in statuses}})


COMMANDS = [
    CommandSpec("conflicts", P, "List sync conflicts (SPEC §3.7): open ones, or all",
                conflicts, params=(Param(
                    "which", "choice", required=False,
                    choices=("open", "all", *(t.lower() for t in STATE_TYPES))),)),
    CommandSpec("resolve", P, "Resolve one conflict by taking one side", resolve,
                params=(Param("conflict_id", "conflict_id", help="CF_<n> from /conflicts"),
                        Param("choice", "choice", choices=CHOICES)),
                admin=True, confirm=True,
                effect="Applies the chosen side's value to the other side."),
    CommandSpec("sync", P, "State-sync status per type; `now` forces a sync", sync,
                params=(Param("now", "choice", required=False, choices=("now",)),),
                admin=True),
]
