"""`v5-console --headless` stops cleanly on Ctrl+C (SIGINT) within 5 s and releases its lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.runtime import engine_running, read_runtime

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal delivery")
def test_sigint_stops_the_headless_engine_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "V5_WEBHOOK_SECRET": "wh-SECRET-4567", "V5_API_TOKEN": "tok-SECRET-123"}
    proc = subprocess.Popen([sys.executable, "-m", "console", "--headless", "--data-dir",
                             str(data), "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while read_runtime(data) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        info = read_runtime(data)
        assert info is not None and info.port and info.pid == proc.pid
        assert engine_running(data)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert not engine_running(data) and read_runtime(data) is None
    log_text = (data / "logs" / "v5.log").read_text(encoding="utf-8")
    assert "Trading system started" in log_text and "Trading system stopped" in log_text
    assert "SECRET" not in log_text and "SECRET" not in output  # credentials never logged


def _exec(data: Path, env: dict[str, str], line: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", "exec", line, "--yes",
                           "--data-dir", str(data)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def _wait_started(data: Path, after: float, deadline: float) -> None:
    """Until a runtime file newer than `after` names a running engine."""
    while time.monotonic() < deadline:
        info = read_runtime(data)
        runtime = data / "runtime.json"
        if info is not None and runtime.exists() and runtime.stat().st_mtime > after:
            return
        time.sleep(0.05)
    raise AssertionError("the engine did not come up")


def test_restart_then_shutdown_by_command(tmp_path: Path) -> None:
    """/restart stops and starts a fresh engine in the same process; /shutdown ends it."""
    data = tmp_path / "data"
    env = {**os.environ, "V5_WEBHOOK_SECRET": "wh-secret", "V5_API_TOKEN": "tok-restart"}
    proc = subprocess.Popen([sys.executable, "-m", "console", "--headless", "--data-dir",
                             str(data), "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_started(data, 0, time.monotonic() + 20)
        before = (data / "runtime.json").stat().st_mtime
        asked = _exec(data, env, "/restart")
        assert asked.returncode == 0 and "Restarting" in asked.stdout, asked.stdout
        time.sleep(0.01)
        _wait_started(data, before, time.monotonic() + 30)
        status = _exec(data, env, "/status")
        assert status.returncode == 0 and "RUNNING" in status.stdout, status.stdout
        assert proc.poll() is None  # same process
        done = _exec(data, env, "/shutdown")
        assert "Shutting down" in done.stdout and "stay at the broker" in done.stdout
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert output.count("V5 engine running headless") == 2 and "restarting" in output
    assert not engine_running(data)
    log_text = (data / "logs" / "v5.log").read_text(encoding="utf-8")
    assert log_text.count("Trading system started") == 2
    assert "restart requested by command" in log_text
    assert "shutdown requested by command" in log_text
