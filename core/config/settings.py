"""Typed settings with the defaults of SPEC §11 (keys are SPEC's dotted paths)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.config.alerts import (
    AnalyticsSettings,
    NotificationSettings,
    TelegramSettings,
    VoiceSettings,
)
from core.config.base import Routing, Section, check_zone
from core.config.infra import RollbackSettings, SyncSettings
from core.config.management import TradeManagementSettings
from core.config.marketplace import MarketplaceSettings
from core.config.plugins import PluginsSettings, PluginSystemSettings
from core.config.profit import ProfitBookingSettings
from core.config.recovery import PerformanceSettings, RecoverySettings
from core.config.reentry import ReentrySettings, ReverseShieldSettings
from core.config.sessions import SessionsSettings
from core.domain.symbols import DEFAULT_SYMBOLS

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
TierName = Literal["5000", "10000", "25000", "50000", "100000"]
__all__ = ["Routing", "Section", "Settings", "TIERS"]


class AppSettings(Section):
    data_dir: str = "data"
    log_level: LogLevel = "INFO"
    log_max_mb: int = Field(10, ge=1, le=1000)
    log_backups: int = Field(5, ge=0, le=100)


class DisplaySettings(Section):
    timezone: str = "Asia/Kolkata"
    theme: Literal["dark", "light", "high-contrast"] = "dark"  # console theme, `/theme`

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or a bad key
            raise ValueError(f"unknown timezone {value!r} (use an IANA name)") from exc
        return value


class WebhookFormats(Section):
    legacy: bool = True
    v3: bool = True
    v6: bool = True


class WebhookSettings(Section):
    host: str = "0.0.0.0"
    port: int = Field(80, ge=0, le=65535)
    allow_unauthenticated: bool = False
    ip_allowlist_enabled: bool = False
    ip_allowlist: list[str] = ["52.89.214.238", "34.212.75.30", "54.218.53.128", "52.32.178.7"]
    trusted_proxies: list[str] = []
    max_body_bytes: int = Field(16384, ge=256, le=1_048_576)
    queue_max: int = Field(1000, ge=1, le=100_000)
    duplicate_window_seconds: int = Field(300, ge=0, le=86_400)
    formats: WebhookFormats = WebhookFormats()


class SymbolRow(Section):
    pip_size: float = Field(gt=0)
    digits: int = Field(ge=0, le=8)
    pip_value: float = Field(gt=0)
    contract_size: float = Field(gt=0)
    volatility: Literal["LOW", "MEDIUM", "HIGH"] = "MEDIUM"
    min_sl_pips: float = Field(10, gt=0)
    typical_spread_pips: float = Field(1.0, ge=0)


def _default_table() -> dict[str, SymbolRow]:
    return {
        name: SymbolRow(
            pip_size=s.pip_size, digits=s.digits, pip_value=s.pip_value,
            contract_size=s.contract_size, volatility=s.volatility,  # type: ignore[arg-type]
            min_sl_pips=s.min_sl_pips, typical_spread_pips=s.typical_spread_pips,
        )
        for name, s in DEFAULT_SYMBOLS.items()
    }


class SymbolsSettings(Section):
    enabled: list[str] = list(DEFAULT_SYMBOLS)
    mapping: dict[str, str] = {"XAUUSD": "GOLD"}
    table: dict[str, SymbolRow] = Field(default_factory=_default_table)

    @model_validator(mode="after")
    def _consistent(self) -> SymbolsSettings:
        unknown = [s for s in self.enabled if s not in self.table]
        if unknown:
            raise ValueError(f"enabled symbols missing from symbols.table: {unknown}")
        broker_names = [self.mapping.get(s, s) for s in self.table]
        dupes = sorted({b for b in broker_names if broker_names.count(b) > 1})
        if dupes:
            raise ValueError(
                f"symbols.mapping must be one-to-one; broker names used twice: {dupes}")
        return self


class Mt5Settings(Section):
    connect_retries: int = Field(5, ge=1, le=50)
    connect_retry_delay_seconds: float = Field(5, ge=0, le=300)
    order_retries: int = Field(3, ge=0, le=10)
    order_retry_backoff_seconds: list[float] = [1, 2, 4]
    deviation_points: int = Field(20, ge=0, le=10_000)
    magic_base: int = Field(505000, ge=1, le=2_000_000_000)
    require_hedging: bool = True
    filling_override: dict[str, Literal["FOK", "IOC", "RETURN"]] = {}


class TradingSettings(Section):
    mode: Literal["paper", "live"] = "paper"


class PaperSettings(Section):
    price_feed: Literal["synthetic", "replay", "live"] = "synthetic"
    seed: int = 7
    tick_seconds: float = Field(1.0, gt=0, le=60)
    replay_file: str = ""
    replay_symbol: str = ""
    replay_bars_per_second: float = Field(10.0, gt=0, le=1_000_000)
    demo_alerts: bool = True
    demo_alert_symbols: list[str] = ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD"]


class AccountSettings(Section):
    simulated_balance: float = Field(10000, gt=0, le=1e9)
    simulated_leverage: int = Field(100, ge=1, le=3000)


class BridgeSettings(Section):
    mode: Literal["passthrough", "translate", "hybrid"] = "hybrid"
    fallback_on_failure: bool = True


class LogicSettings(Section):
    enabled: bool = True
    entry_timeframe: Literal["5m", "15m", "1h"]
    alignment_timeframes: list[Literal["5m", "15m", "1h", "4h", "1d"]]
    lot_multiplier: float = Field(ge=0.5, le=2.0)
    sl_multiplier: float = Field(ge=0.75, le=3.0)
    recovery_window_minutes: int = Field(ge=15, le=180)
    v4_routing: Routing = "dual_orders"
    v3_routing: Routing = "order_a_only"


def _logics() -> dict[str, LogicSettings]:
    return {
        "combinedlogic-1": LogicSettings(
            entry_timeframe="5m", alignment_timeframes=["1h", "15m"], lot_multiplier=1.25,
            sl_multiplier=1.0, recovery_window_minutes=30, v3_routing="order_a_only"),
        "combinedlogic-2": LogicSettings(
            entry_timeframe="15m", alignment_timeframes=["1h", "15m"], lot_multiplier=1.0,
            sl_multiplier=1.5, recovery_window_minutes=45, v3_routing="order_a_only"),
        "combinedlogic-3": LogicSettings(
            entry_timeframe="1h", alignment_timeframes=["1d", "1h"], lot_multiplier=0.625,
            sl_multiplier=2.5, recovery_window_minutes=120, v3_routing="dual_orders"),
    }


class DualOrderSettings(Section):
    enabled: bool = True
    order_b_lot_fraction: float = Field(0.5, gt=0, le=1)
    order_b_fixed_risk_usd: float = Field(10, gt=0)
    rr_ratio: float = Field(1.5, gt=0, le=20)
    tp2_fallback_factor: float = Field(1.5, gt=0, le=20)


SL_1 = {
    "XAUUSD": [1000, 1500, 500, 500, 600], "EURUSD": [150, 150, 50, 40, 40],
    "GBPUSD": [150, 150, 50, 40, 50], "AUDUSD": [150, 150, 50, 40, 50],
    "USDCAD": [150, 150, 50, 40, 50], "NZDUSD": [150, 150, 50, 40, 50],
    "USDJPY": [166, 166, 55, 44, 55], "EURJPY": [111, 111, 41, 44, 44],
    "GBPJPY": [111, 111, 41, 44, 44], "AUDJPY": [111, 111, 41, 44, 44],
    "EURGBP": [150, 150, 50, 40, 40],
}
SL_2 = {
    "XAUUSD": [500, 800, 300, 300, 200], "EURUSD": [100, 100, 35, 30, 30],
    "GBPUSD": [120, 120, 40, 35, 40], "AUDUSD": [120, 120, 40, 35, 40],
    "USDCAD": [120, 120, 40, 35, 40], "NZDUSD": [120, 120, 40, 35, 40],
    "USDJPY": [130, 130, 45, 38, 45], "EURJPY": [80, 80, 30, 35, 35],
    "GBPJPY": [80, 80, 30, 35, 35], "AUDJPY": [80, 80, 30, 35, 35],
    "EURGBP": [100, 100, 35, 30, 30],
}
TIERS: tuple[TierName, ...] = ("5000", "10000", "25000", "50000", "100000")


def _tables() -> dict[str, dict[str, dict[str, float]]]:
    return {
        name: {sym: dict(zip(TIERS, row, strict=True)) for sym, row in table.items()}
        for name, table in (("sl-1", SL_1), ("sl-2", SL_2))
    }


class SlSystemSettings(Section):
    enabled: bool = True
    active: Literal["sl-1", "sl-2"] = "sl-1"
    tables: dict[str, dict[str, dict[str, float]]] = Field(default_factory=_tables)
    symbol_reductions: dict[str, float] = {}

    @field_validator("tables")
    @classmethod
    def _complete_tables(cls, value: dict[str, dict[str, dict[str, float]]]
                         ) -> dict[str, dict[str, dict[str, float]]]:
        for name in ("sl-1", "sl-2"):
            if name not in value:
                raise ValueError(f"SL table {name!r} is missing")
        for name, table in value.items():
            for symbol, row in table.items():
                if set(row) != set(TIERS) or any(v <= 0 for v in row.values()):
                    raise ValueError(f"{name}.{symbol}: needs a positive value for every tier "
                                     f"{', '.join(TIERS)}")
        return value

    @field_validator("symbol_reductions")
    @classmethod
    def _reduction_range(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if v != 0 and not 5 <= v <= 50}
        if bad:
            raise ValueError(f"symbol reductions are 5–50 % (0 = none): {bad}")
        return value


class TierSettings(Section):
    risk_percent: float = Field(1.0, gt=0, le=10)
    max_lot: float = Field(ge=0.01, le=100)
    daily_cap: float = Field(gt=0)
    lifetime_cap: float = Field(gt=0)


def _tiers() -> dict[str, TierSettings]:
    rows = {"5000": (0.05, 100, 500), "10000": (0.10, 200, 1000), "25000": (0.25, 500, 2500),
            "50000": (0.50, 1000, 5000), "100000": (1.00, 2000, 10000)}
    return {t: TierSettings(max_lot=a, daily_cap=b, lifetime_cap=c)
            for t, (a, b, c) in rows.items()}


class RiskSettings(Section):
    tier_mode: Literal["auto", "5000", "10000", "25000", "50000", "100000"] = "auto"
    tiers: dict[str, TierSettings] = Field(default_factory=_tiers)
    smart_lot_reduction: bool = True
    daily_loss_warning_percent: float = Field(80, gt=0, le=100)
    daily_reset_time: str = Field("03:35", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    daily_reset_timezone: str = "Asia/Kolkata"
    max_open_trades: int = Field(10, ge=1, le=500)
    max_daily_trades: int = Field(0, ge=0, le=100)
    daily_profit_target: float = Field(0, ge=0)
    weekend_block: bool = True
    manual_default_sl_pips: float = Field(0, ge=0, le=5000)
    manual_default_tp_pips: float = Field(0, ge=0, le=10000)

    _zone = field_validator("daily_reset_timezone")(check_zone)

    @field_validator("tiers")
    @classmethod
    def _every_tier(cls, value: dict[str, TierSettings]) -> dict[str, TierSettings]:
        if set(value) != set(TIERS):
            raise ValueError(f"risk tiers must be exactly {', '.join(TIERS)}")
        return value


SESSION_ID = r"^[a-z0-9_]{1,20}$"


class Settings(BaseModel):
    """The whole configuration tree."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    app: AppSettings = AppSettings()
    display: DisplaySettings = DisplaySettings()
    webhook: WebhookSettings = WebhookSettings()
    symbols: SymbolsSettings = SymbolsSettings()
    mt5: Mt5Settings = Mt5Settings()
    trading: TradingSettings = TradingSettings()
    paper: PaperSettings = PaperSettings()
    account: AccountSettings = AccountSettings()
    bridge: BridgeSettings = BridgeSettings()
    plugin_system: PluginSystemSettings = PluginSystemSettings()
    plugins: PluginsSettings = PluginsSettings()
    logics: dict[str, LogicSettings] = Field(default_factory=_logics)
    dual_orders: DualOrderSettings = DualOrderSettings()
    sl_systems: SlSystemSettings = SlSystemSettings()
    risk: RiskSettings = RiskSettings()
    sessions: SessionsSettings = SessionsSettings()
    trade_management: TradeManagementSettings = TradeManagementSettings()
    reentry: ReentrySettings = ReentrySettings()
    reverse_shield: ReverseShieldSettings = ReverseShieldSettings()
    profit_booking: ProfitBookingSettings = ProfitBookingSettings()
    telegram: TelegramSettings = TelegramSettings()
    notifications: NotificationSettings = NotificationSettings()
    voice: VoiceSettings = VoiceSettings()
    analytics: AnalyticsSettings = AnalyticsSettings()
    # SPEC §11.16 infrastructure (core/config/recovery.py, core/config/infra.py)
    recovery: RecoverySettings = RecoverySettings()
    rollback: RollbackSettings = RollbackSettings()
    state_sync: SyncSettings = SyncSettings()
    performance: PerformanceSettings = PerformanceSettings()
    marketplace: MarketplaceSettings = MarketplaceSettings()  # SPEC §3.9.4

    @model_validator(mode="after")
    def _known_symbols(self) -> Settings:
        known = set(self.symbols.table)
        used = {s for w in self.sessions.table.values() for s in w.symbols}
        used |= set(self.sl_systems.symbol_reductions)
        unknown = sorted(used - known)
        if unknown:
            raise ValueError(f"sessions.table / sl_systems.symbol_reductions name symbols "
                             f"missing from symbols.table: {unknown}")
        return self
