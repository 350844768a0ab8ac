"""Store: the engine's one persistence facade over keyed state tables and append-only journals."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from core.storage.atomic import ensure_directory, remove_stale_temp_files
from core.storage.documents import check_key, check_name
from core.storage.errors import StoreError
from core.storage.journal import Journal
from core.storage.state import StateTable

Doc = dict[str, Any]
_T = TypeVar("_T")
log = logging.getLogger(__name__)


class Store:
    """Layout under `root` (the data dir's `store/`):

        state/<table>.json                  one TinyDB file per table, documents keyed by `_key`
        journals/<name>/<seq:08d>.jsonl     JSON Lines segments of `segment_records` records
                                            numbered `_no`, plus patch lines (update_entry)
        journals/<name>/journal.json        the journal's segment size, fixed at creation
        .lock                               held while open: one process (one Store) at a time

    Every write is on disk (fsynced unless `durable=False`) before the call returns. A state
    table file is replaced atomically, so a crash leaves it either before or after a write; a
    journal only ever appends whole lines, and the torn last line a crash may leave is
    ignored when read and cut off before the next write. Segments of the former TinyDB format
    (<seq>.json) are rewritten as JSON Lines when their journal is first used. Documents are
    stored as JSON and returned as private copies. Thread-safe: one lock per table file and
    per journal; calls are synchronous.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        durable: bool = True,
        segment_records: int = 500,
        max_segments: int = 200,
    ) -> None:
        if segment_records < 1 or max_segments < 1:
            raise ValueError("segment_records and max_segments must be at least 1")
        self.root = Path(root)
        self.durable = durable
        self._segment_records = segment_records
        self._max_segments = max_segments
        self._state_dir = self.root / "state"
        self._journal_dir = self.root / "journals"
        # Two writers would each trust their own in-memory copy and overwrite the other's.
        self._process_lock = FileLock(str(self.root / ".lock"), thread_local=False)
        try:
            ensure_directory(self.root, durable)
            self._process_lock.acquire(timeout=0)
        except Timeout:
            raise StoreError(
                f"store {self.root} is already open (another process or Store instance)"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot open store directory {self.root}: {exc}") from exc
        try:
            self._sweep_temp_files()
        except OSError as exc:
            self._process_lock.release()
            raise StoreError(f"cannot clean up store directory {self.root}: {exc}") from exc
        self._lock = threading.Lock()
        self._closed = False
        # SPEC §3.5 DATABASE: a failed write is retried after these pauses, then reported
        # to `on_failure` (the recovery handler: CRITICAL, trading paused) and raised.
        # None by default: the engine sets SPEC's 1, 2, 4 s (recovery.database_retry_seconds).
        self.retry_delays: tuple[float, ...] = ()
        self.on_failure: Callable[[str, Exception], None] | None = None
        self._failing = False
        self._tables: dict[str, StateTable] = {}
        self._journals: dict[str, Journal] = {}

    def _sweep_temp_files(self) -> None:
        # Leftovers of writers killed mid-write; nobody else can be writing while we hold .lock.
        remove_stale_temp_files(self._state_dir)
        if self._journal_dir.is_dir():
            for journal_dir in self._journal_dir.iterdir():
                remove_stale_temp_files(journal_dir)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"store {self.root} is closed")

    def _table(self, name: str) -> StateTable:
        check_name("table", name)
        with self._lock:
            self._check_open()
            table = self._tables.get(name)
            if table is None:
                path = self._state_dir / f"{name}.json"
                table = self._tables[name] = StateTable(path, name, self.durable)
            return table

    def _journal(self, name: str) -> Journal:
        check_name("journal", name)
        with self._lock:
            self._check_open()
            journal = self._journals.get(name)
            if journal is None:
                journal = self._journals[name] = Journal(
                    self._journal_dir / name,
                    name,
                    durable=self.durable,
                    segment_records=self._segment_records,
                    max_segments=self._max_segments,
                )
            return journal

    # -- state tables ----------------------------------------------------------------------

    def _write(self, what: str, write: Callable[[], _T]) -> _T:
        """Run one write; an OSError (disk full, file locked by a virus scanner...) is retried
        after each of `retry_delays`. The writes are idempotent or append whole lines, so a
        retry never duplicates what a failed attempt left."""
        for delay in (*self.retry_delays, None):
            try:
                return write()
            except OSError as exc:
                if delay is not None:
                    log.warning("store write %s failed (%s); retrying in %g s", what, exc, delay)
                    time.sleep(delay)  # nothing may be acknowledged until the store has it
                    continue
                log.error("store write %s failed after %d attempt(s): %s", what,
                          len(self.retry_delays) + 1, exc)
                self._report(what, exc)
                raise  # the caller sees the real OSError
        raise AssertionError("unreachable")

    def _report(self, what: str, exc: Exception) -> None:
        if self.on_failure is None or self._failing:
            return  # the handler's own writes (the pause) fail too: report once
        self._failing = True
        try:
            self.on_failure(what, exc)
        except Exception:
            log.exception("store failure handler failed")
        finally:
            self._failing = False

    def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        """Insert or replace the document stored under `key`; durable before return."""
        self._write(f"{table}/{key}", lambda: self._table(table).put(check_key(key), doc))

    def get(self, table: str, key: str) -> Doc | None:
        return self._table(table).get(check_key(key))

    def delete(self, table: str, key: str) -> bool:
        """Remove `key`; False if it was not there."""
        return self._write(f"{table}/{key}", lambda: self._table(table).delete(check_key(key)))

    def all(self, table: str) -> list[Doc]:
        return self._table(table).all()

    def find(self, table: str, /, **equals: Any) -> list[Doc]:
        """Documents whose fields equal every given value (a missing field never matches)."""
        return self._table(table).find(equals)

    def update(self, table: str, key: str, /, **fields: Any) -> Doc:
        """Merge `fields` into the document under `key` and return it; KeyError if absent."""
        return self._write(f"{table}/{key}",
                           lambda: self._table(table).update(check_key(key), fields))

    # -- journals --------------------------------------------------------------------------

    def append(self, journal: str, doc: Mapping[str, Any]) -> int:
        """Append a record; returns its number (`_no`), increasing and never reused."""
        return self._write(journal, lambda: self._journal(journal).append(doc))

    def append_many(self, journal: str, docs: Sequence[Mapping[str, Any]]) -> list[int]:
        """Append records in order with one write and one fsync (per segment they span): group
        commit. Returns their numbers; on an error none of them is kept. Durable on return."""
        return self._write(journal, lambda: self._journal(journal).append_many(docs))

    def update_entry(self, journal: str, record_no: int, /, **fields: Any) -> Doc:
        """Merge `fields` into record `record_no` and return it; KeyError if absent or pruned.
        Appends one patch line to the record's segment; reads see the merged record."""
        return self._write(f"{journal}#{record_no}",
                           lambda: self._journal(journal).update_entry(record_no, fields))

    def tail(self, journal: str, n: int = 50) -> list[Doc]:
        """The newest `n` records, newest first."""
        return self._journal(journal).tail(n)

    def scan(
        self,
        journal: str,
        since_record: int = 0,
        where: Callable[[Doc], bool] | None = None,
    ) -> Iterator[Doc]:
        """Records numbered above `since_record` that existed when the scan started, oldest
        first, filtered by `where`. Reads one segment at a time."""
        return self._journal(journal).scan(since_record, where)

    def count(self, journal: str) -> int:
        """Records currently retained."""
        return self._journal(journal).count()

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            parts: list[StateTable | Journal] = [*self._tables.values(), *self._journals.values()]
        for part in parts:
            part.close()
        self._process_lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"Store({str(self.root)!r}, {state})"
