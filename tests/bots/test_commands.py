"""Typed commands: aliases, arguments, pickers, authorization, admin-only, rate limit, roles."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bots.telegram.frontend import TelegramFrontend
from bots.telegram.render import render_reply
from core.clock import FrozenClock
from core.commands.spec import Category, CommandContext, CommandSpec, Reply
from core.engine import Engine
from tests.bots.conftest import ADMIN, ANA, CTL, NTF, STRANGER, USER
from tests.bots.helpers import BOTH, button, click, menu_message, press, say
from tests.fakes.telegram_server import FakeTelegram


async def test_typed_commands_with_aliases_and_arguments(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    [question] = await say(tg, CTL, ADMIN, "/trades")
    assert "which plugin family" in question.params["text"]
    await click(tg, CTL, ADMIN, BOTH)  # remembered for the plugin-aware commands below
    assert "Open positions: 0" in menu_message(tg, CTL, ADMIN)["text"]
    [history] = await say(tg, CTL, ADMIN, "/history@v5_controller_bot 30")
    assert "last 30 day(s)" in history.params["text"]
    [bad] = await say(tg, CTL, ADMIN, "/history lots")
    assert "not a number" in bad.params["text"] and "1–90" in bad.params["text"]
    [unknown] = await say(tg, CTL, ADMIN, "/histroy")
    assert "unknown command /histroy" in unknown.params["text"] and "/history" in \
        unknown.params["text"]
    [panic] = await say(tg, CTL, ADMIN, "/panic")
    assert "<pre>/closeall</pre>" in panic.params["text"]
    [cap] = await say(tg, CTL, ADMIN, "/set_daily_cap 300")
    assert "<pre>/dailylimit 300" in cap.params["text"]  # reconstructed, not the alias
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.settings.risk.tiers["10000"].daily_cap == 300


async def test_a_typed_command_missing_its_parameter_opens_the_picker(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    await say(tg, CTL, ADMIN, "/dailylimit")
    await click(tg, CTL, ADMIN, BOTH)
    assert "Choose <b>amount</b>" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "200")
    assert "/dailylimit 200" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.settings.risk.tiers["10000"].daily_cap == 200


async def test_unauthorized_users_get_nothing_and_are_logged_once(
        frontend: TelegramFrontend, tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bots")
    before = len(tg.calls)
    tg.send_text(CTL, STRANGER, "/status")
    tg.send_text(CTL, STRANGER, "/closeall")
    query = tg.press(CTL, STRANGER, "execute_closeall", 1)
    tg.send_text(NTF, STRANGER, "/start")
    await say(tg, CTL, ADMIN, "/status")  # processed after the stranger's updates
    await say(tg, NTF, ADMIN, "/status")
    new = tg.calls[before:]
    assert not [c for c in new if str(c.chat_id) == str(STRANGER)]
    answers = [c for c in new if c.method == "answerCallbackQuery"]
    assert [(a.params["callback_query_id"], a.params.get("text")) for a in answers] == \
        [(query, None)]  # the spinner is stopped, nothing is said
    refusals = [r for r in caplog.records if "unauthorized user 9999" in r.getMessage()]
    assert len(refusals) == 1  # once a minute per user, not once per update
    assert frontend.gate.refused == 4
    assert frontend.status()["unauthorized_updates"] == 4


async def test_admin_only_commands_are_refused_for_other_users(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    ran: list[str] = []

    async def probe(ctx: CommandContext) -> Reply:
        ran.append(ctx.actor.user)
        return Reply("probe ran")

    engine.registry.add(CommandSpec("probe_admin", Category.SYSTEM, "admin probe", probe,
                                    admin=True))
    [refused] = await say(tg, CTL, USER, "/probe_admin")
    assert "admin only" in refused.params["text"] and ran == []
    [done] = await say(tg, CTL, ADMIN, "/probe_admin")
    assert "probe ran" in done.params["text"] and ran == [str(ADMIN)]
    [status] = await say(tg, CTL, USER, "/status")  # ordinary commands work for users
    assert "RUNNING" in status.params["text"]


async def test_one_command_per_interval_per_user(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine,
        frozen_clock: FrozenClock) -> None:
    engine.config.set("telegram.command_rate_limit_seconds", 2)
    [first] = await say(tg, CTL, ADMIN, "/status")
    assert "RUNNING" in first.params["text"]
    [notice] = await say(tg, CTL, ADMIN, "/status")
    assert "one command per 2 s" in notice.params["text"]
    tg.send_text(CTL, ADMIN, "/status")  # dropped silently: one notice per window
    [other] = await say(tg, CTL, USER, "/status")  # other users are not affected
    assert "RUNNING" in other.params["text"]
    assert len(tg.calls_for("sendMessage", CTL, ADMIN)) == 2 + 1  # header, status, notice
    frozen_clock.advance(2.1)
    [again] = await say(tg, CTL, ADMIN, "/status")
    assert "RUNNING" in again.params["text"]
    assert frontend.rate.dropped == 2


async def test_rate_limited_button_is_answered_with_a_notice(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    engine.config.set("telegram.command_rate_limit_seconds", 2)
    await click(tg, CTL, ADMIN, "ℹ️ Status")
    answer = await press(tg, CTL, ADMIN, "action_status")
    assert "one command per 2 s" in answer.params["text"]


async def test_notification_and_analytics_bots_serve_their_short_lists(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    [status] = await say(tg, NTF, ADMIN, "/status")
    assert "RUNNING" in status.params["text"]
    [pause] = await say(tg, NTF, ADMIN, "/pause")
    assert "served by the Controller bot" in pause.params["text"]
    assert engine.trading is not None and not engine.trading.paused
    [menu] = await say(tg, NTF, ADMIN, "/start")  # no reply keyboard off the Controller
    assert "Notification" in menu.params["text"]
    labels = [b["text"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "ℹ️ Status" in labels and "❓ Help" in labels
    assert not any(w in x for x in labels for w in ("Dashboard", "Trading", "Risk", "PANIC"))
    answer = await press(tg, NTF, ADMIN, "execute_closeall")
    assert answer.params["text"] == "not available"
    commands = [c["command"] for c in tg.bots[NTF].commands]
    assert commands == ["start", "menu", "status", "help"]
    analytics = [s.name for s in engine.registry.specs(Category.ANALYTICS)]
    ana_commands = [c["command"] for c in tg.bots[ANA].commands]
    assert set(ana_commands) <= {"start", "menu", "status", "help", *analytics}
    if analytics:
        await say(tg, ANA, ADMIN, "/menu")
        assert button(tg, ANA, ADMIN, "Analytics") == "menu_analytics"


async def test_controller_command_list_is_the_spec_short_list_that_exists(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    commands = [c["command"] for c in tg.bots[CTL].commands]
    short = engine.settings.telegram.registered_commands
    assert commands[:2] == ["start", "menu"]
    assert set(commands) == {"start", "menu"} | {n for n in short if n in engine.registry}
    assert len(commands) <= 100
    await asyncio.sleep(0)


async def test_long_replies_arrive_as_several_messages_under_the_limit(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    lines = tuple(f"line {i:04d} <{'y' * 80}>" for i in range(300))

    async def long_reply(ctx: CommandContext) -> Reply:
        return Reply("Long", lines=lines)

    engine.registry.add(CommandSpec("probe_long", Category.SYSTEM, "long probe", long_reply))
    expected = len(render_reply(Reply("Long", lines=lines)))
    assert expected >= 6
    parts = await say(tg, CTL, ADMIN, "/probe_long", replies=expected)
    texts = [p.params["text"] for p in parts]
    assert len(texts) == expected and all(len(t) <= 4096 for t in texts)
    shown = "\n".join(texts).replace("&lt;", "<").replace("&gt;", ">").split("\n")
    assert shown[1:] == list(lines)
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "⚙️ System")
    before = len(tg.calls_for("sendMessage", CTL, ADMIN))
    await click(tg, CTL, ADMIN, "/probe_long")
    await tg.wait_for(lambda: len(tg.calls_for("sendMessage", CTL, ADMIN)) == before + expected)
    last = tg.calls_for("sendMessage", CTL, ADMIN)[-1]
    assert "nav_back" in str(last.params["reply_markup"])  # Back/Home under the last part


async def test_commands_addressed_to_another_bot_are_ignored(
        frontend: TelegramFrontend, tg: FakeTelegram) -> None:
    tg.send_text(CTL, ADMIN, "/status@v5_notify_bot")
    [reply] = await say(tg, CTL, ADMIN, "/status@V5_Controller_Bot")
    assert "RUNNING" in reply.params["text"]
    assert len([c for c in tg.calls_for("sendMessage", CTL, ADMIN)
                if "RUNNING" in c.params["text"] and "Status" in c.params["text"]]) == 1


async def test_reports_and_exports_arrive_as_files(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    """A typed /export sends the files as documents; a report with a chart sends the PNG."""
    from tests.engine.helpers import alert, aligned_buy, legacy, quote

    quote(engine, "EURUSD", 1.08400)
    await aligned_buy(engine)
    quote(engine, "EURUSD", 1.08500)
    await alert(engine, legacy("exit", "bear", "15m", price=1.085))
    await say(tg, ANA, ADMIN, "/export csv")
    await click(tg, ANA, ADMIN, BOTH)
    await tg.wait_for(lambda: len(tg.calls_for("sendDocument", ANA, ADMIN)) >= 2)
    names = sorted(str(c.params["document"].filename) for c in
                   tg.calls_for("sendDocument", ANA, ADMIN))
    assert all(n.endswith(".csv") for n in names) and len(names) == 2
    await say(tg, ANA, ADMIN, "/drawdown")
    await tg.wait_for(lambda: len(tg.calls_for("sendPhoto", ANA, ADMIN)) >= 1)
    [photo] = tg.calls_for("sendPhoto", ANA, ADMIN)
    assert photo.params["photo"].content.startswith(b"\x89PNG")
