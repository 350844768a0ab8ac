"""STRATEGY commands (SPEC §10.2.4): menu, logic switches, /v3, /filters, /multiplier, status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.analytics.periods import TradingCalendar
from core.commands import strategy_v6
from core.commands.risk import switch_value
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
from core.commands.strategy_views import (
    LOGIC_NAMES,
    V3_PLUGIN,
    V6_TIMEFRAMES,
    day_of,
    day_text,
    info_state,
    logic_row,
    on_off,
    set_config,
    state_text,
    transition,
    v6_config,
    v6_id,
)
from core.config.settings import LogicSettings
from core.trading.service import TRADES

if TYPE_CHECKING:
    from core.engine import Engine

S = Category.STRATEGY
V3_FILTERS: dict[str, tuple[float, float]] = {"min_consensus_score": (3, 9),
                                              "launchpad_buy_min_consensus": (5, 9)}
V6_FILTERS: dict[str, tuple[float, float]] = {"adx_min": (10, 40), "confidence_min": (40, 95)}
SPREAD: dict[str, tuple[float, float]] = {"max_spread_pips": (0.5, 5)}
FILTER_KEYS = (*V3_FILTERS, *V6_FILTERS, *SPREAD)
TARGETS = ("logic1", "logic2", "logic3", *V6_TIMEFRAMES)
MULTIPLIERS = ("0.5", "0.75", "1.0", "1.25", "1.5", "2.0", "2.5")
FILTER_TARGETS = ("v3", *V6_TIMEFRAMES)


# -- the menu ------------------------------------------------------------------------------
async def strategy(ctx: CommandContext) -> Reply:
    engine, settings = ctx.engine, ctx.engine.settings
    logics = " · ".join(f"{LOGIC_NAMES[label]} {on_off(cfg.enabled)} ({cfg.entry_timeframe})"
                        for label, cfg in settings.logics.items())
    v6 = " · ".join(f"{tf} {info_state(engine, v6_id(tf))[0]}" for tf in V6_TIMEFRAMES)
    v3cfg = settings.plugins.v3_combined.config
    v6_filters = " · ".join(f"{tf} ADX ≥ {v6_config(settings, tf).adx_min:g}, conf ≥ "
                            f"{v6_config(settings, tf).confidence_min:g}"
                            for tf in V6_TIMEFRAMES)
    commands = engine.registry.command_list(S, without="strategy")
    lines = (f"Logics: {logics} — /logic1 /logic2 /logic3 /logic_status",
             f"V3: {state_text(engine, V3_PLUGIN)} — /v3",
             f"V6: {v6} — /v6 /v6_status /v6_control",
             f"Bridge mode: {settings.bridge.mode} — /mode",
             f"Filters: V3 consensus ≥ {v3cfg.min_consensus_score}, Launchpad buy ≥ "
             f"{v3cfg.launchpad_buy_min_consensus}; V6 {v6_filters} — /filters /multiplier",
             "Signals: /signals /signal_status",
             "Commands: " + " ".join(commands))
    return Reply(title="Strategy", lines=lines,
                 data={"commands": commands, "bridge_mode": settings.bridge.mode,
                       "logics": {k: v.enabled for k, v in settings.logics.items()}})


# -- logics --------------------------------------------------------------------------------
def _open_groups(engine: Engine, label: str) -> int:
    trading = engine.trading
    if trading is None:
        return 0
    groups = set()
    for position in trading.positions.values():
        meta = trading.meta(position.ticket)
        if label in (meta.get("strategy"), meta.get("logic")):
            groups.add(str(meta.get("group_id") or position.ticket))
    return len(groups)


def _groups_today(engine: Engine, label: str, now: datetime) -> int:
    """Order groups of the logic (V4 or V3 routing) opened this trading day, open or closed."""
    start = TradingCalendar.from_settings(engine.settings).period("today", now).start
    since = start.isoformat() if start is not None else ""
    groups: set[str] = set()

    def mine(doc: dict[str, Any]) -> bool:
        return label in (doc.get("strategy"), doc.get("logic")) and \
            str(doc.get("opened_at") or "") >= since

    if engine.store is not None:
        for doc in engine.store.scan(TRADES, where=lambda d: str(d.get("closed_at") or "")
                                     >= since and mine(d)):
            groups.add(str(doc.get("group_id") or doc.get("ticket")))
    if engine.trading is not None:
        for position in engine.trading.positions.values():
            meta = engine.trading.meta(position.ticket)
            if mine(meta):
                groups.add(str(meta.get("group_id") or position.ticket))
    return len(groups)


def _logic_lines(engine: Engine, label: str, cfg: LogicSettings) -> list[str]:
    now = engine.clock.now()
    return [f"Entry {cfg.entry_timeframe} · must be aligned on "
            f"{' and '.join(cfg.alignment_timeframes)}",
            f"Lot × {cfg.lot_multiplier:g} · SL × {cfg.sl_multiplier:g} · recovery window "
            f"{cfg.recovery_window_minutes} min · routing V4 {cfg.v4_routing}, "
            f"V3 {cfg.v3_routing}",
            f"{_open_groups(engine, label)} open group(s) · "
            f"{_groups_today(engine, label, now)} group(s) opened today"]


def _logic(n: int) -> Callable[[CommandContext], Awaitable[Reply]]:
    label = f"combinedlogic-{n}"

    async def handler(ctx: CommandContext) -> Reply:
        cfg = ctx.engine.settings.logics[label]
        value = switch_value(ctx.args.get("switch"), cfg.enabled)
        if value is None:
            return Reply(title=f"Logic {n} ({label}): {on_off(cfg.enabled)}",
                         lines=tuple(_logic_lines(ctx.engine, label, cfg)),
                         data=logic_row(label, cfg))
        before = cfg.enabled
        set_config(ctx, f"logics.{label}.enabled", value)
        cfg = ctx.engine.settings.logics[label]
        note = ("New entries for it are blocked with LOGIC_DISABLED, in the V4 logic and in "
                "the V3 plugin's routing; open positions stay managed." if not value else
                "New entries for it are evaluated again (V4 logic and V3 routing).")
        return Reply(title=f"Logic {n} ({label}): {transition(before, value)}",
                     lines=(note, *_logic_lines(ctx.engine, label, cfg)),
                     data=logic_row(label, cfg))
    return handler


def _alignment(engine: Engine, symbol: str, cfg: LogicSettings) -> str:
    if engine.trends is None:
        raise CommandError("the engine is not started")
    values = [engine.trends.get(symbol, tf).value for tf in cfg.alignment_timeframes]
    if len(set(values)) == 1 and values[0] != "NEUTRAL":
        return "BUY ✓" if values[0] == "BULLISH" else "SELL ✓"
    return "— (" + "/".join(v[:4] for v in values) + ")"


async def logic_status(ctx: CommandContext) -> Reply:
    engine, settings = ctx.engine, ctx.engine.settings
    lines, data = [], {}
    for label, cfg in settings.logics.items():
        day = day_of(engine, label)
        lines.append(f"{LOGIC_NAMES.get(label, label)} ({label}) {on_off(cfg.enabled)} · entry "
                     f"{cfg.entry_timeframe} · aligned on {'+'.join(cfg.alignment_timeframes)} · "
                     f"{_open_groups(engine, label)} open group(s) · "
                     f"{_groups_today(engine, label, engine.clock.now())} group(s) today "
                     f"(V4 logic: {day.groups_opened})")
        data[label] = {**logic_row(label, cfg), "open_groups": _open_groups(engine, label)}
    rows = tuple((symbol, *(_alignment(engine, symbol, cfg) for cfg in settings.logics.values()))
                 for symbol in settings.symbols.enabled)
    columns = ("Symbol", *(f"{LOGIC_NAMES.get(k, k)} ({'+'.join(c.alignment_timeframes)})"
                           for k, c in settings.logics.items()))
    return Reply(title="Logic status", lines=(*lines, "Alignment now (✓ = an entry that way "
                                              "passes the trend check):"),
                 table=Table(columns, rows), data={"logics": data})


# -- V3 card -------------------------------------------------------------------------------
async def v3(ctx: CommandContext) -> Reply:
    engine, settings = ctx.engine, ctx.engine.settings
    entry = settings.plugins.v3_combined
    cfg = entry.config
    state, detail = info_state(engine, V3_PLUGIN)
    day = day_of(engine, V3_PLUGIN)
    lines = (f"Plugin {V3_PLUGIN}: {state} ({detail})",
             f"Enabled {on_off(entry.enabled)} · shadow {on_off(entry.shadow_mode)}",
             f"Bridge: {state_text(engine, V3_PLUGIN)}",
             f"Thresholds: consensus ≥ {cfg.min_consensus_score} · Launchpad buy ≥ "
             f"{cfg.launchpad_buy_min_consensus} · aggressive reversal ≥ "
             f"{cfg.aggressive_reversal_min_consensus} · pillars ≥ {cfg.min_pillar_alignment}/4",
             f"Limits: {cfg.max_daily_trades} trades/day · daily loss ${cfg.max_daily_loss:g} · "
             f"max lot {cfg.max_lot:.2f} · R:R {cfg.rr_ratio:g}",
             f"Today: {day_text(day)}",
             "Toggles: /enable v3_combined · /disable v3_combined · /shadow v3_combined on|off "
             "· /logic1 /logic2 /logic3 · /filters v3 KEY VALUE")
    rows = tuple((LOGIC_NAMES.get(label, label), on_off(c.enabled), c.entry_timeframe,
                  c.v3_routing, f"{c.lot_multiplier:g}") for label, c in settings.logics.items())
    return Reply(title=f"V3 Combined: {state}", lines=lines,
                 table=Table(("Logic", "Switch", "TF", "V3 routing", "Lot ×"), rows),
                 data={"plugin": V3_PLUGIN, "state": state, "enabled": entry.enabled,
                       "shadow": entry.shadow_mode, "config": cfg.model_dump(),
                       "today": {"trades": day.groups_opened, "loss": day.realised_loss,
                                 "profit": day.realised_profit, "open": day.open_positions}})


# -- filters and multipliers ------------------------------------------------------------------
def _filter_target(raw: str) -> str:
    text = raw.strip().lower()
    if text in ("v3", V3_PLUGIN):
        return V3_PLUGIN
    for tf in V6_TIMEFRAMES:
        if text in (tf, v6_id(tf)):
            return v6_id(tf)
    raise CommandError(f"plugin: {raw!r} has no filters; use one of v3, "
                       + ", ".join(V6_TIMEFRAMES))


def _filter_ranges(plugin_id: str) -> dict[str, tuple[float, float]]:
    if plugin_id == V3_PLUGIN:
        return V3_FILTERS
    return {**V6_FILTERS, **SPREAD} if plugin_id.endswith("_1m") else V6_FILTERS


def _filter_value(ctx: CommandContext, plugin_id: str, key: str) -> Any:
    config = (ctx.engine.settings.plugins.v3_combined.config if plugin_id == V3_PLUGIN
              else v6_config(ctx.engine.settings, plugin_id.rsplit("_", 1)[-1]))
    return getattr(config, key)


def _filter_rows(ctx: CommandContext, plugin_ids: list[str]) -> tuple[tuple[str, ...], ...]:
    rows = []
    for plugin_id in plugin_ids:
        for key, (low, high) in _filter_ranges(plugin_id).items():
            rows.append((plugin_id, key, f"{_filter_value(ctx, plugin_id, key):g}",
                         f"{low:g}–{high:g}"))
    return tuple(rows)


async def filters(ctx: CommandContext) -> Reply:
    target, key, value = ctx.args.get("plugin"), ctx.args.get("key"), ctx.args.get("value")
    shown = [p for p in (V3_PLUGIN, *(v6_id(tf) for tf in V6_TIMEFRAMES))
             if ctx.family == "both" or (ctx.family == "v3") == (p == V3_PLUGIN)]
    title, changed = "Entry filters", {}
    if target is not None:
        plugin_id = _filter_target(str(target))
        shown = [plugin_id]
        if key is not None or value is not None:
            ranges = _filter_ranges(plugin_id)
            if key is None or value is None:
                raise CommandError("usage: /filters PLUGIN KEY VALUE, e.g. /filters 5m adx_min "
                                   "28")
            if key not in ranges:
                raise CommandError(f"key: {key} is not a filter of {plugin_id}; use one of "
                                   + ", ".join(ranges))
            low, high = ranges[key]
            if not low <= float(value) <= high:
                raise CommandError(f"value: {value:g} is out of range for {key} (allowed "
                                   f"{low:g}–{high:g})")
            new: float | int = float(value)
            if plugin_id == V3_PLUGIN:
                if float(value) != int(value):
                    raise CommandError(f"value: {key} is a whole score from {low:g} to "
                                       f"{high:g}, got {value:g}")
                new = int(value)
            before = _filter_value(ctx, plugin_id, key)
            set_config(ctx, f"plugins.{plugin_id}.config.{key}", new)
            title = f"{plugin_id} {key}: {before:g} → {new:g}"
            changed = {"plugin": plugin_id, "key": key, "old": before, "new": new}
    rows = _filter_rows(ctx, shown)
    return Reply(title=title, table=Table(("Plugin", "Filter", "Value", "Allowed"), rows),
                 lines=("Change one: /filters PLUGIN KEY VALUE (PLUGIN = v3, 1m, 5m, 15m, 1h); "
                        "applies to signals processed from now on.",),
                 data={"filters": [dict(zip(("plugin", "key", "value", "allowed"), r,
                                            strict=True)) for r in rows], "changed": changed})


async def multiplier(ctx: CommandContext) -> Reply:
    target, value = str(ctx.args["target"]), round(float(ctx.args["value"]), 3)
    is_logic = target.startswith("logic")
    if (ctx.family == "v6" and is_logic) or (ctx.family == "v3" and not is_logic):
        raise CommandError(f"/multiplier {target}: not part of the {ctx.family.upper()} family "
                           "chosen; pick another target or family")
    settings = ctx.engine.settings
    if is_logic:
        label = f"combinedlogic-{target[-1]}"
        if not 0.5 <= value <= 2.0:
            raise CommandError(f"value: {value:g} is out of range for a logic lot multiplier "
                               "(allowed 0.5–2.0)")
        before = settings.logics[label].lot_multiplier
        set_config(ctx, f"logics.{label}.lot_multiplier", value)
        title = f"{LOGIC_NAMES[label]} lot multiplier: {before:g} → {value:g}"
        key = f"logics.{label}.lot_multiplier"
    else:
        before = v6_config(settings, target).risk_multiplier
        key = f"plugins.{v6_id(target)}.config.risk_multiplier"
        set_config(ctx, key, value)
        title = f"V6 {target} risk multiplier: {before:g} → {value:g}"
    return Reply(title=title, lines=("Applies to orders opened from now on; open positions "
                                     "keep their lot.",),
                 data={"target": target, "key": key, "old": before, "new": value})


SWITCH = Param("switch", "switch", required=False, choices=("on", "off", "status"))
COMMANDS = (
    CommandSpec("strategy", S, "Strategy menu: logics, V3, V6, bridge mode, filters", strategy,
                aliases=(Alias("logic_control"),)),
    *(CommandSpec(f"logic{n}", S, f"Switch Logic {n} (V4 logic and V3 routing)", _logic(n),
                  params=(SWITCH,), aliases=(Alias(f"logic{n}_on", ("on",)),
                                             Alias(f"logic{n}_off", ("off",))))
      for n in (1, 2, 3)),
    CommandSpec("v3", S, "V3 plugin card: enabled, shadow, fallback, thresholds, routing, "
                "today's stats, toggles", v3),
    CommandSpec("filters", S, "V3 consensus minimums; V6 ADX, confidence and 1m spread "
                "filters", filters, plugin_aware=True,
                params=(Param("plugin", "plugin", required=False, presets=FILTER_TARGETS,
                              help="v3, 1m, 5m, 15m or 1h (or the plugin id)"),
                        Param("key", "filter", required=False, choices=FILTER_KEYS),
                        Param("value", "filter_value", required=False, kind="float",
                              help="within the filter's range"))),
    CommandSpec("multiplier", S, "Lot multiplier of a logic (0.5–2.0) or risk multiplier of a "
                "V6 timeframe (0.5–2.5)", multiplier, plugin_aware=True,
                params=(Param("target", "multiplier_target", choices=TARGETS),
                        Param("value", "multiplier", kind="float", minimum=0.5, maximum=2.5,
                              presets=MULTIPLIERS))),
    CommandSpec("logic_status", S, "Logic 1/2/3: enabled, timeframe, alignment per symbol, "
                "open groups, today's trades", logic_status),
    *strategy_v6.COMMANDS,
)
