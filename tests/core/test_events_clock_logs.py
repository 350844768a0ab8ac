"""Event bus, clocks and IST display (SPEC §8.4), and secret redaction in logs."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from core.clock import FrozenClock, SystemClock, fmt_date, fmt_duration, fmt_header, fmt_time
from core.events import EventBus, LogEmitted, TradingStateChanged
from core.logs import BusHandler, RedactingFilter

WHEN = datetime(2025, 11, 24, 8, 35, 12, tzinfo=UTC)


def test_ist_formats_follow_spec_8_4() -> None:
    assert fmt_time(WHEN) == "14:05:12 IST"
    assert fmt_date(WHEN) == "24 Nov 2025 (Monday)"
    assert fmt_header(WHEN) == "14:05:12 IST | 24 Nov (Mon)"
    assert fmt_time(WHEN, "Europe/London") == "08:35:12 GMT"
    assert fmt_time(datetime(2025, 7, 1, 8, 0, tzinfo=UTC), "Europe/London") == "09:00:00 BST"
    assert [fmt_duration(s) for s in (42, 185, 4320)] == ["42s", "3m 05s", "1h 12m"]


def test_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(WHEN)
    assert clock.now() == WHEN and clock.monotonic() == 0
    clock.advance(90)
    assert clock.now() == datetime(2025, 11, 24, 8, 36, 42, tzinfo=UTC)
    clock.set(WHEN)  # back in wall time, never backwards in monotonic time
    assert clock.now() == WHEN and clock.monotonic() == 90
    with pytest.raises(ValueError):
        FrozenClock(datetime(2025, 1, 1))
    assert SystemClock().now().tzinfo is UTC


async def test_a_slow_subscriber_cannot_stall_the_publisher() -> None:
    bus = EventBus()
    slow = bus.subscribe(maxsize=10, name="slow")
    fast = bus.subscribe((TradingStateChanged,), name="fast")
    for i in range(1000):
        bus.publish(TradingStateChanged(paused=bool(i % 2), reason=str(i)))
    assert slow.pending() == 10 and slow.dropped == 990  # bounded: the oldest are dropped
    first = await slow.get()
    assert isinstance(first, TradingStateChanged) and first.reason == "990"
    assert fast.pending() == 1000
    bus.publish(LogEmitted(WHEN, "INFO", "x", "not for fast"))
    assert fast.pending() == 1000  # typed subscription


async def test_subscribers_wake_up_and_close() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    waiter = asyncio.create_task(sub.get())
    await asyncio.sleep(0)
    bus.publish(TradingStateChanged(True, "MANUAL"))
    assert (await waiter) == TradingStateChanged(True, "MANUAL")
    sub.close()
    assert sub not in bus.subscriptions
    with pytest.raises(StopAsyncIteration):
        await sub.get()


def test_a_failing_listener_does_not_break_publishing() -> None:
    bus = EventBus()
    seen: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("boom")

    bus.listen(broken)
    bus.listen(seen.append)
    bus.publish(TradingStateChanged(False, None))
    assert len(seen) == 1


def test_secrets_are_redacted_from_every_handler() -> None:
    bus = EventBus()
    sub = bus.subscribe((LogEmitted,))
    logger = logging.getLogger("core.test_redaction")
    handler = BusHandler(bus)
    handler.addFilter(RedactingFilter(["hunter2-token"]))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("calling with token %s now", "hunter2-token")
    finally:
        logger.removeHandler(handler)
    event = sub.get_nowait()
    assert isinstance(event, LogEmitted) and event.message == "calling with token *** now"
