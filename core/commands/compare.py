"""/compare (SPEC §4.4, §10.2.10): live vs shadow decisions per signal, results per layer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.analytics.periods import PERIODS, TradingCalendar, Window
from core.analytics.records import Trade, load_trades
from core.clock import to_display
from core.commands.spec import Category, CommandContext, CommandError, CommandSpec, Param, Reply
from core.commands.spec import Table as T
from core.commands.strategy_views import PLUGIN_IDS, V3_PLUGIN, host, money
from core.signals.intake import SIGNAL_LOG
from core.trading.service import TRADES

if TYPE_CHECKING:
    from core.engine import Engine

FAMILIES = ("all", "v4", "v5", "v3", "v6")
SCAN = 2000  # newest signal-log records searched
MAX_ROWS = 50
V4 = "V4"


def in_family(layer: str, family: str) -> bool:
    """Whether a decision layer ("V4" or a plugin id) belongs to the family asked for."""
    if layer in ("stores", "bridge"):
        return False
    return {"all": True, "v4": layer == V4, "v5": layer != V4, "v3": layer == V3_PLUGIN,
            "v6": layer.startswith("v6_")}[family]


def _owner_layer(strategy: str) -> str:
    """A live trade's owner → its layer: V4 logic labels are the V4 layer."""
    return V4 if strategy.startswith("combinedlogic") else strategy


def _decision(d: dict[str, Any]) -> str:
    mark = " (fallback)" if d.get("fallback") else ""
    text = f"{d.get('layer')}{mark}: {d.get('outcome')} {d.get('reason')}"
    return text + (f" — {d['detail']}" if d.get("detail") else "")


def _signals(engine: Engine, family: str, window: Window, count: int
             ) -> list[dict[str, Any]]:
    if engine.store is None:
        raise CommandError("the engine is not started")
    out = []
    for record in engine.store.tail(SIGNAL_LOG, SCAN):
        decisions = [d for d in record.get("decisions") or []
                     if d.get("layer") not in ("stores", "bridge")]
        # a signal every layer of the family merely ignored (trend updates) compares nothing
        if not any(in_family(str(d.get("layer")), family) and d.get("outcome") != "ignored"
                   for d in decisions):
            continue
        if not window.contains(datetime.fromisoformat(str(record["received_at"]))):
            continue
        out.append({**record, "decisions": decisions})
        if len(out) >= count:
            break
    return out


def _row(record: dict[str, Any], tz: str) -> tuple[str, ...]:
    signal = record.get("signal") or {}
    when = to_display(datetime.fromisoformat(str(record["received_at"])), tz)
    what = " ".join(str(x) for x in (signal.get("symbol"), signal.get("timeframe"),
                                     signal.get("signal_type")) if x)
    live = [_decision(d) for d in record["decisions"] if d.get("live")]
    shadow = [_decision(d) for d in record["decisions"] if not d.get("live")]
    return (f"{when:%d %b %H:%M:%S}", what, "; ".join(live) or "–", "; ".join(shadow) or "–")


def _stats(profits: Iterable[float]) -> dict[str, Any]:
    values = list(profits)
    wins = sum(1 for p in values if p > 0)
    return {"trades": len(values), "wins": wins, "net": round(sum(values), 2),
            "win_rate": round(100 * wins / len(values), 1) if values else 0.0}


def _stats_text(stats: dict[str, Any]) -> str:
    if not stats["trades"]:
        return "no trades"
    return (f"{stats['trades']} trade(s), {stats['win_rate']:.1f} % won, "
            f"{money(stats['net'])}")


def _live_trades(engine: Engine, window: Window) -> list[Trade]:
    assert engine.store is not None
    start = window.start.isoformat() if window.start is not None else ""
    docs = engine.store.scan(TRADES, where=lambda d: str(d.get("closed_at") or "") >= start)
    return [t for t in load_trades(docs, engine.settings.trading.mode)
            if window.contains(t.closed_at)]


def _shadow_trades(engine: Engine, window: Window) -> list[dict[str, Any]]:
    if engine.shadow is None:
        raise CommandError("the engine is not started")
    return [t for t in engine.shadow.closed(since=window.start)
            if window.contains(datetime.fromisoformat(str(t["closed_at"])))]


def _layers(engine: Engine, family: str) -> list[str]:
    known = [V4, *PLUGIN_IDS, *sorted(set(host(engine).candidates) - set(PLUGIN_IDS))]
    return [layer for layer in known if in_family(layer, family)]


async def compare(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    family, period = str(ctx.args.get("family") or "all"), str(ctx.args.get("period") or "today")
    count = int(ctx.args.get("count") or 10)
    window = TradingCalendar.from_settings(engine.settings).period(period, engine.clock.now())
    tz = engine.settings.display.timezone
    records = _signals(engine, family, window, count)
    live = _live_trades(engine, window)
    virtual = _shadow_trades(engine, window)
    layers: dict[str, dict[str, Any]] = {}
    lines = [f"Period: {window.label} · family {family} · {len(records)} signal(s) shown",
             "Per layer (live | shadow):"]
    for layer in _layers(engine, family):
        stats = {"live": _stats(t.profit for t in live if _owner_layer(t.strategy) == layer),
                 "shadow": _stats(float(t["profit"]) for t in virtual
                                  if t.get("owner") == layer)}
        layers[layer] = stats
        lines.append(f"  {layer}: live {_stats_text(stats['live'])} | shadow "
                     f"{_stats_text(stats['shadow'])}")
    families: dict[str, dict[str, Any]] = {}
    for name, member in (("V4", lambda x: x == V4), ("V5", lambda x: x != V4),
                         ("V3", lambda x: x == V3_PLUGIN),
                         ("V6", lambda x: x.startswith("v6_"))):
        families[name] = {
            "live": _stats(t.profit for t in live
                           if t.label.family != "Manual" and member(_owner_layer(t.strategy))),
            "shadow": _stats(float(t["profit"]) for t in virtual
                             if member(str(t.get("owner"))))}
    lines.append("Families: " + " · ".join(
        f"{n} live {_stats_text(s['live'])} | shadow {_stats_text(s['shadow'])}"
        for n, s in families.items()))
    if not records:
        lines.append("No signal in this period was decided by that family.")
    rows = tuple(_row(r, tz) for r in records)
    return Reply(title=f"Live vs shadow · {family} · {period}", lines=tuple(lines),
                 table=T(("Time", "Signal", "Live decision", "Shadow decision"), rows),
                 data={"family": family, "period": period, "layers": layers,
                       "families": families,
                       "signals": [{"signal_id": (r.get("signal") or {}).get("signal_id"),
                                    "received_at": r.get("received_at"),
                                    "decisions": r["decisions"]} for r in records]})


COMMANDS = (
    CommandSpec("compare", Category.PLUGIN, "Live vs shadow decisions per signal and results "
                "per layer/family", compare,
                params=(Param("family", "choice", required=False, choices=FAMILIES,
                              default="all"),
                        Param("period", "period", required=False, choices=PERIODS,
                              default="today"),
                        Param("count", "count", required=False, kind="int", minimum=1,
                              maximum=MAX_ROWS, default=10, presets=("10", "20", "50")))),
)
