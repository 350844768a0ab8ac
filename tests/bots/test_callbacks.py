"""The callback-data codec (§10.3) and a walk over every button the registry can produce."""

from __future__ import annotations

import re

import pytest

from bots.telegram import feature_menus as fm
from bots.telegram import menus
from bots.telegram.callbacks import (
    BACK,
    FEATURES,
    HOME,
    MAX_BYTES,
    NOOP,
    Callback,
    Codec,
    Kind,
    RefStore,
    feature,
    make_codec,
    spell,
)
from bots.telegram.menus import Button, MenuModel
from core.commands.catalog import build_registry
from core.commands.registry import CommandRegistry
from core.commands.spec import PLUGIN_AWARE, Category, CommandSpec, Param, Reply
from core.config.settings import Settings

ALLOWED = re.compile(r"^[A-Za-z0-9_.:+\-]+$")
ROLE_SETS = [("controller",), ("notification",), ("analytics",),
             ("controller", "notification", "analytics"), ("notification", "analytics")]


def codec_for(registry: CommandRegistry, clock: list[float] | None = None) -> Codec:
    now = clock if clock is not None else [0.0]
    return make_codec(lambda: [s.name for s in registry.specs()],
                      lambda: {p.type for s in registry.specs() for p in s.params},
                      lambda: 3600.0, lambda: now[0])


async def _ok(ctx: object) -> Reply:
    return Reply("ok")


def walk_registry() -> CommandRegistry:
    """Today's registry (it holds /partial, which the position buttons need)."""
    return build_registry()


def feature_keyboards(model: MenuModel) -> list[tuple[str, menus.Keyboard]]:
    """Every §9.6.6 family question and every §10.3 feature sub-menu, on default settings."""
    settings = Settings()
    n = settings.notifications
    prefs = {"types": n.types, "categories": n.categories, "plugin_filter": n.plugin_filter,
             "min_priority": n.min_priority, "v6_tf_filter": n.v6_tf_filter,
             "quiet_hours": n.quiet_hours.model_dump()}
    boards = [(f"family {s.name}", menus.family_menu(s)) for c in model.categories()
              for s in model.commands(c) if s.plugin_aware]
    for focus in (None, *settings.sessions.table):
        boards.append((f"session {focus}", fm.session_keyboard(
            model, settings.sessions, settings.symbols.enabled, focus)))
    for cat in (None, *n.categories):
        boards.append((f"notif {cat}", fm.notif_keyboard(model, prefs, cat)))
    positions = [{"Ticket": str(t), "Symbol": "XAUUSD"} for t in (1, 51234001, 9876543210)]
    boards.append(("positions", fm.position_keyboard(model, positions)))
    boards += [(f"report {c}", fm.report_keyboard(model, c)) for c in ("daily", "weekly",
                                                                         "monthly", "stats")]
    return [(where, board) for where, board in boards if board]


def every_keyboard(model: MenuModel) -> list[tuple[str, menus.Keyboard]]:
    boards = [("main", menus.main_menu(model)), ("help", menus.help_menu(model)),
              ("dashboard", menus.dashboard_menu(model)), ("header", menus.header_menu(model)),
              ("back_home", menus.back_home()), ("home", menus.home_only())]
    boards += [(f"menu_{c.key}", menus.category_menu(model, c.key)) for c in model.categories()]
    boards += [(f"menu_{n}", menus.submenu(model, n)) for n in menus.SUBMENUS
               if model.menu_exists(n)]
    for category in model.categories():
        for spec in model.commands(category):
            boards.append((f"confirm {spec.name}", menus.confirmation(spec)))
            boards += [(f"picker {spec.name}.{p.name}", menus.picker(spec, p))
                       for p in spec.params]
    return boards + feature_keyboards(model)


