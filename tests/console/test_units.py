"""Unit tests without a running app: formatting, themes, palette titles, event coalescing."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.message import Message
from textual.message_pump import MessagePump

from console.commands import help_text, search_texts, title
from console.event_pump import EventPump
from console.formatting import (
    money,
    pnl_class,
    pnl_variable,
    price,
    service_text,
    signed,
    signed_money,
    toast_severity,
)
from console.messages import (
    AccountChanged,
    LogBatch,
    PositionsUpdated,
    ServiceUpdated,
    ThemeSettingChanged,
)
from core.commands.catalog import build_registry
from core.domain.enums import Severity
from core.domain.orders import Account
from core.engine import Engine, EngineOptions
from core.events import (
    AccountUpdated,
    ConfigChanged,
    LogEmitted,
    PositionsChanged,
    QuotesUpdated,
    ServiceStateChanged,
)
from themes import SEMANTIC_FALLBACKS, STYLESHEETS, THEMES, theme_variable_defaults
from themes.builtin import V5_HIGH_CONTRAST


def test_money_formats() -> None:
    assert money(10000) == "$10,000.00"
    assert money(None) == "—"
    assert signed_money(3.4) == "+$3.40"
    assert signed_money(-1234.5) == "-$1,234.50"
    assert signed_money(0.001) == "$0.00"
    assert signed(-1.2) == "-1.20" and signed(20) == "+20.00" and signed(0) == "0.00"
    assert price(1.0845, 5) == "1.08450" and price(None) == "—" and price(0.0) == "—"


def test_pnl_and_severity_mapping() -> None:
    assert pnl_variable(1) == "pnl-profit" and pnl_class(1) == "-profit"
    assert pnl_variable(-1) == "pnl-loss" and pnl_class(-0.5) == "-loss"
    assert pnl_variable(0) == "pnl-flat" and pnl_class(None) == "-flat"
    assert toast_severity(False, Severity.INFO) == "error"
    assert toast_severity(True, Severity.CRITICAL) == "warning"
    assert toast_severity(True, Severity.INFO) == "information"


def test_service_text_drops_the_repeated_prefix() -> None:
    assert service_text("Webhook", False, "webhook DOWN: cannot bind 0.0.0.0:80: in use") == \
        "Webhook DOWN · cannot bind 0.0.0.0:80: in use"
    assert service_text("MT5", True, "simulated terminal (paper)") == \
        "MT5 UP · simulated terminal (paper)"


def test_themes_define_every_semantic_variable() -> None:
    names = [theme.name for theme in THEMES]
    assert names == ["v5-dark", "v5-light", "v5-high-contrast"]
    for theme in THEMES:
        assert set(theme.variables) == set(SEMANTIC_FALLBACKS), theme.name
    assert all(path.is_file() and path.suffix == ".tcss" for path in STYLESHEETS)
    colors = THEMES[0].to_color_system().generate()
    defaults = theme_variable_defaults(colors)
    assert defaults["pnl-profit"] == colors["success"]
    assert set(defaults) == set(SEMANTIC_FALLBACKS)


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of `#RRGGBB`."""
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_high_contrast_theme_reaches_wcag_aaa() -> None:
    """Every colour of the high-contrast theme (P&L, health, trading state, log levels, pane
    borders, the base text colours) is at least 7:1 against its black background."""
    theme = V5_HIGH_CONTRAST
    assert theme.background == "#000000" and theme.dark
    background = _luminance(theme.background)
    colours = {**theme.variables, "foreground": theme.foreground, "primary": theme.primary,
               "warning": theme.warning, "error": theme.error, "success": theme.success}
    for name, colour in colours.items():
        assert colour is not None and len(colour) == 7, name  # opaque: no blended borders
        ratio = (_luminance(colour) + 0.05) / (background + 0.05)
        assert ratio >= 7, f"{name} {colour}: {ratio:.1f}:1"
    assert theme.variables["pnl-profit"] != theme.variables["pnl-loss"]
    assert len({theme.variables[n] for n in ("health-up", "health-degraded",
                                             "health-down")}) == 3


def test_stylesheets_name_no_raw_colours() -> None:
    import re

    for path in STYLESHEETS:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgb\(|hsl\(", text), path.name


def test_palette_titles_and_search_texts() -> None:
    registry = build_registry()
    closeall = registry.get("closeall")
    assert title(closeall) == ("Trading: /closeall — Panic close: pause, then close every "
                               "system-owned position")
    assert "/panic" in search_texts(closeall)
    assert help_text(closeall) == "/closeall · aliases /panic · asks for confirmation"
    assert help_text(registry.get("help")).startswith("/help [")


class Recorder(MessagePump):
    """A message target that only records what it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Message] = []

    def post_message(self, message: Message) -> bool:
        self.posted.append(message)
        return True


def _account(balance: float) -> Account:
    return Account(1, balance, balance, 0, balance, 0, 0)


def test_pump_coalesces_a_burst(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    target = Recorder()
    pump = EventPump(engine, target)
    when = datetime(2025, 11, 26, 8, 35, 12, tzinfo=UTC)
    for n in range(50):
        engine.bus.publish(AccountUpdated(_account(10000 + n)))
        engine.bus.publish(PositionsChanged(()))
        engine.bus.publish(QuotesUpdated((("EURUSD", 1.0, 1.1),)))
        engine.bus.publish(LogEmitted(when, "INFO", "core.test", f"line {n}"))
    engine.bus.publish(ServiceStateChanged("webhook", True, "up"))
    engine.bus.publish(ServiceStateChanged("webhook", False, "down"))
    assert pump.flush() == 152  # quotes are not even queued for the console
    kinds = [type(m) for m in target.posted]
    assert kinds == [LogBatch, ServiceUpdated, AccountChanged, PositionsUpdated]
    log_batch, service, account, _positions = target.posted
    assert isinstance(log_batch, LogBatch) and len(log_batch.records) == 50
    assert isinstance(service, ServiceUpdated) and service.detail == "down"
    assert isinstance(account, AccountChanged) and account.account.balance == 10049
    assert pump.flush() == 0
    # Config changes: only display.theme concerns the console, and only the newest value.
    engine.bus.publish(ConfigChanged("display.theme", "light", "/theme light"))
    engine.bus.publish(ConfigChanged("voice.enabled", True, "/voice on"))
    engine.bus.publish(ConfigChanged("display.theme", "high-contrast", "/theme"))
    target.posted.clear()
    assert pump.flush() == 3
    assert len(target.posted) == 1 and isinstance(target.posted[0], ThemeSettingChanged)
    assert target.posted[0].value == "high-contrast"
    pump.close()
    assert engine.bus.subscriptions == []
