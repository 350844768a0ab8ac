"""Journals written in the former TinyDB segment format are migrated to JSON Lines on open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.storage import Store, StoreError, migrate

LEGACY: list[dict[str, Any]] = [
    {"i": i, "sym": "XAUUSD €", "tags": [i], "_no": i + 1} for i in range(8)
]


def _legacy_journal(root: Path, cap: int = 3, name: str = "signals") -> Path:
    """What the TinyDB journals wrote: one {"_default": {"<no>": record}} file per segment."""
    directory = root / "journals" / name
    directory.mkdir(parents=True)
    (directory / "journal.json").write_text(json.dumps({"segment_records": cap}))
    for seq in range(0, (len(LEGACY) + cap - 1) // cap):
        docs = {str(d["_no"]): d for d in LEGACY[seq * cap:(seq + 1) * cap]}
        if seq == 0:
            docs["2"] = {**docs["2"], "outcome": "sl"}  # an update_entry, merged in place
        text = json.dumps({"_default": docs}, ensure_ascii=False, separators=(",", ":"))
        (directory / f"{seq:08d}.json").write_text(text, encoding="utf-8")
    return directory


def _expected() -> list[dict[str, Any]]:
    return [{**d, "outcome": "sl"} if d["_no"] == 2 else d for d in LEGACY]


def test_a_legacy_journal_reads_the_same_and_carries_on(tmp_path: Path) -> None:
    directory = _legacy_journal(tmp_path)
    with Store(tmp_path) as store:
        assert list(store.scan("signals")) == _expected()
        assert sorted(p.name for p in directory.iterdir()) == [
            "00000000.jsonl", "00000001.jsonl", "00000002.jsonl", "journal.json"]
        assert store.count("signals") == 8
        assert store.tail("signals", 2) == _expected()[:-3:-1]
        assert store.append("signals", {"i": 8}) == 9  # numbers go on; segment size kept
        assert store.update_entry("signals", 1, outcome="tp1")["outcome"] == "tp1"
    with Store(tmp_path) as store:
        records = list(store.scan("signals"))
        assert [d["_no"] for d in records] == list(range(1, 10))
        assert records[0]["outcome"] == "tp1" and records[1]["outcome"] == "sl"
    assert len((directory / "00000002.jsonl").read_bytes().splitlines()) == 3


def test_a_migration_cut_short_keeps_the_json_lines_file(tmp_path: Path) -> None:
    directory = _legacy_journal(tmp_path)
    with Store(tmp_path) as store:
        store.append("signals", {"i": 8})  # lands in the migrated head, 00000002.jsonl
    # The process died after writing 00000002.jsonl and before deleting 00000002.json.
    docs = {str(d["_no"]): d for d in LEGACY[6:]}
    (directory / "00000002.json").write_text(json.dumps({"_default": docs}))
    with Store(tmp_path) as store:
        assert [d["_no"] for d in store.scan("signals")] == list(range(1, 10))
    assert not (directory / "00000002.json").exists()


def test_a_failed_migration_leaves_the_legacy_file_for_the_next_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _legacy_journal(tmp_path)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(migrate, "atomic_write_bytes", disk_full)
    with Store(tmp_path) as store, pytest.raises(OSError):
        store.count("signals")
    assert (directory / "00000000.json").exists()
    monkeypatch.undo()
    with Store(tmp_path) as store:
        assert list(store.scan("signals")) == _expected()


def test_a_legacy_segment_with_other_tables_is_kept_beside(tmp_path: Path) -> None:
    directory = _legacy_journal(tmp_path)
    path = directory / "00000000.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["notes"] = {"1": {"by": "operator"}}
    path.write_text(json.dumps(data), encoding="utf-8")
    with Store(tmp_path) as store:
        store.update_entry("signals", 1, seen=True)
        assert list(store.scan("signals"))[0] == {**LEGACY[0], "seen": True}
    kept = json.loads((directory / "00000000.legacy.json").read_text(encoding="utf-8"))
    assert kept["notes"] == {"1": {"by": "operator"}}
    assert not path.exists()
    with Store(tmp_path) as store:  # the kept file is not taken for a segment
        assert store.count("signals") == 8


def test_an_unreadable_legacy_segment_fails_its_reads_only(tmp_path: Path) -> None:
    directory = _legacy_journal(tmp_path)
    (directory / "00000000.json").write_text('{"_default": {"1": ', encoding="utf-8")
    with Store(tmp_path) as store:
        assert store.append("signals", {"i": 8}) == 9  # the head migrated fine
        assert store.count("signals") == 9
        with pytest.raises(StoreError, match=r"00000000\.json"):
            list(store.scan("signals"))
        with pytest.raises(StoreError, match=r"00000000\.json"):
            store.update_entry("signals", 1, x=1)
        assert [d["_no"] for d in store.scan("signals", since_record=3)] == list(range(4, 10))
    assert (directory / "00000000.json").read_text() == '{"_default": {"1": '  # untouched
    (directory / "00000002.jsonl").unlink()
    (directory / "00000002.json").write_text("{", encoding="utf-8")
    with Store(tmp_path) as store, pytest.raises(StoreError, match=r"00000002\.json"):
        store.append("signals", {})


def test_an_unreadable_legacy_segment_is_pruned_like_any_other(tmp_path: Path) -> None:
    directory = _legacy_journal(tmp_path)
    (directory / "00000000.json").write_text("[]", encoding="utf-8")
    with Store(tmp_path, max_segments=3) as store:
        store.append("signals", {"i": 8})
        assert (directory / "00000000.json").exists()
        store.append("signals", {"i": 9})  # opens segment 3: segment 0 goes
        assert not (directory / "00000000.json").exists()
        assert [d["_no"] for d in store.scan("signals")] == list(range(4, 11))


@pytest.mark.parametrize("bad", [
    {"_default": {"one": {"i": 0}}},
    {"_default": {"4": {"i": 3}}},  # segment 0 of 3-record segments holds 1..3
])
def test_legacy_segments_with_impossible_numbers_are_refused(
        tmp_path: Path, bad: dict[str, Any]) -> None:
    directory = _legacy_journal(tmp_path)
    (directory / "00000000.json").write_text(json.dumps(bad), encoding="utf-8")
    with Store(tmp_path) as store, pytest.raises(StoreError, match=r"00000000\.json"):
        list(store.scan("signals"))


def test_legacy_segments_without_their_layout_file_are_refused(tmp_path: Path) -> None:
    directory = _legacy_journal(tmp_path)
    (directory / "journal.json").unlink()
    with Store(tmp_path) as store, pytest.raises(StoreError, match="journal.json"):
        store.count("signals")
    assert (directory / "00000000.json").exists()


def test_a_leftover_legacy_file_goes_with_its_pruned_segment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = _legacy_journal(tmp_path)
    real_unlink = Path.unlink

    def held_open(path: Path, missing_ok: bool = False) -> None:
        if path.name == "00000000.json" and path.exists() and held:
            raise PermissionError("in use by another process")
        real_unlink(path, missing_ok=missing_ok)

    held = True
    monkeypatch.setattr(Path, "unlink", held_open)
    with Store(tmp_path, max_segments=3) as store:
        assert store.count("signals") == 8  # migrated; the old file could not be removed
        assert (directory / "00000000.json").exists()
        held = False
        store.append("signals", {"i": 8})
        store.append("signals", {"i": 9})  # segment 3 opens: segment 0 goes, in both formats
    assert not (directory / "00000000.json").exists()
    with Store(tmp_path, max_segments=3) as store:
        assert [d["_no"] for d in store.scan("signals")] == list(range(4, 11))
