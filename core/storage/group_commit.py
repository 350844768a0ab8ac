"""Group commit for asyncio callers: appends that arrive during a journal write share the next."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.storage.store import Store

MAX_BATCH = 512  # records per write: bounds the wait of the last request in a burst


@dataclass(slots=True)
class Staged:
    """One record to append, decided when its batch is formed. `done(number)` runs once the
    record is durable, `failed()` if its batch could not be written; both run on the loop,
    before the next batch is formed, in the order the records were staged."""

    doc: Mapping[str, Any]
    done: Callable[[int], None] | None = None
    failed: Callable[[], None] | None = None


Stage = Callable[[], Staged]


class GroupCommit:
    """Appends to one journal from coroutines: everything staged while a write is under way
    goes into the next one, a single `append_many` (one write, one fsync), and each caller's
    await returns only once its own record is durable.

    `stage` callables run on the loop, in arrival order, just before their batch is written:
    a decision taken there (a duplicate check, a queue bound) sees every record durable
    before it and every record staged ahead of it in the same batch, and nothing else.

    By default the write runs on the loop itself. Requests arriving meanwhile wait in the
    socket buffers, are all read on the loop's next turn and share the next write, so the
    batch grows with the load. `in_thread=True` writes in a worker thread instead, keeping
    the loop serving during the write; measured here it is slower under load, because every
    hand-over of the GIL between a busy loop and the writer can wait for the interpreter's
    switch interval (5 ms), far longer than the fsync. Worth it only where a flush can stall
    the loop for long."""

    def __init__(self, store: Store, journal: str, *, max_batch: int = MAX_BATCH,
                 in_thread: bool = False) -> None:
        self._store = store
        self._journal = journal
        self._max_batch = max_batch
        self._in_thread = in_thread
        self._waiting: list[tuple[Stage, asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, stage: Stage) -> int:
        """Stage, write and fsync one record with whatever else is waiting; its number."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._waiting.append((stage, future))
        if self._writer is None:
            self._writer = loop.create_task(self._write_all(), name=f"commit:{self._journal}")
        return await future

    def append_now(self, stage: Stage) -> int:
        """The same steps for one record, written at once on the calling thread: for callers
        that cannot await (an offline replay, tests). With `in_thread`, do not mix it with
        `append`: a record written here while a thread writes gets a later number yet
        reaches `done` first."""
        staged = stage()
        try:
            number = self._store.append(self._journal, staged.doc)
        except BaseException:
            if staged.failed is not None:
                staged.failed()
            raise
        if staged.done is not None:
            staged.done(number)
        return number

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._write(self._stage(batch))
        finally:
            self._writer = None
            for _, future in self._waiting:  # only when cancelled: nobody writes them now
                future.cancel()
            self._waiting.clear()

    @staticmethod
    def _stage(batch: list[tuple[Stage, asyncio.Future[int]]]
               ) -> list[tuple[Staged, asyncio.Future[int]]]:
        staged: list[tuple[Staged, asyncio.Future[int]]] = []
        for stage, future in batch:
            if future.done():  # the caller gave up before its record was decided
                continue
            try:
                staged.append((stage(), future))
            except Exception as exc:
                future.set_exception(exc)
        return staged

    async def _write(self, staged: list[tuple[Staged, asyncio.Future[int]]]) -> None:
        if not staged:
            return
        docs = [item.doc for item, _ in staged]
        try:
            if self._in_thread:
                # Shielded: cancelling the writer must not abandon a write the thread is doing.
                numbers = await asyncio.shield(asyncio.get_running_loop().run_in_executor(
                    None, self._store.append_many, self._journal, docs))
            else:
                numbers = self._store.append_many(self._journal, docs)
        except BaseException as exc:
            # Nothing of the batch was acknowledged; the next batch gets its own attempt.
            for item, future in staged:
                if item.failed is not None:
                    item.failed()
                if future.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (item, future), number in zip(staged, numbers, strict=True):
            try:
                if item.done is not None:
                    item.done(number)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
                continue
            if not future.done():  # a caller that gave up meanwhile still got its record
                future.set_result(number)
