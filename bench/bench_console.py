"""Console benchmark: process start → first frame, and key → repaint under 200 live positions."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import RenderableType  # noqa: E402
from textual import events  # noqa: E402
from textual.command import CommandPalette  # noqa: E402
from textual.screen import Screen  # noqa: E402

from console.app import ConsoleOptions, V5ConsoleApp, make_console  # noqa: E402
from console.theming import FIRST_FRAME_ENV  # noqa: E402
from console.widgets.positions import PositionsPane  # noqa: E402
from core.brokers.tagging import magic_for, make_comment  # noqa: E402
from core.config import Secrets  # noqa: E402
from core.domain.enums import Direction, OrderKind  # noqa: E402
from core.domain.orders import OrderIntent  # noqa: E402
from core.engine import Engine, EngineOptions  # noqa: E402

SIZE = (120, 40)
QUOTES = {"EURUSD": (1.08450, 5), "GBPUSD": (1.27000, 5), "USDJPY": (151.200, 3),
          "AUDUSD": (0.65500, 5), "USDCAD": (1.39500, 5), "NZDUSD": (0.59500, 5),
          "EURGBP": (0.85400, 5), "EURJPY": (164.000, 3)}
"""Symbols the positions are spread over: mid price and digits."""
TARGETS = {"first_frame_s": 1.5, "input_p95_ms": 100.0, "block_ms": 20.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# -- (a) process start → first frame ---------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def drain(fd: int) -> None:
    """Read the console's output so it never blocks on a full pty."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def first_frame_once(scratch: Path) -> float:
    """Seconds from spawning `python -m console` on a pty to its first frame."""
    marker = scratch / "first-frame"
    env = {**os.environ, FIRST_FRAME_ENV: str(marker), "TERM": "xterm-256color",
           "V5_WEBHOOK_SECRET": "bench", "V5_API_TOKEN": "bench"}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    began = time.time()
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "--data-dir", str(scratch / "data"),
         "--port", str(free_port())],
        stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env, start_new_session=True)
    os.close(slave)
    reader = threading.Thread(target=drain, args=(master,), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() or not marker.read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"no first frame (exit code {proc.poll()})")
            time.sleep(0.005)
        return float(marker.read_text()) - began
    finally:
        os.write(master, b"\x11")  # ctrl+q: the console stops its engine and exits
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)
        reader.join(timeout=2)


def bench_first_frame(runs: int) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="v5-bench-console-") as scratch:
            times.append(first_frame_once(Path(scratch)))
    p50 = statistics.median(times)
    print(f"(a) process start → first frame, {runs} runs on a {SIZE[0]}×{SIZE[1]} pty: "
          f"p50 {p50 * 1e3:.0f} ms (min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f}) "
          f"— target ≤ {TARGETS['first_frame_s'] * 1e3:.0f} ms")
    return p50


# -- (b) key → repaint under load ----------------------------------------------------------------
class LoopBlocks:
    """Times every callback the event loop runs (each step of each task, each timer): while
    one runs, nothing else can, so its duration is how long it blocks the loop."""

    def __init__(self) -> None:
        self.blocks: list[tuple[float, str]] = []
        self.callbacks = 0
        self._original = asyncio.events.Handle._run

    def __enter__(self) -> LoopBlocks:
        original, blocks = self._original, self.blocks

        def timed(handle: asyncio.events.Handle) -> None:
            began = time.perf_counter()
            try:
                original(handle)
            finally:
                self.callbacks += 1
                took = time.perf_counter() - began
                if took > 0.005:
                    blocks.append((took, describe(handle)))

        asyncio.events.Handle._run = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]

    def reset(self) -> None:
        self.blocks.clear()
        self.callbacks = 0

    def worst(self) -> float:
        return max((took for took, _ in self.blocks), default=0.0)

    def summary(self) -> str:
        limit = TARGETS["block_ms"] / 1e3
        worst = sorted(self.blocks, reverse=True)
        over = sum(1 for took, _ in worst if took > limit)
        longest = ", ".join(f"{took * 1e3:.1f} ms {what}" for took, what in worst[:3])
        return (f"{worst[0][0] * 1e3 if worst else 0:.1f} ms; {over} of {self.callbacks} "
                f"callbacks over {TARGETS['block_ms']:.0f} ms; longest: {longest or '-'}")


def describe(handle: asyncio.events.Handle) -> str:
    """What a loop callback was: the task's coroutine, or the function."""
    callback = getattr(handle, "_callback", None)
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        name = getattr(coro, "__qualname__", type(coro).__name__)
        frame = getattr(coro, "cr_frame", None)
        timer = frame.f_locals.get("self") if frame is not None else None
        return f"{name} ({timer.name})" if name == "Timer._run_timer" and timer else name
    return getattr(callback, "__qualname__", repr(callback))


