"""A test build of a plugin: state in memory (exported and imported), switchable health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core.engine import Engine
from core.plugins.loader import Candidate
from core.signals.v5 import V5Signal
from core.strategies.api import Decision, Health, Manifest, PluginServices, StrategyPlugin

PLUGIN = "v3_combined"


class StatefulPlugin(StrategyPlugin):
    """Keeps its state in memory (the hybrid layer's view); `healthy` is read by `health`."""

    manifest = Manifest(PLUGIN, "Stateful", "9.9.9", "V5_HYBRID", "TEST", ())
    healthy = True

    def __init__(self, services: PluginServices) -> None:
        super().__init__(services)
        self.memory: dict[str, Any] = {}

    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        self.memory["signals"] = int(self.memory.get("signals", 0)) + 1
        return Decision.ignore("NOT_TRADED", "test build")

    def export_state(self) -> dict[str, Any]:
        return dict(self.memory)

    def import_state(self, state: Mapping[str, Any]) -> None:
        self.memory = dict(state)

    def health(self) -> Health:
        return Health(type(self).healthy, "ok" if type(self).healthy else "sick")


def load_test_build(engine: Engine) -> type[StatefulPlugin]:
    """Load a 9.9.9 build of v3_combined through the host's loader (same slot as the
    built-in 1.0.0, which stays installed as an entry point)."""
    assert engine.plugins is not None
    builtin = engine.plugins.plugins[PLUGIN].manifest

    class Build(StatefulPlugin):
        manifest = replace(builtin, name="Stateful", version="9.9.9")
        healthy = True

    engine.plugins.load([Candidate(PLUGIN, Build, Build.manifest, "test build")])
    return Build