def check_button(codec: Codec, model: MenuModel, where: str, button: Button) -> None:
    data = codec.encode(button.cb)
    assert len(data.encode("utf-8")) <= MAX_BYTES, (where, button, data)
    assert ALLOWED.match(data), (where, button, data)
    assert codec.decode(data) == button.cb, (where, button, data)
    assert model.exists(button.cb), f"{where}: {button.label} leads nowhere ({data})"
    if button.cb.kind in (Kind.PLUGIN, Kind.FEATURE):  # the §10.3 spelling, never a ref_
        assert data == spell(button.cb), (where, button, data)


@pytest.mark.parametrize("roles", ROLE_SETS, ids=["+".join(r) for r in ROLE_SETS])
def test_every_button_of_every_menu_picker_and_confirmation(roles: tuple[str, ...]) -> None:
    registry = walk_registry()
    codec = codec_for(registry)
    model = MenuModel(registry, roles)
    count = 0
    kinds: set[Kind] = set()
    for where, keyboard in every_keyboard(model):
        assert len(keyboard) <= 100
        for row in keyboard:
            assert row, f"{where}: empty row"
            for button in row:
                check_button(codec, model, where, button)
                kinds.add(button.cb.kind)
                count += 1
    assert count > 20
    if "controller" in roles:  # the family question and the feature sub-menus were walked
        assert {Kind.PLUGIN, Kind.FEATURE} <= kinds
        walked = {b.cb.name for _, board in every_keyboard(model) for line in board
                  for b in line if b.cb.kind is Kind.FEATURE}
        assert walked == set(FEATURES)
    for labels in menus.reply_keyboard(model):
        for label in labels:
            cb = menus.reply_label(model, label)
            assert cb is not None and model.exists(cb), label


def test_every_command_is_reachable_from_the_controller_menus() -> None:
    registry = build_registry()
    model = MenuModel(registry, ("controller",))
    reachable = {b.cb.name for c in model.categories()
                 for row in menus.category_menu(model, c.key) for b in row
                 if b.cb.kind is Kind.CMD}
    assert reachable == {s.name for s in registry.specs()}


def test_menus_hide_targets_that_do_not_exist() -> None:
    registry = CommandRegistry()

    async def handler(ctx: object) -> Reply:
        return Reply("ok")

    registry.add(CommandSpec("status", Category.SYSTEM, "Status", handler))
    model = MenuModel(registry, ("controller",))
    main = [b.cb for row in menus.main_menu(model) for b in row]
    assert menus.menu("system") in main
    assert menus.menu("risk") not in main and menus.action("dashboard") not in main
    assert menus.reply_keyboard(model) == []  # help, panic, dashboard... none exist yet
    header = [b.cb for row in menus.header_menu(model) for b in row]
    assert header == [menus.menu("system"), menus.action("refresh_header")]


def test_spec_examples_spell_as_in_the_table() -> None:
    registry = CommandRegistry()

    async def handler(ctx: object) -> Reply:
        return Reply("ok")

    registry.extend([
        CommandSpec("set_symbol_sl", Category.RISK, "x", handler, params=(
            Param("symbol", "symbol"), Param("percent", "sl_percent"))),
        CommandSpec("dailylimit", Category.RISK, "x", handler, params=(
            Param("amount", "daily_cap"),)),
        CommandSpec("closeall", Category.TRADING, "x", handler)])
    codec = codec_for(registry)
    assert codec.encode(Callback(Kind.CMD, "set_symbol_sl", category="risk")) == \
        "cmd_risk_set_symbol_sl"
    assert codec.encode(Callback(Kind.PARAM, "set_symbol_sl", ptype="symbol",
                                 value="EURUSD")) == "param_symbol_set_symbol_sl_EURUSD"
    assert codec.encode(Callback(Kind.CUSTOM, "dailylimit", ptype="daily_cap")) == \
        "param_custom_daily_cap_dailylimit"
    assert codec.encode(Callback(Kind.EXECUTE, "closeall")) == "execute_closeall"
    assert [codec.encode(c) for c in (HOME, BACK, NOOP)] == ["menu_main", "nav_back", "noop"]
    assert codec.decode("param_sl_percent_set_symbol_sl_12.5") == Callback(
        Kind.PARAM, "set_symbol_sl", ptype="sl_percent", value="12.5")
    assert codec.decode("garbage") is None and codec.decode("cmd_") is None


