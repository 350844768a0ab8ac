"""One state table: a small TinyDB file of documents addressed by a string key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tinydb import TinyDB
from tinydb.table import Table

from core.storage.documents import check_fields, clone, to_record
from core.storage.errors import StoreError
from core.storage.tinydb_atomic import AtomicJSONStorage

KEY_FIELD = "_key"
_MISSING = object()
T = TypeVar("T")


def _replace_with(record: dict[str, Any]) -> Callable[[MutableMapping[str, Any]], None]:
    def replace(doc: MutableMapping[str, Any]) -> None:
        doc.clear()
        doc.update(record)

    return replace


class StateTable:
    """Documents keyed by `_key`; every change is one atomic rewrite of this table's file."""

    def __init__(self, path: Path, name: str, durable: bool) -> None:
        self.path = path
        self.name = name
        self._durable = durable
        self._lock = threading.Lock()
        self._closed = False
        self._db: TinyDB | None = None
        self._table: Table | None = None
        self._index: dict[str, int] = {}

    @contextmanager
    def _open(self) -> Iterator[Table]:
        """Hold the file's lock and yield the loaded table."""
        with self._lock:
            if self._closed:
                raise StoreError(f"table {self.name!r}: the store is closed")
            if self._table is None:
                self._load()
            assert self._table is not None
            yield self._table

    def _write(self, change: Callable[[], T]) -> T:
        """Run one TinyDB write. If it fails, forget everything held in memory (documents and
        key index), so the next call starts again from what the file holds."""
        try:
            return change()
        except BaseException:
            self._unload()
            raise

    def _load(self) -> None:
        db = TinyDB(self.path, storage=AtomicJSONStorage, durable=self._durable)
        table = db.table(db.default_table_name, cache_size=0)
        index: dict[str, int] = {}
        try:
            docs = list(table)
        except ValueError as exc:  # a document id that is not a number
            raise StoreError(f"store file {self.path} is corrupt: {exc}") from exc
        for doc in docs:
            key = doc.get(KEY_FIELD)
            if not isinstance(key, str) or key in index:
                raise StoreError(
                    f"store file {self.path} is corrupt: document {doc.doc_id} has a missing "
                    f"or duplicate {KEY_FIELD!r} ({key!r})"
                )
            index[key] = doc.doc_id
        self._db, self._table, self._index = db, table, index

    def _unload(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db, self._table, self._index = None, None, {}

    def _doc(self, table: Table, key: str) -> dict[str, Any] | None:
        doc_id = self._index.get(key)
        if doc_id is None:
            return None
        doc = table.get(doc_id=doc_id)
        return None if doc is None else dict(doc)

    def put(self, key: str, doc: Mapping[str, Any]) -> None:
        record = to_record(doc, f"put({self.name!r}, {key!r})")
        record[KEY_FIELD] = key
        with self._open() as table:
            doc_id = self._index.get(key)
            if doc_id is None:
                self._index[key] = self._write(lambda: table.insert(record))
            else:
                self._write(lambda: table.update(_replace_with(record), doc_ids=[doc_id]))

    def get(self, key: str) -> dict[str, Any] | None:
        with self._open() as table:
            return clone(self._doc(table, key))

    def delete(self, key: str) -> bool:
        with self._open() as table:
            doc_id = self._index.get(key)
            if doc_id is None:
                return False
            self._write(lambda: table.remove(doc_ids=[doc_id]))
            del self._index[key]
            return True

    def update(self, key: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        changes = check_fields(fields, KEY_FIELD, f"update({self.name!r}, {key!r})")
        with self._open() as table:
            doc_id = self._index.get(key)
            if doc_id is None:
                raise KeyError(f"table {self.name!r} has no key {key!r}")
            if changes:
                self._write(lambda: table.update(changes, doc_ids=[doc_id]))
            return clone(self._doc(table, key))

    def all(self) -> list[dict[str, Any]]:
        with self._open() as table:
            return [clone(dict(doc)) for doc in table]

    def find(self, equals: Mapping[str, Any]) -> list[dict[str, Any]]:
        # Compare against JSON values, as stored: a tuple asked for matches the stored list.
        equals = to_record(equals, f"find({self.name!r})")
        with self._open() as table:
            return [
                clone(dict(doc))
                for doc in table
                if all(doc.get(field, _MISSING) == value for field, value in equals.items())
            ]

    def __len__(self) -> int:
        with self._open() as table:
            return len(table)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._unload()
