"""The profit chain ledger: live chains in a state table, finished ones in a journal."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from core.analytics.periods import TradingCalendar
from core.clock import Clock
from core.config.settings import Settings
from core.events import EventBus
from core.infra.events import OperatorNotice
from core.storage.store import Store
from core.trading.autonomy import Autonomy
from core.trading.chain_events import ChainRow, ChainsChanged
from core.trading.pyramid.model import ProfitChain, chain_row

TABLE = "profit_chains"  # chains still being watched (state table)
HISTORY = "profit_chain_history"  # finished chains (journal)


class ChainLedger:
    """The pyramid's chains: the live ones by id, the last 50 finished in memory (all of them
    in the journal). Every change is published as `ChainsChanged` for the views."""

    def __init__(self, store: Store, bus: EventBus, clock: Clock,
                 settings: Callable[[], Settings], autonomy: Callable[[], Autonomy | None]
                 ) -> None:
        self._store = store
        self._bus = bus
        self._clock = clock
        self._settings = settings
        self._autonomy = autonomy
        self.chains: dict[str, ProfitChain] = {}
        self.finished: deque[ProfitChain] = deque(
            (ProfitChain.from_doc(d) for d in store.tail(HISTORY, 50)), maxlen=50)
        done = {c.chain_id for c in self.finished}
        for doc in store.all(TABLE):
            chain = ProfitChain.from_doc(doc)
            if chain.live:
                self.chains[chain.chain_id] = chain
            elif chain.chain_id in done:  # archived just before a crash: only drop it
                store.delete(TABLE, chain.chain_id)
            else:
                self.put(chain)

    def put(self, chain: ProfitChain) -> None:
        """Store a live chain; archive a finished one (journal) and free its autonomy slot."""
        if chain.live:
            self.chains[chain.chain_id] = chain
            self._store.put(TABLE, chain.chain_id, chain.to_doc())
        else:
            chain = replace(chain, finished_at=self._clock.now().isoformat())
            self._store.append(HISTORY, chain.to_doc())
            self._store.delete(TABLE, chain.chain_id)
            self.chains.pop(chain.chain_id, None)
            self.finished.append(chain)
            shared = self._autonomy()
            if shared is not None:
                shared.release(chain.chain_id)
        self._bus.publish(ChainsChanged("profit", self.rows()))

    def rows(self) -> tuple[ChainRow, ...]:
        """Every chain still watched, then those finished this trading day."""
        calendar = TradingCalendar.from_settings(self._settings())
        today = calendar.trading_day(self._clock.now())
        ended = [c for c in self.finished
                 if calendar.trading_day(datetime.fromisoformat(c.finished_at)) == today]
        return tuple(chain_row(c) for c in [*self.chains.values(), *ended])

    def history(self, limit: int = 5000) -> list[ProfitChain]:
        return [ProfitChain.from_doc(d) for d in self._store.tail(HISTORY, limit)]

    def notice(self, kind: str, title: str, chain: ProfitChain, lines: tuple[str, ...]
               ) -> None:
        self._bus.publish(OperatorNotice(type=kind, title=title, lines=(
            f"{chain.direction} {chain.symbol} · {chain.strategy or 'manual'}", *lines),
            symbol=chain.symbol, strategy=chain.strategy))
