"""TIMEFRAME commands (SPEC §10.2.5): timeframe cards, the trend store, logic settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from core.commands.risk import SYMBOLS, symbol_arg
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
    TREND_TFS,
    V6_TIMEFRAMES,
    age,
    bridge,
    day_of,
    day_text,
    info_state,
    logic_of_tf,
    logic_row,
    on_off,
    set_config,
    state_text,
    v6_config,
    v6_id,
)
from core.domain.enums import Severity
from core.strategies.trend_store import TrendEntry, TrendStore

if TYPE_CHECKING:
    from core.engine import Engine

T = Category.TIMEFRAME
TRENDS = ("BULLISH", "BEARISH", "NEUTRAL", "AUTO")
RESET_KEYS = ("lot_multiplier", "sl_multiplier", "recovery_window_minutes")


def _trends(engine: Engine) -> TrendStore:
    if engine.trends is None:
        raise CommandError("the engine is not started")
    return engine.trends


def _cell(entry: TrendEntry) -> str:
    return entry.value[:4] + ("*" if entry.mode == "MANUAL" else "")


async def timeframe(ctx: CommandContext) -> Reply:
    engine, settings = ctx.engine, ctx.engine.settings
    lines = []
    for tf in V6_TIMEFRAMES:
        bound = logic_of_tf(settings, tf)
        logic = (f" · {LOGIC_NAMES.get(bound[0], bound[0])} {on_off(bound[1].enabled)}"
                 if bound else " · no V4 logic")
        lines.append(f"{tf}: V6 {info_state(engine, v6_id(tf))[0]}{logic} — /tf{tf}")
    commands = engine.registry.command_list(T, without="timeframe")
    lines += ["Trends: /trends /trend_matrix /set_trend /set_auto /trend_mode",
              "Logic settings: /view_logic_settings /multiplier /reset_timeframe_default",
              "Commands: " + " ".join(commands)]
    return Reply(title="Timeframes", lines=tuple(lines), data={"commands": commands})


def _card(tf: str) -> Callable[[CommandContext], Awaitable[Reply]]:
    async def handler(ctx: CommandContext) -> Reply:
        engine, settings = ctx.engine, ctx.engine.settings
        plugin_id = v6_id(tf)
        cfg = v6_config(settings, tf)
        entry = settings.plugins.entry(plugin_id)
        state, detail = info_state(engine, plugin_id)
        filters = f"ADX ≥ {cfg.adx_min:g} · confidence ≥ {cfg.confidence_min:g}"
        if cfg.max_spread_pips is not None:
            filters += f" · spread < {cfg.max_spread_pips:g} pips"
        filters += f" · higher TF {cfg.higher_tf or 'none'}"
        if cfg.avoid_sideways:
            filters += " · avoids SIDEWAYS/CHOPPY"
        lines = [f"V6 {tf} plugin ({plugin_id}): {state} ({detail}) · switch "
                 f"{on_off(entry.enabled)} · shadow {on_off(entry.shadow_mode)}",
                 state_text(engine, plugin_id),
                 f"Filters: {filters}",
                 f"Orders: {cfg.routing}" + (f", Order A → {cfg.order_a_target}"
                                             if cfg.order_a_target else "")
                 + f" · risk × {cfg.risk_multiplier:g} · max lot {cfg.max_lot:.2f}",
                 f"Limits: {cfg.max_open_trades} open · {cfg.max_daily_trades} trades/day · "
                 f"daily loss ${cfg.daily_loss_limit:g}",
                 f"Recovery window {cfg.recovery_window_minutes} min · TP continuation "
                 f"{cfg.tp_continuation_max_levels} levels / {cfg.tp_continuation_cooldown_seconds}"
                 " s cooldown",
                 f"Today: {day_text(day_of(engine, plugin_id))}"]
        data: dict[str, Any] = {"plugin": plugin_id, "state": state, "config": cfg.model_dump()}
        adjust = (f"Adjust: /filters {tf} adx_min|confidence_min VALUE · /multiplier {tf} VALUE "
                  f"· /tf{tf}_on · /tf{tf}_off")
        bound = logic_of_tf(settings, tf)
        if bound is not None:
            label, logic = bound
            lines.append(f"{LOGIC_NAMES.get(label, label)} ({label}) {on_off(logic.enabled)}: "
                         f"lot × {logic.lot_multiplier:g} · SL × {logic.sl_multiplier:g} · "
                         f"window {logic.recovery_window_minutes} min · aligned on "
                         f"{' and '.join(logic.alignment_timeframes)}")
            adjust += f" · /multiplier logic{label[-1]} VALUE · /logic{label[-1]}"
            data["logic"] = logic_row(label, logic)
        lines.append(adjust)
        return Reply(title=f"{tf} timeframe", lines=tuple(lines), data=data)
    return handler


def _symbols(ctx: CommandContext) -> list[str]:
    if ctx.args.get("symbol") is not None:
        return [symbol_arg(ctx).name]
    return list(ctx.engine.settings.symbols.enabled)


async def trends(ctx: CommandContext) -> Reply:
    store, now = _trends(ctx.engine), ctx.engine.clock.now()
    symbols = _symbols(ctx)
    single = ctx.args.get("symbol") is not None
    stored = {e.symbol for e in store.all()}
    shown = [s for s in symbols if single or s in stored]
    rows = tuple((e.symbol, e.timeframe, e.value, e.mode, e.source, age(e.updated_at, now))
                 for s in shown for e in (store.get(s, tf) for tf in TREND_TFS))
    lines = []
    quiet = [s for s in symbols if s not in shown]
    if quiet:
        lines.append(f"No trend alerts yet (all NEUTRAL, AUTO): {', '.join(quiet)}")
    return Reply(title="Trends" + (f" · {symbols[0]}" if single else ""), lines=tuple(lines),
                 table=Table(("Symbol", "TF", "Value", "Mode", "Source", "Age"), rows),
                 data={"trends": [dict(zip(("symbol", "timeframe", "value", "mode", "source",
                                            "age"), r, strict=True)) for r in rows]})


async def trend_matrix(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    store = _trends(engine)
    pulses = bridge(engine).stores.pulses
    records = pulses.all() if pulses is not None else []
    rows = []
    for symbol in engine.settings.symbols.enabled:
        states = "; ".join(f"{r.timeframe} {r.state} ({r.bull_count}/{r.bear_count})"
                           for r in records if r.symbol == symbol) or "–"
        rows.append((symbol, *(_cell(store.get(symbol, tf)) for tf in TREND_TFS), states))
    return Reply(title="Trend matrix", lines=(
        "BULL/BEAR/NEUT; * = MANUAL (locked). V6 pulses: state (bull/bear counts).",),
        table=Table(("Symbol", *TREND_TFS, "V6 pulses"), tuple(rows)),
        data={"manual": [f"{e.symbol} {e.timeframe}" for e in store.all()
                         if e.mode == "MANUAL"],
              "pulses": {f"{r.symbol} {r.timeframe}": r.state for r in records}})


def _entry_text(entry: TrendEntry) -> str:
    return f"{entry.value} ({entry.mode})"


async def set_trend(ctx: CommandContext) -> Reply:
    store, spec = _trends(ctx.engine), symbol_arg(ctx)
    tf, trend = str(ctx.args["timeframe"]), str(ctx.args["trend"])
    before = store.get(spec.name, tf)
    store.set_manual(spec.name, tf, None if trend == "AUTO" else trend, ctx.engine.clock.now())
    after = store.get(spec.name, tf)
    note = ("Alerts update it again; the value is kept until the next one." if trend == "AUTO"
            else "Locked: alerts for it are ignored (MANUAL_LOCK) until /set_auto.")
    return Reply(title=f"{spec.name} {tf}: {_entry_text(before)} → {_entry_text(after)}",
                 lines=(note,), severity=Severity.MEDIUM,
                 data={"symbol": spec.name, "timeframe": tf, "value": after.value,
                       "mode": after.mode, "previous": {"value": before.value,
                                                        "mode": before.mode}})


async def set_auto(ctx: CommandContext) -> Reply:
    store, spec = _trends(ctx.engine), symbol_arg(ctx)
    tf = str(ctx.args["timeframe"])
    before = store.get(spec.name, tf)
    if before.mode == "AUTO":
        return Reply(title=f"{spec.name} {tf} is already AUTO ({before.value})",
                     data={"symbol": spec.name, "timeframe": tf, "mode": "AUTO"})
    store.set_manual(spec.name, tf, None, ctx.engine.clock.now())
    after = store.get(spec.name, tf)
    return Reply(title=f"{spec.name} {tf}: {_entry_text(before)} → {_entry_text(after)}",
                 lines=("Alerts update it again; the value is kept until the next one.",),
                 data={"symbol": spec.name, "timeframe": tf, "mode": after.mode,
                       "value": after.value})


async def trend_mode(ctx: CommandContext) -> Reply:
    args: dict[str, Any] = dict(ctx.args)
    if str(args.get("symbol") or "").lower() in TREND_TFS and args.get("timeframe") is None:
        args["timeframe"], args["symbol"] = str(args.pop("symbol")).lower(), None
    if args.get("timeframe") is not None and str(args["timeframe"]).lower() not in TREND_TFS:
        raise CommandError(f"timeframe: {args['timeframe']!r} is not allowed; use one of "
                           + ", ".join(TREND_TFS))
    store = _trends(ctx.engine)
    sub = CommandContext(ctx.engine, ctx.actor, args, ctx.spec, ctx.command_line, ctx.family)
    symbols = _symbols(sub)
    tfs = [str(args["timeframe"]).lower()] if args.get("timeframe") else list(TREND_TFS)
    rows = tuple((s, *(store.get(s, tf).mode for tf in tfs)) for s in symbols)
    manual = [f"{s} {tf}" for s in symbols for tf in tfs if store.get(s, tf).mode == "MANUAL"]
    return Reply(title=f"Trend modes: {len(manual)} MANUAL",
                 lines=(("MANUAL: " + ", ".join(manual)) if manual else "Every entry is AUTO.",),
                 table=Table(("Symbol", *tfs), rows), data={"manual": manual})


async def view_logic_settings(ctx: CommandContext) -> Reply:
    logics = ctx.engine.settings.logics
    rows = tuple((LOGIC_NAMES.get(label, label), label, on_off(c.enabled), c.entry_timeframe,
                  "+".join(c.alignment_timeframes), f"{c.lot_multiplier:g}",
                  f"{c.sl_multiplier:g}", f"{c.recovery_window_minutes} min", c.v4_routing,
                  c.v3_routing) for label, c in logics.items())
    return Reply(title="Logic settings", table=Table(
        ("Logic", "Label", "Switch", "Entry TF", "Aligned on", "Lot ×", "SL ×", "Window",
         "V4 routing", "V3 routing"), rows),
        lines=("Change: /multiplier logicN VALUE (lot 0.5–2.0) · /logicN on|off · "
               "/reset_timeframe_default",),
        data={"logics": [logic_row(label, c) for label, c in logics.items()]})


async def reset_timeframe_default(ctx: CommandContext) -> Reply:
    defaults: dict[str, dict[str, Any]] = ctx.engine.config.defaults["logics"]
    changes = []
    for label, cfg in ctx.engine.settings.logics.items():
        default = defaults.get(label)
        if default is None:
            continue
        for key in RESET_KEYS:
            before, wanted = getattr(cfg, key), default[key]
            if before != wanted:
                set_config(ctx, f"logics.{label}.{key}", wanted)
                changes.append(f"{LOGIC_NAMES.get(label, label)} {key}: {before:g} → {wanted:g}")
    return Reply(title="Logic multipliers and windows restored to defaults" if changes else
                 "Logic multipliers and windows already at defaults",
                 lines=tuple(changes) or ("Nothing to change.",),
                 data={"changes": changes})


SYMBOL = Param("symbol", "symbol", presets=SYMBOLS)
TREND_TF = Param("timeframe", "trend_tf", choices=TREND_TFS)
COMMANDS = (
    CommandSpec("timeframe", T, "Timeframe menu", timeframe),
    *(CommandSpec(f"tf{tf}", T, f"{tf} card: V6 {tf} plugin" + (
        f" and Logic {n}" if n else " filters, risk ×, limits, TP continuation"), _card(tf))
      for tf, n in (("1m", 0), ("5m", 1), ("15m", 2), ("1h", 3))),
    CommandSpec("trends", T, "Trend store for one or all symbols: value, mode, age", trends,
                params=(Param("symbol", "symbol", required=False, presets=SYMBOLS),),
                aliases=(Alias("show_trends"),)),
    CommandSpec("trend_matrix", T, "Symbols × 5m, 15m, 1h, 4h, 1d with MANUAL marks, plus V6 "
                "pulse states", trend_matrix),
    CommandSpec("set_trend", T, "Lock a trend value (MANUAL) or return to AUTO", set_trend,
                params=(SYMBOL, TREND_TF, Param("trend", "trend", choices=TRENDS)),
                confirm=True, effect="BULLISH/BEARISH/NEUTRAL lock the entry (alerts ignored); "
                                     "AUTO lets alerts update it again."),
    CommandSpec("set_auto", T, "Return a trend entry to AUTO", set_auto,
                params=(SYMBOL, TREND_TF)),
    CommandSpec("trend_mode", T, "Show AUTO/MANUAL modes", trend_mode,
                params=(Param("symbol", "symbol", required=False, presets=SYMBOLS),
                        Param("timeframe", "trend_tf", required=False, presets=TREND_TFS))),
    CommandSpec("view_logic_settings", T, "Per logic: entry TF, alignment TFs, lot ×, SL ×, "
                "window, routing", view_logic_settings),
    CommandSpec("reset_timeframe_default", T, "Restore logic multipliers and windows to "
                "defaults", reset_timeframe_default, confirm=True,
                effect="Lot ×, SL × and recovery window of Logic 1–3 return to 1.25/1.0/30, "
                       "1.0/1.5/45 and 0.625/2.5/120."),
)
