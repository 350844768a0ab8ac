"""Lifecycle: background connect, unreachable Bot API, token fallback, single bot, no token."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from bots.telegram.config import load_config, parse_ids
from bots.telegram.frontend import create
from core.config import Secrets
from core.engine import Engine, EngineOptions
from tests.bots.conftest import ADMIN, ANA, CTL, NTF
from tests.bots.helpers import say
from tests.fakes.telegram_server import FakeTelegram


async def test_engine_start_is_not_delayed_by_an_unreachable_bot_api(
        tg: FakeTelegram, engine_options: EngineOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("core.frontends.discover", lambda: {"telegram": create})
    await tg.go_down("refuse")
    engine_options.frontends = True
    engine = Engine(engine_options)
    began = time.monotonic()
    await engine.start()
    try:
        assert time.monotonic() - began < 3.0
        assert engine.steps["frontends"].detail == "telegram"
        frontend = engine.frontends[0]
        await asyncio.sleep(1.2)
        up, detail = engine.services["telegram"]
        assert not up and "CONNECTING" in detail and "ConnectError" in detail
        assert engine.trading is not None and not engine.trading.paused  # trading unaffected
        await tg.come_up()
        await tg.wait_for(lambda: engine.services["telegram"][0], timeout=10)
        await tg.wait_for(lambda: all(h.state == "active"
                                      for h in frontend.headers.values()))  # type: ignore[attr-defined]
        [reply] = await say(tg, CTL, ADMIN, "/status")
        assert "RUNNING" in reply.params["text"]
    finally:
        await engine.stop()
    assert engine.services["telegram"] == (False, "stopped")


async def test_no_controller_token_means_no_telegram(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    engine.secrets = Secrets(telegram_notification_token=NTF, telegram_allowed_users="1")
    assert create(engine) is None  # a Notification token alone does not start Telegram
    record = next(r for r in caplog.records if "Telegram disabled" in r.getMessage())
    assert record.levelno == logging.CRITICAL
    assert engine.services["telegram"] == (False, "disabled: no token")


def test_token_fallbacks_and_identities() -> None:
    only = load_config(Secrets(telegram_token="T:1", telegram_allowed_users="5, 6;x 7",
                               telegram_api_url="http://127.0.0.1:8081/"))
    assert only is not None
    assert [b.roles for b in only.bots] == [("controller", "notification", "analytics")]
    assert only.allowed == (5, 6, 7) and only.admins == (5, 6, 7) and only.chat_id == 5
    assert only.base_url == "http://127.0.0.1:8081/bot"
    assert only.base_file_url == "http://127.0.0.1:8081/file/bot"
    split = load_config(Secrets(telegram_token="T:1", telegram_controller_token="C:1",
                                telegram_notification_token="N:1", telegram_chat_id="-100",
                                telegram_admin_users="6"))
    assert split is not None
    assert [(b.key, b.token) for b in split.bots] == [("controller+analytics", "C:1"),
                                                      ("notification", "N:1")]
    assert split.chat_id == -100 and split.admins == (6,) and split.allowed == ()
    assert split.api_root == "https://api.telegram.org"
    assert "C:1" not in repr(split.bots[0])
    assert load_config(Secrets(telegram_notification_token="N:1")) is None
    assert parse_ids("1,,2, 2", "x") == (1, 2)


async def test_a_rejected_token_is_reported_without_showing_it(
        engine: Engine, tg: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    del tg.bots[ANA]  # the server does not know this token: 401
    frontend = create(engine)
    assert frontend is not None
    await frontend.start()
    try:
        runtime = frontend.runtimes["analytics"]
        await tg.wait_for(lambda: runtime.link == "rejected")
        await tg.wait_for(lambda: frontend.runtimes["controller"].link == "up")
        await asyncio.sleep(1.2)
        up, detail = engine.services["telegram"]
        assert not up and "REJECTED (token rejected by Telegram)" in detail
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "analytics bot: the token was rejected" in logged
        log_file = (engine.data_dir / "logs" / "v5.log").read_text(encoding="utf-8")
        for token in (CTL, NTF, ANA):
            assert token not in logged and token not in detail and token not in log_file
    finally:
        await frontend.stop()


def test_bots_modules_stay_small_typed_and_documented() -> None:
    root = Path(__file__).resolve().parents[2] / "bots"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, path
        assert text.startswith('"""'), path
        for banned in ("import console", "from console", "import themes", "from themes"):
            assert banned not in text, (path, banned)
