"""Hot-swap and upgrade of a plugin at runtime (SPEC §3.9.3), with checkpoint and restore."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.version import Version

from core.infra.checkpoints import CheckpointManager
from core.infra.events import OperatorNotice
from core.plugins.loader import Candidate, discover, discover_directory, resolve
from core.plugins.marketplace import market_dir

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)


class SwapRefused(Exception):
    """The swap cannot start (unknown plugin or version); nothing was changed."""


@dataclass(frozen=True, slots=True)
class SwapResult:
    ok: bool
    plugin_id: str
    previous: str  # version before
    version: str  # version running now
    checkpoint_id: str
    lines: tuple[str, ...]


def available(engine: Engine, plugin_id: str) -> list[Candidate]:
    """Every usable build of the plugin: the one loaded now and the installed ones (entry
    points and the marketplace's plugins directory), newest version first."""
    assert engine.plugins is not None
    found: dict[str, Candidate] = {}
    current = engine.plugins.candidates.get(plugin_id)
    if current is not None and current.factory is not None and current.manifest is not None:
        found[current.manifest.version] = current
    market = market_dir(engine.settings.marketplace, engine.data_dir)
    for c in resolve(discover() + discover_directory(market)):
        if c.plugin_id == plugin_id and not c.blocked and c.manifest is not None \
                and c.factory is not None:
            found.setdefault(c.manifest.version, c)
    return sorted(found.values(), key=lambda c: Version(c.manifest.version  # type: ignore[union-attr]
                                                        ), reverse=True)


class HotSwapper:
    """Steps of SPEC §3.9.3. The swap itself (export, unload, load, import, probe) runs
    without yielding to the event loop, so no signal reaches the plugin in between: routing
    is stopped for the whole swap and nothing needs to queue."""

    def __init__(self, engine: Engine, checkpoints: CheckpointManager) -> None:
        self._engine = engine
        self._checkpoints = checkpoints

    def target(self, plugin_id: str, version: str | None, newest: bool) -> Candidate:
        builds = available(self._engine, plugin_id)
        if not builds:
            raise SwapRefused(f"{plugin_id}: no loadable build (is it loaded?)")
        if version is None:
            if newest:
                return builds[0]
            current = self._engine.plugins.plugins[plugin_id].manifest.version  # type: ignore[union-attr]
            return next((b for b in builds if b.manifest and b.manifest.version == current),
                        builds[0])
        for build in builds:
            if build.manifest is not None and build.manifest.version == version:
                return build
        versions = ", ".join(b.manifest.version for b in builds if b.manifest)
        raise SwapRefused(f"{plugin_id} {version} is not installed; available: {versions}")

    def swap(self, plugin_id: str, version: str | None = None, *, newest: bool = False,
             reason: str = "pre_hotswap") -> SwapResult:
        engine = self._engine
        host = engine.plugins
        assert host is not None
        if plugin_id not in host.plugins:
            raise SwapRefused(f"{plugin_id} is not loaded")
        build = self.target(plugin_id, version, newest)
        old, old_candidate = host.plugins[plugin_id], host.candidates[plugin_id]
        previous = old.manifest.version
        checkpoint = self._checkpoints.create(plugin_id, reason)  # step 1
        lines = [f"checkpoint {checkpoint.checkpoint_id} ({reason})"]
        state = dict(old.export_state())  # step 3
        assert build.factory is not None and build.manifest is not None
        try:
            new = build.factory(host.services[plugin_id])
            if new.manifest.id != plugin_id:
                raise ValueError(f"the build is {new.manifest.id}, not {plugin_id}")
            host.plugins[plugin_id] = new  # unload the old instance, load the new one
            host.candidates[plugin_id] = build
            new.import_state(state)
            lines.append(f"state moved ({len(state)} keys); {previous} → "
                         f"{new.manifest.version}")
            health = host.health(plugin_id)  # step 4
            if not health.ok:
                raise RuntimeError(f"health probe failed: {health.detail}")
            lines.append(f"health probe ok ({health.detail or 'ok'})")
        except Exception as exc:  # restore: previous instance, checkpoint, report
            log.exception("hot-swap of %s failed", plugin_id)
            host.plugins[plugin_id], host.candidates[plugin_id] = old, old_candidate
            doc = self._checkpoints.get(checkpoint.checkpoint_id)
            if doc is not None:
                self._checkpoints.restore(doc, bridge_mode=False)
            lines += [f"FAILED: {type(exc).__name__}: {exc}",
                      f"restored {checkpoint.checkpoint_id} and version {previous}"]
            engine.bus.publish(OperatorNotice(
                "hotswap_failed", f"Hot-swap of {plugin_id} failed", tuple(lines),
                strategy=plugin_id))
            return SwapResult(False, plugin_id, previous, previous, checkpoint.checkpoint_id,
                              tuple(lines))
        version_now = new.manifest.version
        engine.bus.publish(OperatorNotice(
            "hotswap_done", f"Hot-swap of {plugin_id}: {previous} → {version_now}",
            tuple(lines), strategy=plugin_id))
        return SwapResult(True, plugin_id, previous, version_now, checkpoint.checkpoint_id,
                          tuple(lines))
