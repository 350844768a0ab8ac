"""Plugin context (§9.6.6) through the real PTB client: ask, remember 5 min, /logic and /tf."""

from __future__ import annotations

from bots.telegram.family import implied_family
from bots.telegram.frontend import TelegramFrontend
from core.clock import FrozenClock
from core.commands.spec import Category, CommandContext, CommandSpec, Reply
from core.engine import Engine
from tests.bots.conftest import ADMIN, ANA, CTL, USER
from tests.bots.helpers import BOTH, buttons, click, menu_message, open_owned, say
from tests.fakes.telegram_server import FakeTelegram

QUESTION = "which plugin family"


async def test_a_plugin_aware_command_asks_once_then_remembers_for_five_minutes(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine,
        frozen_clock: FrozenClock) -> None:
    v3 = await open_owned(engine, "v3_combined", "EURUSD", logic="combinedlogic-2")
    v4 = await open_owned(engine, "combinedlogic-1", "GBPUSD")
    v6 = await open_owned(engine, "v6_price_action_5m", "USDJPY")
    manual = await open_owned(engine, "manual", "AUDUSD")
    [question] = await say(tg, CTL, ADMIN, "/positions")
    assert QUESTION in question.params["text"]
    assert buttons(menu_message(tg, CTL, ADMIN)) == {
        "V3": "plugin_select_v3_positions", "V6": "plugin_select_v6_positions",
        BOTH: "plugin_select_both_positions", "✖️ Cancel": "menu_main"}
    await click(tg, CTL, ADMIN, "V6")
    shown = menu_message(tg, CTL, ADMIN)["text"]  # the question became the answer
    assert "Open positions: 1 — V6" in shown and f"{v6}" in shown
    assert f"{v3}" not in shown and f"{manual}" not in shown

    [history] = await say(tg, CTL, ADMIN, "/history")  # remembered: no second question
    assert QUESTION not in history.params["text"] and "— V6" in history.params["text"]
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "💹 Trading")
    await click(tg, CTL, ADMIN, "/positions")  # from a menu, too
    assert "Open positions: 1 — V6" in menu_message(tg, CTL, ADMIN)["text"]
    [other] = await say(tg, CTL, USER, "/positions")  # per chat: another chat is asked
    assert QUESTION in other.params["text"]

    frozen_clock.advance(299)
    [still] = await say(tg, CTL, ADMIN, "/positions")
    assert "Open positions: 1 — V6" in still.params["text"]
    frozen_clock.advance(2)  # five minutes after the choice: asked again
    [again] = await say(tg, CTL, ADMIN, "/positions")
    assert QUESTION in again.params["text"]
    await click(tg, CTL, ADMIN, "V3")
    shown = menu_message(tg, CTL, ADMIN)["text"]
    assert "Open positions: 2 — V3" in shown and f"{v3}" in shown and f"{v4}" in shown
    frozen_clock.advance(301)
    await say(tg, CTL, ADMIN, "/positions")
    await click(tg, CTL, ADMIN, BOTH)
    shown = menu_message(tg, CTL, ADMIN)["text"]
    assert "Open positions: 4" in shown and "— V" not in shown and f"{manual}" in shown


async def test_a_menu_pick_asks_first_and_cancel_goes_home(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "💹 Trading")
    await click(tg, CTL, ADMIN, "/history")
    assert QUESTION in menu_message(tg, CTL, ADMIN)["text"]
    await click(tg, CTL, ADMIN, "Cancel")
    assert "Choose an action" in menu_message(tg, CTL, ADMIN)["text"]
    [asked] = await say(tg, CTL, ADMIN, "/history 30")  # nothing was remembered
    assert QUESTION in asked.params["text"]
    await click(tg, CTL, ADMIN, "V3")  # the typed arguments are kept
    assert "Closed trades, last 30 day(s): 0 — V3" in menu_message(tg, CTL, ADMIN)["text"]
    await say(tg, CTL, ADMIN, "/menu", replies=2)
    await click(tg, CTL, ADMIN, "💹 Trading")
    await click(tg, CTL, ADMIN, "/history")  # remembered: straight to the days picker
    assert "Default (7)" in buttons(menu_message(tg, CTL, ADMIN))
    await click(tg, CTL, ADMIN, "30")
    assert "last 30 day(s): 0 — V3" in menu_message(tg, CTL, ADMIN)["text"]


async def test_logic_and_tf_commands_set_the_context(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    """`/logic*` and `/v3` → V3, `/tf*` and `/v6*` → V6, by name (these arrive later)."""
    async def probe(ctx: CommandContext) -> Reply:
        return Reply(f"probe {ctx.spec.name}")

    for name, category in (("logic9_probe", Category.STRATEGY), ("tf9m_probe",
                                                                 Category.TIMEFRAME),
                           ("v6_probe", Category.TIMEFRAME), ("v3_probe", Category.STRATEGY)):
        engine.registry.add(CommandSpec(name, category, "probe", probe))
    await open_owned(engine, "v3_combined", "EURUSD", logic="combinedlogic-1")
    await open_owned(engine, "v6_price_action_15m", "USDJPY")
    for command, family in (("/logic9_probe", "V3"), ("/tf9m_probe", "V6"),
                            ("/v3_probe", "V6"), ("/v6_probe", "V6")):
        [ran] = await say(tg, CTL, ADMIN, command)
        assert "probe" in ran.params["text"]
        [positions] = await say(tg, CTL, ADMIN, "/positions")
        assert f"Open positions: 1 — {family}" in positions.params["text"], command
    await say(tg, CTL, ADMIN, "/menu", replies=2)  # a /tf command picked from a menu
    await click(tg, CTL, ADMIN, "⏱ Timeframe")
    await click(tg, CTL, ADMIN, "/tf9m_probe")
    [positions] = await say(tg, CTL, ADMIN, "/positions")
    assert "Open positions: 1 — V6" in positions.params["text"]


def test_which_names_imply_a_family() -> None:
    assert [implied_family(n) for n in ("logic1", "logic_status", "v3", "tf15m", "tf1m_off",
                                        "v6", "v6_status")] == ["v3"] * 3 + ["v6"] * 4
    for name in ("v3_probe", "view_logic_settings", "trailsl", "status", "positions"):
        assert implied_family(name) is None


async def test_analytics_bot_reports_for_the_chosen_family(
        frontend: TelegramFrontend, tg: FakeTelegram, engine: Engine) -> None:
    assert engine.trading is not None
    for strategy, symbol in (("v3_combined", "EURUSD"), ("v6_price_action_1h", "USDJPY")):
        ticket = await open_owned(engine, strategy, symbol)
        assert (await engine.trading.close(ticket)).ok
    [question] = await say(tg, ANA, ADMIN, "/strategy_report")
    assert QUESTION in question.params["text"]
    await click(tg, ANA, ADMIN, "V6")
    shown = menu_message(tg, ANA, ADMIN)["text"]
    assert "Per strategy" in shown and "— V6" in shown
    assert "V6 1h" in shown and "V3" not in shown.replace("— V6", "")
