"""Pure V3 Combined rules (SPEC §4.2): routing, consensus, aggressive reversal, alignment."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.config.plugins import V3CombinedConfig
from core.domain.enums import Direction
from core.signals.v3 import MULTIPLIER_RANGE, route_v3
from core.signals.v5 import V5Signal
from core.strategies.trend_store import TrendStore

log = logging.getLogger(__name__)
LOGICS = ("combinedlogic-1", "combinedlogic-2", "combinedlogic-3")
TREND_OF = {Direction.BUY: "BULLISH", Direction.SELL: "BEARISH"}
SIDE_OF_ACTION = {"entry_long": Direction.BUY, "entry_short": Direction.SELL,
                  "exit_long": Direction.BUY, "exit_short": Direction.SELL,
                  "reversal_long": Direction.BUY, "reversal_short": Direction.SELL}
LAUNCHPAD = "Institutional_Launchpad"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rule that stops an entry: the SPEC §3.8 reason code and the trader's words."""

    code: str
    words: str


def logic_tag(logic: str) -> str:
    """SPEC §5.1.5 broker tag code of a V3 logic: combinedlogic-2 → v3-logic2."""
    return "v3-logic" + logic.rsplit("-", 1)[-1]


def logic_for_v3(signal: V5Signal) -> str:
    """SPEC §4.2.5: the bridge already routed at parse time (context "logic"); the table is
    the authority, so a missing or disagreeing label is replaced by the table's answer."""
    table = route_v3(signal.context.get("indicator_signal_type"), signal.timeframe)
    given = signal.context.get("logic")
    if given is not None and given != table:
        log.warning("signal %s arrived routed to %s; the V3 routing table says %s",
                    signal.signal_id, given, table)
    return table


def consensus_refusal(config: V3CombinedConfig, signal_type: str | None,
                      direction: Direction, consensus: int | None) -> Refusal | None:
    """SPEC §4.2.3; the general floor is checked first, so a Launchpad buy under it reads
    CONSENSUS_LOW like any other weak alert."""
    score = 0 if consensus is None else consensus
    shown = "missing" if consensus is None else str(consensus)
    if score < config.min_consensus_score:
        return Refusal("CONSENSUS_LOW",
                       f"filtered: V3 consensus {shown} < {config.min_consensus_score}")
    if signal_type == LAUNCHPAD and direction is Direction.BUY \
            and score < config.launchpad_buy_min_consensus:
        return Refusal("LAUNCHPAD_CONSENSUS_LOW",
                       f"filtered: Institutional_Launchpad buy needs consensus "
                       f"{config.launchpad_buy_min_consensus}, got {shown}")
    return None


def is_aggressive(config: V3CombinedConfig, signal_type: str | None,
                  consensus: int | None) -> bool:
    """SPEC §4.2.4: an aggressive signal type, or a consensus at the aggressive floor."""
    if signal_type in config.aggressive_reversal_signals:
        return True
    return consensus is not None and consensus >= config.aggressive_reversal_min_consensus


def pillars_aligned(trends: TrendStore, symbol: str, direction: Direction,
                    pillars: Iterable[str], minimum: int) -> bool:
    """SPEC §4.2.6: at least `minimum` of the pillar timeframes hold the trade's trend
    (re-entries, level-ups and other autonomous V3 orders; fresh entries bypass it)."""
    wanted = TREND_OF[direction]
    return sum(1 for tf in pillars if trends.get(symbol, tf).value == wanted) >= minimum


def logic_aligned(trends: TrendStore, symbol: str, direction: Direction,
                  timeframes: Iterable[str]) -> bool:
    """SPEC §4.1.3 alignment: every required timeframe holds the same non-NEUTRAL value and
    it matches the side (BULLISH for BUY, BEARISH for SELL)."""
    values = {trends.get(symbol, tf).value for tf in timeframes}
    return values == {TREND_OF[direction]}


def trend_words(trends: TrendStore, symbol: str, timeframes: Iterable[str]) -> str:
    """"1h BULLISH, 15m NEUTRAL": what the store holds, for a misalignment message."""
    return ", ".join(f"{tf} {trends.get(symbol, tf).value}" for tf in timeframes)


def position_multiplier(extras: Mapping[str, Any]) -> float:
    """SPEC §4.2.7: the alert's multiplier in 0.1-2.0 (default 1.0). The parser clamps
    already; clamping again keeps a signal from another source (a replay) inside the range."""
    raw = extras.get("position_multiplier")
    if raw is None:
        return 1.0
    low, high = MULTIPLIER_RANGE
    return min(max(float(raw), low), high)


def has_levels(signal: V5Signal) -> bool:
    """SPEC §5.1.1 "levels present": the parser's verdict when it gave one, else SL and TP1."""
    verdict = signal.context.get("extras", {}).get("levels_present")
    if verdict is not None:
        return bool(verdict)
    return signal.levels.sl is not None and signal.levels.tp1 is not None
