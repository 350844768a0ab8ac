"""Provides LogView: a scrolling log that keeps its entries and draws only the lines on screen."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from itertools import islice
from typing import Generic, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

Entry = TypeVar("Entry", bound=Hashable)
CACHED_SCREENS = 3
"""Rendered lines kept, in screen heights; lines scrolled further away are drawn again."""


def wrap_starts(plain: str, width: int) -> list[int]:
    """Where each line of `plain` starts when word-wrapped at `width` cells: after the last
    space that fits, or mid-word when none does; a newline always breaks."""
    if width <= 0:
        return [0]
    starts = [0]
    for paragraph in _paragraphs(plain):
        begin, end = paragraph
        if begin:
            starts.append(begin)
        while cell_len(plain[begin:end]) > width:
            cut = _fit(plain, begin, end, width)
            space = plain.rfind(" ", begin + 1, cut + 1)
            begin = space + 1 if space > begin else cut
            starts.append(begin)
    return starts


def _paragraphs(plain: str) -> Iterable[tuple[int, int]]:
    begin = 0
    while (newline := plain.find("\n", begin)) >= 0:
        yield begin, newline
        begin = newline + 1
    yield begin, len(plain)


def _fit(plain: str, begin: int, end: int, width: int) -> int:
    """The end of the longest run from `begin` that fits in `width` cells (at least one)."""
    if plain.isascii():
        return begin + width
    used, index = 0, begin
    while index < end and used + cell_len(plain[index]) <= width:
        used += cell_len(plain[index])
        index += 1
    return max(index, begin + 1)


class LogView(ScrollView, Generic[Entry], can_focus=True):
    """The newest `limit` entries, each formatted to a `Text` and word-wrapped at the view's
    width. A RichLog renders every line it holds into strips up front and keeps them all;
    here an entry costs its line count, and only lines on screen are drawn (and a few
    screens of them cached). That keeps a long log cheap to hold, to draw and to sweep for
    the garbage collector. The view follows new entries while it is scrolled to the end.
    While the view has no width (another pane maximised), entries are wrapped at the last
    width it had, so nothing is re-wrapped when it comes back at that width."""

    DEFAULT_CSS = """
    LogView {
        overflow-y: scroll;
    }
    """

    def __init__(self, format: Callable[[Entry], Text], *, limit: int = 1000,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.format = format
        self.limit = limit
        self.entries: deque[Entry] = deque()
        self._counts: deque[int] = deque()
        """Wrapped line count of each entry, at `wrap_width`."""
        self._starts: list[int] = [0]
        """First line of each entry, and the total line count last."""
        self._starts_valid = True
        self.wrap_width = 0
        """The width the entries are wrapped at; 0 until the view first has one."""
        self._cache: dict[tuple[Entry, int], Strip] = {}

    # -- content -------------------------------------------------------------------------------
    @property
    def line_count(self) -> int:
        return self._line_starts()[-1]

    def append(self, entries: Iterable[Entry]) -> None:
        follow = self.is_vertical_scroll_end
        for entry in entries:
            self.entries.append(entry)
            self._counts.append(self._count(entry))
            if len(self.entries) > self.limit:
                self.entries.popleft()
                self._counts.popleft()
                self._starts_valid = False
        if self._starts_valid:
            self._extend_starts()
        self._resize(follow)

    def replace(self, entries: Iterable[Entry]) -> None:
        """Show these entries instead (a filter change, new colours)."""
        self.entries.clear()
        self._counts.clear()
        self._cache.clear()
        self._starts_valid = False
        self.append(entries)
        self.refresh()

    def clear(self) -> None:
        self.replace(())

    def lines(self) -> list[Strip]:
        """Every wrapped line, rendered (for inspection; the screen draws only its own)."""
        return [self._line(index) for index in range(self.line_count)]

    # -- wrapping ------------------------------------------------------------------------------
    def _count(self, entry: Entry) -> int:
        return len(wrap_starts(self.format(entry).plain, self.wrap_width))

    def _extend_starts(self) -> None:
        starts = self._starts
        for count in islice(self._counts, len(starts) - 1, None):
            starts.append(starts[-1] + count)

    def _line_starts(self) -> list[int]:
        if not self._starts_valid:
            self._starts = [0]
            self._starts_valid = True
            self._extend_starts()
        return self._starts

    def _rewrap(self, width: int) -> None:
        self.wrap_width = width
        self._counts = deque(self._count(entry) for entry in self.entries)
        self._cache.clear()
        self._starts_valid = False
        self._resize(self.is_vertical_scroll_end)
        self.refresh()

    def _resize(self, follow: bool) -> None:
        self.virtual_size = Size(self.wrap_width, self.line_count)
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self.refresh()

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self.wrap_width:
            self._rewrap(width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # -- drawing -------------------------------------------------------------------------------
    def _line(self, index: int) -> Strip:
        """Line `index` of the whole log, unclipped."""
        starts = self._line_starts()
        position = bisect_right(starts, index) - 1
        entry = self.entries[position]
        part = index - starts[position]
        key = (entry, part)
        strip = self._cache.get(key)
        if strip is None:
            text = self.format(entry)
            offsets = wrap_starts(text.plain, self.wrap_width)
            line = text.divide(offsets[1:])[part] if len(offsets) > 1 else text
            line.rstrip()
            line.remove_suffix("\n")
            line.end = ""
            strip = Strip(list(line.render(self.app.console)), line.cell_len)
            if len(self._cache) >= CACHED_SCREENS * max(self.size.height, 10):
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        style = self.rich_style
        index = self.scroll_offset.y + y
        if index >= self.line_count:
            return Strip.blank(width, style)
        return self._line(index).crop_extend(0, width, style).apply_style(style)
