"""AtomicJSONStorage: memory-served reads, atomic writes, rollback on failure, corrupt files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tinydb import TinyDB

from core.storage import AtomicJSONStorage, StoreError, tinydb_atomic


def _db(path: Path, durable: bool = True) -> TinyDB:
    return TinyDB(path, storage=AtomicJSONStorage, durable=durable)


def test_missing_file_is_an_empty_database_and_reading_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "db.json"
    db = _db(path)
    assert db.all() == []
    assert not path.exists()


def test_writes_compact_utf8_json_that_a_new_instance_reads(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    _db(path).insert({"name": "Zürich €", "n": 1})
    raw = path.read_bytes()
    assert raw == '{"_default":{"1":{"name":"Zürich €","n":1}}}'.encode()
    assert _db(path).all() == [{"name": "Zürich €", "n": 1}]


def test_file_is_parsed_once_then_reads_come_from_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = []
    real = tinydb_atomic.load_document

    def counting(path: Path) -> tinydb_atomic.Data:
        loads.append(path)
        return real(path)

    monkeypatch.setattr(tinydb_atomic, "load_document", counting)
    path = tmp_path / "db.json"
    path.write_text('{"_default":{"1":{"a":1}}}', encoding="utf-8")
    db = _db(path)
    for i in range(50):
        db.insert({"i": i})
        assert len(db) == i + 2
    assert len(loads) == 1


def test_failed_write_restores_memory_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.json"
    db = _db(path)
    doc_id = db.insert({"qty": 1})

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tinydb_atomic, "atomic_write_text", broken)
    with pytest.raises(OSError, match="disk full"):
        db.insert({"qty": 2})
    # TinyDB mutates the cached document in place before writing: that must be undone too.
    with pytest.raises(OSError, match="disk full"):
        db.update({"qty": 99}, doc_ids=[doc_id])
    assert db.all() == [{"qty": 1}]
    monkeypatch.undo()
    db.insert({"qty": 3})
    assert _db(path).all() == [{"qty": 1}, {"qty": 3}]


def test_unserialisable_value_leaves_memory_and_disk_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    db = _db(path)
    db.insert({"a": 1})
    with pytest.raises(TypeError):
        db.insert({"a": object()})
    assert db.all() == [{"a": 1}]
    assert _db(path).all() == [{"a": 1}]


def test_failed_reload_forgets_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"_default": {"1": {"a": 1}}})

    def broken(*args: object, **kwargs: object) -> None:
        path.write_text("{broken", encoding="utf-8")
        raise OSError("disk gone")

    monkeypatch.setattr(tinydb_atomic, "atomic_write_text", broken)
    with pytest.raises(OSError):
        storage.write({"_default": {}})
    # Memory no longer claims anything; the next read goes back to the (now bad) file.
    with pytest.raises(StoreError):
        storage.read()


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b'{"_default": {"1": {"a": 1}', b"[]", b'{"_default": []}', b'{"t": {"1": 5}}',
     b"\xff\xfe\x00garbage"],
    ids=["empty", "brace", "truncated", "list", "table-list", "doc-not-object", "not-utf8"],
)
def test_corrupt_file_raises_store_error_naming_it_and_keeps_it(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "positions.json"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="positions.json"):
        _db(path).all()
    assert path.read_bytes() == content


def test_unreadable_path_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "a_directory.json"
    path.mkdir()
    with pytest.raises(StoreError, match="a_directory.json"):
        _db(path).all()


@pytest.mark.parametrize("durable", [True, False])
def test_durable_flag_controls_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    calls = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    _db(tmp_path / "db.json", durable=durable).insert({"a": 1})
    assert bool(calls) is durable
    assert json.loads((tmp_path / "db.json").read_text(encoding="utf-8"))


def test_close_drops_memory(tmp_path: Path) -> None:
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"_default": {"1": {"a": 1}}})
    storage.close()
    path.write_text('{"_default":{}}', encoding="utf-8")
    assert storage.read() == {"_default": {}}
