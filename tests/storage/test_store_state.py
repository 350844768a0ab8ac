"""Store state tables: CRUD by key, one file per table, copies, names, locking, failures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.storage import Store, StoreError, tinydb_atomic


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store") as opened:
        yield opened


def test_put_get_update_delete(store: Store) -> None:
    assert store.get("positions", "t1") is None
    store.put("positions", "t1", {"symbol": "XAUUSD", "lots": 0.1})
    assert store.get("positions", "t1") == {"symbol": "XAUUSD", "lots": 0.1, "_key": "t1"}
    store.put("positions", "t1", {"symbol": "XAUUSD", "lots": 0.2})
    assert store.get("positions", "t1") == {"symbol": "XAUUSD", "lots": 0.2, "_key": "t1"}
    merged = store.update("positions", "t1", lots=0.3, sl=2300.5)
    assert merged == {"symbol": "XAUUSD", "lots": 0.3, "sl": 2300.5, "_key": "t1"}
    assert store.get("positions", "t1") == merged
    assert store.delete("positions", "t1") is True
    assert store.delete("positions", "t1") is False
    assert store.get("positions", "t1") is None


def test_put_replaces_the_whole_document(store: Store) -> None:
    store.put("orders", "a", {"x": 1, "y": 2})
    store.put("orders", "a", {"x": 5})
    assert store.get("orders", "a") == {"x": 5, "_key": "a"}


def test_update_missing_key_raises_key_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.update("orders", "nope", status="open")


def test_key_field_belongs_to_the_store(store: Store) -> None:
    store.put("orders", "a", {"_key": "something else", "x": 1})
    assert store.get("orders", "a") == {"x": 1, "_key": "a"}
    with pytest.raises(ValueError, match="_key"):
        store.update("orders", "a", _key="b")


def test_all_and_find(store: Store) -> None:
    store.put("order_intents", "c1", {"status": "pending", "symbol": "EURUSD"})
    store.put("order_intents", "c2", {"status": "sent", "symbol": "EURUSD"})
    store.put("order_intents", "c3", {"status": "pending", "symbol": "XAUUSD", "tags": [1, 2]})
    assert [d["_key"] for d in store.all("order_intents")] == ["c1", "c2", "c3"]
    assert [d["_key"] for d in store.find("order_intents", status="pending")] == ["c1", "c3"]
    found = store.find("order_intents", status="pending", symbol="EURUSD")
    assert [d["_key"] for d in found] == ["c1"]
    assert store.find("order_intents", missing=None) == []
    assert [d["_key"] for d in store.find("order_intents", tags=(1, 2))] == ["c3"]
    assert store.all("empty_table") == []


def test_find_and_update_accept_field_names_that_shadow_parameters(store: Store) -> None:
    store.put("t", "k", {"table": "x", "key": "y"})
    assert store.update("t", "k", key="z", table="w")["key"] == "z"
    assert len(store.find("t", table="w", key="z")) == 1


def test_returned_documents_are_private_copies(store: Store) -> None:
    doc = {"legs": [{"tp": 1}]}
    store.put("chains", "c", doc)
    doc["legs"][0]["tp"] = 99  # the caller's object is not the stored one
    got = store.get("chains", "c")
    assert got is not None
    got["legs"][0]["tp"] = 42
    store.all("chains")[0]["legs"].append("x")
    store.find("chains", _key="c")[0]["legs"].clear()
    assert store.get("chains", "c") == {"legs": [{"tp": 1}], "_key": "c"}


def test_values_are_stored_as_json(store: Store) -> None:
    store.put("t", "k", {"pair": ("EUR", "USD"), "text": "₹ é"})
    assert store.get("t", "k") == {"pair": ["EUR", "USD"], "text": "₹ é", "_key": "k"}
    with pytest.raises(TypeError, match="JSON"):
        store.put("t", "k2", {"when": object()})
    with pytest.raises(TypeError):
        store.put("t", "k3", ["not", "a", "mapping"])  # type: ignore[arg-type]
    assert store.get("t", "k2") is None


def test_one_file_per_table_and_writes_touch_only_their_file(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.put("positions", "p", {"a": 1})
        store.put("order_intents", "o", {"b": 2})
        intents = tmp_path / "state" / "order_intents.json"
        before = intents.stat()
        store.put("positions", "p", {"a": 2})
        after = intents.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert sorted(p.name for p in (tmp_path / "state").iterdir()) == [
            "order_intents.json",
            "positions.json",
        ]


def test_data_survives_reopen(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.put("positions", "a", {"n": 1})
        store.put("positions", "b", {"n": 2})
        store.delete("positions", "a")
    with Store(tmp_path) as store:
        assert store.all("positions") == [{"n": 2, "_key": "b"}]
        store.put("positions", "c", {"n": 3})
        assert [d["_key"] for d in store.all("positions")] == ["b", "c"]


@pytest.mark.parametrize(
    "name", ["", "Positions", "1abc", "a-b", "a b", "../x", "a/b", "x\n", "é", "a" * 42, None]
)
def test_invalid_names_are_refused(store: Store, name: object) -> None:
    with pytest.raises(StoreError, match="invalid table name"):
        store.put(name, "k", {})  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="invalid journal name"):
        store.append(name, {})  # type: ignore[arg-type]


def test_longest_valid_name_is_accepted(store: Store) -> None:
    store.put("a" * 41, "k", {"v": 1})
    assert store.get("a" * 41, "k") == {"v": 1, "_key": "k"}


@pytest.mark.parametrize("key", ["", None, 5])
def test_invalid_keys_are_refused(store: Store, key: object) -> None:
    with pytest.raises(StoreError, match="invalid key"):
        store.put("t", key, {})  # type: ignore[arg-type]


def test_corrupt_table_file_raises_store_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    bad = tmp_path / "state" / "positions.json"
    bad.write_text('{"_default": {"1": {"_key": "a"', encoding="utf-8")
    with Store(tmp_path) as store:
        with pytest.raises(StoreError, match=r"positions\.json"):
            store.get("positions", "a")
        store.put("other", "k", {"fine": True})  # other tables keep working
    assert bad.read_text(encoding="utf-8") == '{"_default": {"1": {"_key": "a"'


@pytest.mark.parametrize(
    "content",
    [
        '{"_default":{"1":{"_key":"a"},"2":{"_key":"a"}}}',
        '{"_default":{"1":{"no_key":"a"}}}',
        '{"_default":{"one":{"_key":"a"}}}',
    ],
    ids=["duplicate-key", "missing-key", "non-numeric-id"],
)
def test_inconsistent_table_files_are_reported(tmp_path: Path, content: str) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "positions.json").write_text(content, encoding="utf-8")
    with Store(tmp_path) as store, pytest.raises(StoreError, match=r"positions\.json"):
        store.all("positions")


def test_failed_write_keeps_memory_equal_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(tmp_path) as store:
        store.put("positions", "a", {"n": 1})

        def broken(*args: object, **kwargs: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(tinydb_atomic, "atomic_write_text", broken)
        for attempt in (
            lambda: store.put("positions", "b", {"n": 2}),
            lambda: store.put("positions", "a", {"n": 9}),
            lambda: store.update("positions", "a", n=9),
            lambda: store.delete("positions", "a"),
        ):
            with pytest.raises(OSError, match="disk full"):
                attempt()
            assert store.all("positions") == [{"n": 1, "_key": "a"}]
        monkeypatch.undo()
        store.put("positions", "b", {"n": 2})
        assert [d["_key"] for d in store.all("positions")] == ["a", "b"]


def test_second_store_on_the_same_root_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path), pytest.raises(StoreError, match="already open"):
        Store(tmp_path)
    with Store(tmp_path) as again:  # released on close
        assert again.all("t") == []


def test_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("not a directory", encoding="utf-8")
    with pytest.raises(StoreError, match="store"):
        Store(tmp_path / "store")


def test_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put("t", "k", {})
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get("t", "k")
    with pytest.raises(StoreError, match="closed"):
        store.append("j", {})


def test_stale_temp_files_are_removed_on_open(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.put("t", "k", {})
        store.append("j", {})
    leftovers = [
        tmp_path / "state" / ".t.json.x1.tmp",
        tmp_path / "journals" / "j" / ".00000000.jsonl.x.tmp",
    ]
    for path in leftovers:
        path.write_text("partial", encoding="utf-8")
    with Store(tmp_path) as store:
        assert store.get("t", "k") == {"_key": "k"}
    assert not any(path.exists() for path in leftovers)


def test_concurrent_threads_lose_nothing(tmp_path: Path) -> None:
    with Store(tmp_path, durable=False) as store:

        def work(worker: int) -> None:
            for i in range(60):
                store.put(f"table_{i % 3}", f"w{worker}-{i}", {"i": i})
                store.update(f"table_{i % 3}", f"w{worker}-{i}", worker=worker)
                store.append("audit", {"worker": worker, "i": i})

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(len(store.all(f"table_{t}")) for t in range(3)) == 240
        assert all("worker" in doc for t in range(3) for doc in store.all(f"table_{t}"))
        numbers = [doc["_no"] for doc in store.scan("audit")]
        assert numbers == list(range(1, 241))
