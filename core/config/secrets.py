"""Credentials from the environment or a `.env` file (SPEC §11.1); never logged in full."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from dotenv import dotenv_values

SECRET_VARIABLES: tuple[str, ...] = (
    "V5_TELEGRAM_CONTROLLER_TOKEN", "V5_TELEGRAM_NOTIFICATION_TOKEN",
    "V5_TELEGRAM_ANALYTICS_TOKEN", "V5_TELEGRAM_TOKEN", "V5_MT5_PASSWORD",
    "V5_WEBHOOK_SECRET", "V5_MARKETPLACE_TOKEN", "V5_SMS_GATEWAY_KEY", "V5_API_TOKEN",
)
# Keys that must never appear in the configuration file, in any spelling a user might try.
CREDENTIAL_KEYS: frozenset[str] = frozenset(
    {"secret", "webhook_secret", "token", "api_token", "password", "mt5_password",
     "bot_token", "controller_token", "notification_token", "analytics_token",
     "marketplace_token", "sms_gateway_key"}
    | {v.lower() for v in SECRET_VARIABLES}
)


def mask(value: str | None) -> str:
    """What the UI may show of a secret: set / not set, never the value."""
    return "set" if value else "not set"


@dataclass(frozen=True)
class Secrets:
    """Credentials and identities read from the environment (§11.1)."""

    telegram_controller_token: str | None = None
    telegram_notification_token: str | None = None
    telegram_analytics_token: str | None = None
    telegram_token: str | None = None
    telegram_chat_id: str | None = None
    telegram_allowed_users: str | None = None
    telegram_admin_users: str | None = None
    telegram_api_url: str | None = None
    mt5_login: str | None = None
    mt5_password: str | None = None
    mt5_server: str | None = None
    mt5_terminal_path: str | None = None
    webhook_secret: str | None = None
    marketplace_token: str | None = None
    sms_gateway_key: str | None = None
    api_token: str | None = None

    def __repr__(self) -> str:  # never print a credential by accident
        shown = ", ".join(f"{f.name}={mask(getattr(self, f.name))}" for f in fields(self))
        return f"Secrets({shown})"

    __str__ = __repr__

    def secret_values(self) -> list[str]:
        """Every credential value that is set (the log filter redacts these)."""
        names = {"telegram_controller_token", "telegram_notification_token",
                 "telegram_analytics_token", "telegram_token", "mt5_password",
                 "webhook_secret", "marketplace_token", "sms_gateway_key", "api_token"}
        return [v for f in fields(self) if f.name in names and (v := getattr(self, f.name))]


def load_secrets(env: dict[str, str] | None = None, dotenv_path: Path | None = None) -> Secrets:
    """Environment variables win over the `.env` file in the working directory."""
    merged: dict[str, str] = {}
    path = dotenv_path if dotenv_path is not None else Path.cwd() / ".env"
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path, encoding="utf-8").items() if v})
    merged.update({k: v for k, v in (os.environ if env is None else env).items() if v})
    values = {f.name: merged.get("V5_" + f.name.upper()) for f in fields(Secrets)}
    return Secrets(**values)
