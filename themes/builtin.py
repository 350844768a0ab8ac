"""Provides the console's Textual themes, v5-dark (default) and v5-light."""

from __future__ import annotations

from textual.theme import Theme

V5_DARK = Theme(
    name="v5-dark",
    primary="#4C9EEB",
    secondary="#7A88CF",
    accent="#E3A84F",
    warning="#D9A03B",
    error="#E5534B",
    success="#3FB950",
    foreground="#D6DEE6",
    background="#0E1217",
    surface="#151B22",
    panel="#1D2631",
    dark=True,
    variables={
        "pnl-profit": "#3FB950",
        "pnl-loss": "#F4655C",
        "pnl-flat": "#8B949E",
        "health-up": "#3FB950",
        "health-degraded": "#D9A03B",
        "health-down": "#F4655C",
        "trading-running": "#3FB950",
        "trading-paused": "#E3A84F",
        "trading-starting": "#8B949E",
        "mode-paper": "#6CB6FF",
        "mode-live": "#FF7B72",
        "log-debug": "#6E7681",
        "log-info": "#AEB8C2",
        "log-warning": "#D9A03B",
        "log-error": "#F4655C",
        "log-time": "#6E7681",
        "brand": "#4C9EEB",
    },
)
"""Dark theme for the trading PC (the default)."""

V5_LIGHT = Theme(
    name="v5-light",
    primary="#0969DA",
    secondary="#6639BA",
    accent="#BC4C00",
    warning="#9A6700",
    error="#CF222E",
    success="#1A7F37",
    foreground="#1F2328",
    background="#F6F8FA",
    surface="#FFFFFF",
    panel="#E4E9EF",
    dark=False,
    variables={
        "pnl-profit": "#1A7F37",
        "pnl-loss": "#CF222E",
        "pnl-flat": "#59636E",
        "health-up": "#1A7F37",
        "health-degraded": "#9A6700",
        "health-down": "#CF222E",
        "trading-running": "#1A7F37",
        "trading-paused": "#9A6700",
        "trading-starting": "#59636E",
        "mode-paper": "#0969DA",
        "mode-live": "#CF222E",
        "log-debug": "#818B98",
        "log-info": "#1F2328",
        "log-warning": "#9A6700",
        "log-error": "#CF222E",
        "log-time": "#818B98",
        "brand": "#0969DA",
    },
)
"""Light theme for bright rooms."""
