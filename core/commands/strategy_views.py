"""Shared reads and switches of the STRATEGY, TIMEFRAME and PLUGIN commands (plugins, logics)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.bridge import Bridge, StrategyState
from core.clock import fmt_duration
from core.commands.risk import set_config
from core.commands.spec import CommandContext, CommandError
from core.config import ConfigError
from core.config.plugins import V6Config
from core.config.settings import LogicSettings, Settings
from core.events import ConfigChanged, PluginStateChanged
from core.plugins.host import PluginHost
from core.risk.gates import usd
from core.signals.v5 import PLUGIN_IDS, V3_PLUGIN, V6_PLUGINS, V6_TIMEFRAMES
from core.strategies.api import StrategyDay

if TYPE_CHECKING:
    from core.engine import Engine

LOGICS = ("combinedlogic-1", "combinedlogic-2", "combinedlogic-3")
LOGIC_NAMES = {"combinedlogic-1": "Logic 1", "combinedlogic-2": "Logic 2",
               "combinedlogic-3": "Logic 3"}
TREND_TFS = ("5m", "15m", "1h", "4h", "1d")
__all__ = ["LOGICS", "LOGIC_NAMES", "PLUGIN_IDS", "TREND_TFS", "V3_PLUGIN", "V6_PLUGINS",
           "V6_TIMEFRAMES", "set_config"]


def host(engine: Engine) -> PluginHost:
    if engine.plugins is None:
        raise CommandError("the engine is not started")
    return engine.plugins


def bridge(engine: Engine) -> Bridge:
    if engine.bridge is None:
        raise CommandError("the engine is not started")
    return engine.bridge


def v6_id(tf: str) -> str:
    return f"v6_price_action_{tf}"


def v6_config(settings: Settings, tf: str) -> V6Config:
    return getattr(settings.plugins, v6_id(tf)).config  # type: ignore[no-any-return]


def logic_of_tf(settings: Settings, tf: str) -> tuple[str, LogicSettings] | None:
    """The V4 logic whose entry timeframe is `tf` (5m → Logic 1, 15m → 2, 1h → 3)."""
    for label, cfg in settings.logics.items():
        if cfg.entry_timeframe == tf:
            return label, cfg
    return None


def installed(engine: Engine) -> list[str]:
    """Every plugin id the host knows: loaded, idle or blocked."""
    return sorted(host(engine).candidates)


def plugin_arg(ctx: CommandContext, name: str = "plugin") -> str:
    """The `plugin` parameter, checked against the installed plugin ids."""
    wanted = str(ctx.args[name]).strip().lower()
    known = installed(ctx.engine)
    if wanted not in known:
        raise CommandError(f"{name}: {wanted!r} is not an installed plugin; use one of "
                           + ", ".join(known or PLUGIN_IDS))
    return wanted


def info_state(engine: Engine, plugin_id: str) -> tuple[str, str]:
    """(state, detail) as /plugins shows it: active, disabled, shadow, idle or blocked."""
    for info in host(engine).infos():
        if info.plugin_id == plugin_id:
            return info.state, info.detail
    return "not installed", "no such plugin"


def strategy_state(engine: Engine, plugin_id: str) -> StrategyState | None:
    """The bridge's view of a built-in strategy: active, fallback, not traded, passthrough."""
    for state in bridge(engine).strategy_states():
        if state.plugin_id == plugin_id:
            return state
    return None


def state_text(engine: Engine, plugin_id: str) -> str:
    state = strategy_state(engine, plugin_id)
    return state.text if state is not None else f"{plugin_id}: {info_state(engine, plugin_id)[0]}"


def day_of(engine: Engine, owner: str) -> StrategyDay:
    """An owner's counts today (a plugin id or a V4 logic label), from the day book."""
    return host(engine).days.day(owner)


def switch_plugin(ctx: CommandContext, plugin_id: str, on: bool) -> bool:
    """Enable or disable a plugin (validated, persisted); returns the previous switch.
    A plugin that is installed but not loaded (blocked) keeps the switch for when it loads."""
    plugins = host(ctx.engine)
    before = plugins.enabled(plugin_id)
    if plugin_id not in plugins.plugins:
        set_config(ctx, f"plugins.{plugin_id}.enabled", on)
        ctx.engine.bus.publish(PluginStateChanged(
            plugin_id, "enabled" if on else "disabled", "not loaded"))
        return before
    try:
        plugins.set_enabled(plugin_id, on)
    except (ConfigError, KeyError) as exc:
        raise CommandError(f"refused: {exc}") from exc
    ctx.engine.bus.publish(ConfigChanged(f"plugins.{plugin_id}.enabled", on, ctx.command_line))
    return before


def switch_shadow(ctx: CommandContext, plugin_id: str, on: bool) -> bool:
    """Shadow mode on or off (validated, persisted); returns the previous switch."""
    plugins = host(ctx.engine)
    before = ctx.engine.settings.plugins.entry(plugin_id).shadow_mode
    if plugin_id not in plugins.plugins:
        set_config(ctx, f"plugins.{plugin_id}.shadow_mode", on)
        return before
    try:
        plugins.set_shadow(plugin_id, on)
    except (ConfigError, KeyError) as exc:
        raise CommandError(f"refused: {exc}") from exc
    ctx.engine.bus.publish(ConfigChanged(f"plugins.{plugin_id}.shadow_mode", on,
                                         ctx.command_line))
    return before


def on_off(value: bool) -> str:
    return "ON" if value else "OFF"


def transition(before: bool, after: bool) -> str:
    """`OFF → ON`, or `already ON` when nothing changed."""
    return f"already {on_off(after)}" if before == after else f"{on_off(before)} → {on_off(after)}"


def money(value: float) -> str:
    """Signed dollars: `+$12.50`, `-$3`."""
    return ("-" if value < 0 else "+") + usd(abs(value))


def day_text(day: StrategyDay) -> str:
    net = day.realised_profit - day.realised_loss
    return (f"{day.groups_opened} trade(s) today · P&L {money(net)} (loss {usd(day.realised_loss)})"
            f" · {day.open_positions} open")


def age(updated_at: str, now: datetime) -> str:
    if not updated_at:
        return "never"
    seconds = max((now - datetime.fromisoformat(updated_at)).total_seconds(), 0.0)
    return fmt_duration(seconds) + " ago"


def logic_row(label: str, cfg: LogicSettings) -> dict[str, Any]:
    return {"logic": label, "enabled": cfg.enabled, "entry_timeframe": cfg.entry_timeframe,
            "alignment_timeframes": list(cfg.alignment_timeframes),
            "lot_multiplier": cfg.lot_multiplier, "sl_multiplier": cfg.sl_multiplier,
            "recovery_window_minutes": cfg.recovery_window_minutes,
            "v4_routing": cfg.v4_routing, "v3_routing": cfg.v3_routing}
