"""The callback-data codec (§10.3) and a walk over every button the registry can produce."""

from __future__ import annotations

import re

import pytest

from bots.telegram import menus
from bots.telegram.callbacks import (
    BACK,
    HOME,
    MAX_BYTES,
    NOOP,
    Callback,
    Codec,
    Kind,
    RefStore,
    make_codec,
)
from bots.telegram.menus import Button, MenuModel
from core.commands.catalog import build_registry
from core.commands.registry import CommandRegistry
from core.commands.spec import Category, CommandSpec, Param, Reply

ALLOWED = re.compile(r"^[A-Za-z0-9_.:+\-]+$")
ROLE_SETS = [("controller",), ("notification",), ("analytics",),
             ("controller", "notification", "analytics"), ("notification", "analytics")]


def codec_for(registry: CommandRegistry, clock: list[float] | None = None) -> Codec:
    now = clock if clock is not None else [0.0]
    return make_codec(lambda: [s.name for s in registry.specs()],
                      lambda: {p.type for s in registry.specs() for p in s.params},
                      lambda: 3600.0, lambda: now[0])


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
    return boards


def check_button(codec: Codec, model: MenuModel, where: str, button: Button) -> None:
    data = codec.encode(button.cb)
    assert len(data.encode("utf-8")) <= MAX_BYTES, (where, button, data)
    assert ALLOWED.match(data), (where, button, data)
    assert codec.decode(data) == button.cb, (where, button, data)
    assert model.exists(button.cb), f"{where}: {button.label} leads nowhere ({data})"


@pytest.mark.parametrize("roles", ROLE_SETS, ids=["+".join(r) for r in ROLE_SETS])
def test_every_button_of_every_menu_picker_and_confirmation(roles: tuple[str, ...]) -> None:
    registry = build_registry()
    codec = codec_for(registry)
    model = MenuModel(registry, roles)
    count = 0
    for where, keyboard in every_keyboard(model):
        assert len(keyboard) <= 100
        for row in keyboard:
            assert row, f"{where}: empty row"
            for button in row:
                check_button(codec, model, where, button)
                count += 1
    assert count > 20
    for row in menus.reply_keyboard(model):
        for label in row:
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
