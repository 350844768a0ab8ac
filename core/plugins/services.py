"""The service interface the core offers each plugin (SPEC §3.3): never the broker itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import Direction
from core.domain.orders import Position, Quote
from core.domain.symbols import SymbolSpec
from core.risk.gates import GateResult
from core.signals.indicators import IndicatorSnapshot
from core.signals.pulse_store import PulseStore
from core.storage.store import Store
from core.strategies.api import OwnedPosition, StrategyDay
from core.strategies.day_book import StrategyDayBook
from core.strategies.trend_store import TrendStore

if TYPE_CHECKING:
    from core.risk.manager import RiskManager
    from core.trading.service import TradingService
    from core.trading.shadow import ShadowLedger

STATE_TABLE = "plugin_state"


class CoreServices:
    """One per plugin. `shadow` is set by the host for the duration of a shadow call, so
    `positions()` answers with the plugin's virtual positions: a shadow decision then sees
    what a live one would (ALREADY_OPEN, reversals)."""

    def __init__(self, plugin_id: str, *, settings: Callable[[], Settings], store: Store,
                 clock: Clock, trading: TradingService, risk: RiskManager,
                 shadow: ShadowLedger, trends: TrendStore, pulses: PulseStore,
                 indicators: IndicatorSnapshot, days: StrategyDayBook,
                 symbols: Callable[[], Mapping[str, SymbolSpec]],
                 schema: type[BaseModel] | None = None) -> None:
        self.plugin_id = plugin_id
        self.settings = settings
        self.shadow = False
        self._store = store
        self._clock = clock
        self._trading = trading
        self._risk = risk
        self._ledger = shadow
        self._trends = trends
        self._pulses = pulses
        self._indicators = indicators
        self._days = days
        self._symbols = symbols
        self._schema = schema

    # -- configuration and stores ------------------------------------------------------------
    def config(self) -> BaseModel:
        section = getattr(self.settings().plugins, self.plugin_id, None)
        config = getattr(section, "config", None)
        if isinstance(config, BaseModel):
            return config
        raw = section.get("config", {}) if isinstance(section, dict) else {}
        if self._schema is None:
            raise LookupError(f"plugin {self.plugin_id} declares no configuration schema")
        return self._schema.model_validate(raw)

    @property
    def trends(self) -> TrendStore:
        return self._trends

    @property
    def pulses(self) -> PulseStore:
        return self._pulses

    @property
    def indicators(self) -> IndicatorSnapshot:
        return self._indicators

    def now(self) -> datetime:
        return self._clock.now()

    def symbol(self, name: str) -> SymbolSpec | None:
        return self._symbols().get(name)

    # -- positions and prices ----------------------------------------------------------------
    def positions(self, symbol: str | None = None,
                  direction: Direction | None = None) -> list[OwnedPosition]:
        if self.shadow:
            return self._virtual(symbol, direction)
        owned = []
        for position in sorted(self._trading.positions.values(), key=lambda p: p.ticket):
            meta = self._trading.meta(position.ticket)
            if meta.get("strategy") != self.plugin_id:
                continue
            if (symbol is None or position.symbol == symbol) and \
                    (direction is None or position.direction is direction):
                owned.append(OwnedPosition(position, str(meta.get("kind") or ""),
                                           meta.get("logic"), meta.get("group_id"),
                                           str(meta.get("opened_at") or "")))
        return owned

    def _virtual(self, symbol: str | None, direction: Direction | None) -> list[OwnedPosition]:
        out = []
        for doc in self._ledger.positions(self.plugin_id, symbol, direction):
            position = Position(
                ticket=-int(str(doc["id"]).lstrip("S")), symbol=doc["symbol"],
                direction=Direction(doc["direction"]), volume=float(doc["volume"]),
                price_open=float(doc["price_open"]), sl=doc.get("sl"), tp=doc.get("tp"),
                price_current=float(doc["price_open"]), profit=0.0, magic=0,
                comment=f"shadow|{doc.get('kind', '')}|",
                time=datetime.fromisoformat(str(doc["opened_at"])))
            out.append(OwnedPosition(position, str(doc.get("kind") or ""), doc.get("logic"),
                                     doc.get("group_id"), str(doc["opened_at"])))
        return out

    async def quote(self, symbol: str) -> Quote:
        return await self._trading.broker.quote(symbol)

    async def spread_pips(self, symbol: str) -> float:
        quote = await self.quote(symbol)
        spec = self._symbols()[symbol]
        return round((quote.ask - quote.bid) / spec.pip_size, 2)

    # -- gates, counts, state -------------------------------------------------------------------
    def gates(self, symbol: str, *, announce: bool = True) -> GateResult:
        return self._risk.check_new_order(symbol, self._clock.now(), strategy=self.plugin_id,
                                          announce=announce and not self.shadow)

    def day(self) -> StrategyDay:
        return self._days.day(self.plugin_id)

    def state(self) -> dict[str, Any]:
        doc = self._store.get(STATE_TABLE, self.plugin_id) or {}
        return dict(doc.get("state") or {})

    def save_state(self, state: Mapping[str, Any]) -> None:
        self._store.put(STATE_TABLE, self.plugin_id, {"state": dict(state)})
