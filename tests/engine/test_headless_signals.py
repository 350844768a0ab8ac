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
