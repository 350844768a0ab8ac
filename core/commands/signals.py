"""STRATEGY commands of the signal intake: /signals and /signal_status (SPEC §10.2.4)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.clock import to_display
from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.config import ConfigError
from core.events import ConfigChanged
from core.signals.intake import SIGNAL_LOG
from core.storage.store import Store

if TYPE_CHECKING:
    from core.engine import Engine

FORMATS = ("legacy", "v3", "v6")
WINDOW_RANGE = (60, 900)
STATUS_SCAN = 2000  # newest records searched when filtering by symbol
MAX_ROWS = 50


def _store(engine: Engine) -> Store:
    if engine.store is None:
        raise CommandError("the engine is not started")
    return engine.store


def _change(ctx: CommandContext, key: str, value: Any) -> None:
    try:
        ctx.engine.persist_override(key, value)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    ctx.engine.bus.publish(ConfigChanged(key, value, ctx.command_line))


async def signals(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    target, value = ctx.args.get("target"), ctx.args.get("value")
    changed = ""
    if target in FORMATS:
        current = bool(getattr(engine.settings.webhook.formats, target))
        if value is None:
            wanted = not current
        elif value.lower() in ("on", "off"):
            wanted = value.lower() == "on"
        else:
            raise CommandError(f"/signals {target}: use on or off, got {value!r}")
        _change(ctx, f"webhook.formats.{target}", wanted)
        changed = f"{target.upper()} alerts switched {'on' if wanted else 'off'}"
    elif target == "window":
        low, high = WINDOW_RANGE
        try:
            seconds = int(str(value))
        except ValueError:
            raise CommandError(f"/signals window: give SECONDS from {low} to {high}, e.g. "
                               "/signals window 300") from None
        if not low <= seconds <= high:
            raise CommandError(f"/signals window: {seconds} is out of range (allowed "
                               f"{low}–{high} seconds)")
        _change(ctx, "webhook.duplicate_window_seconds", seconds)
        changed = f"duplicate window set to {seconds} s"
    return _view(engine, changed)


def _view(engine: Engine, changed: str) -> Reply:
    settings = engine.settings
    formats = {name: bool(getattr(settings.webhook.formats, name)) for name in FORMATS}
    stats = engine.intake.stats if engine.intake is not None else None
    lines = [changed] if changed else []
    lines.append("Formats: " + " · ".join(f"{n.upper() if n != 'legacy' else 'legacy'} "
                                          f"{'ON' if on else 'OFF'}" for n, on in formats.items()))
    squeeze = settings.plugins.v3_combined.config.squeeze_dedupe_seconds
    lines.append(f"Duplicate window: {settings.webhook.duplicate_window_seconds} s "
                 f"(V3 squeeze notices: one per symbol and timeframe per {squeeze} s)")
    if stats is not None:
        per = ", ".join(f"{k} {v}" for k, v in sorted(stats.by_family.items())) or "none yet"
        lines.append(f"Since start: accepted {stats.accepted} ({per}) · rejected "
                     f"{stats.rejected} · duplicates {stats.duplicates} · unauthorized "
                     f"{stats.unauthorized}")
    mapping = settings.symbols.mapping
    rows = tuple((s, mapping.get(s, s)) for s in settings.symbols.enabled)
    return Reply(title="Signal intake", lines=tuple(lines),
                 table=Table(("Symbol", "Broker name"), rows),
                 data={"formats": formats,
                       "duplicate_window_seconds": settings.webhook.duplicate_window_seconds,
                       "squeeze_dedupe_seconds": squeeze,
                       "mapping": {s: b for s, b in rows}})


async def signal_status(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    store = _store(engine)
    symbol: str | None = ctx.args.get("symbol")
    count = int(ctx.args.get("count") or 0)
    if symbol is not None and symbol.isdigit() and not count:
        count = int(symbol)  # `/signal_status 20`: only a count was given
        symbol = None
    count = count or 10
    if not 1 <= count <= MAX_ROWS:
        raise CommandError(f"/signal_status: N must be from 1 to {MAX_ROWS}, got {count}")
    if symbol is not None:
        symbol = symbol.strip().upper().rsplit(":", 1)[-1]
        if symbol not in engine.symbols():
            raise CommandError(f"/signal_status: unknown symbol {symbol}; use one of "
                               + ", ".join(sorted(engine.symbols())))
    records = store.tail(SIGNAL_LOG, count if symbol is None else STATUS_SCAN)
    if symbol is not None:
        records = [r for r in records if (r.get("signal") or {}).get("symbol") == symbol][:count]
    tz = engine.settings.display.timezone
    rows = tuple(_row(r, tz) for r in records)
    title = f"Latest {len(rows)} signal(s)" + (f" · {symbol}" if symbol else "")
    return Reply(title=title, lines=() if rows else ("No signals recorded yet.",),
                 table=Table(("Time", "Format", "Type", "Symbol", "Outcome", "Reason",
                              "Layers"), rows),
                 data={"signals": [_summary(r) for r in records]})


def _row(record: dict[str, Any], tz: str) -> tuple[str, ...]:
    signal = record.get("signal") or {}
    received = datetime.fromisoformat(str(record["received_at"]))
    local = to_display(received, tz)
    where = f"{signal.get('symbol', '—')} {signal.get('timeframe', '')}".strip()
    kind = signal.get("signal_type") or "—"
    alert = (signal.get("extras") or {}).get("alert_type")
    return (f"{local:%d %b %H:%M:%S} {local.tzname()}", str(record.get("format") or "?"),
            f"{kind} ({alert})" if alert and alert != kind else kind, where,
            str(record.get("outcome") or record.get("status") or "?"),
            str(record.get("reason") or "—"), _layers(record.get("decisions") or []))


def _layers(decisions: list[dict[str, Any]]) -> str:
    parts = []
    for d in decisions:
        if d.get("layer") in ("stores", "bridge"):
            continue
        mark = " shadow" if not d.get("live") else " fallback" if d.get("fallback") else ""
        parts.append(f"{d.get('layer')}{mark}: {d.get('outcome')} {d.get('reason')}")
    return "; ".join(parts) or "—"


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    signal = record.get("signal") or {}
    return {"no": record.get("_no"), "received_at": record.get("received_at"),
            "format": record.get("format"), "type": signal.get("signal_type"),
            "symbol": signal.get("symbol"), "timeframe": signal.get("timeframe"),
            "status": record.get("status"), "outcome": record.get("outcome"),
            "reason": record.get("reason"), "decisions": record.get("decisions") or [],
            "latency_ms": record.get("latency_ms")}


COMMANDS = (
    CommandSpec("signals", Category.STRATEGY,
                "Signal intake: formats on/off, duplicate window, symbol mapping", signals,
                params=(Param("target", "choice", required=False,
                              choices=("legacy", "v3", "v6", "window"),
                              help="a format to switch, or window"),
                        Param("value", "text", required=False, presets=("on", "off", "300"),
                              help="on|off for a format; SECONDS 60-900 for window"))),
    CommandSpec("signal_status", Category.STRATEGY,
                "Latest signals: time, format, type, outcome per layer, reason", signal_status,
                params=(Param("symbol", "symbol", required=False),
                        Param("count", "count", required=False, kind="int", minimum=1,
                              maximum=MAX_ROWS, presets=("10", "20", "50")))),
)
