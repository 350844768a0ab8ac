"""Feature sub-menus (§10.3) through the real PTB client: each button runs a registry command."""

from __future__ import annotations

from typing import Any

from bots.telegram.frontend import TelegramFrontend
from core.engine import Engine
from tests.bots.conftest import ADMIN, ANA, CTL
from tests.bots.helpers import BOTH, buttons, click, menu_message, open_owned, say
from tests.fakes.telegram_server import FakeTelegram


def last_command(engine: Engine) -> dict[str, Any]:
    assert engine.store is not None
    return dict(engine.store.tail("audit", 1)[0])


async def test_session_editor(frontend: TelegramFrontend, tg: FakeTelegram,
                              engine: Engine) -> None:
    sessions = engine.settings.sessions
    await say(tg, CTL, ADMIN, "/session")
    keys = buttons(menu_message(tg, CTL, ADMIN))
    assert keys["London"] == "session_edit_london" and keys["NY Late"] == "session_edit_ny_late"
    assert keys["🔀 Session filter ON → off"] == "session_toggle_master"
    await click(tg, CTL, ADMIN, "London")
    editor = menu_message(tg, CTL, ADMIN)
    assert "✏️ London" in editor["text"] and "13:30–18:30" in editor["text"]
    keys = buttons(editor)
    assert keys["✅ EURUSD"] == "session_toggle_london_EURUSD"
    assert keys["▫️ USDJPY"] == "session_toggle_london_USDJPY"
    assert keys["End +30"] == "session_time_london_end_+30"
    assert keys["Start −30"] == "session_time_london_start_-30"

    await click(tg, CTL, ADMIN, "✅ EURUSD")  # /symbol_filter: no confirmation, editor again
    assert "EURUSD" not in engine.settings.sessions.table["london"].symbols
    editor = menu_message(tg, CTL, ADMIN)
    assert "EURUSD not allowed in London" in editor["text"] and "▫️ EURUSD" in buttons(editor)
    assert last_command(engine)["command"] == "/symbol_filter london EURUSD"
    await click(tg, CTL, ADMIN, "▫️ USDJPY")
    assert "USDJPY" in engine.settings.sessions.table["london"].symbols

    await click(tg, CTL, ADMIN, "End +30")  # /time_adjust: confirmation first
    screen = menu_message(tg, CTL, ADMIN)
    assert "/time_adjust london end +30" in screen["text"]
    assert buttons(screen)["✅ Confirm"] == "execute_time_adjust"
    assert engine.settings.sessions.table["london"].end == "18:30"
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.settings.sessions.table["london"].end == "19:00"
    assert "18:30 → 19:00" in menu_message(tg, CTL, ADMIN)["text"]  # back in the editor

    await click(tg, CTL, ADMIN, "Force close off → on")
    assert "/force_close london on" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.settings.sessions.table["london"].force_close
    assert "⚡ Force close on → off" in buttons(menu_message(tg, CTL, ADMIN))

    await click(tg, CTL, ADMIN, "Session filter ON → off")
    assert "/session_master" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    assert sessions.enabled and not engine.settings.sessions.enabled
    assert last_command(engine)["surface"] == "telegram"


async def test_notification_preferences(frontend: TelegramFrontend, tg: FakeTelegram,
                                        engine: Engine) -> None:
    center = engine.notifications
    assert center is not None
    await say(tg, CTL, ADMIN, "/notifications")
    screen = menu_message(tg, CTL, ADMIN)
    assert "Notification preferences" in screen["text"]
    keys = buttons(screen)
    assert keys["✅ trade"] == "notif_cat_trade" and keys["🧩 v3_only"] == "notif_filter_v3_only"
    assert keys["V6 1m ✅"] == "notif_v6tf_1m" and keys["♻️ Reset"] == "notif_reset"
    assert keys["🌙 Quiet hours off → on"] == "notif_quiet_toggle"
    assert "entry: on" not in keys  # types appear once their category is opened

    await click(tg, CTL, ADMIN, "✅ trade")
    keys = buttons(menu_message(tg, CTL, ADMIN))
    assert keys["entry: on"] == "notif_type_entry_silent"
    assert keys["All trade off"] == "notif_cat_trade_off"
    await click(tg, CTL, ADMIN, "entry: on")
    assert center.prefs.current().state("entry") == "silent"
    assert buttons(menu_message(tg, CTL, ADMIN))["entry: silent"] == "notif_type_entry_off"
    await click(tg, CTL, ADMIN, "All trade off")
    assert center.prefs.current().categories["trade"] is False
    await click(tg, CTL, ADMIN, "🧩 v3_only")
    await click(tg, CTL, ADMIN, "⬆️ high_and_above")
    await click(tg, CTL, ADMIN, "V6 1m ✅")
    await click(tg, CTL, ADMIN, "🌙 Quiet hours off → on")
    prefs = center.prefs.current()
    assert prefs.plugin_filter == "v3_only" and prefs.min_priority == "high_and_above"
    assert prefs.v6_tf_filter["1m"] is False and prefs.quiet.enabled
    screen = menu_message(tg, CTL, ADMIN)
    assert "quiet_hours.enabled → on" in screen["text"] and "• 🧩 v3_only" in buttons(screen)

    await click(tg, CTL, ADMIN, "♻️ Reset")  # /notifications reset asks first
    assert "/notifications reset" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "Confirm")
    prefs = center.prefs.current()
    assert prefs.state("entry") == "on" and prefs.categories["trade"] is True
    assert prefs.plugin_filter == "all" and not prefs.quiet.enabled
    assert "✅ trade" in buttons(menu_message(tg, CTL, ADMIN))


