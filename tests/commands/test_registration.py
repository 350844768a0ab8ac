"""Every STRATEGY and TIMEFRAME command of SPEC §10.2.4/§10.2.5 (and the PLUGIN subset built
here) is registered with SPEC's admin and confirmation flags and aliases."""

from __future__ import annotations

from typing import Any

import pytest

from core.commands.catalog import build_registry
from core.commands.spec import Category, CommandSpec

# name → (admin, confirm, {alias: pre-filled args}); SPEC tables §10.2.4, §10.2.5, §10.2.10.
STRATEGY: dict[str, tuple[bool, bool, dict[str, tuple[str, ...]]]] = {
    "strategy": (False, False, {"logic_control": ()}),
    "logic1": (False, False, {"logic1_on": ("on",), "logic1_off": ("off",)}),
    "logic2": (False, False, {"logic2_on": ("on",), "logic2_off": ("off",)}),
    "logic3": (False, False, {"logic3_on": ("on",), "logic3_off": ("off",)}),
    "v3": (False, False, {}), "v6": (False, False, {}), "v6_status": (False, False, {}),
    "v6_control": (False, False, {}),
    **{f"tf{tf}_{w}": (False, False, {}) for tf in ("1m", "5m", "15m", "1h")
       for w in ("on", "off")},
    "signals": (False, False, {}), "filters": (False, False, {}),
    "multiplier": (False, False, {}), "mode": (True, True, {}),
    "signal_status": (False, False, {}), "logic_status": (False, False, {}),
}
TIMEFRAME: dict[str, tuple[bool, bool, dict[str, tuple[str, ...]]]] = {
    "timeframe": (False, False, {}), "tf1m": (False, False, {}), "tf5m": (False, False, {}),
    "tf15m": (False, False, {}), "tf1h": (False, False, {}),
    "trends": (False, False, {"show_trends": ()}), "trend_matrix": (False, False, {}),
    "set_trend": (False, True, {}), "set_auto": (False, False, {}),
    "trend_mode": (False, False, {}), "view_logic_settings": (False, False, {}),
    "reset_timeframe_default": (False, True, {}),
}
PLUGIN = {"plugin": (False, False), "plugins": (False, False), "enable": (True, True),
          "disable": (True, True), "shadow": (True, True), "compare": (False, False),
          "deps": (False, False)}
# a typical argument set per command, to evaluate conditional confirmation rules
ARGS: dict[str, dict[str, Any]] = {"mode": {"mode": "translate"}, "shadow": {"switch": "off"}}


def _confirms(spec: CommandSpec) -> bool:
    return spec.needs_confirmation(ARGS.get(spec.name, {}))


@pytest.mark.parametrize(("category", "table"), [(Category.STRATEGY, STRATEGY),
                                                 (Category.TIMEFRAME, TIMEFRAME)])
def test_spec_tables_are_registered_exactly(
        category: Category, table: dict[str, tuple[bool, bool, dict[str, tuple[str, ...]]]]
) -> None:
    registry = build_registry()
    assert sorted(s.name for s in registry.specs(category)) == sorted(table)
    aliases = registry.aliases()
    for name, (admin, confirm, expected) in table.items():
        spec = registry.get(name)
        assert (spec.admin, _confirms(spec)) == (admin, confirm), name
        for alias, args in expected.items():
            assert aliases[alias] == (name, args), alias


def test_plugin_subset_flags_and_plugin_awareness() -> None:
    registry = build_registry()
    for name, (admin, confirm) in PLUGIN.items():
        spec = registry.get(name)
        assert spec.category is Category.PLUGIN
        assert (spec.admin, _confirms(spec)) == (admin, confirm), name
    shadow = registry.get("shadow")
    assert not shadow.needs_confirmation({"switch": "on"})
    assert not shadow.needs_confirmation({"switch": "status"})
    assert shadow.needs_confirmation({})  # a toggle may turn it off
    for name in ("filters", "multiplier", "enable", "disable", "shadow", "signals"):
        assert registry.get(name).plugin_aware, name
    for name in ("strategy", "v6", "trends", "plugins", "compare"):
        assert not registry.get(name).plugin_aware, name


def test_alias_lines_resolve_to_the_canonical_command() -> None:
    registry = build_registry()
    for line, canonical in (("/logic2_off", "/logic2 off"), ("/logic3_on", "/logic3 on"),
                            ("/show_trends EURUSD", "/trends EURUSD"),
                            ("/logic_control", "/strategy")):
        assert registry.parse(line)[2] == canonical
