"""PLUGIN commands /market and /benchmark (SPEC §3.9.2, §3.9.4)."""

from __future__ import annotations

import logging

from packaging.version import Version

from core.commands.spec import Category, CommandContext, CommandError, CommandSpec, Param, Reply
from core.commands.spec import Table as T
from core.domain.enums import Severity
from core.plugins.benchmark import SUITE, run_benchmark, suite_signals
from core.plugins.host import PluginHost
from core.plugins.loader import Candidate, load_file, resolve
from core.plugins.marketplace import Listing, MarketError, Marketplace

log = logging.getLogger(__name__)
ACTIONS = ("search", "info", "install", "update", "remove", "rate")
ADMIN_ACTIONS = ("install", "update", "remove")  # SPEC §10.2.10: admin + confirmation
PLUGIN_PRESETS = ("v3_combined", "v6_price_action_1m", "v6_price_action_5m",
                  "v6_price_action_15m", "v6_price_action_1h")


def _market(ctx: CommandContext) -> Marketplace:
    store = ctx.engine.store
    if store is None:
        raise CommandError("the engine is not started")
    return Marketplace(ctx.engine.settings.marketplace, ctx.engine.data_dir, store)


def _host(ctx: CommandContext) -> PluginHost:
    if ctx.engine.plugins is None:
        raise CommandError("the engine is not started")
    return ctx.engine.plugins


def _target(ctx: CommandContext) -> str:
    target = ctx.args.get("target")
    if not target:
        raise CommandError(f"/market {ctx.args['action']}: which plugin? usage: "
                           f"/market {ctx.args['action']} ID")
    return str(target).strip()


def _stars(listing: Listing) -> str:
    return "—" if listing.rating is None else f"{listing.rating:.1f}★ ({listing.votes})"


async def _search(ctx: CommandContext, market: Marketplace) -> Reply:
    words = " ".join(str(ctx.args[k]) for k in ("target", "value") if ctx.args.get(k))
    index = await market.index()
    installed = market.installed()
    host = _host(ctx)
    found = [item for item in index.values() if words.lower() in
             f"{item.id} {item.name} {item.summary}".lower()]
    rows = tuple((i.id, i.name, i.latest.version if i.releases else "—", _stars(i),
                  installed.get(i.id, {}).get("version")
                  or ("built in" if i.id in host.plugins else "no")) for i in found)
    return Reply(title=f"Marketplace: {len(found)} plugin(s)" + (f" for {words!r}" if words
                                                                   else ""),
                 table=T(("Id", "Name", "Latest", "Rating", "Installed"), rows),
                 lines=() if rows else ("Nothing in the index matches.",),
                 data={"results": [r[0] for r in rows]})


async def _info(ctx: CommandContext, market: Marketplace) -> Reply:
    listing = await market.listing(_target(ctx))
    receipt = market.installed().get(listing.id)
    local = market.local_ratings(listing.id)
    lines = [listing.summary or "(no description)", f"Author: {listing.author} · rating "
             f"{_stars(listing)}" + (f" · rated here: {local}" if local else ""),
             "Installed: " + (receipt["version"] if receipt else "no")]
    rows = tuple((r.version, r.sha256[:12] + "…", ", ".join(
        f"{k} {v}" for k, v in (r.requires or {}).items()) or "—") for r in
        sorted(listing.releases, key=lambda r: Version(r.version), reverse=True))
    return Reply(title=f"{listing.name} ({listing.id})", lines=tuple(lines),
                 table=T(("Version", "sha256", "Requires"), rows),
                 data={"id": listing.id, "versions": [r[0] for r in rows],
                       "installed": receipt["version"] if receipt else None,
                       "rating": listing.rating, "local_ratings": local})


def _checked(host: PluginHost, candidate: Candidate, version: str) -> Candidate:
    """The package's manifest must be the release the index named, and its dependencies
    must hold against what is installed (SPEC §3.9.1); otherwise refused."""
    if candidate.manifest is not None and candidate.manifest.version != version:
        raise CommandError(f"refused: the package says version {candidate.manifest.version}, "
                           f"the index {version}")
    others = [c for pid, c in host.candidates.items() if pid != candidate.plugin_id]
    [checked] = [c for c in resolve([*others, candidate]) if c is candidate
                 or c.plugin_id == candidate.plugin_id]
    if checked.blocked:
        raise CommandError(f"refused: {candidate.plugin_id} {version}: {checked.blocked}")
    return checked


