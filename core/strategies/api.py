"""The strategy plugin API (SPEC §3.9.1, §3.10): manifest, decisions, entry plans, services.

A plugin decides; it never sends. `on_signal` returns a `Decision`: either a reason code, or
close instructions for its own positions and `EntryPlan`s. The plugin host executes them:
closes first, then each plan through the order desk, which sizes the order group (SPEC §5.1,
§5.4), runs the pre-trade check and places Order A and Order B (or records them in the shadow
ledger when the plugin is in shadow mode).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

from core.domain.enums import Direction
from core.domain.orders import Position, Quote
from core.signals.v5 import Levels, V5Signal

if TYPE_CHECKING:
    from core.config.settings import Settings
    from core.risk.gates import GateResult
    from core.signals.indicators import IndicatorSnapshot
    from core.signals.pulse_store import PulseStore
    from core.strategies.trend_store import TrendStore

API_VERSION = "1.0"
ENTRY_POINT_GROUP = "v5console.strategies"
Track = Literal["V4_STABLE", "V5_HYBRID", "V6_EXPERIMENTAL"]
Routing = Literal["order_a_only", "order_b_only", "dual_orders"]
TpTarget = Literal["TP1", "TP2", "TP3"]
DecisionOutcome = Literal["ACCEPT", "REJECTED", "IGNORED"]


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a plugin is (SPEC §3.9.1). `requires` maps a plugin id (or "core") to a
    version range in PEP 440 form, e.g. {"core": ">=1.0,<2"}."""

    id: str
    name: str
    version: str
    track: Track
    strategy: str  # V3_COMBINED, V6_PRICE_ACTION, or a third party's own
    timeframes: tuple[str, ...]
    priority: int = 10
    requires: Mapping[str, str] = field(default_factory=dict)
    conflicts_with: tuple[str, ...] = ()
    isolation: Literal["inline", "process"] = "inline"
    description: str = ""


@dataclass(frozen=True, slots=True)
class EntryPlan:
    """One entry decision = one order group (SPEC §5.1). The desk turns it into Order A
    and/or Order B: sizing, SL/TP by the levels rule (§5.1.2) or the no-levels rule (§5.1.3).

    `owner` is who manages and closes the positions (a plugin id, or a V4 logic label);
    `tag` is the broker tag code (SPEC §5.1.5: "v3-logic1", "v6-5m", "v4-logic2"...).
    """

    symbol: str
    direction: Direction
    owner: str
    tag: str
    routing: Routing
    signal_id: str
    levels: Levels | None = None  # None (legacy) → table SL, TP at rr_ratio
    order_a_target: TpTarget = "TP2"  # with levels; TP3 falls back to TP2 when null
    lot_multiplier: float = 1.0  # every strategy multiplier, multiplied together
    sl_multiplier: float = 1.0  # applies to table-derived SLs only (§4.1.3)
    max_lot: float | None = None  # the strategy's cap (never above the tier max lot)
    levels_required: bool = False  # V6: SL always from the alert → INVALID_LEVELS if unusable
    rr_ratio: float | None = None  # without levels; None → dual_orders.rr_ratio
    logic: str | None = None  # the logic label (V4/V3), stored with the positions
    timeframe: str | None = None
    note: str = ""  # why, in words (kept in the decision record)


@dataclass(frozen=True, slots=True)
class CloseInstruction:
    """Close one of the plugin's own positions (ownership is checked by the host)."""

    ticket: int
    reason: str  # REVERSAL, EXIT_SIGNAL, TREND_FLIP...


@dataclass(frozen=True, slots=True)
class Decision:
    """A plugin's answer (SPEC §3.10). ACCEPT carries closes and/or entries; REJECTED and
    IGNORED carry the reason code (SPEC §3.8) and the words a trader reads."""

    outcome: DecisionOutcome
    reason: str
    detail: str = ""
    closes: tuple[CloseInstruction, ...] = ()
    entries: tuple[EntryPlan, ...] = ()

    @classmethod
    def reject(cls, reason: str, detail: str) -> Decision:
        return cls("REJECTED", reason, detail)

    @classmethod
    def ignore(cls, reason: str, detail: str) -> Decision:
        return cls("IGNORED", reason, detail)


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class OwnedPosition:
    """A plugin's own open position with the metadata the core keeps for it."""

    position: Position
    kind: str  # A, B, R, P...
    logic: str | None
    group_id: str | None
    opened_at: str


@dataclass(frozen=True, slots=True)
class StrategyDay:
    """One owner's counts for the current trading day (SPEC §4.2.7, §4.3.4 limits)."""

    trading_day: str
    groups_opened: int
    realised_loss: float
    realised_profit: float
    open_positions: int


class PluginServices(Protocol):
    """What the core offers a plugin (SPEC §3.3): never the broker itself."""

    plugin_id: str

    def settings(self) -> Settings: ...

    def config(self) -> BaseModel:
        """This plugin's validated `plugins.<id>.config` section."""
        ...

    @property
    def trends(self) -> TrendStore: ...

    @property
    def pulses(self) -> PulseStore: ...

    @property
    def indicators(self) -> IndicatorSnapshot: ...

    def now(self) -> datetime: ...

    def positions(self, symbol: str | None = None,
                  direction: Direction | None = None) -> list[OwnedPosition]:
        """The plugin's own open positions (owner = plugin id)."""
        ...

    async def quote(self, symbol: str) -> Quote: ...

    async def spread_pips(self, symbol: str) -> float: ...

    def gates(self, symbol: str, *, announce: bool = True) -> GateResult:
        """Global gates 2-8 (SPEC §3.8) for a new order on `symbol` now."""
        ...

    def day(self) -> StrategyDay:
        """This plugin's trades, loss and open positions today."""
        ...

    def state(self) -> dict[str, Any]:
        """Persistent key-value state (a copy); `save_state` writes it atomically."""
        ...

    def save_state(self, state: Mapping[str, Any]) -> None: ...


class StrategyPlugin(ABC):
    """Base class of every strategy plugin. Subclasses set `manifest` and implement
    `on_signal`; the other hooks have safe defaults."""

    manifest: Manifest

    def __init__(self, services: PluginServices) -> None:
        self.services = services

    @abstractmethod
    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        """Decide. In shadow the decision is the same; gates must not announce (no events)."""

    async def on_tick(self, now: datetime) -> None:
        """Optional timer hook (every second while the engine runs)."""
        return None

    def on_event(self, event: Any) -> None:
        """Order events for the plugin's own positions (opened, closed...)."""
        return None

    def health(self) -> Health:
        return Health(True, "ok")

    def export_state(self) -> dict[str, Any]:
        return self.services.state()

    def import_state(self, state: Mapping[str, Any]) -> None:
        self.services.save_state(state)

    @classmethod
    def config_schema(cls) -> type[BaseModel] | None:
        """The pydantic model of `plugins.<id>.config` (None: no configuration)."""
        return None


def accept(reason: str, detail: str, *, closes: Sequence[CloseInstruction] = (),
           entries: Sequence[EntryPlan] = ()) -> Decision:
    return Decision("ACCEPT", reason, detail, tuple(closes), tuple(entries))
