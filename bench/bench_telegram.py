"""1,000 notifications in a burst through the outbox to a fake Bot API: all delivered, in order.

Run: python bench/bench_telegram.py [-n 1000] [--interval 1.0] [--group] [--unpaced]
Default pacing is the production one (≥ 1 s apart per chat; groups also ≤ 20 per minute), so
the default run takes about n seconds; --interval scales it, --unpaced measures raw throughput.
Real PTB client, fake Bot API server on 127.0.0.1 (tests/fakes/telegram_server.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.telegram.frontend import create  # noqa: E402
from core.config import Secrets  # noqa: E402
from core.engine import Engine, EngineOptions  # noqa: E402
from core.notifications.outbox import OutboundMessage  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

TOKENS = {"controller": "1111:bench-controller", "notification": "2222:bench-notification",
          "analytics": "3333:bench-analytics"}
USER = 1001
MARK = "bench notification #"


def max_in_window(times: list[float], window: float) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(n: int, interval: float, group: bool) -> int:
    server = FakeTelegram()
    for role, token in TOKENS.items():
        server.add_bot(token, f"bench_{role}_bot")
    await server.start()
    chat = -100123 if group else USER
    with tempfile.TemporaryDirectory() as scratch:
        engine = Engine(EngineOptions(
            data_dir=Path(scratch), webhook=False, market=False, frontends=False,
            secrets=Secrets(webhook_secret="bench", api_token="bench",
                            telegram_controller_token=TOKENS["controller"],
                            telegram_notification_token=TOKENS["notification"],
                            telegram_analytics_token=TOKENS["analytics"],
                            telegram_chat_id=str(chat), telegram_allowed_users=str(USER),
                            telegram_api_url=server.url),
            config_overrides={"paper.demo_alerts": False,
                              "telegram.delivery.chat_interval_seconds": interval,
                              "telegram.delivery.poll_seconds": 0.05}))
        await engine.start()
        frontend = create(engine)
        assert frontend is not None
        await frontend.start()
        await server.wait_for(lambda: all(r.link == "up" for r in frontend.runtimes.values()),
                              timeout=30)
        await asyncio.sleep(max(interval, 0.2) * 3)  # start-up notifications go first
        token = TOKENS["notification"]
        now = engine.clock.now()
        began = time.monotonic()
        for i in range(n):
            frontend.outbox.put(OutboundMessage("notification", "entry", 4,
                                                f"{MARK}{i:04d}"), now)
        queued = time.monotonic() - began

        def ours() -> list[tuple[float, str]]:
            return [(c.at, str(c.params.get("text", ""))) for c in
                    server.calls_for("sendMessage", token, chat)
                    if MARK in str(c.params.get("text", ""))]

        last_count, last_change = 0, time.monotonic()
        while len(ours()) < n:
            await asyncio.sleep(0.2)
            count = len(ours())
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            elif time.monotonic() - last_change > 90:  # a group waits up to 60 s
                break
        elapsed = time.monotonic() - began
        sent = ours()
        await frontend.stop()
        await engine.stop()
    await server.stop()
    texts = [t for _, t in sent]
    times = [t for t, _ in sent]
    expected = [f"{MARK}{i:04d}" for i in range(n)]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    in_order = texts == expected
    print(f"telegram outbox burst: {n} messages to {'a group' if group else 'a private chat'}, "
          f"pacing {interval:g} s per chat" + (", ≤ 20/min" if group else ""))
    print(f"  queued in {queued * 1000:.0f} ms; delivered {len(sent)} in {elapsed:.1f} s "
          f"= {len(sent) / elapsed:.2f} msg/s")
    print(f"  in order: {in_order}; lost: {len(set(expected) - set(texts))}; duplicates: "
          f"{len(texts) - len(set(texts))}")
    if gaps:
        print(f"  min gap {min(gaps) * 1000:.0f} ms; max per 1 s window "
              f"{max_in_window(times, 1.0)}; max per 60 s window {max_in_window(times, 60.0)}")
    return 0 if in_order else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between messages to one chat (production: 1.0)")
    parser.add_argument("--group", action="store_true", help="group chat: also ≤ 20/min")
    parser.add_argument("--unpaced", action="store_true", help="interval 0: raw throughput")
    args = parser.parse_args()
    return asyncio.run(run(args.n, 0.0 if args.unpaced else args.interval, args.group))


if __name__ == "__main__":
    raise SystemExit(main())
