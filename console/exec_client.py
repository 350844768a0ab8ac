"""`v5-console exec`: hand a command to the running engine, or run a short-lived one."""

from __future__ import annotations

import argparse
import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

from console.cli import cli_actor, options_from, print_reply
from core.commands.spec import Reply
from core.domain.enums import Severity
from core.engine import Engine
from core.runtime import engine_running, read_runtime


def _reply_from(data: dict[str, object]) -> Reply:
    from core.commands.spec import Table

    table = data.get("table")
    return Reply(
        title=str(data.get("title", "")), lines=tuple(data.get("lines") or ()),  # type: ignore[arg-type]
        table=Table(tuple(table["columns"]), tuple(tuple(r) for r in table["rows"]))  # type: ignore[index]
        if isinstance(table, dict) else None,
        severity=Severity(str(data.get("severity", "INFO"))), ok=bool(data.get("ok", True)),
        needs_confirmation=bool(data.get("needs_confirmation")),
        command_line=str(data.get("command", "")), data=dict(data.get("data") or {}),  # type: ignore[call-overload]
    )


def ask_running_engine(data_dir: Path, command: str, confirm: bool) -> Reply:
    info = read_runtime(data_dir)
    if info is None or info.port is None:
        raise RuntimeError(f"an engine holds {data_dir} but its HTTP port is not known "
                           "(webhook down?); use the console or Telegram")
    request = urllib.request.Request(
        f"http://127.0.0.1:{info.port}/api/command", method="POST",
        data=json.dumps({"command": command, "confirm": confirm,
                         "actor": cli_actor().user}).encode(),
        headers={"Authorization": f"Bearer {info.api_token}",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        return _reply_from(json.loads(response.read()))


async def run_short_lived(args: argparse.Namespace) -> Reply:
    engine = Engine(options_from(args, webhook=False, market=False))
    await engine.start()
    try:
        return await engine.execute(args.command, cli_actor(), confirmed=args.yes)
    finally:
        await engine.stop()


def run_exec(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or Path("data")
    try:
        if engine_running(data_dir):
            reply = ask_running_engine(data_dir, args.command, args.yes)
        else:
            reply = asyncio.run(run_short_lived(args))
    except (RuntimeError, urllib.error.URLError, OSError) as exc:
        print(f"exec failed: {exc}")
        return 2
    print_reply(reply, args.json)
    if reply.needs_confirmation:
        return 3
    return 0 if reply.ok else 1
