"""Provides PacedCollector: Python's full garbage collections at quiet moments, not mid-frame."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

NEVER = 1 << 30
"""A full-collection threshold the collector's own counter never reaches."""
MIN_GAP = 1.0
"""Seconds between two sweeps at least, however busy."""


@dataclass(frozen=True, slots=True)
class Sweep:
    """One full collection: when (monotonic seconds), how long, how many objects it freed."""

    at: float
    seconds: float
    collected: int


class PacedCollector:
    """CPython collects its oldest generation whenever enough objects have survived, which on
    a screen of live tables is every few seconds, and each full pass stalls the event loop for
    30-60 ms in the middle of whatever frame is being drawn. Instead:

    - everything built at start-up (modules, engine, widgets) is frozen out of the collector:
      it lives as long as the app;
    - the young generations are still collected automatically (about 2 ms each);
    - the full collection runs from `due()`, called by a timer, only when `quiet()` says the
      operator is not in a dialog: every `every` seconds, or sooner once `churn` young
      collections have run since the last sweep (a busy screen makes garbage faster, and a
      sweep's cost grows with the garbage it frees); at the latest after twice its interval.

    Objects are freed by reference counting as always; only cyclic garbage waits for a sweep,
    at most `every * 2` seconds."""

    def __init__(self, every: float = 10.0, *, churn: int = 15,
                 quiet: Callable[[], bool] = lambda: True,
                 clock: Callable[[], float] = time.monotonic,
                 young: Callable[[], int] = lambda: gc.get_count()[2]) -> None:
        self.every = every
        self.churn = churn
        self.quiet = quiet
        self.clock = clock
        self.young = young
        """Young-generation collections since the last full one (CPython counts them)."""
        self.sweeps: list[Sweep] = []
        """The latest sweeps, newest last (at most 100)."""
        self._saved: tuple[int, int, int] | None = None
        self._last = clock()

    @property
    def running(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """Freeze what exists and take over full collections (idempotent)."""
        if self._saved is not None:
            return
        gc.collect()  # start-up garbage is not frozen with the rest
        gc.freeze()
        young, middle, _full = self._saved = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        self._last = self.clock()

    def stop(self) -> None:
        """Hand collection back to CPython as it was (a restart builds a new app)."""
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        self._saved = None
        gc.unfreeze()

    def due(self) -> Sweep | None:
        """Sweep if the interval has passed (or the churn is high) and it is quiet, or if twice
        the interval has passed."""
        if self._saved is None:
            return None
        waited = self.clock() - self._last
        busy = self.young() >= self.churn and waited >= MIN_GAP
        if waited >= 2 * self.every or ((waited >= self.every or busy) and self.quiet()):
            return self.sweep()
        return None

    def sweep(self) -> Sweep:
        began = self.clock()
        perf = time.perf_counter()
        collected = gc.collect()
        done = Sweep(began, time.perf_counter() - perf, collected)
        self._last = self.clock()
        self.sweeps = [*self.sweeps[-99:], done]
        return done
