"""Store journals: numbering, segments, retention, update_entry, tail, scan, reopen, corruption."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import pytest

from core.storage import Store, StoreError, segment
from core.storage.segment import dumps


def _segments(root: Path, journal: str) -> list[str]:
    return sorted(p.name for p in (root / "journals" / journal).glob("0*.json*"))


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().split(b"\n")[:-1]]


def test_append_numbers_records_from_one(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.count("signals") == 0
        assert [store.append("signals", {"i": i}) for i in range(3)] == [1, 2, 3]
        assert store.count("signals") == 3
        assert list(store.scan("signals")) == [
            {"i": 0, "_no": 1},
            {"i": 1, "_no": 2},
            {"i": 2, "_no": 3},
        ]


def test_segments_fill_to_the_cap_then_roll_over(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=5) as store:
        for i in range(23):
            store.append("audit", {"i": i})
        assert store.count("audit") == 23
        assert [d["i"] for d in store.scan("audit")] == list(range(23))
    assert _segments(tmp_path, "audit") == [f"{seq:08d}.jsonl" for seq in range(5)]
    first = _lines(tmp_path / "journals/audit/00000000.jsonl")
    assert [doc["_no"] for doc in first] == [1, 2, 3, 4, 5]
    last = _lines(tmp_path / "journals/audit/00000004.jsonl")
    assert [doc["_no"] for doc in last] == [21, 22, 23]


def test_record_numbers_survive_reopen(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=4) as store:
        for i in range(10):
            store.append("trades", {"i": i})
    with Store(tmp_path, segment_records=4) as store:
        assert store.append("trades", {"i": 10}) == 11
        assert store.count("trades") == 11
        assert [d["_no"] for d in store.tail("trades", 3)] == [11, 10, 9]
    with Store(tmp_path, segment_records=4) as store:
        assert store.append("trades", {"i": 11}) == 12


def test_segment_size_is_fixed_when_the_journal_is_created(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=3) as store:
        for i in range(7):
            store.append("audit", {"i": i})
    with Store(tmp_path, segment_records=500) as store:
        for i in range(7, 10):
            store.append("audit", {"i": i})
        assert store.update_entry("audit", 2, seen=True)["i"] == 1
        assert [d["i"] for d in store.scan("audit", since_record=5)] == [5, 6, 7, 8, 9]
        store.append("fresh", {})
    assert len(_segments(tmp_path, "audit")) == 4
    meta = json.loads((tmp_path / "journals/fresh/journal.json").read_text(encoding="utf-8"))
    assert meta == {"segment_records": 500}


def test_retention_deletes_the_oldest_segments(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=5, max_segments=3) as store:
        for i in range(32):
            store.append("notifications", {"i": i})
        # 32 records = segments 0..6; the newest three (records 21..32) remain.
        assert _segments(tmp_path, "notifications") == [f"{s:08d}.jsonl" for s in (4, 5, 6)]
        assert store.count("notifications") == 12
        assert [d["_no"] for d in store.scan("notifications")] == list(range(21, 33))
        assert [d["_no"] for d in store.scan("notifications", since_record=3)][0] == 21
        with pytest.raises(KeyError, match="pruned"):
            store.update_entry("notifications", 20, seen=True)
        assert len(store.tail("notifications", 100)) == 12
    with Store(tmp_path, segment_records=5, max_segments=3) as store:
        assert store.count("notifications") == 12
        assert store.append("notifications", {"i": 32}) == 33


def test_update_entry_in_the_head_and_in_older_segments(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=4) as store:
        for i in range(10):
            store.append("signals", {"i": i, "outcome": None})
        assert store.update_entry("signals", 10, outcome="tp1") == {
            "i": 9,
            "outcome": "tp1",
            "_no": 10,
        }
        assert store.update_entry("signals", 2, outcome="sl", pips=-12.5)["pips"] == -12.5
        assert store.update_entry("signals", 3) == {"i": 2, "outcome": None, "_no": 3}
    with Store(tmp_path) as store:
        by_no = {d["_no"]: d for d in store.scan("signals")}
        assert by_no[10]["outcome"] == "tp1"
        assert by_no[2] == {"i": 1, "outcome": "sl", "pips": -12.5, "_no": 2}


@pytest.mark.parametrize("number", [0, -1, 11, 1000])
def test_update_entry_of_a_missing_record_raises_key_error(tmp_path: Path, number: int) -> None:
    with Store(tmp_path, segment_records=4) as store:
        for i in range(10):
            store.append("signals", {"i": i})
        with pytest.raises(KeyError):
            store.update_entry("signals", number, outcome="x")


def test_record_number_field_belongs_to_the_store(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        assert store.append("j", {"_no": 77, "x": 1}) == 1
        assert store.tail("j", 1) == [{"x": 1, "_no": 1}]
        with pytest.raises(ValueError, match="_no"):
            store.update_entry("j", 1, _no=5)


def test_tail_is_newest_first(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=3) as store:
        assert store.tail("log") == []
        for i in range(8):
            store.append("log", {"i": i})
        assert [d["i"] for d in store.tail("log", 5)] == [7, 6, 5, 4, 3]
        assert [d["i"] for d in store.tail("log", 100)] == [7, 6, 5, 4, 3, 2, 1, 0]
        assert store.tail("log", 0) == []
        assert len(store.tail("log")) == 8


def test_scan_filters_and_starts_after_since_record(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=4) as store:
        for i in range(20):
            store.append("signals", {"i": i, "symbol": "XAUUSD" if i % 3 else "EURUSD"})
        assert [d["_no"] for d in store.scan("signals", since_record=13)] == list(range(14, 21))
        eur = store.scan("signals", where=lambda d: d["symbol"] == "EURUSD")
        assert [d["i"] for d in eur] == [0, 3, 6, 9, 12, 15, 18]
        late_eur = store.scan("signals", 10, lambda d: d["symbol"] == "EURUSD")
        assert [d["i"] for d in late_eur] == [12, 15, 18]
        assert list(store.scan("signals", since_record=20)) == []


def test_scan_sees_records_that_existed_when_it_started(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=2) as store:
        for i in range(5):
            store.append("audit", {"i": i})
        seen = []
        for doc in store.scan("audit"):
            seen.append(doc["_no"])
            store.append("audit", {"copy_of": doc["_no"]})  # must not make the scan endless
        assert seen == [1, 2, 3, 4, 5]
        assert store.count("audit") == 10


def test_journal_records_are_private_copies(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        doc = {"tags": ["a"]}
        store.append("j", doc)
        doc["tags"].append("b")
        store.tail("j")[0]["tags"].append("c")
        next(store.scan("j"))["tags"].append("d")
        assert store.tail("j") == [{"tags": ["a"], "_no": 1}]


def _half_then_fail(handle: BinaryIO, data: bytes) -> None:
    handle.write(data[: len(data) // 2])  # a torn write, then the error
    raise OSError("disk full")


def _fsync_fails(fd: int) -> None:
    raise OSError("I/O error")  # the line reached the file, its durability did not


@pytest.mark.parametrize("failure", ["torn write", "fsync"])
def test_failed_append_reuses_nothing_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    with Store(tmp_path, segment_records=2) as store:
        store.append("j", {"i": 0})
        store.append("j", {"i": 1})
        if failure == "fsync":
            monkeypatch.setattr(segment.os, "fsync", _fsync_fails)
        else:
            monkeypatch.setattr(segment, "_write_all", _half_then_fail)
        with pytest.raises(OSError):
            store.append("j", {"i": 2})  # would open a new segment
        with pytest.raises(OSError):
            store.append_many("j", [{"i": 2}, {"i": 3}, {"i": 4}])  # this one and the next
        with pytest.raises(OSError):
            store.update_entry("j", 1, x=1)
        monkeypatch.undo()
        assert store.count("j") == 2
        assert store.append("j", {"i": 2}) == 3
        assert store.update_entry("j", 2, y=1) == {"i": 1, "y": 1, "_no": 2}
        assert [d["i"] for d in store.scan("j")] == [0, 1, 2]
        assert "x" not in store.tail("j", 3)[-1]
    # What failed was cut off the files, so reading them back agrees with memory.
    with Store(tmp_path) as store:
        assert list(store.scan("j")) == [
            {"i": 0, "_no": 1}, {"i": 1, "y": 1, "_no": 2}, {"i": 2, "_no": 3}]
        assert store.append("j", {"i": 3}) == 4


def test_corrupt_segment_raises_store_error_naming_the_file(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=2) as store:
        for i in range(5):
            store.append("audit", {"i": i})
    old = tmp_path / "journals" / "audit" / "00000000.jsonl"
    # A bad line with lines after it is no torn tail: it is damage, and is never skipped.
    old.write_bytes(b'{"i":0,"_no":1}\n{"i": 1, "_no\n{"i":1,"_no":2}\n')
    with Store(tmp_path) as store:
        assert store.append("audit", {"i": 5}) == 6  # the head segment is fine
        with pytest.raises(StoreError, match=r"00000000\.jsonl"):
            list(store.scan("audit"))
        with pytest.raises(StoreError, match=r"00000000\.jsonl"):
            store.update_entry("audit", 1, x=1)
    head = tmp_path / "journals" / "audit" / "00000002.jsonl"
    head.write_bytes(b'{"i":4,"_no":5}\n["not a record"]\n{"i":5,"_no":6}\n')
    with Store(tmp_path) as store, pytest.raises(StoreError, match=r"00000002\.jsonl"):
        store.append("audit", {})
    head.write_bytes(b'{"i":4,"_no":5}\n{"i":5,"_no":5}\n')  # a number used twice
    with Store(tmp_path) as store, pytest.raises(StoreError, match=r"00000002\.jsonl"):
        store.append("audit", {})
    head.write_bytes(b'{"i":4,"_no":5}\n{"_patch":6,"_set":{}}\n{"i":5,"_no":6}\n')
    with Store(tmp_path) as store, pytest.raises(StoreError, match="patch"):
        store.append("audit", {})


def test_segments_without_their_layout_file_are_refused(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=2) as store:
        store.append("audit", {})
    (tmp_path / "journals" / "audit" / "journal.json").unlink()
    with Store(tmp_path) as store, pytest.raises(StoreError, match="journal.json"):
        store.count("audit")


def test_store_rejects_nonsense_limits(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Store(tmp_path, segment_records=0)
    with pytest.raises(ValueError):
        Store(tmp_path, max_segments=0)


def test_segment_files_are_compact_json_lines_records_then_patches(tmp_path: Path) -> None:
    text = "ünïcode \"quoted\" \\ €\n\u2028"  # a newline and a Unicode line separator
    with Store(tmp_path, segment_records=4) as store:
        for i in range(6):
            store.append("audit", {"i": i, "text": text, "n": {"a": [i]}})
        store.update_entry("audit", 2, outcome={"pips": 12.5})
        store.update_entry("audit", 6, outcome="sl")
        store.update_entry("audit", 2, outcome="tp1", closed=True)
    first = tmp_path / "journals" / "audit" / "00000000.jsonl"
    for path in sorted((tmp_path / "journals" / "audit").glob("0*.jsonl")):
        raw = path.read_bytes()
        assert raw.endswith(b"\n")
        for line in raw.split(b"\n")[:-1]:
            assert line.decode("utf-8") == dumps(json.loads(line))
    lines = _lines(first)
    assert [doc.get("_no") for doc in lines] == [1, 2, 3, 4, None, None]
    assert lines[4:] == [{"_patch": 2, "_set": {"outcome": {"pips": 12.5}}},
                         {"_patch": 2, "_set": {"outcome": "tp1", "closed": True}}]
    assert _lines(tmp_path / "journals" / "audit" / "00000001.jsonl")[-1] == {
        "_patch": 6, "_set": {"outcome": "sl"}}
    with Store(tmp_path) as store:
        assert store.tail("audit", 5)[-1]["outcome"] == "tp1"
        assert store.tail("audit", 5)[-1]["closed"] is True
        assert store.tail("audit", 5)[-1]["text"] == text
