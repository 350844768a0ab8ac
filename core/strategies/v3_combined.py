"""The V3 Combined plugin `v3_combined` (SPEC §4.2); `create` is its entry point."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from core.config.plugins import V3CombinedConfig
from core.config.settings import LogicSettings
from core.domain.enums import Direction
from core.risk.gates import usd
from core.signals.v5 import V5Signal
from core.strategies.api import (
    CloseInstruction,
    Decision,
    EntryPlan,
    Manifest,
    OwnedPosition,
    StrategyPlugin,
    accept,
)
from core.strategies.v3.rules import (
    SIDE_OF_ACTION,
    TREND_OF,
    Refusal,
    consensus_refusal,
    has_levels,
    is_aggressive,
    logic_aligned,
    logic_for_v3,
    logic_tag,
    pillars_aligned,
    position_multiplier,
    trend_words,
)

MANIFEST = Manifest(
    id="v3_combined", name="V3 Combined", version="1.0.0", track="V5_HYBRID",
    strategy="V3_COMBINED",
    # 5m-4h are the V3 routing rows; 1m and 1d V3 alerts still reach the plugin (routing row
    # 6), and legacy bias/trend alerts come on 1d as well.
    timeframes=("5m", "15m", "1h", "4h", "1m", "1d"), priority=1,
    requires={"core": ">=1.0,<2"},
    description="V3 combined indicator alerts, consensus-filtered, routed to Logic 1-3; "
                "legacy-origin alerts under the V4 rules")
LEGACY_TREND = {"bull": "BULLISH", "bear": "BEARISH"}


class V3CombinedPlugin(StrategyPlugin):
    """Decides on V3-origin alerts by SPEC §4.2 and on legacy-origin ones by §4.1.2-§4.1.4.
    It only plans: the host closes first, then the desk sizes and places each group."""

    manifest = MANIFEST

    @classmethod
    def config_schema(cls) -> type[BaseModel]:
        return V3CombinedConfig

    def config(self) -> V3CombinedConfig:
        value = self.services.config()
        if isinstance(value, V3CombinedConfig):
            return value
        return V3CombinedConfig.model_validate(value.model_dump())

    async def on_signal(self, signal: V5Signal, shadow: bool = False) -> Decision:
        action = signal.action
        legacy = signal.context.get("source_format") != "V3"
        if action in ("entry_long", "entry_short"):
            side = SIDE_OF_ACTION[action]
            if legacy:
                return self._legacy_entry(signal, side, shadow)
            return self._v3_entry(signal, side, shadow)
        if action in ("exit_long", "exit_short"):
            return self._exit(signal, SIDE_OF_ACTION[action], legacy)
        if action in ("reversal_long", "reversal_short"):
            return self._reversal(signal, SIDE_OF_ACTION[action])
        if action == "trend_update":
            return self._trend_update(signal)
        return Decision.ignore("NOT_TRADED", f"{action} on {signal.symbol} {signal.timeframe}: "
                                             "nothing for the V3 plugin to do")

    # -- V3-origin entries (SPEC §4.2.1) -------------------------------------------------------
    def _v3_entry(self, signal: V5Signal, side: Direction, shadow: bool) -> Decision:
        config = self.config()
        symbol = signal.symbol
        kind = signal.context.get("indicator_signal_type")
        consensus = signal.scores.consensus
        logic = logic_for_v3(signal)
        cfg = self.services.settings().logics.get(logic)
        if cfg is None:
            return Decision.ignore("NO_LOGIC_FOR_TF", f"{logic} is not configured: not traded")
        if not cfg.enabled:
            return Decision.reject("LOGIC_DISABLED", _disabled_words(logic))
        gate = self.services.gates(symbol, announce=not shadow)
        if not gate.allowed:
            return Decision.reject(str(gate.code), gate.text)
        refusal = consensus_refusal(config, kind, side, consensus)
        if refusal is not None:
            return Decision.reject(refusal.code, refusal.words)
        closes: list[CloseInstruction] = []
        opposite = self.services.positions(symbol, side.opposite)
        if opposite and is_aggressive(config, kind, consensus):
            # Reason REVERSAL: the new entry is itself the opposite signal, so no exit
            # continuation is armed for these (SPEC §4.2.4).
            closes = [CloseInstruction(p.position.ticket, "REVERSAL") for p in opposite]
        elif opposite:
            return Decision.reject("OPPOSITE_OPEN", (
                f"V3 holds {_count(opposite, side.opposite)} on {symbol}; {kind} with consensus "
                f"{consensus} does not reverse (needs an aggressive signal type or consensus "
                f"≥ {config.aggressive_reversal_min_consensus})"))
        refusal = self._trend_refusal(config, symbol, side) or \
            self._open_or_limited(config, symbol, side, logic)
        if refusal is not None:
            return _refuse(refusal, closes)
        multiplier = position_multiplier(signal.context.get("extras", {})) \
            if config.use_position_multiplier else 1.0
        levels = signal.levels if has_levels(signal) else None
        plan = self._plan(signal, side, logic, cfg, levels is not None,
                          cfg.lot_multiplier * multiplier)
        words = (f"V3 {kind} {side.value} {symbol} {signal.timeframe}, consensus {consensus} → "
                 f"{logic} ({cfg.v3_routing}, lot × {cfg.lot_multiplier:g} × {multiplier:g}, "
                 f"{'alert levels, A → TP2' if levels else 'no usable levels: table SL'})")
        if closes:
            words = f"aggressive reversal: closing {_count(opposite, side.opposite)}; " + words
        return accept("ORDER_PLACED", words, closes=closes, entries=(plan,))

    def _trend_refusal(self, config: V3CombinedConfig, symbol: str,
                       side: Direction) -> Refusal | None:
        """SPEC §4.2.6: fresh entries skip the trend check unless the operator turned the
        bypass off; then the pillar rule applies to them as to autonomous orders."""
        if config.bypass_trend_check_for_fresh_entries or pillars_aligned(
                self.services.trends, symbol, side, config.pillars, config.min_pillar_alignment):
            return None
        return Refusal("TREND_MISALIGNED", (
            f"V3 needs {config.min_pillar_alignment} of {len(config.pillars)} pillars "
            f"{TREND_OF[side]}; now {trend_words(self.services.trends, symbol, config.pillars)}"))

    # -- legacy-origin entries (SPEC §4.2.6 → §4.1.2) ----------------------------------------
    def _legacy_entry(self, signal: V5Signal, side: Direction, shadow: bool) -> Decision:
        config = self.config()
        symbol = signal.symbol
        logic = self._logic_by_tf(signal)
        cfg = self.services.settings().logics.get(logic or "")
        if logic is None or cfg is None:
            return Decision.ignore("NO_LOGIC_FOR_TF", f"no logic trades {signal.timeframe} "
                                                      "entries: not traded")
        if not cfg.enabled:
            return Decision.reject("LOGIC_DISABLED", _disabled_words(logic))
        gate = self.services.gates(symbol, announce=not shadow)
        if not gate.allowed:
            return Decision.reject(str(gate.code), gate.text)
        trends = self.services.trends
        if not logic_aligned(trends, symbol, side, cfg.alignment_timeframes):
            needed = " and ".join(cfg.alignment_timeframes)
            return Decision.reject("TREND_MISALIGNED", (
                f"{logic} needs {needed} both {TREND_OF[side]}; now "
                f"{trend_words(trends, symbol, cfg.alignment_timeframes)}"))
        refusal = self._open_or_limited(config, symbol, side, logic)
        if refusal is not None:
            return Decision.reject(refusal.code, refusal.words)
        # SPEC §4.1.2 step 5: only the same logic's opposite positions make way.
        opposite = self._of_logic(symbol, side.opposite, logic)
        closes = [CloseInstruction(p.position.ticket, "REVERSAL") for p in opposite]
        plan = self._plan(signal, side, logic, cfg, False, cfg.lot_multiplier)
        words = (f"legacy {side.value} {symbol} {signal.timeframe} → {logic} aligned "
                 f"({cfg.v3_routing}, lot × {cfg.lot_multiplier:g}, table SL × "
                 f"{cfg.sl_multiplier:g})")
        if closes:
            words = f"closing {_count(opposite, side.opposite)} of {logic} first; " + words
        return accept("ORDER_PLACED", words, closes=closes, entries=(plan,))

    # -- shared entry steps ----------------------------------------------------------------------
    def _open_or_limited(self, config: V3CombinedConfig, symbol: str, side: Direction,
                         logic: str) -> Refusal | None:
        """One open group per logic per symbol, then the plugin limits (SPEC §4.2.7). A limit
        of 0 means none, as for the global max daily trades."""
        if self._of_logic(symbol, side, logic):
            return Refusal("ALREADY_OPEN", f"{logic} already holds a {side.value} group on "
                                           f"{symbol}")
        if config.allowed_symbols and symbol not in config.allowed_symbols:
            return Refusal("SYMBOL_NOT_ALLOWED", (
                f"{symbol} is not among the V3 plugin's allowed symbols "
                f"({', '.join(config.allowed_symbols)})"))
        day = self.services.day()
        if 0 < config.max_daily_trades <= day.groups_opened:
            return Refusal("PLUGIN_DAILY_TRADES", (
                f"V3 daily trade limit reached: {day.groups_opened} of "
                f"{config.max_daily_trades} groups opened today"))
        if 0 < config.max_daily_loss <= day.realised_loss:
            return Refusal("PLUGIN_DAILY_LOSS", (
                f"V3 daily loss limit reached: {usd(day.realised_loss)} lost today "
                f"(limit {usd(config.max_daily_loss)})"))
        return None

    def _plan(self, signal: V5Signal, side: Direction, logic: str, cfg: LogicSettings,
              with_levels: bool, lot_multiplier: float) -> EntryPlan:
        """SPEC §4.2.7: Order A → TP2 with levels; without them the table SL × the logic's SL
        multiplier (the desk applies it to table SLs only)."""
        return EntryPlan(
            symbol=signal.symbol, direction=side, owner=self.manifest.id,
            tag=logic_tag(logic), routing=cfg.v3_routing, signal_id=signal.signal_id,
            levels=signal.levels if with_levels else None, order_a_target="TP2",
            lot_multiplier=lot_multiplier, sl_multiplier=cfg.sl_multiplier,
            max_lot=self.config().max_lot, logic=logic, timeframe=signal.timeframe,
            rr_ratio=self.config().rr_ratio,  # §4.2.7 "R:R when no levels"
            note=f"{logic} via {signal.context.get('source_format')} alert")

    # -- exits, reversals, trend flips (never gated: SPEC §3.8) -------------------------------
    def _exit(self, signal: V5Signal, side: Direction, legacy: bool) -> Decision:
        """V3 (§4.2.8): every logic's positions on the closed side; legacy (§4.1.4): only the
        logic bound to the alert's timeframe. Exit intelligence (§5.2.3) and the exit
        continuation it arms (§6.5) belong to the position manager (issue #5), which does not
        exist yet: until then an exit closes the positions in full."""
        symbol = signal.symbol
        if legacy:
            logic = self._logic_by_tf(signal)
            if logic is None:
                return Decision.ignore("NO_LOGIC_FOR_TF", f"no logic trades {signal.timeframe}")
            targets, scope = self._of_logic(symbol, side, logic), f"{logic} "
        else:
            targets, scope = self.services.positions(symbol, side), "V3 "
        if not targets:
            return Decision.ignore("NO_POSITIONS", f"no {scope}{side.value} positions on "
                                                   f"{symbol} to close")
        reason = signal.context.get("extras", {}).get("reason")
        words = f"exit: closing {_count(targets, side)} of {scope.strip()} on {symbol}" + (
            f" ({reason})" if reason else "")
        return accept("EXIT_SIGNAL", words, closes=_closes(targets, "EXIT_SIGNAL"))

    def _reversal(self, signal: V5Signal, new_side: Direction) -> Decision:
        """SPEC §4.1.4: a legacy reversal closes the logic's other side at once; it opens
        nothing — the next entry alert does."""
        logic = self._logic_by_tf(signal)
        if logic is None:
            return Decision.ignore("NO_LOGIC_FOR_TF", f"no logic trades {signal.timeframe}")
        side = new_side.opposite
        targets = self._of_logic(signal.symbol, side, logic)
        if not targets:
            return Decision.ignore("NO_POSITIONS", f"reversal to {new_side.value}: no {logic} "
                                                   f"{side.value} on {signal.symbol} to close")
        return accept("REVERSAL", f"reversal to {new_side.value}: closing "
                                  f"{_count(targets, side)} of {logic} on {signal.symbol}",
                      closes=_closes(targets, "REVERSAL"))

    def _trend_update(self, signal: V5Signal) -> Decision:
        """The shared stores already wrote the trend; only a legacy `trend` alert (not a bias)
        on a logic's entry timeframe closes that logic's positions against it (TREND_FLIP)."""
        extras = signal.context.get("extras", {})
        symbol, tf = signal.symbol, signal.timeframe
        if extras.get("legacy_type") != "trend":
            what = "bias" if extras.get("legacy_type") == "bias" else "trend pulse"
            return Decision.ignore("NOT_TRADED", f"{what} {symbol} {tf} is in the trend store; "
                                                 "it never trades")
        trend = LEGACY_TREND[str(extras.get("legacy_signal"))]
        if self.services.trends.get(symbol, tf).mode == "MANUAL":
            # The operator's lock overrides the alert for the store, so it must not close
            # positions on the alert's word either.
            return Decision.ignore("MANUAL_LOCK", f"{symbol} {tf} is locked by the operator; "
                                                  f"the {trend} alert closes nothing")
        against = Direction.SELL if trend == "BULLISH" else Direction.BUY
        logics = [name for name, cfg in self.services.settings().logics.items()
                  if cfg.entry_timeframe == tf]
        targets = [p for p in self.services.positions(symbol, against) if p.logic in logics]
        if not targets:
            return Decision.ignore("NOT_TRADED", f"trend {symbol} {tf} {trend}: no "
                                                 f"{against.value} against it to close")
        return accept("TREND_FLIP", f"trend {tf} turned {trend}: closing "
                                    f"{_count(targets, against)} on {symbol}",
                      closes=_closes(targets, "TREND_FLIP"))

    # -- helpers -----------------------------------------------------------------------------------
    def _logic_by_tf(self, signal: V5Signal) -> str | None:
        """Legacy alerts carry the logic of their timeframe; otherwise the logic whose entry
        timeframe it is (SPEC §4.1.2 step 1)."""
        given = signal.context.get("logic")
        if given is not None:
            return str(given)
        for name, cfg in self.services.settings().logics.items():
            if cfg.entry_timeframe == signal.timeframe:
                return name
        return None

    def _of_logic(self, symbol: str, side: Direction, logic: str) -> list[OwnedPosition]:
        return [p for p in self.services.positions(symbol, side) if p.logic == logic]


def _refuse(refusal: Refusal, closes: Sequence[CloseInstruction]) -> Decision:
    """After an aggressive reversal the closes stand even if the new entry is refused
    (SPEC §4.2.4 "close, then continue")."""
    if not closes:
        return Decision.reject(refusal.code, refusal.words)
    return accept("REVERSAL", f"aggressive reversal done; no new entry ({refusal.code}): "
                              f"{refusal.words}", closes=closes)


def _closes(targets: Sequence[OwnedPosition], reason: str) -> tuple[CloseInstruction, ...]:
    return tuple(CloseInstruction(p.position.ticket, reason) for p in targets)


def _count(positions: Sequence[OwnedPosition], side: Direction) -> str:
    n = len(positions)
    return f"{n} {side.value} position{'s' if n != 1 else ''}"


def _disabled_words(logic: str) -> str:
    number = logic.rsplit("-", 1)[-1]
    return f"{logic} is switched off (/logic{number} on turns it back on)"


create = V3CombinedPlugin
