"""The dual menu through the real PTB client: /start, categories, pickers, confirmations."""

from __future__ import annotations

from typing import Any

from bots.telegram import menus
from bots.telegram.frontend import TelegramFrontend
from core.clock import FrozenClock
from core.commands.spec import Category, CommandContext, CommandSpec, Param, Reply
from core.engine import Engine
from tests.bots.conftest import ADMIN, CTL
from tests.bots.helpers import BOTH, button, buttons, click, menu_message, press, say
from tests.fakes.telegram_server import FakeTelegram


def edits(tg: FakeTelegram) -> list[dict[str, Any]]:
    return [c.params for c in tg.calls_for("editMessageText", CTL, ADMIN)]


async def test_start_sends_the_reply_keyboard_and_the_inline_main_menu(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    keys, main = await say(tg, CTL, ADMIN, "/start", replies=2)
    markup = keys.params["reply_markup"]
    assert markup["is_persistent"] and markup["resize_keyboard"]
    assert not markup.get("one_time_keyboard")
    labels = [b["text"] for row in markup["keyboard"] for b in row]
    model = frontend.nav.model(("controller",))
    assert labels == [label for row in menus.reply_keyboard(model) for label in row]
    for wanted in ("Dashboard", "Pause/Resume", "Active Trades", "Help", "PANIC CLOSE"):
        assert any(wanted in label for label in labels)
    if not model.menu_exists("trends"):
        assert not any("Trends" in label for label in labels)  # no button leads nowhere
    assert "14:05:12 IST" in main.params["text"] and "26 Nov 2025 (Wednesday)" in \
        main.params["text"] and "RUNNING · PAPER" in main.params["text"]
    assert "Session: London" in main.params["text"]
    found = buttons(menu_message(tg, CTL, ADMIN))
    assert found["📊 Dashboard"] == "action_dashboard"
    assert found["⚙️ System"] == "menu_system" and found["💹 Trading"] == "menu_trading"


async def test_click_path_category_command_confirm_pauses_the_engine(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    assert engine.trading is not None and not engine.trading.paused
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "⚙️ System")
    assert "/pause ⚠️" in buttons(menu_message(tg, CTL, ADMIN))
    await click(tg, CTL, ADMIN, "/pause")
    screen = menu_message(tg, CTL, ADMIN)
    assert "Confirm" in screen["text"] and "/pause" in screen["text"]
    assert buttons(screen) == {"✅ Confirm": "execute_pause", "✖️ Cancel": "menu_system",
                               "⬅️ Back": "cmd_system_pause"}
    assert not engine.trading.paused
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.trading.paused and engine.trading.pause_reason == "MANUAL"
    assert "Trading paused" in menu_message(tg, CTL, ADMIN)["text"]
    audit = engine.store.tail("audit", 1)[0] if engine.store else {}
    assert audit["surface"] == "telegram" and audit["actor"] == str(ADMIN)


async def test_picker_preset_then_confirm_changes_the_daily_cap(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "🛡 Risk")
    await click(tg, CTL, ADMIN, "/dailylimit")
    await click(tg, CTL, ADMIN, BOTH)
    picker = menu_message(tg, CTL, ADMIN)
    assert "amount" in picker["text"]
    assert buttons(picker)["500"] == "param_daily_cap_dailylimit_500"
    assert buttons(picker)["✏️ Custom…"] == "param_custom_daily_cap_dailylimit"
    await click(tg, CTL, ADMIN, "500")
    assert "/dailylimit 500" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.settings.risk.tiers["10000"].daily_cap == 500


async def test_custom_value_is_validated_then_used(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "🛡 Risk")
    await click(tg, CTL, ADMIN, "/dailylimit")
    await click(tg, CTL, ADMIN, BOTH)
    await click(tg, CTL, ADMIN, "Custom")
    assert "Send the value for <b>amount</b>" in menu_message(tg, CTL, ADMIN)["text"]
    [error] = await say(tg, CTL, ADMIN, "lots")
    assert "not a number" in error.params["text"] and "allowed" in error.params["text"]
    [confirm] = await say(tg, CTL, ADMIN, "750")
    assert "/dailylimit 750" in confirm.params["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.settings.risk.tiers["10000"].daily_cap == 750


async def test_back_home_and_the_menu_stack(frontend: TelegramFrontend,
                                            tg: FakeTelegram) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "💹 Trading")
    await click(tg, CTL, ADMIN, "/history")
    await click(tg, CTL, ADMIN, BOTH)
    assert "Default (7)" in buttons(menu_message(tg, CTL, ADMIN))
    await click(tg, CTL, ADMIN, "Back")
    assert "/history" in buttons(menu_message(tg, CTL, ADMIN))  # back in Trading
    await click(tg, CTL, ADMIN, "Back")
    assert "⚙️ System" in buttons(menu_message(tg, CTL, ADMIN))  # main menu
    await click(tg, CTL, ADMIN, "💹 Trading")
    await click(tg, CTL, ADMIN, "/history")
    await click(tg, CTL, ADMIN, "30")
    result = menu_message(tg, CTL, ADMIN)
    assert "last 30 day(s)" in result["text"]
    await click(tg, CTL, ADMIN, "Home")
    assert "Choose an action" in menu_message(tg, CTL, ADMIN)["text"]
    await press(tg, CTL, ADMIN, "nav_back")  # an old Back with an empty stack: home
    assert "Choose an action" in menu_message(tg, CTL, ADMIN)["text"]


async def test_stale_or_expired_confirmation_is_refused(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine,
        frozen_clock: FrozenClock) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    answer = await press(tg, CTL, ADMIN, "execute_pause")
    assert answer.params["text"] == "expired — start again"
    await click(tg, CTL, ADMIN, "Home")
    await click(tg, CTL, ADMIN, "⚙️ System")
    await click(tg, CTL, ADMIN, "/pause")
    frozen_clock.advance(301)
    answer = await click(tg, CTL, ADMIN, "Confirm")
    assert answer.params["text"] == "expired — start again"
    await click(tg, CTL, ADMIN, "Home")
    await click(tg, CTL, ADMIN, "⚙️ System")
    await click(tg, CTL, ADMIN, "/pause")
    await click(tg, CTL, ADMIN, "Cancel")
    assert "/pause ⚠️" in buttons(menu_message(tg, CTL, ADMIN))  # back in the System menu
    answer = await press(tg, CTL, ADMIN, "execute_pause")  # an old Confirm after Cancel
    assert answer.params["text"] == "expired — start again"
    assert engine.trading is not None and not engine.trading.paused


async def test_reply_keyboard_labels_lead_to_their_actions(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    [panic] = await say(tg, CTL, ADMIN, "🚨 PANIC CLOSE")
    assert "/closeall" in panic.params["text"]
    assert "execute_closeall" in str(panic.params["reply_markup"])
    [trades] = await say(tg, CTL, ADMIN, "📈 Active Trades")
    assert "Open positions: 0" in trades.params["text"]
    [pause] = await say(tg, CTL, ADMIN, "Pause/Resume")
    assert "/pause" in pause.params["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.trading is not None and engine.trading.paused
    [resume] = await say(tg, CTL, ADMIN, "⏯ Pause/Resume")  # paused: the button resumes
    assert "Trading resumed" in resume.params["text"] and not engine.trading.paused
    [hint] = await say(tg, CTL, ADMIN, "hello")
    assert "/menu" in hint.params["text"]
    await say(tg, CTL, ADMIN, "/dailylimit")
    await click(tg, CTL, ADMIN, BOTH)
    await click(tg, CTL, ADMIN, "Custom")  # waiting for a typed amount...
    [trades] = await say(tg, CTL, ADMIN, "📈 Active Trades")  # ...a key press still works
    assert "Open positions: 0" in trades.params["text"]
    [hint] = await say(tg, CTL, ADMIN, "750")  # and the abandoned Custom… is not resumed
    assert "/menu" in hint.params["text"]


async def test_dashboard_help_pages_and_the_header_keyboard(
        frontend: TelegramFrontend, tg: FakeTelegram) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "Dashboard")
    dashboard = menu_message(tg, CTL, ADMIN)
    for part in ("📊 Dashboard", "RUNNING · PAPER", "Balance $10,000.00", "Open trades 0",
                 "Today: profit"):
        assert part in dashboard["text"]
    assert buttons(dashboard)["🔄 Refresh"] == "action_dashboard"
    await click(tg, CTL, ADMIN, "Help")
    assert button(tg, CTL, ADMIN, "Risk") == "help_risk"
    await click(tg, CTL, ADMIN, "Risk")
    assert "/dailylimit" in menu_message(tg, CTL, ADMIN)["text"]
    header = frontend.headers["controller"]
    assert header.message_id is not None
    header_text = tg.bots[CTL].messages[(ADMIN, header.message_id)]["text"]
    answer = await press(tg, CTL, ADMIN, "action_status", message_id=header.message_id)
    assert tg.bots[CTL].messages[(ADMIN, header.message_id)]["text"] == header_text
    assert "Status" in tg.calls_for("sendMessage", CTL, ADMIN)[-1].params["text"]
    answer = await press(tg, CTL, ADMIN, "action_refresh_header",
                         message_id=header.message_id)
    assert answer.params["text"].startswith("header")


async def test_values_outside_the_callback_alphabet_travel_as_refs(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    seen: list[str] = []

    async def probe(ctx: CommandContext) -> Reply:
        seen.append(str(ctx.args["choice"]))
        return Reply(f"probe {ctx.args['choice']}")

    engine.registry.add(CommandSpec(
        "probe_with_a_rather_long_name_x", Category.SYSTEM, "test probe", probe,
        params=(Param("choice", "protection_mode", choices=("VERY_CONSERVATIVE", "A B")),)))
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "⚙️ System")
    await click(tg, CTL, ADMIN, "/probe_with_a_rather_long_name_x")
    data = button(tg, CTL, ADMIN, "VERY_CONSERVATIVE")
    assert data.startswith("ref_")
    await press(tg, CTL, ADMIN, data)
    assert seen == ["VERY_CONSERVATIVE"]
