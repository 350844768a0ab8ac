"""Command declarations and replies: CommandSpec, Param, Reply (SPEC §10.1, ARCHITECTURE §4)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from core.domain.enums import Severity

if TYPE_CHECKING:
    from core.engine import Engine

NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
# SPEC §9.6.6: the plugin family a plugin-aware command acts on or shows ("both" = no filter).
FAMILIES = ("both", "v3", "v6")
# Strategy-label families (core.analytics.labels) in each plugin family; Manual is in "both" only.
FAMILY_LABELS = {"v3": ("V4", "V3"), "v6": ("V6",)}
# SPEC §9.6.6 plugin-aware commands: the registry sets `plugin_aware` on any of these it gets.
PLUGIN_AWARE = frozenset((
    "positions", "pnl", "orders", "history", "partial", "signals", "filters", "setlot", "setsl",
    "settp", "dailylimit", "maxloss", "maxprofit", "risktier", "slsystem", "trailsl",
    "breakeven", "protection", "multiplier", "daily", "weekly", "monthly", "pair_report",
    "strategy_report", "tp_report", "stats", "winrate", "drawdown", "profit_stats", "export",
    "slhunt", "tpcontinue", "reentry", "reentry_config", "recovery", "cooldown", "chains",
    "chainlimit", "dualorder", "orderb", "profit", "booking", "levels", "enable", "disable",
    "upgrade", "rollback", "shadow"))


def in_family(family: str, label_family: str) -> bool:
    """Whether a trade labelled `V4`/`V3`/`V6`/`Manual` belongs to the chosen plugin family."""
    return family == "both" or label_family in FAMILY_LABELS.get(family, ())


def family_suffix(family: str) -> str:
    """Title suffix naming the family shown: `Open positions: 2 — V6` (nothing for both)."""
    return "" if family == "both" else f" — {family.upper()}"


class Category(StrEnum):
    SYSTEM = "SYSTEM"
    TRADING = "TRADING"
    RISK = "RISK"
    STRATEGY = "STRATEGY"
    TIMEFRAME = "TIMEFRAME"
    REENTRY = "REENTRY"
    PROFIT = "PROFIT"
    ANALYTICS = "ANALYTICS"
    SESSION = "SESSION"
    PLUGIN = "PLUGIN"
    VOICE = "VOICE"

    @property
    def key(self) -> str:
        """Lowercase key used in callback data (`menu_risk`)."""
        return self.value.lower()


class Surface(StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    HTTP = "http"
    CLI = "cli"


class CommandError(Exception):
    """A refusal or invalid input; the message is shown to the operator as is."""


@dataclass(frozen=True, slots=True)
class Param:
    """One command parameter, validated the same way on every surface."""

    name: str
    type: str  # picker type of SPEC §9.6.4 (symbol, amount, switch, ...)
    required: bool = True
    choices: tuple[str, ...] = ()  # closed set of allowed values (case-insensitive)
    presets: tuple[str, ...] = ()  # suggested values for pickers
    kind: str = "str"  # str | int | float
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    help: str = ""

    def parse(self, raw: str) -> Any:
        text = raw.strip()
        if self.choices:
            for choice in self.choices:
                if text.lower() == choice.lower():
                    return choice
            raise CommandError(f"{self.name}: {raw!r} is not allowed; use one of "
                               + ", ".join(self.choices))
        if self.kind in ("int", "float"):
            try:
                value: float = int(text) if self.kind == "int" else float(text)
            except ValueError as exc:
                raise CommandError(f"{self.name}: {raw!r} is not a number"
                                   + self._range_text()) from exc
            if value != value or value in (float("inf"), float("-inf")):
                raise CommandError(f"{self.name}: {raw!r} is not a finite number")
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise CommandError(f"{self.name}: {raw} is out of range{self._range_text()}")
            return value
        if not text:
            raise CommandError(f"{self.name}: a value is required")
        return text

    def _range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" (allowed {self.minimum:g}–{self.maximum:g})"
        return ""

    def usage(self) -> str:
        shown = "|".join(self.choices) if self.choices else self.name.upper()
        return shown if self.required else f"[{shown}]"


@dataclass(frozen=True, slots=True)
class Alias:
    """A legacy name; `args` pre-fill the target's leading parameters (`/logic1_on` ≡ on)."""

    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """A structured answer; every surface renders it its own way."""

    title: str
    lines: tuple[str, ...] = ()
    table: Table | None = None
    severity: Severity = Severity.INFO
    ok: bool = True
    needs_confirmation: bool = False
    command_line: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """Plain-text rendering (CLI and logs)."""
        out = [self.title, *self.lines]
        if self.table is not None:
            widths = [len(c) for c in self.table.columns]
            for row in self.table.rows:
                widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
            out.append("  ".join(c.ljust(w) for c, w in zip(self.table.columns, widths,
                                                             strict=True)).rstrip())
            for row in self.table.rows:
                out.append("  ".join(c.ljust(w) for c, w in zip(row, widths,
                                                                 strict=True)).rstrip())
        return "\n".join(out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "title": self.title, "lines": list(self.lines),
            "table": None if self.table is None else {
                "columns": list(self.table.columns), "rows": [list(r) for r in self.table.rows]},
            "severity": self.severity.value, "needs_confirmation": self.needs_confirmation,
            "command": self.command_line, "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class Actor:
    surface: Surface
    user: str
    admin: bool = True


@dataclass(frozen=True, slots=True)
class CommandContext:
    engine: Engine
    actor: Actor
    args: Mapping[str, Any]
    spec: CommandSpec
    command_line: str
    family: str = "both"  # v3 | v6 | both: the plugin family chosen for a plugin-aware command


Handler = Callable[[CommandContext], Awaitable[Reply]]
ConfirmRule = bool | Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """The single declaration of a command (SPEC §10.1)."""

    name: str
    category: Category
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    admin: bool = False
    confirm: ConfirmRule = False
    aliases: tuple[Alias, ...] = ()
    plugin_aware: bool = False  # asks for / filters by plugin family (§9.6.6, PLUGIN_AWARE)
    effect: str = ""  # what confirming will do, shown on confirmation screens

    def needs_confirmation(self, args: Mapping[str, Any]) -> bool:
        return self.confirm(args) if callable(self.confirm) else bool(self.confirm)

    def usage(self) -> str:
        return " ".join([f"/{self.name}", *(p.usage() for p in self.params)])
