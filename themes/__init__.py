"""Provides the console's themes, stylesheets and app-specific semantic theme variables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from textual.theme import Theme

from themes.builtin import V5_DARK, V5_HIGH_CONTRAST, V5_LIGHT

__all__ = [
    "DEFAULT_THEME",
    "SETTING_THEMES",
    "SEMANTIC_FALLBACKS",
    "STYLESHEETS",
    "THEMES",
    "theme_for_setting",
    "theme_variable_defaults",
]

THEMES: tuple[Theme, ...] = (V5_DARK, V5_LIGHT, V5_HIGH_CONTRAST)
"""Every theme this package defines; register them all with `App.register_theme`."""

DEFAULT_THEME = V5_DARK.name
"""The theme of the first frame, and of an unknown `display.theme` value."""

SETTING_THEMES: Mapping[str, str] = {
    "dark": V5_DARK.name,
    "light": V5_LIGHT.name,
    "high-contrast": V5_HIGH_CONTRAST.name,
}
"""`display.theme` values (what `/theme` stores) → Textual theme names."""

_HERE = Path(__file__).resolve().parent
STYLESHEETS: tuple[Path, ...] = (_HERE / "base.tcss", _HERE / "panes.tcss")
"""Stylesheets for `App.CSS_PATH`, in load order."""

SEMANTIC_FALLBACKS: Mapping[str, str] = {
    "pnl-profit": "success",
    "pnl-loss": "error",
    "pnl-flat": "foreground-darken-3",
    "health-up": "success",
    "health-degraded": "warning",
    "health-down": "error",
    "trading-running": "success",
    "trading-paused": "warning",
    "trading-starting": "foreground-darken-3",
    "mode-paper": "primary",
    "mode-live": "error",
    "log-debug": "foreground-darken-3",
    "log-info": "foreground",
    "log-warning": "warning",
    "log-error": "error",
    "log-time": "foreground-darken-3",
    "brand": "primary",
    "pane-border": "primary-muted",
}
"""App-specific variables and the Textual colour each falls back to in a foreign theme."""


def theme_variable_defaults(colors: Mapping[str, str]) -> dict[str, str]:
    """Values of the semantic variables for a theme that does not define them.

    `colors` is the theme's generated colour system (`Theme.to_color_system().generate()`),
    so a built-in Textual theme chosen from the palette still gets sensible P&L and health
    colours, and no colour is written twice.
    """
    return {name: colors[base] for name, base in SEMANTIC_FALLBACKS.items()}


def theme_for_setting(value: str) -> str:
    """The Textual theme for a `display.theme` value; the default for an unknown one."""
    return SETTING_THEMES.get(value, DEFAULT_THEME)
