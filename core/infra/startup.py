"""Start-up steps 3 and 6 of SPEC §3.11 for issue #8: reconciliation, sync, checkpoints."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from core.infra.checkpoints import CheckpointManager
from core.infra.conflicts import ConflictStore
from core.infra.hotswap import HotSwapper
from core.infra.reconcile import BrokerReconciler
from core.infra.rollback import FAILED_INIT, RollbackManager
from core.infra.sync import StateSynchronizer, View
from core.trading.service import INTENTS

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
SHARED = "both layers read one shared source (the bridge's stores): nothing to reconcile"


class StartupError(Exception):
    """A required start-up step failed; the message names the step and the cause."""


@dataclass
class Infra:
    """The issue #8 services the engine owns: conflicts, reconciliation, sync, checkpoints,
    rollback. Built after the plugins (they checkpoint and sync plugin state)."""

    conflicts: ConflictStore
    reconciler: BrokerReconciler
    sync: StateSynchronizer
    checkpoints: CheckpointManager
    rollback: RollbackManager
    hotswap: HotSwapper


def build_infra(engine: Engine) -> Infra:
    assert engine.store is not None and engine.trading is not None
    conflicts = ConflictStore(engine.store, engine.bus, engine.clock,
                              lambda: engine.settings.state_sync.keep_conflicts)
    reconciler = BrokerReconciler(engine.trading, engine.store, conflicts, engine.bus,
                                  engine.clock, lambda: engine.settings)
    sync = StateSynchronizer(engine, conflicts, reconciler)
    sync.views.update(views(engine))
    checkpoints = CheckpointManager(engine)
    rollback = RollbackManager(engine, checkpoints)
    return Infra(conflicts, reconciler, sync, checkpoints, rollback,
                 HotSwapper(engine, checkpoints))


async def start_infra(engine: Engine, infra: Infra, tasks: list[asyncio.Task[Any]],
                      background: bool) -> None:
    """Initial reconciliation and sync, start-up checkpoints, background loops. Both steps
    are optional: a failure degrades them (marked in /health), trading still starts."""
    try:
        positions = await infra.sync.sync("POSITIONS")
        others = [await infra.sync.sync(t) for t in infra.sync.status if t != "POSITIONS"]
        open_ = len(infra.conflicts.rows(open_only=True))
        engine._mark("sync", "ok" if positions.ok else "degraded",
                     f"initial reconciliation: {positions.detail}; {len(others) + 1} state "
                     f"types synced; {open_} open conflict(s)")
        infra.conflicts.publish()
        if background:
            tasks.append(asyncio.create_task(infra.sync.run(), name="sync"))
    except Exception as exc:
        log.exception("state sync failed at start-up")
        engine._mark("sync", "degraded", f"initial sync failed: {type(exc).__name__}: {exc}")
    assert engine.plugins is not None
    for info in engine.plugins.infos():  # PLUGIN_FAILURE at load (before we listened)
        if info.state == "blocked" and info.detail.startswith(FAILED_INIT):
            infra.rollback.plugin_failure(info.plugin_id, info.detail)
    try:
        made = infra.checkpoints.create_all("startup")
        engine._mark("checkpoints", "ok", f"{len(made)} start-up checkpoint(s): "
                     + (", ".join(r.checkpoint_id for r in made) or "no plugin loaded"))
        if background:
            tasks.append(asyncio.create_task(infra.rollback.run(), name="rollback"))
    except Exception as exc:
        log.exception("start-up checkpoints failed")
        engine._mark("checkpoints", "degraded", f"{type(exc).__name__}: {exc}")
    engine.health_sections["sync"] = infra.sync.health_lines
    engine.health_sections["checkpoints"] = lambda: checkpoint_health(infra)


def checkpoint_health(infra: Infra) -> tuple[list[str], dict[str, Any]]:
    rows = infra.checkpoints.rows()
    per: dict[str, int] = {}
    for row in rows:
        per[row.plugin_id] = per.get(row.plugin_id, 0) + 1
    lines = [f"Checkpoints: {len(rows)} kept (" + (", ".join(
        f"{p} {n}" for p, n in sorted(per.items())) or "none") + ")"]
    rb_lines, rb_data = infra.rollback.health_lines()
    return lines + rb_lines, {"count": len(rows), "per_plugin": per,
                              "latest": rows[0].checkpoint_id if rows else None, **rb_data}


def views(engine: Engine) -> dict[str, View]:
    """What each layer sees, per state type. PLUGIN compares a plugin's live state
    (export_state, the hybrid layer) with its persisted state (what the core restores
    and checkpoints); the other types are read from one shared source by both layers."""
    assert engine.store is not None and engine.plugins is not None
    store, host = engine.store, engine.plugins

    def plugin_live() -> dict[str, Any]:
        return {p: dict(plugin.export_state()) for p, plugin in sorted(host.plugins.items())}

    def plugin_stored() -> dict[str, Any]:
        return {p: host.services[p].state() for p in sorted(host.plugins) if p in host.services}

    def to_stored(plugin_id: str, value: Any) -> None:
        host.services[plugin_id].save_state(dict(value or {}))

    def to_live(plugin_id: str, value: Any) -> None:
        host.plugins[plugin_id].import_state(dict(value or {}))

    def config() -> dict[str, Any]:
        s = engine.settings
        out: dict[str, Any] = {f"logics.{k}.enabled": v.enabled for k, v in s.logics.items()}
        out.update({f"plugins.{p}.enabled": s.plugins.entry(p).enabled for p in host.plugins})
        out["bridge.mode"] = s.bridge.mode
        return out

    def signals() -> dict[str, Any]:
        return {"decision_records": store.count("signals")}

    def trends() -> dict[str, Any]:
        assert engine.trends is not None
        return {f"{e.symbol} {e.timeframe}": f"{e.value} {e.mode}" for e in engine.trends.all()}

    def risk() -> dict[str, Any]:
        assert engine.risk is not None
        return {k: v for k, v in asdict(engine.risk.counters).items()
                if isinstance(v, int | float | str)}

    def orders() -> dict[str, Any]:
        return {str(d["_key"]): d.get("status") for d in store.all(INTENTS)}

    return {
        "PLUGIN": View(plugin_stored, plugin_live, to_stored, to_live,
                       note="live plugin state against its persisted state"),
        "CONFIG": View(config, config, shared=True, note=SHARED),
        "SIGNALS": View(signals, signals, shared=True, note=SHARED),
        "TRENDS": View(trends, trends, shared=True, note=SHARED),
        "RISK": View(risk, risk, shared=True, note=SHARED),
        "ORDERS": View(orders, orders, shared=True,
                       note="market orders only: in-flight intents, fills reconciled with "
                            "POSITIONS"),
    }