def test_plugin_context_and_feature_buttons_spell_as_in_spec() -> None:
    registry = walk_registry()
    codec = codec_for(registry)
    assert {s.name for s in registry.specs() if s.plugin_aware} >= \
        {n for n in PLUGIN_AWARE if n in registry}
    assert not registry.get("status").plugin_aware and not registry.get("closeall").plugin_aware
    examples = {
        Callback(Kind.PLUGIN, "positions", value="v6"): "plugin_select_v6_positions",
        feature("session_edit", "ny_late"): "session_edit_ny_late",
        feature("session_toggle", "ny_late_EURUSD"): "session_toggle_ny_late_EURUSD",
        feature("session_time", "london_start_+30"): "session_time_london_start_+30",
        feature("session_toggle", "master"): "session_toggle_master",
        feature("notif_type", "tp_hit_silent"): "notif_type_tp_hit_silent",
        feature("notif_filter", "v3_only"): "notif_filter_v3_only",
        feature("notif_reset"): "notif_reset",
        feature("analytics_daily", "prev"): "analytics_daily_prev",
        feature("pos_close", "51234001"): "pos_close_51234001",
    }
    for cb, text in examples.items():
        assert codec.encode(cb) == text and codec.decode(text) == cb
    assert codec.decode("plugin_select_v9_positions") is None
    assert codec.decode("session_edit_bad value") is None


def test_oversized_odd_or_ambiguous_payloads_become_refs_that_expire() -> None:
    registry = CommandRegistry()

    async def handler(ctx: object) -> Reply:
        return Reply("ok")

    long_name = "a" * 32
    registry.extend([
        CommandSpec(long_name, Category.REENTRY, "x", handler,
                    params=(Param("p", "sl_reduction_strategy"),)),
        CommandSpec("x", Category.RISK, "x", handler, params=(Param("p", "sl_reduction"),)),
        CommandSpec("reduction_x", Category.RISK, "x", handler, params=(Param("p", "sl"),))])
    clock = [0.0]
    codec = codec_for(registry, clock)
    odd = [
        Callback(Kind.PARAM, long_name, ptype="sl_reduction_strategy", value="VERY_LONG_VALUE"),
        Callback(Kind.PARAM, "x", ptype="sl_reduction", value="with space"),
        Callback(Kind.PARAM, "x", ptype="sl_reduction", value="ünïcode"),
        Callback(Kind.PARAM, "x", ptype="sl_reduction", value="a_b"),
        Callback(Kind.PARAM, "reduction_x", ptype="sl", value="5"),  # reads as sl_reduction
        Callback(Kind.CMD, "x", category="bad_cat"),
    ]
    refs = []
    for cb in odd:
        data = codec.encode(cb)
        assert data.startswith("ref_") and len(data) == 12, (cb, data)
        assert codec.decode(data) == cb
        refs.append(data)
    assert codec.encode(odd[0]) == refs[0]  # one payload, one reference
    assert codec.encode(Callback(Kind.PARAM, "x", ptype="sl_reduction", value="5")) == \
        "param_sl_reduction_x_5"
    clock[0] = 3000.0
    assert codec.encode(odd[1]) == refs[1]  # using it again keeps it another hour
    clock[0] = 3601.0
    assert codec.decode(refs[0]) is None  # expired after 1 h: "expired — start again"
    assert codec.decode(refs[1]) == odd[1]
    assert codec.decode("ref_zzzzzzzz") is None


def test_ref_store_is_bounded() -> None:
    store = RefStore(lambda: 3600.0, lambda: 0.0, capacity=10)
    refs = [store.put(Callback(Kind.PARAM, "x", ptype="t", value=f"v {i}")) for i in range(25)]
    assert len(store) == 10
    assert store.get(refs[0]) is None and store.get(refs[-1]) is not None
