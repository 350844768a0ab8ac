"""Plugin settings (SPEC §11.6, §11.8, §11.9): `plugin_system` and `plugins.<id>`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.config.base import Routing, Section

V3_AGGRESSIVE = ["Liquidity_Trap_Reversal", "Golden_Pocket_Flip", "Screener_Full_Bullish",
                 "Screener_Full_Bearish"]


class PluginSystemSettings(Section):
    """Plugins come from installed packages' entry points and from the marketplace's plugins
    directory (`marketplace.plugins_dir`, SPEC §3.9.4)."""

    auto_load: bool = True


class V3CombinedConfig(Section):
    """`plugins.v3_combined.config` (called `v3.<key>` in SPEC)."""

    allowed_symbols: list[str] = []
    min_consensus_score: int = Field(5, ge=3, le=9)
    launchpad_buy_min_consensus: int = Field(7, ge=5, le=9)
    aggressive_reversal_signals: list[str] = Field(default_factory=lambda: list(V3_AGGRESSIVE))
    aggressive_reversal_min_consensus: int = Field(7, ge=0, le=9)
    pillars: list[Literal["15m", "1h", "4h", "1d"]] = ["15m", "1h", "4h", "1d"]
    min_pillar_alignment: int = Field(3, ge=1, le=4)
    bypass_trend_check_for_fresh_entries: bool = True
    use_position_multiplier: bool = True
    max_daily_trades: int = Field(10, ge=0, le=1000)
    max_daily_loss: float = Field(500, ge=0)
    max_lot: float = Field(0.20, ge=0.01, le=100)
    rr_ratio: float = Field(1.5, gt=0, le=20)
    squeeze_dedupe_seconds: int = Field(300, ge=0, le=86_400)


class V6Config(Section):
    """`plugins.v6_price_action_<tf>.config` (SPEC §11.9)."""

    adx_min: float = Field(ge=10, le=40)
    confidence_min: float = Field(ge=40, le=95)
    max_spread_pips: float | None = Field(None, ge=0.5, le=5)
    higher_tf: Literal["15m", "1h", "4h"] | None = None
    avoid_sideways: bool = False
    routing: Routing
    order_a_target: Literal["TP1", "TP2", "TP3"] | None = None
    risk_multiplier: float = Field(ge=0.5, le=2.5)
    max_lot: float = Field(ge=0.01, le=100)
    max_open_trades: int = Field(ge=0, le=100)
    max_daily_trades: int = Field(ge=0, le=1000)
    daily_loss_limit: float = Field(ge=0)
    recovery_window_minutes: int = Field(ge=5, le=240)
    tp_continuation_max_levels: int = Field(ge=0, le=10)
    tp_continuation_cooldown_seconds: int = Field(ge=0, le=600)


V6_DEFAULTS: dict[str, dict[str, object]] = {
    "1m": dict(adx_min=30, confidence_min=80, max_spread_pips=2.0, higher_tf=None,
               avoid_sideways=False, routing="order_b_only", order_a_target=None,
               risk_multiplier=0.5, max_lot=0.10, max_open_trades=3, max_daily_trades=20,
               daily_loss_limit=200, recovery_window_minutes=15,
               tp_continuation_max_levels=3, tp_continuation_cooldown_seconds=3),
    "5m": dict(adx_min=25, confidence_min=70, higher_tf="15m", routing="dual_orders",
               order_a_target="TP2", risk_multiplier=1.0, max_lot=0.20, max_open_trades=4,
               max_daily_trades=12, daily_loss_limit=300, recovery_window_minutes=30,
               tp_continuation_max_levels=4, tp_continuation_cooldown_seconds=5),
    "15m": dict(adx_min=20, confidence_min=65, higher_tf="1h", avoid_sideways=True,
                routing="order_a_only", order_a_target="TP2", risk_multiplier=1.2,
                max_lot=0.20, max_open_trades=3, max_daily_trades=8, daily_loss_limit=400,
                recovery_window_minutes=45, tp_continuation_max_levels=5,
                tp_continuation_cooldown_seconds=10),
    "1h": dict(adx_min=15, confidence_min=60, higher_tf="4h", routing="order_a_only",
               order_a_target="TP3", risk_multiplier=1.5, max_lot=0.15, max_open_trades=2,
               max_daily_trades=5, daily_loss_limit=500, recovery_window_minutes=120,
               tp_continuation_max_levels=5, tp_continuation_cooldown_seconds=15),
}


class PluginEntry(Section):
    """`plugins.<id>`: switches common to every plugin (SPEC §11.6)."""

    enabled: bool = True
    shadow_mode: bool = False
    promoted: bool = False  # a V6_EXPERIMENTAL plugin trades only once promoted (SPEC §4.4)
    priority: int = Field(1, ge=0, le=100)
    pin: str | None = None
    isolation: Literal["inline", "process"] = "inline"


class V3PluginSettings(PluginEntry):
    config: V3CombinedConfig = V3CombinedConfig()


class V6PluginSettings(PluginEntry):
    priority: int = Field(2, ge=0, le=100)
    config: V6Config


def _v6(tf: str) -> V6PluginSettings:
    return V6PluginSettings(config=V6Config.model_validate(V6_DEFAULTS[tf]))


class PluginsSettings(Section):
    """`plugins.<id>` for the five built-ins; a third party's section is kept as given."""

    v3_combined: V3PluginSettings = V3PluginSettings()
    v6_price_action_1m: V6PluginSettings = Field(default_factory=lambda: _v6("1m"))
    v6_price_action_5m: V6PluginSettings = Field(default_factory=lambda: _v6("5m"))
    v6_price_action_15m: V6PluginSettings = Field(default_factory=lambda: _v6("15m"))
    v6_price_action_1h: V6PluginSettings = Field(default_factory=lambda: _v6("1h"))

    def entry(self, plugin_id: str) -> PluginEntry:
        """The switches of any plugin; a third party without a section gets the defaults."""
        value = getattr(self, plugin_id, None)
        if isinstance(value, PluginEntry):
            return value
        if isinstance(value, dict):
            return PluginEntry.model_validate({k: v for k, v in value.items()
                                               if k in PluginEntry.model_fields})
        return PluginEntry()
