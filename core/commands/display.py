"""SYSTEM display commands: /theme (the console theme, remembered across restarts)."""

from __future__ import annotations

from typing import get_args

from core.commands.spec import Category, CommandContext, CommandSpec, Param, Reply
from core.config.settings import DisplaySettings
from core.events import ConfigChanged

THEME_KEY = "display.theme"
THEMES: tuple[str, ...] = get_args(DisplaySettings.model_fields["theme"].annotation)
"""The theme names the configuration accepts, in cycling order (the console maps each to
its Textual theme; core only stores the name)."""


def next_theme(current: str) -> str:
    """The theme after `current` in THEMES, wrapping around."""
    index = THEMES.index(current) if current in THEMES else -1
    return THEMES[(index + 1) % len(THEMES)]


async def theme(ctx: CommandContext) -> Reply:
    """dark | light | high-contrast | status; without an argument, the next theme."""
    engine = ctx.engine
    current = engine.settings.display.theme
    choice = ctx.args.get("theme")
    choices = "Themes: " + ", ".join(THEMES)
    data: dict[str, object] = {"theme": current, "themes": list(THEMES),
                               "layer": engine.config.layer_of(THEME_KEY)}
    if choice == "status":
        return Reply(title=f"Theme: {current}", lines=(choices,), data=data)
    wanted = choice or next_theme(current)
    if wanted == current:
        return Reply(title=f"Theme already {current}", lines=(choices,), data=data)
    engine.persist_override(THEME_KEY, wanted)
    engine.bus.publish(ConfigChanged(THEME_KEY, wanted, ctx.command_line))
    return Reply(title=f"Theme: {wanted}",
                 lines=(f"The console shows the {wanted} theme now and after a restart.",
                        choices),
                 data={**data, "theme": wanted, "previous": current, "layer": "runtime"})


COMMANDS = (
    CommandSpec("theme", Category.SYSTEM, "Console theme: dark, light or high contrast", theme,
                params=(Param("theme", "switch", required=False,
                              choices=(*THEMES, "status"), presets=(*THEMES, "status"),
                              help="without one: the next theme"),)),
)
