"""SYSTEM commands /start, /simulation_mode and /diagnostics (SPEC §10.2.1, §5.5.4, §9.6.2)."""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import psutil

from core.clock import fmt_header
from core.commands.spec import (
    Alias,
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
    Table,
)
from core.commands.system_admin import log_file
from core.config import ConfigError, ConfigManager
from core.domain.enums import Severity
from core.events import ConfigChanged

MODES = {"on": "paper", "off": "live"}
DIAG_ACTIONS = ("menu", "health", "loglevel", "errors", "reset_errors", "reset_health",
                "export_logs", "log_size", "clear_logs", "debug", "resources")
DEBUG_LOGGER = "core.trading"  # "trading debug": the order path and position management
# The diagnostics menu: button label → the command line it runs (SPEC §10.2.1).
DIAG_MENU = (("Health", "/diagnostics health"), ("Log level", "/diagnostics loglevel"),
             ("Error statistics", "/diagnostics errors"),
             ("Reset error counters", "/diagnostics reset_errors"),
             ("Reset health", "/diagnostics reset_health"),
             ("Export logs", "/diagnostics export_logs"), ("Log size", "/diagnostics log_size"),
             ("Clear old logs", "/diagnostics clear_logs"),
             ("Trading debug on", "/diagnostics debug on"),
             ("Trading debug off", "/diagnostics debug off"),
             ("System resources", "/diagnostics resources"))


# -- /start ----------------------------------------------------------------------------------
async def start(ctx: CommandContext) -> Reply:
    """The main menu as text: the header line, then every category and its command count
    (Telegram shows its inline main menu, reply keyboard and sticky header as well)."""
    engine = ctx.engine
    registry = engine.registry
    trading = engine.trading
    state = "not started" if trading is None else (
        f"PAUSED ({trading.pause_reason})" if trading.paused else "RUNNING")
    window = engine.sessions.current() if engine.sessions is not None else None
    lines = [f"{fmt_header(engine.clock.now(), engine.settings.display.timezone)} · "
             f"session {window.name if window else 'none'} · {state} · "
             f"{engine.settings.trading.mode.upper()}"]
    rows = []
    for category in Category:
        names = [s.name for s in registry.specs(category)]
        if names:
            rows.append((category.value, str(len(names)), f"/help {category.value}"))
    lines.append("/help CATEGORY lists a category's commands (on Telegram: the menu buttons).")
    return Reply(title="Main menu", lines=tuple(lines),
                 table=Table(("Category", "Commands", "Help"), tuple(rows)),
                 data={"menu": "main", "categories": {r[0]: int(r[1]) for r in rows},
                       "buttons": ["menu_main", *(f"menu_{r[0].lower()}" for r in rows)]})


# -- /simulation_mode ----------------------------------------------------------------------
# Decision (SPEC §5.5.4): the switch takes effect at the next restart. The broker link is built
# at start-up, and changing `trading.mode` in the running configuration would label the still
# simulated trades, /status and every report LIVE at once ("never mixed, always labelled").
# So the validated value goes only into the stored overrides, which the next start applies.
MODE_KEY = "trading.mode"
OVERRIDES = "config_overrides"  # core.engine.OVERRIDES (importing the engine here is circular)


def running_mode(ctx: CommandContext) -> str:
    """The mode the engine runs in now (fixed at start-up)."""
    return ctx.engine.settings.trading.mode


def pending_mode(ctx: CommandContext) -> str | None:
    store = ctx.engine.store
    doc = store.get(OVERRIDES, MODE_KEY) if store is not None else None
    return str(doc["value"]) if doc is not None else None


