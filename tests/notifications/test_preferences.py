"""/notifications on a running engine: states, categories, priority, quiet hours, restarts."""

from __future__ import annotations

from datetime import UTC, datetime

from core.clock import FrozenClock
from core.commands.spec import Actor, Reply, Surface
from core.engine import Engine, EngineOptions
from core.notifications.types import Priority
from tests.engine.helpers import alert, aligned_buy, legacy, quote
from tests.notifications.support import of_type, outbox, types

ACTOR = Actor(Surface.CLI, "tester")


async def run(engine: Engine, line: str) -> Reply:
    reply = await engine.execute(line, ACTOR, confirmed=True)
    assert reply.ok, reply.text()
    return reply


async def trade(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    quote(engine, "EURUSD", 1.08500)
    await alert(engine, legacy("exit", "bear", "15m", price=1.085))


async def test_silent_and_off_per_type(engine: Engine) -> None:
    await run(engine, "/notifications type entry silent")
    await run(engine, "/notifications type exit off")
    await trade(engine)
    [entry] = of_type(engine, "entry")
    assert entry.silent
    assert of_type(engine, "exit") == []
    # a changed preference is itself a (silent) config_changed notification
    assert [m.text.split("\n")[1] for m in of_type(engine, "config_changed")] == [
        "notifications.types.entry = silent", "notifications.types.exit = off"]


async def test_category_off_and_minimum_priority(engine: Engine) -> None:
    await run(engine, "/notifications category trade off")
    await trade(engine)
    assert not {"entry", "exit"} & set(types(engine))
    await run(engine, "/notifications category all on")
    await run(engine, "/notifications priority critical_only")
    quote(engine, "EURUSD", 1.08600)
    await alert(engine, legacy("entry", "buy", "15m", price=1.086))
    assert of_type(engine, "entry") == []
    await run(engine, "/closeall")  # CRITICAL passes every filter
    [stop] = of_type(engine, "emergency_stop")
    assert stop.priority == Priority.CRITICAL
    assert of_type(engine, "manual_exit") == []  # MEDIUM, below critical_only


async def test_explicit_off_silences_even_critical(engine: Engine) -> None:
    await run(engine, "/notifications type emergency_stop off")
    await run(engine, "/closeall")
    assert of_type(engine, "emergency_stop") == [] == outbox(engine, "controller")


async def test_invalid_values_name_the_allowed_ones(engine: Engine) -> None:
    bad = await engine.execute("/notifications type entry loud", ACTOR)
    assert not bad.ok and "use one of on, silent, off" in bad.text()
    bad = await engine.execute("/notifications type nosuch on", ACTOR)
    assert not bad.ok and "'nosuch' is not allowed; use one of entry, exit," in bad.text()
    bad = await engine.execute("/notifications priority loud", ACTOR)
    assert "use one of all, medium_and_above, high_and_above, critical_only" in bad.text()
    bad = await engine.execute("/notifications v6 2h on", ACTOR)
    assert "use one of 1m, 5m, 15m, 1h" in bad.text()
    bad = await engine.execute("/notifications category", ACTOR)
    assert "missing the category; usage: /notifications category trade|" in bad.text()
    bad = await engine.execute("/notifications louder", ACTOR)
    assert "use one of status, type, category, priority, plugins, v6, quiet, reset" in (
        bad.text())
    confirm = await engine.execute("/notifications reset", ACTOR)
    assert confirm.needs_confirmation and confirm.command_line == "/notifications reset"


async def test_quiet_hours_hold_then_one_digest(engine_options: EngineOptions,
                                                frozen_clock: FrozenClock) -> None:
    engine_options.config_overrides.update({"notifications.quiet_hours.start": "14:00",
                                            "notifications.quiet_hours.end": "15:00"})
    engine = Engine(engine_options)
    await engine.start()
    try:
        # the session notice of the first session tick leaves before the quiet hours start
        assert engine.sessions is not None and engine.notifications is not None
        await engine.sessions.tick()
        engine.notifications.flush()
        assert [m.type for m in outbox(engine)] == ["bot_started", "session_changed"]
        await run(engine, "/notifications quiet on")
        before = len(outbox(engine))
        await trade(engine)  # 14:05 IST: inside the window
        assert len(outbox(engine)) == before  # entry and exit held
        await run(engine, "/closeall")
        assert [m.type for m in outbox(engine)[before:]] == ["emergency_stop"]
        assert engine.notifications is not None
        engine.notifications.run_due(datetime(2025, 11, 26, 9, 29, tzinfo=UTC))  # 14:59 IST
        assert of_type(engine, "quiet_hours_digest") == []
        frozen_clock.set(datetime(2025, 11, 26, 9, 30, tzinfo=UTC))  # 15:00 IST: window over
        engine.notifications.run_due(frozen_clock.now())
        engine.notifications.run_due(frozen_clock.now())
        [digest] = of_type(engine, "quiet_hours_digest")
        assert digest.text.startswith("QUIET HOURS DIGEST · 6 held notification(s) · "
                                      "14:00–15:00")
        # every held message in full, oldest first (silent ones are held too)
        assert [line for line in digest.text.split("\n") if line.startswith("[")] == [
            "[14:05:12 IST] CONFIG CHANGED",
            "[14:05:12 IST] TREND UPDATED · LEGACY TREND_UPDATE EURUSD 1h @ 1.084",
            "[14:05:12 IST] TREND UPDATED · LEGACY TREND_UPDATE EURUSD 15m @ 1.084",
            "[14:05:12 IST] ENTRY · BUY EURUSD · [V3 · Logic 2]",
            "[14:05:12 IST] EXIT · BUY EURUSD · [V3 · Logic 2]",
            # the panic close disarmed the trade's re-entry chain (SPEC §5.5.2)
            "[14:05:12 IST] Chain stopped: EURUSD"]
        assert "A #10000001  1.08408 → 1.08500  +9.2p  +$3.68" in digest.text
        assert digest.priority == Priority.HIGH
        await run(engine, "/resume")
        await trade(engine)  # after the window: delivered at once again
        assert len(of_type(engine, "entry")) == 1
    finally:
        await engine.stop()


async def test_preferences_survive_a_restart_and_reset_restores_defaults(
        engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    await run(first, "/notifications type entry silent")
    await run(first, "/notifications category signal off")
    await run(first, "/notifications priority high_and_above")
    await run(first, "/notifications v6 1m off")
    await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        shown = (await run(second, "/notifications")).data
        assert shown["types"]["entry"] == "silent" and shown["categories"]["signal"] is False
        assert shown["min_priority"] == "high_and_above"
        assert shown["v6_tf_filter"]["1m"] is False
        reset = await run(second, "/notifications reset")
        assert reset.data["types"]["entry"] == "on" and reset.data["min_priority"] == "all"
    finally:
        await second.stop()
    third = Engine(engine_options)
    await third.start()
    try:
        assert (await run(third, "/notifications status")).data["categories"]["signal"] is True
    finally:
        await third.stop()
