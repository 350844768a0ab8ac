"""The spoken sentences of SPEC §9.7: prices to the symbol's digits, money to whole dollars."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TEST_SENTENCE = "Voice alerts are working."


def whole_dollars(amount: float) -> int:
    """Half up, on the absolute amount: 25.5 → 26, −17.5 → 18."""
    return int(Decimal(str(abs(amount))).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _dollars(amount: float) -> str:
    n = whole_dollars(amount)
    return f"{n} dollar" if n == 1 else f"{n} dollars"


def entry(side: str, symbol: str, price: float, digits: int) -> str:
    return f"New {side} trade on {symbol} at {price:.{digits}f}."


def exit_(symbol: str, side: str, profit: float) -> str:
    if whole_dollars(profit) == 0:
        return f"{symbol} {side} trade closed at breakeven."
    kind = "profit" if profit > 0 else "loss"
    return f"{symbol} {side} trade closed with a {kind} of {_dollars(profit)}."


def tp_hit(level: int, symbol: str) -> str:
    return f"Take profit {level} hit on {symbol}."


def sl_hit(symbol: str, profit: float) -> str:
    kind = "Loss" if profit < 0 or whole_dollars(profit) == 0 else "Profit"
    return f"Stop loss hit on {symbol}. {kind} {_dollars(profit)}."


def started() -> str:
    return "Trading system started."


def stopped() -> str:
    return "Trading system stopped."


def emergency_stop() -> str:
    return "Emergency stop. All positions are being closed."


def mt5_disconnected() -> str:
    return "Broker connection lost. Trading paused."


def daily_loss_warning(percent: float) -> str:
    return f"Warning. {whole_dollars(percent)} percent of the daily loss limit used."


def daily_loss_limit() -> str:
    return "Daily loss limit reached. Trading paused."


def lifetime_loss_limit() -> str:
    return "Lifetime loss limit reached. Trading stopped."