async def test_position_buttons_close_or_partially_close(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    """The real /close and the real /partial (SPEC §10.2.7), each behind its confirmation."""
    assert engine.trading is not None
    v6 = await open_owned(engine, "v6_price_action_5m", "USDJPY")
    manual = await open_owned(engine, "manual", "EURUSD")
    volume = engine.trading.positions[manual].volume
    await say(tg, CTL, ADMIN, "/positions")
    await click(tg, CTL, ADMIN, BOTH)
    keys = buttons(menu_message(tg, CTL, ADMIN))
    assert keys[f"❌ Close #{v6} USDJPY"] == f"pos_close_{v6}"
    assert keys[f"✂️ Partial #{manual}"] == f"pos_partial_{manual}"

    await click(tg, CTL, ADMIN, f"❌ Close #{v6}")
    assert f"/close {v6}" in menu_message(tg, CTL, ADMIN)["text"]
    assert v6 in engine.trading.positions  # not before Confirm
    await click(tg, CTL, ADMIN, "Confirm")
    assert v6 not in engine.trading.positions and manual in engine.trading.positions

    await say(tg, CTL, ADMIN, "/positions")
    keys = buttons(menu_message(tg, CTL, ADMIN))
    assert f"pos_close_{v6}" not in keys.values() and f"pos_close_{manual}" in keys.values()
    await click(tg, CTL, ADMIN, f"✂️ Partial #{manual}")
    assert "Choose <b>percent</b>" in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "50")
    assert f"/partial {manual} 50" in menu_message(tg, CTL, ADMIN)["text"]
    assert engine.trading.positions[manual].volume == volume  # not before Confirm
    await click(tg, CTL, ADMIN, "Confirm")
    assert engine.trading.positions[manual].volume == round(volume / 2, 2)


async def test_report_periods_step_and_export(frontend: TelegramFrontend, tg: FakeTelegram,
                                              engine: Engine) -> None:
    assert engine.trading is not None
    ticket = await open_owned(engine, "v6_price_action_5m", "USDJPY")
    assert (await engine.trading.close(ticket)).ok
    await say(tg, ANA, ADMIN, "/daily")
    await click(tg, ANA, ADMIN, "V6")  # the family travels with prev/next and export
    keys = buttons(menu_message(tg, ANA, ADMIN))
    assert keys["◀️ Previous day"] == "analytics_daily_prev"
    assert keys["Next day ▶️"] == "analytics_daily_next"
    await click(tg, ANA, ADMIN, "Previous day")
    assert last_command(engine)["command"] == "/daily 2025-11-25 --family v6"
    await click(tg, ANA, ADMIN, "Previous day")
    assert last_command(engine)["command"] == "/daily 2025-11-24 --family v6"
    await click(tg, ANA, ADMIN, "Next day")
    assert last_command(engine)["command"] == "/daily 2025-11-25 --family v6"
    await say(tg, ANA, ADMIN, "/weekly")
    await click(tg, ANA, ADMIN, "Previous week")
    assert last_command(engine)["command"] == "/weekly 2025-11-17 --family v6"
    await say(tg, ANA, ADMIN, "/monthly 2025-01")
    await click(tg, ANA, ADMIN, "Previous month")
    assert last_command(engine)["command"] == "/monthly 2024-12 --family v6"

    documents = len(tg.calls_for("sendDocument", ANA, ADMIN))
    await say(tg, ANA, ADMIN, "/stats 7d")
    assert buttons(menu_message(tg, ANA, ADMIN))["📄 Export CSV"] == "analytics_export_csv"
    await click(tg, ANA, ADMIN, "Export CSV")
    assert last_command(engine)["command"] == "/export csv 7d --family v6"
    await tg.wait_for(lambda: len(tg.calls_for("sendDocument", ANA, ADMIN)) >= documents + 2)
    names = [str(c.params["document"].filename)
             for c in tg.calls_for("sendDocument", ANA, ADMIN)[documents:]]
    assert all("_7d_" in n and n.endswith(".csv") for n in names)
