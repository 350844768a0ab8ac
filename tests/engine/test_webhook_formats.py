"""Every SPEC §2 example over real HTTP with the action SPEC says, and every status code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from core.engine import Engine, EngineOptions
from tests.conftest import TEST_SECRET
from tests.engine.helpers import legacy, quote
from tests.engine.signal_helpers import layers, record_of, run
from tests.signals import payloads as spec


def with_secret(body: dict[str, Any]) -> bytes:
    return json.dumps({**body, "secret": TEST_SECRET}).encode()


async def start(options: EngineOptions, **overrides: Any) -> Engine:
    options.webhook, options.host, options.port = True, "127.0.0.1", 0
    options.config_overrides.update(overrides)
    engine = Engine(options)
    await engine.start()
    assert engine.webhook is not None and engine.webhook.state.up
    return engine


@pytest.fixture
async def served(engine_options: EngineOptions) -> AsyncIterator[tuple[Engine, str]]:
    engine = await start(engine_options)
    try:
        yield engine, f"http://127.0.0.1:{engine.webhook.state.port}"  # type: ignore[union-attr]
    finally:
        await engine.stop()


async def send(url: str, data: bytes | str, headers: dict[str, str] | None = None
               ) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.post(
            url, data=data, headers={"Content-Type": "text/plain", **(headers or {})}) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return resp.status, text


async def processed(engine: Engine, url: str, data: bytes | str) -> dict[str, Any]:
    status, body = await send(url, data)
    assert status == 200 and body["status"] == "accepted", body
    assert engine.intake is not None
    await engine.intake.queue.join()
    return record_of(engine, body["signal_id"])


# -- SPEC §2.2 ----------------------------------------------------------------------------------

async def test_legacy_examples(served: tuple[Engine, str]) -> None:
    engine, base = served
    assert engine.trends is not None and engine.trading is not None
    quote(engine, "EURUSD", 1.08440)
    for tf in ("1h", "15m"):
        await processed(engine, base + "/webhook", legacy("trend", "bull", tf))
    entry = await processed(engine, base + "/webhook", with_secret(spec.LEGACY_ENTRY))
    assert entry["signal"]["strategy"] == "combinedlogic-2"  # entry candidate for Logic 2
    assert (entry["outcome"], entry["reason"]) == ("executed", "ORDER_PLACED")
    # secret in the query
    trend = await processed(engine, base + f"/webhook?secret={TEST_SECRET}",
                            json.dumps(spec.LEGACY_TREND))
    assert (trend["outcome"], trend["reason"]) == ("executed", "TREND_UPDATED")
    assert engine.trends.get("XAUUSD", "1h").value == "BEARISH"
    # exit bull closes SELL positions of Logic 1 on GBPUSD
    quote(engine, "GBPUSD", 1.26500)
    for tf in ("1h", "15m"):
        await processed(engine, base + "/webhook", legacy("trend", "bear", tf, "GBPUSD", 1.265))
    sell = await processed(engine, base + "/webhook",
                           legacy("entry", "sell", "5m", "GBPUSD", 1.265))
    assert sell["reason"] == "ORDER_PLACED"
    exit_ = await processed(engine, base + "/webhook", with_secret(spec.LEGACY_EXIT))
    assert (exit_["outcome"], exit_["reason"]) == ("executed", "EXIT_SIGNAL")
    assert [p.symbol for p in engine.trading.positions.values()] == ["EURUSD"]


# -- SPEC §2.3 ----------------------------------------------------------------------------------

async def test_v3_examples(served: tuple[Engine, str]) -> None:
    engine, base = served
    assert engine.trends is not None and engine.trading is not None
    quote(engine, "EURUSD", 1.08440)
    # The entry's own pillars (15m, 1h bullish) align Logic 2 for the V4 fallback.
    entry = await processed(engine, base + "/webhook/v3", with_secret(spec.V3_ENTRY))
    assert entry["signal"]["signal_type"] == "BUY_SIGNAL"
    assert entry["signal"]["extras"]["levels_present"] is True
    assert (entry["outcome"], entry["reason"]) == ("executed", "ORDER_PLACED")
    assert [engine.trends.get("EURUSD", tf).value for tf in ("15m", "1h", "4h", "1d")] == [
        "BULLISH", "BULLISH", "NEUTRAL", "BULLISH"]
    # exit_v3 direction sell closes BUY positions of the logic its tf routes to (60 → Logic 3)
    quote(engine, "XAUUSD", 2330.00, 0.3)
    for tf in ("1d", "1h"):
        await processed(engine, base + "/webhook", legacy("trend", "bull", tf, "XAUUSD", 2330))
    buy = await processed(engine, base + "/webhook", legacy("entry", "buy", "1h", "XAUUSD",
                                                            2330))
    assert buy["reason"] == "ORDER_PLACED"
    exit_ = await processed(engine, base + "/webhook", with_secret(spec.V3_EXIT))
    assert (exit_["signal"]["signal_type"], exit_["reason"]) == ("CLOSE_BUY", "EXIT_SIGNAL")
    assert [p.symbol for p in engine.trading.positions.values()] == ["EURUSD"]
    pulse = await processed(engine, base + "/webhook", with_secret(spec.V3_PULSE))
    assert (pulse["outcome"], pulse["reason"]) == ("executed", "TREND_UPDATED")
    assert engine.trends.get("GBPUSD", "15m").value == "BEARISH"
    assert engine.trends.get("GBPUSD", "1h").value == "BULLISH"
    assert len(engine.trading.positions) == 1  # a pulse never trades


# -- SPEC §2.4 ----------------------------------------------------------------------------------

async def test_v6_examples(served: tuple[Engine, str]) -> None:
    """The SPEC examples through the V4 logic (passthrough); the V6 plugins' own handling of
    them is in tests/strategies."""
    engine, base = served
    assert engine.trading is not None
    await run(engine, "/mode passthrough")
    quote(engine, "EURUSD", 1.08440)
    for tf in ("1h", "15m"):
        await processed(engine, base + "/webhook", legacy("trend", "bull", tf))
    query = f"?secret={TEST_SECRET}"
    entry = await processed(engine, base + "/webhook" + query, spec.V6_ENTRY)
    # passthrough: the V4 logic bound to 15m (Logic 2) trades it with the alert's levels
    assert (entry["outcome"], entry["reason"]) == ("executed", "ORDER_PLACED")
    assert layers(entry)[-1] == ("V4", True, "executed", "ORDER_PLACED", False)
    assert sorted((engine.trading.meta(t)["strategy"], engine.trading.meta(t)["kind"])
                  for t in engine.trading.positions) == [("combinedlogic-2", "A"),
                                                         ("combinedlogic-2", "B")]
    na = await processed(engine, base + "/webhook/v6" + query, spec.V6_ENTRY_NA)
    assert na["signal"]["extras"]["scores"]["adx"] is None
    assert (na["outcome"], na["reason"]) == ("ignored", "NO_LOGIC_FOR_TF")  # 1m: no V4 logic
    pulse = await processed(engine, base + "/webhook" + query, spec.V6_PULSE)
    assert pulse["signal"]["signal_type"] == "TREND_UPDATE"
    assert (pulse["outcome"], pulse["reason"]) == ("executed", "PULSE_UPDATED")
    # EXIT_BEARISH closes SELL positions of the 5m strategy (V4 fallback: Logic 1) on GBPJPY
    quote(engine, "GBPJPY", 191.300, 0.02)
    for tf in ("1h", "15m"):
        await processed(engine, base + "/webhook", legacy("trend", "bear", tf, "GBPJPY", 191.3))
    sell = await processed(engine, base + "/webhook",
                           legacy("entry", "sell", "5m", "GBPJPY", 191.3))
    assert sell["reason"] == "ORDER_PLACED"
    exit_ = await processed(engine, base + "/webhook/v6" + query, spec.V6_EXIT)
    assert (exit_["signal"]["signal_type"], exit_["reason"]) == ("CLOSE_SELL", "EXIT_SIGNAL")
    assert [p.symbol for p in engine.trading.positions.values()] == ["EURUSD", "EURUSD"]
    as_json = await processed(engine, base + "/webhook/v6",
                              with_secret({**spec.V6_ENTRY_JSON, "price": 1.08453}))
    assert as_json["signal"]["signal_type"] == "BUY_SIGNAL"
    assert as_json["reason"] == "ALREADY_OPEN"  # the same Logic 2 BUY is already open


# -- statuses ------------------------------------------------------------------------------------

MALFORMED = [
    ("/webhook", with_secret({**spec.LEGACY_ENTRY, "signal": "reversal_bull"}), "INVALID_SIGNAL"),
    ("/webhook", with_secret({**spec.LEGACY_ENTRY, "price": "x"}), "INVALID_VALUE"),
    ("/webhook", with_secret({**spec.V3_ENTRY, "direction": "neutral"}), "INVALID_DIRECTION"),
    ("/webhook", with_secret({**spec.V3_ENTRY, "mtf_trends": "1,1"}), "INVALID_MTF"),
    ("/webhook/v3", with_secret({**spec.V3_ENTRY, "tf": "7"}), "UNSUPPORTED_TF"),
    ("/webhook/v3", with_secret({**spec.V3_ENTRY, "symbol": "XAGUSD"}), "UNKNOWN_SYMBOL"),
    ("/webhook/v3", with_secret(spec.LEGACY_ENTRY), "WRONG_FORMAT"),
    ("/webhook/v3", spec.V6_ENTRY, "WRONG_FORMAT"),
    ("/webhook", spec.V6_ENTRY.replace("|1.08210|", "|1.09000|"), "INVALID_LEVELS"),
    ("/webhook", "BULLISH_ENTRY|EURUSD|15|1.08452", "MALFORMED"),
    ("/webhook", spec.V6_ENTRY.replace("|85|", "|NA|"), "MISSING_FIELD"),
    ("/webhook/v6", with_secret({**spec.V6_ENTRY_JSON, "tp1": None}), "MISSING_FIELD"),
    ("/webhook/v6", with_secret(spec.V3_ENTRY), "WRONG_FORMAT"),
    ("/webhook", b"hello there", "UNKNOWN_FORMAT"),
    ("/webhook", b"\xff\xfe", "MALFORMED"),
]


@pytest.mark.parametrize(("path", "body", "reason"), MALFORMED)
async def test_rejections_are_400_with_the_code_and_a_message(
        served: tuple[Engine, str], path: str, body: bytes | str, reason: str) -> None:
    _, base = served
    status, got = await send(f"{base}{path}?secret={TEST_SECRET}", body)
    assert status == 400 and got["status"] == "rejected" and got["reason"] == reason
    assert len(got["message"]) > 20


@pytest.mark.parametrize(("path", "body"), [
    ("/webhook", with_secret(spec.V3_ENTRY)), ("/webhook/v3", with_secret(spec.V3_PULSE)),
    ("/webhook", spec.V6_PULSE), ("/webhook/v6", spec.V6_EXIT),
    ("/webhook/v6", with_secret(spec.V6_ENTRY_JSON)),
    ("/webhook", json.dumps(with_secret(spec.LEGACY_TREND).decode())),  # a JSON string of JSON
])
async def test_accepted_then_duplicate(served: tuple[Engine, str], path: str,
                                       body: bytes | str) -> None:
    _, base = served
    url = f"{base}{path}?secret={TEST_SECRET}"
    status, first = await send(url, body)
    assert status == 200 and first["status"] == "accepted"
    status, second = await send(url, body)
    assert status == 200 and second == {"status": "duplicate", "of": first["signal_id"]}


@pytest.mark.parametrize(("query", "body"), [
    ("", spec.V6_PULSE), ("?secret=wrong", spec.V6_PULSE),
    ("", json.dumps({**spec.V3_ENTRY, "secret": "wrong"})),
    ("?secret=" + TEST_SECRET, json.dumps({**spec.V3_ENTRY, "secret": "wrong"})),
])
async def test_unauthorized_is_401(served: tuple[Engine, str], query: str, body: str) -> None:
    _, base = served
    assert await send(f"{base}/webhook/v6{query}" if "|" in body else f"{base}/webhook{query}",
                      body) == (401, {"status": "unauthorized"})


async def test_too_large_is_413(served: tuple[Engine, str]) -> None:
    _, base = served
    body = json.dumps({**spec.V3_ENTRY, "message": "x" * 17000, "secret": TEST_SECRET})
    status, _ = await send(f"{base}/webhook/v3", body)
    assert status == 413


async def test_allow_list_via_a_trusted_proxy_is_403_for_others(
        engine_options: EngineOptions) -> None:
    engine = await start(engine_options, **{"webhook.ip_allowlist_enabled": True,
                                            "webhook.trusted_proxies": ["127.0.0.1"]})
    try:
        url = f"http://127.0.0.1:{engine.webhook.state.port}/webhook?secret={TEST_SECRET}"  # type: ignore[union-attr]
        assert await send(url, spec.V6_PULSE, {"X-Forwarded-For": "203.0.113.9"}) == (
            403, {"status": "unauthorized"})
        assert (await send(url, spec.V6_PULSE))[0] == 403  # the proxy itself is not TradingView
        status, body = await send(url, spec.V6_PULSE,
                                  {"X-Forwarded-For": "52.89.214.238, 10.0.0.1"})
        assert (status, body["status"]) == (200, "accepted")
        assert engine.store is not None
        assert engine.store.tail("signals", 1)[0]["source"] == "52.89.214.238"
    finally:
        await engine.stop()


async def test_a_full_queue_is_503_while_the_broker_hangs(engine_options: EngineOptions) -> None:
    """The MT5 link freezes (the terminal holds its lock): the worker waits on its quote,
    alerts keep being acknowledged until the queue is full, then 503; nothing is lost."""
    engine = await start(engine_options, **{"webhook.queue_max": 3})
    assert engine.bundle is not None and engine.bundle.terminal is not None
    url = f"http://127.0.0.1:{engine.webhook.state.port}/webhook"  # type: ignore[union-attr]
    terminal_lock = engine.bundle.terminal._lock
    try:
        quote(engine, "EURUSD", 1.08440)
        for tf in ("1h", "15m"):
            assert (await send(url, legacy("trend", "bull", tf)))[0] == 200
        assert engine.intake is not None
        await engine.intake.queue.join()
        terminal_lock.acquire()
        try:
            assert (await send(url, legacy("entry", "buy", "15m")))[0] == 200
            for _ in range(100):  # the worker takes the entry and blocks on the quote
                if engine.intake.queue.qsize() == 0:
                    break
                await asyncio.sleep(0.01)
            answers = [await send(url, legacy("trend", "bull", "5m", price=1.084 + n / 10000))
                       for n in range(5)]
            assert [status for status, _ in answers] == [200, 200, 200, 503, 503]
            assert answers[-1][1] == {"status": "busy"}
        finally:
            terminal_lock.release()
        await engine.intake.queue.join()
        assert engine.store is not None
        outcomes = [(r["status"], r["reason"]) for r in engine.store.tail("signals", 6)][::-1]
        assert outcomes == [("processed", "ORDER_PLACED"), ("processed", "TREND_UPDATED"),
                            ("processed", "TREND_UNCHANGED"), ("processed", "TREND_UNCHANGED"),
                            ("rejected", "QUEUE_FULL"), ("rejected", "QUEUE_FULL")]
    finally:
        await engine.stop()