async def open_positions(engine: Engine, count: int) -> None:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    terminal = engine.bundle.terminal
    for symbol, (mid, digits) in QUOTES.items():
        spread = 12 * 10 ** -digits
        terminal.push_quote(symbol, mid, round(mid + spread, digits), engine.clock.now())
    symbols = list(QUOTES)
    strategy = "v4-logic1"
    for n in range(count):
        symbol = symbols[n % len(symbols)]
        mid, digits = QUOTES[symbol]
        direction = Direction.BUY if n % 2 == 0 else Direction.SELL
        far = mid * 0.05 * (1 if direction is Direction.BUY else -1)
        client_id = f"bench{n:05d}"
        intent = OrderIntent(
            client_id=client_id, symbol=symbol, direction=direction, volume=0.01,
            sl=round(mid - far, digits), tp=round(mid + far, digits), kind=OrderKind.A,
            strategy=strategy, magic=magic_for(strategy, engine.settings.mt5.magic_base),
            comment=make_comment(strategy, OrderKind.A.value, client_id))
        result = await engine.trading.place(intent)
        assert result.ok, result.message


async def price_feed(engine: Engine, per_second: float, refresh_times: list[float]) -> None:
    """A new quote on every symbol, then the trading refresh the market pump would do."""
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.trading is not None
    terminal, trading = engine.bundle.terminal, engine.trading
    rng = random.Random(5)
    mids = {symbol: mid for symbol, (mid, _digits) in QUOTES.items()}
    while True:
        for symbol, (_mid, digits) in QUOTES.items():
            point = 10 ** -digits
            mids[symbol] += rng.choice((-3, -1, 1, 3)) * point
            bid = round(mids[symbol], digits)
            terminal.push_quote(symbol, bid, round(bid + 12 * point, digits), time.time())
        began = time.perf_counter()
        await trading.refresh()
        refresh_times.append(time.perf_counter() - began)
        await asyncio.sleep(1 / per_second)


class Frames:
    """When the app composes each frame for its driver (headless: composed, not written)."""

    def __init__(self, app: V5ConsoleApp) -> None:
        self.times: list[float] = []
        original = app._display

        def display(screen: Screen[object], renderable: RenderableType | None) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.times.append(time.perf_counter())

        app._display = display  # type: ignore[method-assign]


async def repainted(frames: Frames, done: Callable[[], bool], timeout: float = 5
                    ) -> tuple[float, float]:
    """Wait until `done()` holds, then for the first frame composed after that (the one that
    shows it); returns when `done()` was first seen to hold and when that frame was done."""
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the key had no effect")
        await asyncio.sleep(0.001)
    handled = time.perf_counter()
    while not frames.times or frames.times[-1] < handled:
        if time.perf_counter() > deadline:
            raise TimeoutError("no frame after the key")
        await asyncio.sleep(0.001)
    return handled, next(t for t in frames.times if t >= handled)


def is_maximised(app: V5ConsoleApp, wanted: bool) -> bool:
    return (app.dashboard.maximized is not None) == wanted


def send_key(app: V5ConsoleApp, key: str, char: str | None) -> None:
    assert app._driver is not None
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


def palette_ready(app: V5ConsoleApp) -> bool:
    """The palette is up with its list (Textual shows it once the commands are gathered)."""
    return isinstance(app.screen, CommandPalette) and app.screen.has_class("-ready")


