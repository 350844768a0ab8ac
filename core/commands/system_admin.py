"""SYSTEM admin/info commands: /version, /config, /loglevel, /logs, /dashboard (SPEC §10.2.1)."""

from __future__ import annotations

import asyncio
import logging
import platform
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.commands.system import money
from core.commands.trading import owner_family
from core.config.secrets import mask
from core.domain.enums import Severity

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LOGGERS = ("core", "console", "bots")  # the loggers configure_logging sets app.log_level on
LOG_COUNTS = ("100", "500", "1000")
SECRET_KEY = re.compile(r"token|secret|password|passwd|api_key|credential", re.IGNORECASE)
DIST = "v5-console"


def system_version() -> str:
    try:
        return dist_version(DIST)
    except PackageNotFoundError:
        return "unknown (package not installed)"


async def version(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    lines = [f"V5 console {system_version()}",
             f"Python {platform.python_version()} ({platform.python_implementation()})",
             f"Platform {platform.platform()}"]
    rows: tuple[tuple[str, str, str, str], ...] = ()
    if engine.plugins is not None:
        rows = tuple((i.plugin_id, i.version, i.track, i.state) for i in engine.plugins.infos())
    return Reply(title="Version", lines=tuple(lines),
                 table=Table(("Plugin", "Version", "Track", "State"), rows) if rows else None,
                 data={"version": system_version(), "python": platform.python_version(),
                       "platform": platform.platform(),
                       "plugins": [{"id": r[0], "version": r[1], "track": r[2], "state": r[3]}
                                   for r in rows]})


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping) and node:
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}.{key}")
    else:
        yield prefix, node


def _shown(dotted: str, value: Any) -> str:
    if SECRET_KEY.search(dotted.rsplit(".", 1)[-1]):
        return mask(str(value) if value else None)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


async def config(ctx: CommandContext) -> Reply:
    manager = ctx.engine.config
    effective = manager.settings.model_dump()
    section = ctx.args.get("section")
    if section is None:
        rows = []
        for name in sorted(effective):
            keys = list(_leaves(effective[name], name))
            changed = Counter(manager.layer_of(k) for k, _ in keys)
            rows.append((name, str(len(keys)), str(changed["file"]), str(changed["runtime"])))
        return Reply(title="Configuration", lines=("/config SECTION shows one section "
                                                   "(read-only; credentials never shown)",),
                     table=Table(("Section", "Keys", "From file", "Runtime"), tuple(rows)),
                     data={"sections": {r[0]: int(r[1]) for r in rows}})
    name = str(section).strip().lower()
    if name not in effective:
        raise CommandError(f"section: {section!r} is not a configuration section; use one of "
                           + ", ".join(sorted(effective)))
    values = [(k, _shown(k, v), manager.layer_of(k)) for k, v in _leaves(effective[name], name)]
    return Reply(title=f"Configuration · {name}", table=Table(("Key", "Value", "Layer"),
                                                              tuple(values)),
                 data={"section": name, "values": {k: {"value": v, "layer": layer}
                                                   for k, v, layer in values}})


async def loglevel(ctx: CommandContext) -> Reply:
    level = str(ctx.args["level"])
    before = ctx.engine.settings.app.log_level
    try:
        ctx.engine.persist_override("app.log_level", level)
    except Exception as exc:  # a ConfigError from validation
        raise CommandError(f"level: {exc}") from exc
    for name in LOG_LOGGERS:  # apply now: configure_logging set the level on these loggers
        logging.getLogger(name).setLevel(level)
    logging.getLogger("core.commands").info("log level %s -> %s (by %s)", before, level,
                                            ctx.actor.user)
    return Reply(title=f"Log level {level}", lines=(f"was {before}; applied now and saved",),
                 data={"level": level, "previous": before})


def log_file(ctx: CommandContext) -> Path:
    return ctx.engine.data_dir / "logs" / "v5.log"


async def logs(ctx: CommandContext) -> Reply:
    count = int(ctx.args.get("count") or 100)
    source = log_file(ctx)
    if not source.exists():
        raise CommandError("no log file yet")
    for handler in logging.getLogger("core").handlers:
        handler.flush()
    with source.open(encoding="utf-8", errors="replace") as handle:
        tail = handle.readlines()[-count:]
    stamp = ctx.engine.clock.now().strftime("%Y%m%d-%H%M%S")
    out_dir = ctx.engine.data_dir / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"v5-log-last{count}-{stamp}.log"
    target.write_text("".join(tail), encoding="utf-8")  # the file filter already redacted
    return Reply(title=f"Log: last {len(tail)} line(s)", lines=(f"File: {target}",),
                 data={"lines": len(tail), "files": [str(target)], "document": str(target)})