async def simulation_mode(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    running = running_mode(ctx)
    configured = pending_mode(ctx) or running
    wanted = ctx.args.get("switch") or "status"
    after = "" if configured == running else f" — {configured.upper()} from the next restart"
    data = {"running": running, "configured": configured, "paper": running == "paper"}
    if wanted == "status":
        return Reply(title=f"Trading mode: {running.upper()}{after}", data=data, lines=(
            "on = paper (the built-in simulated terminal, labelled PAPER); off = live MT5.",
            "A switch is saved and takes effect at the next /restart."))
    target = MODES[wanted]
    if target == configured:
        return Reply(title=f"Trading mode already {target.upper()}{after}", data=data)
    trading, store = engine.trading, engine.store
    if trading is None or store is None:
        raise CommandError("the engine is not started")
    if trading.positions:  # SPEC §5.5.4
        raise CommandError(f"refused: {len(trading.positions)} position(s) open in "
                           f"{running.upper()} mode; close them first (/positions, /closeall)")
    try:  # validated like any override: the whole configuration must still build
        ConfigManager(engine.config.file_data, {**engine.config.overrides, MODE_KEY: target})
    except ConfigError as exc:
        raise CommandError(f"switch: {exc}") from exc
    if engine.infra is not None:  # SPEC §10.1: a pre_config_change checkpoint first
        engine.infra.checkpoints.before_config_change(MODE_KEY, target)
    if target == running:  # back to the mode it runs in: the pending switch is withdrawn
        store.delete(OVERRIDES, MODE_KEY)
    else:
        store.put(OVERRIDES, MODE_KEY, {"value": target})
    engine.bus.publish(ConfigChanged(MODE_KEY, f"{target} (at the next restart)",
                                     ctx.command_line))
    logging.getLogger("core.commands").warning("trading mode %s -> %s at the next restart (by "
                                               "%s)", configured, target, ctx.actor.user)
    lines = [f"Saved: the engine runs in {target.upper()} mode from the next /restart."
             if target != running else f"Pending switch withdrawn: it stays {running.upper()}.",
             f"Until then it keeps trading in {running.upper()} mode."]
    if target == "live" and not engine.secrets.mt5_login:
        lines.append("MT5 credentials are not set (V5_MT5_LOGIN...): a live start is paused "
                     "with MT5_DOWN until the terminal is reachable.")
    return Reply(title=f"Trading mode → {target.upper()} (at restart)", lines=tuple(lines),
                 severity=Severity.HIGH if target == "live" else Severity.MEDIUM,
                 data={**data, "configured": target})


# -- /diagnostics --------------------------------------------------------------------------
def _log_files(ctx: CommandContext) -> list[Path]:
    current = log_file(ctx)
    return sorted(current.parent.glob(current.name + "*")) if current.parent.exists() else []


def _kb(size: int) -> str:
    return f"{size / 1024:,.1f} KB"


def _error_lines(ctx: CommandContext) -> tuple[list[str], dict[str, int]]:
    engine = ctx.engine
    counts: dict[str, int] = {}
    lines = []
    if engine.bridge is not None:
        now = engine.clock.monotonic()
        for name, ls in sorted(engine.bridge.stats.layers.items()):
            counts[f"layer:{name}"] = ls.errors
            lines.append(f"{name}: {ls.errors} error(s), {ls.errors_in_window(now)} in 10 min"
                         + (f" — last: {ls.last_error}" if ls.last_error else ""))
    failures = engine.registry.failures
    counts["commands"] = sum(failures.values())
    lines.append(f"Commands refused or failed: {counts['commands']}"
                 + (" (" + ", ".join(f"/{n} {c}" for n, c in failures.most_common(5)) + ")"
                    if failures else ""))
    current = log_file(ctx)
    logged = 0
    if current.exists():
        for handler in logging.getLogger("core").handlers:
            handler.flush()
        with current.open(encoding="utf-8", errors="replace") as handle:
            logged = sum(1 for line in handle if " ERROR " in line or " CRITICAL " in line)
    counts["log_errors"] = logged
    lines.append(f"ERROR/CRITICAL lines in the current log: {logged}")
    return lines, counts


async def _diag_menu(ctx: CommandContext) -> Reply:
    level = logging.getLogger(DEBUG_LOGGER).getEffectiveLevel()
    lines = [f"Log level {ctx.engine.settings.app.log_level} · trading debug "
             f"{'ON' if level <= logging.DEBUG else 'OFF'}",
             *(f"{label}: {line}" for label, line in DIAG_MENU)]
    return Reply(title="Diagnostics", lines=tuple(lines),
                 data={"buttons": [{"label": label, "command": line} for label, line in DIAG_MENU],
                       "actions": list(DIAG_ACTIONS)})


async def _resources(ctx: CommandContext) -> Reply:
    process = psutil.Process(os.getpid())
    with process.oneshot():
        rss, cpu, threads = process.memory_info().rss, process.cpu_percent(0.05), \
            process.num_threads()
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(ctx.engine.data_dir))
    data = {"rss_mb": round(rss / 2**20, 1), "cpu_percent": cpu, "threads": threads,
            "system_memory_percent": memory.percent, "cpu_count": psutil.cpu_count(),
            "disk_free_gb": round(disk.free / 2**30, 2), "disk_percent": disk.percent}
    return Reply(title="System resources", data=data, lines=(
        f"Process: {data['rss_mb']} MB resident · CPU {cpu:.1f} % · {threads} threads",
        f"Machine: {psutil.cpu_count()} CPU(s) · memory used {memory.percent:.1f} %",
        f"Data disk ({ctx.engine.data_dir}): {data['disk_free_gb']} GB free · "
        f"{disk.percent:.1f} % used"))


