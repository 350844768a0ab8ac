"""Checkpoint and rollback commands (SPEC §3.6, §3.9.3): checkpoints, rollback, upgrade."""

from __future__ import annotations

from core.commands.infra_sync import infra
from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.commands.strategy_views import PLUGIN_IDS, plugin_arg
from core.domain.enums import Severity
from core.infra.hotswap import SwapRefused, SwapResult, available

P = Category.PLUGIN
PLUGIN = Param("plugin", "plugin", presets=PLUGIN_IDS)


def _loaded(ctx: CommandContext, name: str = "plugin") -> str:
    plugin_id = plugin_arg(ctx, name)
    if ctx.engine.plugins is None or plugin_id not in ctx.engine.plugins.plugins:
        raise CommandError(f"{plugin_id} is installed but not loaded (see /deps)")
    return plugin_id


async def checkpoint(ctx: CommandContext) -> Reply:
    services = infra(ctx.engine)
    note = str(ctx.args.get("note") or "")
    if str(ctx.args["plugin"]).lower() == "all":
        made = services.checkpoints.create_all("manual", note)
    else:
        made = [services.checkpoints.create(_loaded(ctx), "manual", note)]
    keep = ctx.engine.settings.rollback.max_checkpoints_per_plugin
    return Reply(title=f"Checkpoint{'s' if len(made) != 1 else ''} created: {len(made)}",
                 lines=(*(f"{r.checkpoint_id} · {r.track} · bridge {r.bridge_mode}"
                          for r in made), f"At most {keep} are kept per plugin."),
                 data={"checkpoints": [r.checkpoint_id for r in made]})


async def checkpoints(ctx: CommandContext) -> Reply:
    services = infra(ctx.engine)
    plugin_id = plugin_arg(ctx) if ctx.args.get("plugin") else None
    docs = services.checkpoints.docs(plugin_id)
    rows = tuple((d["checkpoint_id"], d["plugin_id"], d["plugin_version"], d["track"],
                  d["reason"], d["created_at"][:19].replace("T", " "), d["bridge_mode"],
                  d.get("note") or "") for d in docs)
    return Reply(title=f"Checkpoints{' of ' + plugin_id if plugin_id else ''}: {len(rows)}",
                 table=Table(("Id", "Plugin", "Version", "Track", "Reason", "Created (UTC)",
                              "Bridge", "Note"), rows) if rows else None,
                 lines=() if rows else ("none: /checkpoint PLUGIN creates one",),
                 data={"checkpoints": [{k: d[k] for k in (
                     "checkpoint_id", "plugin_id", "plugin_version", "track", "reason",
                     "created_at", "bridge_mode")} for d in docs]})


async def rollback(ctx: CommandContext) -> Reply:
    services = infra(ctx.engine)
    plugin_id = _loaded(ctx)
    wanted = ctx.args.get("checkpoint_id")
    if wanted:
        doc = services.checkpoints.get(str(wanted))
        if doc is None or doc["plugin_id"] != plugin_id:
            raise CommandError(f"no checkpoint {wanted} of {plugin_id}; /checkpoints "
                               f"{plugin_id} lists them")
    else:
        docs = services.checkpoints.docs(plugin_id)
        if not docs:
            raise CommandError(f"{plugin_id} has no checkpoint; /checkpoint {plugin_id} "
                               "creates one")
        doc = docs[0]
    result = services.rollback.manual(plugin_id, doc)
    return Reply(title=f"{plugin_id} rolled back to {result.checkpoint_id}",
                 lines=result.lines, severity=Severity.HIGH,
                 data={"plugin": plugin_id, "checkpoint_id": result.checkpoint_id,
                       "reason": result.reason})


def _swap_reply(ctx: CommandContext, result: SwapResult, verb: str) -> Reply:
    if not result.ok:
        return Reply(title=f"{verb} of {result.plugin_id} failed: restored {result.previous}",
                     lines=result.lines, ok=False, severity=Severity.HIGH,
                     data={"plugin": result.plugin_id, "version": result.version,
                           "checkpoint_id": result.checkpoint_id})
    return Reply(title=f"{verb} of {result.plugin_id}: {result.previous} → {result.version}",
                 lines=result.lines, severity=Severity.MEDIUM,
                 data={"plugin": result.plugin_id, "previous": result.previous,
                       "version": result.version, "checkpoint_id": result.checkpoint_id})


async def hotswap(ctx: CommandContext) -> Reply:
    plugin_id = _loaded(ctx)
    version = ctx.args.get("version")
    try:
        result = infra(ctx.engine).hotswap.swap(plugin_id, version and str(version))
    except SwapRefused as exc:
        raise CommandError(str(exc)) from exc
    return _swap_reply(ctx, result, "Hot-swap")


async def upgrade(ctx: CommandContext) -> Reply:
    """Newest compatible version (checkpoint + hot-swap); ends the strategy's fallback."""
    engine = ctx.engine
    services = infra(engine)
    plugin_id = _loaded(ctx)
    version = ctx.args.get("version")
    try:
        result = services.hotswap.swap(plugin_id, version and str(version), newest=True,
                                       reason="pre_upgrade")
    except SwapRefused as exc:
        raise CommandError(str(exc)) from exc
    reply = _swap_reply(ctx, result, "Upgrade")
    if not result.ok:
        return reply
    lines = list(reply.lines)
    if result.previous == result.version:
        builds = ", ".join(c.manifest.version for c in available(engine, plugin_id)
                           if c.manifest)
        lines.append(f"{result.version} is the newest compatible version installed "
                     f"({builds}): re-loaded")
    assert engine.plugins is not None
    if not engine.plugins.enabled(plugin_id):
        with services.checkpoints.suspended():  # covered by the pre_upgrade checkpoint
            engine.plugins.set_enabled(plugin_id, True)
        lines.append(f"{plugin_id} enabled: its fallback to the V4 stable logic ends")
    return Reply(title=reply.title, lines=tuple(lines), severity=reply.severity,
                 data={**reply.data, "enabled": engine.plugins.enabled(plugin_id)})


COMMANDS = [
    CommandSpec("upgrade", P, "Move to the newest compatible version (checkpoint + hot-swap); "
                "ends fallback", upgrade,
                params=(PLUGIN, Param("version", "version", required=False)),
                admin=True, confirm=True,
                effect="Checkpoint, hot-swap to the newest compatible version, re-enable."),
    CommandSpec("rollback", P, "Restore a checkpoint (SPEC §3.6)", rollback,
                params=(PLUGIN, Param("checkpoint_id", "checkpoint_id", required=False)),
                admin=True, confirm=True,
                effect="Restores the plugin's configuration, state and bridge mode."),
    CommandSpec("checkpoint", P, "Create a checkpoint", checkpoint,
                params=(Param("plugin", "plugin", presets=(*PLUGIN_IDS, "all"),
                              help="a plugin id or all"),
                        Param("note", "text", required=False)),
                admin=True),
    CommandSpec("checkpoints", P, "List checkpoints", checkpoints,
                params=(Param("plugin", "plugin", required=False, presets=PLUGIN_IDS),)),
    CommandSpec("hotswap", P, "Replace a plugin's code/version at runtime (SPEC §3.9.3)",
                hotswap, params=(PLUGIN, Param("version", "version", required=False)),
                admin=True, confirm=True,
                effect="Checkpoint, swap the plugin's code keeping its state; restored on "
                       "failure."),
]
