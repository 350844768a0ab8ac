"""One journal: append-only records in fixed-size segment files, the oldest segments pruned."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from core.storage.atomic import atomic_write_text
from core.storage.documents import check_fields, clone, to_record
from core.storage.errors import StoreError
from core.storage.tinydb_atomic import AtomicJSONStorage, dumps

NO_FIELD = "_no"
_TABLE = "_default"  # TinyDB's default table: segments open with a plain TinyDB(path)
META_NAME = "journal.json"
_SEGMENT_NAME = re.compile(r"(\d{8})\.json")
# Outcomes are usually written to recent records: keep a few older segments parsed.
_CACHED_SEGMENTS = 4
T = TypeVar("T")


class _Segment:
    """One segment file, a TinyDB-format file whose document ids are the record numbers.

    Journals only insert by number and merge into one record, so they use the storage
    directly. Each record's JSON text is kept, so an append serialises one record and joins
    strings instead of re-serialising the whole segment."""

    def __init__(self, path: Path, durable: bool) -> None:
        self.storage = AtomicJSONStorage(path, durable)
        self._pieces: dict[str, str] | None = None  # same keys, same order as the documents

    def _docs(self) -> dict[str, Any]:
        return self.storage.read().get(_TABLE, {})

    def get(self, number: int) -> dict[str, Any] | None:
        doc = self._docs().get(str(number))
        return doc if isinstance(doc, dict) else None

    def numbers(self) -> list[int]:
        try:
            return [int(key) for key in self._docs()]
        except ValueError as exc:
            raise StoreError(f"store file {self.storage.path} is corrupt: {exc}") from exc

    def records(self) -> list[tuple[int, dict[str, Any]]]:
        """(record number, record) pairs, oldest first."""
        docs = self._docs()
        return [(number, docs[str(number)]) for number in sorted(self.numbers())]

    def insert(self, number: int, record: dict[str, Any]) -> None:
        self._change(str(number), lambda docs: docs.__setitem__(str(number), record))

    def update(self, number: int, changes: dict[str, Any]) -> None:
        self._change(str(number), lambda docs: docs[str(number)].update(changes))

    def _change(self, key: str, mutate: Callable[[dict[str, Any]], None]) -> None:
        data = self.storage.read()
        try:
            if data.keys() - {_TABLE}:
                # A file someone gave other tables: keep them, take the general path.
                self._pieces = None
                mutate(data.setdefault(_TABLE, {}))
                self.storage.write(data)
                return
            if self._pieces is None:
                self._pieces = {k: dumps(doc) for k, doc in data.get(_TABLE, {}).items()}
            pieces = self._pieces
            docs = data.setdefault(_TABLE, {})
            mutate(docs)
            pieces[key] = dumps(docs[key])
            self.storage.write_serialized(data, lambda: self._text(pieces))
        except BaseException:
            # Memory may hold a change the file does not: forget it, the file is the truth.
            self.storage.close()
            self._pieces = None
            raise

    @staticmethod
    def _text(pieces: dict[str, str]) -> str:
        # Keys are decimal record numbers: they need no JSON escaping.
        body = ",".join(f'"{key}":{piece}' for key, piece in pieces.items())
        return f'{{"{_TABLE}":{{{body}}}}}'

    def close(self) -> None:
        self.storage.close()
        self._pieces = None


def _read_meta(path: Path) -> int | None:
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read journal file {path}: {exc}") from exc
    cap = meta.get("segment_records") if isinstance(meta, dict) else None
    if not isinstance(cap, int) or cap < 1:
        raise StoreError(f"journal file {path} is corrupt: no valid 'segment_records'")
    return cap


class Journal:
    """Record number N lives in segment (N - 1) // segment_records, so finding a record never
    reads other segments. The segment size is fixed when the journal is created (journal.json):
    changing the setting later applies to new journals only."""

    def __init__(
        self, directory: Path, name: str, *, durable: bool, segment_records: int, max_segments: int
    ) -> None:
        self.directory = directory
        self.name = name
        self._durable = durable
        self._default_cap = segment_records
        self._max_segments = max_segments
        self._lock = threading.Lock()
        self._closed = False
        self._loaded = False
        self._cap = segment_records
        self._meta_written = False
        self._seqs: list[int] = []
        self._head: _Segment | None = None
        self._head_seq = -1
        self._next_no = 1
        self._cache: OrderedDict[int, _Segment] = OrderedDict()

    # -- loading -------------------------------------------------------------------------

    def _ready(self) -> None:
        """Caller holds the lock."""
        if self._closed:
            raise StoreError(f"journal {self.name!r}: the store is closed")
        if not self._loaded:
            self._load()

    def _load(self) -> None:
        seqs: list[int] = []
        if self.directory.is_dir():
            for entry in self.directory.iterdir():
                match = _SEGMENT_NAME.fullmatch(entry.name)
                if match:
                    seqs.append(int(match.group(1)))
        seqs.sort()
        meta_path = self.directory / META_NAME
        cap = _read_meta(meta_path)
        if cap is None and seqs:
            raise StoreError(
                f"journal {self.directory} has segment files but no {META_NAME}; "
                "its segment size is unknown, so it was left untouched"
            )
        self._meta_written = cap is not None
        self._cap = cap if cap is not None else self._default_cap
        self._seqs = seqs
        self._next_no = 1
        if seqs:
            self._head_seq = seqs[-1]
            self._head = _Segment(self._segment_path(self._head_seq), self._durable)
            numbers = self._head.numbers()
            first, last = self._head_seq * self._cap + 1, (self._head_seq + 1) * self._cap
            if numbers and (min(numbers) < first or max(numbers) > last):
                raise StoreError(
                    f"store file {self._segment_path(self._head_seq)} is corrupt: record numbers "
                    f"outside {first}..{last}"
                )
            self._next_no = max(numbers, default=first - 1) + 1
        self._loaded = True

    def _unload(self) -> None:
        for segment in self._cache.values():
            segment.close()
        self._cache.clear()
        if self._head is not None:
            self._head.close()
        self._head, self._head_seq, self._seqs, self._loaded = None, -1, [], False

    def _write(self, change: Callable[[], T]) -> T:
        """Run one write; on failure drop all memory so the next call re-reads the disk."""
        try:
            return change()
        except BaseException:
            self._unload()
            raise

    def _segment_path(self, seq: int) -> Path:
        return self.directory / f"{seq:08d}.json"

    def _segment(self, seq: int, keep: bool) -> _Segment:
        if seq == self._head_seq and self._head is not None:
            return self._head
        cached = self._cache.get(seq)
        if cached is not None:
            self._cache.move_to_end(seq)
            return cached
        segment = _Segment(self._segment_path(seq), self._durable)
        if keep:
            self._cache[seq] = segment
            if len(self._cache) > _CACHED_SEGMENTS:
                self._cache.popitem(last=False)[1].close()
        return segment

    # -- writing -------------------------------------------------------------------------

    def append(self, doc: Mapping[str, Any]) -> int:
        record = to_record(doc, f"append({self.name!r})")
        with self._lock:
            self._ready()
            number = self._next_no
            record[NO_FIELD] = number
            seq = (number - 1) // self._cap
            if not self._meta_written:
                self._write(self._write_meta)
            if seq != self._head_seq:
                self._rotate(seq)
            head = self._head
            assert head is not None
            self._write(lambda: head.insert(number, record))
            self._next_no = number + 1
            if not self._seqs or self._seqs[-1] != seq:
                self._seqs.append(seq)
                self._prune()
            return number

    def _write_meta(self) -> None:
        text = json.dumps({"segment_records": self._cap})
        atomic_write_text(self.directory / META_NAME, text, durable=self._durable)
        self._meta_written = True

    def _rotate(self, seq: int) -> None:
        if self._head is not None:
            self._cache[self._head_seq] = self._head
            if len(self._cache) > _CACHED_SEGMENTS:
                self._cache.popitem(last=False)[1].close()
        self._head, self._head_seq = _Segment(self._segment_path(seq), self._durable), seq

    def _prune(self) -> None:
        while len(self._seqs) > self._max_segments:
            oldest = self._seqs[0]
            cached = self._cache.pop(oldest, None)
            if cached is not None:
                cached.close()
            try:
                self._segment_path(oldest).unlink(missing_ok=True)
            except OSError:
                # The records are safe either way; retried at the next rotation.
                return
            self._seqs.pop(0)

    def update_entry(self, number: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        changes = check_fields(fields, NO_FIELD, f"update_entry({self.name!r}, {number})")
        with self._lock:
            self._ready()
            segment = self._segment_holding(number)
            if changes:
                self._write(lambda: segment.update(number, changes))
            return clone(segment.get(number))

    def _segment_holding(self, number: int) -> _Segment:
        if not isinstance(number, int) or not 1 <= number < self._next_no:
            raise KeyError(f"journal {self.name!r} has no record {number!r}")
        seq = (number - 1) // self._cap
        if seq not in self._seqs:
            raise KeyError(f"journal {self.name!r}: record {number} was pruned by retention")
        segment = self._segment(seq, keep=True)
        if segment.get(number) is None:
            raise KeyError(f"journal {self.name!r} has no record {number}")
        return segment

    # -- reading -------------------------------------------------------------------------

    def tail(self, n: int) -> list[dict[str, Any]]:
        newest_first: list[dict[str, Any]] = []
        with self._lock:
            self._ready()
            for seq in reversed(self._seqs):
                if len(newest_first) >= n:
                    break
                records = self._segment(seq, keep=True).records()
                for _, doc in reversed(records[-(n - len(newest_first)) :]):
                    newest_first.append(clone(doc))
        return newest_first

    def scan(
        self, since_record: int, where: Callable[[dict[str, Any]], bool] | None
    ) -> Iterator[dict[str, Any]]:
        # The lock is held per segment, never across a yield: the consumer may append.
        with self._lock:
            self._ready()
            end = self._next_no
            first_seq = max(since_record, 0) // self._cap
            seqs = [seq for seq in self._seqs if seq >= first_seq]
        for seq in seqs:
            with self._lock:
                self._ready()
                if seq not in self._seqs:
                    continue
                segment = self._segment(seq, keep=False)
                batch = [
                    clone(doc) for number, doc in segment.records() if since_record < number < end
                ]
                if segment is not self._head and seq not in self._cache:
                    segment.close()
            for record in batch:
                if where is None or where(record):
                    yield record

    def count(self) -> int:
        with self._lock:
            self._ready()
            if not self._seqs:
                return 0
            # Appends are sequential, so every segment but the newest is full.
            in_head = self._next_no - 1 - self._head_seq * self._cap
            return (len(self._seqs) - 1) * self._cap + in_head

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._unload()
