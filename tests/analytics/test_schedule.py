"""Scheduled reports on the engine clock: daily 03:35, weekly Sat 03:40, monthly 1st 03:45."""

from __future__ import annotations

from pathlib import Path

from core.clock import FrozenClock
from core.commands.spec import Actor, Surface
from core.engine import Engine, EngineOptions
from core.notifications.outbox import OutboundMessage
from tests.analytics.support import ist, journal

PNG = b"\x89PNG\r\n\x1a\n"


def analytics_outbox(engine: Engine) -> list[OutboundMessage]:
    assert engine.outbox is not None
    return [i.message for i in engine.outbox.pending("analytics", limit=1000)]


async def test_daily_summary_lands_once_when_the_clock_passes_03_35(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    journal(engine)
    reports = engine.reports
    assert reports is not None
    # Started Wednesday 14:05 IST: what was already due (Tuesday's day) counts as done.
    assert await reports.run_due(frozen_clock.now()) == []
    frozen_clock.set(ist(27, 3, 34, 59))
    assert await reports.run_due(frozen_clock.now()) == []
    frozen_clock.set(ist(27, 3, 35))
    assert await reports.run_due(frozen_clock.now()) == ["daily:2025-11-26"]
    assert await reports.run_due(frozen_clock.now()) == []
    frozen_clock.advance(3600)
    assert await reports.run_due(frozen_clock.now()) == []
    text, chart = analytics_outbox(engine)
    assert (text.type, chart.type) == ("daily_summary", "daily_summary")
    assert text.text.split("\n")[:2] == [
        "DAILY REPORT · PAPER · 26 Nov 2025 (Wednesday)",
        "Trades 3 · wins 1 · losses 2 · breakeven 0 · win rate 33.3%"]
    assert chart.attachment_kind == "photo" and chart.attachment_path is not None
    assert Path(chart.attachment_path).read_bytes().startswith(PNG)
    assert chart.text == "Equity curve · DAILY REPORT · PAPER · 26 Nov 2025 (Wednesday)"


async def test_weekly_on_saturday_and_monthly_on_the_first(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    journal(engine)
    assert engine.reports is not None
    frozen_clock.set(ist(29, 3, 39))  # Saturday, before the weekly time
    assert await engine.reports.run_due(frozen_clock.now()) == ["daily:2025-11-28"]
    frozen_clock.set(ist(29, 3, 40))
    assert await engine.reports.run_due(frozen_clock.now()) == ["weekly:week-2025-11-24"]
    frozen_clock.set(ist(1, 3, 45, month=12))
    assert await engine.reports.run_due(frozen_clock.now()) == [
        "daily:2025-11-30", "monthly:2025-11"]
    heads = [m.text.split("\n")[0] for m in analytics_outbox(engine)
             if m.attachment_path is None]
    assert heads == ["DAILY REPORT · PAPER · 28 Nov 2025 (Friday)",
                     "WEEKLY REPORT · PAPER · week 24 Nov – 28 Nov 2025",
                     "DAILY REPORT · PAPER · 30 Nov 2025 (Sunday)",
                     "MONTHLY REPORT · PAPER · November 2025"]
    weekly = next(m for m in analytics_outbox(engine) if m.type == "weekly_summary")
    assert "Trades 6 · wins 2 · losses 3 · breakeven 1 · win rate 40.0%" in weekly.text


async def test_a_restart_sends_only_what_was_missed_and_never_twice(
        engine_options: EngineOptions, frozen_clock: FrozenClock) -> None:
    first = Engine(engine_options)
    await first.start()
    frozen_clock.set(ist(27, 3, 35))
    assert first.reports is not None
    assert await first.reports.run_due(frozen_clock.now()) == ["daily:2025-11-26"]
    await first.stop()
    frozen_clock.set(ist(29, 12, 0))  # down through two resets and the weekly time
    second = Engine(engine_options)
    await second.start()
    try:
        assert second.reports is not None
        assert await second.reports.run_due(frozen_clock.now()) == [
            "daily:2025-11-28", "weekly:week-2025-11-24"]
        assert await second.reports.run_due(frozen_clock.now()) == []
    finally:
        await second.stop()


async def test_report_type_preferences_apply_to_scheduled_reports(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    reply = await engine.execute("/notifications type daily_summary off",
                                 Actor(Surface.CLI, "tester"))
    assert reply.ok
    frozen_clock.set(ist(27, 3, 35))
    assert engine.reports is not None
    assert await engine.reports.run_due(frozen_clock.now()) == ["daily:2025-11-26"]
    assert analytics_outbox(engine) == []
