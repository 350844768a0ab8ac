"""Bots by token and role, destination chat, users and API URL from the environment (§9.1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from core.commands.spec import Category, CommandSpec
from core.config import Secrets

log = logging.getLogger(__name__)

ROLES = ("controller", "notification", "analytics")
TITLES = {"controller": "Controller", "notification": "Notification", "analytics": "Analytics"}
DEFAULT_API = "https://api.telegram.org"
ChatId = int | str


@dataclass(frozen=True)
class BotSpec:
    """One bot (one token) and the roles it plays; the token is never shown."""

    token: str = field(repr=False)
    roles: tuple[str, ...]

    @property
    def key(self) -> str:
        """Stable, token-free name: `controller`, `controller+notification+analytics`..."""
        return "+".join(self.roles)

    @property
    def title(self) -> str:
        return " + ".join(TITLES[r] for r in self.roles)


@dataclass(frozen=True)
class TelegramConfig:
    bots: tuple[BotSpec, ...]
    chat_id: ChatId | None
    allowed: tuple[int, ...]
    admins: tuple[int, ...]
    api_root: str = DEFAULT_API

    def bot_for(self, role: str) -> BotSpec:
        return next(b for b in self.bots if role in b.roles)

    @property
    def base_url(self) -> str:
        """PTB appends the token: `<root>/bot` + token → `<root>/bot<token>/<method>`."""
        return self.api_root + "/bot"

    @property
    def base_file_url(self) -> str:
        return self.api_root + "/file/bot"


def parse_ids(text: str | None, what: str) -> tuple[int, ...]:
    """`123, 456` → (123, 456); entries that are not integers are logged and skipped."""
    ids: list[int] = []
    for part in (text or "").replace(";", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            value = int(part)
        except ValueError:
            log.error("%s: %r is not a Telegram user id (integer); ignored", what, part)
            continue
        if value not in ids:
            ids.append(value)
    return tuple(ids)


def parse_chat(text: str | None) -> ChatId | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value if value.startswith("@") else None


def load_config(secrets: Secrets) -> TelegramConfig | None:
    """SPEC §9.1 fallback; None when there is no Controller token at all."""
    controller = secrets.telegram_controller_token or secrets.telegram_token
    if not controller:
        return None
    tokens = {
        "controller": controller,
        "notification": secrets.telegram_notification_token or controller,
        "analytics": secrets.telegram_analytics_token or controller,
    }
    grouped: dict[str, list[str]] = {}
    for role in ROLES:
        grouped.setdefault(tokens[role], []).append(role)
    bots = tuple(BotSpec(token, tuple(roles)) for token, roles in grouped.items())
    allowed = parse_ids(secrets.telegram_allowed_users, "V5_TELEGRAM_ALLOWED_USERS")
    admins = parse_ids(secrets.telegram_admin_users, "V5_TELEGRAM_ADMIN_USERS") or allowed
    chat = parse_chat(secrets.telegram_chat_id)
    if secrets.telegram_chat_id and chat is None:
        log.error("V5_TELEGRAM_CHAT_ID is neither a numeric chat id nor an @channel name")
    if chat is None and allowed:
        chat = allowed[0]
        log.warning("V5_TELEGRAM_CHAT_ID not set: notifications and headers go to the private "
                    "chat of the first allowed user")
    if not allowed:
        log.warning("V5_TELEGRAM_ALLOWED_USERS is empty: the bots answer nobody")
    root = (secrets.telegram_api_url or DEFAULT_API).strip().rstrip("/")
    return TelegramConfig(bots, chat, allowed, admins, root)


def accepts(roles: tuple[str, ...], spec: CommandSpec) -> bool:
    """Which commands a bot serves (§9.1: Controller all, others a short list)."""
    if "controller" in roles or spec.name in ("help", "status"):
        return True
    return "analytics" in roles and spec.category is Category.ANALYTICS


def is_group(chat: ChatId) -> bool:
    """Groups, supergroups and channels (negative ids or @names) have the 20/min limit."""
    return isinstance(chat, str) or chat < 0
