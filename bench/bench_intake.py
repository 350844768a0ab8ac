"""Webhook POST → order intent (before the broker): p50/p99, and sustained paced throughput.

Run: python bench/bench_intake.py            (300 latency samples, 500 alerts/s for 60 s)
     python bench/bench_intake.py --quick    (100 samples, 500 alerts/s for 10 s)
Real HTTP on 127.0.0.1, a real engine with its durable store; the end mark is the order
desk's `on_intent` hook (latency: whichever layer trades live) or the V4 logic's (sustained: the
V4 shadow), called the moment an OrderIntent exists and before anything is sent. An entry
builds one order group: Order A and Order B (V4 routing dual_orders); the first intent counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import Secrets  # noqa: E402
from core.domain.orders import OrderIntent  # noqa: E402
from core.engine import Engine, EngineOptions  # noqa: E402
from core.signals.model import V4Signal  # noqa: E402
from core.strategies.api import EntryPlan  # noqa: E402

SECRET = "bench-secret"
SYMBOLS = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD", "AUDUSD", "USDCAD", "NZDUSD", "EURJPY",
           "GBPJPY", "AUDJPY", "EURGBP")
BASE = {"EURUSD": 1.08, "GBPUSD": 1.27, "USDJPY": 151.0, "XAUUSD": 2300.0, "AUDUSD": 0.66,
        "USDCAD": 1.36, "NZDUSD": 0.61, "EURJPY": 163.0, "GBPJPY": 191.0, "AUDJPY": 99.0,
        "EURGBP": 0.85}
DIGITS = {s: (2 if s == "XAUUSD" else 3 if s.endswith("JPY") else 5) for s in SYMBOLS}
PERIOD = {"5m": "5", "15m": "15", "1h": "60"}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def figures(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.3f} ms   p99 {percentile(values, 99):.3f} ms   "
            f"max {max(values):.3f} ms   (n={len(values)})")


# -- the engine side ---------------------------------------------------------------------------

async def start_engine(scratch: Path, **overrides: Any) -> Engine:
    engine = Engine(EngineOptions(
        data_dir=scratch, secrets=Secrets(webhook_secret=SECRET, api_token="t"),
        host="127.0.0.1", port=0, market=False, frontends=False,
        config_overrides={"risk.weekend_block": False, "risk.max_open_trades": 500,
                          "paper.demo_alerts": False, "sessions.enabled": False,
                          "webhook.queue_max": 5000,
                          # hundreds of groups a run: no per-plugin daily trade limit
                          "plugins.v3_combined.config.max_daily_trades": 0, **overrides}))
    await engine.start()
    assert engine.bundle is not None and engine.bundle.terminal is not None
    for symbol in SYMBOLS:
        point = 10.0 ** -DIGITS[symbol]
        engine.bundle.terminal.push_quote(engine.bundle.to_broker_symbol(symbol), BASE[symbol],
                                          round(BASE[symbol] + 8 * point, DIGITS[symbol]),
                                          engine.clock.now())
    return engine


def url_of(engine: Engine) -> str:
    assert engine.webhook is not None
    return f"http://127.0.0.1:{engine.webhook.state.port}/webhook?secret={SECRET}"


async def align(engine: Engine, http: aiohttp.ClientSession) -> None:
    """Bullish 15m, 1h and 1d everywhere: every BUY entry on 5m/15m/1h is aligned."""
    for symbol in SYMBOLS:
        for tf in ("15m", "1h", "1d"):
            body = {"type": "trend", "signal": "bull", "tf": tf, "symbol": symbol,
                    "price": BASE[symbol]}
            async with http.post(url_of(engine), data=json.dumps(body)) as response:
                assert response.status == 200, await response.text()
    assert engine.intake is not None
    await engine.intake.queue.join()


async def latency(samples: int, mode: str) -> tuple[list[float], list[float]]:
    """One entry at a time (then its exit): request received → live OrderIntent."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = await start_engine(Path(scratch), **{"bridge.mode": mode})
        assert engine.desk is not None and engine.intake is not None
        assert engine.store is not None
        marks: dict[str, tuple[float, datetime]] = {}
        built = asyncio.Event()

        def on_intent(plan: EntryPlan, intent: OrderIntent, shadow: bool) -> None:
            if not shadow:  # the group's first intent (Order A) is the end mark
                marks.setdefault(plan.signal_id, (time.perf_counter(), datetime.now(UTC)))
                built.set()

        engine.desk.on_intent = on_intent
        server: list[float] = []
        client: list[float] = []
        async with aiohttp.ClientSession() as http:
            await align(engine, http)
            for i in range(samples):
                price = round(1.08 + (i % 500) * 0.00001, 5)
                entry = {"type": "entry", "signal": "buy", "tf": "15m", "symbol": "EURUSD",
                         "price": price}
                built.clear()
                sent = time.perf_counter()
                async with http.post(url_of(engine), data=json.dumps(entry)) as response:
                    answer = await response.json()
                try:
                    await asyncio.wait_for(built.wait(), timeout=10)
                except TimeoutError as exc:  # say why instead of hanging
                    await engine.intake.queue.join()
                    last = engine.store.tail("signals", 1)[0]
                    raise SystemExit(f"entry {i} built no order: {last['outcome']} "
                                     f"{last['reason']} {last.get('detail')}") from exc
                at_perf, at_wall = marks.pop(answer["signal_id"])
                client.append((at_perf - sent) * 1000)
                await engine.intake.queue.join()
                [record] = [r for r in engine.store.tail("signals", 5)
                            if (r.get("signal") or {}).get("signal_id") == answer["signal_id"]]
                received = datetime.fromisoformat(record["signal"]["received_at"])
                server.append((at_wall - received).total_seconds() * 1000)
                close = {"type": "exit", "signal": "bear", "tf": "15m", "symbol": "EURUSD",
                         "price": price}
                async with http.post(url_of(engine), data=json.dumps(close)) as response:
                    assert response.status == 200
                await engine.intake.queue.join()
        await engine.stop()
        return server, client


