"""V6 entry filters and plugin limits (SPEC §4.3.2-§4.3.4), as pure functions of their inputs."""

from __future__ import annotations

from dataclasses import dataclass

from core.config.plugins import V6Config
from core.domain.enums import Direction
from core.risk.gates import ALLOWED, GateResult, usd
from core.signals.pulse_store import PulseRecord

# SPEC §4.3.2: a reported state in these words means the market is ranging.
SIDEWAYS_WORDS = frozenset({"CHOPPY", "SIDEWAYS"})


@dataclass(frozen=True, slots=True)
class EntryFacts:
    """Everything the filter chain looks at for one entry, gathered by the plugin.

    `spread_pips` is None when no live quote could be read (`spread_problem` says why);
    `sideways_record` is the pulse record of (symbol, plugin timeframe), `htf_record` that of
    (symbol, higher timeframe); either is None when no alert has created it yet.
    """

    direction: Direction
    adx: float | None
    confidence: float | None
    spread_pips: float | None = None
    spread_problem: str = ""
    sideways_record: PulseRecord | None = None
    htf_record: PulseRecord | None = None
    open_groups: int = 0
    groups_today: int = 0
    loss_today: float = 0.0


def num(value: float) -> str:
    """27.4, 25, 0.5: numbers as a trader writes them (no trailing zeros)."""
    return f"{value:g}"


def adx_check(tf: str, adx: float | None, minimum: float) -> GateResult:
    """ADX ≥ minimum; an unknown ADX (NA) fails closed (SPEC §2.4, §4.3.2)."""
    if adx is None:
        return GateResult("ADX_LOW", f"filtered: V6 {tf} ADX unknown (NA) — needs ≥ "
                                     f"{num(minimum)}")
    if adx < minimum:
        return GateResult("ADX_LOW", f"filtered: V6 {tf} ADX {num(adx)} < {num(minimum)}")
    return ALLOWED


def confidence_check(tf: str, confidence: float | None, minimum: float) -> GateResult:
    """The numeric confidence score ≥ minimum; a missing score fails closed."""
    if confidence is None:
        return GateResult("CONFIDENCE_LOW", f"filtered: V6 {tf} confidence unknown — needs ≥ "
                                            f"{num(minimum)}")
    if confidence < minimum:
        return GateResult("CONFIDENCE_LOW", f"filtered: V6 {tf} confidence {num(confidence)} "
                                            f"< {num(minimum)}")
    return ALLOWED


def spread_check(tf: str, spread: float | None, maximum: float | None,
                 problem: str = "") -> GateResult:
    """Live spread strictly below the maximum (SPEC §4.3.2, 1m); no maximum → no check."""
    if maximum is None:
        return ALLOWED
    if spread is None:  # the spread cannot be known without a quote: the broker is the cause
        return GateResult("MT5_ERROR", f"V6 {tf}: no live spread ({problem or 'no quote'})")
    if spread >= maximum:
        return GateResult("SPREAD_HIGH", f"filtered: V6 {tf} spread {num(spread)} pips ≥ "
                                         f"{num(maximum)}")
    return ALLOWED


def sideways_check(tf: str, record: PulseRecord | None, active: bool) -> GateResult:
    """SPEC §4.3.2 (15m): the computed state is not SIDEWAYS and the latest reported state
    is not CHOPPY/SIDEWAYS. No record → allowed."""
    if not active or record is None:
        return ALLOWED
    # A record made by a STATE_CHANGE alone has no counts: its computed state means nothing.
    if record.has_counts and record.state == "SIDEWAYS":
        return GateResult("MARKET_SIDEWAYS", f"filtered: V6 {tf} market sideways on "
                                             f"{record.symbol} {record.timeframe} (pulse "
                                             f"{record.bull_count}/{record.bear_count})")
    reported = (record.reported_state or "").strip().upper()
    if reported in SIDEWAYS_WORDS:
        return GateResult("MARKET_SIDEWAYS", f"filtered: V6 {tf} market reported {reported} "
                                             f"on {record.symbol} {record.timeframe}")
    return ALLOWED


def htf_check(tf: str, higher_tf: str | None, record: PulseRecord | None,
              direction: Direction) -> GateResult:
    """SPEC §4.3.3: BUY needs bulls > bears on the higher timeframe, SELL bears > bulls.
    No higher timeframe (1m) or no pulse yet → allowed."""
    if higher_tf is None or record is None or not record.has_counts:
        return ALLOWED
    if record.aligned(direction.value):
        return ALLOWED
    return GateResult("HTF_MISALIGNED", f"filtered: V6 {tf} {direction.value} against the "
                                        f"{higher_tf} pulse {record.bull_count} bull / "
                                        f"{record.bear_count} bear")


def limits_check(tf: str, config: V6Config, facts: EntryFacts) -> GateResult:
    """SPEC §4.3.4: this plugin's open groups, groups opened today, realised loss today.
    As with the global limits (SPEC §5.4.4), 0 trades per day means unlimited; a loss limit
    of 0 is off (it would otherwise block a day without any loss)."""
    if facts.open_groups >= config.max_open_trades:
        return GateResult("PLUGIN_MAX_OPEN", f"blocked: V6 {tf} has {facts.open_groups} open "
                                             f"trades (max {config.max_open_trades})")
    if 0 < config.max_daily_trades <= facts.groups_today:
        return GateResult("PLUGIN_DAILY_TRADES", f"blocked: V6 {tf} daily trade limit "
                                                 f"reached ({facts.groups_today} of "
                                                 f"{config.max_daily_trades} today)")
    if 0 < config.daily_loss_limit <= facts.loss_today:
        return GateResult("PLUGIN_DAILY_LOSS", f"blocked: V6 {tf} lost {usd(facts.loss_today)} "
                                               f"today (limit {usd(config.daily_loss_limit)})")
    return ALLOWED


def first_failure(tf: str, config: V6Config, facts: EntryFacts) -> GateResult:
    """The strategy filters in SPEC order, then the limits: the first failure, or ALLOWED."""
    checks = (
        lambda: adx_check(tf, facts.adx, config.adx_min),
        lambda: confidence_check(tf, facts.confidence, config.confidence_min),
        lambda: spread_check(tf, facts.spread_pips, config.max_spread_pips,
                             facts.spread_problem),
        lambda: sideways_check(tf, facts.sideways_record, config.avoid_sideways),
        lambda: htf_check(tf, config.higher_tf, facts.htf_record, facts.direction),
        lambda: limits_check(tf, config, facts),
    )
    for check in checks:
        result = check()
        if not result.allowed:
            return result
    return ALLOWED
