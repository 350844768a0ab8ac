"""TinyDB storage that serves reads from memory and replaces its file atomically on every write."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from core.storage.atomic import atomic_write_text
from core.storage.errors import StoreError

Data = dict[str, dict[str, Any]]


def dumps(value: Any) -> str:
    """The file format: compact JSON, non-ASCII characters kept as they are (files are UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_document(path: Path) -> Data:
    """Read a TinyDB JSON file; a missing file is an empty database, anything unreadable is an
    error (returning {} there would let the next write wipe the data)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreError(f"cannot read store file {path}: {exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StoreError(f"store file {path} is corrupt and was left untouched: {exc}") from exc
    if not isinstance(data, dict):
        raise StoreError(f"store file {path} is corrupt: top level is not a JSON object")
    for table, docs in data.items():
        if not isinstance(docs, dict) or not all(isinstance(doc, dict) for doc in docs.values()):
            raise StoreError(f"store file {path} is corrupt: table {table!r} is not a document map")
    return data


class AtomicJSONStorage(Storage):
    """TinyDB storage: the file is parsed once, then reads come from memory.

    TinyDB mutates the dict `read()` returns and then passes it to `write()`, so the cached
    dict is the working copy. If a write fails, the cache is reloaded from disk before the
    error propagates, so memory never holds a change the file does not. Not thread-safe:
    callers serialise access (the Store holds one lock per file).
    """

    def __init__(self, path: str | Path, durable: bool = True) -> None:
        super().__init__()
        self.path = Path(path)
        self.durable = durable
        self._data: Data | None = None

    def read(self) -> Data:
        if self._data is None:
            self._data = load_document(self.path)
        return self._data

    def write(self, data: Data) -> None:
        self.write_serialized(data, lambda: dumps(data))

    def write_serialized(self, data: Data, serialize: Callable[[], str]) -> None:
        """`write` for callers that assemble the JSON text of `data` from pieces they cached;
        `serialize()` must return exactly what `dumps(data)` would."""
        try:
            atomic_write_text(self.path, serialize(), durable=self.durable)
        except BaseException:
            self._reload_after_failure()
            raise
        self._data = data

    def _reload_after_failure(self) -> None:
        try:
            self._data = load_document(self.path)
        except BaseException:
            # Reading failed too: forget the cache so the next read goes back to the file.
            self._data = None

    def close(self) -> None:
        self._data = None
