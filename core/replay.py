"""`v5-console replay`: the full pipeline offline over bars, with alerts injected on time.

An alert whose `time_utc` is T is injected before the first bar whose open time is ≥ T, so
it trades at the previous bar's close (the terminal's current quote) — the moment a
TradingView alert fired at bar close would arrive.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.brokers.feeds.bars import BarSeries, load_bars
from core.clock import FrozenClock
from core.engine import Engine, EngineOptions
from core.events import Event, PositionOpened


@dataclass(frozen=True)
class ScheduledAlert:
    time: int  # epoch seconds
    body: bytes
    path: str


@dataclass(frozen=True)
class ReplayReport:
    symbol: str
    bars: int
    first_bar: str
    last_bar: str
    alerts: int
    alert_outcomes: dict[str, int]
    signals: list[dict[str, Any]]  # per alert: type, outcome, reason, words, every layer
    orders: list[dict[str, Any]]  # every position opened, in order, with owner and kind
    trades: list[dict[str, Any]]
    open_positions: int
    net_pnl: float
    start_balance: float
    end_balance: float
    max_drawdown: float
    max_drawdown_pct: float
    seconds: float
    bars_per_second: float


def load_alerts(path: Path) -> list[ScheduledAlert]:
    alerts = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            when = datetime.fromisoformat(str(item["time_utc"]).replace("Z", "+00:00"))
            body = item["body"]
        except (json.JSONDecodeError, KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: expected {{\"time_utc\": ..., \"body\": ...}} "
                             f"({exc})") from exc
        raw = json.dumps(body).encode() if isinstance(body, dict) else str(body).encode()
        alerts.append(ScheduledAlert(int(when.astimezone(UTC).timestamp()), raw,
                                     str(item.get("path", "/webhook"))))
    return sorted(alerts, key=lambda a: a.time)


def max_drawdown(start_balance: float, profits: list[float]) -> tuple[float, float]:
    """Largest peak-to-trough fall of the closed-trade balance curve ($, % of the peak)."""
    peak = balance = start_balance
    worst = worst_pct = 0.0
    for profit in profits:
        balance += profit
        peak = max(peak, balance)
        if peak - balance > worst:
            worst, worst_pct = peak - balance, (peak - balance) / peak * 100
    return round(worst, 2), round(worst_pct, 3)


async def run_replay(series: BarSeries, symbol: str, alerts: list[ScheduledAlert],
                     options: EngineOptions,
                     before: Callable[[Engine], Awaitable[None]] | None = None) -> ReplayReport:
    """`before` runs once the engine is up, before the first bar (benchmarks open positions)."""
    clock = FrozenClock(series.first_time)
    options.clock = clock
    options.webhook = False
    options.market = False
    options.replay = True
    engine = Engine(options)
    await engine.start()
    orders: list[dict[str, Any]] = []
    try:
        engine.bus.listen(lambda e: orders.append(_order(engine, e)), (PositionOpened,))
        if before is not None:
            await before(engine)
        return await _drive(engine, clock, series, symbol, alerts, orders)
    finally:
        await engine.stop()


def _order(engine: Engine, event: Event) -> dict[str, Any]:
    assert isinstance(event, PositionOpened) and engine.trading is not None
    p = event.position
    meta = engine.trading.meta(p.ticket)
    return {"ticket": p.ticket, "time": p.time.isoformat(), "symbol": p.symbol,
            "direction": p.direction.value, "volume": p.volume, "price": p.price_open,
            "sl": p.sl, "tp": p.tp, "magic": p.magic, "owner": event.strategy,
            "kind": meta.get("kind"), "logic": meta.get("logic"),
            "group_id": meta.get("group_id"), "signal_id": event.signal_id}


def _signal(record: dict[str, Any]) -> dict[str, Any]:
    signal = record.get("signal") or {}
    return {"signal_id": signal.get("signal_id"), "type": signal.get("signal_type"),
            "family": signal.get("source_format"), "timeframe": signal.get("timeframe"),
            "direction": signal.get("direction"), "outcome": record.get("outcome"),
            "reason": record.get("reason"), "detail": record.get("detail"),
            "decisions": [{k: d.get(k) for k in ("layer", "live", "outcome", "reason",
                                                 "detail")}
                          for d in record.get("decisions") or []]}


async def _drive(engine: Engine, clock: FrozenClock, series: BarSeries, symbol: str,
                 alerts: list[ScheduledAlert], orders: list[dict[str, Any]]) -> ReplayReport:
    assert engine.bundle is not None and engine.bundle.terminal is not None
    assert engine.intake is not None and engine.trading is not None
    terminal, trading, intake = engine.bundle.terminal, engine.trading, engine.intake
    spec = engine.symbols()[symbol]
    broker_symbol = engine.bundle.to_broker_symbol(symbol)
    spread_points = int(round(spec.typical_spread_pips * spec.pip_size / spec.point))
    push_bar = terminal.push_bar
    start_balance = (await trading.broker.account()).balance
    times = series.times.tolist()
    opens, highs = series.open.tolist(), series.high.tolist()
    lows, closes = series.low.tolist(), series.close.tolist()
    sessions, risk, shadow = engine.sessions, engine.risk, engine.shadow
    manager = engine.manager
    assert sessions is not None and risk is not None and shadow is not None
    assert manager is not None
    # SPEC §5.2 after each bar that leaves positions open, on the bar's closing quote
    spread_px, digits = spread_points * spec.point, spec.digits
    prices: dict[str, tuple[float, float]] = {}
    # Offline, sessions matter only for force close (open positions) on their 30-min grid,
    # and risk only at the daily reset: checking those two keeps a bar at a few comparisons.
    next_reset = int(risk.next_reset(series.first_time).timestamp())
    session_filter = engine.settings.sessions.enabled
    next_alert = alerts[0].time if alerts else None
    alert_index = 0
    seen = terminal.state_version
    started = time.perf_counter()
    for i, t in enumerate(times):
        if next_alert is not None and next_alert <= t:
            clock.set(datetime.fromtimestamp(t, UTC))
            while next_alert is not None and next_alert <= t:
                alert = alerts[alert_index]
                intake.receive(alert.body, query_secret=engine.webhook_secret,
                               peer="replay")
                alert_index += 1
                next_alert = alerts[alert_index].time if alert_index < len(alerts) else None
            await intake.queue.join()
            seen = terminal.state_version
        if t >= next_reset or (session_filter and t % 1800 == 0 and trading.positions):
            now = datetime.fromtimestamp(t, UTC)
            clock.set(now)
            if t >= next_reset:
                await risk.tick(now)
                next_reset = int(risk.next_reset(now).timestamp())
            if session_filter and trading.positions:
                await sessions.tick(now)
            seen = terminal.state_version
        push_bar(broker_symbol, t, opens[i], highs[i], lows[i], closes[i], spread_points)
        if shadow.open_count:  # SPEC §4.4: virtual SL/TP against the bar's closing quote
            clock.set(datetime.fromtimestamp(t + 60, UTC))
            await shadow.tick(trading.broker.quote)
        if terminal.state_version != seen:
            clock.set(datetime.fromtimestamp(t + 60, UTC))
            await trading.refresh()
            seen = terminal.state_version
        if trading.positions or manager.following:
            close = closes[i]
            prices[symbol] = (close, round(close + spread_px, digits))
            if manager.due(prices):  # most bars cross no edge: no clock, no tick
                clock.set(datetime.fromtimestamp(t + 60, UTC))
                if await manager.tick(prices=prices):
                    seen = terminal.state_version
    elapsed = time.perf_counter() - started
    await trading.refresh()
    assert engine.store is not None
    trades = list(engine.store.scan("trades"))
    end_balance = (await trading.broker.account()).balance
    profits = [float(t["profit"]) for t in trades]
    dd, dd_pct = max_drawdown(start_balance, profits)
    outcomes: dict[str, int] = {}
    signals = []
    for record in engine.store.scan("signals"):
        key = str(record.get("outcome"))
        outcomes[key] = outcomes.get(key, 0) + 1
        signals.append(_signal(record))
    return ReplayReport(
        symbol=symbol, bars=len(times), first_bar=series.first_time.isoformat(),
        last_bar=series.last_time.isoformat(), alerts=len(alerts), alert_outcomes=outcomes,
        signals=signals, orders=list(orders),
        trades=[{k: v for k, v in t.items() if not k.startswith("_")} for t in trades],
        open_positions=len(trading.positions), net_pnl=round(end_balance - start_balance, 2),
        start_balance=start_balance, end_balance=end_balance, max_drawdown=dd,
        max_drawdown_pct=dd_pct, seconds=round(elapsed, 4),
        bars_per_second=round(len(times) / elapsed) if elapsed > 0 else 0.0,
    )


def run_replay_cli(bars: Path, symbol: str | None, alerts_path: Path | None,
                   report_path: Path | None, options: EngineOptions) -> int:
    series = load_bars(bars)
    chosen = (symbol or bars.name.split(".")[0]).upper()
    alerts = load_alerts(alerts_path) if alerts_path else []
    with tempfile.TemporaryDirectory(prefix="v5-replay-") as scratch:
        if options.data_dir == Path("data"):  # never touch the paper account by default
            options.data_dir = Path(scratch)
        report = asyncio.run(run_replay(series, chosen, alerts, options))
    print(f"replay {report.symbol}: {report.bars} bars {report.first_bar} → {report.last_bar}")
    print(f"alerts {report.alerts} {report.alert_outcomes}; trades {len(report.trades)}; "
          f"open at end {report.open_positions}")
    print(f"net P&L ${report.net_pnl:,.2f}; max drawdown ${report.max_drawdown:,.2f} "
          f"({report.max_drawdown_pct:.2f} %); {report.bars_per_second:,.0f} bars/s")
    if report_path:
        report_path.write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    return 0
