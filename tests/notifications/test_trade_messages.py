"""A trade on the simulated terminal → entry and exit messages in the outbox (SPEC §9.4)."""

from __future__ import annotations

from core.brokers.sim.faults import Fault
from core.clock import FrozenClock
from core.commands.spec import Actor, Surface
from core.engine import Engine
from core.notifications.types import Priority
from tests.engine.helpers import alert, aligned_buy, legacy, quote
from tests.notifications.support import of_type, outbox, types

ENTRY = (
    "ENTRY · BUY EURUSD · [V3 · Logic 2]\n"
    "BUY_SIGNAL · 15m\n"
    # sl-1 EURUSD 150 pips × Logic 2 SL 1.5 = 225 p; TP at 1.5 R; risk 225 p × $10 × 0.04 lot
    "A #10000001  0.04 @ 1.08408  SL 1.06158 (225.0p)  TP 1.11783 (337.5p)  risk $90.00\n"
    "R:R A 1:1.5 · total risk $90.00\n"
    "London · 14:05:12 IST"
)


async def test_entry_and_exit_messages_for_a_simulated_trade(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    [entry] = of_type(engine, "entry")
    assert entry.text == ENTRY
    assert (entry.role, entry.priority, entry.silent) == ("notification", Priority.HIGH, False)

    frozen_clock.advance(72 * 60)
    quote(engine, "EURUSD", 1.08500)
    await alert(engine, legacy("exit", "bear", "15m", price=1.085))
    [exit_] = of_type(engine, "exit")
    assert exit_.text == (
        "EXIT · BUY EURUSD · [V3 · Logic 2]\n"
        "exit signal\n"
        "A #10000001  1.08408 → 1.08500  +9.2p  +$3.68\n"
        "Held 1h 12m · Today +$3.68")
    # Order of delivery: start-up first, then the trade as it happened.
    trade_types = [t for t in types(engine) if t in ("bot_started", "entry", "exit")]
    assert trade_types == ["bot_started", "entry", "exit"]


async def test_stop_loss_hit_reports_loss_and_daily_loss_against_the_cap(
        engine: Engine, frozen_clock: FrozenClock) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    frozen_clock.advance(35 * 60 + 10)
    quote(engine, "EURUSD", 1.06100)  # through the SL at 1.06158
    assert engine.trading is not None
    await engine.trading.refresh()
    [sl] = of_type(engine, "sl_hit")
    trade = engine.store.tail("trades", 1)[0] if engine.store else {}
    loss = -trade["profit"]
    assert trade["close_reason"] == "SL" and loss > 0
    lines = sl.text.split("\n")
    assert lines[0] == "SL HIT · EURUSD BUY · [V3 · Logic 2]"
    # The loss takes the 10k paper balance below 10 000: tier 5000, daily cap $100 (§5.4.1).
    assert lines[1] == (f"A #10000001 closed at {trade['price_close']:.5f}  −${loss:,.2f} · "
                        f"daily loss ${loss:,.2f} / $100")
    assert lines[2] == f"Held 35m 10s · Today −${loss:,.2f}"


async def test_take_profit_hit(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    quote(engine, "EURUSD", 1.11800)  # above the TP at 1.11783
    assert engine.trading is not None
    await engine.trading.refresh()
    [tp] = of_type(engine, "tp_hit")
    trade = engine.store.tail("trades", 1)[0] if engine.store else {}
    assert tp.text.split("\n")[:2] == [
        "TP1 HIT · EURUSD BUY · [V3 · Logic 2]",
        f"A #10000001 closed 0.04 at {trade['price_close']:.5f}  +337.5p  "
        f"+${trade['profit']:,.2f}"]


async def test_refused_order_and_rejected_alert(engine: Engine,
                                                frozen_clock: FrozenClock) -> None:
    quote(engine, "EURUSD", 1.08400)
    await alert(engine, legacy("entry", "buy", "15m"))  # no trend alignment: blocked
    [rejected] = of_type(engine, "alert_rejected")
    assert rejected.silent  # SPEC §9.2 default: silent
    assert rejected.text.split("\n")[:2] == [
        "ALERT REJECTED · LEGACY BUY_SIGNAL EURUSD 15m @ 1.084", "blocked TREND_MISALIGNED"]
    assert engine.bundle is not None and engine.bundle.terminal is not None
    engine.bundle.terminal.faults.inject(Fault.NO_MONEY, count=10)
    frozen_clock.advance(301)  # past the duplicate window of the first entry alert
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    [failed] = of_type(engine, "order_failed")
    assert failed.text.startswith("ORDER FAILED · BUY EURUSD\n")
    assert "(retcode 10019)" in failed.text and failed.priority == Priority.HIGH


async def test_pause_resume_and_panic_close(engine: Engine) -> None:
    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    actor = Actor(Surface.CLI, "tester")
    for line in ("/pause", "/resume"):
        await engine.execute(line, actor, confirmed=True)
    assert [m.text.split("\n")[0] for m in outbox(engine)
            if m.type in ("trading_paused", "trading_resumed")] == [
        "TRADING PAUSED · MANUAL", "TRADING RESUMED"]
    await engine.execute("/closeall", actor, confirmed=True)
    [stop] = of_type(engine, "emergency_stop")
    assert stop.priority == Priority.CRITICAL and stop.text.startswith("EMERGENCY STOP\n")
    # CRITICAL is always copied to the Controller chat (SPEC §9.3).
    assert [m.type for m in outbox(engine, "controller")] == ["emergency_stop"]
    [manual] = of_type(engine, "manual_exit")
    assert manual.text.split("\n")[1] == "panic close"
