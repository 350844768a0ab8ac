"""The equity chart is a real PNG; CSV and JSON exports round-trip."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from core.analytics.chart import equity_chart
from core.analytics.export import (
    read_csv_summary,
    read_csv_trades,
    read_json,
    write_csv,
    write_json,
)
from core.analytics.metrics import summarize
from core.analytics.periods import TradingCalendar
from core.analytics.records import EXPORT_FIELDS
from tests.analytics.support import trades

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_equity_chart_is_a_valid_non_empty_png(tmp_path: Path) -> None:
    path = equity_chart(trades(), 9990.0, tmp_path / "exports" / "equity.png", "Equity · PAPER")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.size == (880, 462)
        # not a blank canvas: the curve, axes and text put many colours on it
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 20


def test_chart_without_trades_still_renders(tmp_path: Path) -> None:
    path = equity_chart([], None, tmp_path / "empty.png", "Nothing yet")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_csv_export_round_trips(tmp_path: Path) -> None:
    items = trades()
    summary = summarize(items, TradingCalendar(), 9990.0).as_dict()
    trades_csv, summary_csv = write_csv(items, summary, tmp_path, "x")
    rows = read_csv_trades(trades_csv)
    assert [list(r) for r in rows][0] == list(EXPORT_FIELDS)
    assert rows == [{k: str(v) for k, v in t.row().items()} for t in items]
    back = read_csv_summary(summary_csv)
    assert back["net"] == "10.0" and back["win_rate"] == "40.0"
    assert back["best_trade.ticket"] == "1" and back["profit_factor_text"] == "1.14"


def test_json_export_round_trips(tmp_path: Path) -> None:
    items = trades()
    summary = summarize(items, TradingCalendar(), 9990.0).as_dict()
    path = write_json(items, summary, {"mode": "PAPER", "period": "all time"}, tmp_path, "x")
    doc = read_json(path)
    assert doc["report"] == {"mode": "PAPER", "period": "all time"}
    assert doc["summary"] == summary
    assert doc["trades"] == [t.row() for t in items]
