"""Pilot tests of the command palette over the registry and the modals it leads to."""

from __future__ import annotations

from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import DataTable, Input, Select, Static

from console.commands import help_text, title
from console.screens.confirm import ConfirmScreen
from console.screens.params import ParamsScreen
from console.screens.result import ResultScreen
from core.commands.spec import Category, CommandContext, CommandSpec, Param, Reply
from core.engine import Engine, EngineOptions
from tests.console.support import (
    SIZE,
    console_for,
    open_palette,
    open_position,
    palette_prompts,
    settle,
    wait_running,
    wait_until,
)


async def test_discovery_lists_the_registry_in_category_order(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        palette = await open_palette(pilot)
        prompts = palette_prompts(palette)
        ours = [p for p in prompts if ": /" in p]
        assert ours == [title(spec) for spec in engine.registry.specs()]  # category order
        lines = {str(o.prompt).count("\n") for o in palette.query_one(CommandList).options
                 if ": /" in str(o.prompt)}
        assert lines == {0}  # one line each: the usage line comes with search hits
        for name in ("/status", "/pause", "/resume", "/positions", "/balance", "/closeall"):
            assert any(f": {name} — " in p for p in ours), name
        assert "Trading: /closeall — Panic close: pause, then close every system-owned " \
               "position" in ours
        order = [c.value.title() for c in Category]
        categories = [p.split(":", 1)[0] for p in ours]
        assert categories == sorted(categories, key=order.index)
        # Textual's own entries stay (App.COMMANDS | {RegistryCommands}), except its theme
        # picker: /theme switches the theme and the engine remembers it.
        assert any(p.startswith("Quit") for p in prompts)
        assert any(p.startswith("Keys") for p in prompts)


async def test_search_by_name_alias_category_and_summary(engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options))
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        palette = await open_palette(pilot, "closeall")
        assert palette_prompts(palette)[0].startswith("Trading: /closeall")
        closeall = str(palette.query_one(CommandList).options[0].prompt).split("\n")
        assert closeall[1] == help_text(app.registry.get("closeall"))
        await pilot.press("escape")
        palette = await open_palette(pilot, "panic")  # alias
        assert palette_prompts(palette)[0].startswith("Trading: /closeall")
        await pilot.press("escape")
        palette = await open_palette(pilot, "floating")  # a word of the summaries only
        found = {p.split(" — ")[0] for p in palette_prompts(palette)}
        assert {"Trading: /positions", "Trading: /equity", "Trading: /pnl"} <= found
        await pilot.press("escape")
        palette = await open_palette(pilot, "trades")  # alias of /positions
        assert any(p.startswith("Trading: /positions") for p in palette_prompts(palette))
        await pilot.press("escape")
        palette = await open_palette(pilot, "trading")  # category
        hits = palette_prompts(palette)
        ranked = [p for p in hits if p.startswith("Trading: /")]
        assert hits[:len(ranked)] == ranked  # the whole category first
        assert {p.split(" — ")[0] for p in hits if p.startswith("Trading: ")} >= {
            "Trading: /balance", "Trading: /closeall", "Trading: /positions"}
        # Determinism: the palette's own input does not blink either.
        assert palette.query_one(CommandInput).cursor_blink is False


async def test_pause_through_the_palette_with_confirmation(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        palette = await open_palette(pilot, "pause")
        assert palette_prompts(palette)[0].startswith("System: /pause")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        confirm = app.screen
        assert str(confirm.query_one("#confirm-command", Static).content) == "/pause"
        assert "Blocks every new order" in str(confirm.query_one("#confirm-effect",
                                                                  Static).content)
        assert engine.trading is not None and not engine.trading.paused
        await pilot.click("#confirm")
        header = app.dashboard.header
        await wait_until(pilot, lambda: header.state_text == "PAUSED · MANUAL", what="PAUSED")
        assert header.query_one("#trading").has_class("-paused")
        assert engine.trading.paused


async def test_escape_cancels_the_confirmation(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await open_palette(pilot, "pause")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen),
                         what="modal closed")
        await settle(pilot, app, "commands")
        assert engine.trading is not None and not engine.trading.paused
        assert app.dashboard.header.state_text == "RUNNING"


