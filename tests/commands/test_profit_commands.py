"""The 23 PROFIT commands of SPEC §10.2.7 on the paper engine: each changes what it names."""

from __future__ import annotations

from core.commands.catalog import build_registry
from core.commands.spec import Category
from core.engine import Engine
from tests.commands.support import refused, reloaded, run
from tests.trading.plans import market, plan
from tests.trading.pyramid.support import aligned, only_chain, order_b, pyramid, step

# name → (admin, confirm, {alias: pre-filled args})
PROFIT: dict[str, tuple[bool, bool, dict[str, tuple[str, ...]]]] = {
    "profit": (False, False, {}), "booking": (False, False, {"toggle_profit_booking": ()}),
    "levels": (False, True, {}), "partial": (False, True, {}), "orderb": (False, False, {}),
    "dualorder": (False, False, {"dual_order_status": ("status",),
                                 "toggle_dual_orders": ("toggle",)}),
    "profit_status": (False, False, {}), "profit_stats": (False, False, {}),
    "set_profit_targets": (False, True, {}), "profit_chains": (False, False, {}),
    "stop_profit_chain": (False, True, {"close_profit_chain": ()}),
    "stop_all_profit_chains": (False, True, {}), "set_chain_multipliers": (False, True, {}),
    "set_sl_reductions": (False, True, {}), "profit_config": (False, False, {}),
    "profit_sl_status": (False, False, {}), "profit_sl_mode": (False, True, {}),
    "enable_profit_sl": (False, False, {}), "disable_profit_sl": (False, True, {}),
    "set_profit_sl": (False, False, {"set_sl1_1": ()}), "set_sl2_1": (False, False, {}),
    "reset_profit_sl": (False, True, {}), "profit_sl_hunt": (False, False, {}),
}


def test_the_spec_table_is_registered_exactly() -> None:
    registry = build_registry()
    assert sorted(s.name for s in registry.specs(Category.PROFIT)) == sorted(PROFIT)
    aliases = registry.aliases()
    for name, (admin, confirm, expected) in PROFIT.items():
        spec = registry.get(name)
        assert (spec.admin, spec.needs_confirmation({})) == (admin, confirm), name
        for alias, args in expected.items():
            assert aliases[alias] == (name, args), alias


async def test_switches(engine: Engine) -> None:
    pb = lambda: engine.settings.profit_booking  # noqa: E731
    assert (await run(engine, "/booking off")).title == "Profit booking: OFF"
    assert pb().enabled is False and reloaded(engine).profit_booking.enabled is False
    assert (await run(engine, "/toggle_profit_booking")).title == "Profit booking: ON"
    assert (await run(engine, "/booking status")).data == {"enabled": True}
    await run(engine, "/profit_sl_hunt off")
    assert pb().profit_sl_hunt.enabled is False
    await run(engine, "/disable_profit_sl")
    assert pb().sl.enabled is False
    assert "WITHOUT SL" in (await run(engine, "/profit_sl_status")).text()
    await run(engine, "/enable_profit_sl")
    assert pb().sl.enabled is True


async def test_pyramid_presets_and_levels(engine: Engine) -> None:
    pb = lambda: engine.settings.profit_booking  # noqa: E731
    reply = await run(engine, "/levels 0,1")
    assert pb().enabled_levels == [0, 1]
    assert reply.lines[0] == "A chain holds at most 3 orders."
    assert "contains 0" in await refused(engine, "/levels 1,2")
    assert "0–4" in await refused(engine, "/levels 0,5")
    await run(engine, "/set_profit_targets moderate")
    assert pb().targets == [10, 20, 40, 80, 160]
    await run(engine, "/set_chain_multipliers fibonacci")
    assert pb().orders_per_level == [1, 1, 2, 3, 5]
    assert "not allowed" in await refused(engine, "/set_chain_multipliers double")
    config = (await run(engine, "/profit_config")).text()
    assert "Orders per level 1-1-2-3-5 (fibonacci)" in config
    assert "Targets per order 10-20-40-80-160 $ (moderate)" in config
    assert reloaded(engine).profit_booking.targets == [10, 20, 40, 80, 160]


async def test_pyramid_sl_commands(engine: Engine) -> None:
    sl = lambda: engine.settings.profit_booking.sl  # noqa: E731
    await run(engine, "/set_sl_reductions 0 5 10 15 20")
    assert sl().level_reductions_percent == [0, 5, 10, 15, 20]
    assert "out of range" in await refused(engine, "/set_sl_reductions 0 5 10 15 95")
    await run(engine, "/profit_sl_mode SL-1.1")
    assert sl().mode == "SL-1.1"
    await run(engine, "/set_profit_sl logic2 45")
    await run(engine, "/set_sl1_1 logic3 60")
    assert sl().sl_1_1 == {"logic1": 20, "logic2": 45, "logic3": 60}
    await run(engine, "/set_sl2_1 12")
    assert sl().sl_2_1_amount == 12
    status = await run(engine, "/profit_sl_status")
    assert "Amount per level (logic2): $45 / $42.75 / $40.50 / $38.25 / $36" in status.lines
    await run(engine, "/reset_profit_sl")
    assert (sl().mode, sl().sl_2_1_amount, sl().level_reductions_percent) == (
        "SL-2.1", 10, [0, 10, 25, 40, 50])
    assert reloaded(engine).profit_booking.sl.mode == "SL-2.1"


