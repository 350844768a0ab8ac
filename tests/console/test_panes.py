"""Pilot tests of the panes: positions, log and header, fed only by the event pump."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from rich.text import Text
from textual.widgets import Static

from console.formatting import theme_style
from core.engine import Engine, EngineOptions
from core.events import LogEmitted
from tests.console.support import (
    SIZE,
    SMALL,
    console_for,
    move_price,
    open_position,
    wait_running,
    wait_until,
)


def _log_text(app: object) -> str:
    from console.app import V5ConsoleApp

    assert isinstance(app, V5ConsoleApp)
    return "\n".join(line.text for line in app.dashboard.log_pane.view.lines())


async def test_positions_pane_shows_the_open_position(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await open_position(engine)
        pane = app.dashboard.positions
        await wait_until(pilot, lambda: pane.table.row_count == 1, what="row")
        row = [str(cell) for cell in pane.table.get_row_at(0)]
        assert row == ["10000001", "EURUSD", "BUY", "A", "0.10", "1.08452", "1.08052",
                       "1.09052", "-1.20", "v4-logic1", "RE L0/5"]  # its re-entry chain
        assert pane.border_title == "Positions · 1 open"
        assert pane.border_subtitle == "floating -$1.20"
        pnl = pane.table.get_row_at(0)[8]
        assert isinstance(pnl, Text)
        assert pnl.style == theme_style(app.theme_variables, "pnl-loss", bold=True)
        assert str(app.dashboard.header.query_one("#open-count", Static).content) == "Open 1"
        # The price moves: the same row is updated in place, now in profit colours.
        await move_price(engine, "EURUSD", 1.08652, 1.08664)
        await wait_until(pilot, lambda: str(pane.table.get_row_at(0)[8]) == "+20.00",
                         what="P&L update")
        pnl = pane.table.get_row_at(0)[8]
        assert isinstance(pnl, Text)
        assert pnl.style == theme_style(app.theme_variables, "pnl-profit", bold=True)
        floating = app.dashboard.header.query_one("#floating", Static)
        await wait_until(pilot, lambda: floating.has_class("-profit"), what="header P&L")
        assert str(floating.content) == "Floating +$20.00"


async def test_log_pane_shows_engine_log_lines(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await wait_until(pilot, lambda: "Trading system started (paper mode)" in _log_text(app),
                         what="start-up line")
        text = _log_text(app)
        assert "INFO" in text and "core.engine" in text
        assert "start-up broker: ok" in text
        # Records are text, never markup, and keep their level colour.
        engine.bus.publish(LogEmitted(datetime(2025, 11, 26, 8, 40, tzinfo=UTC), "ERROR",
                                      "core.test", "bad [bold]symbol[/bold] [x"))
        await wait_until(pilot, lambda: "bad [bold]symbol[/bold] [x" in _log_text(app),
                         what="escaped line")
        assert "14:10:00 ERROR" in _log_text(app)
        record = next(r for r in app.dashboard.log_pane.records if r.logger == "core.test")
        line = app.dashboard.log_pane.line(record)
        error_style = theme_style(app.theme_variables, "log-error")
        assert any(span.style == error_style for span in line.spans)


async def test_log_pane_recolours_on_theme_change(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.log_pane
        await wait_until(pilot, lambda: len(pane.records) > 3, what="log lines")
        dark = theme_style(app.theme_variables, "log-info")
        app.theme = "v5-light"
        await pilot.pause()
        await pilot.pause()
        light = theme_style(app.theme_variables, "log-info")
        assert dark != light
        assert len(pane.view.lines()) >= len(pane.records)
        # A foreign Textual theme still gets every semantic variable (from its own colours).
        app.theme = "nord"
        await pilot.pause()
        assert app.theme_variables["pnl-profit"] == app.theme_variables["success"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port with a listener on it, so the engine's webhook cannot bind."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


async def test_header_shows_webhook_down_with_the_reason(engine_options: EngineOptions,
                                                         taken_port: int) -> None:
    options = replace(engine_options, webhook=True, host="127.0.0.1", port=taken_port)
    engine = Engine(options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        chip = app.dashboard.header.query_one("#webhook", Static)
        await wait_until(pilot, lambda: chip.has_class("-down"), what="webhook DOWN")
        text = str(chip.content)
        assert text.startswith(f"Webhook DOWN · cannot bind 127.0.0.1:{taken_port}")
        assert "in use" in text.lower()
        assert engine.services["webhook"][0] is False


async def test_header_shows_webhook_up(engine_options: EngineOptions) -> None:
    options = replace(engine_options, webhook=True, host="127.0.0.1", port=0)
    engine = Engine(options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        chip = app.dashboard.header.query_one("#webhook", Static)
        await wait_until(pilot, lambda: chip.has_class("-up"), what="webhook UP")
        assert str(chip.content).startswith("Webhook UP · listening on 127.0.0.1:")


async def test_layout_fits_100_by_30(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SMALL) as pilot:
        await wait_running(pilot)
        await open_position(engine)
        pane = app.dashboard.positions
        await wait_until(pilot, lambda: pane.table.row_count == 1, what="row")
        await pilot.pause()
        header = app.dashboard.header
        for chip_id in ("#clock", "#mode", "#trading", "#balance", "#equity", "#floating"):
            chip = header.query_one(chip_id, Static)
            assert chip.region.right <= SMALL[0], chip_id
            assert chip.region.width >= len(str(chip.content)), chip_id
        # Every table column is visible without horizontal scrolling.
        assert pane.table.virtual_size.width <= pane.table.size.width
        assert app.dashboard.log_pane.region.height >= 6
        assert pane.region.height >= 6


async def test_header_in_live_mode_without_metatrader(engine_options: EngineOptions) -> None:
    """No MetaTrader5 package here: LIVE starts paused with MT5 DOWN and the reason."""
    overrides = {**engine_options.config_overrides, "mt5.connect_retries": 1,
                 "mt5.connect_retry_delay_seconds": 0}
    engine = Engine(replace(engine_options, mode="live", config_overrides=overrides))
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        header = app.dashboard.header
        mode = header.query_one("#mode", Static)
        assert str(mode.content) == "LIVE · MetaTrader 5" and mode.has_class("-live")
        await wait_until(pilot, lambda: header.state_text == "PAUSED · MT5_DOWN", what="paused")
        chip = header.query_one("#mt5", Static)
        await wait_until(pilot, lambda: chip.has_class("-down"), what="MT5 DOWN")
        assert str(chip.content).startswith("MT5 DOWN · ")
        assert len(str(chip.content)) > len("MT5 DOWN · ")


async def test_signals_pane_shows_each_alert_with_outcome_and_reason(
        engine_options: EngineOptions) -> None:
    from tests.engine.helpers import legacy

    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        assert engine.intake is not None
        engine.intake.receive(legacy("trend", "bull", "1h"))
        engine.intake.receive(legacy("entry", "sell", "15m"))
        await engine.intake.queue.join()
        pane = app.dashboard.signals
        await wait_until(pilot, lambda: pane.table.row_count == 2, what="two signal rows")
        newest = [str(cell) for cell in pane.table.get_row_at(0)]
        oldest = [str(cell) for cell in pane.table.get_row_at(1)]
        assert newest == ["14:05:12", "LEGACY", "SELL_SIGNAL EURUSD 15m @ 1.084", "blocked",
                          "TREND_MISALIGNED"]
        assert oldest[2:] == ["TREND_UPDATE EURUSD 1h @ 1.084", "executed", "TREND_UPDATED"]
        assert pane.border_subtitle == "2 shown · 1 executed"
        outcome = pane.table.get_row_at(0)[3]
        assert isinstance(outcome, Text)
        assert outcome.style == theme_style(app.theme_variables, "health-degraded")


async def test_signal_log_so_far_is_shown_at_start(engine_options: EngineOptions) -> None:
    from tests.engine.helpers import legacy

    first = Engine(engine_options)
    await first.start()
    assert first.intake is not None
    first.intake.receive(legacy("entry", "buy", "15m", symbol="DOGEUSD"))  # refused at intake
    await first.stop()
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.signals
        await wait_until(pilot, lambda: pane.table.row_count == 1, what="stored signal")
        row = [str(cell) for cell in pane.table.get_row_at(0)]
        assert row[1] == "LEGACY" and row[3:] == ["rejected", "UNKNOWN_SYMBOL"]


async def test_log_pane_filters_by_level(engine_options: EngineOptions) -> None:
    """`f` in the log pane steps the lowest level shown: DEBUG (all) → INFO → WARNING →
    ERROR → DEBUG; every record is kept, so lowering the level shows them again."""
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        pane = app.dashboard.log_pane
        pane.clear()
        for level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            engine.bus.publish(LogEmitted(datetime(2025, 11, 26, 8, 40, tzinfo=UTC), level,
                                          "core.test", f"a {level.lower()} line"))
        await wait_until(pilot, lambda: "a critical line" in _log_text(app), what="records")
        shown: list[list[str]] = []
        pane.view.focus()
        for _ in range(4):
            await pilot.press("f")
            await pilot.pause()
            shown.append([r.message.split()[1] for r in pane.shown()
                          if r.logger == "core.test"])
            text = _log_text(app)
            assert all(f"a {word} line" in text for word in shown[-1])
        assert shown == [["info", "warning", "error", "critical"],
                         ["warning", "error", "critical"], ["error", "critical"],
                         ["debug", "info", "warning", "error", "critical"]]
        assert "a debug line" in _log_text(app)
        await pilot.press("f", "f")
        assert pane.border_subtitle == "WARNING and above · f filters"
        assert "a info line" not in _log_text(app) and "a warning line" in _log_text(app)