async def test_closeall_through_the_palette_empties_the_positions_pane(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await open_position(engine)
        table = app.dashboard.positions.table
        await wait_until(pilot, lambda: table.row_count == 1, what="one position row")
        await open_palette(pilot, "closeall")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.click("#confirm")
        await wait_until(pilot, lambda: table.row_count == 0, what="empty positions pane")
        assert engine.trading is not None and engine.trading.positions == {}
        await wait_until(pilot, lambda: app.dashboard.header.state_text == "PAUSED · PANIC",
                         what="PANIC pause")


async def test_table_reply_opens_the_result_modal(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        await open_position(engine)
        await open_palette(pilot, "/positions")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ResultScreen), what="result")
        table = app.screen.query_one("#result-table", DataTable)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[1]) == "EURUSD"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ResultScreen),
                         what="result closed")


async def test_plain_reply_is_a_toast(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    app = console_for(engine)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_running(pilot)
        await open_palette(pilot, "balance")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app._notifications), what="toast")
        note = list(app._notifications)[-1]
        assert note.title == "Balance"
        assert "Balance $10,000.00 (PAPER)" in note.message
        assert not isinstance(app.screen, (ResultScreen, ConfirmScreen, CommandPalette))


def _limit_spec(seen: list[dict[str, object]]) -> CommandSpec:
    async def handler(ctx: CommandContext) -> Reply:
        seen.append(dict(ctx.args))
        return Reply(title="Limit set", lines=(f"{ctx.args['scope']} {ctx.args['amount']}",))

    return CommandSpec(
        "testlimit", Category.RISK, "Set a test limit", handler,
        params=(Param("scope", "choice", choices=("daily", "lifetime")),
                Param("amount", "amount", kind="float", minimum=10, maximum=5000,
                      presets=("100", "500"), help="dollars")))


async def test_required_params_use_the_modal_with_inline_errors(
        engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    seen: list[dict[str, object]] = []
    engine.registry.add(_limit_spec(seen))
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        palette = await open_palette(pilot, "testlimit")
        assert palette_prompts(palette)[0] == "Risk: /testlimit — Set a test limit"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ParamsScreen), what="params")
        screen = app.screen
        assert isinstance(screen, ParamsScreen)
        assert screen.query_one("#param-scope", Select)
        amount = screen.query_one("#param-amount", Input)
        assert amount.cursor_blink is False
        # Nothing chosen: both fields report, nothing runs.
        await pilot.click("#run")
        assert "a value is required" in str(screen.query_one("#error-scope", Static).content)
        assert "a value is required" in str(screen.query_one("#error-amount", Static).content)
        # Out of range: the registry's own message, inline.
        await pilot.pause()
        screen.query_one("#param-scope", Select).value = "daily"
        amount.value = "9999"
        amount.focus()
        await pilot.press("enter")  # Enter in a field submits the form too
        assert "out of range (allowed 10–5000)" in str(
            screen.query_one("#error-amount", Static).content)
        assert seen == []
        # A preset fills the input; Run executes the canonical line.
        await pilot.pause()
        await pilot.click("#preset-amount-1")
        assert amount.value == "500"
        await pilot.pause()
        await pilot.click("#run")
        await wait_until(pilot, lambda: bool(seen), what="command run")
        assert seen == [{"scope": "daily", "amount": 500.0}]
        assert not isinstance(app.screen, ParamsScreen)


async def test_params_modal_escape_runs_nothing(engine_options: EngineOptions) -> None:
    engine = Engine(engine_options)
    seen: list[dict[str, object]] = []
    engine.registry.add(_limit_spec(seen))
    app = console_for(engine)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        app.start_command("testlimit")
        await wait_until(pilot, lambda: isinstance(app.screen, ParamsScreen), what="params")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ParamsScreen),
                         what="closed")
        await settle(pilot, app, "commands")
        assert seen == []
