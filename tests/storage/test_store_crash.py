"""Acceptance: a writer process killed with SIGKILL at random moments never loses an acked write."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.storage import Store

# Loaded by path: the writer is a script, not part of an importable test package.
WRITER = Path(__file__).resolve().with_name("crash_writer.py")
_spec = importlib.util.spec_from_file_location("crash_writer", WRITER)
assert _spec is not None and _spec.loader is not None
writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(writer)
RUNS = 200

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL does not exist on Windows"
)


@dataclass
class Acked:
    """What the writer reported as written, across all runs so far."""

    last_n: int = -1
    last_number: int = 0
    positions: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    deleted_orders: set[str] = field(default_factory=set)
    appends: dict[int, int] = field(default_factory=dict)  # record number -> n
    updates: dict[int, int] = field(default_factory=dict)  # record number -> outcome n
    late: dict[int, int] = field(default_factory=dict)  # record number -> late n
    batches: int = 0  # acknowledged append_many calls

    def record(self, line: str) -> None:
        parts = line.split()
        assert parts[0] == "ok", line
        n = int(parts[1])
        assert n == self.last_n + 1, f"writer skipped from {self.last_n} to {n}"
        self.last_n = n
        op = n % writer.OPS
        if op == 0:
            self.positions[writer.position_key(n)] = n
        elif op in (1, 5):
            numbers = [int(part) for part in parts[2:]]
            assert len(numbers) == (1 if op == 1 else writer.BATCH), line
            assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), line
            assert numbers[0] > self.last_number, f"record number {numbers[0]} reused"
            self.last_number = numbers[-1]
            self.appends.update(dict.fromkeys(numbers, n))
            self.batches += op == 5
        elif op == 2:
            self.orders[f"o{n}"] = n
        elif op == 3:
            self.updates[int(parts[2])] = n
        elif op == 4:
            key = f"o{n - writer.ORDER_LIFETIME}"
            self.orders.pop(key, None)
            self.deleted_orders.add(key)
        elif int(parts[2]):
            self.late[int(parts[2])] = n


def _run_and_kill(root: Path, start: int, delay: float) -> list[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(root), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=20):
                pytest.fail("crash writer did not start within 20 s")
        first = proc.stdout.readline()
        if first != b"ready\n":
            proc.wait(timeout=10)
            pytest.fail(f"crash writer failed to start: {first!r} {proc.stderr.read()!r}")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        output = proc.stdout.read().decode("utf-8")
        errors = proc.stderr.read().decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, f"writer ended on its own: {errors}"
    # A line cut by the kill was never acknowledged.
    return [line for line in output.split("\n")[:-1] if line]


def _check(root: Path, acked: Acked, context: str) -> None:
    in_flight = acked.last_n + 1  # the write that may have completed without its "ok" line
    with Store(root) as store:
        for key, n in acked.positions.items():
            doc = store.get("positions", key)
            assert doc is not None, f"{context}: acked position {key} lost"
            allowed = {n}
            if in_flight % writer.OPS == 0 and writer.position_key(in_flight) == key:
                allowed.add(in_flight)
            assert doc["n"] in allowed, f"{context}: position {key} is {doc['n']}, acked {n}"
            assert doc["body"] == writer.body(doc["n"]), f"{context}: position {key} torn"
        in_flight_delete = in_flight % writer.OPS == 4 and f"o{in_flight - writer.ORDER_LIFETIME}"
        for key, n in acked.orders.items():
            doc = store.get("orders", key)
            if doc is None and key == in_flight_delete:
                continue
            expected = {"n": n, "body": writer.body(n), "_key": key}
            assert doc == expected, f"{context}: acked order {key}"
        for key in acked.deleted_orders:
            assert store.get("orders", key) is None, f"{context}: deleted order {key} is back"
        for doc in store.all("orders"):
            assert doc["body"] == writer.body(doc["n"]), f"{context}: order torn"

        records = list(store.scan("signals"))
        assert store.count("signals") == len(records), context
        numbers = [doc["_no"] for doc in records]
        assert numbers == sorted(set(numbers)), f"{context}: record numbers not increasing"
        for doc in records:
            assert doc["body"] == writer.body(doc["n"]), f"{context}: record {doc['_no']} torn"

    journal_dir = root / "journals" / "signals"
    segments = sorted(int(p.stem) for p in journal_dir.glob("*.jsonl") if p.stem.isdigit())
    # A kill between writing a new segment and pruning leaves one segment too many.
    assert len(segments) <= writer.MAX_SEGMENTS + 1, f"{context}: {len(segments)} segments"
    oldest_required = (segments[-1] - writer.MAX_SEGMENTS + 1) * writer.SEGMENT_RECORDS + 1
    by_number = {doc["_no"]: doc for doc in records}
    for number, n in acked.appends.items():
        if number >= oldest_required:
            assert number in by_number, f"{context}: acked record {number} (n={n}) lost"
            assert by_number[number]["n"] == n, f"{context}: record {number} holds other data"
    for field_name, updates in (("outcome", acked.updates), ("late", acked.late)):
        for number, value in updates.items():
            if number >= oldest_required:
                assert by_number[number].get(field_name) == value, (
                    f"{context}: {field_name} update of record {number} lost")

    for path in root.rglob("*"):
        assert not path.name.endswith(".tmp"), f"{context}: temp file {path} left after open"
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".jsonl":
            # Only the last line may be torn (no newline yet): every complete line is whole.
            for line in path.read_bytes().split(b"\n")[:-1]:
                json.loads(line)


def test_sigkill_at_random_moments_loses_no_acknowledged_write(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    root = tmp_path / "store"
    acked = Acked()
    for run in range(RUNS):
        delay = rng.uniform(0.005, 0.080)
        context = f"seed {seed}, run {run}, delay {delay * 1000:.0f} ms"
        for line in _run_and_kill(root, acked.last_n + 1, delay):
            acked.record(line)
        _check(root, acked, context)
    # The test must actually have exercised the interesting paths.
    assert acked.last_n > RUNS
    assert max(acked.appends) > writer.MAX_SEGMENTS * writer.SEGMENT_RECORDS, "no pruning"
    assert acked.batches > RUNS // 4 and len(acked.late) > RUNS // 4, "too few group commits"
