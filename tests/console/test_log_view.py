"""LogView: word wrapping, following the end, the entry limit, drawing only what is shown."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from console.widgets.log_view import LogView, wrap_starts


def test_wrap_breaks_after_the_last_space_that_fits() -> None:
    plain = "alert refused: duplicate of EURUSD buy within 30 s"
    starts = wrap_starts(plain, 20)
    lines = [plain[a:b].rstrip() for a, b in zip(starts, [*starts[1:], len(plain)],
                                                   strict=True)]
    assert lines == ["alert refused:", "duplicate of EURUSD", "buy within 30 s"]
    assert all(len(line) <= 20 for line in lines)


def test_wrap_cuts_a_word_longer_than_the_line_and_breaks_at_newlines() -> None:
    assert wrap_starts("x" * 25, 10) == [0, 10, 20]
    assert wrap_starts("one\ntwo", 80) == [0, 4]
    assert wrap_starts("short", 80) == [0]
    assert wrap_starts("anything at all", 0) == [0]


def test_wrap_counts_wide_characters_as_two_cells() -> None:
    plain = "注文" * 6  # 12 characters, 24 cells
    starts = wrap_starts(plain, 10)
    assert starts == [0, 5, 10]


class LogApp(App[None]):
    def __init__(self, limit: int = 1000) -> None:
        super().__init__()
        self.formatted: list[str] = []
        self.limit = limit

    def format(self, entry: str) -> Text:
        self.formatted.append(entry)
        return Text(entry)

    def compose(self) -> ComposeResult:
        yield LogView(self.format, limit=self.limit, id="view")

    @property
    def view(self) -> LogView[str]:
        return self.query_one("#view", LogView)


async def test_lines_wrap_at_the_view_width_and_the_view_follows_the_end() -> None:
    app = LogApp()
    async with app.run_test(size=(30, 8)) as pilot:
        view = app.view
        view.append(f"entry {n} " + "word " * 8 for n in range(20))
        await pilot.pause()
        assert view.wrap_width == view.scrollable_content_region.width == 28  # a scrollbar
        texts = [line.text for line in view.lines()]
        assert texts[0] == "entry 0 word word word word"
        assert len(texts) == view.line_count == 40
        assert view.is_vertical_scroll_end and view.scroll_offset.y == 40 - 8
        view.scroll_to(y=0, animate=False)
        await pilot.pause()
        view.append(["one more"])
        await pilot.pause()
        assert view.scroll_offset.y == 0  # scrolled back to read: it stays there
        assert view.line_count == 41


async def test_only_the_lines_on_screen_are_drawn() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.view
        await pilot.pause()
        view.append(f"line {n}" for n in range(1000))  # each formatted once, to count lines
        await pilot.pause()
        drawn = app.formatted[1000:]
        assert 0 < len(drawn) <= 10
        assert set(drawn) <= {f"line {n}" for n in range(990, 1000)}


async def test_the_oldest_entries_go_past_the_limit() -> None:
    app = LogApp(limit=5)
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.view
        view.append(str(n) for n in range(8))
        await pilot.pause()
        assert list(view.entries) == ["3", "4", "5", "6", "7"]
        assert [line.text for line in view.lines()] == ["3", "4", "5", "6", "7"]
        view.replace(["a"])
        assert [line.text for line in view.lines()] == ["a"]
        view.clear()
        assert view.line_count == 0


async def test_a_resize_rewraps() -> None:
    app = LogApp()
    async with app.run_test(size=(30, 8)) as pilot:
        view = app.view
        view.append(["alpha beta gamma delta epsilon zeta eta theta"])
        await pilot.pause()
        narrow = view.line_count
        await pilot.resize_terminal(80, 8)
        await pilot.pause()
        assert view.wrap_width == 78 and view.line_count == 1 < narrow
