"""The 25 RISK commands of SPEC §10.2.3 through `engine.execute` on a real paper engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.commands.catalog import build_registry
from core.commands.spec import Category
from core.engine import Engine, EngineOptions
from core.events import ConfigChanged
from tests.risk.support import ADMIN, GUEST, Recorder, realise, risk_of

RISK_COMMANDS = {
    "risk": (), "setlot": ("set_lot_size",), "setsl": (), "settp": (),
    "dailylimit": ("set_daily_cap",), "maxloss": ("set_lifetime_cap",), "maxprofit": (),
    "risktier": ("switch_tier",), "trailsl": (), "breakeven": (),
    "slsystem": ("sl_system_change", "sl_system_on", "sl_status"),
    "protection": ("profit_protection",), "view_risk_caps": (), "view_risk_status": (),
    "set_risk_tier": (), "clear_loss_data": (), "clear_daily_loss": (), "lot_size_status": (),
    "reset_risk_settings": (), "complete_sl_system_off": (), "view_sl_config": (),
    "set_symbol_sl": (), "reset_symbol_sl": (), "reset_all_sl": (), "maxtrades": (),
}
ADMIN_ONLY = {"set_risk_tier", "clear_loss_data", "clear_daily_loss", "reset_risk_settings",
              "complete_sl_system_off"}
CONFIRM = {"setlot", "dailylimit", "maxloss", "risktier", "set_risk_tier", "clear_loss_data",
           "clear_daily_loss", "reset_risk_settings", "complete_sl_system_off", "set_symbol_sl",
           "reset_all_sl"}
PLUGIN_AWARE = {"setlot", "setsl", "settp", "dailylimit", "maxloss", "maxprofit", "risktier",
                "slsystem", "trailsl", "breakeven", "protection"}


def test_the_risk_category_is_exactly_the_spec_table() -> None:
    registry = build_registry()
    specs = {s.name: s for s in registry.specs(Category.RISK)}
    assert set(specs) == set(RISK_COMMANDS) and len(specs) == 25
    for name, aliases in RISK_COMMANDS.items():
        spec = specs[name]
        assert tuple(a.name for a in spec.aliases) == aliases
        assert spec.admin == (name in ADMIN_ONLY), name
        assert bool(spec.confirm) == (name in CONFIRM), name
        assert spec.plugin_aware == (name in PLUGIN_AWARE), name
    assert registry.resolve("sl_status") == (specs["slsystem"], ("status",))


def tiers(e: Engine) -> Any:
    return e.settings.risk.tiers


Check = Callable[[Engine], bool]
# line, needs confirmation, what must hold afterwards
CHANGES: list[tuple[str, bool, Check]] = [
    ("/setlot 25000 0.4", True, lambda e: tiers(e)["25000"].max_lot == 0.4),
    ("/set_lot_size 5000 0.02", True, lambda e: tiers(e)["5000"].max_lot == 0.02),
    ("/setsl 80", False, lambda e: e.settings.risk.manual_default_sl_pips == 80),
    ("/settp 0", False, lambda e: e.settings.risk.manual_default_tp_pips == 0),
    ("/settp 240", False, lambda e: e.settings.risk.manual_default_tp_pips == 240),
    ("/dailylimit 500", True, lambda e: tiers(e)["10000"].daily_cap == 500),
    ("/set_daily_cap 300", True, lambda e: tiers(e)["10000"].daily_cap == 300),
    ("/maxloss 2500", True, lambda e: tiers(e)["10000"].lifetime_cap == 2500),
    ("/set_lifetime_cap 800", True, lambda e: tiers(e)["10000"].lifetime_cap == 800),
    ("/maxprofit 150", False, lambda e: e.settings.risk.daily_profit_target == 150),
    ("/maxprofit 0", False, lambda e: e.settings.risk.daily_profit_target == 0),
    ("/risktier 50000", True, lambda e: e.settings.risk.tier_mode == "50000"
     and risk_of(e).tier() == "50000"),
    ("/switch_tier 100000", True, lambda e: e.settings.risk.tier_mode == "100000"),
    ("/slsystem sl-2", False, lambda e: e.settings.sl_systems.active == "sl-2"),
    ("/sl_system_change sl-2", False, lambda e: e.settings.sl_systems.active == "sl-2"),
    ("/trailsl off", False, lambda e: not e.settings.trade_management.trailing.enabled),
    ("/trailsl", False, lambda e: not e.settings.trade_management.trailing.enabled),  # toggle
    ("/breakeven off", False, lambda e: not e.settings.trade_management.breakeven.enabled),
    ("/breakeven", False, lambda e: not e.settings.trade_management.breakeven.enabled),
    ("/breakeven lock off", False,
     lambda e: not e.settings.trade_management.profit_lock.enabled
     and e.settings.trade_management.breakeven.enabled),
    ("/protection AGGRESSIVE", False,
     lambda e: e.settings.reentry.profit_protection.mode == "AGGRESSIVE"),
    ("/profit_protection very_conservative", False,
     lambda e: e.settings.reentry.profit_protection.mode == "VERY_CONSERVATIVE"),
    ("/set_risk_tier 25000 600 3000", True,
     lambda e: (tiers(e)["25000"].daily_cap, tiers(e)["25000"].lifetime_cap) == (600, 3000)),
    ("/complete_sl_system_off", True, lambda e: not e.settings.sl_systems.enabled),
    ("/set_symbol_sl gbpusd 25", True,
     lambda e: e.settings.sl_systems.symbol_reductions == {"GBPUSD": 25}),
    ("/maxtrades 12", False, lambda e: e.settings.risk.max_daily_trades == 12),
    ("/maxtrades 0", False, lambda e: e.settings.risk.max_daily_trades == 0),
]


@pytest.mark.parametrize(("line", "confirm", "check"), CHANGES, ids=[c[0] for c in CHANGES])
async def test_each_change_is_applied_persisted_and_announced(
        quiet: Engine, line: str, confirm: bool, check: Check) -> None:
    events = Recorder(quiet, ConfigChanged)
    if confirm:
        asked = await quiet.execute(line, ADMIN)
        assert asked.needs_confirmation and not check(quiet) and not events.events
    reply = await quiet.execute(line, ADMIN, confirmed=True)
    assert reply.ok, reply.text()
    assert check(quiet), reply.text()
    assert events.events and reply.title
    assert quiet.store is not None
    stored = {d["_key"] for d in quiet.store.all("config_overrides")}
    assert {e.key for e in events.events if isinstance(e, ConfigChanged)} <= stored


async def test_changes_survive_a_restart(engine_options: EngineOptions) -> None:
    first = Engine(engine_options)
    await first.start()
    for line in ("/dailylimit 444", "/slsystem sl-2", "/set_symbol_sl EURUSD 20",
                 "/protection CONSERVATIVE", "/trailsl off", "/maxtrades 7"):
        assert (await first.execute(line, ADMIN, confirmed=True)).ok
    await first.stop()
    second = Engine(engine_options)
    await second.start()
    try:
        s = second.settings
        assert s.risk.tiers["10000"].daily_cap == 444 and s.sl_systems.active == "sl-2"
        assert s.sl_systems.symbol_reductions == {"EURUSD": 20}
        assert s.reentry.profit_protection.mode == "CONSERVATIVE"
        assert not s.trade_management.trailing.enabled and s.risk.max_daily_trades == 7
    finally:
        await second.stop()


async def test_admin_commands_refuse_other_users(quiet: Engine) -> None:
    for name in sorted(ADMIN_ONLY):
        line = f"/{name} 10000 100 500" if name == "set_risk_tier" else f"/{name}"
        reply = await quiet.execute(line, GUEST, confirmed=True)
        assert not reply.ok and "admin only" in reply.lines[0], name
    assert quiet.settings.sl_systems.enabled


@pytest.mark.parametrize(("line", "message"), [
    ("/setlot 10000 11", "out of range (allowed 0.01–10)"),
    ("/setlot 7000 0.1", "use one of 5000, 10000, 25000, 50000, 100000"),
    ("/setsl 0", "out of range (allowed 1–5000)"),
    ("/settp 10001", "out of range (allowed 0–10000)"),
    ("/dailylimit 0", "out of range (allowed 0.01–1e+06)"),
    ("/maxtrades 101", "out of range (allowed 0–100)"),
    ("/set_symbol_sl EURUSD 4", "out of range (allowed 5–50)"),
    ("/set_symbol_sl EURUSD 51", "out of range (allowed 5–50)"),
    ("/set_symbol_sl BTCUSD 10", "not in the symbol table"),
    ("/slsystem sl-3", "use one of sl-1, sl-2, status"),
    ("/protection RECKLESS", "use one of AGGRESSIVE"),
    ("/breakeven on on", "usage: /breakeven"),
])
async def test_invalid_values_are_refused_and_nothing_changes(quiet: Engine, line: str,
                                                              message: str) -> None:
    before = quiet.settings.model_dump()
    reply = await quiet.execute(line, ADMIN, confirmed=True)
    assert not reply.ok and message in " ".join(reply.lines)
    assert quiet.settings.model_dump() == before


async def test_views_read_the_live_state(quiet: Engine) -> None:
    quiet.persist_override("risk.tier_mode", "10000")
    await realise(quiet, -50)
    risk = await quiet.execute("/risk", ADMIN)
    assert risk.ok and risk.data["daily_loss"] == 50 and risk.data["remaining_daily"] == 150
    assert "Daily loss $50 of $200 (25 %) · $150 left" in risk.lines
    status = await quiet.execute("/view_risk_status", ADMIN)
    assert status.data["smart_factor"] == 1.0 and status.data["lifetime_loss"] == 50
    caps = await quiet.execute("/view_risk_caps", ADMIN)
    assert caps.table is not None and caps.table.rows[1][0] == "10000 ◀"
    assert caps.table.rows[4][3:] == ("1.00", "$2,000", "$10,000")
    lots = await quiet.execute("/lot_size_status", ADMIN)
    assert lots.data["lots"]["EURUSD"] == 0.06 and lots.data["lots"]["XAUUSD"] == 0.06
    sl = await quiet.execute("/view_sl_config", ADMIN)
    assert sl.table is not None and sl.table.rows[0][:3] == ("XAUUSD", "1500", "800")


async def test_clear_counters(quiet: Engine) -> None:
    quiet.persist_override("risk.tier_mode", "10000")
    await realise(quiet, -200)
    risk = risk_of(quiet)
    assert risk.check_new_order("EURUSD").code == "DAILY_CAP"
    asked = await quiet.execute("/clear_daily_loss", ADMIN)
    assert asked.needs_confirmation and risk.counters.daily_loss == 200
    done = await quiet.execute("/clear_daily_loss", ADMIN, confirmed=True)
    assert done.ok and done.data["cleared"] == 200 and risk.counters.daily_loss == 0
    assert risk.counters.lifetime_loss == 200 and risk.check_new_order("EURUSD").allowed
    done = await quiet.execute("/clear_loss_data", ADMIN, confirmed=True)
    assert done.data["cleared"] == 200 and risk.counters.lifetime_loss == 0


async def test_sl_reductions_reset_and_slsystem_reenables(quiet: Engine) -> None:
    for line in ("/set_symbol_sl EURUSD 20", "/set_symbol_sl XAUUSD 10"):
        await quiet.execute(line, ADMIN, confirmed=True)
    eur = quiet.symbols()["EURUSD"]
    assert risk_of(quiet).sl_pips(eur) == 120
    reply = await quiet.execute("/reset_symbol_sl eurusd", ADMIN)
    assert reply.ok and quiet.settings.sl_systems.symbol_reductions == {"XAUUSD": 10}
    assert risk_of(quiet).sl_pips(eur) == 150
    assert (await quiet.execute("/reset_all_sl", ADMIN)).needs_confirmation
    await quiet.execute("/reset_all_sl", ADMIN, confirmed=True)
    assert quiet.settings.sl_systems.symbol_reductions == {}
    await quiet.execute("/complete_sl_system_off", ADMIN, confirmed=True)
    assert risk_of(quiet).sl_pips(eur) == 100  # 10000 × 1 % ÷ (10 × 0.10)
    reply = await quiet.execute("/sl_system_on sl-1", ADMIN)
    assert reply.ok and quiet.settings.sl_systems.enabled
    assert risk_of(quiet).sl_pips(eur) == 150
    status = await quiet.execute("/sl_status", ADMIN)
    assert status.data == {"active": "sl-1", "enabled": True}


async def test_reset_risk_settings_restores_the_spec_tiers(quiet: Engine) -> None:
    for line in ("/setlot 10000 2", "/dailylimit 900", "/risktier 100000",
                 "/set_risk_tier 5000 1 2"):
        assert (await quiet.execute(line, ADMIN, confirmed=True)).ok
    reply = await quiet.execute("/reset_risk_settings", ADMIN, confirmed=True)
    assert reply.ok and quiet.settings.risk.tier_mode == "auto"
    rows = {t: (r.risk_percent, r.max_lot, r.daily_cap, r.lifetime_cap)
            for t, r in tiers(quiet).items()}
    assert rows == {"5000": (1, 0.05, 100, 500), "10000": (1, 0.1, 200, 1000),
                    "25000": (1, 0.25, 500, 2500), "50000": (1, 0.5, 1000, 5000),
                    "100000": (1, 1.0, 2000, 10000)}
    # a later single change still applies after the reset
    await quiet.execute("/setlot 10000 0.3", ADMIN, confirmed=True)
    assert tiers(quiet)["10000"].max_lot == 0.3


async def test_switch_replies_say_when_the_effect_applies(quiet: Engine) -> None:
    for line in ("/trailsl on", "/breakeven on", "/breakeven lock on"):
        reply = await quiet.execute(line, ADMIN)
        assert "trade manager's next check" in " ".join(reply.lines), line
    reply = await quiet.execute("/protection BALANCED", ADMIN)
    assert "Applies to the next recovery re-entry check" in reply.lines[0]
    status = await quiet.execute("/protection", ADMIN)
    assert status.table is not None and status.data == {"mode": "BALANCED"}
    assert (await quiet.execute("/breakeven status", ADMIN)).data == {
        "breakeven": True, "profit_lock": True}
