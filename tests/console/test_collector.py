"""The paced collector: full collections only when due and quiet; cycles still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from console.collector import NEVER, PacedCollector
from console.screens.result import ResultScreen
from core.commands.spec import Reply
from core.engine import Engine, EngineOptions
from tests.console.support import SIZE, console_for, wait_running, wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Node:
    """Half of a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


def test_start_freezes_and_stops_automatic_full_collections(restore_gc: None) -> None:
    before = gc.get_threshold()
    collector = PacedCollector(60)
    collector.start()
    assert collector.running
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (before[0], before[1], NEVER)
    collector.stop()
    assert not collector.running
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_sweep_waits_for_the_interval_and_frees_cycles(restore_gc: None) -> None:
    clock = Clock()
    collector = PacedCollector(60, clock=clock)
    collector.start()
    garbage = cycle()
    clock.now += 59
    assert collector.due() is None
    assert collector.sweeps == []
    clock.now += 1
    sweep = collector.due()
    assert sweep is not None and sweep.collected >= 2
    assert garbage() is None
    assert collector.sweeps == [sweep]
    assert collector.due() is None  # the interval starts again
    collector.stop()


def test_not_quiet_postpones_the_sweep_up_to_twice_the_interval(restore_gc: None) -> None:
    clock = Clock()
    quiet = False
    collector = PacedCollector(60, quiet=lambda: quiet, clock=clock)
    collector.start()
    clock.now += 61
    assert collector.due() is None
    quiet = True
    assert collector.due() is not None
    quiet = False
    clock.now += 120
    assert collector.due() is not None  # overdue: runs even in a dialog
    collector.stop()


def test_a_stopped_collector_never_sweeps() -> None:
    clock = Clock()
    collector = PacedCollector(1, clock=clock)
    clock.now += 10
    assert collector.due() is None
    assert collector.sweeps == []


async def test_the_console_paces_collection_while_it_runs(engine_options: EngineOptions
                                                           ) -> None:
    """Running: automatic full collections off, a sweep every interval on the dashboard but
    none while a dialog is open; after exit, CPython's settings are back."""
    before = gc.get_threshold()
    app = console_for(Engine(engine_options), full_collection_every=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        await wait_until(pilot, lambda: len(app.collector.sweeps) >= 2, what="two sweeps")
        app.push_screen(ResultScreen(Reply("Status", lines=("x",) * 10, command_line="/status")))
        await wait_until(pilot, lambda: isinstance(app.screen, ResultScreen), what="modal")
        app.collector.sweeps.clear()
        await pilot.pause(0.3)  # past the interval, short of twice it
        assert app.collector.sweeps == []
    assert gc.get_threshold() == before
    assert not app.collector.running


def test_churn_brings_the_sweep_forward_when_quiet(restore_gc: None) -> None:
    clock = Clock()
    young = 0
    quiet = True
    collector = PacedCollector(60, churn=25, quiet=lambda: quiet, clock=clock,
                               young=lambda: young)
    collector.start()
    clock.now += 5
    young = 24
    assert collector.due() is None
    young = 25
    quiet = False
    assert collector.due() is None  # busy, but a dialog is open
    quiet = True
    assert collector.due() is not None
    clock.now += 0.5
    assert collector.due() is None  # at most one sweep a second, however busy
    collector.stop()


async def test_closing_a_dialog_sweeps_what_it_left_when_the_churn_is_high(
        engine_options: EngineOptions) -> None:
    app = console_for(Engine(engine_options), full_collection_every=600)
    async with app.run_test(size=SIZE) as pilot:
        await wait_running(pilot)
        app.collector.young = lambda: app.collector.churn  # a busy screen
        assert app.collector_timer is not None
        app.collector_timer.pause()  # only the dialog closing can sweep now
        app.push_screen(ResultScreen(Reply("Status", lines=("x",) * 10, command_line="/s")))
        await wait_until(pilot, lambda: isinstance(app.screen, ResultScreen), what="modal")
        app.collector.sweeps.clear()
        await pilot.pause(1.2)  # past the minimum gap between sweeps
        assert app.collector.due() is None and app.collector.sweeps == []  # dialog open
        app.pop_screen()
        await wait_until(pilot, lambda: len(app.collector.sweeps) == 1, what="a sweep")
