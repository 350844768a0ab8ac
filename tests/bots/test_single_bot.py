"""One token: one bot plays Controller, Notification and Analytics (SPEC §9.1 fallback)."""

from __future__ import annotations

import pytest

from core.config import Secrets
from core.engine import Engine
from core.notifications.outbox import OutboundMessage
from tests.bots.conftest import ADMIN, ANA, CTL, NTF, USER, bot_secrets, started
from tests.bots.helpers import click, say
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture
def secrets(tg: FakeTelegram) -> Secrets:  # one token: one bot plays all three roles
    return bot_secrets(tg.url, telegram_controller_token=None, telegram_notification_token=None,
                       telegram_analytics_token=None, telegram_token=CTL)


async def test_a_single_token_runs_one_bot_for_every_role(
        engine: Engine, tg: FakeTelegram) -> None:
    frontend = await started(engine, tg)
    try:
        assert list(frontend.runtimes) == ["controller+notification+analytics"]
        header = frontend.headers["controller+notification+analytics"]
        text = tg.bots[CTL].messages[(ADMIN, header.message_id)]["text"]
        for part in ("V5 Hybrid Operator Console", "Notifications", "Alerts today",
                     "Analytics", "Win rate today"):
            assert part in text
        assert text.count("IST") == 1
        assert not tg.calls_for(token=NTF) and not tg.calls_for(token=ANA)
        now = engine.clock.now()
        for role in ("notification", "controller"):  # the center copies CRITICAL (§9.3)
            frontend.outbox.put(OutboundMessage(role, "emergency_stop", 5, "EMERGENCY"), now)
        frontend.outbox.put(OutboundMessage("analytics", "daily_summary", 3, "DAILY"), now)
        await tg.wait_for(lambda: "DAILY" in tg.texts(CTL, ADMIN))
        await tg.wait_for(lambda: all(frontend.outbox.backlog(r) == 0
                                      for r in ("controller", "notification")))
        assert tg.texts(CTL, ADMIN).count("EMERGENCY") == 1  # same bot, same chat: once
        await say(tg, CTL, USER, "/pause")
        await click(tg, CTL, USER, "Confirm")
        assert engine.trading is not None and engine.trading.paused
    finally:
        await frontend.stop()


