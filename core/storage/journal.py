"""One journal: numbered records appended to fixed-size JSON Lines segments, oldest pruned."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.storage.atomic import atomic_write_text
from core.storage.documents import check_fields, clone
from core.storage.errors import StoreError
from core.storage.migrate import migrate_legacy_segments
from core.storage.segment import NO_FIELD, SUFFIX, Segment, dumps

META_NAME = "journal.json"
_SEGMENT_NAME = re.compile(r"(\d{8})" + re.escape(SUFFIX))
# Outcomes are usually written to recent records: keep a few older segments parsed.
_CACHED_SEGMENTS = 4


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


def _encode(doc: Mapping[str, Any], number: int, what: str) -> tuple[bytes, dict[str, Any]]:
    """The record line and the private in-memory copy of `doc` numbered `number`, from one
    serialisation: the copy is what the line says (tuples became lists, and so on)."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"{what}: a document must be a mapping, got {type(doc).__name__}")
    body = {k: v for k, v in doc.items() if k != NO_FIELD} if NO_FIELD in doc else doc
    try:
        text = dumps(body)
        record = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what}: document is not JSON-serialisable: {exc}") from exc
    if not isinstance(record, dict):
        raise TypeError(f"{what}: a document must be a JSON object")
    record[NO_FIELD] = number
    # `_no` goes last, as in memory; "{}" has nothing before it to separate.
    line = f'{text[:-1]}{"," if record.keys() - {NO_FIELD} else ""}"{NO_FIELD}":{number}}}\n'
    return line.encode("utf-8"), record


