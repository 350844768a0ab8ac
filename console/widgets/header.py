"""Provides the header bar: IST clock, mode, running state, account and link health."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from console.formatting import DASH, money, pnl_class, service_text, signed_money
from core.clock import Clock, fmt_header
from core.domain.orders import Account

Lifecycle = Literal["starting", "running", "failed", "stopping"]
SERVICES: dict[str, str] = {"webhook": "Webhook", "mt5": "MT5", "telegram": "Telegram"}
"""Services with a chip in the header (id → label), in display order."""
STATE_CLASSES = ("-starting", "-running", "-paused", "-failed", "-stopping")


def put(chip: Static, text: str) -> None:
    """Show `text`; a layout pass only if the chip's width changes (a price tick usually
    keeps the length, and a layout pass re-arranges the whole screen)."""
    chip.update(text, layout=len(text) != len(str(chip.content)))


class HeaderBar(Widget):
    """Three rows: identity, time, mode and state; money; the links the desk depends on."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock: Clock | None = None
        self.timezone = "Asia/Kolkata"
        self.lifecycle: Lifecycle = "starting"
        self.paused = False
        self.pause_reason: str | None = None
        self.services: dict[str, tuple[bool, str]] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="header-row", id="header-top"):
            yield Static("V5 CONSOLE", id="brand")
            yield Static(DASH, id="clock")
            yield Static(DASH, id="mode")
            yield Static("STARTING…", id="trading", classes="-starting")
        with Horizontal(classes="header-row", id="header-bottom"):
            yield Static(f"Balance {DASH}", id="balance")
            yield Static(f"Equity {DASH}", id="equity")
            yield Static(f"Floating {DASH}", id="floating", classes="-flat")
            yield Static(f"Open {DASH}", id="open-count")
        with Horizontal(classes="header-row", id="header-links"):
            for name, label in SERVICES.items():
                yield Static(f"{label} …", id=name, classes="service -pending", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick, name="header-clock")

    # -- inputs ------------------------------------------------------------------------------
    def set_clock(self, clock: Clock, timezone: str) -> None:
        self.clock, self.timezone = clock, timezone
        self.tick()

    def tick(self) -> None:
        """Redraw the clock from the engine's clock (a FrozenClock in tests)."""
        if self.clock is not None:
            put(self.query_one("#clock", Static), fmt_header(self.clock.now(), self.timezone))

    def set_mode(self, mode: str) -> None:
        live = mode.lower() == "live"
        chip = self.query_one("#mode", Static)
        chip.update("LIVE · MetaTrader 5" if live else "PAPER · simulated terminal")
        chip.set_class(live, "-live")
        chip.set_class(not live, "-paper")

    def set_lifecycle(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self._show_state()
        if lifecycle == "failed":
            for name, label in SERVICES.items():
                chip = self.query_one(f"#{name}", Static)
                if chip.has_class("-pending"):
                    chip.update(f"{label} {DASH}")

    def set_trading(self, paused: bool, reason: str | None) -> None:
        self.paused, self.pause_reason = paused, reason
        self._show_state()

    def set_account(self, account: Account) -> None:
        put(self.query_one("#balance", Static), f"Balance {money(account.balance)}")
        put(self.query_one("#equity", Static), f"Equity {money(account.equity)}")
        floating = self.query_one("#floating", Static)
        put(floating, f"Floating {signed_money(account.profit)}")
        for cls in ("-profit", "-loss", "-flat"):
            floating.set_class(cls == pnl_class(account.profit), cls)

    def set_open_count(self, count: int) -> None:
        put(self.query_one("#open-count", Static), f"Open {count}")

    def set_service(self, name: str, up: bool, detail: str) -> None:
        self.services[name] = (up, detail)
        if name not in SERVICES:
            return
        chip = self.query_one(f"#{name}", Static)
        off = not up and detail.strip().lower() == "off"
        chip.update(f"{SERVICES[name]} OFF" if off else service_text(SERVICES[name], up, detail))
        chip.tooltip = detail
        for cls, wanted in (("-pending", False), ("-up", up), ("-down", not up and not off),
                            ("-off", off)):
            chip.set_class(wanted, cls)

    # -- rendering ---------------------------------------------------------------------------
    @property
    def state_text(self) -> str:
        if self.lifecycle == "starting":
            return "STARTING…"
        if self.lifecycle == "failed":
            return "START FAILED"
        if self.lifecycle == "stopping":
            return "STOPPING…"
        if self.paused:
            return f"PAUSED · {self.pause_reason}" if self.pause_reason else "PAUSED"
        return "RUNNING"

    def _show_state(self) -> None:
        chip = self.query_one("#trading", Static)
        chip.update(self.state_text)
        wanted = "-" + (self.lifecycle if self.lifecycle != "running"
                        else ("paused" if self.paused else "running"))
        for cls in STATE_CLASSES:
            chip.set_class(cls == wanted, cls)
