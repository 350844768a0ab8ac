"""Command-line parsing and the non-TUI entry points (ARCHITECTURE §6)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.commands.catalog import build_registry
from core.commands.spec import Actor, CommandSpec, Reply, Surface
from core.config import ConfigError
from core.engine import Engine, EngineOptions
from core.runtime import EngineAlreadyRunning


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML config file (SPEC §11 keys)")
    parser.add_argument("--data-dir", type=Path, help="data directory (default ./data)")
    parser.add_argument("--port", type=int, help="webhook/HTTP port (default 80)")
    parser.add_argument("--mode", choices=("paper", "live"), help="trading mode")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="v5-console", description=(
        "V5 operator console: TradingView alerts to MetaTrader 5 (paper mode by default)."))
    _common(parser)
    parser.add_argument("--headless", action="store_true", help="run without the TUI")
    sub = parser.add_subparsers(dest="action")
    p_exec = sub.add_parser("exec", help="run one registry command and print the reply")
    _common(p_exec)
    p_exec.add_argument("command", help='e.g. "/status" or "/positions"')
    p_exec.add_argument("--json", action="store_true", help="print the reply as JSON")
    p_exec.add_argument("--yes", action="store_true", help="confirm a dangerous command")
    p_cmds = sub.add_parser("commands", help="list the command registry")
    _common(p_cmds)
    p_cmds.add_argument("--json", action="store_true")
    p_replay = sub.add_parser("replay", help="offline run of the full pipeline over bars")
    _common(p_replay)
    p_replay.add_argument("bars", type=Path, help="CSV time_utc,open,high,low,close,volume")
    p_replay.add_argument("--symbol", help="canonical symbol (default: from the file name)")
    p_replay.add_argument("--alerts", type=Path, help="JSON Lines {time_utc, body}")
    p_replay.add_argument("--report", type=Path, help="write the report as JSON here")
    return parser


def options_from(args: argparse.Namespace, **extra: object) -> EngineOptions:
    return EngineOptions(
        data_dir=args.data_dir or Path("data"), config_path=args.config, mode=args.mode,
        port=args.port, **extra)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.action == "exec":
            from console.exec_client import run_exec

            return run_exec(args)
        if args.action == "commands":
            return list_commands(args.json)
        if args.action == "replay":
            from core.replay import run_replay_cli

            return run_replay_cli(args.bars, args.symbol, args.alerts, args.report,
                                  options_from(args, webhook=False, market=False))
        if args.headless:
            return asyncio.run(run_headless(options_from(args, log_to_stderr=True)))
        from console.app import run_tui

        return run_tui(options_from(args))
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except EngineAlreadyRunning as exc:
        print(str(exc), file=sys.stderr)
        return 2


def command_doc(spec: CommandSpec) -> dict[str, Any]:
    """One registry entry as `commands --json` prints it (SPEC §10.1 fields)."""
    conditional = callable(spec.confirm)
    return {
        "name": spec.name, "category": spec.category.value, "summary": spec.summary,
        "usage": spec.usage(),
        "params": [{"name": p.name, "type": p.type, "kind": p.kind, "required": p.required,
                    "allowed": list(p.choices), "choices": list(p.choices),
                    "presets": list(p.presets), "min": p.minimum, "max": p.maximum,
                    "default": p.default, "help": p.help} for p in spec.params],
        "admin": spec.admin,
        "confirm": "conditional" if conditional else bool(spec.confirm),
        # a conditional rule is shown by the values that trigger it (`/shadow ... off`)
        "confirm_when": [f"{p.name}={c}" for p in spec.params for c in p.choices
                         if spec.needs_confirmation({p.name: c})] if conditional else [],
        "aliases": [a.name for a in spec.aliases],
        "alias_args": {a.name: list(a.args) for a in spec.aliases if a.args},
        "plugin_aware": spec.plugin_aware, "effect": spec.effect,
    }


def list_commands(as_json: bool) -> int:
    specs = build_registry().specs()
    if as_json:
        print(json.dumps([command_doc(s) for s in specs], indent=2, ensure_ascii=False,
                         default=str))
    else:
        for s in specs:
            print(f"{s.category.value:<10} {s.usage():<40} {s.summary}")
    return 0


def install_stop_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> None:
    """SIGINT/SIGTERM (POSIX) or Ctrl+C / Ctrl+Break (Windows) request a clean stop."""
    wanted = [signal.SIGINT, signal.SIGTERM]
    if sys.platform == "win32":
        wanted.append(signal.SIGBREAK)  # type: ignore[attr-defined]
    for sig in wanted:
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # Windows' loop has no add_signal_handler
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop))


async def run_headless(options: EngineOptions) -> int:
    stop_requested = asyncio.Event()
    install_stop_signals(asyncio.get_running_loop(), stop_requested.set)
    while True:
        engine = Engine(options)
        await engine.start()
        print(f"V5 engine running headless ({engine.settings.trading.mode}); "
              f"webhook: {engine.services.get('webhook', (False, 'off'))[1]}; Ctrl+C stops",
              flush=True)
        signal_wait = asyncio.create_task(stop_requested.wait())
        command_wait = asyncio.create_task(engine.stop_request.wait())
        await asyncio.wait((signal_wait, command_wait), return_when=asyncio.FIRST_COMPLETED)
        for task in (signal_wait, command_wait):
            task.cancel()
        await asyncio.wait_for(engine.stop(), timeout=15)
        if stop_requested.is_set() or not engine.restart_requested:
            return 0
        print("V5 engine restarting", flush=True)  # /restart: same options, fresh engine


def cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some service environments
        user = "cli"
    return Actor(Surface.CLI, user, admin=True)


def print_reply(reply: Reply, as_json: bool) -> None:
    if as_json:
        print(json.dumps(reply.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(reply.text())
        if reply.needs_confirmation:
            print(f"This command needs confirmation: run it again with --yes "
                  f"({reply.command_line}).")
