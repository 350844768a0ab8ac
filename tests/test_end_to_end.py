"""Issue #2 acceptance: headless engine on a free port, legacy alerts over HTTP, SL to the cent."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET = "e2e-secret"
TOKEN = "e2e-token"
ENTRY_BID = 1.08400
SPREAD = 0.00008  # EURUSD typical spread 0.8 pip (symbol table)
# Logic 2 on a 10,000 account: sl-1 table 150 pips × SL multiplier 1.5 = 225 pips;
# lot = 10,000 × 1 % / (225 × $10) = 0.044 → 0.04; loss at SL = 225 pips × $10 × 0.04 = $90.
SL_PRICE = round(ENTRY_BID + SPREAD - 0.0225, 5)
EXPECTED_PNL = -90.00


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_bars(path: Path) -> None:
    """Flat at 1.08400 for 20 s of replay, a smooth fall whose low touches the SL, then flat."""
    rows = ["time_utc,open,high,low,close,volume"]
    minute = 0

    def bar(o: float, h: float, lo: float, c: float) -> None:
        nonlocal minute
        hh, mm = divmod(minute, 60)
        rows.append(f"2025-11-26T{8 + hh:02d}:{mm:02d}:00Z,{o:.5f},{h:.5f},{lo:.5f},{c:.5f},0")
        minute += 1

    for _ in range(400):
        bar(ENTRY_BID, ENTRY_BID, ENTRY_BID, ENTRY_BID)
    price = ENTRY_BID
    while price - 0.0005 > SL_PRICE:
        bar(price, price, price - 0.0005, price - 0.0005)
        price -= 0.0005
    bar(price, price, SL_PRICE, SL_PRICE)  # the low is exactly the stop price
    for _ in range(200):
        bar(SL_PRICE, SL_PRICE, SL_PRICE, SL_PRICE)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_legacy_alerts_to_sl_close_end_to_end(tmp_path: Path) -> None:
    port = free_port()
    bars = tmp_path / "EURUSD.csv"
    write_bars(bars)
    config = tmp_path / "v5.toml"
    config.write_text(
        "[webhook]\nhost = \"127.0.0.1\"\n"
        "[paper]\nprice_feed = \"replay\"\nreplay_symbol = \"EURUSD\"\n"
        f"replay_file = \"{bars.as_posix()}\"\nreplay_bars_per_second = 20\n"
        "tick_seconds = 0.05\ndemo_alerts = false\n"
        "[risk]\nweekend_block = false\n[sessions]\nenabled = false\n", encoding="utf-8")
    data_dir = tmp_path / "data"
    env = {**os.environ, "V5_WEBHOOK_SECRET": SECRET, "V5_API_TOKEN": TOKEN,
           "PYTHONUTF8": "1"}
    common = ["--config", str(config), "--data-dir", str(data_dir)]
    proc = subprocess.Popen([sys.executable, "-m", "console", "--headless", *common,
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def healthy() -> bool:
            try:
                return http("GET", base + "/health")[1].get("status") == "ok"
            except OSError:
                return False

        wait_for(healthy, 20, "/health")
        assert http("GET", base + "/status")[0] == 401  # nothing but /health without a token
        for tf in ("1h", "15m"):  # alignment for Logic 2, then the entry
            status, body = http("POST", base + "/webhook", {
                "type": "trend", "signal": "bull", "tf": tf, "symbol": "EURUSD",
                "price": ENTRY_BID, "secret": SECRET})
            assert (status, body["status"]) == (200, "accepted")
        status, body = http("POST", base + f"/webhook?secret={SECRET}", {
            "type": "entry", "signal": "buy", "tf": "15m", "symbol": "EURUSD",
            "price": ENTRY_BID, "strategy": "combined"})
        assert (status, body["status"]) == (200, "accepted")

        def open_positions() -> list[dict[str, Any]]:
            return list(http("GET", base + "/status", token=TOKEN)[1]["open_positions"])

        opened = wait_for(open_positions, 10, "the position in /status")
        assert len(opened) == 1
        position = opened[0]
        assert (position["symbol"], position["direction"]) == ("EURUSD", "BUY")
        assert position["volume"] == pytest.approx(0.04)
        assert position["price_open"] == pytest.approx(ENTRY_BID + SPREAD)
        assert position["sl"] == pytest.approx(SL_PRICE)

        listed = run_cli("exec", "/positions", *common, env=env)
        assert listed.returncode == 0, listed.stdout + listed.stderr
        assert str(position["ticket"]) in listed.stdout and "EURUSD" in listed.stdout

        wait_for(lambda: not open_positions(), 30, "the stop loss to close the position")
        history = run_cli("exec", "/history", "--json", *common, env=env)
        assert history.returncode == 0, history.stdout + history.stderr
        trades = json.loads(history.stdout)["data"]["trades"]
        assert len(trades) == 1
        assert trades[0]["close_reason"] == "SL"
        assert trades[0]["price_close"] == pytest.approx(SL_PRICE)
        assert round(trades[0]["profit"], 2) == EXPECTED_PNL
    finally:
        proc.terminate()  # SIGTERM: the engine must stop cleanly within 5 s
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert proc.returncode == 0, output
