"""Typed /start and /help on the Controller: the menu is /start's answer; /help has pages."""

from __future__ import annotations

from bots.telegram.frontend import TelegramFrontend
from core.commands.spec import Category
from core.engine import Engine
from tests.bots.conftest import ADMIN, CTL
from tests.bots.helpers import buttons, menu_message, press, say
from tests.fakes.telegram_server import FakeTelegram


async def test_start_is_audited_and_answered_by_the_menu(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    keys, main = await say(tg, CTL, ADMIN, "/menu", replies=2)  # the /start alias
    assert "keyboard" in keys.params["reply_markup"]
    assert buttons(main.params)["⚙️ System"] == "menu_system"
    assert engine.registry.usage["start"] == 1  # ran through the registry (audit, stats)


async def test_typed_help_carries_the_category_pages(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    await say(tg, CTL, ADMIN, "/help")  # long: split at 4096, the pages under the last part
    await tg.wait_for(lambda: any("help_risk" in str(c.params.get("reply_markup"))
                                  for c in tg.calls_for("sendMessage", CTL, ADMIN)))
    found = buttons(menu_message(tg, CTL, ADMIN))
    assert "help_risk" in found.values() and "help_system" in found.values()
    assert sorted(found.values()) == sorted(f"help_{c.key}" for c in Category
                                            if engine.registry.specs(c))
    await press(tg, CTL, ADMIN, "help_plugin")
    [edit, *_] = reversed(tg.calls_for("editMessageText", CTL, ADMIN))
    assert "PLUGIN" in edit.params["text"] and "/market" in edit.params["text"]
