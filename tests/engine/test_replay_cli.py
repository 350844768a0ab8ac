"""`v5-console replay`: the full pipeline offline, alerts on time, report with P&L and speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.replay import load_alerts, max_drawdown

ROOT = Path(__file__).resolve().parents[2]
FX = ROOT.parent / "shared" / "data" / "fx-m1" / "EURUSD.csv.gz"


def _bars(path: Path) -> None:
    rows = ["time_utc,open,high,low,close,volume"]
    price = 1.10000
    for minute in range(240):  # a steady climb of 1 pip a minute, Wednesday 08:00-12:00 UTC
        hh, mm = divmod(minute, 60)
        rows.append(f"2025-11-26T{8 + hh:02d}:{mm:02d}:00Z,{price:.5f},{price + 0.0001:.5f},"
                    f"{price:.5f},{price + 0.0001:.5f},0")
        price += 0.0001
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _alerts(path: Path) -> None:
    lines = [
        {"time_utc": "2025-11-26T08:10:00Z", "body": {"type": "trend", "signal": "bull",
                                                      "tf": "1h", "symbol": "EURUSD",
                                                      "price": 1.101}},
        {"time_utc": "2025-11-26T08:10:00Z", "body": {"type": "trend", "signal": "bull",
                                                      "tf": "15m", "symbol": "EURUSD",
                                                      "price": 1.101}},
        {"time_utc": "2025-11-26T08:30:00Z", "body": {"type": "entry", "signal": "buy",
                                                      "tf": "15m", "symbol": "EURUSD",
                                                      "price": 1.103}},
        {"time_utc": "2025-11-26T10:30:00Z", "body": {"type": "exit", "signal": "bear",
                                                      "tf": "15m", "symbol": "EURUSD",
                                                      "price": 1.115}},
        {"time_utc": "2025-11-26T10:45:00Z", "body": {"type": "reversal",
                                                      "signal": "reversal_bear", "tf": "15m",
                                                      "symbol": "EURUSD", "price": 1.1165}},
        {"time_utc": "2025-11-26T11:00:00Z", "body": "NOT AN ALERT"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")


def test_replay_trades_on_time_and_reports(tmp_path: Path) -> None:
    bars, alerts, report = tmp_path / "EURUSD.csv", tmp_path / "a.jsonl", tmp_path / "r.json"
    _bars(bars)
    _alerts(alerts)
    out = subprocess.run([sys.executable, "-m", "console", "replay", str(bars), "--alerts",
                          str(alerts), "--report", str(report)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "replay EURUSD: 240 bars" in out.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["alerts"] == 6
    exits = [(x["type"], x["outcome"], x["reason"]) for x in data["signals"]
             if x["type"] in ("CLOSE_BUY", "REVERSAL_SELL")]
    # +119 pips with Logic 2 still aligned: exit intelligence holds it (SPEC §5.2.3); the
    # reversal closes it (reversals are never held)
    assert exits == [("CLOSE_BUY", "executed", "EXIT_HELD"),
                     ("REVERSAL_SELL", "executed", "REVERSAL")], exits
    assert data["alert_outcomes"] == {"executed": 5, "rejected": 1}
    [trade] = data["trades"]
    # Entry at 08:30 = ask after the 08:29 bar closed at 1.1030 (+0.8 pip spread);
    # the reversal at 10:45 sells at the 10:44 close, 1.1165: +134.2 pips on 0.04 lot.
    assert trade["price_open"] == pytest.approx(1.10308)
    assert trade["price_close"] == pytest.approx(1.11650)
    assert trade["profit"] == pytest.approx(53.68) and trade["close_reason"] == "REVERSAL"
    assert data["net_pnl"] == pytest.approx(53.68)
    assert data["open_positions"] == 0 and data["bars_per_second"] > 0


@pytest.mark.skipif(not FX.exists(), reason="shared fx-m1 data not present")
def test_replay_of_real_prices_runs_fast(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "console", "replay", str(FX), "--report",
                          str(tmp_path / "r.json")], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["bars"] == 71_373 and data["trades"] == [] and data["net_pnl"] == 0


def test_alert_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"time_utc": "2025-11-26T08:00:00Z", "body": {}}\n{"oops": 1}\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load_alerts(path)


def test_max_drawdown_of_the_balance_curve() -> None:
    assert max_drawdown(1000, [100, -50, -100, 200, -30]) == (150.0, 13.636)
    assert max_drawdown(1000, []) == (0.0, 0.0)