async def dashboard(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    trading, analytics = engine.trading, engine.analytics
    if trading is None or analytics is None:
        raise CommandError("the engine is not started")
    account = trading.account
    state = f"PAUSED ({trading.pause_reason})" if trading.paused else "RUNNING"
    positions = sorted(trading.positions.values(), key=lambda p: p.ticket)
    floating = round(sum(p.profit for p in positions), 2)
    today = (await analytics.select(analytics.calendar().period("today", analytics.now()))).summary
    window = engine.sessions.current() if engine.sessions is not None else None
    owners: Counter[str] = Counter()
    rows = []
    for p in positions:
        meta = trading.meta(p.ticket)
        owner = owner_family(ctx, {"comment": p.comment, "magic": p.magic, **meta})
        owners[owner] += 1
        rows.append((str(p.ticket), p.symbol, p.direction.value, str(meta.get("kind") or "—"),
                     owner, f"{p.volume:g}", f"{p.profit:+.2f}", f"{p.sl or 0:g}",
                     f"{p.tp or 0:g}"))
    plugins = [f"{i.plugin_id} {i.state}" for i in engine.plugins.infos()] \
        if engine.plugins is not None else []
    lines = [
        f"{state} · {engine.settings.trading.mode.upper()}",
        f"Balance {money(account.balance if account else None)} · "
        f"Equity {money(account.equity if account else None)}",
        f"Open trades {len(positions)} · floating {money(floating)}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(owners.items())) + ")"
           if owners else ""),
        f"Today: {today.trades} trade(s) · profit {money(today.gross_profit)} · "
        f"loss {money(today.gross_loss)} · net {money(today.net)}",
        f"Session: {window.name if window else 'none active'}",
        "Plugins: " + (", ".join(plugins) or "none"),
    ]
    return Reply(title="Dashboard", lines=tuple(lines),
                 table=Table(("Ticket", "Symbol", "Side", "Kind", "Owner", "Lot", "P&L", "SL",
                              "TP"), tuple(rows)) if rows else None,
                 severity=Severity.INFO,
                 data={**engine.status_dict(), "floating": floating,
                       "today": {"trades": today.trades, "net": today.net,
                                 "profit": today.gross_profit, "loss": today.gross_loss},
                       "owners": dict(owners), "session": window.id if window else None,
                       "plugins": plugins})


async def shutdown(ctx: CommandContext) -> Reply:
    _after_reply(ctx.engine, restart=False)
    return Reply(title="Shutting down", severity=Severity.HIGH, lines=(
        "The engine stops in a moment: alerts are refused, the queue drains, state is saved.",
        "Open positions stay at the broker with their SL/TP, without management until the "
        "next start."))


async def restart(ctx: CommandContext) -> Reply:
    _after_reply(ctx.engine, restart=True)
    return Reply(title="Restarting", severity=Severity.HIGH, lines=(
        "The engine stops (state saved) and starts again; positions stay at the broker and "
        "are picked up again at start.",))


def _after_reply(engine: Any, restart: bool) -> None:
    """Half a second later, so the reply reaches the surface that asked (HTTP, Telegram)."""
    asyncio.get_running_loop().call_later(0.5, engine.request_stop, restart)


COMMANDS = (
    CommandSpec("restart", Category.SYSTEM, "Graceful restart; state persisted; positions "
                "untouched", restart, admin=True, confirm=True),
    CommandSpec("shutdown", Category.SYSTEM, "Stop the process; open positions stay at the "
                "broker unmanaged", shutdown, admin=True, confirm=True),
    CommandSpec("version", Category.SYSTEM, "System version; per plugin: version and track",
                version),
    CommandSpec("config", Category.SYSTEM,
                "Configuration overview or one section, with each value's layer (read-only)",
                config, params=(Param("section", "section", required=False,
                                      help="a top-level section, e.g. trading"),)),
    CommandSpec("loglevel", Category.SYSTEM, "Set the log level (applied now, saved)", loglevel,
                params=(Param("level", "log_level", choices=LEVELS, presets=LEVELS),),
                admin=True),
    CommandSpec("logs", Category.SYSTEM, "Send the last log lines as a file", logs,
                params=(Param("count", "count", required=False, choices=LOG_COUNTS,
                              presets=LOG_COUNTS),), admin=True),
    CommandSpec("dashboard", Category.SYSTEM, "Live dashboard: state, account, today, positions",
                dashboard),
)
