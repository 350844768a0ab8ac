"""Third-party-style plugins for the loader tests: one good, one with a bad manifest."""

from __future__ import annotations

from core.signals.v5 import V5Signal
from core.strategies.api import Decision, Manifest, StrategyPlugin


class EchoPlugin(StrategyPlugin):
    """Refuses everything with its own reason: enough to see who answered."""

    manifest = Manifest("echo", "Echo", "2.1.0", "V6_EXPERIMENTAL", "ECHO", ("5m",),
                        requires={"core": ">=1.0,<2"})

    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        return Decision.reject("ECHO", f"echo saw {signal.action} (shadow={shadow})")


class FutureCorePlugin(EchoPlugin):
    manifest = Manifest("future", "Future", "1.0.0", "V5_HYBRID", "ECHO", ("5m",),
                        requires={"core": ">=2.0"})


not_a_plugin = object()
