"""Outbox delivery: order, outages, flood waits, splitting, files, silence, pacing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bots.telegram.delivery import Pacer
from bots.telegram.frontend import TelegramFrontend
from bots.telegram.render import LIMIT
from core.config.alerts import TelegramDeliverySettings
from core.engine import Engine
from core.notifications.outbox import OutboundMessage
from tests.bots.conftest import ADMIN, ANA, CTL, NTF
from tests.fakes.telegram_server import FakeTelegram


def put(frontend: TelegramFrontend, engine: Engine, text: str, role: str = "notification",
        **extra: object) -> int:
    return frontend.outbox.put(OutboundMessage(role, extra.pop("type", "entry"),  # type: ignore[arg-type]
                                               int(extra.pop("priority", 4)),  # type: ignore[call-overload]
                                               text, **extra), engine.clock.now())  # type: ignore[arg-type]


def delivered(tg: FakeTelegram, token: str, marker: str) -> list[str]:
    return [t for t in tg.texts(token, ADMIN) if marker in t]


@pytest.mark.parametrize("mode", ["refuse", "502"])
async def test_an_outage_queues_messages_and_delivers_them_in_order_afterwards(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine, mode: str) -> None:
    await tg.go_down(mode)
    for i in range(30):
        put(frontend, engine, f"outage msg #{i:02d}")
    runtime = frontend.runtimes["notification"]
    await tg.wait_for(lambda: runtime.link == "down", timeout=10)
    await asyncio.sleep(1.2)
    up, detail = engine.services["telegram"]
    assert not up and "notification @v5_notify_bot DOWN" in detail
    assert "notification 30" in detail
    assert frontend.outbox.backlog("notification") == 30  # nothing acknowledged
    await tg.come_up()
    await tg.wait_for(lambda: len(delivered(tg, NTF, "outage msg")) == 30, timeout=10)
    await asyncio.sleep(0.3)
    assert delivered(tg, NTF, "outage msg") == [f"outage msg #{i:02d}" for i in range(30)]
    await tg.wait_for(lambda: frontend.outbox.backlog("notification") == 0, timeout=5)
    await tg.wait_for(lambda: engine.services["telegram"][0]
                      and "notification 0" in engine.services["telegram"][1], timeout=5)


async def test_retry_after_is_honoured(frontend: TelegramFrontend, tg: FakeTelegram,
                                       engine: Engine) -> None:
    tg.flood("sendMessage", retry_after=1)
    put(frontend, engine, "flood msg A")
    put(frontend, engine, "flood msg B")
    await tg.wait_for(lambda: len(delivered(tg, NTF, "flood msg")) == 3, timeout=5)
    calls = [c for c in tg.calls_for("sendMessage", NTF, ADMIN) if "flood msg" in c.params["text"]]
    assert [c.params["text"] for c in calls] == ["flood msg A", "flood msg A", "flood msg B"]
    assert calls[1].at - calls[0].at >= 0.95  # waited retry_after before the same message
    assert frontend.workers["notification"].flood_waits == 1
    # acknowledged in the outbox once each send returned (just after the server saw it)
    await tg.wait_for(lambda: frontend.outbox.backlog("notification") == 0, timeout=5)


async def test_long_messages_are_split_under_the_limit(frontend: TelegramFrontend,
                                                       tg: FakeTelegram, engine: Engine) -> None:
    lines = [f"split line {i:04d} <{'x' * 50}>" for i in range(300)]
    put(frontend, engine, "\n".join(lines), role="analytics", type="daily_summary")
    await tg.wait_for(lambda: frontend.outbox.backlog("analytics") == 0)
    parts = [t for t in tg.texts(ANA, ADMIN) if "split line" in t]
    assert len(parts) >= 5 and all(len(p) <= LIMIT for p in parts)
    joined = "\n".join(parts).replace("&lt;", "<").replace("&gt;", ">")
    assert joined.split("\n") == lines


async def test_files_silence_and_role_routing(frontend: TelegramFrontend, tg: FakeTelegram,
                                              engine: Engine, tmp_path: Path) -> None:
    chart, export, note = tmp_path / "equity.png", tmp_path / "trades.csv", tmp_path / "a.ogg"
    chart.write_bytes(b"\x89PNG fake")
    export.write_text("ticket,profit\n1,2.5\n")
    note.write_bytes(b"OggS fake")
    put(frontend, engine, "Daily report", role="analytics", type="daily_summary",
        attachment_path=str(chart), attachment_kind="photo")
    put(frontend, engine, "Export", role="analytics", type="export",
        attachment_path=str(export), attachment_kind="document")
    put(frontend, engine, "Spoken", type="emergency_stop", priority=5,
        attachment_path=str(note), attachment_kind="voice")
    put(frontend, engine, "quiet one", type="sl_modified", priority=2, silent=True)
    put(frontend, engine, "command answer", role="controller", type="command_reply")
    await tg.wait_for(lambda: all(frontend.outbox.backlog(r) == 0
                                  for r in ("notification", "analytics", "controller")))
    photo = tg.calls_for("sendPhoto", ANA, ADMIN)[-1]
    assert photo.params["caption"] == "Daily report" and photo.params["photo"].content == \
        b"\x89PNG fake"
    document = tg.calls_for("sendDocument", ANA, ADMIN)[-1]
    assert document.params["document"].filename == "trades.csv"
    voice = tg.calls_for("sendVoice", NTF, ADMIN)[-1]
    assert voice.params["caption"] == "Spoken"
    quiet = [c for c in tg.calls_for("sendMessage", NTF, ADMIN)
             if c.params["text"] == "quiet one"]
    assert quiet[0].params["disable_notification"] is True
    assert "command answer" in tg.texts(CTL, ADMIN)


async def test_a_critical_copy_goes_to_the_controller_bot(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    now = engine.clock.now()
    message = OutboundMessage("notification", "daily_loss_limit", 5, "CRITICAL cap hit")
    frontend.outbox.put(message, now)
    frontend.outbox.put(OutboundMessage("controller", "daily_loss_limit", 5,
                                        "CRITICAL cap hit"), now)  # the center's §9.3 copy
    await tg.wait_for(lambda: delivered(tg, CTL, "CRITICAL cap hit")
                      and delivered(tg, NTF, "CRITICAL cap hit"))
    await asyncio.sleep(0.2)
    assert len(delivered(tg, CTL, "CRITICAL cap hit")) == 1
    assert len(delivered(tg, NTF, "CRITICAL cap hit")) == 1


async def test_header_counts_delivered_alerts(frontend: TelegramFrontend, tg: FakeTelegram,
                                              engine: Engine) -> None:
    before = frontend.days["notification"].today()
    put(frontend, engine, "ENTRY · BUY EURUSD", type="entry", extra={"symbol": "EURUSD"})
    header = frontend.headers["notification"]
    await tg.wait_for(lambda: "entry · EURUSD · 14:05:12 IST" in
                      tg.bots[NTF].messages[(ADMIN, header.message_id)]["text"])
    assert frontend.days["notification"].today() == before + 1


async def test_pacer_spaces_messages_per_chat() -> None:
    settings = TelegramDeliverySettings(chat_interval_seconds=0.05)
    pacer = Pacer(False, lambda: settings)
    started = time.monotonic()
    ends = []
    for _ in range(6):
        async with pacer.slot():
            await asyncio.sleep(0.01)  # the call itself
        ends.append(time.monotonic())
    assert time.monotonic() - started >= 0.3
    assert all(b - a >= 0.05 for a, b in zip(ends, ends[1:], strict=False))


async def test_pacer_keeps_groups_under_twenty_a_minute() -> None:
    now = [0.0]
    sent: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    settings = TelegramDeliverySettings()  # defaults: 1 s apart, ≤ 20 per minute
    pacer = Pacer(True, lambda: settings, lambda: now[0], sleep)
    for _ in range(45):
        async with pacer.slot():
            sent.append(now[0])
    for i, t in enumerate(sent):
        assert len([x for x in sent if t <= x < t + 60]) <= 20, i
        if i:
            assert t - sent[i - 1] >= 1.0
    assert sent[20] >= 60.0 and sent[40] >= 120.0


async def test_idle_roles_move_their_cursor_so_scans_stay_short(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    number = put(frontend, engine, "cursor msg")
    assert engine.store is not None
    store = engine.store

    def through(role: str) -> int:
        return int((store.get("outbox_cursors", role) or {}).get("sent_through", 0))

    await tg.wait_for(lambda: all(through(r) >= number
                                  for r in ("controller", "notification", "analytics")))
    assert delivered(tg, NTF, "cursor msg") == ["cursor msg"]
    assert not delivered(tg, CTL, "cursor msg") and not delivered(tg, ANA, "cursor msg")


async def test_a_refusing_chat_holds_the_queue_and_a_bad_message_is_skipped(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    worker = frontend.workers["notification"]
    tg.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=2)
    put(frontend, engine, "held msg")
    await tg.wait_for(lambda: worker.held.startswith("Forbidden"))
    assert frontend.outbox.backlog("notification") == 1  # kept, not dropped
    await tg.wait_for(lambda: delivered(tg, NTF, "held msg") == ["held msg"] * 3)
    await tg.wait_for(lambda: worker.held == "")
    tg.fail("sendMessage", 400, "Bad Request: message text is empty")
    put(frontend, engine, "odd msg")
    put(frontend, engine, "next msg")
    await tg.wait_for(lambda: delivered(tg, NTF, "next msg") == ["next msg"]
                      and frontend.outbox.backlog("notification") == 0)
    assert worker.dropped == 1
