"""Refused alerts over real HTTP become `alert_rejected` / `webhook_auth_failed` notifications."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bots.telegram.frontend import TelegramFrontend
from console.cli import cli_actor
from core.clock import FrozenClock
from core.engine import Engine, EngineOptions
from core.notifications.outbox import JOURNAL
from core.signals.redact import redacted_excerpt
from tests.bots.conftest import ADMIN, ANA, CTL, NTF, started
from tests.conftest import TEST_SECRET
from tests.engine.helpers import legacy
from tests.fakes.telegram_server import FakeTelegram

WRONG = "guessed-secret-123"


@pytest.fixture
async def served(engine_options: EngineOptions, tg: FakeTelegram
                 ) -> AsyncIterator[tuple[Engine, TelegramFrontend, str]]:
    engine_options.webhook, engine_options.host, engine_options.port = True, "127.0.0.1", 0
    engine = Engine(engine_options)
    await engine.start()
    assert engine.webhook is not None and engine.webhook.state.up
    frontend = await started(engine, tg)
    try:
        yield engine, frontend, f"http://127.0.0.1:{engine.webhook.state.port}/webhook"
    finally:
        await frontend.stop()
        await engine.stop()


async def post(url: str, body: bytes) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body) as resp:
        return resp.status


def notices(tg: FakeTelegram, heading: str) -> list[dict[str, object]]:
    return [c.params for c in tg.calls_for("sendMessage", NTF, ADMIN)
            if heading in str(c.params.get("text"))]


async def test_refused_alerts_notify_without_leaking_the_secret(
        served: tuple[Engine, TelegramFrontend, str], tg: FakeTelegram,
        frozen_clock: FrozenClock) -> None:
    engine, frontend, url = served
    assert await post(url, b"this is not an alert {") == 400
    await tg.wait_for(lambda: notices(tg, "ALERT REJECTED"))
    [first] = notices(tg, "ALERT REJECTED")
    assert "HTTP 400 UNKNOWN_FORMAT" in str(first["text"])
    assert "this is not an alert" in str(first["text"])  # a short excerpt of the body
    assert first.get("disable_notification") is True  # alert_rejected defaults to silent

    assert await post(url, legacy("entry", "buy", "15m", symbol="XAGUSD")) == 400
    assert await post(url, legacy("entry", "sell", "15m", symbol="XAGUSD")) == 400
    frozen_clock.advance(61)  # a flood makes one notice a minute, then a count
    assert await post(url, legacy("entry", "buy", "15m", symbol="XAGUSD")) == 400
    await tg.wait_for(lambda: len(notices(tg, "ALERT REJECTED")) == 2)
    second = str(notices(tg, "ALERT REJECTED")[1]["text"])
    assert "UNKNOWN_SYMBOL" in second and "XAGUSD" in second
    assert "(+2 more refused since the previous notice)" in second

    body = json.loads(legacy("entry", "buy", "15m"))
    body["secret"] = WRONG
    assert await post(url, json.dumps(body).encode()) == 401
    await tg.wait_for(lambda: notices(tg, "WEBHOOK AUTH FAILED"))
    [auth] = notices(tg, "WEBHOOK AUTH FAILED")
    assert "HTTP 401 UNAUTHORIZED" in str(auth["text"]) and not auth.get("disable_notification")
    everything = [str(c.params) for c in tg.calls]
    assert engine.store is not None
    everything += [json.dumps(d) for d in engine.store.tail(JOURNAL, 500)]
    for secret in (TEST_SECRET, WRONG):
        assert not any(secret in text for text in everything)
    await tg.wait_for(lambda: frontend.outbox.backlog("notification") == 0)
    assert len(notices(tg, "ALERT REJECTED")) == 2 and len(notices(tg, "WEBHOOK AUTH")) == 1
    assert not [t for t in tg.texts(CTL, ADMIN) + tg.texts(ANA, ADMIN) if "REJECTED" in t]


async def test_type_off_silences_it(served: tuple[Engine, TelegramFrontend, str],
                                    tg: FakeTelegram) -> None:
    engine, _, url = served
    reply = await engine.execute("/notifications type alert_rejected off", cli_actor())
    assert reply.ok and engine.notifications is not None
    dropped = engine.notifications.actions["drop"]
    assert await post(url, b"garbage") == 400
    assert await post(url, json.dumps({"secret": WRONG, "type": "entry"}).encode()) == 401
    await tg.wait_for(lambda: notices(tg, "WEBHOOK AUTH FAILED"))
    assert notices(tg, "ALERT REJECTED") == []  # preferences decide, as for every type
    assert engine.notifications.actions["drop"] == dropped + 1  # refused, logged, not sent


def test_excerpts_are_redacted_and_short() -> None:
    secret = b"s3cr3t-value"
    text = redacted_excerpt('{"type": "x", "secret": "s3cr3t-value", "token": "t0k"} '
                            + "z" * 500, secret)
    assert "s3cr3t-value" not in text and "t0k" not in text and len(text) <= 120
    assert redacted_excerpt("BULLISH_ENTRY|EURUSD|s3cr3t-value|x", secret) == \
        "BULLISH_ENTRY|EURUSD|***|x"
    assert redacted_excerpt("a=1&password=hunter2", None) == "a=1&password=***"
