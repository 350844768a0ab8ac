"""Plugin context (§9.6.6): which family a command implies, and the question asked otherwise."""

from __future__ import annotations

from bots.telegram.render import escape
from core.commands.spec import CommandSpec


def implied_family(name: str) -> str | None:
    """`/logic*` and `/v3` set the context to V3; `/tf*` and `/v6*` set it to V6."""
    if name.startswith("logic") or name == "v3":
        return "v3"
    if name.startswith(("tf", "v6")):
        return "v6"
    return None


def family_text(spec: CommandSpec, ttl_seconds: float) -> str:
    minutes = max(1, round(ttl_seconds / 60))
    return (f"<b>/{escape(spec.name)}</b> — which plugin family?\n"
            "V3: combined logics (V3 and V4 logic 1–3) · V6: price action (1m, 5m, 15m, 1h) · "
            "V3 + V6: everything, manual trades included.\n"
            f"The choice is kept for {minutes} min in this chat.")
