"""Webhook POST → order filled on the simulated terminal (p50/p99), and headless start → /health.

Run: python bench/bench_webhook.py [N]   (default 300 entries). Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Secrets  # noqa: E402
from core.engine import Engine, EngineOptions  # noqa: E402
from core.events import PositionOpened  # noqa: E402

SECRET = "bench-secret"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def latency(n: int) -> list[float]:
    with tempfile.TemporaryDirectory() as scratch:
        engine = Engine(EngineOptions(
            data_dir=Path(scratch), secrets=Secrets(webhook_secret=SECRET, api_token="t"),
            host="127.0.0.1", port=0, market=False,
            # Wall-clock run: no weekend/session gate, or EURUSD is blocked outside London.
            # The V3 plugin trades the legacy entries (hybrid, the default): lift its
            # 10-a-day limit, the bench opens and closes hundreds of groups.
            config_overrides={"risk.weekend_block": False, "sessions.enabled": False,
                              "voice.enabled": False,
                              "plugins.v3_combined.config.max_daily_trades": 0}))
        await engine.start()
        assert engine.bundle and engine.bundle.terminal and engine.webhook
        engine.bundle.terminal.push_quote("EURUSD", 1.08400, 1.08408, engine.clock.now())
        url = f"http://127.0.0.1:{engine.webhook.state.port}/webhook"
        opened = engine.bus.subscribe((PositionOpened,), name="bench")
        samples: list[float] = []
        async with aiohttp.ClientSession() as http:
            async def post(body: dict[str, object]) -> None:
                async with http.post(url, data=json.dumps({**body, "secret": SECRET})) as r:
                    assert r.status == 200, await r.text()

            for tf in ("1h", "15m"):
                await post({"type": "trend", "signal": "bull", "tf": tf, "symbol": "EURUSD",
                            "price": 1.084})
            for i in range(n):
                price = round(1.08 + i * 0.00001, 5)  # distinct prices: not duplicates
                started = time.perf_counter()
                await post({"type": "entry", "signal": "buy", "tf": "15m", "symbol": "EURUSD",
                            "price": price})
                try:
                    await asyncio.wait_for(opened.get(), timeout=10)
                except TimeoutError as exc:
                    assert engine.store is not None
                    last = engine.store.tail("signals", 1)[0]
                    raise SystemExit(f"entry {i} did not open a position: "
                                     f"{last['outcome']} {last['reason']} "
                                     f"{last.get('detail')}") from exc
                samples.append((time.perf_counter() - started) * 1000)
                await post({"type": "exit", "signal": "bear", "tf": "15m", "symbol": "EURUSD",
                            "price": price})
                assert engine.intake is not None
                await engine.intake.queue.join()
        await engine.stop()
        return samples


def start_to_health() -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "V5_WEBHOOK_SECRET": SECRET, "V5_API_TOKEN": "t"}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "console", "--headless", "--data-dir",
                                 scratch, "--port", str(port)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                        return time.perf_counter() - started
                except OSError:
                    time.sleep(0.01)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    samples = asyncio.run(latency(n))
    print(f"webhook POST → order filled (simulated terminal), {n} entries over loopback HTTP:")
    print(f"  p50 {statistics.median(samples):.2f} ms   p99 {percentile(samples, 99):.2f} ms   "
          f"max {max(samples):.2f} ms")
    starts = [start_to_health() for _ in range(3)]
    print(f"headless start → /health ok: best {min(starts):.2f} s, worst {max(starts):.2f} s")


if __name__ == "__main__":
    main()
