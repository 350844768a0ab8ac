"""Provides the console's themes, stylesheets and app-specific semantic theme variables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from textual.theme import Theme

from themes.builtin import V5_DARK, V5_LIGHT

__all__ = [
    "DEFAULT_THEME",
    "SEMANTIC_FALLBACKS",
    "STYLESHEETS",
    "THEMES",
    "theme_variable_defaults",
]

THEMES: tuple[Theme, ...] = (V5_DARK, V5_LIGHT)
"""Every theme this package defines; register them all with `App.register_theme`."""

DEFAULT_THEME = V5_DARK.name
"""The theme the console starts with."""

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
}
"""App-specific variables and the Textual colour each falls back to in a foreign theme."""


def theme_variable_defaults(colors: Mapping[str, str]) -> dict[str, str]:
    """Values of the semantic variables for a theme that does not define them.

    `colors` is the theme's generated colour system (`Theme.to_color_system().generate()`),
    so a built-in Textual theme chosen from the palette still gets sensible P&L and health
    colours, and no colour is written twice.
    """
    return {name: colors[base] for name, base in SEMANTIC_FALLBACKS.items()}