async def _export_logs(ctx: CommandContext) -> Reply:
    files = _log_files(ctx)
    if not files:
        raise CommandError("no log file yet")
    for handler in logging.getLogger("core").handlers:
        handler.flush()
    out_dir = ctx.engine.data_dir / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"v5-logs-{ctx.engine.clock.now():%Y%m%d-%H%M%S}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:  # the file handler already redacted every credential
            archive.write(path, path.name)
    return Reply(title=f"Logs exported: {len(files)} file(s)", lines=(f"File: {target}",),
                 data={"files": [str(target)], "document": str(target),
                       "included": [p.name for p in files]})


async def _clear_logs(ctx: CommandContext) -> Reply:
    current = log_file(ctx)
    old = [p for p in _log_files(ctx) if p != current]
    freed = sum(p.stat().st_size for p in old)
    for path in old:
        path.unlink()
    return Reply(title=f"Old logs cleared: {len(old)} file(s), {_kb(freed)} freed",
                 lines=("The current log file is kept.",),
                 data={"removed": [p.name for p in old], "freed_bytes": freed})


async def _debug(ctx: CommandContext) -> Reply:
    switch = ctx.args.get("switch")
    logger = logging.getLogger(DEBUG_LOGGER)
    on = logger.getEffectiveLevel() > logging.DEBUG if switch is None else switch == "on"
    # Off = inherit the configured level again (`core`), so /loglevel keeps governing it.
    logger.setLevel(logging.DEBUG if on else logging.NOTSET)
    return Reply(title=f"Trading debug {'ON' if on else 'OFF'}", data={"debug": on}, lines=(
        f"{DEBUG_LOGGER} logs at {'DEBUG' if on else ctx.engine.settings.app.log_level} "
        "level; until the next restart (not saved).",))


async def diagnostics(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    action = ctx.args.get("action") or "menu"
    if action == "menu":
        return await _diag_menu(ctx)
    if action == "health":
        return await engine.registry.invoke(engine, "/health", ctx.actor)
    if action == "loglevel":
        level = engine.settings.app.log_level
        return Reply(title=f"Log level {level}", data={"level": level}, lines=(
            "Change it with /loglevel DEBUG|INFO|WARNING|ERROR|CRITICAL (saved).",))
    if action == "errors":
        lines, counts = _error_lines(ctx)
        return Reply(title="Error statistics", lines=tuple(lines), data=counts)
    if action in ("reset_errors", "reset_health"):
        stats = engine.bridge.stats.layers if engine.bridge is not None else {}
        if action == "reset_health":
            stats.clear()
        for ls in stats.values():
            ls.errors, ls.last_error = 0, ""
            ls.error_times.clear()
        engine.registry.failures.clear()
        what = ("layer statistics (calls, timings, errors)" if action == "reset_health"
                else "error counters")
        return Reply(title=f"Reset: {what}", lines=("Command failure counts reset too.",),
                     data={"reset": action})
    if action == "log_size":
        files = _log_files(ctx)
        total = sum(p.stat().st_size for p in files)
        return Reply(title=f"Logs: {_kb(total)} in {len(files)} file(s)",
                     table=Table(("File", "Size"), tuple((p.name, _kb(p.stat().st_size))
                                                         for p in files)),
                     data={"bytes": total, "files": len(files)})
    handlers = {"export_logs": _export_logs, "clear_logs": _clear_logs, "debug": _debug,
                "resources": _resources}
    return await handlers[action](ctx)


COMMANDS = (
    CommandSpec("start", Category.SYSTEM, "Open the main menu (inline menu, reply keyboard, "
                "header); the console shows the categories", start, aliases=(Alias("menu"),)),
    CommandSpec("simulation_mode", Category.SYSTEM,
                "Paper (on) or live MT5 trading (off); saved, effective at the next restart",
                simulation_mode, admin=True,
                params=(Param("switch", "switch", required=False,
                              choices=("on", "off", "status"), presets=("on", "off", "status"),
                              help="on = paper, off = live; no value shows the mode"),),
                confirm=lambda args: args.get("switch") == "off",
                effect="Switches to LIVE trading on the real MT5 account from the next restart."),
    CommandSpec("diagnostics", Category.SYSTEM,
                "Diagnostics: health, log level, errors, resets, logs, debug, resources",
                diagnostics, admin=True,
                params=(Param("action", "diagnostics", required=False, choices=DIAG_ACTIONS,
                              presets=DIAG_ACTIONS),
                        Param("switch", "switch", required=False, choices=("on", "off"),
                              presets=("on", "off"), help="for debug: on or off")),
                confirm=lambda args: args.get("action") == "clear_logs",
                effect="Deletes the rotated log files (the current log is kept)."),
)