def alert(i: int) -> tuple[str, str, str]:
    """The i-th alert of the sustained run: (path, content, body); every one is distinct."""
    symbol = SYMBOLS[i % len(SYMBOLS)]
    tf = ("5m", "15m", "1h")[(i // len(SYMBOLS)) % 3]
    digits = DIGITS[symbol]
    point = 10.0 ** -digits
    price = round(BASE[symbol] + (i // 33) * point, digits)
    sl, tp1 = round(price - 200 * point, digits), round(price + 300 * point, digits)
    kind = i % 3
    if kind == 0:
        return "/webhook", "json", json.dumps({
            "type": "entry", "signal": "buy", "tf": tf, "symbol": symbol, "price": price,
            "secret": SECRET})
    if kind == 1:
        return "/webhook/v3", "json", json.dumps({
            "type": "entry_v3", "signal_type": "Momentum_Breakout", "symbol": symbol,
            "direction": "buy", "tf": PERIOD[tf], "price": price, "consensus_score": 7,
            "sl_price": sl, "tp1_price": tp1, "mtf_trends": "1,1,1,1,1,1", "secret": SECRET})
    fields = ["BULLISH_ENTRY", symbol, PERIOD[tf], f"{price:.{digits}f}", "BUY", "HIGH", "85",
              "27.4", "STRONG", f"{sl:.{digits}f}", f"{tp1:.{digits}f}", "NA", "NA", "5/1",
              "TL_OK"]
    return "/webhook/v6", "text", "|".join(fields) + "|"


async def sustained(rate: int, duration: float) -> dict[str, Any]:
    """Paced client in its own process; the V4 logic decides every alert in shadow (hybrid
    mode, fallback off). Its virtual groups stay open in the shadow ledger, so only the first
    aligned entry per symbol and logic builds a group (A and B); the others are ALREADY_OPEN."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = await start_engine(Path(scratch), **{"bridge.mode": "hybrid",
                                                      "bridge.fallback_on_failure": False})
        assert engine.v4 is not None and engine.intake is not None and engine.store is not None
        intents: Counter[tuple[str, str]] = Counter()  # (signal id, order kind)
        under_load: list[float] = []

        def on_intent(signal: V4Signal, intent: OrderIntent, shadow: bool) -> None:
            intents[(signal.signal_id, intent.kind.value)] += 1
            under_load.append((datetime.now(UTC) - signal.received_at).total_seconds() * 1000)

        engine.v4.on_intent = on_intent
        async with aiohttp.ClientSession() as http:
            await align(engine, http)
        base = url_of(engine).split("/webhook")[0]
        out = Path(scratch) / "client.json"
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--client", base, str(rate), str(duration), str(out))
        await proc.wait()
        started = time.perf_counter()
        await engine.intake.queue.join()
        drain_s = time.perf_counter() - started
        client = json.loads(out.read_text())
        accepted = set(client["accepted"])
        processed = [r for r in engine.store.scan("signals")
                     if r.get("signal") and r["status"] == "processed"]
        records = Counter(r["signal"]["signal_id"] for r in processed)
        v4 = Counter(d["reason"] for r in processed for d in r.get("decisions") or []
                     if d["layer"] == "V4")
        groups = {r["signal"]["signal_id"] for r in processed
                  if any(d["layer"] == "V4" and d["outcome"] == "shadow"
                         and str(d["detail"]).startswith("would place")
                         for d in r.get("decisions") or [])}
        with_intents = {signal_id for signal_id, _ in intents}
        stats = engine.intake.stats
        await engine.stop()
        return {
            "client": client, "drain_s": drain_s, "under_load": under_load,
            "v4_reasons": dict(v4), "groups": len(groups),
            "lost_intents": len(groups - with_intents),
            "duplicated_intents": sum(1 for n in intents.values() if n > 1),
            "unexpected_intents": len(with_intents - accepted),
            "processed_once": sum(1 for sid in accepted if records.get(sid) == 1),
            "errors": stats.errors, "busy": stats.busy,
        }


# -- the client process ------------------------------------------------------------------------

async def client_main(base: str, rate: int, duration: float, out: Path) -> None:
    total = int(rate * duration)
    statuses: Counter[int] = Counter()
    accepted: list[str] = []
    acks: list[float] = []
    lateness: list[float] = []
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def send(path: str, content: str, body: str) -> None:
            headers = {"Content-Type": "application/json" if content == "json"
                       else "text/plain"}
            sent = time.perf_counter()
            async with http.post(f"{base}{path}?secret={SECRET}", data=body,
                                 headers=headers) as response:
                answer = await response.json()
            acks.append((time.perf_counter() - sent) * 1000)
            statuses[response.status] += 1
            if answer.get("status") == "accepted":
                accepted.append(answer["signal_id"])

        tasks = []
        t0 = time.perf_counter() + 0.2
        for i in range(total):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lateness.append(max(0.0, time.perf_counter() - due) * 1000)
            tasks.append(asyncio.create_task(send(*alert(i))))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    out.write_text(json.dumps({
        "sent": total, "elapsed_s": elapsed, "statuses": {str(k): v for k, v in statuses.items()},
        "accepted": accepted, "ack_p50": statistics.median(acks),
        "ack_p99": percentile(acks, 99), "ack_max": max(acks),
        "late_p99": percentile(lateness, 99)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="100 samples, 10 s sustained")
    parser.add_argument("--segment-records", type=int, default=0,
                        help="what-if: journal segment size of the engine's store (default: "
                             "the shipped configuration)")
    parser.add_argument("--client", nargs=4, metavar=("BASE", "RATE", "SECONDS", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        base, rate, seconds, out = args.client
        asyncio.run(client_main(base, int(rate), float(seconds), Path(out)))
        return
    if args.quick:
        args.samples, args.duration = 100, 10.0
    if args.segment_records:
        import functools

        import core.engine
        from core.storage.store import Store

        core.engine.Store = functools.partial(  # type: ignore[misc]
            Store, segment_records=args.segment_records)
        print(f"WHAT-IF: store journals with {args.segment_records}-record segments "
              "(the engine ships with 500)")
    for mode in ("hybrid", "passthrough"):
        server, client = asyncio.run(latency(args.samples, mode))
        who = "the V3 plugin live, V4 in shadow" if mode == "hybrid" else "V4 only"
        print(f"webhook POST → live OrderIntent, bridge {mode} ({who}), loopback HTTP:")
        print(f"  request received → intent   {figures(server)}")
        print(f"  client send → intent        {figures(client)}")
    result = asyncio.run(sustained(args.rate, args.duration))
    client = result["client"]
    print(f"sustained: {client['sent']} alerts paced at {args.rate}/s "
          f"(legacy, V3, V6 text), sent in {client['elapsed_s']:.1f} s; "
          f"queue drained {result['drain_s']:.2f} s after the last answer")
    print(f"  HTTP statuses {client['statuses']}; acknowledgement p50 {client['ack_p50']:.2f} ms"
          f" p99 {client['ack_p99']:.2f} ms max {client['ack_max']:.2f} ms; "
          f"client pacing lateness p99 {client['late_p99']:.2f} ms")
    print(f"  V4 shadow decisions {result['v4_reasons']}; order groups built "
          f"{result['groups']} (one per symbol and logic: the rest ALREADY_OPEN)")
    print(f"  accepted {len(client['accepted'])}; processed exactly once "
          f"{result['processed_once']}; intents lost {result['lost_intents']}, duplicated "
          f"{result['duplicated_intents']}, unexpected {result['unexpected_intents']}; "
          f"errors {result['errors']}; busy {result['busy']}")
    print(f"  request received → intent under load  {figures(result['under_load'])}")


if __name__ == "__main__":
    main()
