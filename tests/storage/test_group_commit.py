"""Group commit: concurrent appends share one write, and nobody hears back before the disk."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from core.storage import Store
from core.storage.group_commit import GroupCommit, Staged


class SlowStore(Store):
    """A store whose group writes take a while, and which remembers each one."""

    def __init__(self, root: Path, delay: float = 0.02) -> None:
        super().__init__(root, segment_records=50)
        self.delay = delay
        self.writes: list[list[int]] = []
        self.threads: set[str] = set()
        self.fail_next = False

    def append_many(self, journal: str, docs: Sequence[Any]) -> list[int]:
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        numbers = super().append_many(journal, docs)
        self.writes.append(numbers)
        return numbers


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SlowStore]:
    slow = SlowStore(tmp_path)
    yield slow
    slow.close()


def on_disk(root: Path, journal: str = "j") -> str:
    """What the files hold, read past the store's memory."""
    return "".join(p.read_text("utf-8") for p in sorted((root / "journals" / journal).glob("*")))


@pytest.mark.parametrize("in_thread", [False, True])
async def test_appends_during_a_write_share_the_next_one(
        store: SlowStore, in_thread: bool) -> None:
    commit = GroupCommit(store, "j", in_thread=in_thread)
    events: list[str] = []

    def stage(i: int) -> Staged:
        events.append(f"stage {i}")
        return Staged({"i": i}, done=lambda n: events.append(f"done {i}={n}"))

    async def one(i: int) -> int:
        number = await commit.append(lambda: stage(i))
        # Resumed only once the record is durable: it is in the file, not just in memory.
        assert f'{{"i":{i},"_no":{number}}}' in on_disk(store.root)
        events.append(f"ack {i}")
        return number

    first = asyncio.create_task(one(0))
    await asyncio.sleep(0.005)  # the first write starts alone; the others come during it
    numbers = await asyncio.gather(first, *(one(i) for i in range(1, 30)))
    assert numbers == list(range(1, 31))
    assert store.writes == [[1], list(range(2, 31))]  # two writes, two fsyncs, for 30 alerts
    assert events.index("stage 29") < events.index("done 1=2") < events.index("ack 1")
    assert [e for e in events if e.startswith("done")] == [f"done {i}={i + 1}" for i in range(30)]
    assert [d["i"] for d in store.scan("j")] == list(range(30))
    assert (store.threads == {"MainThread"}) is not in_thread


async def test_batches_are_bounded(store: SlowStore) -> None:
    commit = GroupCommit(store, "j", max_batch=4)
    store.delay = 0.0
    await asyncio.gather(*(commit.append(partial(Staged, {"i": i})) for i in range(10)))
    assert [len(w) for w in store.writes] == [4, 4, 2]


@pytest.mark.parametrize("in_thread", [False, True])
async def test_a_failed_write_fails_its_batch_only(store: SlowStore, in_thread: bool) -> None:
    commit = GroupCommit(store, "j", in_thread=in_thread)
    failed: list[int] = []
    store.fail_next = True
    first = [asyncio.create_task(commit.append(
        partial(Staged, {"i": i}, failed=partial(failed.append, i)))) for i in range(3)]
    await asyncio.sleep(0.005)
    later = asyncio.create_task(commit.append(lambda: Staged({"i": 3})))
    results = await asyncio.gather(*first, later, return_exceptions=True)
    assert [type(r) for r in results[:3]] == [OSError] * 3 and failed == [0, 1, 2]
    assert results[3] == 1  # the next batch got its own attempt and the first number
    assert [d["i"] for d in store.scan("j")] == [3]


async def test_a_stage_that_raises_fails_its_caller_only(store: SlowStore) -> None:
    commit = GroupCommit(store, "j")

    def bad() -> Staged:
        raise ValueError("no")

    results = await asyncio.gather(commit.append(lambda: Staged({"i": 0})), commit.append(bad),
                                   commit.append(lambda: Staged({"i": 2})),
                                   return_exceptions=True)
    assert results[0] == 1 and isinstance(results[1], ValueError) and results[2] == 2


async def test_a_caller_gone_before_staging_writes_nothing_after_still_counts(
        store: SlowStore) -> None:
    commit = GroupCommit(store, "j", in_thread=True)
    done: list[int] = []
    in_flight = asyncio.create_task(commit.append(lambda: Staged({"i": 0}, done=done.append)))
    await asyncio.sleep(0.005)
    gone = asyncio.create_task(commit.append(lambda: Staged({"i": 1}, done=done.append)))
    await asyncio.sleep(0)
    gone.cancel()
    in_flight.cancel()  # its record is being written: it still lands and `done` still runs
    await asyncio.gather(in_flight, gone, return_exceptions=True)
    assert await commit.append(lambda: Staged({"i": 2}, done=done.append)) == 2
    assert done == [1, 2]
    assert [d["i"] for d in store.scan("j")] == [0, 2]


def test_append_now_runs_the_same_steps_at_once(tmp_path: Path) -> None:
    with Store(tmp_path) as plain:
        commit = GroupCommit(plain, "j")
        done: list[int] = []
        assert commit.append_now(lambda: Staged({"i": 0}, done=done.append)) == 1
        assert done == [1] and '"_no":1' in on_disk(tmp_path)
        failed: list[bool] = []
        with pytest.raises(TypeError):
            commit.append_now(lambda: Staged({"x": object()}, failed=lambda: failed.append(True)))
        assert failed == [True] and plain.count("j") == 1
