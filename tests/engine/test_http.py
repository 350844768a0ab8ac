"""The HTTP server over real sockets: webhook statuses, /health, /status, /api/command."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from core.engine import Engine, EngineOptions
from tests.conftest import TEST_SECRET, TEST_TOKEN
from tests.engine.helpers import legacy, quote

AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}


@pytest.fixture
async def served(engine_options: EngineOptions) -> AsyncIterator[tuple[Engine, str]]:
    engine_options.webhook = True
    engine_options.host = "127.0.0.1"
    engine_options.port = 0  # an ephemeral port
    engine = Engine(engine_options)
    await engine.start()
    assert engine.webhook is not None and engine.webhook.state.up
    try:
        yield engine, f"http://127.0.0.1:{engine.webhook.state.port}"
    finally:
        await engine.stop()


async def _post(url: str, data: bytes | str, **kw: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.post(url, data=data, **kw) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if text else None


async def test_health_is_public_and_minimal(served: tuple[Engine, str]) -> None:
    _, base = served
    async with aiohttp.ClientSession() as http, http.get(base + "/health") as resp:
        body = await resp.json()
    assert resp.status == 200 and set(body) == {"status", "time_utc"} and body["status"] == "ok"


async def test_status_requires_the_bearer_token(served: tuple[Engine, str]) -> None:
    engine, base = served
    async with aiohttp.ClientSession() as http:
        async with http.get(base + "/status") as resp:
            assert resp.status == 401
        async with http.get(base + "/status", headers={"Authorization": "Bearer nope"}) as resp:
            assert resp.status == 401
        async with http.get(base + "/status", headers=AUTH) as resp:
            body = await resp.json()
    assert resp.status == 200
    assert body["mode"] == "paper" and body["paused"] is False
    assert body["balance"] == pytest.approx(10000) and body["open_positions"] == []


@pytest.mark.parametrize(("body", "query", "status", "reply"), [
    (legacy("trend", "bull", "1h"), "", 200, {"status": "accepted"}),
    (legacy("trend", "bull", "1h").replace(TEST_SECRET.encode(), b"wrong"), "", 401,
     {"status": "unauthorized"}),
    (json.dumps({"type": "trend", "signal": "bull", "tf": "1h", "symbol": "EURUSD",
                 "price": 1.08}).encode(), "", 401, {"status": "unauthorized"}),
    (json.dumps({"type": "trend", "signal": "bull", "tf": "1h", "symbol": "EURUSD",
                 "price": 1.08}).encode(), f"?secret={TEST_SECRET}", 200, {"status": "accepted"}),
    (b"{not json", "", 400, {"status": "rejected", "reason": "UNKNOWN_FORMAT"}),
    (legacy("entry", "bull", "15m"), "", 400, {"status": "rejected", "reason": "INVALID_SIGNAL"}),
    (legacy("entry", "buy", "1d"), "", 400, {"status": "rejected", "reason": "UNSUPPORTED_TF"}),
    (legacy("entry", "buy", "15m", symbol="DOGEUSD"), "", 400,
     {"status": "rejected", "reason": "UNKNOWN_SYMBOL"}),
    (legacy("entry", "buy", "15m", price=-1), "", 400,
     {"status": "rejected", "reason": "INVALID_VALUE"}),
    (b"x" * 20000, "", 413, {"status": "rejected", "reason": "TOO_LARGE"}),
])
async def test_webhook_status_codes(served: tuple[Engine, str], body: bytes, query: str,
                                   status: int, reply: dict[str, str]) -> None:
    _, base = served
    got_status, got = await _post(base + "/webhook" + query, body,
                                  headers={"Content-Type": "text/plain"})
    assert got_status == status
    assert {k: got[k] for k in reply} == reply


async def test_duplicate_within_the_window_is_acknowledged_once(served: tuple[Engine, str]
                                                                ) -> None:
    _, base = served
    first = await _post(base + "/webhook", legacy("trend", "bear", "1d"))
    second = await _post(base + "/webhook", legacy("trend", "bear", "1d"))
    assert first[1]["status"] == "accepted"
    assert second[1] == {"status": "duplicate", "of": first[1]["signal_id"]}


async def test_rejections_name_the_field_and_the_fix(served: tuple[Engine, str]) -> None:
    engine, base = served
    _, body = await _post(base + "/webhook", legacy("entry", "buy", "15m", symbol="XAGUSD"))
    assert "XAGUSD" in body["message"] and "symbol table" in body["message"]
    assert engine.store is not None
    record = engine.store.tail("signals", 1)[0]
    assert (record["outcome"], record["reason"]) == ("rejected", "UNKNOWN_SYMBOL")
    assert TEST_SECRET not in json.dumps(record)  # the secret never reaches the signal log


async def test_api_command_is_authorised_and_confirms_dangerous_commands(
        served: tuple[Engine, str]) -> None:
    engine, base = served
    url = base + "/api/command"
    assert (await _post(url, json.dumps({"command": "/status"})))[0] == 401
    status, reply = await _post(url, json.dumps({"command": "/pause"}), headers=AUTH)
    assert status == 200 and reply["needs_confirmation"] and reply["command"] == "/pause"
    assert engine.trading is not None and not engine.trading.paused
    _, reply = await _post(url, json.dumps({"command": "/pause", "confirm": True}), headers=AUTH)
    assert reply["ok"] and engine.trading.paused
    _, reply = await _post(url, json.dumps({"command": "/nonsense"}), headers=AUTH)
    assert not reply["ok"] and "unknown command" in reply["lines"][0]
    bad = await _post(url, b"not json", headers=AUTH)
    assert bad[0] == 400


async def test_a_taken_port_leaves_the_engine_running_with_webhook_down(
        engine_options: EngineOptions) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        engine_options.webhook, engine_options.host = True, "127.0.0.1"
        engine_options.port = blocker.getsockname()[1]
        engine = Engine(engine_options)
        await engine.start()
        try:
            up, detail = engine.services["webhook"]
            assert not up and detail.startswith("webhook DOWN: cannot bind")
            quote(engine, "EURUSD", 1.084)
            reply = await engine.execute("/status", _cli())
            assert reply.ok and any("webhook DOWN" in line for line in reply.lines)
        finally:
            await engine.stop()


def _cli() -> Any:
    from core.commands.spec import Actor, Surface

    return Actor(Surface.CLI, "t")
