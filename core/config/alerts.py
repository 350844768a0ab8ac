"""Telegram, notification, voice and analytics settings (SPEC §9, §11.15)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.config.base import HHMM, Section, check_zone
from core.notifications import types as ntypes

REGISTERED_COMMANDS = ["start", "menu", "status", "dashboard", "pause", "resume", "positions",
                       "closeall", "risk", "strategy", "plugins", "analytics", "session", "help"]


class StickyHeaderSettings(Section):
    enabled: bool = True
    refresh_seconds: float = Field(30, ge=0.05, le=3600)


class TelegramMenuSettings(Section):
    plugin_context_ttl_seconds: int = Field(300, ge=10, le=86_400)
    pending_command_ttl_seconds: int = Field(300, ge=10, le=86_400)
    ref_payload_ttl_seconds: int = Field(3600, ge=60, le=604_800)


class TelegramDeliverySettings(Section):
    """Outbox → Telegram pacing: ≤ 1 message/s per chat, ≤ 20/min per group (Bot API FAQ)."""

    chat_interval_seconds: float = Field(1.0, ge=0, le=60)
    group_per_minute: int = Field(20, ge=1, le=60)
    poll_seconds: float = Field(1.0, ge=0.01, le=60)
    retry_max_seconds: float = Field(30, ge=0.1, le=3600)
    reconnect_max_seconds: float = Field(30, ge=0.1, le=3600)
    long_poll_seconds: int = Field(10, ge=0, le=50)


class TelegramSettings(Section):
    command_rate_limit_seconds: float = Field(2, ge=0, le=60)
    sticky_header: StickyHeaderSettings = StickyHeaderSettings()
    menu: TelegramMenuSettings = TelegramMenuSettings()
    registered_commands: list[str] = Field(default_factory=lambda: list(REGISTERED_COMMANDS))
    delivery: TelegramDeliverySettings = TelegramDeliverySettings()


# -- notifications, voice, analytics (SPEC §11.15) ----------------------------------------------
def _check_names(kind: str, names: Iterable[str], allowed: Iterable[str]) -> None:
    known = list(allowed)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown {kind} {unknown}; use one of {', '.join(known)}")


class QuietHoursSettings(Section):
    enabled: bool = False
    start: str = Field("22:00", pattern=HHMM)
    end: str = Field("06:00", pattern=HHMM)
    timezone: str = "Asia/Kolkata"
    allow_critical: bool = True
    digest: bool = True

    _zone = field_validator("timezone")(check_zone)


class NotificationSettings(Section):
    types: dict[str, ntypes.State] = Field(default_factory=ntypes.default_states)
    categories: dict[str, bool] = Field(
        default_factory=lambda: dict.fromkeys(ntypes.CATEGORIES, True))
    plugin_filter: Literal["all", "none", "v3_only", "v6_only"] = "all"
    min_priority: Literal["all", "medium_and_above", "high_and_above", "critical_only"] = "all"
    v6_tf_filter: dict[str, bool] = Field(
        default_factory=lambda: dict.fromkeys(ntypes.V6_TIMEFRAMES, True))
    quiet_hours: QuietHoursSettings = QuietHoursSettings()

    @model_validator(mode="after")
    def _known_names(self) -> NotificationSettings:
        _check_names("notification type(s)", self.types, ntypes.TYPES)
        _check_names("notification category(ies)", self.categories, ntypes.CATEGORIES)
        _check_names("V6 timeframe(s)", self.v6_tf_filter, ntypes.V6_TIMEFRAMES)
        return self


class TtsSettings(Section):
    rate: int = Field(150, ge=50, le=400)
    volume: float = Field(1.0, ge=0, le=1)
    driver: str = ""  # pyttsx3 driver; "" = the platform's (sapi5, espeak, nsss)


class VoiceSettings(Section):
    enabled: bool = True
    tts: TtsSettings = TtsSettings()
    telegram_voice_note: bool = False
    retries: int = Field(3, ge=0, le=10)
    backoff_base_seconds: float = Field(10, ge=0, le=600)
    speak_events: list[str] = Field(default_factory=ntypes.default_speak_events)
    encoder: str = "auto"  # auto | none | opusenc | ffmpeg | a path to opusenc or ffmpeg
    notes_dir: str = "voice"

    @field_validator("speak_events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        _check_names("speak event(s)", value, ntypes.TYPES)
        return value


class WeeklyReportSettings(Section):
    enabled: bool = True
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday"] = "saturday"
    time: str = Field("03:40", pattern=HHMM)


class MonthlyReportSettings(Section):
    enabled: bool = True
    day: int = Field(1, ge=1, le=28)
    time: str = Field("03:45", pattern=HHMM)


class DailyReportSettings(Section):
    enabled: bool = True  # produced at the daily reset (risk.daily_reset_time)


class AnalyticsSettings(Section):
    daily: DailyReportSettings = DailyReportSettings()
    weekly: WeeklyReportSettings = WeeklyReportSettings()
    monthly: MonthlyReportSettings = MonthlyReportSettings()
    timezone: str = "Asia/Kolkata"
    export_dir: str = "exports"
    keep_files: int = Field(50, ge=1, le=10_000)

    _zone = field_validator("timezone")(check_zone)
