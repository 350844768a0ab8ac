"""CSV and JSON exports of closed trades with a summary block (SPEC §9.9), and their readers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.analytics.records import EXPORT_FIELDS, Trade
from core.storage.atomic import atomic_write_bytes


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(_flatten(value, name + "."))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def write_csv(trades: Sequence[Trade], summary: Mapping[str, Any], directory: Path,
              stem: str) -> tuple[Path, Path]:
    """`<stem>_trades.csv` (one row per closed order) and `<stem>_summary.csv` (key, value)."""
    directory.mkdir(parents=True, exist_ok=True)
    trades_path = directory / f"{stem}_trades.csv"
    summary_path = directory / f"{stem}_summary.csv"
    _write_rows(trades_path, list(EXPORT_FIELDS),
                [[str(t.row()[k]) for k in EXPORT_FIELDS] for t in trades])
    _write_rows(summary_path, ["key", "value"], [list(r) for r in _flatten(summary)])
    return trades_path, summary_path


def _write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_bytes(path, buffer.getvalue().encode("utf-8"))


def write_json(trades: Sequence[Trade], summary: Mapping[str, Any], meta: Mapping[str, Any],
               directory: Path, stem: str) -> Path:
    """One document: `{"report": meta, "summary": {...}, "trades": [rows]}`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.json"
    doc = {"report": dict(meta), "summary": dict(summary), "trades": [t.row() for t in trades]}
    atomic_write_bytes(path, json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8"))
    return path


def read_csv_trades(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_csv_summary(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["key"]: row["value"] for row in csv.DictReader(handle)}


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
