"""Provides the EventPump: one bus subscription turned into coalesced Textual messages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.message_pump import MessagePump

from console.messages import (
    AccountChanged,
    ChainsUpdated,
    CheckpointsUpdated,
    ConflictsUpdated,
    LogBatch,
    PluginHealthUpdated,
    PositionsUpdated,
    PositionView,
    RollbackDone,
    ServiceUpdated,
    SignalBatch,
    SignalView,
    ThemeSettingChanged,
    TradingStateUpdated,
)
from core.commands.display import THEME_KEY
from core.domain.orders import Position
from core.events import (
    AccountUpdated,
    AlertProcessed,
    ConfigChanged,
    Event,
    LogEmitted,
    PluginHealth,
    PositionsChanged,
    ServiceStateChanged,
    TradingStateChanged,
)
from core.infra.events import CheckpointsChanged, ConflictsChanged, RolledBack
from core.trading.chain_events import ChainRow, ChainsChanged

if TYPE_CHECKING:
    from core.engine import Engine

INTERESTING: tuple[type[Event], ...] = (
    AccountUpdated, PositionsChanged, TradingStateChanged, ServiceStateChanged, LogEmitted,
    AlertProcessed, ConfigChanged, PluginHealth, ConflictsChanged, CheckpointsChanged,
    RolledBack, ChainsChanged)
"""The events the shell shows (panes, theme); others are not queued for the console at all."""


def chain_label(row: ChainRow) -> str:
    """How a position shows its chain: `RE L2/5` (re-entry), `PB L1` (profit booking)."""
    if row.family == "profit":
        return f"PB L{row.level}"
    return f"RE L{row.level}/{row.max_level}" if row.max_level else f"RE L{row.level}"


def chain_labels(rows: Iterable[ChainRow]) -> dict[int, str]:
    """Ticket → chain label, for every open ticket of these chains."""
    return {ticket: chain_label(row) for row in rows for ticket in row.open_tickets}


def first_rows(engine: Engine) -> list[Message]:
    """The infra and chain panes' rows as the engine has them at start (later rows come by
    event): one accessor per pane, each read only if this engine has it."""
    out: list[Message] = []
    infra = getattr(engine, "infra", None)
    if infra is not None:
        out.append(ConflictsUpdated(tuple(infra.conflicts.rows())))
        out.append(CheckpointsUpdated(tuple(infra.checkpoints.rows())))
    reentry = getattr(engine, "reentry", None)
    if reentry is not None:
        today = engine.clock.now().date().isoformat()
        out.append(ChainsUpdated("reentry", tuple(reentry.book.shown(today))))
    pyramid = getattr(engine, "pyramid", None)
    if pyramid is not None:
        out.append(ChainsUpdated("profit", tuple(pyramid.rows())))
    return out


class EventPump:
    """Subscribes once (before the engine starts, so start-up logs are seen) and, in a worker,
    drains the queue in bursts: only the newest account, positions, trading state, plugin
    health, conflicts, checkpoints, chains (per family) and per-service state of a burst are
    posted, log records are posted together. Positions carry their chain label (from the
    chains' open tickets); a burst that changes only the labels re-posts the positions. The
    engine is never blocked: the bus drops the oldest events if the console falls behind."""

    def __init__(self, engine: Engine, target: MessagePump, *, interval: float = 0.05,
                 max_logs: int = 500) -> None:
        self.engine = engine
        self.target = target
        self.interval = interval
        """Minimum seconds between two bursts: bounds the UI refresh rate."""
        self.max_logs = max_logs
        """Log records kept from one burst (the newest)."""
        self.subscription = engine.bus.subscribe(INTERESTING, maxsize=5000, name="console")
        self.bursts = 0
        self.labels: dict[int, tuple[str, str]] = {}
        """Kind and owner by ticket, from the store; written once when a position is placed,
        so read once (a store read per position per price tick adds up)."""
        self.chains: dict[str, dict[int, str]] = {}
        """Chain label by ticket, per family, from the newest ChainsChanged of each family."""
        self.positions: tuple[Position, ...] = ()
        """The newest positions seen, to relabel them when only the chains change."""

    def snapshot(self) -> None:
        """Post the engine's current state (after start: panes need it even if nothing moves)."""
        first = first_rows(self.engine)
        for message in first:  # positions show their chain from the first frame
            if isinstance(message, ChainsUpdated):
                self.chains[message.family] = chain_labels(message.rows)
        trading = self.engine.trading
        if trading is not None:
            if trading.account is not None:
                self.target.post_message(AccountChanged(trading.account))
            self.positions = tuple(trading.positions.values())
            self.target.post_message(PositionsUpdated(self.views(self.positions)))
            self.target.post_message(TradingStateUpdated(trading.paused, trading.pause_reason))
        for name, (up, detail) in sorted(self.engine.services.items()):
            self.target.post_message(ServiceUpdated(name, up, detail))
        if self.engine.store is not None:  # the signal log so far, once, at start
            recent = reversed(self.engine.store.tail("signals", 50))
            self.target.post_message(SignalBatch(tuple(
                view for record in recent if (view := signal_view(record)) is not None)))
        for message in first:
            self.target.post_message(message)

    def views(self, positions: Iterable[Position]) -> tuple[PositionView, ...]:
        trading = self.engine.trading
        symbols = self.engine.symbols()
        rows = []
        labels: dict[int, tuple[str, str]] = {}
        for p in sorted(positions, key=lambda p: p.ticket):
            label = self.labels.get(p.ticket)
            if label is None:
                meta = trading.meta(p.ticket) if trading is not None else {}
                label = (str(meta.get("kind") or "—"), str(meta.get("strategy") or "external"))
                if meta:  # no record yet (or an external position): ask again next time
                    labels[p.ticket] = label
            else:
                labels[p.ticket] = label
            spec = symbols.get(p.symbol)
            chain = next((found for family in sorted(self.chains)
                          if (found := self.chains[family].get(p.ticket))), "")
            rows.append(PositionView(
                ticket=p.ticket, symbol=p.symbol, side=p.direction.value, kind=label[0],
                volume=p.volume, price_open=p.price_open, sl=p.sl, tp=p.tp,
                profit=p.profit + p.swap, owner=label[1],
                digits=spec.digits if spec is not None else 5, chain=chain))
        self.labels = labels
        return tuple(rows)

    def coalesce(self, events: Iterable[Event]) -> list[Message]:
        """One burst of events → the messages to post, newest state only."""
        account: AccountUpdated | None = None
        positions: PositionsChanged | None = None
        trading: TradingStateChanged | None = None
        services: dict[str, ServiceStateChanged] = {}
        logs: list[LogEmitted] = []
        alerts: list[SignalView] = []
        theme: ConfigChanged | None = None
        health: PluginHealth | None = None
        conflicts: ConflictsChanged | None = None
        checkpoints: CheckpointsChanged | None = None
        rollbacks: list[RolledBack] = []
        chains: dict[str, ChainsChanged] = {}
        for event in events:
            if isinstance(event, AccountUpdated):
                account = event
            elif isinstance(event, PositionsChanged):
                positions = event
            elif isinstance(event, TradingStateChanged):
                trading = event
            elif isinstance(event, ServiceStateChanged):
                services[event.service] = event
            elif isinstance(event, LogEmitted):
                logs.append(event)
            elif isinstance(event, AlertProcessed):
                alerts.append(SignalView(self.engine.clock.now(), event.family, event.summary,
                                         event.outcome, event.reason))
            elif isinstance(event, ConfigChanged) and event.key == THEME_KEY:
                theme = event
            elif isinstance(event, PluginHealth):
                health = event
            elif isinstance(event, ConflictsChanged):
                conflicts = event
            elif isinstance(event, CheckpointsChanged):
                checkpoints = event
            elif isinstance(event, RolledBack):
                rollbacks.append(event)
            elif isinstance(event, ChainsChanged):
                chains[event.family] = event
        for family, changed in chains.items():
            labels = chain_labels(changed.rows)
            if labels != self.chains.get(family, {}) and positions is None:
                positions = PositionsChanged(self.positions)  # relabel what is shown
            self.chains[family] = labels
        out: list[Message] = []
        if theme is not None:
            out.append(ThemeSettingChanged(str(theme.value)))
        if alerts:
            out.append(SignalBatch(tuple(alerts)))
        if logs:
            out.append(LogBatch(tuple(logs[-self.max_logs:])))
        if trading is not None:
            out.append(TradingStateUpdated(trading.paused, trading.reason))
        for name in sorted(services):
            s = services[name]
            out.append(ServiceUpdated(s.service, s.up, s.detail))
        if account is not None:
            out.append(AccountChanged(account.account))
        if positions is not None:
            self.positions = positions.positions
            out.append(PositionsUpdated(self.views(positions.positions)))
        if health is not None:
            out.append(PluginHealthUpdated(health.rows))
        if conflicts is not None:
            out.append(ConflictsUpdated(conflicts.rows))
        if checkpoints is not None:
            out.append(CheckpointsUpdated(checkpoints.rows))
        out.extend(RollbackDone(r.checkpoint_id, r.reason, r.plugin_id, r.detail)
                   for r in rollbacks)
        out.extend(ChainsUpdated(family, chains[family].rows) for family in sorted(chains))
        return out

    def flush(self, first: Event | None = None) -> int:
        """Post everything queued now (after `first`); returns how many events were consumed."""
        events: list[Event] = [] if first is None else [first]
        while (event := self.subscription.get_nowait()) is not None:
            events.append(event)
        if events:
            self.bursts += 1
            for message in self.coalesce(events):
                self.target.post_message(message)
        return len(events)

    async def run(self) -> None:
        """Worker body: wait for an event, let a burst gather, post it; until cancelled."""
        try:
            while True:
                try:
                    first = await self.subscription.get()
                except StopAsyncIteration:
                    return
                self.flush(first)
                await asyncio.sleep(self.interval)
        finally:
            self.close()

    def close(self) -> None:
        if not self.subscription.closed:
            self.subscription.close()


def signal_view(record: dict[str, Any]) -> SignalView | None:
    """A signal-log record as the pane shows it (rejected alerts have no parsed signal)."""
    try:
        when = datetime.fromisoformat(str(record["received_at"]))
    except (KeyError, ValueError):
        return None
    signal = record.get("signal") or {}
    summary = (f"{signal.get('signal_type')} {signal.get('symbol')} {signal.get('timeframe')}"
               if signal else str(record.get("raw", ""))[:34])
    outcome = str(record.get("outcome") or record.get("status") or "")
    return SignalView(when, str(record.get("format") or "?"), summary, outcome,
                      str(record.get("reason") or ""))