def _checkpoint(ctx: CommandContext, plugin_id: str, reason: str, note: str) -> str:
    """SPEC §3.9.4: installs and updates create a checkpoint (§3.6.1)."""
    infra = ctx.engine.infra
    if infra is None:
        return "no checkpoint: the checkpoint service is not running"
    row = infra.checkpoints.create(plugin_id, reason, note)
    return f"checkpoint {row.checkpoint_id}"


def _unload(host: PluginHost, plugin_id: str) -> None:
    for table in (host.plugins, host.services, host.candidates):
        table.pop(plugin_id, None)
    host.load([])  # re-resolves the strategy slots without the plugin


async def _install(ctx: CommandContext, market: Marketplace, update: bool) -> Reply:
    plugin_id, host = _target(ctx), _host(ctx)
    receipt = market.installed().get(plugin_id)
    if update and receipt is None:
        raise CommandError(f"refused: {plugin_id} was not installed from the marketplace")
    if not update and plugin_id in host.candidates:
        raise CommandError(f"refused: {plugin_id} is already installed; /market update "
                           f"{plugin_id} moves it to the newest version")
    listing = await market.listing(plugin_id)
    release = listing.release(None if update else ctx.args.get("value"))
    if update and receipt is not None and Version(release.version) <= Version(receipt["version"]):
        return Reply(title=f"{plugin_id} is up to date ({receipt['version']})",
                     data={"id": plugin_id, "version": receipt["version"], "changed": False})
    payload = await market.download(listing, release)
    staged = market.stage(plugin_id, payload)
    candidate = _checked(host, load_file(plugin_id, staged, release.version), release.version)
    engine = ctx.engine
    if update:
        previous = host.plugins.get(plugin_id)
        state = previous.export_state() if previous is not None else {}
        note = _checkpoint(ctx, plugin_id, "pre_upgrade", f"market update to {release.version}"
                           ) if previous is not None else "no previous version loaded"
        _unload(host, plugin_id)
    else:  # SPEC §3.9.4: a new plugin starts disabled and in shadow, before it can decide
        engine.persist_override(f"plugins.{plugin_id}.enabled", False)
        engine.persist_override(f"plugins.{plugin_id}.shadow_mode", True)
    host.load([candidate])
    if plugin_id not in host.plugins:
        why = host.candidates[plugin_id].blocked if plugin_id in host.candidates else "?"
        _unload(host, plugin_id)
        raise CommandError(f"refused: {plugin_id} {release.version} did not load: {why}")
    if update:
        host.plugins[plugin_id].import_state(state)
    home = market.commit(plugin_id, staged, release, market.settings.index_url)
    if not update:  # the first checkpoint of a new plugin: as installed, disabled, in shadow
        note = _checkpoint(ctx, plugin_id, "pre_install", f"market install {release.version}")
    log.info("marketplace: %s %s %s by %s", "updated" if update else "installed", plugin_id,
             release.version, ctx.actor.user)
    lines = [f"Package verified (sha256 {release.sha256[:12]}…) and installed in {home}.",
             f"{note[0].upper()}{note[1:]}."]
    if not update:
        lines.append(f"It starts DISABLED and in SHADOW: /enable {plugin_id}, then /shadow "
                     f"{plugin_id} off to let it trade.")
    return Reply(title=f"{plugin_id} {release.version} " + ("updated" if update else
                                                            "installed"),
                 lines=tuple(lines), severity=Severity.MEDIUM,
                 data={"id": plugin_id, "version": release.version, "changed": True,
                       "enabled": host.enabled(plugin_id), "shadow": host.shadow(plugin_id)})


async def _remove(ctx: CommandContext, market: Marketplace) -> Reply:
    plugin_id, host = _target(ctx), _host(ctx)
    if plugin_id not in market.installed():
        raise CommandError(f"refused: {plugin_id} was not installed from the marketplace")
    trading = ctx.engine.trading
    owned = [t for t in (trading.positions if trading else {})
             if trading is not None and trading.meta(t).get("strategy") == plugin_id]
    if owned:
        raise CommandError(f"refused: {plugin_id} owns {len(owned)} open position(s) "
                           f"({', '.join(f'#{t}' for t in owned)}); close them first")
    _unload(host, plugin_id)
    market.remove(plugin_id)
    return Reply(title=f"{plugin_id} removed", severity=Severity.MEDIUM,
                 lines=("Unloaded and deleted from the plugins directory; its settings stay.",),
                 data={"id": plugin_id, "removed": True})


