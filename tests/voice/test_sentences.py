"""The spoken sentences of SPEC §9.7, word for word."""

from __future__ import annotations

import pytest

from core.voice import sentences as say


@pytest.mark.parametrize(("sentence", "expected"), [
    (say.entry("BUY", "EURUSD", 1.08452, 5), "New BUY trade on EURUSD at 1.08452."),
    (say.entry("SELL", "XAUUSD", 2331.8, 2), "New SELL trade on XAUUSD at 2331.80."),
    (say.entry("BUY", "USDJPY", 151.2, 3), "New BUY trade on USDJPY at 151.200."),
    (say.exit_("EURUSD", "BUY", 25.80), "EURUSD BUY trade closed with a profit of 26 dollars."),
    (say.exit_("EURUSD", "BUY", -17.50), "EURUSD BUY trade closed with a loss of 18 dollars."),
    (say.exit_("EURUSD", "SELL", 1.2), "EURUSD SELL trade closed with a profit of 1 dollar."),
    (say.exit_("EURUSD", "SELL", 0.3), "EURUSD SELL trade closed at breakeven."),
    (say.tp_hit(1, "EURUSD"), "Take profit 1 hit on EURUSD."),
    (say.sl_hit("XAUUSD", -96.0), "Stop loss hit on XAUUSD. Loss 96 dollars."),
    (say.sl_hit("XAUUSD", 4.4), "Stop loss hit on XAUUSD. Profit 4 dollars."),
    (say.started(), "Trading system started."),
    (say.stopped(), "Trading system stopped."),
    (say.emergency_stop(), "Emergency stop. All positions are being closed."),
    (say.mt5_disconnected(), "Broker connection lost. Trading paused."),
    (say.daily_loss_warning(80.0), "Warning. 80 percent of the daily loss limit used."),
    (say.daily_loss_limit(), "Daily loss limit reached. Trading paused."),
    (say.lifetime_loss_limit(), "Lifetime loss limit reached. Trading stopped."),
    (say.TEST_SENTENCE, "Voice alerts are working."),
])
def test_sentence(sentence: str, expected: str) -> None:
    assert sentence == expected


def test_money_is_rounded_half_up_to_whole_dollars() -> None:
    assert [say.whole_dollars(x) for x in (0.49, 0.5, 2.5, -2.5, 95.999)] == [0, 1, 3, 3, 96]
