"""The pinned live header (§9.5): pinned at start, edited on change only, re-created."""

from __future__ import annotations

import asyncio

from bots.telegram import menus
from bots.telegram.frontend import TelegramFrontend
from core.clock import FrozenClock
from core.domain.enums import PauseReason
from core.engine import Engine
from tests.bots.conftest import ADMIN, ANA, CTL, NTF, started
from tests.fakes.telegram_server import FakeTelegram


def header_edits(tg: FakeTelegram, token: str, message_id: int | None) -> int:
    return len([c for c in tg.calls_for("editMessageText", token, ADMIN)
                if c.params.get("message_id") == message_id])


async def cycles(n: int = 5) -> None:
    await asyncio.sleep(0.1 * n)


async def test_each_bot_pins_its_header_with_its_content(
        frontend: TelegramFrontend, tg: FakeTelegram) -> None:
    for token, key, words in ((CTL, "controller", ("V5 Hybrid Operator Console", "RUNNING",
                                                    "Session: London", "markets open",
                                                    "PAPER", "bridge", "Open trades: 0",
                                                    "Today's P&amp;L")),
                              (NTF, "notification", ("Alerts today", "entries", "Last alert")),
                              (ANA, "analytics", ("Win rate today", "Trades today",
                                                  "reports sent"))):
        header = frontend.headers[key]
        assert header.state == "active" and header.message_id is not None
        pins = tg.calls_for("pinChatMessage", token, ADMIN)
        assert [p.params["message_id"] for p in pins] == [header.message_id]
        assert pins[0].params["disable_notification"] is True
        text = tg.bots[token].messages[(ADMIN, header.message_id)]["text"]
        assert "14:05:12 IST" in text and "26 Nov 2025 (Wednesday)" in text
        for word in words:
            assert word in text, (key, word)
    keyboard = tg.bots[CTL].messages[(ADMIN, frontend.headers["controller"].message_id)][
        "reply_markup"]["inline_keyboard"]
    model = frontend.nav.model(("controller",))
    assert [[b["callback_data"] for b in row] for row in keyboard] == \
        [[frontend.codec.encode(b.cb) for b in row] for row in menus.header_menu(model)]
    assert "reply_markup" not in tg.bots[NTF].messages[(ADMIN,
                                                        frontend.headers["notification"].message_id)]


async def test_header_is_edited_only_when_its_text_changes(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine,
        frozen_clock: FrozenClock) -> None:
    header = frontend.headers["controller"]
    await cycles()
    assert header_edits(tg, CTL, header.message_id) == 0
    assert header.status()["skipped"] >= 3
    assert engine.trading is not None
    engine.trading.pause(PauseReason.MANUAL)
    await tg.wait_for(lambda: header_edits(tg, CTL, header.message_id) == 1)
    await cycles()
    assert header_edits(tg, CTL, header.message_id) == 1
    assert "PAUSED (MANUAL)" in tg.bots[CTL].messages[(ADMIN, header.message_id)]["text"]
    frozen_clock.advance(1)
    await tg.wait_for(lambda: header_edits(tg, CTL, header.message_id) == 2
                      and header.status()["updates"] == 2)
    assert "14:05:13 IST" in tg.bots[CTL].messages[(ADMIN, header.message_id)]["text"]
    assert header.status()["errors"] == 0


async def test_a_deleted_header_is_recreated_and_pinned(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    header = frontend.headers["controller"]
    first = header.message_id
    assert first is not None
    tg.delete_by_hand(CTL, ADMIN, first)
    assert engine.trading is not None
    engine.trading.pause(PauseReason.MANUAL)  # the next edit fails: message to edit not found
    await tg.wait_for(lambda: header.message_id != first and header.state == "active")
    second = header.message_id
    assert tg.bots[CTL].pinned_id(ADMIN) == second
    assert "PAUSED" in tg.bots[CTL].messages[(ADMIN, second)]["text"]
    assert header.regenerations == 1
    tg.delete_by_hand(CTL, ADMIN, second)  # unchanged text: found through the missing pin
    await tg.wait_for(lambda: header.message_id not in (first, second)
                      and header.state == "active")
    assert tg.bots[CTL].pinned_id(ADMIN) == header.message_id and header.regenerations == 2


async def test_an_unpinned_header_is_recreated(frontend: TelegramFrontend,
                                               tg: FakeTelegram) -> None:
    header = frontend.headers["notification"]
    old = header.message_id
    tg.unpin_by_hand(NTF, ADMIN)
    await tg.wait_for(lambda: header.message_id != old and header.state == "active")
    assert tg.bots[NTF].pinned_id(ADMIN) == header.message_id
    assert (ADMIN, old) not in tg.bots[NTF].messages  # the stale copy is removed


async def test_header_errors_are_counted_and_recover(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine,
        frozen_clock: FrozenClock) -> None:
    header = frontend.headers["analytics"]
    await tg.go_down("502")
    frozen_clock.advance(5)
    await tg.wait_for(lambda: header.state == "error" and header.errors >= 1)
    await tg.come_up()
    await tg.wait_for(lambda: header.state == "active")
    assert "14:05:17 IST" in tg.bots[ANA].messages[(ADMIN, header.message_id)]["text"]
    status = frontend.status()["headers"]["analytics"]
    assert status["errors"] >= 1 and status["state"] == "active"


async def test_a_restart_reuses_the_pinned_header(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    first = frontend.headers["controller"].message_id
    await frontend.stop()
    again = await started(engine, tg)
    try:
        assert again.headers["controller"].message_id == first
        assert len(tg.calls_for("pinChatMessage", CTL, ADMIN)) == 1
        assert len([c for c in tg.calls_for("sendMessage", CTL, ADMIN)
                    if "V5 Hybrid Operator Console" in c.params["text"]]) == 1
    finally:
        await again.stop()
    await frontend.start()  # the fixture stops it again
    await tg.wait_for(lambda: all(r.link == "up" for r in frontend.runtimes.values()))


async def test_refresh_button_and_health_status(frontend: TelegramFrontend, tg: FakeTelegram,
                                                engine: Engine) -> None:
    await asyncio.sleep(1.2)  # the link state is published once a second
    up, detail = engine.services["telegram"]
    assert up and "@v5_controller_bot up" in detail and "header active" in detail
    assert "queue" in detail
    status = frontend.status()
    assert status["headers"]["controller"]["state"] == "active"
    assert set(status["headers"]["controller"]) >= {"updates", "regenerations", "errors"}
    assert await frontend.refresh_header("controller") in ("header updated",
                                                           "header unchanged")
