"""Provides pure formatting helpers turning engine values into console text and styles."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.notifications import SeverityLevel

from core.domain.enums import Severity

DASH = "—"
"""Shown where a value is unknown (no account yet, no SL...)."""


def money(value: float | None) -> str:
    """`$10,000.00`, or a dash when unknown."""
    return DASH if value is None else f"${value:,.2f}"


def signed_money(value: float | None) -> str:
    """`+$3.40` / `-$12.00` / `$0.00`."""
    if value is None:
        return DASH
    if abs(value) < 0.005:
        return "$0.00"
    return f"{'+' if value > 0 else '-'}${abs(value):,.2f}"


def signed(value: float) -> str:
    """`+3.40` / `-12.00` / `0.00` (P&L inside a table)."""
    if abs(value) < 0.005:
        return "0.00"
    return f"{value:+,.2f}"


def price(value: float | None, digits: int = 5) -> str:
    """A quote at the symbol's precision; a dash for an unset SL or TP."""
    if value is None or value == 0:
        return DASH
    return f"{value:.{digits}f}"


def lots(volume: float) -> str:
    return f"{volume:.2f}"


def pnl_variable(value: float | None) -> str:
    """The semantic theme variable colouring a profit or loss."""
    if value is None or abs(value) < 0.005:
        return "pnl-flat"
    return "pnl-profit" if value > 0 else "pnl-loss"


def pnl_class(value: float | None) -> str:
    """CSS class for a widget showing a profit or loss (`-profit`, `-loss`, `-flat`)."""
    return "-" + pnl_variable(value).removeprefix("pnl-")


LEVEL_VARIABLES: Mapping[str, str] = {
    "DEBUG": "log-debug",
    "INFO": "log-info",
    "WARNING": "log-warning",
    "ERROR": "log-error",
    "CRITICAL": "log-error",
}
"""Log level → semantic theme variable."""


def level_variable(level: str) -> str:
    return LEVEL_VARIABLES.get(level.upper(), "log-info")


def theme_style(variables: Mapping[str, str], name: str, *, bold: bool = False) -> Style:
    """A Rich style in the colour of theme variable `name` (no colour is written in Python)."""
    value = variables.get(name)
    if not value:
        return Style(bold=bold)
    try:
        color = Color.parse(value)
    except ColorParseError:
        return Style(bold=bold)
    return Style(color=color.rich_color, bold=bold)


def styled(text: str, variables: Mapping[str, str], name: str, *, bold: bool = False) -> Text:
    """Plain text (never parsed as markup) in a theme colour."""
    return Text(text, style=theme_style(variables, name, bold=bold))


def toast_severity(ok: bool, severity: Severity) -> SeverityLevel:
    """Textual notification severity for a reply."""
    if not ok:
        return "error"
    if severity in (Severity.HIGH, Severity.CRITICAL):
        return "warning"
    return "information"


def service_text(name: str, up: bool, detail: str) -> str:
    """`webhook UP · 0.0.0.0:80` / `webhook DOWN · port 80 in use`."""
    reason = detail
    for prefix in (f"{name} DOWN:", f"{name} UP:", f"{name}:"):
        if reason.lower().startswith(prefix.lower()):
            reason = reason[len(prefix):].strip()
    state = "UP" if up else "DOWN"
    return f"{name} {state}" + (f" · {reason}" if reason else "")
