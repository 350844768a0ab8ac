"""One journal segment: a JSON Lines file of record lines and patch lines, folded in memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, BinaryIO

from core.storage.atomic import fsync_directory
from core.storage.errors import StoreError

NO_FIELD = "_no"
PATCH_FIELD = "_patch"
SET_FIELD = "_set"
SUFFIX = ".jsonl"


def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (files are UTF-8). JSON escapes control characters
    inside strings, so a line never contains a raw newline byte."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def patch_line(number: int, changes: dict[str, Any]) -> bytes:
    """A patch names its record in `_patch`; a record line always carries `_no` instead."""
    return f'{{"{PATCH_FIELD}":{number},"{SET_FIELD}":{dumps(changes)}}}\n'.encode()


def parse(data: bytes, path: Path, first: int, last: int) -> tuple[dict[int, dict[str, Any]], int]:
    """Fold a segment's lines into {record number: record}; also return the byte length of the
    lines kept. The torn tail of a crash is not kept: an unterminated last fragment, and a last
    complete line that does not parse (a power cut can persist a line's newline before the
    rest of its page). Every other unreadable line is corruption and raises StoreError."""
    records: dict[int, dict[str, Any]] = {}
    lines = data.split(b"\n")  # bytes.split: U+2028 and friends are not line ends here
    complete = lines[:-1]
    end = 0
    previous = first - 1
    for index, raw in enumerate(complete):
        try:
            line = json.loads(raw)
        except ValueError as exc:  # includes UnicodeDecodeError
            if index == len(complete) - 1:
                break
            raise StoreError(f"store file {path} is corrupt at line {index + 1}: {exc}") from exc
        if isinstance(line, dict) and NO_FIELD in line:
            number = line[NO_FIELD]
            if type(number) is not int or not previous < number <= last:
                raise StoreError(f"store file {path} is corrupt at line {index + 1}: record "
                                 f"number {number!r} out of order or outside {first}..{last}")
            records[number] = line
            previous = number
        elif isinstance(line, dict) and isinstance(line.get(SET_FIELD), dict):
            number = line.get(PATCH_FIELD)
            target = records.get(number) if type(number) is int else None
            if target is None or NO_FIELD in line[SET_FIELD]:
                raise StoreError(f"store file {path} is corrupt at line {index + 1}: a patch "
                                 f"for record {number!r}, which it does not hold")
            target.update(line[SET_FIELD])
        else:
            raise StoreError(f"store file {path} is corrupt at line {index + 1}: neither a "
                             "record nor a patch")
        end += len(raw) + 1
    return records, end


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise StoreError(f"cannot read store file {path}: {exc}") from exc


def _write_all(handle: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError(f"could not write to {handle.name}")
        view = view[written:]


class Segment:
    """Record numbers first..last. Memory holds the folded records and `end`, the length of the
    lines they came from; the file may hold more (a torn line, a failed write), which is cut
    off before the next write so that memory and file agree again. Not thread-safe: the
    journal's lock serialises every call."""

    def __init__(self, path: Path, first: int, last: int, durable: bool) -> None:
        self.path = path
        self.first = first
        self.last = last
        self._durable = durable
        self._records: dict[int, dict[str, Any]] | None = None
        self._end = 0
        self._size = 0  # bytes in the file as last seen: more than _end means cut first
        self._handle: BinaryIO | None = None
        self._entry_synced = False

    def records(self) -> dict[int, dict[str, Any]]:
        """The folded records by number, ascending. Callers must not mutate them."""
        if self._records is None:
            data = read_bytes(self.path)
            self._records, self._end = parse(data, self.path, self.first, self.last)
            self._size = len(data)
        return self._records

    def newest(self) -> int:
        records = self.records()
        return next(reversed(records), self.first - 1)

    def adopt(self, new: list[dict[str, Any]]) -> None:
        """Records whose lines `write` made durable join memory (numbers ascending)."""
        records = self.records()
        for record in new:
            records[record[NO_FIELD]] = record

    def patch(self, number: int, changes: dict[str, Any]) -> dict[str, Any]:
        record = self.records()[number]
        self.write(patch_line(number, changes))
        record.update(changes)
        return record

    def write(self, data: bytes) -> None:
        """Append whole lines at `end`, fsync; on any failure cut them off again (best effort;
        if that fails too, the next write cuts first) and re-raise."""
        self.records()
        handle = self._open()
        try:
            if self._size != self._end:
                handle.truncate(self._end)
                self._size = self._end
            handle.seek(self._end)
            self._size = self._end + len(data)  # until proven otherwise
            _write_all(handle, data)
            if self._durable:
                os.fsync(handle.fileno())
                if not self._entry_synced:
                    # The file's name lives in the directory. Done once per file per process:
                    # a file created by a writer that died before this fsync is covered too.
                    fsync_directory(self.path.parent)
                    self._entry_synced = True
        except BaseException:
            self._cut()
            raise
        self._end += len(data)

    def unwrite(self, length: int) -> None:
        """Take back the last `length` bytes written (a multi-segment append that failed
        later): memory never adopted them, and the file is cut back (or will be)."""
        self._end -= length
        self._cut()

    def _cut(self) -> None:
        try:
            self._open().truncate(self._end)
            self._size = self._end
        except OSError:
            self.close_file()  # _size stays larger: the next write truncates first

    def _open(self) -> BinaryIO:
        if self._handle is None:
            try:
                self._handle = open(self.path, "r+b", buffering=0)  # noqa: SIM115
            except FileNotFoundError:
                self._handle = open(self.path, "x+b", buffering=0)  # noqa: SIM115
                self._size = 0
        return self._handle

    def close_file(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()

    def release(self) -> bool:
        """Close the file and forget the parsed records (an evicted segment). Refused (False)
        while the file still holds the remains of a failed write that cannot be cut off now:
        re-reading the file would take them for data."""
        if self._size != self._end:
            self._cut()
        self.close_file()
        if self._size != self._end:
            return False
        self._records = None
        self._end = self._size = 0
        return True
