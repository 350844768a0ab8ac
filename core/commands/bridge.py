"""Bridge commands: /mode (alias /bridge, SPEC §10.2.4) and /health (SPEC §10.2.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from core.bridge import MODES, Bridge
from core.clock import fmt_header
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.domain.enums import Severity
from core.events import ConfigChanged

if TYPE_CHECKING:
    from core.engine import Engine

MODE_TEXT = {
    "passthrough": "only the V4 stable logic trades; plugins are not invoked",
    "translate": "only V5 plugins trade; the V4 logic is not invoked (except in fallback)",
    "hybrid": "V5 plugins trade; the V4 stable logic runs in shadow beside them",
}
OUTCOMES = ("executed", "rejected", "blocked", "ignored", "shadow", "error")


def _bridge(engine: Engine) -> Bridge:
    if engine.bridge is None:
        raise CommandError("the engine is not started")
    return engine.bridge


def _mode_lines(engine: Engine, bridge: Bridge) -> list[str]:
    settings = engine.settings.bridge
    loaded = bridge.host.loaded()
    plugins = ", ".join(f"{p}{'' if on else ' (disabled)'}" for p, on in loaded.items())
    return [f"Mode: {settings.mode} — {MODE_TEXT[settings.mode]}",
            f"Fallback on failure: {'on' if settings.fallback_on_failure else 'off'}",
            f"Plugins loaded: {plugins or 'none'}",
            *(s.text for s in bridge.strategy_states())]


async def mode(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    bridge = _bridge(engine)
    wanted = ctx.args.get("mode")
    states = [{"plugin": s.plugin_id, "state": s.state, "text": s.text}
              for s in bridge.strategy_states()]
    if wanted in (None, "status"):
        return Reply(title=f"Bridge mode: {engine.settings.bridge.mode}",
                     lines=tuple(_mode_lines(engine, bridge)),
                     data={"mode": engine.settings.bridge.mode, "strategies": states,
                           "fallback_on_failure": engine.settings.bridge.fallback_on_failure})
    previous = engine.settings.bridge.mode
    if wanted == previous:
        return Reply(title=f"Bridge mode already {wanted}",
                     lines=tuple(_mode_lines(engine, bridge)), data={"mode": wanted})
    engine.persist_override("bridge.mode", wanted)
    engine.bus.publish(ConfigChanged("bridge.mode", wanted, ctx.command_line))
    states = [{"plugin": s.plugin_id, "state": s.state, "text": s.text}
              for s in bridge.strategy_states()]
    return Reply(title=f"Bridge mode: {previous} → {wanted}", severity=Severity.HIGH,
                 lines=("Applies to signals processed from now on; open positions keep "
                        "their owner.", *_mode_lines(engine, bridge)),
                 data={"mode": wanted, "previous": previous, "strategies": states})


async def health(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    bridge = _bridge(engine)
    settings = engine.settings
    now = engine.clock.monotonic()
    lines = [f"Up since {fmt_header(engine.started_at, settings.display.timezone)}",
             "Start-up: " + ", ".join(f"{s.name} {s.state}" for s in engine.steps.values())]
    for name, (up, detail) in sorted(engine.services.items()):
        lines.append(f"{name}: {'UP' if up else 'DOWN'} — {detail}")
    intake: dict[str, Any] = {}
    if engine.intake is not None:
        st = engine.intake.stats
        intake = {"accepted": st.accepted, "rejected": st.rejected, "duplicates": st.duplicates,
                  "unauthorized": st.unauthorized, "busy": st.busy, "processed": st.processed,
                  "errors": st.errors, "queue_length": engine.intake.queue.qsize(),
                  "queue_max": settings.webhook.queue_max, "by_family": dict(st.by_family),
                  "by_reason": dict(st.by_reason)}
        lines.append(
            f"Webhook intake: accepted {st.accepted} · rejected {st.rejected} · duplicates "
            f"{st.duplicates} · unauthorized {st.unauthorized} · busy {st.busy} · processed "
            f"{st.processed} · errors {st.errors} · queue {intake['queue_length']}/"
            f"{settings.webhook.queue_max}")
    lines.extend(_mode_lines(engine, bridge))
    layers: dict[str, Any] = {}
    for name, ls in sorted(bridge.stats.layers.items()):
        window = ls.errors_in_window(now)
        layers[name] = {"calls": ls.calls, "errors": ls.errors, "errors_in_window": window,
                        "mean_ms": round(ls.mean_ms(), 3), "p95_ms": round(ls.p95_ms(), 3),
                        "last_error": ls.last_error}
        lines.append(f"{name}: {ls.calls} calls, {ls.errors} errors ({window} in 10 min), "
                     f"mean {ls.mean_ms():.2f} ms, p95 {ls.p95_ms():.2f} ms"
                     + (f" — last error: {ls.last_error}" if ls.last_error else ""))
    if bridge.stats.fallback_trades:
        lines.append("Traded by the V4 fallback: " + ", ".join(
            f"{p} {n}" for p, n in sorted(bridge.stats.fallback_trades.items())))
    sections: dict[str, Any] = {}
    for name, section in engine.health_sections.items():
        section_lines, sections[name] = section()
        lines.extend(section_lines)
    rows = tuple((kind, *(str(c.get(o, 0)) for o in OUTCOMES))
                 for kind, c in sorted(bridge.stats.by_type.items()))
    failing = [s for s, (up, detail) in engine.services.items() if not up and detail != "off"]
    return Reply(title="Health" + (f": {', '.join(failing)} DOWN" if failing else ": OK"),
                 lines=tuple(lines), table=Table(("Signal type", *OUTCOMES), rows),
                 severity=Severity.HIGH if failing else Severity.INFO,
                 data={"intake": intake, "bridge": _bridge_data(bridge, settings.bridge.mode),
                       "layers": layers, **sections,
                       "services": {n: {"up": up, "detail": d}
                                    for n, (up, d) in engine.services.items()},
                       "steps": {s.name: {"state": s.state, "detail": s.detail}
                                 for s in engine.steps.values()}})


def _bridge_data(bridge: Bridge, mode_: str) -> Mapping[str, Any]:
    return {"mode": mode_,
            "by_type": {k: dict(v) for k, v in bridge.stats.by_type.items()},
            "fallback_trades": dict(bridge.stats.fallback_trades),
            "strategies": [{"plugin": s.plugin_id, "state": s.state, "text": s.text}
                           for s in bridge.strategy_states()]}


COMMANDS = (
    CommandSpec("mode", Category.STRATEGY, "Bridge mode: who trades (SPEC §3.4)", mode,
                params=(Param("mode", "choice", required=False, choices=(*MODES, "status")),),
                admin=True, confirm=lambda args: args.get("mode") not in (None, "status"),
                aliases=(Alias("bridge"),),
                effect="Changes which layer trades the next signals; open positions keep their "
                       "owner."),
    CommandSpec("health", Category.SYSTEM,
                "Services, start-up steps, intake counters, bridge layers, fallback states",
                health),
)
