"""Driving the bots through the fake server: type, press, read the newest menu."""

from __future__ import annotations

import asyncio
from typing import Any

from core.domain.enums import Direction, OrderKind
from core.domain.orders import OrderIntent
from core.engine import Engine
from tests.engine.helpers import quote
from tests.fakes.telegram_server import Call, FakeTelegram


def sent(tg: FakeTelegram, token: str, chat: Any) -> list[Call]:
    return tg.calls_for("sendMessage", token, chat)


async def say(tg: FakeTelegram, token: str, user: int, text: str, replies: int = 1,
              chat: int | None = None) -> list[Call]:
    """Type `text`; wait for `replies` new messages in the chat and return them."""
    where = chat if chat is not None else user
    before = len(sent(tg, token, where))
    tg.send_text(token, user, text, chat)
    await tg.wait_for(lambda: len(sent(tg, token, where)) >= before + replies)
    await asyncio.sleep(0.05)
    return sent(tg, token, where)[before:]


def menu_message(tg: FakeTelegram, token: str, chat: Any) -> dict[str, Any]:
    """The newest message of the chat that carries an inline keyboard."""
    found = [m for (c, _), m in tg.bots[token].messages.items()
             if str(c) == str(chat) and "reply_markup" in m]
    assert found, "no message with an inline keyboard"
    return max(found, key=lambda m: m["message_id"])


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"] for b in row}


def button(tg: FakeTelegram, token: str, chat: Any, label: str) -> str:
    """Callback data of the button labelled `label` (exactly, else the one containing it)."""
    every = buttons(menu_message(tg, token, chat))
    if label in every:
        return every[label]
    found = [v for k, v in every.items() if label in k]
    assert len(found) == 1, f"{label!r} not found once in {list(every)}"
    return found[0]


async def press(tg: FakeTelegram, token: str, user: int, data: str,
                message_id: int | None = None, chat: int | None = None) -> Call:
    """Press a button on the newest menu (or `message_id`); wait until it is answered."""
    where = chat if chat is not None else user
    if message_id is None:
        message_id = int(menu_message(tg, token, where)["message_id"])
    query = tg.press(token, user, data, message_id, chat)

    def answered() -> list[Call]:
        return [c for c in tg.calls_for("answerCallbackQuery", token)
                if str(c.params.get("callback_query_id")) == query]

    return (await tg.wait_for(answered))[0]


async def click(tg: FakeTelegram, token: str, user: int, label: str) -> Call:
    return await press(tg, token, user, button(tg, token, user, label))


BOTH = "V3 + V6"  # the plugin-family button meaning "no filter" (§9.6.6)


async def open_owned(engine: Engine, strategy: str, symbol: str = "EURUSD",
                     logic: str | None = None) -> int:
    """A paper position owned by `strategy` (v3_combined, combinedlogic-2, v6_price_action_5m,
    manual...), opened through the real trading service."""
    assert engine.trading is not None
    quote(engine, symbol, 1.08400 if symbol != "XAUUSD" else 2330.0)
    result = await engine.trading.place(OrderIntent(
        client_id=f"test-{strategy}-{symbol}-{len(engine.trading.positions)}", symbol=symbol,
        direction=Direction.BUY, volume=0.01, sl=None, tp=None, kind=OrderKind.A,
        strategy=strategy, magic=engine.settings.mt5.magic_base, comment="test", logic=logic))
    assert result.ok and result.ticket is not None, result.message
    return result.ticket
