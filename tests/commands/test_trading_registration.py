"""Every TRADING command of SPEC §10.2.2 is registered with SPEC's flags and aliases."""

from __future__ import annotations

from core.commands.catalog import build_registry
from core.commands.spec import Category

# name → (admin, confirm, aliases); SPEC table §10.2.2
TRADING: dict[str, tuple[bool, bool, tuple[str, ...]]] = {
    "trade": (False, False, ()), "buy": (False, True, ()), "sell": (False, True, ()),
    "close": (False, True, ()), "closeall": (False, True, ("panic",)),
    "positions": (False, False, ("trades",)), "orders": (False, False, ()),
    "history": (False, False, ()), "pnl": (False, False, ()), "balance": (False, False, ()),
    "equity": (False, False, ()), "margin": (False, False, ()), "symbols": (False, False, ()),
    "price": (False, False, ()), "spread": (False, False, ()),
}
PARAMS = {"buy": ["symbol", "lot", "sl_pips", "tp_pips"],
          "sell": ["symbol", "lot", "sl_pips", "tp_pips"], "close": ["ticket"],
          "price": ["symbol"], "spread": ["symbol"], "pnl": ["period"], "history": ["days"]}


def test_all_fifteen_trading_commands_are_registered_with_spec_flags() -> None:
    registry = build_registry()
    assert sorted(s.name for s in registry.specs(Category.TRADING)) == sorted(TRADING)
    assert len(TRADING) == 15
    aliases = registry.aliases()
    for name, (admin, confirm, names) in TRADING.items():
        spec = registry.get(name)
        assert (spec.admin, spec.needs_confirmation({})) == (admin, confirm), name
        assert [p.name for p in spec.params] == PARAMS.get(name, []), name
        for alias in names:
            assert aliases[alias] == (name, ()), alias
    assert {s.name for s in registry.specs(Category.TRADING) if s.plugin_aware} == {
        "positions", "orders", "history", "pnl"}


def test_manual_order_parameters_have_spec_ranges() -> None:
    registry = build_registry()
    lot = registry.get("buy").params[1]
    assert (lot.minimum, lot.maximum, lot.kind) == (0.01, 10, "float")
    sl, tp = registry.get("sell").params[2:]
    assert not sl.required and not tp.required
    assert registry.get("pnl").params[0].choices == ("today", "week", "month")
