"""`v5-console replay` of prices + a script of legacy, V3 and V6 alerts → the SPEC's orders.

Hand-worked from SPEC numbers (never from our code): balance $10,000 → tier 10000 (risk 1 %,
max lot 0.10); EURUSD pip 0.0001, $10 per pip per lot, spread 0.8 pip; fills at the ask
1.10008 after bars closing at 1.10000. Risk lot = $100 ÷ (SL pips × $10), rounded down to
0.01, × the strategy multiplier, clamped to min(tier max lot, strategy max lot).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASK = 1.10008
SL, TP1, TP2, TP3 = 1.08500, 1.11500, 1.13000, 1.14500  # 150 / 150 / 300 / 450 pips
SL_PIPS = (ASK - SL) / 0.0001  # 150.8 measured from the execution price (SPEC §5.1.1)


def lot(sl_pips: float, multiplier: float, cap: float) -> float:
    raw = 10_000 * 0.01 / (sl_pips * 10.0)
    return min(math.floor(raw * multiplier * 100 + 1e-9) / 100, cap)


def half(lot_a: float) -> float:
    return max(0.01, math.floor(lot_a * 50 + 1e-9) / 100)


def _bars(path: Path) -> None:
    rows = ["time_utc,open,high,low,close,volume"]
    for minute in range(180):  # Wednesday 08:00-11:00 UTC = 13:30-16:30 IST (London)
        hh, mm = divmod(minute, 60)
        rows.append(f"2025-11-26T{8 + hh:02d}:{mm:02d}:00Z,1.10000,1.10002,1.09998,1.10000,0")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _v3(tf: str, consensus: int, kind: str = "Momentum_Breakout") -> dict[str, Any]:
    return {"type": "entry_v3", "signal_type": kind, "symbol": "EURUSD", "direction": "buy",
            "tf": tf, "price": 1.1, "consensus_score": consensus, "sl_price": SL,
            "tp1_price": TP1, "tp2_price": TP2, "mtf_trends": "1,1,1,1,0,1"}


def _v6(tf: str, adx: str, tp3: str = f"{TP3}") -> str:
    return f"BULLISH_ENTRY|EURUSD|{tf}|1.10000|BUY|HIGH|85|{adx}|STRONG|{SL}|{TP1}|{TP2}|" \
           f"{tp3}|5/1|TL_OK|"


SCRIPT: list[tuple[str, object, str]] = [
    ("08:05", {"type": "trend", "signal": "bull", "tf": "1h", "symbol": "EURUSD",
               "price": 1.1}, "/webhook"),
    ("08:05", {"type": "trend", "signal": "bull", "tf": "15m", "symbol": "EURUSD",
               "price": 1.1}, "/webhook"),
    ("08:10", {"type": "entry", "signal": "buy", "tf": "15m", "symbol": "EURUSD",
               "price": 1.1}, "/webhook"),
    ("08:20", _v3("60", 6), "/webhook/v3"),
    ("08:30", _v3("5", 4), "/webhook/v3"),
    ("08:40", _v6("15", "27.4"), "/webhook/v6"),
    ("08:50", _v6("5", "18"), "/webhook/v6"),
    ("09:00", _v6("60", "22"), "/webhook/v6"),
    ("09:10", _v6("240", "30"), "/webhook/v6"),
    ("09:20", {"type": "entry", "signal": "sell", "tf": "5m", "symbol": "EURUSD",
               "price": 1.1}, "/webhook"),
    ("10:00", {"type": "exit_v3", "signal_type": "Bullish_Exit", "symbol": "EURUSD",
               "direction": "sell", "tf": "60", "price": 1.1, "consensus_score": 3},
     "/webhook/v3"),
    ("10:10", "EXIT_BULLISH|EURUSD|15|1.10000|4", "/webhook/v6"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("scenario")
    bars, alerts, out = folder / "EURUSD.csv", folder / "alerts.jsonl", folder / "r.json"
    _bars(bars)
    alerts.write_text("\n".join(json.dumps({"time_utc": f"2025-11-26T{t}:00Z", "body": body,
                                            "path": path}) for t, body, path in SCRIPT) + "\n",
                      encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "console", "replay", str(bars), "--alerts",
                          str(alerts), "--report", str(out)], cwd=ROOT, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_every_order_is_the_one_spec_prescribes(report: dict[str, Any]) -> None:
    orders = [(o["owner"], o["kind"], o["magic"], o["volume"], o["price"], o["sl"], o["tp"])
              for o in report["orders"]]
    legacy_sl = 150 * 1.5  # SL-1 table, EURUSD, tier 10000 × Logic 2 SL multiplier (§5.3.2)
    legacy_lot = lot(legacy_sl, 1.0, 0.10)
    v3_a = lot(SL_PIPS, 0.625, 0.10)  # Logic 3 lot multiplier (§4.2.7)
    assert orders == [
        # legacy 15m entry, aligned: V3 plugin by the V4 rules, no levels, Logic 2 A only
        ("v3_combined", "A", 505032, legacy_lot, ASK, pytest.approx(ASK - legacy_sl * 1e-4),
         pytest.approx(ASK + 1.5 * legacy_sl * 1e-4)),
        # entry_v3 1h: Logic 3 dual orders, A → TP2, B (50 %) → TP1, both at the alert SL
        ("v3_combined", "A", 505033, v3_a, ASK, SL, TP2),
        ("v3_combined", "B", 505033, half(v3_a), ASK, SL, TP1),
        # V6 15m: A only at TP2, risk × 1.2, plugin max 0.20 (tier 0.10)
        ("v6_price_action_15m", "A", 505063, lot(SL_PIPS, 1.2, 0.10), ASK, SL, TP2),
        # V6 1h: A only at TP3, risk × 1.5, plugin max 0.15 (tier 0.10)
        ("v6_price_action_1h", "A", 505064, lot(SL_PIPS, 1.5, 0.10), ASK, SL, TP3),
    ]
    assert (legacy_lot, v3_a, half(v3_a)) == (0.04, 0.04, 0.02)


def test_rejections_carry_reasons_in_words(report: dict[str, Any]) -> None:
    entries = [s for s in report["signals"] if s["type"] in ("BUY_SIGNAL", "SELL_SIGNAL")]
    got = [(s["family"], s["timeframe"], s["outcome"], s["reason"]) for s in entries]
    assert got == [
        ("LEGACY", "15m", "executed", "ORDER_PLACED"),
        ("V3", "1h", "executed", "ORDER_PLACED"),
        ("V3", "5m", "blocked", "CONSENSUS_LOW"),
        ("V6", "15m", "executed", "ORDER_PLACED"),
        ("V6", "5m", "blocked", "ADX_LOW"),
        ("V6", "1h", "executed", "ORDER_PLACED"),
        ("V6", "4h", "ignored", "NO_PLUGIN_FOR_TF"),
        ("LEGACY", "5m", "blocked", "TREND_MISALIGNED"),
    ]
    words = {s["reason"]: s["detail"] for s in entries}
    assert "filtered: V3 consensus 4 < 5" in words["CONSENSUS_LOW"]
    assert "filtered: V6 5m ADX 18 < 25" in words["ADX_LOW"]
    # hybrid mode: the V4 logic decided every entry in shadow beside the plugin
    first = entries[0]["decisions"]
    assert [(d["layer"], d["live"]) for d in first if d["layer"] not in ("stores",)] == [
        ("V4", False), ("v3_combined", True)]


def test_exits_close_each_owners_side(report: dict[str, Any]) -> None:
    trades = sorted((t["strategy"], t["kind"], t["close_reason"]) for t in report["trades"])
    assert trades == [("v3_combined", "A", "EXIT_SIGNAL"), ("v3_combined", "A", "EXIT_SIGNAL"),
                      ("v3_combined", "B", "EXIT_SIGNAL"),
                      ("v6_price_action_15m", "A", "EXIT_SIGNAL")]
    assert report["open_positions"] == 1  # the V6 1h A: no 1h exit in the script
