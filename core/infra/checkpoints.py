"""Plugin checkpoints (SPEC §3.6.1): config, version, state and bridge mode, 10 per plugin."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.config import ConfigError
from core.infra.events import CheckpointRow, CheckpointsChanged

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
TABLE = "checkpoints"
REASONS = ("manual", "startup", "pre_upgrade", "pre_hotswap", "pre_install",
           "pre_config_change", "pre_enable")
RISKY = frozenset(r for r in REASONS if r.startswith("pre_"))


class CheckpointManager:
    """Takes, lists, prunes and restores checkpoints; the engine calls `before_config_change`
    from `persist_override`, so every configuration change made through a command is
    preceded by one (restores and rollbacks suspend that hook: they are not new changes)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._suspended = 0

    @property
    def _store(self) -> Any:
        assert self._engine.store is not None
        return self._engine.store

    # -- taking ---------------------------------------------------------------------------------
    def create(self, plugin_id: str, reason: str, note: str = "") -> CheckpointRow:
        engine = self._engine
        assert engine.plugins is not None
        plugin = engine.plugins.plugins.get(plugin_id)
        if plugin is None:
            raise KeyError(f"{plugin_id} is not loaded")
        now = engine.clock.now()
        checkpoint_id = self._new_id(plugin_id, now)
        # Taking order, kept across pruning: ids of one second alone could not say it.
        seq = 1 + max((int(d.get("seq", 0)) for d in self._store.all(TABLE)), default=0)
        settings = engine.settings
        try:
            state = dict(plugin.export_state())
        except Exception as exc:  # a broken export still leaves a config checkpoint
            log.exception("plugin %s failed to export its state", plugin_id)
            state, note = {}, (note + f" (state not exported: {exc})").strip()
        fallback = not engine.plugins.enabled(plugin_id) and settings.bridge.fallback_on_failure
        doc = {"checkpoint_id": checkpoint_id, "plugin_id": plugin_id,
               "plugin_version": plugin.manifest.version, "track": plugin.manifest.track,
               "config": self.config_of(plugin_id), "state": state,
               "bridge_mode": settings.bridge.mode, "fallback": fallback, "reason": reason,
               "created_at": now.isoformat(), "note": note, "seq": seq}
        self._store.put(TABLE, checkpoint_id, doc)
        self._prune(plugin_id)
        self.publish()
        return _row(doc)

    def create_all(self, reason: str, note: str = "") -> list[CheckpointRow]:
        assert self._engine.plugins is not None
        return [self.create(p, reason, note) for p in sorted(self._engine.plugins.plugins)]

    def before_config_change(self, dotted: str, value: Any = None) -> None:
        """SPEC §3.6.1: a pre_config_change checkpoint (pre_enable when a plugin is switched
        on) of the plugin the key belongs to, or of every loaded plugin for a system-wide
        key (their behaviour depends on it)."""
        if self._suspended or self._engine.plugins is None or self._engine.store is None:
            return
        parts = dotted.split(".")
        loaded = self._engine.plugins.plugins
        targets = [parts[1]] if parts[0] == "plugins" and len(parts) > 1 else sorted(loaded)
        enabling = len(parts) == 3 and parts[2] == "enabled" and value is True
        for plugin_id in targets:
            if plugin_id in loaded:
                self.create(plugin_id, "pre_enable" if enabling else "pre_config_change",
                            dotted)

    def _new_id(self, plugin_id: str, now: datetime) -> str:
        base = f"CP_{plugin_id}_{now:%Y%m%d%H%M%S}"
        taken = {d["checkpoint_id"] for d in self._store.all(TABLE)}
        checkpoint_id, n = base, 1
        while checkpoint_id in taken:  # same second: a suffix
            n += 1
            checkpoint_id = f"{base}_{n}"
        return checkpoint_id

    def _prune(self, plugin_id: str) -> None:
        keep = self._engine.settings.rollback.max_checkpoints_per_plugin
        for doc in self.docs(plugin_id)[keep:]:
            self._store.delete(TABLE, doc["checkpoint_id"])

    def config_of(self, plugin_id: str) -> dict[str, Any]:
        plugins = self._engine.settings.plugins
        section = getattr(plugins, plugin_id, None)
        if isinstance(section, dict):
            return dict(section)
        return (section or plugins.entry(plugin_id)).model_dump(mode="json")

    # -- reading --------------------------------------------------------------------------------
    def docs(self, plugin_id: str | None = None) -> list[dict[str, Any]]:
        """Newest first: by time taken, then by taking order within one second."""
        docs = [d for d in self._store.all(TABLE)
                if plugin_id is None or d["plugin_id"] == plugin_id]
        docs.sort(key=lambda d: (d["created_at"], int(d.get("seq", 0))), reverse=True)
        return docs

    def rows(self, plugin_id: str | None = None) -> list[CheckpointRow]:
        return [_row(d) for d in self.docs(plugin_id)]

    def get(self, checkpoint_id: str) -> dict[str, Any] | None:
        found = self._store.get(TABLE, checkpoint_id)
        if found is None:  # ids are case-sensitive in the store; operators type any case
            found = next((d for d in self.docs() if d["checkpoint_id"].lower()
                          == checkpoint_id.lower()), None)
        return found

    def recent_risky(self, plugin_id: str, minutes: int) -> dict[str, Any] | None:
        """The checkpoint taken before the first risky operation on this plugin in the last
        `minutes` (SPEC §3.6.2 step 3): restoring it undoes every such operation since,
        including switches made automatically a moment before the rollback."""
        since = (self._engine.clock.now() - timedelta(minutes=minutes)).isoformat()
        risky = [d for d in self.docs(plugin_id)
                 if d["reason"] in RISKY and d["created_at"] >= since]
        return risky[-1] if risky else None

    def publish(self) -> None:
        self._engine.bus.publish(CheckpointsChanged(tuple(self.rows())))

    # -- restoring ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def suspended(self) -> Iterator[None]:
        """Config writes inside are restores, not operator changes: no new checkpoints."""
        self._suspended += 1
        try:
            yield
        finally:
            self._suspended -= 1

    def restore(self, doc: Mapping[str, Any], *, keep_disabled: bool = False,
                bridge_mode: bool = True) -> list[str]:
        """Put the plugin's configuration, state and (optionally) the bridge mode back;
        returns what changed, in words. `keep_disabled`: an automatic rollback restores
        everything but the enabled switch (the plugin stays off, SPEC §3.6.2)."""
        engine = self._engine
        plugin_id = str(doc["plugin_id"])
        changed: list[str] = []
        with self.suspended():
            for dotted, value in _leaves(f"plugins.{plugin_id}", doc.get("config") or {}):
                if keep_disabled and dotted.endswith(".enabled"):
                    continue
                try:
                    if engine.config.value(dotted) == value:
                        continue
                except (KeyError, TypeError):
                    pass  # a key the running config does not show: set it
                try:
                    engine.persist_override(dotted, value)
                except ConfigError as exc:  # a key this version no longer has
                    changed.append(f"{dotted} not restored: {exc}")
                    continue
                changed.append(f"{dotted} = {value!r}")
            mode = str(doc.get("bridge_mode") or "")
            if bridge_mode and mode and mode != engine.settings.bridge.mode:
                engine.persist_override("bridge.mode", mode)
                changed.append(f"bridge.mode = {mode!r}")
        assert engine.plugins is not None
        plugin = engine.plugins.plugins.get(plugin_id)
        if plugin is not None:
            plugin.import_state(dict(doc.get("state") or {}))
            changed.append(f"state restored ({len(doc.get('state') or {})} keys)")
        return changed


def _leaves(prefix: str, node: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        dotted = f"{prefix}.{key}"
        if isinstance(value, Mapping) and value:
            yield from _leaves(dotted, value)
        else:
            yield dotted, value


def _row(doc: Mapping[str, Any]) -> CheckpointRow:
    return CheckpointRow(str(doc["checkpoint_id"]), str(doc["created_at"]), str(doc["reason"]),
                         str(doc["plugin_id"]), str(doc["track"]), str(doc["bridge_mode"]),
                         str(doc.get("note") or ""))
