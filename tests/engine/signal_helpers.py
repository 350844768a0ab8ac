"""Helpers for the signal-path tests: post any format through the intake, read decisions."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from core.commands.spec import Actor, Reply, Surface
from core.engine import Engine
from core.signals.v5 import V5Signal
from core.strategies.api import Decision, Manifest, PluginServices, StrategyPlugin
from tests.conftest import TEST_SECRET

CLI = Actor(Surface.CLI, "tester")


async def post(engine: Engine, body: dict[str, Any] | str) -> dict[str, Any]:
    """Any format, secret in the query (as pipe text must); waits until processed."""
    assert engine.intake is not None
    data = json.dumps({k: v for k, v in body.items() if k != "secret"}) \
        if isinstance(body, dict) else body
    response = engine.intake.receive(data.encode(), query_secret=TEST_SECRET, peer="127.0.0.1")
    await engine.intake.queue.join()
    return response.body


def record_of(engine: Engine, signal_id: str) -> dict[str, Any]:
    assert engine.store is not None
    [record] = [r for r in engine.store.tail("signals", 50)
                if (r.get("signal") or {}).get("signal_id") == signal_id]
    return record


def layers(record: dict[str, Any]) -> list[tuple[str, bool, str, str, bool]]:
    return [(d["layer"], d["live"], d["outcome"], d["reason"], d["fallback"])
            for d in record["decisions"] if d["layer"] not in ("stores", "bridge")]


async def run(engine: Engine, line: str, confirmed: bool = True) -> Reply:
    return await engine.execute(line, CLI, confirmed)


class RecordingPlugin(StrategyPlugin):
    """A plugin that answers with a fixed decision and remembers what it was sent; it takes
    the place of a built-in plugin (same id and slot), as a third party's newer build would."""

    manifest = Manifest("recording", "Recording", "9.9.9", "V5_HYBRID", "TEST", ())

    def __init__(self, decision: Decision | Exception,
                 services: PluginServices | None = None) -> None:
        self.decision = decision
        self.seen: list[V5Signal] = []
        if services is not None:
            super().__init__(services)

    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        self.seen.append(signal)
        if isinstance(self.decision, Exception):
            raise self.decision
        return self.decision


def install(engine: Engine, plugin_id: str, plugin: RecordingPlugin) -> None:
    """Replace the loaded plugin `plugin_id` by `plugin`, in the same strategy slot."""
    host = engine.plugins
    assert host is not None
    builtin = host.plugins[plugin_id].manifest
    plugin.manifest = replace(builtin, name="Recording", version="9.9.9")
    plugin.services = host.services[plugin_id]
    host.install(plugin, host.services[plugin_id])


def v6_entry(tf: str = "15", symbol: str = "EURUSD", price: float = 1.08452,
             side: str = "BUY") -> str:
    sign = 1 if side == "BUY" else -1
    kind = "BULLISH_ENTRY" if side == "BUY" else "BEARISH_ENTRY"
    sl, tp1 = round(price - sign * 0.0024, 5), round(price + sign * 0.0024, 5)
    return f"{kind}|{symbol}|{tf}|{price}|{side}|HIGH|85|27.4|STRONG|{sl}|{tp1}|NA|NA|5/1|TL_OK|"
