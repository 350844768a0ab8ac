"""Trade notices: SPEC §9.4 ENTRY, TP/SL/exit and trade-manager texts of one trade."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.analytics.labels import classify
from core.config.settings import SymbolRow
from core.events import ExitHeld, PartialClosed, PositionClosed, PositionOpened, StopLossMoved
from core.notifications import messages as msg
from core.notifications.notice import Notice
from core.storage.store import Store
from core.voice import sentences

if TYPE_CHECKING:
    from core.engine import Engine

CLOSE_TYPES = {"TP": "tp_hit", "TP3": "tp_hit", "SL": "sl_hit", "REVERSAL": "reversal_exit",
               "MANUAL": "manual_exit", "PANIC": "manual_exit"}
# SPEC §5.2.7: every SL change is sl_modified; breakeven, profit lock and trailing have types
SL_TYPES = {"breakeven": "breakeven", "profit_lock": "profit_lock",
            "trailing": "trailing_update"}
SCORES = (("consensus_score", "consensus"), ("confidence", "conf"), ("adx", "ADX"),
          ("score", "score"))


def entry(engine: Engine, store: Store, events: list[PositionOpened], now: datetime) -> Notice:
    """One ENTRY notice for the orders of one signal (A and B)."""
    first = events[0]
    trading = engine.trading
    metas = [trading.meta(e.position.ticket) if trading else {} for e in events]
    label = classify(first.strategy, first.position.comment, first.position.magic,
                     engine.settings.mt5.magic_base)
    row = _row(engine, first.position.symbol)
    orders = [msg.OrderLine(meta.get("kind") or "?", e.position.ticket, e.position.volume,
                            e.position.price_open, e.position.sl, e.position.tp,
                            row.digits, row.pip_size, row.pip_value)
              for e, meta in zip(events, metas, strict=True)]
    side = first.position.direction.value
    text = msg.entry(first.position.symbol, side, label.badge, orders,
                     _signal_line(store, first.signal_id), _session(engine, now), now,
                     engine.settings.display.timezone)
    return Notice("entry", text, label, sentences.entry(
        side, first.position.symbol, first.position.price_open, row.digits),
        shadow=any(is_shadow(m) for m in metas))


def closed(engine: Engine, store: Store, event: PositionClosed, now: datetime,
           today: Callable[[datetime], tuple[float, float]],
           daily_cap: Callable[[], float | None]) -> Notice:
    """TP hit, SL hit or another exit, with today's net (and for an SL the daily cap)."""
    record = next((r for r in store.tail("trades", 50)
                   if r.get("ticket") == event.ticket), {})
    label = classify(" ".join(str(record.get(k) or "") for k in
                              ("strategy", "logic", "timeframe")).strip() or None,
                     record.get("comment"), record.get("magic"),
                     engine.settings.mt5.magic_base)
    row = _row(engine, event.symbol)
    opened = record.get("opened_at")
    line = msg.ClosedLine(
        str(record.get("kind") or "?"), event.ticket, event.direction, event.volume,
        event.price_open, event.price_close, event.profit, row.digits, row.pip_size,
        datetime.fromisoformat(opened) if opened else None, now)
    today_net, daily_loss = today(now)
    kind = CLOSE_TYPES.get(event.reason, "exit")
    if kind == "tp_hit":
        level = int(record.get("tp_level") or 1)
        text = msg.tp_hit(event.symbol, label.badge, line, level, today_net)
        speech = sentences.tp_hit(level, event.symbol)
    elif kind == "sl_hit":
        text = msg.sl_hit(event.symbol, label.badge, line, daily_loss, daily_cap(), today_net)
        speech = sentences.sl_hit(event.symbol, event.profit)
    else:
        text = msg.exit_(event.symbol, label.badge, line, event.reason, today_net)
        speech = sentences.exit_(event.symbol, event.direction, event.profit)
    return Notice(kind, text, label, speech, shadow=is_shadow(record))


def managed(engine: Engine, event: StopLossMoved | PartialClosed | ExitHeld) -> Notice:
    """What the trade manager did to a position (SPEC §5.2): SL moved, partial close, exit held."""
    if isinstance(event, StopLossMoved):
        kind, title = SL_TYPES.get(event.reason, "sl_modified"), "SL MOVED"
    elif isinstance(event, PartialClosed):
        kind, title = "partial_close", "PARTIAL CLOSE"
    else:
        kind, title = "exit_held", "EXIT HELD"
    label = classify(event.strategy or None, None, None, engine.settings.mt5.magic_base)
    return Notice(kind, f"{title} · {event.symbol} {event.direction} · {label.badge}\n"
                        f"{event.words}", label)


def is_shadow(record: dict[str, Any]) -> bool:
    return str(record.get("mode") or "").upper() == "SHADOW"


def _row(engine: Engine, symbol: str) -> SymbolRow:
    table = engine.settings.symbols.table
    return table.get(symbol) or SymbolRow(pip_size=0.0001, digits=5, pip_value=10,
                                          contract_size=100_000)


def _session(engine: Engine, now: datetime) -> str | None:
    """The current trading session's name (SPEC §8.1), when the session manager runs."""
    sessions = getattr(engine, "sessions", None)
    window = sessions.current(now) if sessions is not None else None
    name = getattr(window, "name", None)
    return str(name) if name else None


def _signal_line(store: Store, signal_id: str | None) -> str | None:
    """Indicator signal type, timeframe and key scores from the signal log."""
    if signal_id is None:
        return None
    for doc in store.tail("signals", 50):
        signal = doc.get("signal") or {}
        if signal.get("signal_id") == signal_id:
            parts = [str(signal.get("signal_type")), str(signal.get("timeframe"))]
            extras = signal.get("extras") or {}
            parts += [f"{label} {extras[key]}" for key, label in SCORES if key in extras]
            return " · ".join(parts)
    return None
