"""The data directory's engine lock and runtime file (how `exec` finds the running engine)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from core.storage.atomic import atomic_write_text

LOCK_NAME = "engine.lock"
RUNTIME_NAME = "runtime.json"


class EngineAlreadyRunning(Exception):
    """A second engine on the same data directory is refused (two writers would corrupt it)."""


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    pid: int
    port: int | None
    api_token: str


class DataDirLock:
    """Exclusive ownership of a data directory for one engine process."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = FileLock(str(data_dir / LOCK_NAME))

    def acquire(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout as exc:
            info = read_runtime(self.data_dir)
            who = f" (pid {info.pid})" if info else ""
            raise EngineAlreadyRunning(
                f"another engine is already running on {self.data_dir}{who}; "
                "use `v5-console exec` to talk to it, or stop it first") from exc

    def release(self) -> None:
        runtime = self.data_dir / RUNTIME_NAME
        if self._lock.is_locked:
            runtime.unlink(missing_ok=True)
            self._lock.release()


def write_runtime(data_dir: Path, port: int | None, api_token: str) -> None:
    payload = {"pid": os.getpid(), "port": port, "api_token": api_token}
    atomic_write_text(data_dir / RUNTIME_NAME, json.dumps(payload))


def read_runtime(data_dir: Path) -> RuntimeInfo | None:
    try:
        data = json.loads((data_dir / RUNTIME_NAME).read_text(encoding="utf-8"))
        return RuntimeInfo(int(data["pid"]), data.get("port"), str(data["api_token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def engine_running(data_dir: Path) -> bool:
    """True when some process holds the data directory's lock."""
    lock = FileLock(str(data_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def generated_token() -> str:
    return secrets.token_urlsafe(24)