async def test_order_b_and_dual_orders(engine: Engine) -> None:
    dual = lambda: engine.settings.dual_orders  # noqa: E731
    await run(engine, "/orderb 0.4 15")
    assert (dual().order_b_lot_fraction, dual().order_b_fixed_risk_usd) == (0.4, 15)
    assert "out of range" in await refused(engine, "/orderb 1.5")
    await run(engine, "/dualorder off")
    assert dual().enabled is False
    assert (await run(engine, "/toggle_dual_orders")).title == "Dual orders: ON"
    status = await run(engine, "/dual_order_status")
    assert status.data["routing"]["v3-logic3"] == "dual_orders"
    await run(engine, "/dualorder v4-logic1 order_b_only")
    assert engine.settings.logics["combinedlogic-1"].v4_routing == "order_b_only"
    await run(engine, "/dualorder v6-15m dual_orders")
    assert engine.settings.plugins.v6_price_action_15m.config.routing == "dual_orders"
    assert (await run(engine, "/dualorder v6-15m")).data["routing"] == "dual_orders"


async def test_partial_closes_the_percent(engine: Engine) -> None:
    assert engine.desk is not None and engine.trading is not None
    market(engine)
    result = await engine.desk.open_group(plan(routing="order_a_only"))
    ticket = result.legs[0].ticket
    assert engine.trading.positions[ticket or 0].volume == 0.04
    reply = await run(engine, f"/partial {ticket} 50")
    assert reply.ok, reply.text()
    assert engine.trading.positions[ticket or 0].volume == 0.02
    assert engine.trading.meta(ticket or 0)["last_partial"] == "MANUAL_PARTIAL"
    assert "under 0.01" in await refused(engine, f"/partial {ticket} 10")
    assert "out of range" in await refused(engine, f"/partial {ticket} 95")
    assert (await run(engine, f"/partial {ticket} 50", confirmed=False)).needs_confirmation


async def test_chain_views_and_stopping(engine: Engine) -> None:
    await aligned(engine)
    await order_b(engine)
    await step(engine, 1.08760)  # B booked $7.04, level 1: two orders
    chain = only_chain(engine)
    chains = await run(engine, "/profit_chains")
    assert chains.table is not None
    assert chains.table.rows[0][:5] == (chain.chain_id, "EURUSD", "BUY", "combinedlogic-2",
                                        "1/2")
    status = await run(engine, "/profit_status")
    assert status.data["active"] == 1 and status.data["booked_today"] == 7.04
    menu = await run(engine, "/profit")
    assert "Active chains 1 · booked today $7.04" in menu.lines
    reply = await run(engine, f"/close_profit_chain {chain.chain_id.lower()}")
    assert reply.ok, reply.text()
    assert engine.trading is not None and engine.trading.positions == {}
    assert pyramid(engine).chains == {}
    assert pyramid(engine).finished[-1].stop_reason == "stopped by the operator"
    stats = await run(engine, "/profit_stats today")
    assert stats.data["chains"] == 1 and stats.data["booked"] == 7.04
    assert stats.table is not None and stats.table.rows[0][:3] == (
        "EURUSD", "combinedlogic-2", "1")
    assert "is not running" in await refused(engine, "/stop_profit_chain PB_EURUSD_00000000")


async def test_stop_all_profit_chains(engine: Engine) -> None:
    await aligned(engine)
    await order_b(engine)
    await order_b(engine)
    assert len(pyramid(engine).chains) == 2
    reply = await run(engine, "/stop_all_profit_chains")
    assert len(reply.data["stopped"]) == 2 and len(reply.data["closed"]) == 2
    assert pyramid(engine).chains == {}
    assert (await run(engine, "/profit_chains")).lines == (
        "No profit-booking chain is running.",)


async def test_profit_stats_by_plugin_family(engine: Engine) -> None:
    await aligned(engine)
    await order_b(engine)  # a V4 Logic 2 chain
    both = await run(engine, "/profit_stats")
    assert both.data["chains"] == 1
    v6 = await run(engine, "/profit_stats --family v6")
    assert v6.data["chains"] == 0 and v6.title.endswith("— V6")
    assert (await run(engine, "/profit_stats --family v3")).data["chains"] == 1