async def keys(app: V5ConsoleApp, frames: Frames, presses: int, toggles: list[float],
               handled: list[float], palettes: list[float]) -> None:
    """`m` (maximise/restore the positions pane) `presses` times, then the palette open/shut."""
    for n in range(presses):
        began = time.perf_counter()
        want = app.dashboard.maximized is None
        send_key(app, "m", "m")
        seen, shown = await repainted(frames, partial(is_maximised, app, want))
        toggles.append(shown - began)
        handled.append(seen - began)
        await asyncio.sleep(0.1 + (n % 5) * 0.013)  # not in step with the feed
    for _ in range(max(1, presses // 5)):
        began = time.perf_counter()
        send_key(app, "ctrl+p", None)
        _seen, shown = await repainted(frames, partial(palette_ready, app))
        palettes.append(shown - began)
        send_key(app, "escape", None)
        await repainted(frames, lambda: not isinstance(app.screen, CommandPalette))
        await asyncio.sleep(0.15)


async def bench_input(presses: int, positions: int, rate: float, quiet: float = 25.0
                      ) -> tuple[float, float]:
    scratch = Path(tempfile.mkdtemp(prefix="v5-bench-console-"))
    engine = Engine(EngineOptions(
        data_dir=scratch / "data", secrets=Secrets(webhook_secret="bench", api_token="bench"),
        webhook=False, market=False, frontends=False,
        config_overrides={"paper.demo_alerts": False, "voice.enabled": False}))
    app = make_console(engine, console=ConsoleOptions(cursor_blink=False, animations=False))
    renders: list[float] = []
    show = PositionsPane.show

    def timed_show(pane: PositionsPane, views: tuple[object, ...]) -> None:
        began = time.perf_counter()
        show(pane, views)  # type: ignore[arg-type]
        renders.append(time.perf_counter() - began)

    PositionsPane.show = timed_show  # type: ignore[method-assign,assignment]
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.perf_counter() + 30
        while app.lifecycle not in ("running", "failed") and time.perf_counter() < deadline:
            await pilot.pause(0.02)
        assert app.lifecycle == "running", app.start_error or app.lifecycle
        began = time.perf_counter()
        await open_positions(engine, positions)
        table = app.dashboard.positions.table
        while table.row_count < positions:
            await pilot.pause(0.02)
        print(f"(b) {positions} positions open on the simulated terminal in "
              f"{time.perf_counter() - began:.1f} s; quotes + refresh at {rate:g}/s")
        app.dashboard.positions.table.focus()
        refresh_times: list[float] = []
        toggles: list[float] = []
        handled: list[float] = []
        palettes: list[float] = []
        blocks = LoopBlocks()
        frames = Frames(app)
        tasks = [asyncio.create_task(price_feed(engine, rate, refresh_times))]
        with blocks:
            await asyncio.sleep(2)  # warm up under load
            renders.clear()
            blocks.reset()
            app.collector.sweeps.clear()
            await asyncio.sleep(quiet)  # pane refreshes only: prices tick, nobody types
            refreshing, worst = blocks.summary(), blocks.worst()
            updates = len(renders)
            sweeps = [sweep.seconds for sweep in app.collector.sweeps]
            blocks.reset()
            await keys(app, frames, presses, toggles, handled, palettes)
            typing = blocks.summary()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app.action_quit()
    PositionsPane.show = show  # type: ignore[method-assign]
    shutil.rmtree(scratch, ignore_errors=True)
    p50, p95 = percentile(toggles, 50) * 1e3, percentile(toggles, 95) * 1e3
    print(f"    key m (maximise/restore positions) → frame composed, {len(toggles)} presses: "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(toggles) * 1e3:.1f} ms "
          f"— target p95 ≤ {TARGETS['input_p95_ms']:.0f} ms")
    print(f"      of which key → action ran: p50 {percentile(handled, 50) * 1e3:.1f} ms, "
          f"p95 {percentile(handled, 95) * 1e3:.1f} ms")
    print(f"    ctrl+p → frame with the palette and its list, {len(palettes)} presses: "
          f"p50 {percentile(palettes, 50) * 1e3:.1f} ms, "
          f"p95 {percentile(palettes, 95) * 1e3:.1f} ms")
    print(f"    longest event-loop block while the panes refresh ({quiet:g} s of prices, "
          f"{updates} positions pane updates, no keys): {refreshing} "
          f"— target ≤ {TARGETS['block_ms']:.0f} ms")
    print(f"      paced full garbage collections (every "
          f"{ConsoleOptions().full_collection_every:g} s when no dialog is open): "
          f"{' / '.join(f'{s * 1e3:.1f} ms' for s in sweeps) or 'none ran'}")
    print(f"    longest block while keys change the layout (maximise/restore, palette): "
          f"{typing}")
    print(f"    positions pane update ({positions} rows): p50 "
          f"{percentile(renders, 50) * 1e3:.1f} ms, max {max(renders) * 1e3:.1f} ms "
          f"over {len(renders)} updates; engine trading.refresh() wall time: p50 "
          f"{percentile(refresh_times, 50) * 1e3:.1f} ms, "
          f"max {max(refresh_times) * 1e3:.1f} ms")
    return p95, worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="first-frame runs (p50)")
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--positions", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="price updates per second")
    parser.add_argument("--quiet", type=float, default=25.0,
                        help="seconds of price load without keys (pane refreshes only)")
    parser.add_argument("--skip-first-frame", action="store_true")
    args = parser.parse_args()
    if not args.skip_first_frame:
        bench_first_frame(args.runs)
    asyncio.run(bench_input(args.presses, args.positions, args.rate, args.quiet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
