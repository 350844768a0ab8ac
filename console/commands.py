"""Provides RegistryCommands, the command-palette provider over the whole command registry."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from core.commands.registry import CommandRegistry
from core.commands.spec import CommandSpec


@runtime_checkable
class CommandHost(Protocol):
    """What the provider needs from the app: the registry and a way to start a command."""

    @property
    def registry(self) -> CommandRegistry | None: ...

    def start_command(self, name: str) -> None: ...


def title(spec: CommandSpec) -> str:
    """`Trading: /closeall — Panic close: pause, then close every system-owned position`."""
    return f"{spec.category.value.title()}: /{spec.name} — {spec.summary}"


def help_text(spec: CommandSpec) -> str:
    """Usage, aliases and flags, as plain text (escape before use as markup)."""
    parts = [spec.usage()]
    if spec.aliases:
        parts.append("aliases " + ", ".join("/" + a.name for a in spec.aliases))
    if spec.confirm:
        parts.append("asks for confirmation")
    if spec.admin:
        parts.append("admin only")
    return " · ".join(parts)


def search_texts(spec: CommandSpec) -> list[str]:
    """Every text a query is scored against: the title (category, name, summary), the
    category alone (so a category name ranks its commands first) and the aliases."""
    return [title(spec), spec.category.value.title(),
            *(f"/{alias.name}" for alias in spec.aliases), *(alias.name for alias in spec.aliases)]


def highlight(matcher: Matcher, text: str) -> Content:
    """`text` as plain content (never markup) with the matched letters styled."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class RegistryCommands(Provider):
    """Every registry command, discoverable in category order and searchable by name, alias,
    category and summary words (a category name ranks that category first). The discovery
    list is one line per command, so ctrl+p opens fast and shows twice as many; search hits
    add the usage line (usage, aliases, confirmation, admin). Choosing one
    calls the app's `start_command`, which collects parameters, asks for confirmation and
    runs it in a worker."""

    def _commands(self) -> tuple[list[CommandSpec], Callable[[str], None] | None]:
        host = self.app
        if not isinstance(host, CommandHost) or host.registry is None:
            return [], None
        return host.registry.specs(), host.start_command

    async def discover(self) -> Hits:
        specs, start = self._commands()
        if start is None:
            return
        for spec in specs:
            yield DiscoveryHit(Content(title(spec)), partial(start, spec.name),
                               text=title(spec))

    async def search(self, query: str) -> Hits:
        specs, start = self._commands()
        if start is None:
            return
        matcher = self.matcher(query)
        for spec in specs:
            score = max(matcher.match(text) for text in search_texts(spec))
            if score > 0:
                label = title(spec)
                yield Hit(score, highlight(matcher, label), partial(start, spec.name),
                          text=label, help=escape(help_text(spec)))
