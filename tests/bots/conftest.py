"""Fixtures: the fake Bot API server, a paper engine wired to it, the Telegram front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bots.telegram.config import ROLES
from bots.telegram.frontend import TelegramFrontend, create
from core.config import Secrets
from core.engine import Engine, EngineOptions
from tests.conftest import TEST_SECRET, TEST_TOKEN
from tests.fakes.telegram_server import FakeTelegram

CTL = "1111:controller-token-abcdef"
NTF = "2222:notification-token-abcdef"
ANA = "3333:analytics-token-abcdef"
ADMIN = 1001  # allowed and admin; the destination chat is their private chat
USER = 1002  # allowed, not an admin
STRANGER = 9999  # not allowed
FAST = {
    "paper.demo_alerts": False,
    "telegram.command_rate_limit_seconds": 0,
    "telegram.sticky_header.refresh_seconds": 0.1,
    "telegram.delivery.chat_interval_seconds": 0,
    "telegram.delivery.poll_seconds": 0.02,
    "telegram.delivery.retry_max_seconds": 0.3,
    "telegram.delivery.reconnect_max_seconds": 0.3,
    "telegram.delivery.long_poll_seconds": 1,
}


def bot_secrets(url: str, **extra: Any) -> Secrets:
    values: dict[str, Any] = {
        "webhook_secret": TEST_SECRET, "api_token": TEST_TOKEN,
        "telegram_controller_token": CTL, "telegram_notification_token": NTF,
        "telegram_analytics_token": ANA, "telegram_chat_id": str(ADMIN),
        "telegram_allowed_users": f"{ADMIN},{USER}", "telegram_admin_users": str(ADMIN),
        "telegram_api_url": url}
    values.update(extra)
    return Secrets(**values)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    for token, name in ((CTL, "v5_controller_bot"), (NTF, "v5_notify_bot"),
                        (ANA, "v5_analytics_bot")):
        server.add_bot(token, name)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def secrets(tg: FakeTelegram) -> Secrets:
    return bot_secrets(tg.url)


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    engine_options.config_overrides = {**engine_options.config_overrides, **FAST}
    return engine_options


async def started(engine: Engine, tg: FakeTelegram) -> TelegramFrontend:
    frontend = create(engine)
    assert frontend is not None
    await frontend.start()
    await tg.wait_for(lambda: all(r.link == "up" for r in frontend.runtimes.values()))
    await tg.wait_for(lambda: all(h.state == "active" for h in frontend.headers.values()))
    # start-up notifications (bot_started...) are delivered before a test types anything
    await tg.wait_for(lambda: all(frontend.outbox.backlog(r) == 0 for r in ROLES))
    return frontend


@pytest.fixture
async def frontend(engine: Engine, tg: FakeTelegram) -> AsyncIterator[TelegramFrontend]:
    fe = await started(engine, tg)
    try:
        yield fe
    finally:
        await fe.stop()
