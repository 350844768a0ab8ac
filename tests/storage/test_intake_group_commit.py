"""The intake's group-committed acknowledgement: durable before the answer, dedup per batch."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from core.clock import FrozenClock
from core.commands.spec import Actor, Reply
from core.config import ConfigManager
from core.events import EventBus
from core.signals.intake import SIGNAL_LOG, IntakeResponse, SignalIntake
from core.signals.webhook import WebhookServer
from tests.signals.payloads import NOW, SPEC_SECRET, SYMBOLS, V6_PULSE
from tests.storage.test_group_commit import SlowStore, on_disk


class Rig:
    def __init__(self, root: Path) -> None:
        self.config = ConfigManager()
        self.store = SlowStore(root, delay=0.01)
        self.intake = SignalIntake(lambda: self.config.settings, self.store, FrozenClock(NOW),
                                   lambda: SYMBOLS, EventBus(), SPEC_SECRET)

    async def post(self, body: str) -> IntakeResponse:
        response = await self.intake.receive_async(body.encode(), query_secret=SPEC_SECRET)
        # The answer exists only once the record is on disk (read past the store's memory).
        if response.status == 200:
            assert json.dumps(body)[1:-1] in on_disk(self.store.root, SIGNAL_LOG)
        return response

    async def burst(self, bodies: list[str]) -> list[IntakeResponse]:
        """One alert alone, then the rest while its write is in flight: they share one write."""
        first = asyncio.create_task(self.post(bodies[0]))
        await asyncio.sleep(0.003)
        return list(await asyncio.gather(first, *(self.post(b) for b in bodies[1:])))


def pulse(n: int) -> str:
    """The n-th of 28 distinct V6 trend pulses."""
    timeframe = ("60", "15", "5", "240")[n // 7]
    return V6_PULSE.replace("|5|1|", f"|{n % 7}|0|").replace("|60|", f"|{timeframe}|")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.store.close()


async def test_concurrent_alerts_share_writes_and_queue_in_record_order(rig: Rig) -> None:
    responses = await rig.burst([pulse(n) for n in range(20)])
    assert [r.body["status"] for r in responses] == ["accepted"] * 20
    assert rig.store.writes == [[1], list(range(2, 21))]
    queued = [rig.intake.queue.get_nowait() for _ in range(20)]
    assert [record_no for _, record_no, _ in queued] == list(range(1, 21))
    assert [s.signal_id for s, _, _ in queued] == [r.body["signal_id"] for r in responses]
    assert rig.intake.stats.accepted == 20


async def test_two_identical_alerts_in_one_write_are_an_original_and_its_duplicate(
        rig: Rig) -> None:
    responses = await rig.burst([pulse(0), pulse(1), pulse(1), pulse(2), pulse(1)])
    original = responses[1].body["signal_id"]
    assert [r.body for r in responses[2:]] == [
        {"status": "duplicate", "of": original},
        {"status": "accepted", "signal_id": responses[3].body["signal_id"]},
        {"status": "duplicate", "of": original}]
    assert len(rig.store.writes) == 2 and rig.intake.queue.qsize() == 3
    log = list(rig.store.scan(SIGNAL_LOG))
    assert [(r["status"], r.get("of")) for r in log] == [
        ("queued", None), ("queued", None), ("duplicate", original), ("queued", None),
        ("duplicate", original)]


async def test_a_failed_write_acknowledges_nothing_and_forgets_its_alerts(rig: Rig) -> None:
    rig.config.set("webhook.queue_max", 3)
    rig.store.fail_next = True
    results = await asyncio.gather(*(rig.post(pulse(n)) for n in (0, 0, 1)),
                                   return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)  # the webhook answers 500: no ack
    assert rig.intake.queue.qsize() == 0 and rig.store.count(SIGNAL_LOG) == 0
    # Not remembered as accepted, not holding queue places: the retry is a first arrival.
    responses = await rig.burst([pulse(0), pulse(1), pulse(2), pulse(3)])
    assert [r.status for r in responses] == [200, 200, 200, 503]
    assert rig.intake.queue.qsize() == 3


async def test_the_queue_bound_counts_alerts_still_being_written(rig: Rig) -> None:
    rig.config.set("webhook.queue_max", 2)
    responses = await rig.burst([pulse(n) for n in range(5)])
    assert [r.status for r in responses] == [200, 200, 503, 503, 503]
    assert rig.intake.stats.busy == 3
    assert [r["reason"] for r in rig.store.scan(SIGNAL_LOG)][2:] == ["QUEUE_FULL"] * 3


async def test_refusals_are_logged_in_the_same_writes(rig: Rig) -> None:
    first = asyncio.create_task(rig.post(pulse(0)))
    await asyncio.sleep(0.003)
    bad, wrong = await asyncio.gather(
        rig.post("NOT_A_TYPE|x"),
        rig.intake.receive_async(pulse(1).encode(), query_secret="guess"))
    await first
    assert bad.status == 400 and wrong.status == 401
    assert rig.store.writes == [[1], [2, 3]]
    assert [r["reason"] for r in rig.store.scan(SIGNAL_LOG)] == [
        "", "UNKNOWN_FORMAT", "UNAUTHORIZED"]


async def test_the_queue_holds_signals_in_record_order_whichever_way_they_came(
        rig: Rig) -> None:
    # The watermark relies on it: everything below a processed record number was processed.
    webhook = [asyncio.create_task(rig.post(pulse(n))) for n in (1, 2, 3)]
    rig.store.delay = 0.0
    offline = rig.intake.receive(pulse(4).encode(), query_secret=SPEC_SECRET)  # sync caller
    await asyncio.gather(*webhook)
    queued = [rig.intake.queue.get_nowait() for _ in range(4)]
    assert [record_no for _, record_no, _ in queued] == [1, 2, 3, 4]
    assert queued[0][0].signal_id == offline.body["signal_id"]


async def test_over_http_alerts_arriving_during_a_write_share_the_next_one(rig: Rig) -> None:
    """The webhook path end to end, writes on the loop: while one write blocks the loop, the
    requests that arrive wait in their sockets and are then written together."""

    async def no_command(line: str, actor: Actor, confirmed: bool) -> Reply:
        raise AssertionError("not used")

    server = WebhookServer(rig.intake, lambda: rig.config.settings, FrozenClock(NOW), "token",
                           dict, no_command)
    state = await server.start("127.0.0.1", 0)
    url = f"http://127.0.0.1:{state.port}/webhook?secret={SPEC_SECRET}"

    async def client() -> list[int]:  # its own loop, in its own thread: it keeps sending
        async with aiohttp.ClientSession() as http:
            async def post(n: int) -> int:
                async with http.post(url, data=pulse(n)) as response:
                    return response.status
            return list(await asyncio.gather(*(post(n) for n in range(24))))

    try:
        statuses = await asyncio.to_thread(asyncio.run, client())
    finally:
        await server.stop()
    assert statuses == [200] * 24
    assert rig.store.count(SIGNAL_LOG) == 24 and rig.intake.queue.qsize() == 24
    assert len(rig.store.writes) < 12, rig.store.writes  # 10 ms a write: they had to share
    assert rig.store.threads == {"MainThread"}