async def _rate(ctx: CommandContext, market: Marketplace) -> Reply:
    plugin_id, raw = _target(ctx), str(ctx.args.get("value") or "")
    if raw not in ("1", "2", "3", "4", "5"):
        raise CommandError(f"stars: {raw or 'nothing'!r} is not allowed; use one of 1, 2, 3, "
                           "4, 5")
    how = await market.rate(plugin_id, int(raw), ctx.actor.user,
                            ctx.engine.clock.now().isoformat())
    return Reply(title=f"{plugin_id} rated {raw}★", lines=(f"Rating {how}.",),
                 data={"id": plugin_id, "stars": int(raw), "how": how})


async def market(ctx: CommandContext) -> Reply:
    action = str(ctx.args["action"])
    if action in ADMIN_ACTIONS and not ctx.actor.admin:
        raise CommandError(f"admin only: /market {action} changes the installed plugins")
    shop = _market(ctx)
    try:
        if action == "search":
            return await _search(ctx, shop)
        if action == "info":
            return await _info(ctx, shop)
        if action in ("install", "update"):
            return await _install(ctx, shop, update=action == "update")
        if action == "remove":
            return await _remove(ctx, shop)
        return await _rate(ctx, shop)
    except MarketError as exc:
        raise CommandError(str(exc)) from exc


async def benchmark(ctx: CommandContext) -> Reply:
    engine, host = ctx.engine, _host(ctx)
    wanted = ctx.args.get("plugin")
    if wanted is not None and wanted not in host.plugins:
        raise CommandError(f"plugin: {wanted!r} is not loaded; use one of "
                           + ", ".join(sorted(host.plugins)))
    ids = [str(wanted)] if wanted else sorted(host.plugins)
    if not ids:
        raise CommandError("no plugin is loaded")
    signals = suite_signals(engine.symbols(), engine.settings.symbols.mapping, engine.clock.now())
    results = [await run_benchmark(host.plugins[pid], signals) for pid in ids]
    rows = tuple((r.plugin_id, str(r.calls), str(r.errors), f"{r.p50_ms:.3f}",
                  f"{r.p95_ms:.3f}", f"{r.max_ms:.3f}") for r in results)
    warn = engine.settings.performance.warn_ms  # SPEC §3.9.2 warning threshold
    slow = [r.plugin_id for r in results if r.p95_ms > warn]
    lines = [f"{len(SUITE)} sample alerts (legacy, V3, V6 text and JSON, NA cases) × "
             f"{results[0].calls // len(SUITE)} rounds, decided in shadow: no order, no state "
             "change.",
             f"Warning threshold {warn:g} ms: " + (", ".join(slow) + " above it" if slow
                                                    else "every plugin below it")]
    lines += [f"{r.plugin_id}: " + ", ".join(f"{k} {v}" for k, v in r.outcomes)
              for r in results]
    return Reply(title=f"Benchmark: {len(results)} plugin(s)", lines=tuple(lines),
                 table=T(("Plugin", "Calls", "Errors", "p50 ms", "p95 ms", "max ms"), rows),
                 severity=Severity.MEDIUM if slow else Severity.INFO,
                 data={"results": [r.as_dict() for r in results], "slow": slow})


COMMANDS = (
    CommandSpec("market", Category.PLUGIN, "Marketplace: search, info, install, update, "
                "remove, rate (install/update/remove: admin)", market,
                params=(Param("action", "market_action", choices=ACTIONS, presets=ACTIONS),
                        Param("target", "plugin", required=False,
                              help="plugin id (search: the text)"),
                        Param("value", "value", required=False,
                              help="install: version · rate: 1–5")),
                confirm=lambda args: args.get("action") in ADMIN_ACTIONS,
                effect="Changes the installed plugins (verified package; new plugins start "
                       "disabled and in shadow)."),
    CommandSpec("benchmark", Category.PLUGIN, "Replay the sample-alert suite against a plugin "
                "in shadow; p50/p95/max timings", benchmark, admin=True,
                params=(Param("plugin", "plugin", required=False, presets=PLUGIN_PRESETS),)),
)