class Journal:
    """Record number N lives in segment (N - 1) // segment_records, so finding a record never
    reads other segments; a patch line changing a record goes to the record's segment, so
    retention drops both together. The segment size is fixed when the journal is created
    (journal.json): changing the setting later applies to new journals only."""

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
        self._head: Segment | None = None
        self._next_no = 1
        self._cache: OrderedDict[int, Segment] = OrderedDict()
        self._broken: dict[int, StoreError] = {}  # former-format segments that did not migrate

    # -- loading -------------------------------------------------------------------------

    def _ready(self) -> None:
        """Caller holds the lock."""
        if self._closed:
            raise StoreError(f"journal {self.name!r}: the store is closed")
        if not self._loaded:
            self._load()

    def _load(self) -> None:
        meta_path = self.directory / META_NAME
        cap = _read_meta(meta_path)
        self._broken = {}
        seqs: set[int] = set()
        if self.directory.is_dir():
            if cap is not None:
                self._broken = migrate_legacy_segments(self.directory, cap, self._durable)
                seqs.update(self._broken)
            for entry in self.directory.iterdir():
                match = _SEGMENT_NAME.fullmatch(entry.name)
                if match:
                    seqs.add(int(match.group(1)))
                elif cap is None and re.fullmatch(r"\d{8}\.json", entry.name):
                    seqs.add(int(entry.name[:8]))
        if cap is None and seqs:
            raise StoreError(
                f"journal {self.directory} has segment files but no {META_NAME}; "
                "its segment size is unknown, so it was left untouched"
            )
        self._meta_written = cap is not None
        self._cap = cap if cap is not None else self._default_cap
        self._seqs = sorted(seqs)
        self._next_no = 1
        self._head = None
        if self._seqs:
            head = self._open_segment(self._seqs[-1])
            self._next_no = head.newest() + 1
            self._head = head
        self._loaded = True

    def _unload(self) -> None:
        for segment in self._cache.values():
            segment.release()
        self._cache.clear()
        if self._head is not None:
            self._head.release()
        self._head, self._seqs, self._loaded = None, [], False

    def _path(self, seq: int) -> Path:
        if seq in self._broken:
            return self.directory / f"{seq:08d}.json"
        return self.directory / f"{seq:08d}{SUFFIX}"

    def _open_segment(self, seq: int) -> Segment:
        if seq in self._broken:
            error = self._broken[seq]
            raise StoreError(f"{error} (the segment could not be migrated to JSON Lines)")
        first = seq * self._cap + 1
        return Segment(self._path(seq), first, first + self._cap - 1, self._durable)

    def _seq_of(self, number: int) -> int:
        return (number - 1) // self._cap

    def _segment(self, seq: int, keep: bool) -> Segment:
        head = self._head
        if head is not None and seq == self._seq_of(head.first):
            return head
        cached = self._cache.get(seq)
        if cached is not None:
            self._cache.move_to_end(seq)
            return cached
        segment = self._open_segment(seq)
        if keep:
            self._remember(seq, segment)
        return segment

    def _remember(self, seq: int, segment: Segment) -> None:
        self._cache[seq] = segment
        self._cache.move_to_end(seq)
        while len(self._cache) > _CACHED_SEGMENTS:
            for old, cached in self._cache.items():
                if cached.release():
                    del self._cache[old]
                    break
            else:
                return  # each holds a failed write's remains: they stay until those are cut

    # -- writing -------------------------------------------------------------------------

    def append(self, doc: Mapping[str, Any]) -> int:
        return self.append_many([doc])[0]

    def append_many(self, docs: Sequence[Mapping[str, Any]]) -> list[int]:
        """Records numbered in order, one write and one fsync per segment they fall in. All or
        nothing unless the process dies during the call: on an error, lines already written to
        an earlier segment are cut off again (best effort) and no number is used up."""
        what = f"append({self.name!r})"
        with self._lock:
            self._ready()
            first = self._next_no
            encoded = [_encode(doc, first + i, what) for i, doc in enumerate(docs)]
            if not encoded:
                return []
            if not self._meta_written:
                self._write_meta()
            done: list[tuple[Segment, bytes, list[dict[str, Any]]]] = []
            touched: list[Segment] = []
            try:
                start = 0
                while start < len(encoded):
                    seq = self._seq_of(first + start)
                    stop = min(len(encoded), (seq + 1) * self._cap - first + 1)
                    segment = self._writable(seq)
                    touched.append(segment)
                    chunk = encoded[start:stop]
                    lines = b"".join(line for line, _ in chunk)
                    segment.write(lines)
                    done.append((segment, lines, [record for _, record in chunk]))
                    start = stop
            except BaseException:
                for segment, lines, _ in done:
                    segment.unwrite(len(lines))
                for segment in touched:
                    if segment is not self._head:
                        # Kept (cache) so that the next write to it first cuts what failed.
                        segment.close_file()
                        self._remember(self._seq_of(segment.first), segment)
                raise
            for segment, _, records in done:
                segment.adopt(records)
                self._advance(segment)
            self._next_no = first + len(encoded)
            return list(range(first, self._next_no))

    def _writable(self, seq: int) -> Segment:
        """The segment that takes record numbers of `seq`: the head, or a new head."""
        head = self._head
        if head is not None and seq == self._seq_of(head.first):
            return head
        return self._cache.get(seq) or self._open_segment(seq)

    def _advance(self, segment: Segment) -> None:
        """`segment` just received records: make it the head if it is new."""
        seq = self._seq_of(segment.first)
        if segment is self._head:
            return
        if self._head is not None:
            self._head.close_file()
            self._remember(self._seq_of(self._head.first), self._head)
        self._cache.pop(seq, None)
        self._head = segment
        if not self._seqs or self._seqs[-1] != seq:
            self._seqs.append(seq)
            self._prune()

    def _write_meta(self) -> None:
        text = json.dumps({"segment_records": self._cap})
        atomic_write_text(self.directory / META_NAME, text, durable=self._durable)
        self._meta_written = True

    def _prune(self) -> None:
        while len(self._seqs) > self._max_segments:
            oldest = self._seqs[0]
            cached = self._cache.pop(oldest, None)
            if cached is not None:
                cached.close_file()
            try:
                # A former-format file left over by a migration must not come back later.
                (self.directory / f"{oldest:08d}.json").unlink(missing_ok=True)
                self._path(oldest).unlink(missing_ok=True)
            except OSError:
                # The records are safe either way; retried at the next rotation.
                return
            self._broken.pop(oldest, None)
            self._seqs.pop(0)

    def update_entry(self, number: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        changes = check_fields(fields, NO_FIELD, f"update_entry({self.name!r}, {number})")
        with self._lock:
            self._ready()
            segment = self._segment_holding(number)
            if changes:
                return clone(segment.patch(number, changes))
            return clone(segment.records()[number])

    def _segment_holding(self, number: int) -> Segment:
        if type(number) is not int or not 1 <= number < self._next_no:
            raise KeyError(f"journal {self.name!r} has no record {number!r}")
        seq = self._seq_of(number)
        if seq not in self._seqs:
            raise KeyError(f"journal {self.name!r}: record {number} was pruned by retention")
        segment = self._segment(seq, keep=True)
        if number not in segment.records():
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
                for doc in reversed(self._segment(seq, keep=True).records().values()):
                    if len(newest_first) >= n:
                        break
                    newest_first.append(clone(doc))
        return newest_first

    def scan(
        self, since_record: int, where: Callable[[dict[str, Any]], bool] | None
    ) -> Iterator[dict[str, Any]]:
        # The lock is held per segment, never across a yield: the consumer may append.
        with self._lock:
            self._ready()
            end = self._next_no
            first_seq = self._seq_of(max(since_record, 0) + 1)
            seqs = [seq for seq in self._seqs if seq >= first_seq]
        for seq in seqs:
            with self._lock:
                self._ready()
                if seq not in self._seqs:
                    continue
                # A full scan reads old segments once: it must not evict the recent ones.
                records = self._segment(seq, keep=False).records()
                batch = [
                    clone(doc) for number, doc in records.items() if since_record < number < end
                ]
            for record in batch:
                if where is None or where(record):
                    yield record

    def count(self) -> int:
        with self._lock:
            self._ready()
            if not self._seqs or self._head is None:
                return 0
            # Appends are sequential, so every segment but the newest is full.
            in_head = self._next_no - self._head.first
            return (len(self._seqs) - 1) * self._cap + in_head

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._unload()
