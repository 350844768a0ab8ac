"""The command registry: resolution, validation, authorization, confirmation and audit."""

from __future__ import annotations

import difflib
import logging
import shlex
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.commands.spec import (
    FAMILIES,
    NAME_RE,
    PLUGIN_AWARE,
    Actor,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Reply,
)
from core.domain.enums import Severity

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
AuditSink = Callable[[dict[str, Any]], None]


class RegistryError(Exception):
    """A registry declaration is invalid (duplicate name, bad alias...)."""


class CommandRegistry:
    """All commands, by name and alias, and the one `invoke` every surface goes through."""

    def __init__(self) -> None:
        self._specs: dict[str, CommandSpec] = {}
        self._aliases: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.usage: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.last_used: dict[str, datetime] = {}
        self.audit_sinks: list[AuditSink] = []

    # -- declaration -------------------------------------------------------------------
    def add(self, spec: CommandSpec) -> None:
        for name in (spec.name, *(a.name for a in spec.aliases)):
            if not NAME_RE.match(name):
                raise RegistryError(f"invalid command name {name!r} (a-z, 0-9, _; ≤ 32)")
            if name in self._specs or name in self._aliases:
                raise RegistryError(f"command name {name!r} declared twice")
        if spec.name in PLUGIN_AWARE and not spec.plugin_aware:
            spec = replace(spec, plugin_aware=True)
        self._specs[spec.name] = spec
        for alias in spec.aliases:
            self._aliases[alias.name] = (spec.name, alias.args)

    def extend(self, specs: Iterable[CommandSpec]) -> None:
        for spec in specs:
            self.add(spec)

    # -- lookup ------------------------------------------------------------------------
    def __contains__(self, name: str) -> bool:
        return name in self._specs or name in self._aliases

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, name: str) -> CommandSpec:
        return self._specs[name]

    def specs(self, category: Category | None = None) -> list[CommandSpec]:
        order = list(Category)
        items = [s for s in self._specs.values() if category in (None, s.category)]
        return sorted(items, key=lambda s: (order.index(s.category), s.name))

    def command_list(self, category: Category, *, without: str = "") -> list[str]:
        """`/name` of every command of a category (a menu reply lists them)."""
        return [f"/{s.name}" for s in self.specs(category) if s.name != without]

    def aliases(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        return dict(self._aliases)

    def resolve(self, name: str) -> tuple[CommandSpec, tuple[str, ...]]:
        """Name or alias → spec and the arguments the alias pre-fills."""
        key = name.lstrip("/").split("@", 1)[0].lower()
        if key in self._specs:
            return self._specs[key], ()
        if key in self._aliases:
            target, args = self._aliases[key]
            return self._specs[target], args
        raise CommandError(self.unknown_message(key))

    def unknown_message(self, name: str) -> str:
        names = list(self._specs) + list(self._aliases)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join('/' + c for c in close)}?" if close else \
            "; /help lists the commands"
        return f"unknown command /{name}{hint}"

    # -- parsing -----------------------------------------------------------------------
    def parse(self, line: str) -> tuple[CommandSpec, dict[str, Any], str]:
        """`/dailylimit 500` → spec, validated args, reconstructed canonical command line."""
        try:
            words = shlex.split(line.strip())
        except ValueError as exc:
            raise CommandError(f"cannot read the command: {exc}") from exc
        if not words:
            raise CommandError("empty command; /help lists the commands")
        spec, preset = self.resolve(words[0])
        return self.bind(spec, [*preset, *words[1:]])

    def bind(self, spec: CommandSpec, raw: Sequence[str] | Mapping[str, Any]
             ) -> tuple[CommandSpec, dict[str, Any], str]:
        args: dict[str, Any] = {}
        if isinstance(raw, Mapping):
            unknown = set(raw) - {p.name for p in spec.params}
            if unknown:
                raise CommandError(f"/{spec.name}: unknown parameter(s) {sorted(unknown)}; "
                                   f"usage: {spec.usage()}")
            for p in spec.params:
                if p.name in raw and raw[p.name] is not None:
                    args[p.name] = p.parse(str(raw[p.name]))
        else:
            values = list(raw)
            params = list(spec.params)
            if len(values) > len(params):
                if params and params[-1].kind == "str" and not params[-1].choices:
                    values = [*values[: len(params) - 1], " ".join(values[len(params) - 1:])]
                else:
                    raise CommandError(f"/{spec.name}: too many arguments; usage: {spec.usage()}")
            for p, value in zip(params, values, strict=False):
                args[p.name] = p.parse(value)
        for p in spec.params:
            if p.name not in args:
                if p.required:
                    presets = f"; presets: {', '.join(p.presets)}" if p.presets else ""
                    raise CommandError(
                        f"/{spec.name}: missing {p.name}; usage: {spec.usage()}{presets}")
                if p.default is not None:
                    args[p.name] = p.default
        line = " ".join([f"/{spec.name}", *(_shown(args[p.name]) for p in spec.params
                                            if p.name in args and args[p.name] is not None
                                            and args[p.name] != p.default)])
        return spec, args, line

    # -- execution ---------------------------------------------------------------------
    async def invoke(self, engine: Engine, line: str, actor: Actor, confirmed: bool = False,
                     args: Mapping[str, Any] | None = None, family: str | None = None
                     ) -> Reply:
        """Run one command for one actor. Never raises: every failure is a Reply. `family`
        (or `--family v3|v6|both` in the line, which wins) scopes a plugin-aware command."""
        started = time.perf_counter()
        name = line.strip().split()[0].lstrip("/") if line.strip() else ""
        try:
            line, typed = take_family(line)
            if args is not None:
                spec, preset = self.resolve(name)
                spec, bound, canonical = self.bind(spec, {**dict(zip(
                    (p.name for p in spec.params), preset, strict=False)), **args})
            else:
                spec, bound, canonical = self.parse(line)
            chosen = typed or family or "both"
            if chosen != "both" and not spec.plugin_aware:
                raise CommandError(f"/{spec.name} is not plugin-aware: --family does not apply")
            if chosen != "both":
                canonical += f" --family {chosen}"
        except CommandError as exc:
            reply = Reply(title="Command refused", lines=(str(exc),), ok=False,
                          severity=Severity.LOW)
            self._audit(actor, line, reply, started)
            return reply
        if spec.admin and not actor.admin:
            reply = Reply(title=f"/{spec.name} refused", ok=False, severity=Severity.MEDIUM,
                          lines=("admin only: your user is not in the admin list",))
        elif spec.needs_confirmation(bound) and not confirmed:
            reply = Reply(title=f"Confirm {canonical}", ok=True, needs_confirmation=True,
                          command_line=canonical, severity=Severity.MEDIUM,
                          lines=(spec.effect or spec.summary,))
        else:
            ctx = CommandContext(engine=engine, actor=actor, args=bound, spec=spec,
                                 command_line=canonical, family=chosen)
            self._count(engine, spec.name)
            try:
                reply = await spec.handler(ctx)
            except CommandError as exc:
                reply = Reply(title=f"/{spec.name} refused", lines=(str(exc),), ok=False,
                              severity=Severity.LOW)
            except Exception as exc:  # a broken handler must not take the surface down
                log.exception("command /%s failed", spec.name)
                reply = Reply(title=f"/{spec.name} failed", ok=False, severity=Severity.HIGH,
                              lines=(f"internal error: {type(exc).__name__}: {exc}",))
            if not reply.command_line:
                reply = _with_line(reply, canonical)
        if not reply.ok:
            self.failures[spec.name] += 1
        self._audit(actor, canonical, reply, started)
        return reply

    def _count(self, engine: Engine, name: str) -> None:
        """Usage statistics (engine clock); /health shows them, and every surface's /health
        comes through here. A registry driven without an engine (unit tests) only counts."""
        self.usage[name] += 1
        clock = getattr(engine, "clock", None)
        if clock is not None:
            self.last_used[name] = clock.now()
        sections = getattr(engine, "health_sections", None)
        if sections is not None:
            sections.setdefault("commands", self.health_section)

    def usage_stats(self) -> dict[str, dict[str, Any]]:
        """Per command: runs, refusals/failures and when it last ran (this process)."""
        names = sorted(set(self.usage) | set(self.failures),
                       key=lambda n: (-self.usage[n], n))
        return {n: {"count": self.usage[n], "errors": self.failures[n],
                    "last_used": self.last_used[n].isoformat() if n in self.last_used else None}
                for n in names}

    def health_section(self) -> tuple[list[str], dict[str, Any]]:
        stats = self.usage_stats()
        top = ", ".join(f"/{n} {v['count']}" + (f" ({v['errors']} failed)" if v["errors"]
                                                 else "") for n, v in list(stats.items())[:8])
        line = (f"Commands: {sum(self.usage.values())} run, {sum(self.failures.values())} "
                f"refused or failed, {len(stats)} distinct" + (f" — {top}" if top else ""))
        return [line], {"commands": stats}

    def _audit(self, actor: Actor, line: str, reply: Reply, started: float) -> None:
        record = {
            "surface": actor.surface.value, "actor": actor.user, "command": line,
            "ok": reply.ok, "confirm_requested": reply.needs_confirmation,
            "result": reply.title, "ms": round((time.perf_counter() - started) * 1000, 3),
        }
        for sink in self.audit_sinks:
            try:
                sink(record)
            except Exception:  # auditing must never block a command's answer
                log.exception("audit sink failed")


def take_family(line: str) -> tuple[str, str | None]:
    """`/positions --family v6` → (`/positions`, "v6"); a line without it is left as is."""
    if "--family" not in line:
        return line, None
    try:
        words = shlex.split(line.strip())
    except ValueError as exc:
        raise CommandError(f"cannot read the command: {exc}") from exc
    kept: list[str] = []
    family: str | None = None
    items = iter(words)
    for word in items:
        if word == "--family" or word.startswith("--family="):
            value = word.partition("=")[2] if "=" in word else next(items, "")
            family = value.strip().lower()
            if family not in FAMILIES:
                raise CommandError(f"--family: {value!r} is not allowed; use one of "
                                   + ", ".join(FAMILIES))
        else:
            kept.append(word)
    return shlex.join(kept), family


def _with_line(reply: Reply, line: str) -> Reply:
    return Reply(title=reply.title, lines=reply.lines, table=reply.table,
                 severity=reply.severity, ok=reply.ok,
                 needs_confirmation=reply.needs_confirmation, command_line=line, data=reply.data)


def _shown(value: Any) -> str:
    """Argument as a trader would type it: `500`, not `500.0`."""
    return f"{value:g}" if isinstance(value, float) else str(value)
