"""V6 STRATEGY commands (SPEC §10.2.4): /v6, /v6_status, /v6_control, /tf<TF>_on|off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.clock import to_display
from core.commands.spec import Category, CommandContext, CommandSpec, Param, Reply, Table
from core.commands.strategy_views import (
    V6_TIMEFRAMES,
    day_of,
    host,
    info_state,
    money,
    on_off,
    state_text,
    strategy_state,
    switch_plugin,
    transition,
    v6_config,
    v6_id,
)
from core.risk.gates import usd
from core.signals.intake import SIGNAL_LOG

if TYPE_CHECKING:
    from core.engine import Engine

S = Category.STRATEGY
SCAN = 2000  # newest signal-log records searched for each timeframe's last signal


def _bridge_state(engine: Engine, tf: str) -> str:
    state = strategy_state(engine, v6_id(tf))
    return state.state if state is not None else "?"


async def v6(ctx: CommandContext) -> Reply:
    engine, settings = ctx.engine, ctx.engine.settings
    rows, data = [], {}
    for tf in V6_TIMEFRAMES:
        cfg, plugin_id = v6_config(settings, tf), v6_id(tf)
        state, _ = info_state(engine, plugin_id)
        day = day_of(engine, plugin_id)
        net = day.realised_profit - day.realised_loss
        spread = f"{cfg.max_spread_pips:g}" if cfg.max_spread_pips is not None else "–"
        rows.append((tf, state, _bridge_state(engine, tf), f"{cfg.adx_min:g}",
                     f"{cfg.confidence_min:g}", spread, cfg.higher_tf or "–",
                     f"{cfg.risk_multiplier:g}", f"{day.groups_opened}/{cfg.max_daily_trades}",
                     money(net)))
        data[tf] = {"plugin": plugin_id, "state": state, "adx_min": cfg.adx_min,
                    "confidence_min": cfg.confidence_min, "max_spread_pips": cfg.max_spread_pips,
                    "risk_multiplier": cfg.risk_multiplier, "trades_today": day.groups_opened,
                    "pnl_today": round(net, 2)}
    return Reply(title="V6 Price Action", lines=(
        *(state_text(engine, v6_id(tf)) for tf in V6_TIMEFRAMES),
        "Switch: /v6_control · /tf1m_on … /tf1h_off · filters: /filters TF KEY VALUE · "
        "risk: /multiplier TF VALUE · cards: /tf1m /tf5m /tf15m /tf1h"),
        table=Table(("TF", "Plugin", "Bridge", "ADX ≥", "Conf ≥", "Spread <", "HTF", "Risk ×",
                     "Trades", "P&L today"), tuple(rows)),
        data={"timeframes": data})


def _last_signals(engine: Engine) -> dict[str, dict[str, Any]]:
    """The newest V6 signal-log record of each timeframe (newest first scan)."""
    found: dict[str, dict[str, Any]] = {}
    if engine.store is None:
        return found
    for record in engine.store.tail(SIGNAL_LOG, SCAN):
        signal = record.get("signal") or {}
        tf = signal.get("timeframe")
        if signal.get("strategy") == "price_action" and tf in V6_TIMEFRAMES and tf not in found:
            found[tf] = record
            if len(found) == len(V6_TIMEFRAMES):
                break
    return found


def _signal_text(record: dict[str, Any] | None, plugin_id: str, tz: str) -> str:
    if record is None:
        return "none yet"
    signal = record.get("signal") or {}
    when = to_display(datetime.fromisoformat(str(record["received_at"])), tz)
    mine = [d for d in record.get("decisions") or [] if d.get("layer") == plugin_id]
    layer = "" if mine else "bridge "
    outcome = mine[0] if mine else record
    kind = (signal.get("extras") or {}).get("alert_type") or signal.get("signal_type")
    return (f"{when:%d %b %H:%M} {signal.get('symbol')} {kind} → {layer}"
            f"{outcome.get('outcome') or record.get('status')} {outcome.get('reason') or ''}"
            ).strip()


async def v6_status(ctx: CommandContext) -> Reply:
    engine, settings = ctx.engine, ctx.engine.settings
    last = _last_signals(engine)
    tz = settings.display.timezone
    rows, data = [], {}
    for tf in V6_TIMEFRAMES:
        cfg, plugin_id = v6_config(settings, tf), v6_id(tf)
        day = day_of(engine, plugin_id)
        virtual = len(engine.shadow.positions(plugin_id)) if engine.shadow is not None else 0
        opened = f"{day.open_positions}/{cfg.max_open_trades}" + (
            f" (+{virtual} shadow)" if virtual else "")
        text = _signal_text(last.get(tf), plugin_id, tz)
        rows.append((tf, opened, f"{day.groups_opened}/{cfg.max_daily_trades}",
                     f"{usd(day.realised_loss)} / {usd(cfg.daily_loss_limit)}", text))
        data[tf] = {"open": day.open_positions, "shadow_open": virtual,
                    "trades_today": day.groups_opened, "max_daily_trades": cfg.max_daily_trades,
                    "daily_loss": day.realised_loss, "daily_loss_limit": cfg.daily_loss_limit,
                    "last_signal": text}
    return Reply(title="V6 status per timeframe",
                 table=Table(("TF", "Open", "Trades today", "Loss / limit", "Last signal"),
                             tuple(rows)),
                 data={"timeframes": data})


def _panel(engine: Engine) -> Table:
    rows = tuple((tf, on_off(host(engine).enabled(v6_id(tf))), info_state(engine, v6_id(tf))[0],
                  _bridge_state(engine, tf), f"/tf{tf}_on · /tf{tf}_off")
                 for tf in V6_TIMEFRAMES)
    return Table(("TF", "Switch", "Plugin", "Bridge", "Commands"), rows)


async def v6_control(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    action = ctx.args.get("action")
    if action is None:
        return Reply(title="V6 switch panel", table=_panel(engine),
                     lines=("/v6_control all_on or all_off switches the four together.",),
                     data={"enabled": {tf: host(engine).enabled(v6_id(tf))
                                       for tf in V6_TIMEFRAMES}})
    on = action == "all_on"
    changes = []
    for tf in V6_TIMEFRAMES:
        before = switch_plugin(ctx, v6_id(tf), on)
        changes.append(f"{tf}: {transition(before, on)}")
    return Reply(title=f"V6: all four timeframes {on_off(on)}",
                 lines=(*changes, *(state_text(engine, v6_id(tf)) for tf in V6_TIMEFRAMES)),
                 table=_panel(engine),
                 data={"enabled": {tf: on for tf in V6_TIMEFRAMES}})


def _tf_switch(tf: str, on: bool) -> Callable[[CommandContext], Awaitable[Reply]]:
    async def handler(ctx: CommandContext) -> Reply:
        plugin_id = v6_id(tf)
        before = switch_plugin(ctx, plugin_id, on)
        state, detail = info_state(ctx.engine, plugin_id)
        lines = [state_text(ctx.engine, plugin_id)]
        if state == "blocked":
            lines.append(f"{plugin_id} is not loaded ({detail}); the switch is stored and "
                         "applies once it loads.")
        return Reply(title=f"V6 {tf} plugin: {transition(before, on)}",
                     lines=tuple(lines), data={"plugin": plugin_id, "enabled": on,
                                               "previous": before, "state": state})
    return handler


COMMANDS = (
    CommandSpec("v6", S, "V6 overview: the four plugins with state, filters, today's trades "
                "and P&L", v6),
    CommandSpec("v6_status", S, "Per V6 timeframe: open trades, trades today, daily loss vs "
                "limit, last signal", v6_status),
    CommandSpec("v6_control", S, "Switch panel for the four V6 timeframes", v6_control,
                params=(Param("action", "choice", required=False,
                              choices=("all_on", "all_off")),)),
    *(CommandSpec(f"tf{tf}_{word}", S, f"{'Enable' if on else 'Disable'} the V6 {tf} plugin",
                  _tf_switch(tf, on))
      for tf in V6_TIMEFRAMES for word, on in (("on", True), ("off", False))),
)
