"""JSON Lines journals: torn lines, patch folding across restarts, group commit, fsync count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.storage import Store, StoreError, segment
from core.storage.segment import Segment


def _path(root: Path, journal: str, seq: int) -> Path:
    return root / "journals" / journal / f"{seq:08d}.jsonl"


def _fill(root: Path, count: int, segment_records: int = 500) -> None:
    with Store(root, segment_records=segment_records) as store:
        for i in range(count):
            store.append("j", {"i": i})


@pytest.mark.parametrize("torn", [b'{"i":3,"_n', b'{"i":3,"_no":4}', b'{"i":3,"_no":4,"x":"\xc3'])
def test_a_torn_last_line_is_ignored_then_cut_before_the_next_write(
        tmp_path: Path, torn: bytes) -> None:
    _fill(tmp_path, 3)
    path = _path(tmp_path, "j", 0)
    whole = path.read_bytes()
    path.write_bytes(whole + torn)  # the writer died inside its last write: no newline
    with Store(tmp_path) as store:
        assert store.count("j") == 3
        assert [d["i"] for d in store.tail("j", 10)] == [2, 1, 0]
        assert path.read_bytes() == whole + torn  # reading changes nothing on disk
        assert store.append("j", {"i": 30}) == 4  # the torn record was never acknowledged
    assert path.read_bytes() == whole + b'{"i":30,"_no":4}\n'


def test_a_garbled_last_complete_line_is_a_torn_tail(tmp_path: Path) -> None:
    # A power cut can persist the page holding a line's newline and not the one before it.
    _fill(tmp_path, 2)
    path = _path(tmp_path, "j", 0)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"i":2,\x00\x00\x00\x00\n{"i"')
    with Store(tmp_path) as store:
        assert store.count("j") == 2
        store.update_entry("j", 2, seen=True)  # a patch cuts the tail first too
    assert path.read_bytes() == whole + b'{"_patch":2,"_set":{"seen":true}}\n'


def test_a_torn_patch_in_an_older_segment_is_dropped_and_cut(tmp_path: Path) -> None:
    _fill(tmp_path, 5, segment_records=2)
    path = _path(tmp_path, "j", 0)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"_patch":1,"_set":{"outcome":"t')
    with Store(tmp_path) as store:
        assert next(store.scan("j")) == {"i": 0, "_no": 1}
        assert store.update_entry("j", 1, outcome="sl") == {"i": 0, "outcome": "sl", "_no": 1}
    assert path.read_bytes() == whole + b'{"_patch":1,"_set":{"outcome":"sl"}}\n'


def test_patches_fold_in_order_and_survive_restarts(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=3) as store:
        for i in range(7):
            store.append("j", {"i": i, "status": "queued"})
        store.update_entry("j", 2, status="processed", outcome="executed")
        store.update_entry("j", 7, status="processed")
    with Store(tmp_path) as store:
        assert store.update_entry("j", 2, outcome="closed", pips=[1, 2]) == {
            "i": 1, "status": "processed", "outcome": "closed", "_no": 2, "pips": [1, 2]}
        store.update_entry("j", 2, pips=None)
        store.append("j", {"i": 7})
    with Store(tmp_path) as store:
        by_no = {d["_no"]: d for d in store.scan("j")}
        assert by_no[2] == {"i": 1, "status": "processed", "outcome": "closed", "_no": 2,
                            "pips": None}
        assert by_no[7] == {"i": 6, "status": "processed", "_no": 7}
        assert by_no[8] == {"i": 7, "_no": 8}
        assert store.count("j") == 8
        assert store.tail("j", 2) == [by_no[8], by_no[7]]
        assert [d["_no"] for d in store.scan("j", 1, lambda d: d.get("status") == "queued")] == [
            3, 4, 5, 6]


def test_retention_takes_a_segment_with_its_patches(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=2, max_segments=2) as store:
        for i in range(4):
            store.append("j", {"i": i})
        store.update_entry("j", 1, seen=True)  # patches segment 0, pruned below
        store.update_entry("j", 3, seen=True)
        assert store.append("j", {"i": 4}) == 5
        assert not _path(tmp_path, "j", 0).exists()
        with pytest.raises(KeyError, match="pruned"):
            store.update_entry("j", 1, seen=False)
        assert [(d["_no"], d.get("seen")) for d in store.scan("j")] == [
            (3, True), (4, None), (5, None)]
        assert store.count("j") == 3
    with Store(tmp_path, segment_records=2, max_segments=2) as store:
        assert store.count("j") == 3
        assert store.append_many("j", [{"i": 5}, {"i": 6}]) == [6, 7]
        assert sorted(p.name for p in _path(tmp_path, "j", 0).parent.glob("0*")) == [
            "00000002.jsonl", "00000003.jsonl"]
        assert [d["_no"] for d in store.scan("j")] == [5, 6, 7]


def test_append_many_numbers_in_order_across_segments(tmp_path: Path) -> None:
    with Store(tmp_path, segment_records=4) as store:
        assert store.append_many("j", []) == []
        assert store.append("j", {"i": 0}) == 1
        assert store.append_many("j", [{"i": i} for i in range(1, 11)]) == list(range(2, 12))
        assert store.append_many("j", ({"_no": 99, "i": 11},)) == [12]
        assert [d["i"] for d in store.scan("j")] == list(range(12))
        assert store.count("j") == 12
    assert [len(_path(tmp_path, "j", s).read_bytes().splitlines()) for s in range(3)] == [4, 4, 4]
    with pytest.raises(TypeError), Store(tmp_path) as store:
        store.append_many("j", [{"i": 12}, {"bad": object()}])
    with Store(tmp_path) as store:
        assert store.count("j") == 12  # a document that cannot be stored stores none


def test_append_many_failing_in_its_second_segment_stores_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Segment.write
    calls: list[Path] = []

    def second_fails(self: Segment, data: bytes) -> None:
        calls.append(self.path)
        if len(calls) == 2:
            raise OSError("disk full")
        real(self, data)

    with Store(tmp_path, segment_records=3) as store:
        store.append("j", {"i": 0})
        before = _path(tmp_path, "j", 0).read_bytes()
        monkeypatch.setattr(Segment, "write", second_fails)
        with pytest.raises(OSError):
            store.append_many("j", [{"i": i} for i in range(1, 5)])
        monkeypatch.undo()
        assert calls == [_path(tmp_path, "j", 0), _path(tmp_path, "j", 1)]
        assert _path(tmp_path, "j", 0).read_bytes() == before  # the first part was cut off
        assert store.count("j") == 1
        assert store.append_many("j", [{"i": 1}, {"i": 2}, {"i": 3}]) == [2, 3, 4]
    with Store(tmp_path) as store:
        assert [d["i"] for d in store.scan("j")] == [0, 1, 2, 3]


def test_one_fsync_per_write_and_the_directory_once_per_new_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = segment.os.fsync

    def fsync(fd: int) -> None:
        synced.append("file")
        real_fsync(fd)

    monkeypatch.setattr(segment.os, "fsync", fsync)
    monkeypatch.setattr(segment, "fsync_directory", lambda d: synced.append("dir"))
    with Store(tmp_path, segment_records=100) as store:
        store.append("j", {"i": 0})  # creates the journal's first segment
        store.append("j", {"i": 1})
        synced.clear()
        assert store.append_many("j", [{"i": i} for i in range(2, 50)]) == list(range(3, 51))
        assert synced == ["file"]
        synced.clear()
        store.update_entry("j", 3, seen=True)
        assert synced == ["file"]
        synced.clear()
        store.append_many("j", [{"i": i} for i in range(50, 110)])  # 50 here, 10 in a new one
        assert synced == ["file", "file", "dir"]
    with Store(tmp_path, durable=False) as store:
        synced.clear()
        store.append_many("j", [{"i": 110}])
        store.update_entry("j", 1, seen=True)
        assert synced == []


def test_reads_are_served_from_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Path] = []
    real = segment.read_bytes

    def read_bytes(path: Path) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(segment, "read_bytes", read_bytes)
    with Store(tmp_path, segment_records=10, durable=False) as store:
        for i in range(35):
            store.append("j", {"i": i})
        store.update_entry("j", 25, seen=True)
        assert reads == [_path(tmp_path, "j", s) for s in range(4)]  # each created once
        reads.clear()
        for _ in range(3):  # an outbox polling pending(), intake recovery, /signals
            assert [d["_no"] for d in store.scan("j", since_record=28)] == list(range(29, 36))
            assert len(store.tail("j", 12)) == 12
            assert store.count("j") == 35
            store.update_entry("j", 30, seen=True)
        assert reads == []
    with Store(tmp_path, segment_records=10) as store:
        reads.clear()
        assert store.count("j") == 35
        assert reads == [_path(tmp_path, "j", 3)]  # opening parses the newest segment only


def test_the_store_refuses_what_is_not_a_segment_line(tmp_path: Path) -> None:
    _fill(tmp_path, 1)
    path = _path(tmp_path, "j", 0)
    path.write_bytes(path.read_bytes() + b'{"no_number":1}\n{"i":1,"_no":2}\n')
    with Store(tmp_path) as store, pytest.raises(StoreError, match="neither a record"):
        store.count("j")
    for patch in (b'{"_patch":true,"_set":{}}', b'{"_patch":1,"_set":{"_no":2}}'):
        path.write_bytes(b'{"i":0,"_no":1}\n' + patch + b'\n{"i":1,"_no":2}\n')
        with Store(tmp_path) as store, pytest.raises(StoreError, match="a patch for record"):
            store.count("j")
    path.write_bytes(b'{"i":0,"_no":501}\n')  # segment 0 holds 1..500
    with Store(tmp_path) as store, pytest.raises(StoreError, match="outside 1..500"):
        store.count("j")
    assert json.loads(path.read_bytes()) == {"i": 0, "_no": 501}  # left untouched
